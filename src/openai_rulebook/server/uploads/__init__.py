"""The reference server's uploads area: its routes, domain code and faults."""
