"""Vector store files: attach, retrieve, update, detach, list, content; processing on the clock; counts."""

from __future__ import annotations

from typing import Any

import pytest

from openai_rulebook.server.vector_store_files.attachments import PROCESSING_SECONDS
from openai_rulebook.server.files.stored import add_file, files

STORES = "/v1/vector_stores"
#: VectorStoreFileObject's properties
OBJECT_KEYS = {
    "id", "object", "usage_bytes", "created_at", "vector_store_id", "status", "last_error", "chunking_strategy",
    "attributes",
}  # fmt: skip
AUTO = {"type": "static", "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400}}


@pytest.fixture
def upload(state):
    def make(content: bytes = b"alpha beta gamma", filename: str = "notes.txt"):
        return add_file(state, filename=filename, purpose="assistants", size=len(content), content=content)

    return make


@pytest.fixture
def store(make_store) -> dict[str, Any]:
    return make_store(name="files")


def files_path(store, *rest):
    return "/".join([f"{STORES}/{store['id']}/files", *rest])


def attach(client, store, file_id, **body):
    response = client.post(files_path(store), json={"file_id": file_id, **body})
    assert response.status_code == 200, response.text
    return response.json()


def test_attach_gives_an_in_progress_vector_store_file(client, clock, store, upload):
    stored = upload()
    attached = attach(client, store, stored.id, attributes={"team": "docs", "year": 2025, "public": True})
    assert set(attached) == OBJECT_KEYS
    assert attached == {
        "id": stored.id,
        "object": "vector_store.file",
        "usage_bytes": 0,
        "created_at": clock.now(),
        "vector_store_id": store["id"],
        "status": "in_progress",
        "last_error": None,
        "chunking_strategy": AUTO,
        "attributes": {"team": "docs", "year": 2025, "public": True},
    }
    assert client.get(files_path(store, stored.id)).json() == attached


def test_processing_completes_after_a_second(client, clock, store, upload):
    stored = upload()
    attach(client, store, stored.id)
    clock.advance(PROCESSING_SECONDS - 1)
    assert client.get(f"{STORES}/{store['id']}").json()["status"] == "in_progress"
    clock.advance(1)
    done = client.get(files_path(store, stored.id)).json()
    assert (done["status"], done["usage_bytes"]) == ("completed", stored.bytes)
    vector_store = client.get(f"{STORES}/{store['id']}").json()
    assert vector_store["status"] == "completed"
    assert vector_store["usage_bytes"] == stored.bytes
    assert vector_store["file_counts"] == {"in_progress": 0, "completed": 1, "failed": 0, "cancelled": 0, "total": 1}


@pytest.mark.parametrize(("content", "filename", "code"), [(b"", "empty.txt", "invalid_file"),
                                                             (b"\x00\x01", "blob.bin", "unsupported_file")])
def test_unreadable_files_fail(client, clock, store, upload, content, filename, code):
    stored = upload(content, filename)
    attach(client, store, stored.id)
    clock.advance(PROCESSING_SECONDS)
    failed = client.get(files_path(store, stored.id)).json()
    assert failed["status"] == "failed" and failed["last_error"]["code"] == code and failed["usage_bytes"] == 0
    counts = client.get(f"{STORES}/{store['id']}").json()["file_counts"]
    assert counts["failed"] == 1 and counts["total"] == 1


def test_static_chunking_is_reported(client, store, upload):
    strategy = {"type": "static", "static": {"max_chunk_size_tokens": 101, "chunk_overlap_tokens": 50}}
    assert attach(client, store, upload().id, chunking_strategy=strategy)["chunking_strategy"] == strategy


@pytest.mark.parametrize(
    "strategy",
    [
        {"type": "static", "static": {"max_chunk_size_tokens": 99, "chunk_overlap_tokens": 0}},
        {"type": "static", "static": {"max_chunk_size_tokens": 4097, "chunk_overlap_tokens": 0}},
        {"type": "static", "static": {"max_chunk_size_tokens": 101, "chunk_overlap_tokens": 51}},
        {"type": "static", "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": -1}},
        {"type": "static", "static": {"max_chunk_size_tokens": "800", "chunk_overlap_tokens": 0}},
        {"type": "other"},
    ],
)
def test_bad_chunking_is_400(client, expect_error, store, upload, strategy):
    response = client.post(files_path(store), json={"file_id": upload().id, "chunking_strategy": strategy})
    expect_error(response, 400, param="chunking_strategy")


def test_file_id_is_required_and_must_exist(client, expect_error, store):
    expect_error(client.post(files_path(store), json={}), 400, param="file_id")
    expect_error(client.post(files_path(store), json={"file_id": "file-nope"}), 404)
    assert client.get(files_path(store)).json()["data"] == []


@pytest.mark.parametrize(
    "attributes",
    [
        {f"k{i}": "v" for i in range(17)},
        {"k" * 65: "v"},
        {"k": "v" * 513},
        {"k": None},
        {"k": ["a"]},
        {"k": {"a": "b"}},
    ],
)
def test_bad_attributes_are_400_on_attach_and_update(client, expect_error, store, upload, attributes):
    stored = upload()
    expect_error(client.post(files_path(store), json={"file_id": stored.id, "attributes": attributes}), 400,
                 param="attributes")
    attach(client, store, stored.id)
    expect_error(client.post(files_path(store, stored.id), json={"attributes": attributes}), 400, param="attributes")


