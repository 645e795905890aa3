"""Under pytest-xdist (``-n 2``) the workers' parts are joined and judged once: the report is the serial run's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from openai_rulebook import exits
from openai_rulebook.capabilities import Probe
from openai_rulebook.plugin.gathered import Gathered, join
from openai_rulebook.verdicts import TestResult

from .conftest import read_compliance, tiny_project, verdicts
from .test_verdicts import ALL_OUTCOMES

pytest.importorskip("xdist")


def _pytest(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", *args], cwd=root, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, int, int]:
    """The same tiny project run in one process and over two workers: both documents and exit codes."""
    root = tiny_project(tmp_path_factory.mktemp("workers"), ALL_OUTCOMES)
    serial = _pytest(root, "--report-dir", "serial")
    spread = _pytest(root, "-n", "2", "--report-dir", "spread")
    assert (root / "spread" / "compliance.json").is_file(), spread.stdout + spread.stderr
    return read_compliance(root / "serial"), read_compliance(root / "spread"), serial.returncode, spread.returncode


def test_two_workers_give_the_serial_verdicts(both: tuple[dict, dict, int, int]) -> None:
    serial, spread, _, _ = both
    assert verdicts(spread) == verdicts(serial)
    assert spread["summary"] == serial["summary"]
    assert spread["run"]["tests"] == serial["run"]["tests"] == 5
    assert spread["run"]["workers"] == 2


def test_two_workers_keep_the_evidence(both: tuple[dict, dict, int, int]) -> None:
    serial, spread, _, _ = both
    def messages(document: dict) -> dict[str, list[str]]:
        return {rule["id"]: sorted(item.get("message", item["outcome"]) for item in rule["evidence"])
                for rule in document["rules"]}

    assert messages(spread) == messages(serial)
    assert any("Expected: x" in text for text in messages(spread)["demo.violated"])


def test_two_workers_exit_as_one_process(both: tuple[dict, dict, int, int]) -> None:
    _, _, serial_code, spread_code = both
    assert spread_code == serial_code == exits.for_verdicts({"fail": 1})


@pytest.mark.parametrize("target", ["replay", "record"])
def test_recording_and_replay_refuse_workers(tmp_path: Path, target: str) -> None:
    """One cassette set is written or read in test order: -n is refused with one line saying so."""
    root = tiny_project(tmp_path, ALL_OUTCOMES)
    (root / "cassettes").mkdir()
    done = _pytest(root, "-n", "2", "--target", target, "--cassette-dir", "cassettes")
    assert done.returncode == exits.USAGE
    assert "leave out -n" in done.stderr


def _result(nodeid: str, rule: str, outcome: str = "pass", refused: tuple[str, ...] = ()) -> TestResult:
    return TestResult(nodeid=nodeid, rules=(rule,), outcome=outcome, refused=refused)  # type: ignore[arg-type]


def test_join_makes_one_run_of_the_parts() -> None:
    """Controls, probes and "not run" are judged over every worker's part, not per worker."""
    probe = Probe("GET /v1/models", True, 200, {"request": "GET /v1/models"})
    first = Gathered(results=[_result("t::a", "demo.a", refused=("POST /v1/files",))],
                     items=[("t::a", ("demo.a",)), ("t::b", ("demo.b",)), ("t::c", ("demo.c",))],
                     probes={"GET /v1/models": probe}, spec={"responses_checked": 2, "mismatch_count": 0})
    second = Gathered(results=[_result("t::b", "demo.b")], accepted={"POST /v1/files"},
                      items=[("t::a", ("demo.a",)), ("t::b", ("demo.b",)), ("t::c", ("demo.c",))],
                      deselected={"demo.d"}, spec={"responses_checked": 3, "mismatch_count": 0},
                      leftovers=["t::b: file-1"])
    joined = join([first.to_json(), second.to_json()])
    assert [result.nodeid for result in joined.results] == ["t::a", "t::b"]
    assert joined.results[0].refused == ("POST /v1/files",)
    # the refusal on one worker has its control in the other's accepted request
    assert joined.accepted == {"POST /v1/files"}
    assert joined.probes == {"GET /v1/models": probe}
    assert joined.spec["responses_checked"] == 5
    assert joined.leftovers == ["t::b: file-1"]
    reasons = joined.not_run_reasons()
    assert set(reasons) == {"demo.c", "demo.d"} and "stopped early" in reasons["demo.c"]


def test_a_stop_at_collection_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """Workers collect; an unknown rule id stops them all, and the controller says so once, as one process does."""
    root = tiny_project(tmp_path, "import pytest\n\n@pytest.mark.rule('demo.nope')\ndef test_x():\n    pass\n")
    done = _pytest(root, "-n", "2", "--report-dir", "out")
    assert done.returncode == exits.USAGE, done.stdout[-2000:] + done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.startswith(exits.PREFIX)]
    assert len(lines) == 1 and "'demo.nope'" in lines[0] and "INTERNALERROR" not in done.stdout + done.stderr
    assert not (root / "out").exists()
