"""``rulebook run``, ``serve`` and ``--help`` as a user meets them: bad input stops before any test with one
``rulebook: error:`` line and the documented exit code (README, "Exit codes"), and leaves no file behind."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from openai_rulebook import exits
from openai_rulebook.cli import main

from .conftest import REPO

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")


def rulebook(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None,
             timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own, as a user runs it."""
    environ = {name: value for name, value in os.environ.items() if name != "RULEBOOK_SPEC"}
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "openai_rulebook.cli", *args], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=timeout)


def error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith(exits.PREFIX)]


def dead_url() -> str:
    """A base URL on which nothing listens: a port just bound and released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def test_a_dead_base_url_fails_in_seconds_with_exit_4_and_writes_nothing(tmp_path: Path) -> None:
    """Nothing listens at --base-url: one error line naming the URL, exit 4 (nothing conclusive), in seconds (not
    after every test sat out its retries), and neither reports nor cassettes are written."""
    started = time.monotonic()
    result = rulebook("run", "--target", "url", "--base-url", dead_url(), "--report-dir", str(tmp_path / "reports"),
                      env={"OPENAI_API_KEY": "sk-test"})
    elapsed = time.monotonic() - started
    assert result.returncode == exits.NOTHING_CONCLUSIVE, result.stderr[-2000:]
    lines = error_lines(result)
    assert len(lines) == 1 and "does not answer" in lines[0] and "127.0.0.1" in lines[0], result.stderr[-2000:]
    assert "Traceback" not in result.stderr + result.stdout
    assert elapsed < 30, f"a dead URL took {elapsed:.1f} s to report"
    assert not (tmp_path / "reports").exists()


def test_a_dead_base_url_is_the_first_thing_said(tmp_path: Path) -> None:
    """The target is asked before collection: no pytest header, no "collected N items" before the error."""
    result = rulebook("run", "--target", "url", "--base-url", dead_url(), "--report-dir", str(tmp_path / "reports"),
                      env={"OPENAI_API_KEY": "sk-test"})
    assert result.returncode == exits.NOTHING_CONCLUSIVE
    assert "collected" not in result.stdout and "test session starts" not in result.stdout, result.stdout
    assert result.stderr.startswith(exits.PREFIX), result.stderr[:500]


def test_recording_from_a_dead_url_writes_no_cassette(tmp_path: Path) -> None:
    """The same preflight guards a recording: no cassette set is started for a target that does not answer."""
    result = rulebook("run", "--target", "record", "--record-from", "url", "--base-url", dead_url(),
                      "--cassette-dir", str(tmp_path / "cassettes"), "--report-dir", str(tmp_path / "reports"),
                      env={"OPENAI_API_KEY": "sk-test"})
    assert result.returncode == exits.NOTHING_CONCLUSIVE, result.stderr[-2000:]
    assert len(error_lines(result)) == 1
    assert not (tmp_path / "cassettes").exists() and not (tmp_path / "reports").exists()


@pytest.mark.parametrize(("args", "says"), [
    (["--report-dir", "{file}"], "is a file, not a directory"),
    (["--report-dir", "{file}/sub"], "is a file, so the directory cannot be made"),
    (["--spec", "{tmp}/no-such-spec.yaml"], "--spec {tmp}/no-such-spec.yaml: no such file"),
    (["--target", "refrence"], "did you mean 'reference'?"),
    (["--fault", "metadata.accept_long_key"], "did you mean 'metadata.accept_long_keys'"),
    (["--areas", "file"], "did you mean 'files'?"),
    (["--tiers", "fre"], "did you mean 'free'?"),
    (["--target", "url"], "--target url needs --base-url"),
    (["--no-such-option"], "unrecognized arguments: --no-such-option"),
], ids=["report-dir-is-a-file", "report-dir-under-a-file", "missing-spec", "target-typo", "fault-typo",
        "areas-typo", "tiers-typo", "url-without-base-url", "unknown-option"])
def test_bad_input_is_one_line_and_exit_2_before_anything_runs(tmp_path: Path, args: list[str], says: str) -> None:
    """Each bad input: exit 2, one ``rulebook: error:`` line saying what is wrong (with the nearest valid name
    for a typo), no test run and no report written."""
    (tmp_path / "file").write_text("not a directory", encoding="utf-8")
    fill = {"file": str(tmp_path / "file"), "tmp": str(tmp_path)}
    result = rulebook("run", *[arg.format(**fill) for arg in args], *(
        [] if "--report-dir" in args else ["--report-dir", str(tmp_path / "reports")]))
    assert result.returncode == exits.USAGE, result.stdout[-2000:] + result.stderr[-2000:]
    lines = error_lines(result)
    assert len(lines) == 1 and says.format(**fill) in lines[0], result.stderr[-2000:]
    assert "Traceback" not in result.stderr and " passed" not in result.stdout
    assert not (tmp_path / "reports").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_read_only_report_dir_is_exit_2_before_anything_runs(tmp_path: Path) -> None:
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    readonly.chmod(0o555)
    try:
        result = rulebook("run", "--report-dir", str(readonly / "reports"))
    finally:
        readonly.chmod(0o755)
    assert result.returncode == exits.USAGE
    assert "is not writable" in error_lines(result)[0]


def test_serve_with_a_fault_typo_prints_one_short_line(capsys: pytest.CaptureFixture[str]) -> None:
    """``serve --fault typo``: one line with the nearest names, not the list of every fault; exit 2."""
    assert main(["serve", "--fault", "metadata.accept_long_key"]) == exits.USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and len(err) < 400, err
    assert err.startswith(exits.PREFIX) and "metadata.accept_long_keys" in err


def test_list_faults_into_a_closed_pipe_ends_quietly() -> None:
    """``rulebook serve --list-faults | head -1``: no BrokenPipeError traceback."""
    result = subprocess.run(f"{sys.executable} -m openai_rulebook.cli serve --list-faults | head -1", shell=True,
                            capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.stdout.count("\n") == 1
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr


def test_help_is_plain_text_with_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert "``" not in out and ":func:" not in out
    assert "exit codes" in out and "4  nothing conclusive" in out


@pytest.mark.parametrize("command", ["run", "serve", "catalog", "mutants"])
def test_every_option_has_help_text_with_its_default(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Every option of every command says what it does and its default."""
    from openai_rulebook.cli import _parser

    parser = _parser()
    sub = next(action for action in parser._actions if isinstance(action, __import__("argparse")._SubParsersAction))
    options = [action for action in sub.choices[command]._actions if action.option_strings and action.dest != "help"]
    assert options
    for action in options:
        assert action.help and "default" in action.help, f"{command} {action.option_strings}: {action.help!r}"


def test_run_passes_spec_catalog_and_areas_to_pytest(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    for option in ("--spec", "--catalog", "--areas", "--report-dir", "--target"):
        assert option in out
