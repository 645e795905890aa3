"""``rulebook drift`` and ``rulebook gate`` as commands: listed in the help, usage errors in the convention."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from openai_rulebook import exits
from openai_rulebook.cli import main


def test_the_help_lists_drift_and_gate(capsys: Any) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--help"])
    assert stopped.value.code == 0
    out = capsys.readouterr().out
    assert "rulebook drift" in out and "rulebook gate" in out


@pytest.mark.parametrize("args", [["drift"], ["drift", "runs", "a"], ["drift", "runs", "a", "b", "--format", "x"],
                                  ["gate"], ["gate", "--report", "r", "--max-inconclusive", "many"]],
                         ids=["no-kind", "one-run", "bad-format", "no-report", "bad-bound"])
def test_usage_errors_exit_2_with_one_error_line(args: list[str], capsys: Any) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(args)
    assert stopped.value.code == exits.USAGE
    assert capsys.readouterr().err.startswith(exits.PREFIX)


def test_the_gate_reads_a_report_directory(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "compliance.json").write_text(json.dumps({"schema": "rulebook.compliance/1", "rules": [
        {"id": "a.one", "verdict": "pass"}]}), encoding="utf-8")
    assert main(["gate", "--report", str(tmp_path)]) == exits.OK
    assert "gate: PASS" in capsys.readouterr().out


def test_a_file_that_is_not_a_report_is_a_usage_error(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "mutants.json").write_text(json.dumps({"schema": "rulebook.mutants/1"}), encoding="utf-8")
    assert main(["gate", "--report", str(tmp_path / "mutants.json")]) == exits.USAGE
    assert "not a compliance report" in capsys.readouterr().err
