"""The error envelope (errors.envelope) and how bodies are read (requests.json_content_type)."""

from __future__ import annotations

import pytest


def test_unknown_route_is_404_in_the_envelope(client, expect_error):
    error = expect_error(client.get("/v1/no_such_area"), 404)
    assert error["message"] == "Invalid URL (GET /v1/no_such_area)"


def test_trailing_slash_is_not_redirected(client, expect_error):
    expect_error(client.get("/v1/vector_stores/", follow_redirects=False), 404)


def test_wrong_method_is_405_in_the_envelope(client, expect_error):
    response = client.put("/v1/vector_stores")
    expect_error(response, 405)
    assert response.headers["allow"] == "POST" or "GET" in response.headers["allow"]


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ({"unknown_field": 1}, "unknown_field", "unknown_parameter"),
        ({"name": 7}, "name", "invalid_value"),
        ({"name": None}, "name", "invalid_value"),
        ({"file_ids": "file-1"}, "file_ids", "invalid_value"),
        ({"expires_after": {"anchor": "last_active_at", "days": 0}}, "expires_after", "integer_below_min_value"),
        ({"expires_after": {"anchor": "last_active_at", "days": "3"}}, "expires_after", "invalid_value"),
        ({"expires_after": {"anchor": "created_at", "days": 3}}, "expires_after", "invalid_value"),
        ({"chunking_strategy": {"type": "magic"}}, "chunking_strategy", "invalid_value"),
        ({"metadata": ["not", "a", "map"]}, "metadata", "invalid_value"),
    ],
)
def test_invalid_body_is_400_naming_the_top_level_field(client, expect_error, body, param, code):
    error = expect_error(client.post("/v1/vector_stores", json=body), 400, param=param)
    assert error["code"] == code


def test_invalid_modify_body_names_the_field(client, make_store, expect_error):
    store = make_store()
    expect_error(client.post(f"/v1/vector_stores/{store['id']}", json={"description": "x"}), 400, param="description")


@pytest.mark.parametrize("content_type", ["application/json", "Application/JSON", "application/json; charset=utf-8"])
def test_json_media_type_is_accepted_in_any_case_and_with_parameters(client, content_type):
    response = client.post("/v1/vector_stores", content=b'{"name": "x"}', headers={"Content-Type": content_type})
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "x"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/jsonx", ""])
def test_other_media_types_are_400(client, expect_error, content_type):
    response = client.post("/v1/vector_stores", content=b'{"name": "x"}', headers={"Content-Type": content_type})
    expect_error(response, 400)


def test_a_body_without_content_type_is_400(client, expect_error):
    request = client.build_request("POST", "/v1/vector_stores", content=b"{}")
    request.headers.pop("content-type", None)  # httpx adds none for raw bytes; make sure of it
    expect_error(client.send(request), 400)


@pytest.mark.parametrize("raw", [b"{not json", b'{"name": "x"', b"\xff\xfe", b"[1, 2]", b'"a string"', b"null"])
def test_a_body_that_is_not_a_json_object_is_400(client, expect_error, raw):
    response = client.post("/v1/vector_stores", content=raw, headers={"Content-Type": "application/json"})
    expect_error(response, 400)


def test_no_body_at_all_is_an_empty_request(client, make_store):
    assert client.post("/v1/vector_stores").status_code == 200
    store = make_store(name="kept")
    response = client.post(f"/v1/vector_stores/{store['id']}")
    assert response.status_code == 200 and response.json()["name"] == "kept"
