"""The SDK matrix's reading of runs: versions, upgrade steps, exit codes, the table (no environment is made)."""

from __future__ import annotations

import pytest

from openai_rulebook import exits
from openai_rulebook.errors import UsageError
from openai_rulebook.sdk.matrix import VersionRun, exit_code, matrix_document, parse_versions, render_text


def run(version: str, **verdicts: str) -> VersionRun:
    return VersionRun(version, installed=version, report=f"{version}/compliance.json", exit_code=0,
                      verdicts={f"sdk.{name}": verdict for name, verdict in verdicts.items()})


def test_versions_are_release_numbers_or_current() -> None:
    assert parse_versions("3.56.0, 3.57.0,current") == ["3.56.0", "3.57.0", "current"]
    for bad in ("", "3.57.0;rm", "latest", "3.57.0,3.57.0"):
        with pytest.raises(UsageError):
            parse_versions(bad)


def test_an_upgrade_step_names_what_it_breaks_and_fixes() -> None:
    runs = [run("1.0", retries="pass", request_id="fail", output_text="unsupported"),
            run("2.0", retries="fail", request_id="pass", output_text="unsupported"),
            run("3.0", retries="error", request_id="pass", output_text="pass")]
    document = matrix_document(runs, target={"target": "reference"})
    first, second = document["upgrades"]
    assert (first["from"], first["to"], first["breaks"], first["fixes"]) == \
        ("1.0", "2.0", ["sdk.retries"], ["sdk.request_id"])
    assert second["breaks"] == [] and second["fixes"] == []  # fail -> error is still broken, not newly broken
    assert second["changed"] == {"sdk.output_text": ["unsupported", "pass"], "sdk.retries": ["fail", "error"]}
    assert document["rules"]["sdk.retries"] == {"1.0": "pass", "2.0": "fail", "3.0": "error"}
    text = render_text(document)
    assert "upgrading from 1.0 to 2.0 breaks these rules: sdk.retries" in text
    assert "upgrading from 2.0 to 3.0 breaks no rule" in text


def test_exit_codes_follow_the_convention() -> None:
    assert exit_code([run("1.0", a="pass"), run("2.0", a="pass", b="unsupported")]) == exits.OK
    assert exit_code([run("1.0", a="pass"), run("2.0", a="fail")]) == exits.RULE_FAILED
    assert exit_code([run("1.0", a="pass"), run("2.0", a="error")]) == exits.HARNESS
    assert exit_code([run("1.0", a="unsupported")]) == exits.NOTHING_CONCLUSIVE
    broken = run("2.0")
    broken.report = None  # the run wrote no report: the harness broke there
    assert exit_code([run("1.0", a="pass"), broken]) == exits.HARNESS
