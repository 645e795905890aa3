"""Batches: create checks, input validation, the status machine on the frozen clock, cancel, list, and the faults."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from openai_rulebook.server import ServerState, create_app
from openai_rulebook.server.batches.input import EMBEDDING_INPUTS, REQUESTS_MAX, check_input, embedding_inputs
from openai_rulebook.server.batches.lifecycle import CANCELLING_SECONDS, FINALIZING_SECONDS, IN_PROGRESS_SECONDS
from openai_rulebook.server.core.faults import Rules
from openai_rulebook.server.files.stored import add_file, find_file

BATCHES = "/v1/batches"
EMBEDDINGS = "/v1/embeddings"
DAY = 86400
#: the Batch object's keys, as real traffic shows them: unset ones are null (the spec's types say otherwise)
VALIDATING_KEYS = {
    "id", "object", "endpoint", "model", "errors", "input_file_id", "completion_window", "status", "output_file_id",
    "error_file_id", "created_at", "in_progress_at", "expires_at", "finalizing_at", "completed_at", "failed_at",
    "expired_at", "cancelling_at", "cancelled_at", "request_counts", "usage", "metadata",
}  # fmt: skip
UNSET_WHILE_VALIDATING = {
    "model", "errors", "output_file_id", "error_file_id", "in_progress_at", "finalizing_at", "completed_at",
    "failed_at", "expired_at", "cancelling_at", "cancelled_at",
}  # fmt: skip


def line(custom_id: str = "r1", *, method: str = "POST", url: str = EMBEDDINGS, body: Any = None) -> str:
    body = {"model": "text-embedding-3-small", "input": "hello"} if body is None else body
    return json.dumps({"custom_id": custom_id, "method": method, "url": url, "body": body})


def jsonl(*lines: str) -> bytes:
    return "".join(f"{text}\n" for text in lines).encode()


VALID = jsonl(line("r1"), line("r2"))


@pytest.fixture
def upload(state: ServerState) -> Callable[..., str]:
    """Store a file directly in the server's state (no files route needed) and return its id."""

    def make(content: bytes = VALID, *, purpose: str = "batch", size: int | None = None) -> str:
        size = len(content) if size is None else size
        return add_file(state, filename="input.jsonl", purpose=purpose, size=size, content=content).id

    return make


@pytest.fixture
def create(client: httpx.Client, upload: Callable[..., str]) -> Callable[..., httpx.Response]:
    """POST /v1/batches with a valid body, overridden by keyword; ``content`` replaces the input file's."""

    def send(content: bytes = VALID, **body: Any) -> httpx.Response:
        request = {"input_file_id": upload(content), "endpoint": EMBEDDINGS, "completion_window": "24h", **body}
        return client.post(BATCHES, json={key: value for key, value in request.items() if value is not ...})

    return send


@pytest.fixture
def batch(create: Callable[..., httpx.Response]) -> Callable[..., dict[str, Any]]:
    def make(content: bytes = VALID, **body: Any) -> dict[str, Any]:
        response = create(content, **body)
        assert response.status_code == 200, response.text
        return response.json()

    return make


def fetch(client: httpx.Client, batch_id: str) -> dict[str, Any]:
    response = client.get(f"{BATCHES}/{batch_id}")
    assert response.status_code == 200, response.text
    return response.json()


# -- create ---------------------------------------------------------------------------------------------------------


def test_create_answers_a_validating_batch(batch, clock):
    created = batch(metadata={"team": "evals"})
    assert set(created) == VALIDATING_KEYS
    assert all(created[key] is None for key in UNSET_WHILE_VALIDATING)
    assert re.fullmatch(r"batch_[0-9a-f]{24}", created["id"])
    assert created["object"] == "batch" and created["status"] == "validating"
    assert created["created_at"] == clock.now() and created["expires_at"] == clock.now() + DAY
    assert created["request_counts"] == {"total": 0, "completed": 0, "failed": 0}
    assert created["metadata"] == {"team": "evals"} and created["endpoint"] == EMBEDDINGS