def test_attribute_edges_are_accepted(client, store, upload):
    edges = {**{f"k{i}": i for i in range(14)}, "k" * 64: "v" * 512, "flag": False}
    assert attach(client, store, upload().id, attributes=edges)["attributes"] == edges


def test_update_replaces_attributes_and_requires_them(client, expect_error, store, upload):
    stored = upload()
    attach(client, store, stored.id, attributes={"a": "1"})
    expect_error(client.post(files_path(store, stored.id), json={}), 400, param="attributes")
    updated = client.post(files_path(store, stored.id), json={"attributes": {"b": 2}}).json()
    assert updated["attributes"] == {"b": 2}
    assert client.post(files_path(store, stored.id), json={"attributes": None}).json()["attributes"] == {}


def test_delete_detaches_and_keeps_the_file(client, expect_error, state, store, upload):
    stored = upload()
    attach(client, store, stored.id)
    assert client.delete(files_path(store, stored.id)).json() == {
        "id": stored.id, "object": "vector_store.file.deleted", "deleted": True,
    }
    expect_error(client.get(files_path(store, stored.id)), 404)
    expect_error(client.post(files_path(store, stored.id), json={"attributes": {}}), 404)
    expect_error(client.delete(files_path(store, stored.id)), 404)
    assert files(state).get(stored.id) is stored
    assert client.get(f"{STORES}/{store['id']}").json()["file_counts"]["total"] == 0


def test_a_deleted_file_leaves_every_store(client, state, make_store, upload):
    stored = upload()
    stores = [make_store(), make_store()]
    for each in stores:
        attach(client, each, stored.id)
    files(state).remove(stored.id)
    for each in stores:
        assert client.get(files_path(each)).json()["data"] == []
        assert client.get(f"{STORES}/{each['id']}").json()["file_counts"]["total"] == 0


def test_files_of_other_stores_are_404(client, expect_error, make_store, upload):
    one, other = make_store(), make_store()
    stored = upload()
    attach(client, one, stored.id)
    expect_error(client.get(files_path(other, stored.id)), 404)
    expect_error(client.get(files_path(other, stored.id, "content")), 404)
    expect_error(client.get(f"{STORES}/vs_nope/files"), 404)
    expect_error(client.post(f"{STORES}/vs_nope/files", json={"file_id": stored.id}), 404)


def test_list_filters_by_status_and_pages(client, expect_error, clock, store, upload):
    first = [upload().id for _ in range(3)]
    for file_id in first:
        attach(client, store, file_id)
    clock.advance(PROCESSING_SECONDS)
    later = upload().id
    attach(client, store, later)
    listed = client.get(files_path(store), params={"filter": "completed", "order": "asc"}).json()
    assert [item["id"] for item in listed["data"]] == first
    assert [i["id"] for i in client.get(files_path(store), params={"filter": "in_progress"}).json()["data"]] == [later]
    assert client.get(files_path(store), params={"filter": "failed"}).json()["data"] == []
    expect_error(client.get(files_path(store), params={"filter": "done"}), 400, param="filter")
    page = client.get(files_path(store), params={"limit": 2}).json()
    assert [item["id"] for item in page["data"]] == [later, first[2]] and page["has_more"]
    rest = client.get(files_path(store), params={"limit": 2, "after": page["last_id"]}).json()
    assert [item["id"] for item in rest["data"]] == [first[1], first[0]] and not rest["has_more"]
    expect_error(client.get(files_path(store), params={"limit": 101}), 400, param="limit")


def test_reattaching_starts_over(client, clock, store, upload):
    stored = upload()
    attach(client, store, stored.id, attributes={"a": "1"})
    clock.advance(5)
    again = attach(client, store, stored.id)
    assert (again["status"], again["attributes"], again["created_at"]) == ("in_progress", {}, clock.now())
    assert client.get(f"{STORES}/{store['id']}").json()["file_counts"]["total"] == 1


def test_content_is_the_files_text(client, store, upload):
    stored = upload(b"the quick brown fox")
    attach(client, store, stored.id)
    assert client.get(files_path(store, stored.id, "content")).json() == {
        "object": "vector_store.file_content.page",
        "data": [{"type": "text", "text": "the quick brown fox"}],
        "has_more": False,
        "next_page": None,
    }


def test_store_created_with_file_ids_attaches_them(client, expect_error, make_store, upload):
    ids = [upload().id for _ in range(2)]
    strategy = {"type": "static", "static": {"max_chunk_size_tokens": 200, "chunk_overlap_tokens": 100}}
    store = make_store(file_ids=[*ids, ids[0]], chunking_strategy=strategy)
    assert store["file_counts"] == {"in_progress": 2, "completed": 0, "failed": 0, "cancelled": 0, "total": 2}
    assert store["status"] == "in_progress"
    listed = client.get(files_path(store)).json()["data"]
    assert sorted(item["id"] for item in listed) == sorted(ids)
    assert all(item["chunking_strategy"] == strategy for item in listed)
    expect_error(client.post(STORES, json={"file_ids": ids[:1] * 501}), 400, param="file_ids")
    assert client.post(STORES, json={"file_ids": ids[:1] * 500}).status_code == 200
    expect_error(client.post(STORES, json={"file_ids": ["file-nope"]}), 400, param="file_ids")
