"""The reference server's files area: its routes, domain code and faults."""
