"""The reference server's errors area: its routes, domain code and faults."""
