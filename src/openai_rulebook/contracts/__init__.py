"""Contract rules judged on one exchange (a request and its response), for recorded or live traffic alike."""

from openai_rulebook.contracts._registry import CHECKS, ContractCheck, Seen, contract, findings
from openai_rulebook.contracts import _fine_tuning, _responses  # noqa: F401  - registers the checks

__all__ = ["CHECKS", "ContractCheck", "Seen", "contract", "findings"]
