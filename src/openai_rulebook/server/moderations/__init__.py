"""The reference server's moderations area: its routes, the deterministic classifier and faults."""
