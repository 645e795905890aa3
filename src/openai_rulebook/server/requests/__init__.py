"""The reference server's requests area: its routes, domain code and faults."""
