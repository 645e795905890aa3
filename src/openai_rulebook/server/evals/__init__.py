"""Evals: create, update, list, retrieve, delete (R04.1.11, R04.1.12, R07.12.1, R06.5.12)."""
