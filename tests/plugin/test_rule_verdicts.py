"""``verdicts.rule_verdicts``: the roll-up from test outcomes to one verdict per rule, without pytest."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest

from openai_rulebook.catalog import Catalog, Rule
from openai_rulebook.verdicts import TestResult, count, rule_verdicts

WORST_FIRST = ["fail", "error", "inconclusive", "pass", "skipped"]


def _rule(rule_id: str, **fields: object) -> Rule:
    return Rule.model_validate({"id": rule_id, "source": "openapi", "statement": "A statement long enough.",
                                "kind": "enforced", "tier": "free", **fields})


CATALOG = Catalog(
    path=Path("rules.yaml"),
    seeds_file=None,
    rules=(_rule("demo.a"), _rule("demo.b"), _rule("demo.untested"),
           _rule("demo.advice", kind="advisory", why_not_checkable="Only clients can keep it.")),
    lines={},
)


def _verdict_of(rule_id: str, *results: TestResult, **kwargs: str) -> tuple[str, str]:
    verdict = next(v for v in rule_verdicts(CATALOG, results, **kwargs) if v.id == rule_id)
    return verdict.verdict, verdict.reason


@pytest.mark.parametrize(("worse", "better"), list(combinations(WORST_FIRST, 2)))
def test_the_worse_outcome_decides_whatever_the_order(worse: str, better: str) -> None:
    """fail > error > inconclusive > pass > skipped, for two tests of one rule in either order."""
    one = TestResult("t::worse", ("demo.a",), worse)  # type: ignore[arg-type]
    two = TestResult("t::better", ("demo.a",), better)  # type: ignore[arg-type]
    assert _verdict_of("demo.a", one, two)[0] == worse
    assert _verdict_of("demo.a", two, one)[0] == worse


def test_rule_violation_fails_only_the_rule_it_names() -> None:
    """A failure carrying ``violated`` fails those rules; the test's other rules are inconclusive."""
    result = TestResult("t::x", ("demo.a", "demo.b"), "fail", violated=("demo.b",))
    assert _verdict_of("demo.a", result)[0] == "inconclusive"
    assert _verdict_of("demo.b", result)[0] == "fail"


def test_plain_failure_fails_every_rule_of_the_test() -> None:
    """A failure without ``violated`` fails every rule the test names."""
    result = TestResult("t::x", ("demo.a", "demo.b"), "fail")
    assert _verdict_of("demo.a", result)[0] == _verdict_of("demo.b", result)[0] == "fail"


def test_rule_with_only_skipped_tests_is_skipped_with_their_reasons() -> None:
    """Skipped tests give *skipped*, with the skip reasons as the rule's reason."""
    result = TestResult("t::x", ("demo.a",), "skipped", message="tier heavy not enabled")
    assert _verdict_of("demo.a", result) == ("skipped", "tier heavy not enabled")


def test_rule_no_test_ran_is_skipped_never_pass() -> None:
    """A rule without results is *skipped*, with a default reason or the caller's."""
    assert _verdict_of("demo.untested")[0] == "skipped"
    assert _verdict_of("demo.untested")[1]
    assert _verdict_of("demo.untested", not_run={"demo.untested": "replay only"}) == ("skipped", "replay only")


def test_advisory_rule_is_not_checkable_even_if_a_test_names_it() -> None:
    """An advisory rule's verdict is always *not-checkable*, with its ``why_not_checkable``."""
    result = TestResult("t::x", ("demo.advice",), "fail")
    assert _verdict_of("demo.advice", result) == ("not-checkable", "Only clients can keep it.")


def test_one_verdict_per_catalog_rule_in_catalog_order() -> None:
    """Every catalog rule appears once, in file order, and ``count`` adds up to the number of rules."""
    found = rule_verdicts(CATALOG, [TestResult("t::x", ("demo.a",), "pass")])
    assert [v.id for v in found] == [rule.id for rule in CATALOG.rules]
    assert count(found) == {"pass": 1, "fail": 0, "error": 0, "inconclusive": 0, "unsupported": 0, "skipped": 2, "not-checkable": 1}
