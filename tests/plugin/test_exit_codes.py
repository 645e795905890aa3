"""The exit-code convention (``openai_rulebook.exits``, README "Exit codes") holds for plain ``pytest`` with the
plugin: 0 all checked rules pass, 1 a rule failed, 2 usage or input error, 3 harness error, 4 nothing conclusive;
and what the plugin stops on is one ``rulebook: error:`` line, before any test runs."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from openai_rulebook import exits

from .conftest import read_compliance, rule_entry, write_suite

PASS = """
    import pytest

    @pytest.mark.rule("demo.pass")
    def test_pass():
        pass
"""


def _errors(result: pytest.RunResult) -> list[str]:
    return [line for line in result.errlines if line.startswith(exits.PREFIX)]


@pytest.mark.parametrize(("body", "code"), [
    ("pass", exits.OK),
    ("raise RuleViolation('demo.pass', expected='x', actual='y')", exits.RULE_FAILED),
    ("{}['missing']", exits.HARNESS),
    ("raise Inconclusive('HTTP 503 after retries')", exits.NOTHING_CONCLUSIVE),
], ids=["pass", "fail", "error", "inconclusive"])
def test_the_exit_code_follows_the_verdicts(project: pytest.Pytester, body: str, code: int) -> None:
    write_suite(project, f"""
        import pytest
        from openai_rulebook.errors import Inconclusive, RuleViolation

        @pytest.mark.rule("demo.pass")
        def test_one():
            {body}
    """)
    assert project.runpytest("--report-dir", "out").ret == code


def test_a_failure_outweighs_a_harness_error(project: pytest.Pytester) -> None:
    write_suite(project, """
        import pytest
        from openai_rulebook.errors import RuleViolation

        @pytest.mark.rule("demo.violated")
        def test_fails():
            raise RuleViolation("demo.violated", expected="x", actual="y")

        @pytest.mark.rule("demo.error")
        def test_breaks():
            {}["missing"]
    """)
    assert project.runpytest().ret == exits.RULE_FAILED


def test_a_run_that_judged_nothing_never_exits_0(project: pytest.Pytester) -> None:
    """Every test skipped (here: a tier not enabled): no rule was checked, so exit 4, not 0."""
    write_suite(project, """
        import pytest

        @pytest.mark.rule("demo.heavy")
        def test_heavy():
            pass
    """)
    result = project.runpytest("--report-dir", "out")
    assert result.ret == exits.NOTHING_CONCLUSIVE
    assert read_compliance(project.path / "out")["summary"]["pass"] == 0


def test_a_rule_id_typo_is_one_line_with_the_nearest_id_and_exit_2(project: pytest.Pytester) -> None:
    write_suite(project, """
        import pytest

        @pytest.mark.rule("demo.pas")
        def test_typo():
            pass
    """)
    result = project.runpytest("--report-dir", "out")
    assert result.ret == exits.USAGE
    lines = _errors(result)
    assert len(lines) == 1 and "'demo.pas'" in lines[0] and "did you mean 'demo.pass'" in lines[0], result.errlines
    assert "test_demo.py::test_typo" in lines[0]
    assert not (project.path / "out").exists()


def test_a_missing_spec_named_by_the_environment_is_exit_2(project: pytest.Pytester,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """``RULEBOOK_SPEC`` pointing nowhere stops the run (it does not silently switch the schema checks off)."""
    write_suite(project, PASS)
    monkeypatch.setenv("RULEBOOK_SPEC", str(project.path / "gone.yaml"))
    result = project.runpytest("--report-dir", "out", no_reraise_ctrlc=True)  # pytester reads 2 as ^C
    assert result.ret == exits.USAGE
    assert "RULEBOOK_SPEC" in _errors(result)[0] and "no such file" in _errors(result)[0]
    assert "passed" not in result.stdout.str()
    assert not (project.path / "out").exists()


def test_a_missing_default_spec_is_said_loudly(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the default spec path may be absent; then the run says that the schema checks were off."""
    monkeypatch.delenv("RULEBOOK_SPEC", raising=False)
    write_suite(project, PASS)
    result = project.runpytest()
    assert result.ret == exits.OK
    result.stdout.fnmatch_lines(["rulebook: SCHEMA CHECKS OFF: no spec configured*"])


def test_a_report_dir_that_is_a_file_is_exit_2_before_any_test(project: pytest.Pytester) -> None:
    write_suite(project, PASS)
    (project.path / "out").write_text("a file", encoding="utf-8")
    result = project.runpytest("--report-dir", "out", no_reraise_ctrlc=True)  # pytester reads 2 as ^C
    assert result.ret == exits.USAGE
    assert "--report-dir out: is a file" in _errors(result)[0]
    assert "passed" not in result.stdout.str()


def test_incomplete_cassettes_are_exit_2_before_any_request(project: pytest.Pytester, tmp_path: Path) -> None:
    """Replay from a set that lacks a test's cassette: one stop naming the test, nothing sent, nothing written."""
    write_suite(project, PASS)
    cassettes = project.path / "cassettes"
    cassettes.mkdir()
    (cassettes / "cassette-set.json").write_text('{"schema": "rulebook.cassettes/1", "target": "reference"}',
                                                 encoding="utf-8")
    result = project.runpytest("--target", "replay", "--cassette-dir", "cassettes", "--report-dir", "out")
    assert result.ret == exits.USAGE
    assert "replay cannot start" in _errors(result)[0]
    assert not (project.path / "out").exists()


@pytest.fixture
def _connected_once() -> None:
    """Open one connection out here first: modules httpx loads on its first connection, if first loaded inside the
    pytester run, are dropped after it, and later tests would get exception classes httpx no longer maps."""
    import httpx

    with contextlib.suppress(httpx.HTTPError):
        httpx.get("http://127.0.0.1:9/", timeout=1)


@pytest.mark.usefixtures("_connected_once")
def test_a_test_skipped_before_its_fixtures_carries_no_evidence(project: pytest.Pytester) -> None:
    """The heavy test is skipped before its fixtures run: the previous test's requests are not its evidence."""
    write_suite(project, """
        import pytest

        @pytest.mark.rule("demo.pass")
        def test_sends(api):
            assert api.get("/files").status_code == 200

        @pytest.mark.rule("demo.heavy")
        def test_heavy(api):
            pass
    """)
    project.runpytest("--report-dir", "out")
    document = read_compliance(project.path / "out")
    sent = rule_entry(document, "demo.pass")["evidence"][0]
    assert sent["requests"] >= 1
    skipped = rule_entry(document, "demo.heavy")["evidence"]
    assert all(item.get("requests", 0) == 0 and not item.get("exchanges") for item in skipped), skipped
