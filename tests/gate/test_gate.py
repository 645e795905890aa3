"""``rulebook gate``: its exit codes, waivers (expiry, staleness, unknown rules, bad files) and the inconclusive
bound."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from openai_rulebook import exits
from openai_rulebook.cli import main

TODAY = "2026-06-01"


def _report(path: Path, **verdicts: str) -> str:
    rules = [{"id": rule_id.replace("__", "."), "verdict": verdict,
              "evidence": [{"message": f"{rule_id} said no"}] if verdict == "fail" else []}
             for rule_id, verdict in verdicts.items()]
    path.write_text(json.dumps({"schema": "rulebook.compliance/1", "rules": rules}), encoding="utf-8")
    return str(path)


def _waivers(path: Path, text: str) -> str:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def _gate(*args: str) -> int:
    return main(["gate", *args, "--today", TODAY])


def test_all_pass_is_0(tmp_path: Path, capsys: Any) -> None:
    assert _gate("--report", _report(tmp_path / "r.json", a__one="pass", a__two="skipped")) == exits.OK
    assert "nothing new is broken" in capsys.readouterr().out


def test_a_failure_without_baseline_is_1(tmp_path: Path, capsys: Any) -> None:
    assert _gate("--report", _report(tmp_path / "r.json", a__one="pass", a__two="fail")) == exits.RULE_FAILED
    out = capsys.readouterr().out
    assert "a.two" in out and "a__two said no" in out


def test_a_failure_known_from_the_baseline_is_0_a_new_one_is_1(tmp_path: Path) -> None:
    baseline = _report(tmp_path / "old.json", a__one="pass", a__two="fail")
    assert _gate("--report", _report(tmp_path / "r.json", a__one="pass", a__two="fail"),
                 "--baseline", baseline) == exits.OK
    assert _gate("--report", _report(tmp_path / "r2.json", a__one="fail", a__two="fail"),
                 "--baseline", baseline) == exits.RULE_FAILED


def test_a_harness_error_is_3_and_a_failure_outweighs_it(tmp_path: Path) -> None:
    assert _gate("--report", _report(tmp_path / "r.json", a__one="pass", a__two="error")) == exits.HARNESS
    assert _gate("--report", _report(tmp_path / "r2.json", a__one="fail", a__two="error")) == exits.RULE_FAILED


def test_a_valid_waiver_covers_a_failure_an_expired_one_fails_the_gate(tmp_path: Path, capsys: Any) -> None:
    report = _report(tmp_path / "r.json", a__one="pass", a__two="fail")
    valid = _waivers(tmp_path / "w.yaml", """\
        waivers:
          - rule: a.two
            reason: upstream bug 123
            owner: "@alice"
            expires: 2026-06-01
    """)
    assert _gate("--report", report, "--waivers", valid) == exits.OK  # expires today: still valid
    assert "waived failures (1)" in capsys.readouterr().out
    expired = _waivers(tmp_path / "old.yaml", """\
        - rule: a.two
          reason: upstream bug 123
          owner: "@alice"
          expires: 2026-05-31
    """)
    assert _gate("--report", report, "--waivers", expired) == exits.RULE_FAILED
    out = capsys.readouterr().out
    assert "expired waivers" in out and "old.yaml:1" in out


def test_an_expired_waiver_fails_the_gate_even_when_its_rule_passes(tmp_path: Path, capsys: Any) -> None:
    report = _report(tmp_path / "r.json", a__one="pass")
    expired = _waivers(tmp_path / "w.yaml", "- {rule: a.one, reason: flaky, owner: bob, expires: 2026-01-01}\n")
    assert _gate("--report", report, "--waivers", expired) == exits.RULE_FAILED
    assert "stale waivers" in capsys.readouterr().out


def test_a_waiver_whose_rule_passes_is_stale(tmp_path: Path, capsys: Any) -> None:
    report = _report(tmp_path / "r.json", a__one="pass")
    waivers = _waivers(tmp_path / "w.yaml", "- {rule: a.one, reason: flaky, owner: bob, expires: 2027-01-01}\n")
    assert _gate("--report", report, "--waivers", waivers) == exits.OK
    assert "stale waivers (the rule passes now: remove them) (1)" in capsys.readouterr().out


@pytest.mark.parametrize(("text", "where", "what"), [
    ("- {rule: a.one, reason: flaky, owner: bob, expires: 2027-01-01}\n- {rule: a.nope, reason: x y, owner: b, "
     "expires: 2027-01-01}\n", "w.yaml:2", "'a.nope', a rule the report does not know; did you mean 'a.one'"),
    ("- rule: a.one\n  reason: flaky\n  owner: bob\n- rule: a.one\n  reason: flaky\n  owner: bob\n  expires: soon\n",
     "w.yaml:1", "waiver 1: expires: Field required"),
    ("- rule: a.one\n  reason: flaky\n  owner: bob\n  expires: 2027-01-01\n  extra: 1\n", "w.yaml:1", "extra"),
    ("waivers: [\n", "w.yaml:", "not valid YAML"),
    ("rules: []\n", "w.yaml:1", "expected 'waivers:'"),
], ids=["unknown-rule", "missing-expiry", "extra-field", "bad-yaml", "wrong-key"])
def test_a_bad_waivers_file_is_one_error_naming_file_and_line(tmp_path: Path, capsys: Any, text: str, where: str,
                                                              what: str) -> None:
    report = _report(tmp_path / "r.json", a__one="pass")
    assert _gate("--report", report, "--waivers", _waivers(tmp_path / "w.yaml", text)) == exits.USAGE
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("rulebook: error: ") and where in line and what in line


def test_inconclusive_and_unsupported_are_counted_and_bounded(tmp_path: Path, capsys: Any) -> None:
    baseline = _report(tmp_path / "old.json", a__one="pass", a__two="pass", a__three="pass")
    report = _report(tmp_path / "r.json", a__one="pass", a__two="inconclusive", a__three="unsupported")
    assert _gate("--report", report, "--baseline", baseline) == exits.OK  # not bounded by default, but said
    out = capsys.readouterr().out
    assert "1 inconclusive and 1 unsupported rule(s), not bounded" in out
    assert "passed in the baseline, now inconclusive or unsupported (2)" in out
    assert _gate("--report", report, "--max-inconclusive", "2") == exits.OK
    assert _gate("--report", report, "--max-inconclusive", "1") == exits.NOTHING_CONCLUSIVE


def test_nothing_passed_is_4(tmp_path: Path) -> None:
    assert _gate("--report", _report(tmp_path / "r.json", a__one="skipped", a__two="inconclusive")) == \
        exits.NOTHING_CONCLUSIVE


@pytest.mark.parametrize("args", [["--report", "missing.json"], ["--max-inconclusive", "-1"], ["--today", "soon"]],
                         ids=["missing-report", "negative-bound", "bad-date"])
def test_usage_errors_are_2(tmp_path: Path, capsys: Any, args: list[str]) -> None:
    report = _report(tmp_path / "r.json", a__one="pass")
    full = args if args[0] == "--report" else ["--report", report, *args]
    assert main(["gate", *full]) == exits.USAGE
    assert capsys.readouterr().err.startswith("rulebook: error: ")


def test_the_json_decision(tmp_path: Path, capsys: Any) -> None:
    assert _gate("--report", _report(tmp_path / "r.json", a__one="fail"), "--json") == exits.RULE_FAILED
    decision = json.loads(capsys.readouterr().out)
    assert decision["exit_code"] == 1 and decision["counts"]["fail"] == 1
