"""A contract check applied to a response a suite test has just received: the same check calibration runs over
recorded traffic, so the suite and the calibration judge an exchange alike."""

from __future__ import annotations

import json
from typing import Any

import httpx

from openai_rulebook.catalog import Rule
from openai_rulebook.contracts._registry import CHECKS, Seen


def seen_of(response: httpx.Response, endpoint: str) -> Seen:
    """``response`` (to a JSON request) as a check sees it; ``endpoint`` is the catalog endpoint it went to."""
    request = response.request
    try:
        sent: Any = json.loads(request.content) if request.content else None
    except ValueError:
        sent = None
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    return Seen(endpoint, request.url.path, dict(request.url.params), sent, response.status_code, body)


def judge(rule: Rule, response: httpx.Response, endpoint: str) -> None:
    """Run ``rule``'s contract check on ``response``; raises ``RuleViolation`` when it breaks the rule."""
    CHECKS[rule.id].check(rule, seen_of(response, endpoint))
