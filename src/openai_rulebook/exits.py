"""Exit codes and error lines: one convention for every ``rulebook`` command and for plain ``pytest`` with the plugin.

    0  every rule that was checked passed (and at least one was)
    1  a rule failed
    2  usage or input error: a bad option, a missing file, an unwritable report directory, incomplete cassettes
    3  the harness erred (a rule's verdict is ``error``, or the harness itself broke)
    4  nothing conclusive: the target did not answer, or no rule could be judged pass or fail

Every error line starts with ``rulebook: error: `` and names the option, file, rule or test it is about; a name
that is almost a valid one comes with the nearest valid names.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

OK = 0
RULE_FAILED = 1
USAGE = 2
HARNESS = 3
NOTHING_CONCLUSIVE = 4

PREFIX = "rulebook: error: "


def error_line(message: str) -> str:
    """``message`` with the one prefix every error line has."""
    return message if message.startswith(PREFIX) else PREFIX + message


def nearest(name: str, choices: Iterable[str], *, count: int = 3) -> str:
    """``"; did you mean 'a' or 'b'?"`` for the valid names closest to ``name``, or ``""`` when none is close."""
    close = difflib.get_close_matches(name, list(choices), n=count, cutoff=0.6)
    if not close:
        return ""
    return "; did you mean " + " or ".join(repr(choice) for choice in close) + "?"


def for_verdicts(summary: Mapping[str, int]) -> int:
    """The exit code of a run whose rules got ``summary`` (verdict -> number of rules)."""
    if summary.get("fail"):
        return RULE_FAILED
    if summary.get("error"):
        return HARNESS
    if not summary.get("pass"):
        return NOTHING_CONCLUSIVE
    return OK
