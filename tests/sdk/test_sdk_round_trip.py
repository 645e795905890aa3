"""The SDK suite records and replays: recorded from the reference server into a temporary set, replayed with no
server, the same verdict per rule, and no key in any cassette."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("openai")

REPO = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "openai_rulebook.cli", "run", "--suites", "suites/sdk", *args],
                          cwd=REPO, capture_output=True, text=True, timeout=600)


def verdicts(report_dir: Path) -> dict[str, str]:
    rules = json.loads((report_dir / "compliance.json").read_text(encoding="utf-8"))["rules"]
    items = rules.items() if isinstance(rules, dict) else ((rule["id"], rule) for rule in rules)
    return {rule_id: rule["verdict"] for rule_id, rule in items if rule_id.startswith("sdk.")}


def test_record_then_replay_gives_the_same_verdicts(tmp_path: Path) -> None:
    cassettes = tmp_path / "cassettes"
    recorded = run("--target", "record", "--record-from", "reference", "--cassette-dir", str(cassettes),
                   "--report-dir", str(tmp_path / "recorded"))
    assert recorded.returncode == 0, recorded.stdout[-3000:] + recorded.stderr[-2000:]
    replayed = run("--target", "replay", "--cassette-dir", str(cassettes), "--report-dir", str(tmp_path / "replayed"))
    assert replayed.returncode == 0, replayed.stdout[-3000:] + replayed.stderr[-2000:]
    first, second = verdicts(tmp_path / "recorded"), verdicts(tmp_path / "replayed")
    assert first == second
    assert {verdict for rule_id, verdict in first.items() if rule_id != "sdk.output_text"} == {"pass"}
    texts = [path.read_text(encoding="utf-8") for path in (cassettes / "sdk").rglob("*.yaml")]
    assert texts and not any("sk-rulebook-reference" in text for text in texts)
    # the SDK's multipart bodies are stored with the harness's fixed boundary, so that they match on replay
    assert any("rulebook-multipart-boundary" in text for text in texts)