@pytest.mark.parametrize("missing", ["input_file_id", "endpoint", "completion_window"])
def test_each_required_field_is_named_when_missing(create, expect_error, missing):
    expect_error(create(**{missing: ...}), 400, param=missing)


def test_an_empty_body_names_input_file_id(client, expect_error):
    expect_error(client.post(BATCHES, json={}), 400, param="input_file_id")
    expect_error(client.post(BATCHES), 400, param="input_file_id")


# (parameters are not called ``endpoint``: the rulebook plugin reserves that name for catalog endpoints)
@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/embeddings", "/v1/completions"])
def test_the_rulebooks_endpoints_are_accepted(batch, path):
    assert batch(endpoint=path)["endpoint"] == path


# the spec's (and the live API's) wider list is a dispute in the catalog: the reference server keeps the rulebook's
@pytest.mark.parametrize("path", ["/v1/responses", "/v1/moderations", "/v1/images/edits", "/v1/videos",
                                  "/v1/audio/speech", "v1/embeddings", "/v1/embeddings/", "", "/V1/EMBEDDINGS"])
def test_other_endpoints_are_rejected(create, expect_error, path):
    expect_error(create(endpoint=path), 400, param="endpoint")


@pytest.mark.parametrize("window", ["48h", "1h", "24H", "", "24"])
def test_only_a_24h_window_is_accepted(create, expect_error, window):
    expect_error(create(completion_window=window), 400, param="completion_window")


@pytest.mark.parametrize(("seconds", "ok"), [(3599, False), (3600, True), (2592000, True), (2592001, False)])
def test_output_expiry_range(create, expect_error, seconds, ok):
    response = create(output_expires_after={"anchor": "created_at", "seconds": seconds})
    if ok:
        assert response.status_code == 200, response.text
    else:
        expect_error(response, 400, param="output_expires_after")


@pytest.mark.parametrize("expiry", [{"anchor": "completed_at", "seconds": 3600}, {"anchor": "created_at"},
                                    {"anchor": "created_at", "seconds": "3600"}])
def test_output_expiry_needs_anchor_created_at_and_integer_seconds(create, expect_error, expiry):
    expect_error(create(output_expires_after=expiry), 400, param="output_expires_after")


def test_unknown_fields_and_bad_metadata_are_rejected(create, expect_error):
    expect_error(create(model="gpt-4o"), 400, param="model")
    expect_error(create(metadata={"k": 7}), 400, param="metadata")


def test_the_input_file_must_exist_and_have_purpose_batch(client, upload, expect_error):
    body = {"endpoint": EMBEDDINGS, "completion_window": "24h"}
    expect_error(client.post(BATCHES, json={**body, "input_file_id": "file-nope"}), 400, param="input_file_id")
    other = upload(purpose="assistants")
    expect_error(client.post(BATCHES, json={**body, "input_file_id": other}), 400, param="input_file_id")


def test_an_input_file_over_200_mb_is_rejected(client, upload, expect_error):
    body = {"endpoint": EMBEDDINGS, "completion_window": "24h"}
    too_big = upload(b"", size=209_715_201)  # only the size is looked at: no content is held
    expect_error(client.post(BATCHES, json={**body, "input_file_id": too_big}), 400, param="input_file_id")


def test_a_file_too_large_to_keep_fails_validation(client, upload, clock):
    body = {"endpoint": EMBEDDINGS, "completion_window": "24h"}
    state_file = upload(b"", size=100_000_000)
    find_file_content = client.post(BATCHES, json={**body, "input_file_id": state_file}).json()
    clock.advance(1)
    failed = fetch(client, find_file_content["id"])
    assert failed["status"] == "failed" and failed["errors"]["data"][0]["line"] is None


# -- the status machine ---------------------------------------------------------------------------------------------


