"""``rulebook report html|markdown|merge``, what ``rulebook run`` adds (report.html, ``$GITHUB_STEP_SUMMARY``) and
Allure's categories. The page in a real browser: ``test_html_browser.py``."""

from __future__ import annotations

import argparse
import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from openai_rulebook import cli, exits
from openai_rulebook.cli import main
from openai_rulebook.reporting.allure import CATEGORIES, write_categories
from openai_rulebook.reporting.html import html_report
from openai_rulebook.reporting.markdown import MAX_PROBLEMS, markdown_summary
from openai_rulebook.reporting.merge import merge_reports

from .conftest import HOSTILE


# -- html ----------------------------------------------------------------------------------------------------------------
def test_the_page_is_self_contained_and_escapes_evidence(document: dict[str, Any]) -> None:
    page = html_report(document)
    # nothing to fetch: no stylesheet, script or image from anywhere
    assert not re.search(r"<(link|img|iframe)\b|<script[^>]+src=|@import|url\(", page)
    assert HOSTILE not in page and "&lt;script&gt;" in page
    assert page.count('<tbody class="rule"') == len(document["rules"])
    assert "Drift since the baseline" not in page


def test_html_command_with_a_baseline_shows_the_verdict_changes(tmp_path: Path, report_file: Path,
                                                                 document: dict[str, Any]) -> None:
    older = copy.deepcopy(document)
    older["rules"][0]["verdict"] = "pass"
    baseline = tmp_path / "old.json"
    baseline.write_text(json.dumps(older), encoding="utf-8")
    out = tmp_path / "r.html"
    assert main(["report", "html", "--report", str(tmp_path), "--baseline", str(baseline),
                 "--output", str(out)]) == exits.OK
    page = out.read_text(encoding="utf-8")
    assert 'id="drift"' in page and "1 verdict change(s)" in page and "1 now fail" in page


@pytest.mark.parametrize("kind", ["html", "markdown"])
def test_a_file_that_is_no_report_is_an_input_error(tmp_path: Path, kind: str, capsys: Any) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"rules": 1}', encoding="utf-8")
    args = ["report", kind, "--report", str(bad)] + (["--output", str(tmp_path / "x")] if kind == "html" else [])
    assert main(args) == exits.USAGE
    assert capsys.readouterr().err.startswith("rulebook: error: --report ")


def test_html_needs_an_output(report_file: Path, capsys: Any) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["report", "html", "--report", str(report_file)])
    assert stop.value.code == exits.USAGE
    assert "rulebook: error: the following arguments are required: --output" in capsys.readouterr().err


# -- markdown ------------------------------------------------------------------------------------------------------------
def test_markdown_counts_areas_and_lists_what_went_wrong(document: dict[str, Any]) -> None:
    text = markdown_summary(document)
    assert text.startswith("## Rulebook compliance: `url`")
    assert "❌ **1** fail" in text and "✅ **2** pass" in text
    assert "| files | 1 |" in text  # tested areas in the table; untested ones folded into a line
    assert "Untested areas: client, models" in text
    row = next(line for line in text.splitlines() if line.startswith("| `files.list.limit_range`"))
    assert "Expected: a 400 for limit=0 Actual: 200" in row and "curl -sS" in row
    assert "[files.list.limit_range]" not in row  # the message's id tag is not repeated
    assert "`uploads.parts.size` | ❔ inconclusive | inconclusive: 429 after 3 retries" in text
    assert "vector_stores.list.limit_range" not in text  # passes are counted, not listed


def test_markdown_stays_short_for_a_pr_comment(document: dict[str, Any]) -> None:
    failing = document["rules"][0]
    document["rules"] = [dict(failing, id=f"files.rule_{n}") for n in range(500)]
    text = markdown_summary(document)
    assert f"… and {500 - MAX_PROBLEMS} more" in text
    assert len(text) < 65536


def test_markdown_command_with_a_baseline_adds_the_drift(tmp_path: Path, report_file: Path,
                                                         document: dict[str, Any], capsys: Any) -> None:
    older = copy.deepcopy(document)
    older["rules"][0]["verdict"] = "pass"
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "compliance.json").write_text(json.dumps(older), encoding="utf-8")
    assert main(["report", "markdown", "--report", str(report_file), "--baseline", str(tmp_path / "old")]) == 0
    out = capsys.readouterr().out
    assert "### Drift:" in out and "| `files.list.limit_range` | pass | **fail** |" in out


