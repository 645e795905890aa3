"""From test outcomes to one verdict per catalog rule. Plain code: it knows nothing of pytest.

A test names the rules it checks. Its outcome counts for each of them, except that a ``RuleViolation`` fails only
the rule it names: the test's other rules were not judged to the end, so they count as inconclusive from that test.

Roll-up, worst first: fail > error > inconclusive > pass > unsupported > skipped. A rule no test ran is *skipped*
(with the reason), never *pass*; a rule whose every test found its endpoints missing on the target is *unsupported*
("your server lacks this"), never *fail*; a rule checked on some endpoints and unsupported on others is judged on
those it could check. An advisory rule is *not-checkable* with its ``why_not_checkable``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from openai_rulebook.catalog import Catalog

Outcome = Literal["pass", "fail", "error", "inconclusive", "unsupported", "skipped"]
Verdict = Literal["pass", "fail", "error", "inconclusive", "unsupported", "skipped", "not-checkable"]
VERDICTS: tuple[str, ...] = Verdict.__args__
_SEVERITY: dict[str, int] = {"fail": 5, "error": 4, "inconclusive": 3, "pass": 2, "unsupported": 1, "skipped": 0}
#: the roll-up order, worst highest (for joining verdicts of several runs: ``rulebook report merge``)
SEVERITY = _SEVERITY


@dataclass
class TestResult:
    """What one test found: its outcome and, for a rule violation, the rule it names."""

    __test__ = False  # not a pytest test class

    nodeid: str
    rules: tuple[str, ...]
    outcome: Outcome
    violated: tuple[str, ...] = ()
    message: str = ""
    duration: float = 0.0
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    #: catalog endpoints that answered this test with a 4xx
    refused: tuple[str, ...] = ()
    #: the index in ``exchanges`` of the exchange that decided a failure (or an inconclusive, an error)
    deciding: int | None = None

    def without_control(self, accepted: set[str]) -> TestResult:
        """A pass that rests on refusals of endpoints that accepted nothing all run proves nothing: inconclusive."""
        missing = sorted(set(self.refused) - accepted)
        if self.outcome != "pass" or not missing:
            return self
        return TestResult(self.nodeid, self.rules, "inconclusive", message=(
            f"no control: {', '.join(missing)} refused this test and accepted no request all run, so a refusal "
            "proves no rule"), duration=self.duration, exchanges=self.exchanges, refused=self.refused,
            deciding=self.deciding)

    def outcome_for(self, rule_id: str) -> Outcome:
        if self.outcome == "fail" and self.violated:
            if rule_id in self.violated:
                return "fail"
            return "inconclusive" if rule_id in self.rules else "skipped"
        return self.outcome


@dataclass
class RuleVerdict:
    id: str
    verdict: Verdict
    tests: list[dict[str, Any]]
    evidence: list[dict[str, Any]]
    reason: str = ""


def _evidence(result: TestResult, outcome: Outcome) -> dict[str, Any]:
    item: dict[str, Any] = {"test": result.nodeid, "outcome": outcome}
    if result.message:
        item["message"] = result.message
    if outcome in ("fail", "error", "inconclusive", "unsupported"):
        item.update(_exchanges(result))
    else:
        item["requests"] = len(result.exchanges)
        item["statuses"] = sorted({exchange["status"] for exchange in result.exchanges})
    return item


#: how many of the test's exchanges before the deciding one are kept for context
CONTEXT = 2


def _exchanges(result: TestResult) -> dict[str, Any]:
    """The deciding exchange (marked, with its curl line), the few before it, and clean-up apart: clean-up (deleting
    what the test created) never crowds out the request that decided the verdict."""
    own = [(index, e) for index, e in enumerate(result.exchanges) if e.get("phase", "test") == "test"]
    cleanup = [e for e in result.exchanges if e.get("phase", "test") != "test"]
    deciding = result.deciding if result.deciding is not None else (own[-1][0] if own else None)
    position = next((at for at, (index, _) in enumerate(own) if index == deciding), len(own) - 1)
    kept = [dict(e) for _, e in own[max(0, position - CONTEXT):position + 1]]
    if kept and deciding is not None:
        kept[-1]["deciding"] = True
    out: dict[str, Any] = {"exchanges": kept}
    if kept and kept[-1].get("deciding"):
        out["reproduce"] = kept[-1].get("curl", "")
    if cleanup:
        out["cleanup"] = [{"request": e["request"], "status": e["status"]} for e in cleanup]
    return out


def rule_verdicts(
    catalog: Catalog, results: Iterable[TestResult], *, not_run: Mapping[str, str] | None = None,
    accepted: set[str] | None = None,
) -> list[RuleVerdict]:
    """One verdict per catalog rule, in catalog order; ``not_run`` says why a rule's tests gave no result.

    ``accepted`` (the endpoints that answered 2xx in the run) makes every refusal need a control: see
    ``TestResult.without_control``.
    """
    by_rule: dict[str, list[tuple[TestResult, Outcome]]] = {}
    for result in results:
        if accepted is not None:
            result = result.without_control(accepted)
        for rule_id in {*result.rules, *result.violated}:
            by_rule.setdefault(rule_id, []).append((result, result.outcome_for(rule_id)))
    verdicts = []
    for rule in catalog.rules:
        if not rule.checkable:
            verdicts.append(RuleVerdict(rule.id, "not-checkable", [], [], reason=rule.why_not_checkable or ""))
            continue
        entries = by_rule.get(rule.id, [])
        if not entries:
            reason = (not_run or {}).get(rule.id, "no test in the suites checks this rule yet")
            verdicts.append(RuleVerdict(rule.id, "skipped", [], [], reason=reason))
            continue
        worst = max((outcome for _, outcome in entries), key=_SEVERITY.__getitem__)
        tests = [{"nodeid": r.nodeid, "outcome": o, "duration": round(r.duration, 4)} for r, o in entries]
        evidence = [_evidence(r, o) for r, o in entries if o != "skipped" or r.message]
        reason = ""
        if worst == "skipped":
            reason = "; ".join(sorted({r.message for r, _ in entries if r.message})) or "every test was skipped"
        verdicts.append(RuleVerdict(rule.id, worst, tests, evidence, reason=reason))  # type: ignore[arg-type]
    return verdicts


def count(verdicts: Iterable[RuleVerdict]) -> dict[str, int]:
    totals = dict.fromkeys(VERDICTS, 0)
    for verdict in verdicts:
        totals[verdict.verdict] += 1
    return totals
