"""Files: upload, list, retrieve, delete (R03.3.2, R04.1.15, R04.1.16, R05.4.1-R05.4.7, H.7, and the spec).

Every file a test uploads is named ``rulebook-…`` and deleted by the client when the test ends. The size limits
(512 MB, 200 MB for batch) are ``heavy``: their bodies are streamed (``post_large_file``), never held.
"""

from __future__ import annotations

import base64
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openai_rulebook.checks import expect, expect_accepted, expect_rejected, read
from openai_rulebook.errors import Inconclusive

FILES = "/files"
UNKNOWN_FILE_ID = "file-rulebook0000000000000000"
TEXT = b"rulebook test file\n"
BATCH_LINE = (b'{"custom_id": "rulebook-1", "method": "POST", "url": "/v1/embeddings", '
              b'"body": {"model": "text-embedding-3-small", "input": "rulebook"}}\n')
FINE_TUNE_LINE = b'{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}\n'
EVALS_LINE = b'{"item": {"input": "rulebook", "expected": "rulebook"}}\n'
PNG = base64.b64decode(  # a 1x1 transparent PNG: vision files must be images
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
#: a small file each purpose accepts: (filename, content, MIME type)
SAMPLES = {
    "assistants": ("rulebook-file.txt", TEXT, "text/plain"),
    "batch": ("rulebook-batch.jsonl", BATCH_LINE, "application/jsonl"),
    "fine-tune": ("rulebook-fine-tune.jsonl", FINE_TUNE_LINE, "application/jsonl"),
    "vision": ("rulebook-image.png", PNG, "image/png"),
    "user_data": ("rulebook-data.txt", TEXT, "text/plain"),
    "evals": ("rulebook-evals.jsonl", EVALS_LINE, "application/jsonl"),
}


def upload(api, purpose: str | None = "assistants", *, filename: str | None = None, content: bytes | None = None,
           fields: dict[str, str] | None = None):
    """POST /v1/files with the purpose's sample file (or the given name and bytes) and any extra form fields."""
    sample_name, sample_content, mime_type = SAMPLES.get(purpose or "assistants", SAMPLES["assistants"])
    data = {**({"purpose": purpose} if purpose is not None else {}), **(fields or {})}
    return api.post(FILES, None, files={"file": (filename or sample_name, content or sample_content, mime_type)},
                    data=data)


def uploaded(api, purpose: str = "assistants", **kwargs):
    """Upload a file a test needs but does not judge; an API that refuses leaves the test inconclusive."""
    response = upload(api, purpose, **kwargs)
    if not response.is_success:
        raise Inconclusive(f"could not upload a {purpose} file to test with: {response.status_code} "
                           f"{response.text[:200]}")
    return read(response.json(), None)


def ids_of(page):
    return [item["id"] for item in page["data"]]


def listed_ids(api, rule, **params):
    return ids_of(expect_accepted(api.get(FILES, params=params), rule.id, why=f"GET /v1/files {params}"))


# -- the endpoints and their objects ----------------------------------------------------------------------------------
@pytest.mark.rule("files.endpoints_exist")
def test_upload_and_list_answer_200(api, rule):
    response = upload(api)
    expect(rule.id, response.status_code == 200, expected="200 and the file object for a valid upload",
           actual=f"{response.status_code} {response.text[:200]}")
    created = read(response.json(), rule.id)
    expect(rule.id, isinstance(created.get("id"), str), expected="the created file, with an id", actual=created)
    listing = api.get(FILES)
    expect(rule.id, listing.status_code == 200, expected="200 from GET /v1/files",
           actual=f"{listing.status_code} {listing.text[:200]}")
    expect(rule.id, created["id"] in ids_of(read(listing.json(), rule.id)), expected=f"{created['id']} in the list",
           actual=ids_of(read(listing.json(), rule.id))[:10])


@pytest.mark.rule("files.object_type")
def test_object_types(api, rule):
    single, listing = rule.params["values"]
    created = expect_accepted(upload(api), rule.id)
    path = f"{FILES}/{created['id']}"
    answers = {"upload": created, "retrieve": expect_accepted(api.get(path), rule.id)}
    page = expect_accepted(api.get(FILES, params={"limit": 5}), rule.id)
    for action, body in answers.items():
        expect(rule.id, body.get("object") == single, expected=f"object={single!r} on {action}",
               actual=body.get("object"))
    expect(rule.id, page.get("object") == listing, expected=f"object={listing!r} on list", actual=page.get("object"))
    expect(rule.id, all(item.get("object") == single for item in page["data"]),
           expected=f"object={single!r} on every listed item", actual=[item.get("object") for item in page["data"]])
    gone = expect_accepted(api.delete(path), rule.id)
    wanted = {"id": created["id"], "object": single, "deleted": True}
    # the members that matter, not the whole body: the API may add members to any response
    expect(rule.id, {key: gone.get(key) for key in wanted} == wanted, expected=f"{wanted}", actual=gone)


@pytest.mark.rule("files.unknown_id")
def test_unknown_ids_are_404(api, rule, endpoint):
    response = api.request(endpoint.method, endpoint.path(file_id=UNKNOWN_FILE_ID))
    expect_rejected(response, rule.id, status=rule.params["status"], why=f"{endpoint} with an id that names no file")


# -- file and purpose -------------------------------------------------------------------------------------------------
@pytest.mark.rule("files.file_required")
def test_upload_without_file_is_rejected(api, rule):
    before = set(listed_ids(api, rule))
    # a multipart body holding only the purpose field (a part without a filename)
    response = api.post(FILES, None, files={"purpose": (None, b"assistants")})
    expect_rejected(response, rule.id, status=rule.params["status"], param=rule.params["param"], why="no file part")
    new = set(listed_ids(api, rule)) - before
    expect(rule.id, not new, expected="nothing stored by the refused upload", actual=sorted(new))


@pytest.mark.rule("files.purpose_values")
@pytest.mark.parametrize("purpose", ["assistants", "batch", "fine-tune", "vision", "user_data", "evals"])
def test_each_purpose_is_accepted(api, rule, purpose):
    assert purpose in rule.params["values"]
    created = expect_accepted(upload(api, purpose), rule.id, why=f"purpose={purpose}")
    expect(rule.id, created.get("purpose") == purpose, expected=f"purpose={purpose!r}", actual=created.get("purpose"))


@pytest.mark.rule("files.purpose_values")
def test_missing_purpose_is_rejected(api, rule):
    expect_rejected(upload(api, None), rule.id, param=rule.params["param"], why="no purpose")


@pytest.mark.rule("files.purpose_values")
@pytest.mark.parametrize("purpose", ["Assistants", "fine_tune", "batch_output", "assistants_output",
                                     "fine-tune-results", "images", "assistant"])
def test_other_purposes_are_rejected(api, rule, purpose):
    expect_rejected(upload(api, purpose), rule.id, param=rule.params["param"], why=f"purpose={purpose}")


@pytest.mark.rule("files.purpose_values")
@given(purpose=st.one_of(st.sampled_from(["assistants", "batch", "fine-tune", "vision", "user_data", "evals"]),
                         st.text(alphabet=string.ascii_lowercase + "_-", min_size=1, max_size=12)))
def test_purpose_values_drawn(api, rule, purpose):
    response = upload(api, purpose)
    if purpose in rule.params["values"]:
        expect_accepted(response, rule.id, why=f"purpose={purpose}")
    else:
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"purpose={purpose}")


