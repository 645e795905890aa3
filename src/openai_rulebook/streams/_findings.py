"""What a stream checker reports: findings, each naming the event it is about; a rule id turns the first into a fail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from openai_rulebook.errors import RuleViolation


@dataclass(frozen=True, slots=True)
class Finding:
    """One way a stream breaks what the docs promise about it."""

    check: str  #: a short stable name of the check (``chat.same_id``), for calibration exceptions and reports
    index: int | None  #: the event it is about (0-based), None for the stream as a whole
    expected: str
    actual: str

    def __str__(self) -> str:
        where = f"event {self.index}" if self.index is not None else "stream"
        return f"{self.check} at {where}: expected {self.expected}; got {self.actual}"


def enforce(findings: Sequence[Finding], rule: str) -> None:
    """Raise ``RuleViolation`` for ``rule`` on the first finding (one violation per request); the rest as detail."""
    if not findings:
        return
    first = findings[0]
    where = f" (event {first.index})" if first.index is not None else ""
    detail = "\n".join(f"also: {finding}" for finding in findings[1:6])
    raise RuleViolation(rule, expected=first.expected, actual=f"{first.actual}{where}", detail=detail)
