"""``rulebook sdk-matrix`` end to end: two SDK versions, offline against the reference server.

The versions: the ``openai`` installed here (``current``) and the release before it, installed once into
``.rulebook/sdk-envs/`` of the repository and reused by later runs (the first run downloads it: CI has the package
index; without it, the test is skipped, or fails with ``CI=true``). A few tests of the suite keep it short.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

openai = pytest.importorskip("openai")

REPO = Path(__file__).resolve().parents[2]
#: the release compared with the installed one (any release of the 'sdk' extra's range works)
OTHER = "3.56.0"
SELECTED = "retries or request_id or error_class"


def rulebook(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "openai_rulebook.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=900)


def test_two_versions_offline_on_the_reference_server(tmp_path: Path) -> None:
    other = OTHER if openai.__version__ != OTHER else "3.55.1"
    done = rulebook("sdk-matrix", "--versions", f"{other},current", "--report-dir", str(tmp_path),
                    "--env-dir", str(REPO / ".rulebook" / "sdk-envs"), "--", "-k", SELECTED)
    if done.returncode == 2 and "could not be installed" in done.stderr and os.environ.get("CI") != "true":
        pytest.skip(f"openai {other} could not be installed (no package index?): {done.stderr.strip()[-300:]}")
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads((tmp_path / "sdk-matrix.json").read_text(encoding="utf-8"))
    assert document["schema"] == "rulebook.sdk-matrix/1"
    assert [entry["version"] for entry in document["versions"]] == [other, "current"]
    assert [entry["installed"] for entry in document["versions"]] == [other, openai.__version__]
    assert set(document["rules"]) == {"sdk.retries", "sdk.request_id", "sdk.error_classes"}
    assert all(per_version == {other: "pass", "current": "pass"} for per_version in document["rules"].values())
    assert document["upgrades"] == [{"from": other, "to": "current", "breaks": [], "fixes": [], "changed": {}}]
    for version in (other, "current"):
        assert (tmp_path / version / "compliance.json").is_file()
    assert f"upgrading from {other} to current breaks no rule" in done.stdout


def test_a_version_that_does_not_exist_is_an_input_error(tmp_path: Path) -> None:
    done = rulebook("sdk-matrix", "--versions", "latest", "--report-dir", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.startswith("rulebook: error: --versions: 'latest' is not a release number")
