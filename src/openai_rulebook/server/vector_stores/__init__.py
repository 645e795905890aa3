"""The reference server's vector_stores area: its routes, domain code and faults."""