# -- what rulebook run adds ----------------------------------------------------------------------------------------------
def test_run_writes_report_html_and_the_step_summary(tmp_path: Path, document: dict[str, Any],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    reports = tmp_path / "reports"

    def fake_pytest(args: argparse.Namespace, extra: list[str]) -> int:  # the suites' run, without the suites
        reports.mkdir()
        (reports / "compliance.json").write_text(json.dumps(document), encoding="utf-8")
        return exits.RULE_FAILED

    summary = tmp_path / "step_summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setattr(cli, "_pytest", fake_pytest)
    assert main(["run", "--report-dir", str(reports)]) == exits.RULE_FAILED
    assert 'id="rules"' in (reports / "report.html").read_text(encoding="utf-8")
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## Rulebook compliance")  # appended, never overwritten


def test_run_without_github_writes_no_step_summary(tmp_path: Path, document: dict[str, Any],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_pytest(args: argparse.Namespace, extra: list[str]) -> int:
        (tmp_path / "compliance.json").write_text(json.dumps(document), encoding="utf-8")
        return exits.RULE_FAILED

    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.setattr(cli, "_pytest", fake_pytest)
    main(["run", "--report-dir", str(tmp_path)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["compliance.json", "report.html"]


# -- merge ---------------------------------------------------------------------------------------------------------------
def _shards(document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Shard a ran the files area, shard b the rest; each reports the other's rules skipped."""
    a, b = copy.deepcopy(document), copy.deepcopy(document)
    for rule_a, rule_b in zip(a["rules"], b["rules"], strict=True):
        ran_in_a = rule_a["area"] == "files"
        idle = rule_b if ran_in_a else rule_a
        if idle["verdict"] != "not-checkable":
            idle.update(verdict="skipped", tests=[], evidence=[], reason="its area is not among --areas")
    b["rules"][1].pop("reason")
    b["rules"][1].update(verdict="fail", evidence=[{"test": "t", "outcome": "fail", "message": "in b"}],
                         tests=[{"nodeid": "t", "outcome": "fail", "duration": 0.1}])
    b["run"].update(started_at="2026-11-30T23:59:00+00:00", finished_at="2026-12-01T00:03:00+00:00", tests=4)
    b["observations"]["operations"]["GET /v1/files"].update(statuses=[200, 404], headers={"x-request-id": "never"})
    return a, b


def test_merge_takes_the_worst_verdict_and_recomputes_the_summary(document: dict[str, Any]) -> None:
    a, b = _shards(document)
    merged = merge_reports([("a.json", a), ("b.json", b)])
    verdicts = {rule["id"]: rule["verdict"] for rule in merged["rules"]}
    assert verdicts == {rule["id"]: rule["verdict"] for rule in document["rules"]} | {"files.list.order": "fail"}
    assert merged["summary"]["fail"] == 2 and merged["summary"]["pass"] == 1
    assert sum(merged["summary"].values()) == len(document["rules"])
    order = next(rule for rule in merged["rules"] if rule["id"] == "files.list.order")
    assert [e["outcome"] for e in order["evidence"]] == ["pass", "fail"]  # concatenated, shard order
    assert len(order["tests"]) == 2 and "reason" not in order
    skipped = next(rule for rule in merged["rules"] if rule["id"] == "models.list.shape")
    assert skipped["reason"] == "its area is not among --areas; no test in the suites checks this rule yet"
    assert merged["run"]["started_at"] == "2026-11-30T23:59:00+00:00"
    assert merged["run"]["finished_at"] == "2026-12-01T00:03:00+00:00"
    assert merged["run"]["tests"] == 10 and merged["run"]["shards"] == ["a.json", "b.json"]
    files = next(area for area in merged["capabilities"] if area["area"] == "files")
    assert files["verdicts"] == {"fail": 2} and files["pass_rate"] == 0.0
    seen = merged["observations"]["operations"]["GET /v1/files"]
    assert seen["statuses"] == [200, 400, 404] and seen["headers"] == {"x-request-id": "sometimes"}
    assert merged["spec_conformance"]["responses_checked"] == 24


def test_merge_command_writes_a_report_the_gate_reads(tmp_path: Path, document: dict[str, Any], capsys: Any) -> None:
    paths = []
    for name, shard in zip("ab", _shards(document), strict=True):
        paths.append(tmp_path / f"{name}.json")
        paths[-1].write_text(json.dumps(shard), encoding="utf-8")
    out = tmp_path / "merged.json"
    assert main(["report", "merge", *map(str, paths), "--output", str(out)]) == exits.OK
    assert "merged 2 report(s)" in capsys.readouterr().out
    assert main(["gate", "--report", str(out)]) == exits.RULE_FAILED
    assert main(["drift", "runs", str(paths[0]), str(out), "--format", "json"]) == exits.RULE_FAILED


def test_merge_refuses_shards_of_different_catalogs(tmp_path: Path, document: dict[str, Any], capsys: Any) -> None:
    other = copy.deepcopy(document)
    other["rules"][0]["id"] = "files.renamed"
    for name, doc in (("a", document), ("b", other)):
        (tmp_path / f"{name}.json").write_text(json.dumps(doc), encoding="utf-8")
    code = main(["report", "merge", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--output",
                 str(tmp_path / "m.json")])
    assert code == exits.USAGE
    assert "shards must run the same catalog" in capsys.readouterr().err
    assert not (tmp_path / "m.json").exists()


# -- allure --------------------------------------------------------------------------------------------------------------
def test_allure_categories_tell_the_four_kinds_apart(tmp_path: Path) -> None:
    written = json.loads(write_categories(tmp_path).read_text(encoding="utf-8"))
    assert [c["name"] for c in written] == ["Rule violations", "Harness errors", "Inconclusive", "Unsupported"]

    def category(status: str, message: str) -> str:  # Allure: the first category whose status and regex match
        for item in CATEGORIES:
            pattern = item.get("messageRegex")
            if status in item["matchedStatuses"] and (pattern is None or re.fullmatch(pattern, message)):
                return item["name"]
        return "none"

    violation = "openai_rulebook.errors.RuleViolation: [files.list.limit_range]\nExpected: 400\nActual: 200"
    assert category("failed", violation) == "Rule violations"
    assert category("failed", "AssertionError: assert 1 == 2") == "Harness errors"
    assert category("broken", "KeyError: 'status'") == "Harness errors"
    assert category("skipped", "Skipped: inconclusive: 429 after retries") == "Inconclusive"
    assert category("skipped", "unsupported: POST /v1/audio/speech is not served") == "Unsupported"
    assert category("skipped", "its area is not among --areas") == "none"
