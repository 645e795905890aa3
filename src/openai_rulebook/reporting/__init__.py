"""Reports: one writer per format. JSON first (``compliance.json``, ``mutants.json``), then a terminal summary."""

from openai_rulebook.reporting.compliance import COMPLIANCE_SCHEMA, compliance_document, write_compliance
from openai_rulebook.reporting.mutants import MUTANTS_SCHEMA, merge_mutants, write_mutants
from openai_rulebook.reporting.summary import print_summary

__all__ = [
    "COMPLIANCE_SCHEMA",
    "MUTANTS_SCHEMA",
    "compliance_document",
    "merge_mutants",
    "print_summary",
    "write_compliance",
    "write_mutants",
]
