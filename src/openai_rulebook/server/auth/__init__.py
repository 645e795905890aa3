"""The reference server's auth area: its routes, domain code and faults."""
