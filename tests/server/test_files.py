"""Files: multipart uploads read as they stream, the OpenAIFile object, listing, retrieval, deletion and content."""

from __future__ import annotations

import re

import httpx
import pytest

from openai_rulebook.server.files import routes as files_route

FILES = "/v1/files"
DAY = 86400
#: OpenAIFile's properties; ``expires_at`` only when the file expires
#: as real traffic shows them: expires_at and status_details are null when unset
OBJECT_KEYS = {"id", "object", "bytes", "created_at", "filename", "purpose", "status", "expires_at", "status_details"}


def upload(client: httpx.Client, content: bytes = b"hello", *, filename: str = "notes.txt", purpose: str = "assistants",
           **fields: str) -> httpx.Response:
    return client.post(FILES, files={"file": (filename, content, "text/plain")}, data={"purpose": purpose, **fields})


def multipart(*parts: tuple[str, str | None, bytes], boundary: str = "b0undary") -> tuple[bytes, dict[str, str]]:
    """A hand-made multipart body: (name, filename or None, bytes) per part."""
    body = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + content + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def test_upload_gives_the_file_object(client, clock):
    created = upload(client, b"hello world").json()
    assert set(created) == OBJECT_KEYS
    assert re.fullmatch(r"file-[0-9a-f]{24}", created["id"])
    assert created == {"id": created["id"], "object": "file", "bytes": 11, "created_at": clock.now(),
                       "filename": "notes.txt", "purpose": "assistants", "status": "processed",
                       "expires_at": None, "status_details": None}
    assert client.get(f"{FILES}/{created['id']}").json() == created


def test_content_is_the_bytes_uploaded(client):
    created = upload(client, b"\x00binary\xff").json()
    response = client.get(f"{FILES}/{created['id']}/content")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.content == b"\x00binary\xff"


def test_content_too_large_to_keep_is_not_served(client, monkeypatch, expect_error):
    monkeypatch.setattr(files_route, "KEEP_CONTENT_BYTES", 4)
    created = upload(client, b"12345").json()
    assert created["bytes"] == 5
    expect_error(client.get(f"{FILES}/{created['id']}/content"), 501)


def test_delete_answers_the_deleted_object_and_forgets_the_file(client, expect_error):
    created = upload(client).json()
    assert client.delete(f"{FILES}/{created['id']}").json() == {"id": created["id"], "object": "file", "deleted": True}
    for response in (client.get(f"{FILES}/{created['id']}"), client.delete(f"{FILES}/{created['id']}"),
                     client.get(f"{FILES}/{created['id']}/content")):
        expect_error(response, 404)
    assert client.get(FILES).json()["data"] == []


@pytest.mark.parametrize("purpose", files_route.PURPOSES)
def test_each_purpose_is_kept(client, purpose):
    filename = "data.jsonl" if purpose in ("batch", "fine-tune") else "data.txt"
    assert upload(client, filename=filename, purpose=purpose).json()["purpose"] == purpose


@pytest.mark.parametrize("purpose", ["batch_output", "Batch", ""])
def test_other_purposes_are_400(client, expect_error, purpose):
    expect_error(upload(client, purpose=purpose), 400, param="purpose")


def test_purpose_is_required(client, expect_error):
    expect_error(client.post(FILES, files={"file": ("a.txt", b"x", "text/plain")}), 400, param="purpose")


def test_file_is_required(client, expect_error):
    expect_error(client.post(FILES, files={"purpose": (None, b"assistants")}), 400, param="file")


@pytest.mark.parametrize(("purpose", "filename", "ok"), [
    ("batch", "in.jsonl", True), ("batch", "in.JSONL", True), ("batch", "in.json", False), ("batch", "jsonl", False),
    ("fine-tune", "train.jsonl", True), ("fine-tune", "train.txt", False), ("assistants", "notes.json", True),
])  # fmt: skip
def test_jsonl_only_for_batch_and_fine_tune(client, expect_error, purpose, filename, ok):
    response = upload(client, filename=filename, purpose=purpose)
    if ok:
        assert response.status_code == 200, response.text
    else:
        expect_error(response, 400, param="file")


def test_batch_files_expire_after_30_days_by_default(client, clock):
    assert upload(client, filename="in.jsonl", purpose="batch").json()["expires_at"] == clock.now() + 30 * DAY
    assert upload(client).json()["expires_at"] is None


@pytest.mark.parametrize(("seconds", "ok"), [(3599, False), (3600, True), (2_592_000, True), (2_592_001, False)])
def test_expires_after_seconds_range(client, clock, expect_error, seconds, ok):
    response = upload(client, **{"expires_after[anchor]": "created_at", "expires_after[seconds]": str(seconds)})
    if ok:
        assert response.json()["expires_at"] == clock.now() + seconds
    else:
        expect_error(response, 400, param="expires_after")


@pytest.mark.parametrize("fields", [
    {"expires_after[anchor]": "last_active_at", "expires_after[seconds]": "3600"},
    {"expires_after[anchor]": "created_at"},
    {"expires_after[seconds]": "3600"},
    {"expires_after[anchor]": "created_at", "expires_after[seconds]": "an hour"},
])  # fmt: skip
def test_malformed_expires_after_is_400(client, expect_error, fields):
    expect_error(upload(client, **fields), 400, param="expires_after")


# -- the multipart body -------------------------------------------------------------------------------------------------
def test_unknown_fields_are_400(client, expect_error):
    expect_error(upload(client, color="blue"), 400, param="color")


