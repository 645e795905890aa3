"""Hold API responses to the official OpenAPI spec, minus the documented gaps where the live API is right."""

from openai_rulebook.spec._gaps import KNOWN_GAPS, KnownGap
from openai_rulebook.spec._load import load_spec
from openai_rulebook.spec._mismatch import SpecDrift, SpecMismatch
from openai_rulebook.spec._validate import Checked, ResponseValidator

__all__ = ["Checked", "KNOWN_GAPS", "KnownGap", "ResponseValidator", "SpecDrift", "SpecMismatch", "load_spec"]
