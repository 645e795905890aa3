"""Drift reports: between two runs (``rulebook drift runs``: ``drift.runs``) and between the catalog, the spec and
what was seen (``rulebook drift spec``: ``drift.spec``, ``drift.spec_diff``). Import the submodules directly."""
