"""Vector store CRUD: the objects match the spec's VectorStoreObject and DeleteVectorStoreResponse."""

from __future__ import annotations

import re

import pytest

DAY = 86400
#: VectorStoreObject's properties; ``expires_after`` only when set (the spec does not let it be null)
OBJECT_KEYS = {
    "id", "object", "created_at", "name", "usage_bytes", "file_counts", "status", "last_active_at", "metadata",
    "expires_at", "expires_after", "description",
}  # fmt: skip


def test_create_with_nothing_gives_the_defaults(client, clock):
    store = client.post("/v1/vector_stores", json={}).json()
    assert set(store) == OBJECT_KEYS
    assert re.fullmatch(r"vs_[0-9a-f]{24}", store["id"])
    assert store == {
        "id": store["id"],
        "object": "vector_store",
        "created_at": clock.now(),
        "name": None,
        "description": None,
        "usage_bytes": 0,
        "file_counts": {"in_progress": 0, "completed": 0, "failed": 0, "cancelled": 0, "total": 0},
        "status": "completed",
        "last_active_at": clock.now(),
        "metadata": {},
        "expires_at": None,
        "expires_after": None,
    }


def test_create_keeps_what_it_is_given(make_store, clock):
    store = make_store(
        name="Support FAQ",
        description="not part of the object",
        metadata={"team": "docs"},
        expires_after={"anchor": "last_active_at", "days": 7},
        file_ids=[],
        chunking_strategy={"type": "static", "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400}},
    )
    assert set(store) == OBJECT_KEYS | {"expires_after"}
    assert store["name"] == "Support FAQ"
    assert store["metadata"] == {"team": "docs"}
    assert store["expires_after"] == {"anchor": "last_active_at", "days": 7}
    assert store["expires_at"] == clock.now() + 7 * DAY


@pytest.mark.parametrize("strategy", [{"type": "auto"}, {"type": "static", "static": {"max_chunk_size_tokens": 100,
                                                                                       "chunk_overlap_tokens": 50}}])
def test_chunking_strategies_are_accepted(make_store, strategy):
    make_store(chunking_strategy=strategy)


@pytest.mark.parametrize(
    "strategy",
    [
        {"type": "static", "static": {"max_chunk_size_tokens": 100, "chunk_overlap_tokens": 51}},
        {"type": "static", "static": {"max_chunk_size_tokens": 99, "chunk_overlap_tokens": 0}},
        {"type": "static", "static": {"max_chunk_size_tokens": 4097, "chunk_overlap_tokens": 0}},
        {"type": "static"},
        {"type": "auto", "static": {}},
    ],
)
def test_bad_chunking_strategies_are_400(client, expect_error, strategy):
    response = client.post("/v1/vector_stores", json={"chunking_strategy": strategy})
    expect_error(response, 400, param="chunking_strategy")


def test_file_ids_must_name_files(client, expect_error):
    expect_error(client.post("/v1/vector_stores", json={"file_ids": ["file-abc"]}), 400, param="file_ids")


@pytest.mark.parametrize("days", [0, 366, -1])
def test_expires_after_days_out_of_range_are_400(client, make_store, expect_error, days):
    body = {"expires_after": {"anchor": "last_active_at", "days": days}}
    expect_error(client.post("/v1/vector_stores", json=body), 400, param="expires_after")
    expect_error(client.post(f"/v1/vector_stores/{make_store()['id']}", json=body), 400, param="expires_after")


@pytest.mark.parametrize("expires_after", [{"anchor": "created_at", "days": 1}, {"anchor": "last_active_at"},
                                           {"days": 1}, {"anchor": "last_active_at", "days": "1"}])
def test_malformed_expires_after_is_400(client, expect_error, expires_after):
    expect_error(client.post("/v1/vector_stores", json={"expires_after": expires_after}), 400, param="expires_after")


@pytest.mark.parametrize("days", [1, 365])
def test_expires_after_edges_are_accepted(make_store, clock, days):
    assert make_store(expires_after={"anchor": "last_active_at", "days": days})["expires_at"] == clock.now() + days * DAY


def test_retrieve_returns_the_created_object(client, make_store):
    store = make_store(name="x", metadata={"a": "b"})
    assert client.get(f"/v1/vector_stores/{store['id']}").json() == store


def test_modify_changes_what_is_sent_and_touches_last_active_at(client, make_store, clock):
    store = make_store(name="old", expires_after={"anchor": "last_active_at", "days": 1})
    clock.advance(60)
    modified = client.post(f"/v1/vector_stores/{store['id']}", json={"name": "new"}).json()
    assert modified["name"] == "new"
    assert modified["created_at"] == store["created_at"]
    assert modified["last_active_at"] == store["created_at"] + 60
    assert modified["expires_at"] == modified["last_active_at"] + DAY
    assert client.get(f"/v1/vector_stores/{store['id']}").json() == modified


def test_modify_with_null_name_keeps_it_and_null_expiry_clears_it(client, make_store):
    store = make_store(name="kept", expires_after={"anchor": "last_active_at", "days": 1})
    modified = client.post(f"/v1/vector_stores/{store['id']}", json={"name": None, "expires_after": None}).json()
    assert modified["name"] == "kept"
    assert modified["expires_at"] is None and modified["expires_after"] is None


def test_a_store_past_its_expiry_is_expired(client, make_store, clock):
    store = make_store(expires_after={"anchor": "last_active_at", "days": 2})
    clock.advance(2 * DAY - 1)
    assert client.get(f"/v1/vector_stores/{store['id']}").json()["status"] == "completed"
    clock.advance(1)
    assert client.get(f"/v1/vector_stores/{store['id']}").json()["status"] == "expired"


def test_delete_then_the_id_names_nothing(client, make_store, expect_error):
    store_id = make_store()["id"]
    response = client.delete(f"/v1/vector_stores/{store_id}")
    assert response.json() == {"id": store_id, "object": "vector_store.deleted", "deleted": True}
    expect_error(client.get(f"/v1/vector_stores/{store_id}"), 404)
    expect_error(client.post(f"/v1/vector_stores/{store_id}", json={}), 404)
    expect_error(client.delete(f"/v1/vector_stores/{store_id}"), 404)
    assert client.get("/v1/vector_stores").json()["data"] == []


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_unknown_id_is_404(client, expect_error, method):
    error = expect_error(client.request(method, "/v1/vector_stores/vs_nope"), 404)
    assert "vs_nope" in error["message"]
