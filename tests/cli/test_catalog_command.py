"""``rulebook catalog``: coverage of seeds, kinds, tiers and tests; ``--check`` gates on it."""

from __future__ import annotations

import json

import pytest

from openai_rulebook.cli import main

from .conftest import CATALOG, REPO, SEEDS, Project


def test_check_passes_on_the_real_project(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """From the project root, ``--check`` accepts the catalog ``specs/rules/``: every one of the 288 seeds is cited."""
    monkeypatch.chdir(REPO)
    assert main(["catalog", "--check", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["seeds"] == {"total": 288, "cited": 288}
    assert report["checkable"]["with_tests"] > 0


def test_check_passes_on_a_consistent_small_project(small: Project, capsys: pytest.CaptureFixture[str]) -> None:
    """The small project itself is consistent, so each failure below is the one its test introduces."""
    assert main(small.args("--check")) == 0
    assert capsys.readouterr().err == ""


def test_check_fails_on_an_uncited_seed(small: Project, capsys: pytest.CaptureFixture[str]) -> None:
    """A seed no rule cites fails ``--check`` (exit 1), naming the seed and its section."""
    small.write("seeds.tsv", SEEDS + "R02.1\tRequests\t\tFour.\n")
    assert main(small.args("--check")) == 1
    assert "seed R02.1 (Requests) is cited by no rule" in capsys.readouterr().err


def test_check_fails_on_a_citation_of_an_unknown_seed(small: Project, capsys: pytest.CaptureFixture[str]) -> None:
    """A rule citing a seed the seed file lacks fails ``--check``, at the rule's file:line."""
    small.write("rules.yaml", CATALOG.replace("[R01.1]", "[R01.1, R09.9]"))
    assert main(small.args("--check")) == 1
    assert f"{small.catalog}:3: rule 'demo.tested' cites R09.9" in capsys.readouterr().err


def test_check_fails_on_a_test_naming_an_unknown_rule(small: Project, capsys: pytest.CaptureFixture[str]) -> None:
    """A suite test naming a rule the catalog lacks fails ``--check``, naming the test and the rule."""
    small.write("suites/test_more.py", "import pytest\n\n@pytest.mark.rule('demo.nope')\ndef test_more():\n    pass\n")
    assert main(small.args("--check")) == 1
    assert "test_more.py::test_more names unknown rule 'demo.nope'" in capsys.readouterr().err


def test_check_fails_on_a_fault_naming_an_unknown_rule(
    small: Project, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A reference-server fault breaking a rule the catalog lacks fails ``--check``."""
    monkeypatch.setattr("openai_rulebook.coverage._faults", lambda: {"demo.break_it": "demo.gone"})
    assert main(small.args("--check")) == 1
    assert "fault demo.break_it names unknown rule 'demo.gone'" in capsys.readouterr().err


def test_require_tests_fails_on_a_checkable_rule_without_test(
    small: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--require-tests`` also fails on a checkable rule no test checks (advisory rules need none)."""
    assert main(small.args("--check", "--require-tests")) == 1
    problems = capsys.readouterr().err.splitlines()
    assert problems == [f"rulebook: error: {small.catalog}:8: checkable rule 'demo.untested' has no test"]


def test_without_check_problems_do_not_fail(small: Project) -> None:
    """Plain ``rulebook catalog`` only prints: an uncited seed does not change its exit code."""
    small.write("seeds.tsv", SEEDS + "R02.1\tRequests\t\tFour.\n")
    assert main(small.args()) == 0


def test_json_output_has_seeds_kinds_tiers_and_checkable(small: Project, capsys: pytest.CaptureFixture[str]) -> None:
    """``--json`` prints one JSON document with the coverage counts."""
    assert main(small.args("--json")) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["seeds"] == {"total": 3, "cited": 3}
    assert report["kinds"] == {"enforced": 1, "contract": 1, "advisory": 1}
    assert report["tiers"] == {"free": 2, "cheap": 1}
    assert report["checkable"] == {"total": 2, "with_tests": 1, "with_faults": 1}
    assert report["per_rule"]["demo.tested"] == {"tests": 1, "faults": 1}


def test_invalid_catalog_exits_2_with_file_and_line(small: Project, capsys: pytest.CaptureFixture[str]) -> None:
    """A catalog that does not load is a harness error (exit 2) whose message has file:line."""
    small.write("rules.yaml", CATALOG.replace("kind: contract", "kind: contractual"))
    assert main(small.args("--check")) == 2
    assert f"{small.catalog}:8: rule 'demo.untested': 'kind'" in capsys.readouterr().err


def test_missing_suites_directory_is_named(small: Project, capsys: pytest.CaptureFixture[str]) -> None:
    """A ``--suites`` that does not exist is named (exit 2)."""
    assert main(["catalog", "--catalog", str(small.catalog), "--suites", str(small.root / "nowhere")]) == 2
    assert "nowhere" in capsys.readouterr().err


def test_check_exits_2_on_a_duplicate_id(small: Project, capsys: pytest.CaptureFixture[str]) -> None:
    """As ``rulebook catalog --help`` says: a duplicate id stops the catalog from loading (exit 2), naming both lines."""
    small.write("rules.yaml", CATALOG.replace("id: demo.untested", "id: demo.tested"))
    code = main(small.args("--check"))
    assert "duplicate id, first defined at line 3" in capsys.readouterr().err
    assert code == 2


def test_check_fails_on_a_suite_test_without_a_rule_marker(small: Project, capsys: pytest.CaptureFixture[str]) -> None:
    """A suite test that names no rule fails ``--check`` (as it fails every run), naming the test."""
    small.write("suites/test_more.py", "def test_unmarked():\n    pass\n")
    assert main(small.args("--check")) == 1
    assert "test_more.py::test_unmarked names no rule" in capsys.readouterr().err


def test_a_rule_id_typo_gets_the_nearest_id(small: Project, capsys: pytest.CaptureFixture[str]) -> None:
    small.write("suites/test_more.py", "import pytest\n\n@pytest.mark.rule('demo.testd')\ndef test_more():\n    pass\n")
    assert main(small.args("--check")) == 1
    assert "names unknown rule 'demo.testd'; did you mean 'demo.tested'" in capsys.readouterr().err
