"""``drift runs``: a run against the same run shows nothing; against the run with one reference-server fault it
shows exactly that fault's rule; cassette sets compare on observations only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openai_rulebook.cli import main
from openai_rulebook.drift.inputs import Side
from openai_rulebook.drift.render import render
from openai_rulebook.drift.runs import compare_runs

from .conftest import FAULT_RULE


def _side(verdicts: dict[str, str] | None, operations: dict[str, Any], rules: dict[str, Any] | None = None) -> Side:
    return Side("x", "report" if verdicts is not None else "cassettes", verdicts,
                {"operations": operations, "rules": rules or {}})


def _op(**overrides: Any) -> dict[str, Any]:
    base = {"statuses": [200], "fields": ["id", "object", "status"], "null_fields": [], "error_fields": [],
            "enums": {"object": ["file"], "status": ["processed"]}, "content_types": ["application/json"],
            "headers": {"openai-processing-ms": "never", "x-request-id": "always"}}
    return {**base, **overrides}


def test_a_run_compared_with_itself_shows_nothing(three_runs: dict[str, Any]) -> None:
    root = three_runs["root"]
    assert main(["drift", "runs", str(root / "first"), str(root / "again"), "--format", "json",
                 "--output", str(root / "same.json")]) == 0
    document = json.loads((root / "same.json").read_text(encoding="utf-8"))
    assert document["changed"] is False
    assert three_runs["first"]["observations"]["operations"], "the run observed nothing: the comparison is vacuous"


def test_a_fault_shows_exactly_its_rule(three_runs: dict[str, Any]) -> None:
    root = three_runs["root"]
    assert main(["drift", "runs", str(root / "first" / "compliance.json"), str(root / "fault"), "--format", "json",
                 "--output", str(root / "fault.json")]) == 1
    document = json.loads((root / "fault.json").read_text(encoding="utf-8"))
    assert document["verdicts"] == [{"rule": FAULT_RULE, "before": "pass", "after": "fail"}]
    # the fault accepts limit=0 and 101 only: other out-of-range limits still answer 400, so what the rule's tests
    # got may stay the same; whatever moved is the rule's own tests and endpoint, nothing else
    assert {change["rule"] for change in document["rules"]} <= {FAULT_RULE}
    assert {change["operation"] for change in document["operations"]} <= {"GET /v1/vector_stores"}
    assert not document["operations_only_in_a"] and not document["operations_only_in_b"]


def test_the_markdown_and_text_name_the_change(three_runs: dict[str, Any], capsys: Any) -> None:
    root = three_runs["root"]
    assert main(["drift", "runs", str(root / "first"), str(root / "fault"), "--format", "markdown"]) == 1
    markdown = capsys.readouterr().out
    assert f"| `{FAULT_RULE}` | pass | **fail** |" in markdown
    assert main(["drift", "runs", str(root / "first"), str(root / "fault")]) == 1
    assert FAULT_RULE in capsys.readouterr().out


def test_operation_changes_are_each_reported() -> None:
    before = _side({"r.one": "pass", "r.two": "fail"}, {"POST /v1/files": _op(), "GET /v1/files": _op()},
                   {"r.one": {"statuses": [200, 400]}})
    after = _side({"r.one": "unsupported", "r.two": "pass"}, {"POST /v1/files": _op(
        statuses=[200, 500], fields=["id", "object", "status", "status_details"], null_fields=["status"],
        enums={"object": ["file"], "status": ["processed", "uploaded"], "error.code": ["server_error"]},
        headers={"openai-processing-ms": "always", "x-request-id": "always"}), "GET /v1/batches": _op()},
        {"r.one": {"statuses": [404]}})
    document = compare_runs(before, after)
    assert document["changed"]
    assert document["verdicts"] == [{"rule": "r.one", "before": "pass", "after": "unsupported"},
                                    {"rule": "r.two", "before": "fail", "after": "pass"}]
    assert document["rules"] == [{"rule": "r.one", "before": [200, 400], "after": [404]}]
    [change] = document["operations"]
    assert change == {"operation": "POST /v1/files", "new_fields": ["status_details"], "newly_null": ["status"],
                      "new_enum_values": {"status": ["uploaded"]},
                      "error_codes": {"error.code": {"new": ["server_error"], "gone": []}},
                      "statuses": {"before": [200], "after": [200, 500]},
                      "headers": {"openai-processing-ms": {"before": "never", "after": "always"}}}
    assert document["operations_only_in_a"] == ["GET /v1/files"]
    assert document["operations_only_in_b"] == ["GET /v1/batches"]
    assert "newly null" in render(document, "markdown", "runs")


def test_recordings_compare_on_observations_only() -> None:
    document = compare_runs(_side(None, {"POST /v1/files": _op()}), _side(None, {"POST /v1/files": _op()}))
    assert document == {**document, "changed": False, "verdicts_compared": False, "verdicts": []}


def test_a_cassette_set_against_itself_is_unchanged(capsys: Any) -> None:
    cassettes = str(Path(__file__).resolve().parents[2] / "cassettes" / "reference")
    assert main(["drift", "runs", cassettes, cassettes, "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["a"]["kind"] == "cassettes" and not document["changed"]


def test_a_bad_input_is_a_usage_error(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")
    assert main(["drift", "runs", str(tmp_path / "x.json"), str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err.startswith("rulebook: error: ")


def test_the_gate_on_real_runs(three_runs: dict[str, Any], capsys: Any) -> None:
    """The fault's run fails the gate against the clean baseline; a waiver for its rule lets it through."""
    root = three_runs["root"]
    assert main(["gate", "--report", str(root / "again"), "--baseline", str(root / "first")]) == 0
    assert main(["gate", "--report", str(root / "fault"), "--baseline", str(root / "first")]) == 1
    assert FAULT_RULE in capsys.readouterr().out
    waivers = root / "waivers.yaml"
    waivers.write_text(f"- {{rule: {FAULT_RULE}, reason: known, owner: me, expires: 2999-01-01}}\n", encoding="utf-8")
    assert main(["gate", "--report", str(root / "fault"), "--baseline", str(root / "first"),
                 "--waivers", str(waivers)]) == 0
