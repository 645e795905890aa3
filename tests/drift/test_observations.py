"""Observations: what a run saw per operation, small, sorted and secret-free; the same from cassettes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from openai_rulebook.observations import Observer, from_cassettes, from_traffic
from openai_rulebook.routes import RouteIndex

ROUTES = RouteIndex(["GET /v1/vector_stores", "GET /v1/vector_stores/{vector_store_id}", "POST /v1/files"])
SECRET_ID = "vs_secret_0123456789"


def _observed(*exchanges: tuple[str, str, int, dict[str, str], Any]) -> dict[str, Any]:
    observer = Observer(ROUTES)
    for exchange in exchanges:
        observer.see(*exchange)
    return observer.as_dict()


def test_fields_are_dotted_lists_folded_and_nulls_noted() -> None:
    body = {"object": "list", "data": [{"id": SECRET_ID, "object": "vector_store", "status": "completed",
                                        "expires_at": None, "metadata": {"owner": "x"}, "file_counts": {"total": 1}},
                                       {"id": "vs_2", "object": "vector_store", "status": "in_progress",
                                        "expires_at": 5, "metadata": {"other": "y"}, "file_counts": {"total": 0}}],
            "first_id": SECRET_ID, "has_more": False}
    op = _observed(("GET", "/v1/vector_stores", 200, {"content-type": "application/json; charset=utf-8",
                                                      "x-request-id": "req_1"}, body))["operations"][
        "GET /v1/vector_stores"]
    assert op["fields"] == sorted(["object", "data", "data[].id", "data[].object", "data[].status",
                                   "data[].expires_at", "data[].metadata", "data[].metadata.*",
                                   "data[].file_counts", "data[].file_counts.total", "first_id", "has_more"])
    assert op["null_fields"] == ["data[].expires_at"]
    assert op["enums"] == {"data[].object": ["vector_store"], "data[].status": ["completed", "in_progress"],
                           "object": ["list"]}
    assert op["content_types"] == ["application/json"]
    assert op["headers"] == {"openai-processing-ms": "never", "x-request-id": "always"}
    assert op["statuses"] == [200]


def test_error_codes_headers_and_statuses() -> None:
    error = {"error": {"message": "bad limit 0", "type": "invalid_request_error", "code": "integer_below_min_value",
                       "param": "limit"}}
    doc = _observed(("GET", "/v1/vector_stores", 200, {"x-request-id": "r"}, {"object": "list", "data": []}),
                    ("GET", "/v1/vector_stores", 400, {}, error),
                    ("GET", "/v1/models", 200, {}, {"object": "list"}))
    op = doc["operations"]["GET /v1/vector_stores"]
    assert op["statuses"] == [200, 400]
    assert op["enums"]["error.code"] == ["integer_below_min_value"]
    assert op["enums"]["error.type"] == ["invalid_request_error"]
    assert "error.message" in op["error_fields"] and "error.message" not in op["fields"]
    assert op["headers"]["x-request-id"] == "sometimes"
    assert doc["unmatched_exchanges"] == 1


def test_nothing_but_names_statuses_and_enum_values_is_kept() -> None:
    text = json.dumps(_observed(("GET", f"/v1/vector_stores/{SECRET_ID}", 200, {"x-request-id": "req_secret"},
                                 {"id": SECRET_ID, "name": "my secret name", "object": "vector_store"})))
    assert SECRET_ID not in text and "req_secret" not in text and "my secret name" not in text


def test_the_same_exchanges_in_another_order_give_the_same_observations() -> None:
    one = ("GET", "/v1/vector_stores", 200, {}, {"object": "list", "data": [{"status": "b"}, {"status": "a"}]})
    two = ("GET", "/v1/vector_stores/vs_1", 404, {}, {"error": {"type": "invalid_request_error"}})
    assert json.dumps(_observed(one, two)) == json.dumps(_observed(two, one))


def test_cassettes_give_observations_and_leave_the_probe_out(tmp_path: Path) -> None:
    def cassette(path: Path, uri: str, status: int, body: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump({"interactions": [{
            "request": {"method": "GET", "uri": uri, "body": None, "headers": {}},
            "response": {"status": {"code": status, "message": "x"},
                         "headers": {"content-type": ["application/json"], "x-request-id": ["req_1"]},
                         "body": {"string": json.dumps(body)}}}]}), encoding="utf-8")

    cassette(tmp_path / "test_vector_stores" / "test_one.yaml", "http://127.0.0.1:1/v1/vector_stores?limit=2", 200,
             {"object": "list", "data": [], "has_more": False})
    cassette(tmp_path / "_probe" / "capabilities.yaml", "http://127.0.0.1:1/v1/vector_stores/vs_x", 404,
             {"error": {"type": "invalid_request_error"}})
    doc = from_cassettes(tmp_path, ROUTES)
    assert list(doc["operations"]) == ["GET /v1/vector_stores"]
    assert doc["operations"]["GET /v1/vector_stores"]["headers"]["x-request-id"] == "always"
    assert doc["rules"] == {}


def test_recorded_traffic_lines_give_observations(tmp_path: Path) -> None:
    line = {"source": "o/r:p@c", "seq": 0, "recorded_at": None, "method": "POST", "path": "/v1/files", "query": {},
            "request_body": None, "status": 200,
            "response_headers": {"content-type": "application/json", "openai-processing-ms": "12"},
            "response_body": {"id": "file-1", "object": "file", "status": "processed", "status_details": None}}
    (tmp_path / "files.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    op = from_traffic(tmp_path, ROUTES)["operations"]["POST /v1/files"]
    assert op["enums"] == {"object": ["file"], "status": ["processed"]}
    assert op["null_fields"] == ["status_details"]
    assert op["headers"] == {"openai-processing-ms": "always", "x-request-id": "never"}
