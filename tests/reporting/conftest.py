"""A small compliance.json with one rule per interesting case: a violation with its exchanges (and a body that
tries to be markup), a harness error, an inconclusive and an unsupported rule, passes, skips, a disputed rule."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

HOSTILE = '<script>document.title="owned"</script><img src="https://example.invalid/x.png">'


def _rule(rule_id: str, verdict: str, *, area: str, kind: str = "enforced", tier: str = "free",
          evidence: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    tests = [{"nodeid": f"suites/test_{area}.py::test_{rule_id.split('.')[-1]}", "outcome": verdict,
              "duration": 0.01}] if verdict not in ("skipped", "not-checkable") else []
    return {"id": rule_id, "verdict": verdict, "kind": kind, "tier": tier, "area": area, "seeds": ["R01.2.1"],
            "source": "rulebook", "statement": f"The statement of {rule_id}.", "endpoints": ["GET /v1/files"],
            "tests": tests, "evidence": evidence if evidence is not None else [], **extra}


def _exchange(status: int, body: str, *, deciding: bool = False) -> dict[str, Any]:
    exchange = {"request": "GET /v1/files?limit=0", "request_headers": {"authorization": "Bearer REDACTED"},
                "request_body": "", "status": status, "response_headers": {"content-type": "application/json"},
                "response_body": body, "curl": 'curl -sS -X GET "http://127.0.0.1:1/v1/files?limit=0"'}
    if deciding:
        exchange["deciding"] = True
    return exchange


def sample_document() -> dict[str, Any]:
    violation = {"test": "suites/test_files.py::test_limit_range", "outcome": "fail",
                 "message": "[files.list.limit_range]\nExpected: a 400 for limit=0\nActual: 200",
                 "exchanges": [_exchange(200, json.dumps({"object": "list", "data": [], "note": HOSTILE}),
                                         deciding=True)],
                 "reproduce": 'curl -sS -X GET "http://127.0.0.1:1/v1/files?limit=0"'}
    rules = [
        _rule("files.list.limit_range", "fail", area="files", evidence=[violation]),
        _rule("files.list.order", "pass", area="files", kind="contract",
              evidence=[{"test": "suites/test_files.py::test_order", "outcome": "pass", "requests": 3,
                         "statuses": [200]}]),
        _rule("batches.cancel.status", "error", area="batches", kind="lifecycle", tier="cheap",
              evidence=[{"test": "suites/test_batches.py::test_cancel", "outcome": "error",
                         "message": "KeyError: 'status'", "exchanges": [_exchange(200, "{}", deciding=True)]}]),
        _rule("vector_stores.list.limit_range", "pass", area="vector_stores", disputed="the spec says 1..100 in "
              "prose only"),
        _rule("uploads.parts.size", "inconclusive", area="uploads", tier="cheap",
              evidence=[{"test": "suites/test_uploads.py::test_size", "outcome": "inconclusive",
                         "message": "inconclusive: 429 after 3 retries", "exchanges": [_exchange(429, "{}")]}]),
        _rule("audio.speech.voice", "unsupported", area="audio", tier="paid",
              evidence=[{"test": "suites/test_audio.py::test_voice", "outcome": "unsupported",
                         "message": "unsupported: POST /v1/audio/speech is not served"}]),
        _rule("models.list.shape", "skipped", area="models", reason="no test in the suites checks this rule yet"),
        _rule("client.retries", "not-checkable", area="client", kind="advisory",
              reason="what a client does is not visible on the wire"),
    ]
    summary = dict.fromkeys(("pass", "fail", "error", "inconclusive", "unsupported", "skipped", "not-checkable"), 0)
    for rule in rules:
        summary[rule["verdict"]] += 1
    return {
        "schema": "rulebook.compliance/1",
        "run": {"target": "url", "base_url": "http://127.0.0.1:1/v1", "tiers": ["free"], "faults": [],
                "started_at": "2026-12-01T00:00:00+00:00", "finished_at": "2026-12-01T00:01:00+00:00",
                "harness_version": "0.1.0", "tests": 6},
        "summary": summary,
        "capabilities": [
            {"area": "audio", "status": "unsupported", "served": [], "missing": ["POST /v1/audio/speech"],
             "not_probed": [], "verdicts": {"unsupported": 1}, "pass_rate": None},
            {"area": "files", "status": "supported", "served": ["GET /v1/files"], "missing": [], "not_probed": [],
             "verdicts": {"fail": 1, "pass": 1}, "pass_rate": 0.5},
            {"area": "models", "status": "not probed", "served": [], "missing": [], "not_probed": ["GET /v1/models"],
             "verdicts": {"skipped": 1}, "pass_rate": None},
        ],
        "probes": {"GET /v1/files": {"supported": True, "status": 200, "evidence": {}},
                   "POST /v1/audio/speech": {"supported": False, "status": 404, "evidence": {}}},
        "spec_conformance": {"spec": "openai-openapi.yaml", "responses_checked": 12, "mismatch_count": 0,
                             "mismatches": []},
        "rules": rules,
        "observations": {"source": "run", "operations": {
            "GET /v1/files": {"statuses": [200, 400], "fields": ["data", "object"], "null_fields": [],
                              "error_fields": [], "enums": {"object": ["list"]}, "content_types": ["application/json"],
                              "headers": {"x-request-id": "always"}}},
            "rules": {"files.list.limit_range": {"statuses": [200]}}, "unmatched_exchanges": 0},
    }


@pytest.fixture
def document() -> dict[str, Any]:
    return copy.deepcopy(sample_document())


@pytest.fixture
def report_file(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "compliance.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path
