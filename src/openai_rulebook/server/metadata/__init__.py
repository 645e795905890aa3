"""The reference server's metadata area: its routes, domain code and faults."""
