"""The Authorization header on every vector store route (auth.header_required, auth.bearer_scheme)."""

from __future__ import annotations

import pytest

ROUTES = [
    ("GET", "/v1/vector_stores"),
    ("POST", "/v1/vector_stores"),
    ("GET", "/v1/vector_stores/{id}"),
    ("POST", "/v1/vector_stores/{id}"),
    ("DELETE", "/v1/vector_stores/{id}"),
]


@pytest.fixture
def store_id(make_store):
    return make_store()["id"]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_missing_header_is_401(anonymous, store_id, expect_error, method, path):
    error = expect_error(anonymous.request(method, path.format(id=store_id)), 401)
    assert error["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    "value",
    ["Basic c2stdGVzdA==", "sk-bare-key", "Bearer", "Bearer ", "Bearer two words", "Token sk-test", "Bearer\tsk-test"],
)
def test_malformed_header_is_401_on_every_route(anonymous, store_id, expect_error, value):
    for method, path in ROUTES:
        response = anonymous.request(method, path.format(id=store_id), headers={"Authorization": value})
        assert expect_error(response, 401)["code"] == "invalid_api_key", (method, path)


@pytest.mark.parametrize("value", ["Bearer sk-test", "bearer sk-test", "BEARER anything-at-all"])
def test_any_bearer_key_is_accepted(anonymous, value):
    assert anonymous.get("/v1/vector_stores", headers={"Authorization": value}).status_code == 200


def test_auth_is_checked_before_the_id(anonymous, expect_error):
    expect_error(anonymous.get("/v1/vector_stores/vs_missing"), 401)
    expect_error(anonymous.get("/v1/vector_stores/vs_missing", headers={"Authorization": "Bearer sk"}), 404)


def test_auth_is_checked_before_the_body(anonymous, expect_error):
    response = anonymous.post("/v1/vector_stores", content=b"{not json", headers={"Content-Type": "text/plain"})
    expect_error(response, 401)
