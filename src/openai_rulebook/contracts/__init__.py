"""Contract rules judged on one exchange (a request and its response), for recorded or live traffic alike."""

from openai_rulebook.contracts._registry import CHECKS, ContractCheck, Seen, contract, findings
from openai_rulebook.contracts import (  # noqa: F401  - registers the checks
    _audio,
    _chat,
    _completions,
    _embeddings,
    _fine_tuning,
    _images,
    _models,
    _moderations,
    _responses,
    _responses_api,
)
from openai_rulebook.contracts._live import judge, seen_of

__all__ = ["CHECKS", "ContractCheck", "Seen", "contract", "findings", "judge", "seen_of"]
