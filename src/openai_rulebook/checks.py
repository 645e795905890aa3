"""Assertions the suites make about responses, each raising ``RuleViolation`` for the rule it serves.

They assert what a rule says and no more: the status class, the error envelope's shape, the ``param`` it names.
Message texts and error codes are never pinned: the live API changes them without notice.
"""

from __future__ import annotations

from typing import Any

import httpx

from openai_rulebook.errors import RuleViolation

ENVELOPE_RULE = "errors.envelope"


def _brief(response: httpx.Response) -> str:
    text = response.text
    return f"{response.status_code} {text[:300]}{'…' if len(text) > 300 else ''}"


def error_envelope(response: httpx.Response) -> dict[str, Any]:
    """The ``error`` object of a 4xx/5xx response; a malformed envelope violates ``errors.envelope``."""
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    problems = []
    if not isinstance(error, dict):
        problems.append("no 'error' object")
    else:
        for key in ("message", "type"):
            if not isinstance(error.get(key), str):
                problems.append(f"'{key}' is not a string")
        for key in ("param", "code"):
            if key not in error or not (error[key] is None or isinstance(error[key], str)):
                problems.append(f"'{key}' is missing or neither a string nor null")
    if problems:
        raise RuleViolation(
            ENVELOPE_RULE,
            expected='{"error": {"message": str, "type": str, "param": str|null, "code": str|null}}',
            actual=f"{_brief(response)} ({'; '.join(problems)})",
        )
    return error  # type: ignore[return-value]


def expect_rejected(
    response: httpx.Response, rule: str, *, status: int | None = None, param: str | None = None, why: str = ""
) -> dict[str, Any]:
    """The request broke ``rule``: a 4xx (exactly ``status`` if given) with the envelope, naming ``param`` if given."""
    wanted = str(status) if status else "4xx"
    ok = response.status_code == status if status else 400 <= response.status_code < 500
    if not ok:
        raise RuleViolation(rule, expected=f"{wanted} rejecting the request{f' ({why})' if why else ''}",
                            actual=_brief(response))
    error = error_envelope(response)
    if param is not None and error.get("param") != param:
        raise RuleViolation(rule, expected=f"{wanted} with error.param = {param!r}",
                            actual=f"error.param = {error.get('param')!r} ({_brief(response)})")
    return error


def expect_accepted(response: httpx.Response, rule: str, *, why: str = "") -> Any:
    """The request kept to ``rule`` (its boundary included): a 2xx, whose JSON body is returned."""
    if not response.is_success:
        raise RuleViolation(rule, expected=f"2xx accepting the request{f' ({why})' if why else ''}",
                            actual=_brief(response))
    try:
        return response.json()
    except ValueError:
        return response.text


def expect(rule: str, condition: bool, *, expected: str, actual: Any) -> None:
    """A property of a response that ``rule`` requires."""
    if not condition:
        raise RuleViolation(rule, expected=expected, actual=repr(actual) if not isinstance(actual, str) else actual)
