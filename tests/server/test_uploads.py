"""Uploads: the Upload and Part objects, parts read as they stream, completion, cancellation and expiry."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import httpx
import pytest

from openai_rulebook.server import create_app
from openai_rulebook.server.core.faults import Rules
from openai_rulebook.server.uploads import routes as uploads_route

UPLOADS = "/v1/uploads"
HOUR = 3600
DAY = 86400


def create(client: httpx.Client, size: int = 6, **body: Any) -> httpx.Response:
    return client.post(UPLOADS, json={"bytes": size, "filename": "data.jsonl", "mime_type": "text/jsonl",
                                      "purpose": "batch", **body})


def add_part(client: httpx.Client, upload_id: str, data: bytes) -> httpx.Response:
    return client.post(f"{UPLOADS}/{upload_id}/parts", files={"data": ("blob", data, "application/octet-stream")})


def complete(client: httpx.Client, upload_id: str, part_ids: list[str], **body: Any) -> httpx.Response:
    return client.post(f"{UPLOADS}/{upload_id}/complete", json={"part_ids": part_ids, **body})


@pytest.fixture
def pending(client) -> tuple[str, list[str]]:
    """An upload of 6 bytes holding the parts ``abc`` and ``def``."""
    upload_id = create(client).json()["id"]
    return upload_id, [add_part(client, upload_id, data).json()["id"] for data in (b"abc", b"def")]


def stored(app, upload_id: str) -> uploads_route.Upload:
    return app.state.rulebook.collection("uploads").get(upload_id)


def test_create_gives_a_pending_upload(client, clock):
    upload = create(client).json()
    assert re.fullmatch(r"upload_[0-9a-f]{24}", upload["id"])
    assert upload == {"id": upload["id"], "object": "upload", "bytes": 6, "created_at": clock.now(),
                      "filename": "data.jsonl", "purpose": "batch", "status": "pending",
                      "expires_at": clock.now() + HOUR, "file": None}


def test_a_part_names_its_upload(client, clock):
    upload_id = create(client).json()["id"]
    part = add_part(client, upload_id, b"abc").json()
    assert re.fullmatch(r"part_[0-9a-f]{24}", part["id"])
    assert part == {"id": part["id"], "object": "upload.part", "created_at": clock.now(), "upload_id": upload_id}


def test_complete_joins_the_parts_in_the_order_listed(client, clock, pending):
    upload_id, (abc, def_) = pending
    clock.advance(5)
    upload = complete(client, upload_id, [def_, abc]).json()
    assert upload["status"] == "completed"
    assert upload["file"] == {"id": upload["file"]["id"], "object": "file", "bytes": 6, "created_at": clock.now(),
                              "filename": "data.jsonl", "purpose": "batch", "status": "processed",
                              "expires_at": clock.now() + 30 * DAY, "status_details": None}
    assert client.get(f"/v1/files/{upload['file']['id']}/content").content == b"defabc"
    assert client.get(f"/v1/files/{upload['file']['id']}").json() == upload["file"]


def test_the_files_expiry_comes_from_expires_after(client):
    upload_id = create(client, 3, expires_after={"anchor": "created_at", "seconds": 7200}).json()["id"]
    part = add_part(client, upload_id, b"abc").json()["id"]
    upload = complete(client, upload_id, [part]).json()
    assert upload["file"]["expires_at"] == upload["file"]["created_at"] + 7200


@pytest.mark.parametrize("expires_after", [{"anchor": "created_at", "seconds": 3599}, {"seconds": 3600},
                                           {"anchor": "last_active_at", "seconds": 3600}])
def test_bad_expires_after_is_400(client, expect_error, expires_after):
    expect_error(create(client, expires_after=expires_after), 400, param="expires_after")


@pytest.mark.parametrize("missing", ["bytes", "filename", "mime_type", "purpose"])
def test_each_field_is_required(client, expect_error, missing):
    body = {"bytes": 6, "filename": "data.jsonl", "mime_type": "text/jsonl", "purpose": "batch"}
    del body[missing]
    expect_error(client.post(UPLOADS, json=body), 400, param=missing)


@pytest.mark.parametrize(("purpose", "mime_type", "ok"), [
    ("batch", "text/jsonl", True), ("batch", "Application/JSONL; charset=utf-8", True), ("batch", "image/png", False),
    ("fine-tune", "application/jsonl", True), ("fine-tune", "text/plain", False), ("vision", "image/webp", True),
    ("vision", "application/pdf", False), ("assistants", "application/pdf", True), ("assistants", "video/mp4", False),
])  # fmt: skip
def test_mime_type_must_suit_the_purpose(client, expect_error, purpose, mime_type, ok):
    response = create(client, purpose=purpose, mime_type=mime_type)
    if ok:
        assert response.status_code == 200, response.text
    else:
        expect_error(response, 400, param="mime_type")


@pytest.mark.parametrize("purpose", ["user_data", "evals", "BATCH"])
def test_upload_purposes_are_four(client, expect_error, purpose):
    expect_error(create(client, purpose=purpose), 400, param="purpose")


@pytest.mark.parametrize(("size", "param"), [(8 * 1024**3 + 1, "bytes"), (-1, "bytes"), ("6", "bytes")])
def test_bytes_is_an_integer_up_to_8_gb(client, expect_error, size, param):
    expect_error(create(client, size), 400, param=param)


def test_8_gb_is_accepted(client):
    assert create(client, 8 * 1024**3).json()["bytes"] == 8 * 1024**3


# -- complete ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("part_ids", [None, "x", [1], ["part_nope"], "twice"])
def test_part_ids_must_list_this_uploads_parts_once(client, expect_error, pending, part_ids):
    upload_id, (abc, _) = pending
    body = {} if part_ids is None else {"part_ids": [abc, abc] if part_ids == "twice" else part_ids}
    expect_error(client.post(f"{UPLOADS}/{upload_id}/complete", json=body), 400, param="part_ids")


def test_the_bytes_must_add_up(client, expect_error, pending):
    upload_id, (abc, def_) = pending
    expect_error(complete(client, upload_id, [abc]), 400)
    assert complete(client, upload_id, [abc, def_]).json()["status"] == "completed"


def test_md5_is_checked_when_given(client, expect_error, pending):
    upload_id, part_ids = pending
    expect_error(complete(client, upload_id, part_ids, md5="0" * 32), 400, param="md5")
    assert complete(client, upload_id, part_ids, md5=hashlib.md5(b"abcdef").hexdigest()).status_code == 200


def test_a_completed_upload_takes_nothing_more(client, expect_error, pending):
    upload_id, part_ids = pending
    file_id = complete(client, upload_id, part_ids).json()["file"]["id"]
    expect_error(add_part(client, upload_id, b"x"), 400)
    expect_error(complete(client, upload_id, part_ids), 400)
    expect_error(client.post(f"{UPLOADS}/{upload_id}/cancel"), 400)
    assert client.get(f"/v1/files/{file_id}").json()["bytes"] == 6


def test_content_is_not_kept_past_the_limit(client, monkeypatch, pending):
    monkeypatch.setattr(uploads_route, "KEEP_CONTENT_BYTES", 4)
    upload_id, part_ids = pending
    file_id = complete(client, upload_id, part_ids).json()["file"]["id"]
    assert client.get(f"/v1/files/{file_id}/content").status_code == 501


# -- cancel and expiry ------------------------------------------------------------------------------------------------
def test_cancel_once(client, expect_error, pending):
    upload_id, part_ids = pending
    assert client.post(f"{UPLOADS}/{upload_id}/cancel").json()["status"] == "cancelled"
    for response in (client.post(f"{UPLOADS}/{upload_id}/cancel"), add_part(client, upload_id, b"x"),
                     complete(client, upload_id, part_ids)):
        expect_error(response, 400)


def test_an_upload_expires_at_expires_at(app, client, clock, expect_error, pending):
    upload_id, part_ids = pending
    clock.advance(HOUR - 1)
    assert stored(app, upload_id).status(clock.now(), Rules()) == "pending"
    clock.advance(1)
    assert stored(app, upload_id).status(clock.now(), Rules()) == "expired"
    for response in (add_part(client, upload_id, b"x"), complete(client, upload_id, part_ids),
                     client.post(f"{UPLOADS}/{upload_id}/cancel")):
        expect_error(response, 400)


@pytest.mark.parametrize("path", ["parts", "complete", "cancel"])
def test_unknown_uploads_are_404(client, expect_error, path):
    if path == "parts":
        response = add_part(client, "upload_nope", b"x")
    else:
        response = client.post(f"{UPLOADS}/upload_nope/{path}", json={"part_ids": []})
    expect_error(response, 404)


# -- the part body ----------------------------------------------------------------------------------------------------
def test_a_part_needs_data_and_nothing_else(client, expect_error):
    upload_id = create(client).json()["id"]
    expect_error(client.post(f"{UPLOADS}/{upload_id}/parts", files={"other": ("b", b"x", "text/plain")}), 400,
                 param="other")
    expect_error(client.post(f"{UPLOADS}/{upload_id}/parts", files={"purpose": (None, b"x")}), 400,
                 param="purpose")
    expect_error(client.post(f"{UPLOADS}/{upload_id}/parts", json={"data": "abc"}), 400)


@pytest.fixture
def small_parts(monkeypatch):
    monkeypatch.setattr(uploads_route, "PART_MAX_BYTES", 10)
    monkeypatch.setattr(uploads_route, "FRAMING_ALLOWANCE", 1000)


def test_a_part_is_at_most_the_limit(client, expect_error, small_parts):
    upload_id = create(client, 100).json()["id"]
    assert add_part(client, upload_id, b"x" * 10).status_code == 200
    expect_error(add_part(client, upload_id, b"x" * 11), 413, param="data")
    expect_error(add_part(client, upload_id, b"x" * 500), 413, param="data")
    response = client.post(f"{UPLOADS}/{upload_id}/parts", content=b"--b--\r\n",
                           headers={"Content-Type": "multipart/form-data; boundary=b", "Content-Length": "1011"})
    expect_error(response, 413, param="data")


def test_faulty_part_limit_is_off_by_one(client_for, expect_error, small_parts):
    client = client_for(create_app(faults=["uploads.accept_part_one_byte_over_64mb"]))
    upload_id = create(client, 100).json()["id"]
    assert add_part(client, upload_id, b"x" * 11).status_code == 200
    expect_error(add_part(client, upload_id, b"x" * 12), 413, param="data")


# -- faults beyond breaking their rule ---------------------------------------------------------------------------------
def test_parts_after_the_end_are_dropped_under_their_faults(client_for):
    app = create_app(faults=["uploads.parts_after_complete", "uploads.parts_after_cancel"])
    client = client_for(app)
    done = create(client, 3).json()["id"]
    complete(client, done, [add_part(client, done, b"abc").json()["id"]])
    assert add_part(client, done, b"x").status_code == 200
    assert len(stored(app, done).parts) == 1
    gone = create(client, 3).json()["id"]
    client.post(f"{UPLOADS}/{gone}/cancel")
    assert add_part(client, gone, b"x").status_code == 200
    assert stored(app, gone).parts == {}


def test_never_expire_keeps_the_upload_pending(client_for):
    app = create_app(faults=["uploads.never_expire"])
    client = client_for(app)
    upload_id = create(client, 3).json()["id"]
    app.state.rulebook.clock.advance(2 * HOUR)
    part = add_part(client, upload_id, b"abc").json()["id"]
    assert complete(client, upload_id, [part]).json()["status"] == "completed"


def test_null_part_ids_take_every_part_under_the_fault(client_for, expect_error):
    client = client_for(create_app(faults=["uploads.complete_null_part_ids_takes_all"]))
    upload_id = create(client).json()["id"]
    for data in (b"abc", b"def"):
        add_part(client, upload_id, data)
    expect_error(client.post(f"{UPLOADS}/{upload_id}/complete", json={}), 400, param="part_ids")
    file_id = client.post(f"{UPLOADS}/{upload_id}/complete", json={"part_ids": None}).json()["file"]["id"]
    assert client.get(f"/v1/files/{file_id}/content").content == b"abcdef"
