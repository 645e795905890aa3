"""The reference server's embeddings area: its routes, domain code (deterministic vectors) and faults."""
