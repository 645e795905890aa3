"""Verdicts end to end: how a test ends decides each of its rules' verdicts in ``compliance.json``."""

from __future__ import annotations

import pytest

from .conftest import TINY_CATALOG, read_compliance, rule_entry, run_inline, tiny_project, verdicts, write_suite

ALL_OUTCOMES = """
    import pytest
    from openai_rulebook.errors import Inconclusive, RuleViolation

    @pytest.mark.rule("demo.pass")
    def test_pass():
        pass

    @pytest.mark.rule("demo.violated", "demo.bystander")
    def test_rule_violation():
        raise RuleViolation("demo.violated", expected="x", actual="y")

    @pytest.mark.rule("demo.plain_a", "demo.plain_b")
    def test_plain_assert():
        assert False, "plain"

    @pytest.mark.rule("demo.inconclusive")
    def test_inconclusive():
        raise Inconclusive("the API did not answer: HTTP 503")

    @pytest.mark.rule("demo.error")
    def test_harness_error():
        {}["missing"]
"""


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The compliance document of one run with one test per way a test can end."""
    root = tiny_project(tmp_path_factory.mktemp("outcomes"), ALL_OUTCOMES)
    assert run_inline(root, "--report-dir", "out") == pytest.ExitCode.TESTS_FAILED
    return read_compliance(root / "out")


def test_passing_test_gives_pass(outcomes: dict) -> None:
    """A test that passes gives its rule *pass*."""
    assert verdicts(outcomes)["demo.pass"] == "pass"


def test_rule_violation_fails_its_rule_and_leaves_the_others_inconclusive(outcomes: dict) -> None:
    """``RuleViolation("demo.violated")`` in a test of two rules fails that rule; the other stays unjudged."""
    assert verdicts(outcomes)["demo.violated"] == "fail"
    assert verdicts(outcomes)["demo.bystander"] == "inconclusive"
    evidence = rule_entry(outcomes, "demo.violated")["evidence"]
    assert "Expected: x" in evidence[0]["message"] and "Actual: y" in evidence[0]["message"]


def test_plain_assertion_fails_every_rule_of_the_test(outcomes: dict) -> None:
    """A plain ``assert`` does not say which rule broke, so all the test's rules fail."""
    assert verdicts(outcomes)["demo.plain_a"] == verdicts(outcomes)["demo.plain_b"] == "fail"


def test_inconclusive_gives_inconclusive(outcomes: dict) -> None:
    """``Inconclusive`` makes the rule *inconclusive*, never pass or fail."""
    assert verdicts(outcomes)["demo.inconclusive"] == "inconclusive"


def test_harness_error_gives_error(outcomes: dict) -> None:
    """An exception that is neither an assertion nor ``Inconclusive`` is a harness error."""
    assert verdicts(outcomes)["demo.error"] == "error"
    assert "KeyError" in rule_entry(outcomes, "demo.error")["evidence"][0]["message"]


def test_rule_without_test_is_skipped_with_a_reason(outcomes: dict) -> None:
    """A rule no test ran is *skipped*, with the reason, never *pass*."""
    entry = rule_entry(outcomes, "demo.untested")
    assert entry["verdict"] == "skipped" and entry["reason"]


def test_advisory_rule_is_not_checkable_with_its_reason(outcomes: dict) -> None:
    """An advisory rule is *not-checkable*, and the report says why."""
    entry = rule_entry(outcomes, "demo.advice")
    assert entry["verdict"] == "not-checkable"
    assert entry["reason"] == "It is about what clients should do, not what the API answers."


def test_compliance_document_has_run_summary_and_every_rule_once(outcomes: dict) -> None:
    """The document's schema, run description and summary, and each catalog rule exactly once, in catalog order."""
    assert outcomes["schema"] == "rulebook.compliance/1"
    run = outcomes["run"]
    assert run["target"] == "reference" and run["harness_version"] and run["started_at"]
    catalog_ids = [line.split("id: ")[1] for line in TINY_CATALOG.splitlines() if "- id: " in line]
    assert [rule["id"] for rule in outcomes["rules"]] == catalog_ids
    assert outcomes["summary"] == {"pass": 1, "fail": 3, "error": 1, "inconclusive": 2, "unsupported": 0, "skipped": 2,
                                   "not-checkable": 1}


def test_inconclusive_test_is_shown_as_skipped_and_the_run_exits_4(project: pytest.Pytester) -> None:
    """pytest shows an inconclusive test as a skip whose reason starts with "inconclusive:"; a run that judged no
    rule exits 4 (nothing conclusive), never 0."""
    write_suite(project, ALL_OUTCOMES)
    result = project.runpytest("-k", "inconclusive", "-rs", "--report-dir", "out")
    assert result.ret == 4
    result.assert_outcomes(skipped=1, deselected=4)
    result.stdout.fnmatch_lines(["SKIPPED*inconclusive: the API did not answer: HTTP 503*"])
    assert verdicts(read_compliance(project.path / "out"))["demo.inconclusive"] == "inconclusive"


def test_rule_violation_naming_an_unknown_rule_is_not_lost(project: pytest.Pytester) -> None:
    """A failing test always shows in the report: a violation of a rule the catalog lacks is at least an error."""
    write_suite(project, """
        import pytest
        from openai_rulebook.errors import RuleViolation

        @pytest.mark.rule("demo.violated")
        def test_typo():
            raise RuleViolation("demo.violatd", expected="x", actual="y")
    """)
    result = project.runpytest("--report-dir", "out")
    assert result.ret == 3  # an error (a harness bug), exits.HARNESS
    summary = read_compliance(project.path / "out")["summary"]
    assert summary["fail"] + summary["error"] >= 1


def test_deselected_rule_is_not_reported_as_untested(project: pytest.Pytester) -> None:
    """A rule whose test exists but was left out with ``-k`` is skipped with a reason that does not deny the test."""
    write_suite(project, ALL_OUTCOMES)
    project.runpytest("-k", "test_pass", "--report-dir", "out")
    reason = rule_entry(read_compliance(project.path / "out"), "demo.error")["reason"]
    assert "no test in the suites checks this rule" not in reason
