"""Vector store file batches: create, retrieve, cancel, list files; statuses and counts follow the files."""

from __future__ import annotations

import pytest

from openai_rulebook.server.vector_store_files.attachments import PROCESSING_SECONDS
from openai_rulebook.server.files.stored import add_file

STORES = "/v1/vector_stores"
OBJECT_KEYS = {"id", "object", "created_at", "vector_store_id", "status", "file_counts"}


def counts(in_progress=0, completed=0, failed=0, cancelled=0):
    total = in_progress + completed + failed + cancelled
    return {"in_progress": in_progress, "completed": completed, "failed": failed, "cancelled": cancelled,
            "total": total}


@pytest.fixture
def upload(state):
    def make(content: bytes = b"alpha beta", filename: str = "notes.txt"):
        return add_file(state, filename=filename, purpose="assistants", size=len(content), content=content).id

    return make


@pytest.fixture
def store(make_store):
    return make_store(name="batches")


def batches(store, *rest):
    return "/".join([f"{STORES}/{store['id']}/file_batches", *rest])


def create(client, store, **body):
    response = client.post(batches(store), json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_create_attaches_every_file(client, clock, store, upload):
    ids = [upload() for _ in range(3)]
    batch = create(client, store, file_ids=ids, attributes={"batch": 1})
    assert set(batch) == OBJECT_KEYS
    assert batch["id"].startswith("vsfb_") and batch["object"] == "vector_store.file_batch"
    assert (batch["vector_store_id"], batch["created_at"], batch["status"]) == (store["id"], clock.now(), "in_progress")
    assert batch["file_counts"] == counts(in_progress=3)
    listed = client.get(batches(store, batch["id"], "files"), params={"order": "asc"}).json()["data"]
    assert [item["id"] for item in listed] == ids and all(item["attributes"] == {"batch": 1} for item in listed)
    clock.advance(PROCESSING_SECONDS)
    done = client.get(batches(store, batch["id"])).json()
    assert (done["status"], done["file_counts"]) == ("completed", counts(completed=3))


def test_files_entries_carry_their_own_settings(client, store, upload):
    one, two = upload(), upload()
    strategy = {"type": "static", "static": {"max_chunk_size_tokens": 300, "chunk_overlap_tokens": 0}}
    batch = create(client, store, files=[{"file_id": one, "attributes": {"n": 1}, "chunking_strategy": strategy},
                                         {"file_id": two}], attributes={"ignored": True})
    listed = {i["id"]: i for i in client.get(batches(store, batch["id"], "files")).json()["data"]}
    assert listed[one]["attributes"] == {"n": 1} and listed[one]["chunking_strategy"] == strategy
    assert listed[two]["attributes"] == {}


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({}, "file_ids"),
        ({"file_ids": []}, "file_ids"),
        ({"files": []}, "files"),
        ({"file_ids": ["x"] * 2001}, "file_ids"),
        ({"file_ids": ["x"], "files": [{"file_id": "x"}]}, "file_ids"),
        ({"files": [{"attributes": {}}]}, "files"),
        ({"file_ids": ["x"], "attributes": {"k" * 65: "v"}}, "attributes"),
        ({"file_ids": ["x"], "attributes": {f"k{i}": 1 for i in range(17)}}, "attributes"),
        ({"files": [{"file_id": "x", "attributes": {"k": None}}]}, "attributes"),
        ({"file_ids": ["x"], "chunking_strategy": {"type": "static", "static": {"max_chunk_size_tokens": 99,
                                                                                 "chunk_overlap_tokens": 0}}},
         "chunking_strategy"),
    ],
)
def test_bad_batches_are_400(client, expect_error, store, body, param):
    expect_error(client.post(batches(store), json=body), 400, param=param)


def test_unknown_files_are_404_and_attach_nothing(client, expect_error, store, upload):
    expect_error(client.post(batches(store), json={"file_ids": [upload(), "file-nope"]}), 404)
    assert client.get(f"{STORES}/{store['id']}/files").json()["data"] == []


def test_the_largest_batch_is_accepted(client, store, upload):
    file_id = upload()
    assert create(client, store, file_ids=[file_id] * 2000)["file_counts"]["total"] == 1


def test_cancel_ends_files_in_progress(client, clock, expect_error, store, upload):
    early = upload()
    attach = client.post(f"{STORES}/{store['id']}/files", json={"file_id": early})
    assert attach.status_code == 200
    batch = create(client, store, file_ids=[upload(), upload()])
    cancelled = client.post(batches(store, batch["id"], "cancel")).json()
    assert (cancelled["status"], cancelled["file_counts"]) == ("cancelled", counts(cancelled=2))
    clock.advance(PROCESSING_SECONDS)
    assert client.get(batches(store, batch["id"])).json()["file_counts"] == counts(cancelled=2)
    vector_store = client.get(f"{STORES}/{store['id']}").json()
    assert (vector_store["status"], vector_store["file_counts"]) == ("completed", counts(completed=1, cancelled=2))
    expect_error(client.post(batches(store, batch["id"], "cancel")), 400)


def test_a_finished_batch_cannot_be_cancelled(client, clock, expect_error, store, upload):
    batch = create(client, store, file_ids=[upload()])
    clock.advance(PROCESSING_SECONDS)
    expect_error(client.post(batches(store, batch["id"], "cancel")), 400)
    assert client.get(batches(store, batch["id"])).json()["status"] == "completed"


def test_a_batch_of_failed_files_fails(client, clock, store, upload):
    batch = create(client, store, file_ids=[upload(b""), upload(b"x", "x.bin")])
    clock.advance(PROCESSING_SECONDS)
    assert client.get(batches(store, batch["id"])).json()["status"] == "failed"


def test_detached_files_leave_the_batch(client, store, upload):
    ids = [upload(), upload()]
    batch = create(client, store, file_ids=ids)
    assert client.delete(f"{STORES}/{store['id']}/files/{ids[0]}").status_code == 200
    assert client.get(batches(store, batch["id"])).json()["file_counts"] == counts(in_progress=1)
    listed = client.get(batches(store, batch["id"], "files")).json()["data"]
    assert [item["id"] for item in listed] == [ids[1]]


def test_unknown_and_foreign_batches_are_404(client, expect_error, make_store, store, upload):
    batch = create(client, store, file_ids=[upload()])
    other = make_store()
    for path in (batches(other, batch["id"]), batches(store, "vsfb_nope")):
        expect_error(client.get(path), 404)
        expect_error(client.post(f"{path}/cancel"), 404)
        expect_error(client.get(f"{path}/files"), 404)


def test_batch_file_list_filters_and_limits(client, expect_error, store, upload):
    batch = create(client, store, file_ids=[upload() for _ in range(3)])
    path = batches(store, batch["id"], "files")
    assert len(client.get(path, params={"filter": "in_progress", "limit": 2}).json()["data"]) == 2
    assert client.get(path, params={"filter": "completed"}).json()["data"] == []
    expect_error(client.get(path, params={"filter": "nope"}), 400, param="filter")
    expect_error(client.get(path, params={"limit": 0}), 400, param="limit")
    expect_error(client.get(path, params={"order": "up"}), 400, param="order")
