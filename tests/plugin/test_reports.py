"""Reports are whole or absent: a run that stops early writes no ``compliance.json`` and leaves an old one alone."""

from __future__ import annotations

import pytest

from openai_rulebook import exits

from .conftest import read_compliance, verdicts, write_suite

OLD_REPORT = '{"schema": "rulebook.compliance/1", "note": "from an earlier run"}\n'


@pytest.fixture
def old_report(project: pytest.Pytester):
    """A report left by an earlier run in ``out/``."""
    path = project.path / "out" / "compliance.json"
    path.parent.mkdir()
    path.write_text(OLD_REPORT, encoding="utf-8")
    return path


def test_usage_error_leaves_no_report(project: pytest.Pytester) -> None:
    """A run stopped by a usage error (an unknown rule) writes no ``compliance.json``."""
    write_suite(project, "import pytest\n\n@pytest.mark.rule('demo.nope')\ndef test_x():\n    pass\n")
    assert project.runpytest("--report-dir", "out").ret == exits.USAGE
    assert not (project.path / "out").exists()


def test_usage_error_leaves_an_earlier_report_unchanged(project: pytest.Pytester, old_report) -> None:
    """A run stopped by a usage error does not touch the report an earlier run wrote."""
    write_suite(project, "import pytest\n\n@pytest.mark.rule('demo.nope')\ndef test_x():\n    pass\n")
    assert project.runpytest("--report-dir", "out").ret == exits.USAGE
    assert old_report.read_text(encoding="utf-8") == OLD_REPORT
    assert [path.name for path in old_report.parent.iterdir()] == ["compliance.json"]


def test_interrupted_run_leaves_an_earlier_report_unchanged(project: pytest.Pytester, old_report) -> None:
    """A run interrupted half-way (Ctrl-C) reports nothing rather than half the verdicts."""
    write_suite(project, """
        import pytest

        @pytest.mark.rule("demo.pass")
        def test_first():
            pass

        @pytest.mark.rule("demo.violated")
        def test_interrupted():
            raise KeyboardInterrupt
    """)
    assert project.runpytest("--report-dir", "out", no_reraise_ctrlc=True).ret == pytest.ExitCode.INTERRUPTED
    assert old_report.read_text(encoding="utf-8") == OLD_REPORT


def test_finished_run_replaces_the_report_and_leaves_no_temporary_file(project: pytest.Pytester, old_report) -> None:
    """A run that finishes replaces the old report whole; nothing else is left in the directory."""
    write_suite(project, "import pytest\n\n@pytest.mark.rule('demo.pass')\ndef test_x():\n    pass\n")
    assert project.runpytest("--report-dir", "out").ret == pytest.ExitCode.OK
    assert verdicts(read_compliance(old_report.parent))["demo.pass"] == "pass"
    assert [path.name for path in old_report.parent.iterdir()] == ["compliance.json"]
