"""The reference server's vector_store_files area: its routes, domain code and faults."""
