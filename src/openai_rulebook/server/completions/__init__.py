"""The reference server's legacy completions area: its routes, the completion objects and stream, and faults."""