def test_a_json_body_is_400(client, expect_error):
    expect_error(client.post(FILES, json={"purpose": "assistants"}), 400)


def test_a_body_without_its_closing_boundary_is_400(client, expect_error):
    body, headers = multipart(("purpose", None, b"assistants"), ("file", "a.txt", b"hi"))
    expect_error(client.post(FILES, content=body[: -len(b"--b0undary--\r\n")], headers=headers), 400)


def test_a_boundary_is_needed(client, expect_error):
    expect_error(client.post(FILES, content=b"x", headers={"Content-Type": "multipart/form-data"}), 400)


def test_a_file_part_without_a_filename_is_named_file(client):
    body, headers = multipart(("purpose", None, b"assistants"), ("file", None, b"text"))
    created = client.post(FILES, content=body, headers=headers).json()
    assert created["filename"] == "file" and created["bytes"] == 4


def test_a_long_text_field_is_refused(client, expect_error):
    expect_error(upload(client, purpose="a" * 70_000), 400, param="purpose")


# -- sizes, with the limits made small ---------------------------------------------------------------------------------
@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(files_route, "MAX_BYTES", 100)
    monkeypatch.setattr(files_route, "BATCH_MAX_BYTES", 50)
    monkeypatch.setattr(files_route, "FRAMING_ALLOWANCE", 1000)


def test_the_size_limit_counts_the_file_part(client, small_limits, expect_error):
    assert upload(client, b"x" * 100).json()["bytes"] == 100
    expect_error(upload(client, b"x" * 101), 413, param="file")
    expect_error(upload(client, b"x" * 500), 413, param="file")  # reading stopped past the limit


def test_batch_files_have_a_smaller_limit(client, small_limits, expect_error):
    assert upload(client, b"x" * 50, filename="in.jsonl", purpose="batch").status_code == 200
    expect_error(upload(client, b"x" * 51, filename="in.jsonl", purpose="batch"), 413, param="file")
    assert upload(client, b"x" * 51, filename="in.jsonl", purpose="user_data").status_code == 200


def test_a_body_declaring_too_much_is_refused_unread(client, small_limits, expect_error):
    body, headers = multipart(("purpose", None, b"assistants"), ("file", "a.txt", b"hi"))
    response = client.post(FILES, content=body, headers={**headers, "Content-Length": "1101"})
    expect_error(response, 413, param="file")


def test_faulty_size_limits_are_off_by_one(server_with, small_limits, expect_error):
    client = server_with("files.accept_one_byte_over_512mb")
    assert upload(client, b"x" * 101).json()["bytes"] == 101
    expect_error(upload(client, b"x" * 102), 413, param="file")
    client = server_with("files.batch_accepts_one_byte_over_200mb")
    assert upload(client, b"x" * 51, filename="in.jsonl", purpose="batch").status_code == 200
    expect_error(upload(client, b"x" * 52, filename="in.jsonl", purpose="batch"), 413, param="file")


# -- listing ------------------------------------------------------------------------------------------------------------
def test_list_filters_by_purpose_and_pages_with_after(client, clock):
    ids = []
    for index in range(4):
        clock.advance(1)
        ids.append(upload(client, purpose="assistants" if index % 2 else "user_data").json()["id"])
    everything = client.get(FILES).json()
    assert [item["id"] for item in everything["data"]] == ids[::-1]
    assert [item["id"] for item in client.get(FILES, params={"purpose": "assistants"}).json()["data"]] == [ids[3],
                                                                                                          ids[1]]
    page = client.get(FILES, params={"order": "asc", "limit": 2, "after": ids[0]}).json()
    assert [item["id"] for item in page["data"]] == ids[1:3] and page["has_more"]


@pytest.mark.parametrize(("params", "param"), [({"limit": 0}, "limit"), ({"limit": 10_001}, "limit"),
                                                ({"order": "up"}, "order"), ({"after": "file-nope"}, "after")])
def test_bad_list_parameters_are_400(client, expect_error, params, param):
    expect_error(client.get(FILES, params=params), 400, param=param)


def test_limit_10000_is_accepted(client):
    upload(client)
    assert len(client.get(FILES, params={"limit": 10_000}).json()["data"]) == 1


# -- faults beyond breaking their rule ---------------------------------------------------------------------------------
@pytest.fixture
def server_with(client_for):
    from openai_rulebook.server import create_app

    return lambda *faults: client_for(create_app(faults=faults))


def test_missing_file_fault_stores_an_empty_file(server_with):
    client = server_with("files.accept_missing_file")
    created = client.post(FILES, files={"purpose": (None, b"assistants")}).json()
    assert created["bytes"] == 0 and created["filename"] == "file"


def test_any_purpose_fault_still_needs_one(server_with, expect_error):
    client = server_with("files.accept_any_purpose")
    assert upload(client, purpose="batch_output").json()["purpose"] == "batch_output"
    expect_error(client.post(FILES, files={"file": ("a.txt", b"x", "text/plain")}), 400, param="purpose")


def test_unknown_id_fault_answers_400(server_with, expect_error):
    client = server_with("files.unknown_id_answers_400")
    expect_error(client.get(f"{FILES}/file-nope"), 400, param="file_id")


def test_create_answers_201_under_its_fault(server_with):
    assert upload(server_with("files.create_answers_201")).status_code == 201