# -- .jsonl for fine-tune and batch -----------------------------------------------------------------------------------
OTHER_NAMES = ["rulebook-data.txt", "rulebook-data.json", "rulebook-data.jsonl.txt", "rulebook-data",
               "rulebook-data.csv"]


@pytest.mark.rule("files.fine_tune_jsonl_only")
def test_fine_tune_accepts_jsonl(api, rule):
    expect_accepted(upload(api, rule.params["purpose"], filename="rulebook-data.jsonl"), rule.id, why=".jsonl")


@pytest.mark.rule("files.fine_tune_jsonl_only")
@pytest.mark.parametrize("filename", OTHER_NAMES)
def test_fine_tune_refuses_other_files(api, rule, filename):
    expect_rejected(upload(api, rule.params["purpose"], filename=filename), rule.id, why=f"filename {filename}")


@pytest.mark.rule("files.batch_jsonl_only")
def test_batch_accepts_jsonl(api, rule):
    expect_accepted(upload(api, rule.params["purpose"], filename="rulebook-data.jsonl"), rule.id, why=".jsonl")


@pytest.mark.rule("files.batch_jsonl_only")
@pytest.mark.parametrize("filename", OTHER_NAMES)
def test_batch_refuses_other_files(api, rule, filename):
    expect_rejected(upload(api, rule.params["purpose"], filename=filename), rule.id, why=f"filename {filename}")


