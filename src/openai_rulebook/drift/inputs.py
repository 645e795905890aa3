"""What a drift report compares: a ``compliance.json`` (verdicts and observations), or recordings (observations
only): a cassette set (``cassettes/<set>/``) or ``real-traffic``-style JSONL recordings."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openai_rulebook.errors import UsageError

COMPLIANCE_FILE = "compliance.json"


@dataclass(frozen=True)
class Side:
    """One side of a comparison."""

    label: str  #: the path as given
    kind: str  #: "report", "cassettes" or "traffic"
    verdicts: dict[str, str] | None  #: rule id -> verdict; None for recordings, which judge no rule
    observations: dict[str, Any]
    disputed: dict[str, str] | None = None


def load_side(text: str, routes: Callable[[], Any]) -> Side:
    """``text``: a compliance.json, a directory holding one, a cassette set or a directory of JSONL recordings.

    ``routes`` makes the catalog's ``RouteIndex``, needed only for recordings (called at most once).
    """
    path = Path(text)
    if path.is_dir() and (path / COMPLIANCE_FILE).is_file():
        path = path / COMPLIANCE_FILE
    if path.is_file():
        return _report(text, path)
    if not path.is_dir():
        raise UsageError(f"{text}: no such file or directory (expected a compliance.json, a cassette set or a "
                         "directory of JSONL recordings)")
    from openai_rulebook.observations import from_cassettes, from_traffic

    if any(path.rglob("*.yaml")):
        return Side(text, "cassettes", None, from_cassettes(path, routes()))
    if any(path.glob("*.jsonl")):
        return Side(text, "traffic", None, from_traffic(path, routes()))
    raise UsageError(f"{text}: a directory with neither compliance.json, cassettes (*.yaml) nor recordings (*.jsonl)")


def _report(text: str, path: Path) -> Side:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read it ({exc})") from exc
    except ValueError as exc:
        raise UsageError(f"{path}: not JSON ({exc})") from exc
    if not isinstance(document, dict) or not str(document.get("schema", "")).startswith("rulebook.compliance/") \
            or not isinstance(document.get("rules"), list):
        raise UsageError(f"{path}: not a compliance report (expected \"schema\": \"rulebook.compliance/1\" and "
                         "\"rules\"); 'rulebook run --report-dir DIR' writes one")
    verdicts = {rule["id"]: rule["verdict"] for rule in document["rules"]}
    disputed = {rule["id"]: rule["disputed"] for rule in document["rules"] if rule.get("disputed")}
    # a report written before observations existed still gives its verdicts
    return Side(text, "report", verdicts, document.get("observations") or {}, disputed)
