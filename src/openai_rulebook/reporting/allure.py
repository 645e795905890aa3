"""Allure's ``categories.json``: the four kinds of outcome the verdict model tells apart, as Allure categories.

Allure files each test result under the first category it matches (statuses and a full-match regex on the
message). The order matters: a rule violation is a failed test whose message is a ``RuleViolation``'s
(``[rule.id]`` then ``Expected:``); any other failed or broken test is the harness's own error; inconclusive and
unsupported tests are skips whose reason starts with ``inconclusive:`` / ``unsupported:`` (``errors.Inconclusive``,
``errors.Unsupported``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openai_rulebook.atomic import write_atomically

FILE_NAME = "categories.json"

CATEGORIES: list[dict[str, Any]] = [
    {"name": "Rule violations", "description": "the API contradicted a catalog rule (verdict fail)",
     "matchedStatuses": ["failed"], "messageRegex": r"(?s).*\[[A-Za-z0-9_.\-]+\]\s+Expected: .*"},
    {"name": "Harness errors", "description": "the harness itself erred: a bug to fix, not a finding (verdict error)",
     "matchedStatuses": ["failed", "broken"]},
    {"name": "Inconclusive", "description": "the API could not be asked: network trouble, 429/5xx after retries, "
                                            "a failed precondition, no accepted control",
     "matchedStatuses": ["skipped"], "messageRegex": r"(?s).*inconclusive: .*"},
    {"name": "Unsupported", "description": "the target does not serve an endpoint the test needs",
     "matchedStatuses": ["skipped"], "messageRegex": r"(?s).*unsupported: .*"},
]


def write_categories(alluredir: Path) -> Path:
    path = alluredir / FILE_NAME
    write_atomically(path, json.dumps(CATEGORIES, indent=2) + "\n")
    return path