def _judge_extension(api, rule, stem, extension):
    filename = f"rulebook-{stem}{extension}"
    response = upload(api, rule.params["purpose"], filename=filename)
    if extension == rule.params["extension"]:
        expect_accepted(response, rule.id, why=f"filename {filename}")
    else:
        expect_rejected(response, rule.id, why=f"filename {filename}")


EXTENSIONS = st.sampled_from([".jsonl", ".json", ".txt", ".csv", ".jsonl.gz", ".jsonlines", ".ndjson", ""])
STEMS = st.text(alphabet=string.ascii_lowercase + string.digits + "-_", min_size=1, max_size=10)


@pytest.mark.rule("files.fine_tune_jsonl_only")
@given(stem=STEMS, extension=EXTENSIONS)
def test_fine_tune_extensions_drawn(api, rule, stem, extension):
    _judge_extension(api, rule, stem, extension)


@pytest.mark.rule("files.batch_jsonl_only")
@given(stem=STEMS, extension=EXTENSIONS)
def test_batch_extensions_drawn(api, rule, stem, extension):
    _judge_extension(api, rule, stem, extension)


# -- sizes (heavy: hundreds of MB, streamed) --------------------------------------------------------------------------
def post_sized(post_large_file, size: int, purpose: str):
    return post_large_file(f"{FILES}", field="file", filename=f"rulebook-{size}.jsonl", size=size,
                           fields={"purpose": purpose})


@pytest.mark.rule("files.max_size")
@pytest.mark.parametrize("delta", [0, 1], ids=["max", "max+1"])
def test_file_size_edges(api, rule, post_large_file, delta):
    size = rule.params["max_bytes"] + delta
    response = post_sized(post_large_file, size, "user_data")
    if delta == 0:
        created = expect_accepted(response, rule.id, why=f"a file of {size} bytes")
        expect(rule.id, created.get("bytes") == size, expected=f"bytes={size}", actual=created.get("bytes"))
    else:
        expect_rejected(response, rule.id, why=f"a file of {size} bytes")


@pytest.mark.rule("files.max_size")
@settings(max_examples=3)
@given(delta=st.integers(min_value=-3, max_value=3))
def test_file_size_drawn(api, rule, post_large_file, delta):
    size = rule.params["max_bytes"] + delta
    response = post_sized(post_large_file, size, "user_data")
    if delta <= 0:
        expect_accepted(response, rule.id, why=f"a file of {size} bytes")
    else:
        expect_rejected(response, rule.id, why=f"a file of {size} bytes")


def judge_batch_file(api, rule, post_large_file, size: int):
    """At most 200 MB: refused at upload or, if the upload is taken, when a batch names the file."""
    response = post_sized(post_large_file, size, rule.params["purpose"])
    if size <= rule.params["max_bytes"]:
        expect_accepted(response, rule.id, why=f"a batch file of {size} bytes")
        return
    if not response.is_success:
        expect_rejected(response, rule.id, why=f"a batch file of {size} bytes")
        return
    batch = api.post("/batches", {"input_file_id": response.json()["id"], "endpoint": "/v1/embeddings",
                                  "completion_window": "24h"})
    expect_rejected(batch, rule.id, param="input_file_id",
                    why=f"a batch of a {size}-byte input file, which the upload let through")


@pytest.mark.rule("files.batch_max_size")
@pytest.mark.parametrize("delta", [0, 1], ids=["max", "max+1"])
def test_batch_file_size_edges(api, rule, post_large_file, delta):
    judge_batch_file(api, rule, post_large_file, rule.params["max_bytes"] + delta)


@pytest.mark.rule("files.batch_max_size")
@settings(max_examples=3)
@given(delta=st.integers(min_value=-3, max_value=3))
def test_batch_file_size_drawn(api, rule, post_large_file, delta):
    judge_batch_file(api, rule, post_large_file, rule.params["max_bytes"] + delta)


# -- expiry -----------------------------------------------------------------------------------------------------------
def expiring(api, seconds, anchor="created_at"):
    return upload(api, fields={"expires_after[anchor]": anchor, "expires_after[seconds]": str(seconds)})


def judge_expiry(rule, response, seconds):
    low, high = rule.params["min"], rule.params["max"]
    if low <= seconds <= high:
        created = expect_accepted(response, rule.id, why=f"expires_after.seconds={seconds}")
        expect(rule.id, created.get("expires_at") == created["created_at"] + seconds,
               expected=f"expires_at = created_at + {seconds} = {created['created_at'] + seconds}",
               actual=created.get("expires_at"))
    else:
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"expires_after.seconds={seconds}")


