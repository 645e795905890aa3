"""Spec drift: nulls the real API sends where the spec's types forbid them are reported as drift, not mismatches."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from openai_rulebook.plugin.spec_check import SpecCheck
from openai_rulebook.spec import ResponseValidator

JSON = "application/json"
FILE = {"id": "file-1", "object": "file", "bytes": 5, "created_at": 1, "filename": "a.txt", "purpose": "assistants",
        "status": "processed", "expires_at": None, "status_details": None}


def check(validator: ResponseValidator, body: Any, path: str = "/v1/files/file-1"):
    return validator.check(method="GET", path=path, status=200, content_type=JSON, body=body)


def test_null_drift_is_reported_as_drift(validator: ResponseValidator, raw_validator: ResponseValidator) -> None:
    assert {problem.instance_path for problem in raw_validator.validate(
        method="GET", path="/v1/files/file-1", status=200, content_type=JSON, body=FILE)} == {"/expires_at",
                                                                                          "/status_details"}
    checked = check(validator, FILE)
    assert checked.mismatches == []
    assert {(drift.gap, drift.instance_path, drift.schema_path) for drift in checked.drift} == {
        ("null-drift-file", "/expires_at", "#/components/schemas/OpenAIFile/properties/expires_at"),
        ("null-drift-file", "/status_details", "#/components/schemas/OpenAIFile/properties/status_details"),
    }


def test_drift_is_found_in_list_items_and_not_where_values_are_set(validator: ResponseValidator) -> None:
    page = {"object": "list", "data": [FILE, {**FILE, "id": "file-2", "expires_at": 9, "status_details": "ok"}],
            "first_id": "file-1", "last_id": "file-2", "has_more": False}
    checked = check(validator, page, "/v1/files")
    assert checked.mismatches == []
    assert sorted(drift.instance_path for drift in checked.drift) == ["/data/0/expires_at", "/data/0/status_details"]


def test_a_wrong_non_null_value_is_still_a_mismatch(validator: ResponseValidator) -> None:
    checked = check(validator, {**FILE, "expires_at": "soon"})
    assert [problem.instance_path for problem in checked.mismatches] == ["/expires_at"]


def test_drift_gaps_carry_their_evidence(validator: ResponseValidator) -> None:
    from openai_rulebook.spec import KNOWN_GAPS

    for gap in KNOWN_GAPS:
        if gap.nulls:
            assert gap.evidence and all(" seq " in cite and cite.split(" ")[0].endswith(".jsonl") for cite in gap.evidence)


def response(path: str, body: Any) -> tuple[httpx.Request, httpx.Response]:
    request = httpx.Request("GET", f"http://testserver{path}")
    return request, httpx.Response(200, json=body, request=request)


def test_spec_conformance_groups_findings_with_counts_and_one_sample(spec_path: Path) -> None:
    spec_check = SpecCheck(spec_path)
    page = {"object": "list", "data": [{**FILE, "bytes": "x"}, {**FILE, "id": "file-2", "bytes": "y"}],
            "first_id": "file-1", "last_id": "file-2", "has_more": False}
    spec_check.current_test = "suites/test_files.py::test_one"
    spec_check.check(*response("/v1/files", page))
    spec_check.check(*response("/v1/files/file-1", FILE))
    summary = spec_check.summary()
    assert summary["responses_checked"] == 2
    assert summary["mismatch_count"] == 2
    [group] = summary["mismatches"]
    assert group["operation"] == "listFiles" and group["kind"] == "body" and group["at"] == "/data/*/bytes"
    assert group["count"] == 2 and group["sample"]["at"] == "/data/0/bytes"
    assert group["sample"]["test"] == "suites/test_files.py::test_one"
    assert summary["drift_count"] == 6
    drift = {(g["operation"], g["at"]): g for g in summary["spec_drift"]}
    assert drift["listFiles", "/data/*/expires_at"]["count"] == 2
    assert drift["retrieveFile", "/status_details"]["count"] == 1
    assert all(g["gap"] == "null-drift-file" and g["evidence"] for g in summary["spec_drift"])
