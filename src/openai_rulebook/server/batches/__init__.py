"""The reference server's batches area: its routes, domain code and faults."""