@pytest.mark.rule("files.expires_after_range")
@pytest.mark.parametrize(("bound", "delta"), [("min", -1), ("min", 0), ("max", 0), ("max", 1)],
                         ids=["min-1", "min", "max", "max+1"])
def test_expires_after_edges(api, rule, bound, delta):
    seconds = rule.params[bound] + delta
    judge_expiry(rule, expiring(api, seconds, rule.params["anchor"]), seconds)


@pytest.mark.rule("files.expires_after_range")
@given(seconds=st.one_of(st.integers(min_value=3590, max_value=3610),
                         st.integers(min_value=2_591_990, max_value=2_592_010),
                         st.integers(min_value=-10, max_value=5_000_000)))
def test_expires_after_drawn(api, rule, seconds):
    judge_expiry(rule, expiring(api, seconds, rule.params["anchor"]), seconds)


@pytest.mark.rule("files.batch_default_expiry")
def test_batch_files_expire_after_30_days(api, rule):
    batch = expect_accepted(upload(api, rule.params["purpose"]), rule.id, why="a batch file without expires_after")
    expect(rule.id, batch.get("expires_at") == batch["created_at"] + rule.params["seconds"],
           expected=f"expires_at = created_at + {rule.params['seconds']}", actual=batch.get("expires_at"))
    other = expect_accepted(upload(api, "assistants"), rule.id, why="an assistants file without expires_after")
    expect(rule.id, other.get("expires_at") is None, expected="no expires_at on an assistants file",
           actual=other.get("expires_at"))


# -- listing ----------------------------------------------------------------------------------------------------------
def upload_several(api, server_clock, count, purpose="assistants"):
    """``count`` files created a second apart, so that their order by created_at is beyond doubt; oldest first."""
    ids = []
    for index in range(count):
        if index:
            server_clock.advance(1)
        ids.append(uploaded(api, purpose)["id"])
    return ids


@pytest.mark.rule("files.list.limit_range")
@pytest.mark.parametrize("edge", ["min", "max"])
def test_limit_edges_are_accepted(api, rule, edge):
    uploaded(api), uploaded(api)
    limit = rule.params[edge]
    page = expect_accepted(api.get(FILES, params={"limit": limit}), rule.id, why=f"limit={limit}")
    expect(rule.id, len(page["data"]) <= limit, expected=f"at most {limit} items", actual=len(page["data"]))
    if edge == "min":
        expect(rule.id, len(page["data"]) == 1 and page["has_more"], expected="1 item and has_more with 2 stored",
               actual=f"{len(page['data'])} items, has_more={page['has_more']}")


@pytest.mark.rule("files.list.limit_range")
@pytest.mark.parametrize("edge", ["min", "max"])
def test_limit_beyond_edges_is_rejected(api, rule, edge):
    limit = rule.params["min"] - 1 if edge == "min" else rule.params["max"] + 1
    expect_rejected(api.get(FILES, params={"limit": limit}), rule.id, param=rule.params["param"], why=f"limit={limit}")


@pytest.mark.rule("files.list.limit_range")
@given(limit=st.one_of(st.integers(min_value=-5, max_value=15), st.integers(min_value=9_990, max_value=10_010)))
def test_limit_drawn(api, rule, limit):
    response = api.get(FILES, params={"limit": limit})
    if rule.params["min"] <= limit <= rule.params["max"]:
        page = expect_accepted(response, rule.id, why=f"limit={limit}")
        expect(rule.id, len(page["data"]) <= limit, expected=f"at most {limit} items", actual=len(page["data"]))
    else:
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"limit={limit}")


@pytest.mark.rule("files.list.order_values")
def test_order_values_sort_by_creation(api, rule, server_clock):
    ours = upload_several(api, server_clock, 3)
    pages = {order: listed_ids(api, rule, order=order) for order in rule.params["values"]}
    expect(rule.id, [i for i in pages["asc"] if i in ours] == ours, expected=f"oldest first with order=asc: {ours}",
           actual=[i for i in pages["asc"] if i in ours])
    expect(rule.id, [i for i in pages["desc"] if i in ours] == ours[::-1],
           expected=f"newest first with order=desc: {ours[::-1]}", actual=[i for i in pages["desc"] if i in ours])
    default = listed_ids(api, rule)
    expect(rule.id, [i for i in default if i in ours] == ours[::-1],
           expected=f"newest first without order ({rule.params['default']}): {ours[::-1]}",
           actual=[i for i in default if i in ours])