def test_a_valid_batch_runs_to_completion_one_status_at_a_time(client, batch, clock, state):
    created = batch(output_expires_after={"anchor": "created_at", "seconds": 3600})
    start = created["created_at"]
    seen = {}
    for _ in range(1 + IN_PROGRESS_SECONDS + FINALIZING_SECONDS):
        clock.advance(1)
        current = fetch(client, created["id"])
        seen.setdefault(current["status"], current)
    assert list(seen) == ["in_progress", "finalizing", "completed"]
    assert seen["in_progress"]["in_progress_at"] == start + 1
    assert seen["in_progress"]["request_counts"] == {"total": 2, "completed": 0, "failed": 0}
    assert seen["in_progress"]["model"] == "text-embedding-3-small"
    done = seen["completed"]
    assert done["finalizing_at"] == start + 1 + IN_PROGRESS_SECONDS
    assert done["completed_at"] == done["finalizing_at"] + FINALIZING_SECONDS
    assert done["request_counts"] == {"total": 2, "completed": 2, "failed": 0}
    output = find_file(state, done["output_file_id"])
    assert output is not None and output.purpose == "batch_output" and output.created_at == done["completed_at"]
    assert output.expires_at == done["completed_at"] + 3600
    results = [json.loads(text) for text in output.content.decode().splitlines()]
    assert [result["custom_id"] for result in results] == ["r1", "r2"]
    assert all(result["response"]["status_code"] == 200 and result["error"] is None for result in results)


def test_a_jump_gives_every_status_its_own_time(client, batch, clock):
    created = batch()
    clock.advance(3600)
    done = fetch(client, created["id"])
    start = created["created_at"]
    assert done["status"] == "completed"
    assert (done["in_progress_at"], done["finalizing_at"], done["completed_at"]) == (
        start + 1, start + 1 + IN_PROGRESS_SECONDS, start + 1 + IN_PROGRESS_SECONDS + FINALIZING_SECONDS)


def test_output_files_are_stored_once(client, batch, clock, state):
    created = batch()
    clock.advance(3600)
    first = fetch(client, created["id"])["output_file_id"]
    assert fetch(client, created["id"])["output_file_id"] == first
    assert client.get(BATCHES).json()["data"][0]["output_file_id"] == first
    assert sum(1 for stored in state.collection("files").ordered() if stored.purpose == "batch_output") == 1


@pytest.mark.parametrize(
    ("content", "codes"),
    [
        (jsonl(line("a"), line("a")), ["duplicate_custom_id"]),
        (jsonl(line("a"), line("b", method="GET")), ["invalid_method"]),
        (jsonl(line("a"), line("b", url="/v1/chat/completions")), ["url_mismatch"]),
        (jsonl(line("a"), "not json"), ["invalid_json_line"]),
        (jsonl(line("a"), json.dumps({"custom_id": "b", "method": "POST", "url": EMBEDDINGS})), ["invalid_json_line"]),
        (jsonl(line("a"), "[1, 2]"), ["invalid_json_line"]),
        (b"", ["empty_file"]),
        (b"\n\r\n", ["empty_file"]),
        (jsonl(line("a"), "  "), ["invalid_json_line"]),
        (b"\xff\xfe", ["invalid_file_encoding"]),
    ],
    ids=["duplicate", "method", "url", "not-json", "no-body", "not-an-object", "empty", "blank", "spaces", "not-utf8"],
)
def test_a_bad_input_file_fails_after_validating(client, batch, clock, content, codes):
    created = batch(content)
    assert created["status"] == "validating"
    clock.advance(1)
    failed = fetch(client, created["id"])
    assert failed["status"] == "failed" and failed["failed_at"] == created["created_at"] + 1
    assert [error["code"] for error in failed["errors"]["data"]] == codes
    assert failed["errors"]["object"] == "list"
    assert failed["request_counts"] == {"total": 0, "completed": 0, "failed": 0}
    assert failed["in_progress_at"] is None and failed["output_file_id"] is None
    clock.advance(3600)
    assert fetch(client, created["id"])["status"] == "failed"


