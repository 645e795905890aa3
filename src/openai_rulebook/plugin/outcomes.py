"""Classify how a test phase ended: a rule violation, a harness error, or an unanswered API."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from openai_rulebook.errors import Inconclusive, RuleViolation, Unsupported
from openai_rulebook.verdicts import Outcome

_SEVERITY = {"pass": 0, "skipped": 1, "unsupported": 2, "inconclusive": 3, "error": 4, "fail": 5}
_MESSAGE_LINES = 12


@dataclass
class PhaseOutcome:
    outcome: Outcome
    violated: tuple[str, ...] = ()
    message: str = ""
    duration: float = 0.0

    def worse_than(self, other: PhaseOutcome) -> bool:
        return _SEVERITY[self.outcome] > _SEVERITY[other.outcome]


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for sub in exc.exceptions for leaf in _leaves(sub)]
    return [exc]


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    lines = text.splitlines()
    cut = "\n…" if len(lines) > _MESSAGE_LINES else ""
    return "\n".join(lines[:_MESSAGE_LINES]) + cut


def classify(when: str, excinfo: pytest.ExceptionInfo[BaseException] | None, skipped_reason: str = "", *,
             replay_miss: str = "") -> PhaseOutcome:
    """One phase (setup, call, teardown) of one test.

    ``replay_miss``: a request this phase asked of a replayed cassette that it does not hold. That is a harness
    error whatever the test made of it (vcrpy's exception, a hypothesis ``Flaky…`` around it, a pass that swallowed
    it): the replay no longer sends what was recorded, so no verdict of it can be trusted.
    """
    if replay_miss:
        return PhaseOutcome("error", message=replay_miss)
    if excinfo is None:
        return PhaseOutcome("pass")
    leaves = _leaves(excinfo.value)
    if any(isinstance(leaf, Inconclusive) for leaf in leaves):  # before skips: Inconclusive is a kind of skip
        inconclusive = next(leaf for leaf in leaves if isinstance(leaf, Inconclusive))
        return PhaseOutcome("inconclusive", message=_short(inconclusive).removeprefix("inconclusive: "))
    if any(isinstance(leaf, Unsupported) for leaf in leaves):
        unsupported = next(leaf for leaf in leaves if isinstance(leaf, Unsupported))
        return PhaseOutcome("unsupported", message=_short(unsupported).removeprefix("unsupported: "))
    if excinfo.errisinstance(pytest.skip.Exception):
        return PhaseOutcome("skipped", message=skipped_reason or _short(excinfo.value))
    violations = [leaf for leaf in leaves if isinstance(leaf, AssertionError | pytest.fail.Exception)]
    if when == "call" and violations and len(violations) == len(leaves):
        rules = tuple(sorted({leaf.rule for leaf in violations if isinstance(leaf, RuleViolation)}))
        plain = any(not isinstance(leaf, RuleViolation) for leaf in violations)
        # a plain assertion fails every rule the test names; a RuleViolation only the rule it carries
        return PhaseOutcome("fail", violated=() if plain else rules, message="\n".join(_short(v) for v in violations))
    return PhaseOutcome("error", message=f"harness error in {when}: {type(leaves[0]).__name__}: {_short(leaves[0])}")