@pytest.mark.rule("files.list.order_values")
@pytest.mark.parametrize("order", ["ASC", "Desc", "ascending", "random", "1"])
def test_other_order_values_are_rejected(api, rule, order):
    expect_rejected(api.get(FILES, params={"order": order}), rule.id, param=rule.params["param"], why=f"order={order}")


@pytest.mark.rule("files.list.order_values")
@given(order=st.text(alphabet=string.ascii_letters + "_-", min_size=1, max_size=12))
def test_order_values_drawn(api, rule, order):
    response = api.get(FILES, params={"order": order, "limit": 1})
    if order in rule.params["values"]:
        expect_accepted(response, rule.id, why=f"order={order}")
    else:
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"order={order}")


@pytest.mark.rule("files.list.cursor_pagination")
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_after_walks_every_file_once(api, rule, server_clock, order):
    ours = upload_several(api, server_clock, 5)
    seen, after = [], None
    for _ in range(50):  # bounded; in desc order ours are the first pages, in asc the last
        params = {"limit": 2, "order": order, **({"after": after} if after else {})}
        page = expect_accepted(api.get(FILES, params=params), rule.id, why=f"after={after}")
        seen += ids_of(page)
        if not page["has_more"] or not page["data"] or (order == "desc" and all(i in seen for i in ours)):
            break
        after = page["last_id"]
    expect(rule.id, len(seen) == len(set(seen)), expected="no file twice across pages", actual=seen)
    wanted = ours if order == "asc" else ours[::-1]
    expect(rule.id, [i for i in seen if i in ours] == wanted, expected=f"all ours, in {order} order: {wanted}",
           actual=[i for i in seen if i in ours])


@pytest.mark.rule("files.list.purpose_filter")
def test_purpose_filter(api, rule):
    ours = {purpose: uploaded(api, purpose)["id"] for purpose in ("assistants", "batch")}
    for purpose, file_id in ours.items():
        page = expect_accepted(api.get(FILES, params={rule.params["param"]: purpose}), rule.id,
                               why=f"purpose={purpose}")
        purposes = sorted({item.get("purpose") for item in page["data"]})
        expect(rule.id, purposes == [purpose], expected=f"only {purpose} files", actual=purposes)
        expect(rule.id, file_id in ids_of(page), expected=f"{file_id} listed", actual=ids_of(page)[:10])


# -- delete -----------------------------------------------------------------------------------------------------------
@pytest.mark.rule("files.delete_detaches_from_vector_stores")
def test_deleted_file_leaves_every_vector_store(api, rule, make_vector_store):
    file_id = uploaded(api)["id"]
    stores = [make_vector_store()["id"] for _ in range(2)]
    for store_id in stores:
        attached = api.post(f"/vector_stores/{store_id}/files", {"file_id": file_id})
        if not attached.is_success:
            raise Inconclusive(f"could not attach a file to a vector store: {attached.status_code} "
                               f"{attached.text[:200]}")
    expect_accepted(api.delete(f"{FILES}/{file_id}"), rule.id, why="deleting the file")
    # the status of an unknown id is files.unknown_id's business: here a 4xx is enough
    expect_rejected(api.get(f"{FILES}/{file_id}"), rule.id, why="retrieving the deleted file")
    for store_id in stores:
        page = expect_accepted(api.get(f"/vector_stores/{store_id}/files", params={"limit": 100}), rule.id)
        expect(rule.id, file_id not in ids_of(page), expected=f"{file_id} gone from {store_id}",
               actual=ids_of(page))


# -- what file search can read ---------------------------------------------------------------------------------------
@pytest.mark.rule("files.assistants_file_limits")
@pytest.mark.parametrize(("filename", "content"), [("rulebook-unsupported.xyz", b"a type file search cannot read\n"),
                                                   ("rulebook-empty.txt", b"")], ids=["unsupported-type", "empty"])
def test_unreadable_files_fail_processing(api, rule, make_file, make_vector_store, attach_file, wait_processed,
                                          filename, content):
    """A file file search cannot use ends `failed` with a `last_error`, not `completed`."""
    file_id = make_file(content, filename=filename, mime_type="application/octet-stream")["id"]
    store_id = make_vector_store()["id"]
    attach_file(store_id, file_id)
    attached = wait_processed(f"/vector_stores/{store_id}/files/{file_id}")
    error = attached.get("last_error") or {}
    expect(rule.id, attached.get("status") == "failed" and error.get("code") in rule.params["error_codes"],
           expected=f"status 'failed' with last_error.code in {rule.params['error_codes']}",
           actual=f"status {attached.get('status')!r}, last_error {attached.get('last_error')!r}")