def test_errors_name_their_lines():
    content = jsonl(line("a"), line("a", method="PUT"), "junk")
    errors = check_input(Rules(), content, EMBEDDINGS).errors
    assert [(error.code, error.line, error.param) for error in errors] == [
        ("duplicate_custom_id", 2, "custom_id"), ("invalid_method", 2, "method"), ("invalid_json_line", 3, None)]


def test_request_count_limit():
    tiny = line("x")
    at_max = "\n".join(tiny.replace('"x"', f'"{index}"') for index in range(REQUESTS_MAX)).encode()
    assert len(check_input(Rules(), at_max, EMBEDDINGS).requests) == REQUESTS_MAX
    over = at_max + b"\n" + tiny.replace('"x"', '"last"').encode()
    assert [error.code for error in check_input(Rules(), over, EMBEDDINGS).errors] == ["too_many_tasks"]


@pytest.mark.parametrize(
    ("value", "count"),
    [("one", 1), (["a", "b", "c"], 3), ([1, 2, 3], 1), ([[1, 2], [3]], 2), ([], 0), ("", 1)],
)
def test_embedding_inputs_are_counted_as_the_embeddings_api_counts_them(value, count):
    assert embedding_inputs({"input": value}) == count


def test_embedding_input_limit_counts_across_requests():
    def lines(total: int) -> bytes:
        per = 2000
        sizes = [per] * (total // per) + ([total % per] if total % per else [])
        return jsonl(*(line(f"r{i}", body={"model": "m", "input": ["x"] * size}) for i, size in enumerate(sizes)))

    assert check_input(Rules(), lines(EMBEDDING_INPUTS), EMBEDDINGS).valid
    errors = check_input(Rules(), lines(EMBEDDING_INPUTS + 1), EMBEDDINGS).errors
    assert [error.code for error in errors] == ["too_many_embedding_inputs"]
    chat = jsonl(*(line(f"r{i}", url="/v1/chat/completions", body={"input": ["x"] * 2000}) for i in range(26)))
    assert check_input(Rules(), chat, "/v1/chat/completions").valid  # only /v1/embeddings batches count inputs


# -- cancel ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("wait", [0, 1, 1 + IN_PROGRESS_SECONDS], ids=["validating", "in_progress", "finalizing"])
def test_cancel_moves_an_unfinished_batch_to_cancelling_then_cancelled(client, batch, clock, wait):
    created = batch()
    clock.advance(wait)
    cancelling = client.post(f"{BATCHES}/{created['id']}/cancel").json()
    assert cancelling["status"] == "cancelling" and cancelling["cancelling_at"] == clock.now()
    again = client.post(f"{BATCHES}/{created['id']}/cancel").json()
    assert again == cancelling  # a second cancel changes nothing
    clock.advance(CANCELLING_SECONDS)
    cancelled = fetch(client, created["id"])
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_at"] == clock.now()
    assert cancelled["output_file_id"] is None and cancelled["completed_at"] is None
    clock.advance(3600)
    assert fetch(client, created["id"])["status"] == "cancelled"


@pytest.mark.parametrize("content", [VALID, b""], ids=["completed", "failed"])
def test_a_finished_batch_cannot_be_cancelled(client, batch, clock, expect_error, content):
    created = batch(content)
    clock.advance(3600)
    before = fetch(client, created["id"])
    expect_error(client.post(f"{BATCHES}/{created['id']}/cancel"), 400)
    assert fetch(client, created["id"]) == before


def test_a_cancelled_batch_cannot_be_cancelled_again(client, batch, clock, expect_error):
    created = batch()
    client.post(f"{BATCHES}/{created['id']}/cancel")
    clock.advance(CANCELLING_SECONDS)
    expect_error(client.post(f"{BATCHES}/{created['id']}/cancel"), 400)


def test_unknown_ids_are_404(client, expect_error):
    expect_error(client.get(f"{BATCHES}/batch_nope"), 404)
    expect_error(client.post(f"{BATCHES}/batch_nope/cancel"), 404)


# -- list -----------------------------------------------------------------------------------------------------------


def test_list_is_newest_first_and_pages_with_after(client, batch, clock):
    ids = []
    for _ in range(5):
        ids.append(batch()["id"])
        clock.advance(1)
    page = client.get(BATCHES, params={"limit": 2}).json()
    assert page["object"] == "list" and [b["id"] for b in page["data"]] == ids[:2:-1][:2] and page["has_more"]
    rest = client.get(BATCHES, params={"limit": 10, "after": page["last_id"]}).json()
    assert [b["id"] for b in rest["data"]] == ids[2::-1] and not rest["has_more"]
    assert all(b["object"] == "batch" for b in page["data"] + rest["data"])


def test_list_limits(client, expect_error):
    expect_error(client.get(BATCHES, params={"limit": 0}), 400, param="limit")
    expect_error(client.get(BATCHES, params={"limit": 101}), 400, param="limit")
    assert client.get(BATCHES, params={"limit": 100}).json()["data"] == []


# -- faults, beyond breaking their rule (test_faults.py checks that) -------------------------------------------------


@pytest.fixture
def faulty(client_for) -> Callable[[str], tuple[httpx.Client, ServerState]]:
    def make(fault: str) -> tuple[httpx.Client, ServerState]:
        app = create_app(faults=[fault])
        return client_for(app), app.state.rulebook

    return make


def _create(client: httpx.Client, state: ServerState, content: bytes = VALID, **body: Any) -> httpx.Response:
    file_id = add_file(state, filename="in.jsonl", purpose="batch", size=len(content), content=content).id
    return client.post(BATCHES, json={"input_file_id": file_id, "endpoint": EMBEDDINGS, "completion_window": "24h",
                                      **body})


def test_skipping_validating_still_fails_bad_input(faulty):
    client, state = faulty("batches.create_skips_validating")
    good = _create(client, state).json()
    assert good["status"] == "in_progress" and good["in_progress_at"] == good["created_at"]
    assert _create(client, state, b"").json()["status"] == "validating"


def test_cancelling_finished_batches_moves_them_on(faulty):
    client, state = faulty("batches.cancel_finished_batches")
    done = _create(client, state).json()
    state.clock.advance(3600)
    assert client.post(f"{BATCHES}/{done['id']}/cancel").json()["status"] == "cancelling"
    state.clock.advance(CANCELLING_SECONDS)
    assert client.post(f"{BATCHES}/{done['id']}/cancel").status_code == 400  # cancelled stays final


def test_missing_input_file_id_fails_later(faulty):
    client, state = faulty("batches.accept_missing_input_file_id")
    created = client.post(BATCHES, json={"endpoint": EMBEDDINGS, "completion_window": "24h"}).json()
    assert created["input_file_id"] == ""
    state.clock.advance(1)
    assert client.get(f"{BATCHES}/{created['id']}").json()["status"] == "failed"
    assert client.post(BATCHES, json={"input_file_id": "file-x", "completion_window": "24h"}).status_code == 400


def test_off_by_one_faults_move_the_limit_by_one():
    def count(fault: str, requests: int) -> bool:
        rules = Rules.with_faults([fault])
        lines = (line(f"r{i}", url="/v1/chat/completions") for i in range(requests))  # no embedding-input limit
        return check_input(rules, jsonl(*lines), "/v1/chat/completions").valid

    assert count("batches.accept_50001_requests", REQUESTS_MAX + 1)
    assert not count("batches.accept_50001_requests", REQUESTS_MAX + 2)


def test_completed_without_output_file(faulty):
    client, state = faulty("batches.completed_without_output_file")
    created = _create(client, state).json()
    state.clock.advance(3600)
    done = client.get(f"{BATCHES}/{created['id']}").json()
    assert done["status"] == "completed" and done["request_counts"]["completed"] == 2
    assert done["output_file_id"] is None
