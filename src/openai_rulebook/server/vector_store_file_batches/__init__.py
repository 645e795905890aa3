"""The reference server's vector_store_file_batches area: its routes, domain code and faults."""
