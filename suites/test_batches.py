"""Batches: the create request, the input file's lines, listing, and the status lifecycle with cancel
(R04.1.14, R05.7.1-R05.7.3, R05.8.1-R05.8.4, R03.3.1, R04.3, and the spec's Batch object).

What an input file's lines break is not refused at create: the batch is created `validating` and then moves to
`failed` with `errors.data`, never to `in_progress`. Tests watch that with ``server_clock`` (advance 1 s, re-fetch,
bounded; a real API that takes longer leaves the test inconclusive). Batches that are meant to fail cost nothing on
a real API; those that must run (`paid` rules) use /v1/moderations and are cancelled when the test ends.
"""

from __future__ import annotations

import json
import string
from typing import Any

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from openai_rulebook.checks import expect, expect_accepted, expect_rejected
from openai_rulebook.errors import Inconclusive

LIST = "/batches"
#: the endpoint of every batch that is not about endpoints: its requests are the cheapest a batch can hold
MODERATIONS = "/v1/moderations"
EMBEDDINGS = "/v1/embeddings"
#: seconds to wait for a batch to move on before the test is inconclusive (the reference server needs a few)
POLL_SECONDS = 60
STATUSES = ("validating", "failed", "in_progress", "finalizing", "completed", "expired", "cancelling", "cancelled")
UNFINISHED = ("validating", "in_progress", "finalizing")
#: tag for what the tests create (batches have no name)
TAG = {"created_by": "rulebook"}


# -- input files -------------------------------------------------------------------------------------------------------
def request_line(custom_id: str, *, url: str = MODERATIONS, method: str = "POST", body: Any = None) -> str:
    body = {"model": "omni-moderation-latest", "input": "rulebook"} if body is None else body
    return json.dumps({"custom_id": custom_id, "method": method, "url": url, "body": body}, separators=(",", ":"))


def jsonl(lines: Any) -> bytes:
    return "".join(f"{line}\n" for line in lines).encode()


def requests(count: int) -> bytes:
    """``count`` valid moderation requests, as short as a request line gets (50,001 of them are about 3.7 MB)."""
    template = '{"custom_id":"%d","method":"POST","url":"' + MODERATIONS + '","body":{"input":"x"}}\n'
    return "".join(template % index for index in range(count)).encode()


def embedding_requests(inputs: int, per_request: int) -> bytes:
    """/v1/embeddings requests holding ``inputs`` one-token inputs in all, ``per_request`` to a request."""
    sizes = [per_request] * (inputs // per_request) + ([inputs % per_request] if inputs % per_request else [])
    body = lambda size: {"model": "text-embedding-3-small", "input": ["x"] * size}  # noqa: E731
    return jsonl(request_line(str(index), url=EMBEDDINGS, body=body(size)) for index, size in enumerate(sizes))


#: two requests with the same custom_id: a batch that fails validation, so costs nothing wherever it is created
DOOMED = jsonl([request_line("same"), request_line("same")])


@pytest.fixture
def batch_file(make_file):
    """Upload an input file (purpose batch, ``rulebook-….jsonl``) and return its id; deleted when the test ends."""

    def upload(content: bytes, *, purpose: str = "batch", filename: str = "rulebook-batch.jsonl") -> str:
        return make_file(content, purpose=purpose, filename=filename, mime_type="application/jsonl")["id"]

    return upload


@pytest.fixture
def doomed_file(batch_file) -> str:
    return batch_file(DOOMED)


def create_body(file_id: str | None, **fields: Any) -> dict[str, Any]:
    body = {"input_file_id": file_id, "endpoint": MODERATIONS, "completion_window": "24h", "metadata": TAG, **fields}
    return {key: value for key, value in body.items() if value is not None}


@pytest.fixture
def make_batch(api):
    """Create a batch for a test that is about something else; inconclusive if that fails."""

    def make(file_id: str, **fields: Any) -> dict[str, Any]:
        response = api.post(LIST, create_body(file_id, **fields))
        if not response.is_success:
            raise Inconclusive(f"could not create a batch to test with: {response.status_code} {response.text[:200]}")
        return response.json()

    return make


def keep_for_cleanup(api, batch: dict[str, Any]) -> None:
    """The files a batch produced are the test's to delete too (the client deletes what it saw created)."""
    for key in ("output_file_id", "error_file_id"):
        if isinstance(batch.get(key), str) and ("file", batch[key]) not in api.created:
            api.created.append(("file", batch[key]))


def poll(api, server_clock, rule_id: str, batch_id: str, until) -> tuple[dict[str, Any], list[str]]:
    """Let a second pass and re-fetch until the batch's status is in ``until``; the batch and the statuses seen."""
    seen: list[str] = []
    for _ in range(POLL_SECONDS):
        server_clock.advance(1)
        batch = expect_accepted(api.get(f"{LIST}/{batch_id}"), rule_id, why="retrieving the batch")
        keep_for_cleanup(api, batch)
        if not seen or seen[-1] != batch.get("status"):
            seen.append(batch.get("status"))
        if batch.get("status") in until:
            return batch, seen
    raise Inconclusive(f"batch {batch_id} was still {seen[-1]!r} after {POLL_SECONDS} s (seen: {seen})")


def expect_fails_validation(api, server_clock, rule, file_id: str, **fields: Any) -> dict[str, Any]:
    """The batch is created, then goes from validating to failed with errors, never to in_progress."""
    created = expect_accepted(api.post(LIST, create_body(file_id, **fields)), rule.id,
                              why="an input file's lines are judged after the batch is created")
    done, seen = poll(api, server_clock, rule.id, created["id"], until=set(STATUSES) - {"validating"})
    expect(rule.id, done.get("status") == "failed", expected="validating -> failed",
           actual=f"statuses seen: {['validating', *seen]}")
    errors = (done.get("errors") or {}).get("data") or []
    expect(rule.id, len(errors) > 0, expected="at least one entry in errors.data", actual=done.get("errors"))
    return done


def expect_passes_validation(api, server_clock, rule, file_id: str, **fields: Any) -> dict[str, Any]:
    """The batch leaves validating for in_progress (or beyond), not for failed."""
    created = expect_accepted(api.post(LIST, create_body(file_id, **fields)), rule.id)
    done, seen = poll(api, server_clock, rule.id, created["id"], until=set(STATUSES) - {"validating"})
    expect(rule.id, done.get("status") != "failed" and done.get("in_progress_at") is not None,
           expected="validating -> in_progress", actual=f"statuses seen: {['validating', *seen]}, "
                                                        f"errors: {done.get('errors')}")
    return done


# -- the create request ------------------------------------------------------------------------------------------------
@pytest.mark.rule("batches.endpoints_exist")
def test_create_answers_a_validating_batch(api, rule, batch_file):
    created = expect_accepted(api.post(LIST, create_body(batch_file(requests(2)))), rule.id)
    expect(rule.id, isinstance(created, dict) and created.get("status") == rule.params["status"],
           expected=f"a batch in status {rule.params['status']!r}", actual=created)
    again = expect_accepted(api.get(f"{LIST}/{created['id']}"), rule.id, why="retrieving the batch just created")
    expect(rule.id, again.get("id") == created["id"], expected=f"the batch {created['id']}", actual=again.get("id"))


@pytest.mark.rule("batches.input_file_id_required")
@pytest.mark.parametrize("missing", ["input_file_id", "endpoint", "completion_window"])
def test_each_required_field_is_named_when_missing(api, rule, missing):
    body = create_body("file-rulebook-missing")
    del body[missing]
    expect_rejected(api.post(LIST, body), rule.id, status=400, param=missing, why=f"no {missing}")


@pytest.mark.rule("batches.input_file_id_required")
@given(missing=st.sets(st.sampled_from(["input_file_id", "endpoint", "completion_window"]), min_size=1))
def test_missing_fields_drawn(api, rule, missing):
    body = {key: value for key, value in create_body("file-rulebook-missing").items() if key not in missing}
    error = expect_rejected(api.post(LIST, body), rule.id, status=400, why=f"no {', '.join(sorted(missing))}")
    expect(rule.id, error.get("param") in missing, expected=f"param naming one of {sorted(missing)}",
           actual=error.get("param"))


@pytest.mark.rule("batches.input_file_purpose")
def test_an_unknown_input_file_is_rejected(api, rule):
    response = api.post(LIST, create_body("file-rulebook-no-such-file"))
    expect_rejected(response, rule.id, param=rule.params["param"], why="no such file")


@pytest.mark.rule("batches.input_file_purpose")
def test_an_input_file_of_another_purpose_is_rejected(api, rule, make_file):
    other = make_file(DOOMED, purpose=rule.params["other_purpose"], filename="rulebook-batch.txt")["id"]
    expect_rejected(api.post(LIST, create_body(other)), rule.id, param=rule.params["param"],
                    why=f"a file uploaded with purpose {rule.params['other_purpose']!r}")


@pytest.mark.rule("batches.input_file_purpose")
def test_an_input_file_of_purpose_batch_is_accepted(api, rule, doomed_file):
    expect_accepted(api.post(LIST, create_body(doomed_file)), rule.id, why="a file uploaded with purpose batch")


@pytest.mark.rule("batches.endpoint_values")
@pytest.mark.parametrize("value", ["values", "spec_values"])
def test_supported_endpoints_are_accepted(api, rule, doomed_file, value):
    for path in rule.params[value]:
        created = expect_accepted(api.post(LIST, create_body(doomed_file, endpoint=path)), rule.id, why=path)
        expect(rule.id, created.get("endpoint") == path, expected=f"endpoint {path!r}", actual=created.get("endpoint"))


@pytest.mark.rule("batches.endpoint_values")
@pytest.mark.parametrize("path", ["/v1/audio/speech", "/v1/files", "/v1/embeddings/", "v1/embeddings",
                                  "/V1/EMBEDDINGS", "/v2/embeddings", ""])
def test_other_endpoints_are_rejected(api, rule, path):
    expect_rejected(api.post(LIST, create_body("file-rulebook-missing", endpoint=path)), rule.id,
                    param=rule.params["param"], why=f"endpoint {path!r}")


@pytest.mark.rule("batches.endpoint_values")
@given(path=st.text(alphabet=string.ascii_lowercase + "/_.", min_size=0, max_size=20).map(lambda p: f"/v1/{p}"))
def test_endpoints_drawn(api, rule, path):
    # the file does not exist: a path that is accepted gets to the file check and is refused there, for input_file_id
    response = api.post(LIST, create_body("file-rulebook-missing", endpoint=path))
    if path not in rule.params["spec_values"]:
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"endpoint {path!r}")


@pytest.mark.rule("batches.completion_window_values")
def test_a_24h_window_is_accepted(api, rule, doomed_file):
    for window in rule.params["values"]:
        expect_accepted(api.post(LIST, create_body(doomed_file, completion_window=window)), rule.id, why=window)


@pytest.mark.rule("batches.completion_window_values")
@given(window=st.one_of(st.sampled_from(["48h", "1h", "24H", "24", "1d", "24h ", ""]),
                        st.text(alphabet="0123456789hdm", max_size=4)))
def test_other_windows_are_rejected(api, rule, window):
    if window in rule.params["values"]:
        return
    expect_rejected(api.post(LIST, create_body("file-rulebook-missing", completion_window=window)), rule.id,
                    param=rule.params["param"], why=f"completion_window {window!r}")


def output_expiry(rule, seconds: Any, anchor: str | None = None) -> dict[str, Any]:
    return {"output_expires_after": {"anchor": anchor or rule.params["anchor"], "seconds": seconds}}


@pytest.mark.rule("batches.output_expires_after_range")
@pytest.mark.parametrize("edge", ["min", "max"])
def test_output_expiry_edges_are_accepted(api, rule, doomed_file, edge):
    seconds = rule.params[edge]
    expect_accepted(api.post(LIST, create_body(doomed_file, **output_expiry(rule, seconds))), rule.id,
                    why=f"seconds={seconds}")


@pytest.mark.rule("batches.output_expires_after_range")
@pytest.mark.parametrize("edge", ["min", "max"])
def test_output_expiry_beyond_edges_is_rejected(api, rule, doomed_file, edge):
    seconds = rule.params["min"] - 1 if edge == "min" else rule.params["max"] + 1
    expect_rejected(api.post(LIST, create_body(doomed_file, **output_expiry(rule, seconds))), rule.id,
                    param=rule.params["param"], why=f"seconds={seconds}")


@pytest.mark.rule("batches.output_expires_after_range")
def test_output_expiry_with_another_anchor_is_rejected(api, rule, doomed_file):
    body = create_body(doomed_file, **output_expiry(rule, rule.params["min"], anchor="completed_at"))
    expect_rejected(api.post(LIST, body), rule.id, param=rule.params["param"], why="anchor completed_at")


@pytest.mark.rule("batches.output_expires_after_range")
@given(offset=st.integers(min_value=-100, max_value=100), edge=st.sampled_from(["min", "max"]))
def test_output_expiry_drawn(api, rule, doomed_file, offset, edge):
    seconds = rule.params[edge] + offset
    response = api.post(LIST, create_body(doomed_file, **output_expiry(rule, seconds)))
    if rule.params["min"] <= seconds <= rule.params["max"]:
        expect_accepted(response, rule.id, why=f"seconds={seconds}")
    else:
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"seconds={seconds}")


# -- the input file's lines --------------------------------------------------------------------------------------------
@pytest.mark.rule("batches.input_jsonl")
@pytest.mark.parametrize("bad", ["not json", "[1, 2]", '"a string"',
                                 json.dumps({"custom_id": "b", "method": "POST", "url": MODERATIONS}),
                                 json.dumps({"method": "POST", "url": MODERATIONS, "body": {"input": "x"}})],
                         ids=["not-json", "array", "string", "no-body", "no-custom_id"])
def test_a_line_that_is_not_a_request_object_fails_the_batch(api, rule, server_clock, batch_file, bad):
    expect_fails_validation(api, server_clock, rule, batch_file(jsonl([request_line("good"), bad])))


@pytest.mark.rule("batches.custom_id_unique")
def test_a_repeated_custom_id_fails_the_batch(api, rule, server_clock, batch_file):
    content = jsonl([request_line("first"), request_line("second"), request_line("first")])
    expect_fails_validation(api, server_clock, rule, batch_file(content))


@pytest.mark.rule("batches.request_method_post")
@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_a_method_other_than_post_fails_the_batch(api, rule, server_clock, batch_file, method):
    content = jsonl([request_line("first"), request_line("second", method=method)])
    expect_fails_validation(api, server_clock, rule, batch_file(content))


@pytest.mark.rule("batches.request_url_matches_endpoint")
@pytest.mark.parametrize("url", ["/v1/chat/completions", "/v1/embeddings", "/v1/moderations/", "/v1/audio/speech"])
def test_a_url_other_than_the_endpoint_fails_the_batch(api, rule, server_clock, batch_file, url):
    content = jsonl([request_line("first"), request_line("second", url=url)])
    expect_fails_validation(api, server_clock, rule, batch_file(content))


@pytest.mark.rule("batches.max_requests")
def test_a_file_of_max_requests_passes_validation(api, rule, server_clock, batch_file):
    expect_passes_validation(api, server_clock, rule, batch_file(requests(rule.params["max"])))


@pytest.mark.rule("batches.max_requests")
def test_a_file_of_one_request_more_fails(api, rule, server_clock, batch_file):
    expect_fails_validation(api, server_clock, rule, batch_file(requests(rule.params["max"] + 1)))


# No drawn counts around 50,000 requests: each example would upload (and each cassette store) another 4 MB, to
# learn nothing the two edges do not show.


@pytest.mark.rule("batches.embedding_inputs_max")
@pytest.mark.parametrize("delta", [0, 1], ids=["max", "max+1"])
def test_embedding_input_edges(api, rule, server_clock, batch_file, delta):
    inputs = rule.params["max"] + delta
    file_id = batch_file(embedding_requests(inputs, rule.params["per_request"]))
    judge = expect_passes_validation if delta == 0 else expect_fails_validation
    judge(api, server_clock, rule, file_id, endpoint=rule.params["endpoint"])


@pytest.mark.rule("batches.embedding_inputs_max")
@settings(max_examples=4)  # each example uploads about 250 kB
@given(inputs=st.integers(min_value=49_900, max_value=50_100))
def test_embedding_inputs_drawn(api, rule, server_clock, batch_file, inputs):
    file_id = batch_file(embedding_requests(inputs, rule.params["per_request"]))
    judge = expect_passes_validation if inputs <= rule.params["max"] else expect_fails_validation
    judge(api, server_clock, rule, file_id, endpoint=rule.params["endpoint"])


# -- responses ---------------------------------------------------------------------------------------------------------
def expect_batch_object(rule, body: Any, action: str) -> None:
    single, _ = rule.params["values"]
    expect(rule.id, isinstance(body, dict) and body.get("object") == single, expected=f"object={single!r} on {action}",
           actual=body.get("object") if isinstance(body, dict) else body)
    expect(rule.id, body.get("status") in rule.params["statuses"],
           expected=f"status one of {rule.params['statuses']} on {action}", actual=body.get("status"))


@pytest.mark.rule("batches.object_type")
def test_object_types(api, rule, doomed_file):
    created = expect_accepted(api.post(LIST, create_body(doomed_file)), rule.id)
    expect_batch_object(rule, created, "create")
    expect_batch_object(rule, expect_accepted(api.get(f"{LIST}/{created['id']}"), rule.id), "retrieve")
    page = expect_accepted(api.get(LIST, params={"limit": 5}), rule.id)
    expect(rule.id, page.get("object") == rule.params["values"][1], expected="object='list' on list",
           actual=page.get("object"))
    for item in page.get("data", []):
        expect_batch_object(rule, item, "list")
    cancelled = api.post(f"{LIST}/{created['id']}/cancel")
    if cancelled.is_success:  # a real API may have failed the batch already: then there is nothing to cancel
        expect_batch_object(rule, cancelled.json(), "cancel")


@pytest.mark.rule("batches.unknown_id")
@pytest.mark.parametrize("action", ["retrieve", "cancel"])
def test_unknown_ids_are_404(api, rule, action):
    path = f"{LIST}/batch_rulebook0000000000000000"
    response = api.get(path) if action == "retrieve" else api.post(f"{path}/cancel")
    expect_rejected(response, rule.id, status=rule.params["status"], why="an id that names no batch")


# -- list --------------------------------------------------------------------------------------------------------------
@pytest.mark.rule("batches.list.limit_range")
@pytest.mark.parametrize("edge", ["min", "max"])
def test_limit_edges_are_accepted(api, rule, edge):
    limit = rule.params[edge]
    page = expect_accepted(api.get(LIST, params={"limit": limit}), rule.id, why=f"limit={limit}")
    expect(rule.id, len(page["data"]) <= limit, expected=f"at most {limit} items", actual=len(page["data"]))


@pytest.mark.rule("batches.list.limit_range")
@pytest.mark.parametrize("edge", ["min", "max"])
def test_limit_beyond_edges_is_rejected(api, rule, edge):
    limit = rule.params["min"] - 1 if edge == "min" else rule.params["max"] + 1
    expect_rejected(api.get(LIST, params={"limit": limit}), rule.id, param=rule.params["param"], why=f"limit={limit}")


@pytest.mark.rule("batches.list.limit_range")
@given(limit=st.integers(min_value=-20, max_value=250))
def test_limit_drawn(api, rule, limit):
    response = api.get(LIST, params={"limit": limit})
    if rule.params["min"] <= limit <= rule.params["max"]:
        page = expect_accepted(response, rule.id, why=f"limit={limit}")
        expect(rule.id, len(page["data"]) <= limit, expected=f"at most {limit} items", actual=len(page["data"]))
    else:
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"limit={limit}")


@pytest.mark.rule("batches.list.limit_default")
def test_limit_defaults_to_twenty(api, rule, make_batch, doomed_file):
    default = rule.params["default"]
    existing = expect_accepted(api.get(LIST, params={"limit": default + 1}), rule.id)
    for _ in range(default + 1 - len(existing["data"])):
        make_batch(doomed_file)
    page = expect_accepted(api.get(LIST), rule.id, why="no limit")
    expect(rule.id, len(page["data"]) == default and page["has_more"],
           expected=f"{default} items and has_more with more than {default} batches",
           actual=f"{len(page['data'])} items, has_more={page['has_more']}")


@pytest.mark.rule("batches.list.cursor_pagination")
def test_after_walks_every_batch_once(api, rule, make_batch, doomed_file):
    ours = [make_batch(doomed_file)["id"] for _ in range(5)]
    seen, stamps, after = [], [], None
    for _ in range(20):  # bounded: our batches are the newest, so they come within the first pages
        page = expect_accepted(api.get(LIST, params={"limit": 2, **({"after": after} if after else {})}), rule.id,
                               why=f"after={after}")
        ids = [item["id"] for item in page["data"]]
        stamps += [item.get("created_at") for item in page["data"]]
        expect(rule.id, page.get("first_id") == (ids[0] if ids else None) and
               page.get("last_id") == (ids[-1] if ids else None),
               expected="first_id and last_id naming the page's first and last batch",
               actual=f"first_id={page.get('first_id')}, last_id={page.get('last_id')}, ids={ids}")
        seen += ids
        if not page["has_more"] or all(i in seen for i in ours):
            break
        after = page["last_id"]
    expect(rule.id, len(seen) == len(set(seen)), expected="no batch twice across pages", actual=seen)
    # batches created in the same second may come in any order: the walk must see each once, newest first
    expect(rule.id, set(ours) <= set(seen) and stamps == sorted(stamps, reverse=True),
           expected=f"all of {ours}, created_at never increasing", actual=f"{seen}, created_at {stamps}")


# -- lifecycle ---------------------------------------------------------------------------------------------------------
LIFECYCLE = "batches.status_lifecycle"
CANCEL = "batches.cancel_lifecycle"
#: the statuses each status can lead to, directly or not
LATER = {
    "validating": {"failed", "in_progress", "finalizing", "completed", "expired", "cancelling", "cancelled"},
    "in_progress": {"finalizing", "completed", "expired", "cancelling", "cancelled", "failed"},
    "finalizing": {"completed", "expired", "cancelling", "cancelled", "failed"},
    "cancelling": {"cancelled"},
}
#: the timestamps a batch in a status must carry, for the statuses it cannot have skipped
STAMPED = {
    "in_progress": ("in_progress_at",),
    "finalizing": ("in_progress_at", "finalizing_at"),
    "completed": ("in_progress_at", "finalizing_at", "completed_at"),
    "failed": ("failed_at",),
    "expired": ("expired_at",),
    "cancelling": ("cancelling_at",),
    "cancelled": ("cancelling_at", "cancelled_at"),
}
ORDERED_STAMPS = ("created_at", "in_progress_at", "finalizing_at", "completed_at")


def check_batch(batch: dict[str, Any], before: str | None) -> None:
    """The status_lifecycle invariants of one observation of a batch last seen in status ``before``."""
    status = batch.get("status")
    if status not in STATUSES:
        return  # the enum is object_type's business
    expect(LIFECYCLE, before is None or status == before or status in LATER.get(before, ()),
           expected=f"a status that can follow {before!r}", actual=f"{before!r} -> {status!r}")
    missing = [key for key in STAMPED.get(status, ()) if not isinstance(batch.get(key), int)]
    expect(LIFECYCLE, not missing, expected=f"{', '.join(STAMPED.get(status, ()))} on a {status} batch",
           actual=f"missing {missing}")
    stamps = [batch[key] for key in ORDERED_STAMPS if isinstance(batch.get(key), int)]
    expect(LIFECYCLE, stamps == sorted(stamps), expected=f"{' <= '.join(ORDERED_STAMPS)}", actual=stamps)
    counts = batch.get("request_counts") or {}
    total, done, failed = (counts.get(key, 0) for key in ("total", "completed", "failed"))
    expect(LIFECYCLE, done + failed <= total, expected="completed + failed <= total", actual=counts)
    results = {key: batch.get(key) for key in ("output_file_id", "error_file_id") if batch.get(key)}
    if status == "completed":
        expect(LIFECYCLE, done + failed == total, expected="completed + failed == total once completed", actual=counts)
        expect(LIFECYCLE, (done == 0 or "output_file_id" in results) and (failed == 0 or "error_file_id" in results),
               expected="output_file_id for succeeded requests, error_file_id for failed ones",
               actual=f"{counts}, {results}")
    elif status in ("validating", "in_progress", "failed"):
        expect(LIFECYCLE, not results, expected=f"no result files on a {status} batch", actual=results)


class BatchLifecycle(RuleBasedStateMachine):
    """Create batches (valid or doomed), let time pass, cancel; every batch is re-fetched and checked after each
    step."""

    batches = Bundle("batches")

    def __init__(self, api, server_clock, files: dict[bool, str]) -> None:
        super().__init__()
        self.api, self.clock, self.files = api, server_clock, files
        self.last: dict[str, str] = {}  # batch id -> status last seen

    def observe(self, batch: dict[str, Any]) -> None:
        keep_for_cleanup(self.api, batch)
        check_batch(batch, self.last.get(batch["id"]))
        self.last[batch["id"]] = batch["status"]

    def fetch(self, batch_id: str) -> dict[str, Any]:
        batch = expect_accepted(self.api.get(f"{LIST}/{batch_id}"), LIFECYCLE, why="retrieving a batch")
        self.observe(batch)
        return batch

    @initialize(target=batches)
    def first(self) -> str:
        """Every run starts with a batch that should complete, so that completion is always within reach."""
        return self.create(True)

    @rule(target=batches, valid=st.booleans())
    def create(self, valid: bool) -> str:
        created = expect_accepted(self.api.post(LIST, create_body(self.files[valid])), LIFECYCLE)
        self.observe(created)
        return created["id"]

    @rule(seconds=st.integers(min_value=1, max_value=4))
    def wait(self, seconds: int) -> None:
        self.clock.advance(seconds)

    @rule(batch_id=batches)
    def cancel(self, batch_id: str) -> None:
        before = self.fetch(batch_id)["status"]
        response = self.api.post(f"{LIST}/{batch_id}/cancel")
        if before in ("completed", "failed"):
            expect_rejected(response, CANCEL, why=f"cancelling a {before} batch")
            after = self.fetch(batch_id)["status"]
            expect(CANCEL, after == before, expected=f"still {before} after a refused cancel", actual=after)
        elif before in UNFINISHED:
            if not response.is_success and self.fetch(batch_id)["status"] in ("completed", "failed", "expired"):
                return  # it finished between the two requests (a real API's clock does not stand still)
            cancelled = expect_accepted(response, CANCEL, why=f"cancelling a {before} batch")
            expect(CANCEL, cancelled.get("status") in ("cancelling", "cancelled"),
                   expected="cancelling (or cancelled)", actual=cancelled.get("status"))
            self.observe(cancelled)

    @invariant()
    def every_batch_keeps_the_rules(self) -> None:
        for batch_id in list(self.last):
            self.fetch(batch_id)


@pytest.mark.rule(LIFECYCLE, CANCEL)
def test_batch_lifecycle(api, server_clock, batch_file):
    files = {True: batch_file(requests(2)), False: batch_file(DOOMED)}
    # no shrinking: every step is a request and every replay creates batches anew; the failing program is reported
    # as found, which is evidence enough
    run_state_machine_as_test(lambda: BatchLifecycle(api, server_clock, files),
                              settings=settings(max_examples=min(settings().max_examples, 8), stateful_step_count=10,
                                                phases=[Phase.explicit, Phase.reuse, Phase.generate]))


@pytest.mark.rule(LIFECYCLE)
def test_a_valid_batch_completes_with_an_output_file(api, rule, server_clock, batch_file, make_batch):
    created = make_batch(batch_file(requests(3)))
    done, seen = poll(api, server_clock, rule.id, created["id"], until={"completed", "failed", "expired", "cancelled"})
    expect(rule.id, done["status"] == "completed", expected="validating -> ... -> completed",
           actual=f"statuses seen: {['validating', *seen]}")
    check_batch(done, None)
    expect(rule.id, done["request_counts"].get("total") == 3, expected="request_counts.total = 3 request lines",
           actual=done["request_counts"])
    output = api.get(f"/files/{done.get('output_file_id')}")
    expect(rule.id, output.is_success and output.json().get("purpose") == rule.params["output_purpose"],
           expected=f"output_file_id naming a file with purpose {rule.params['output_purpose']!r}",
           actual=f"{output.status_code} {output.text[:200]}")


@pytest.mark.rule(CANCEL)
def test_cancel_moves_a_batch_to_cancelling_then_cancelled(api, rule, server_clock, batch_file, make_batch):
    created = make_batch(batch_file(requests(2)))
    answer = expect_accepted(api.post(f"{LIST}/{created['id']}/cancel"), rule.id, why="cancelling a new batch")
    expect(rule.id, answer.get("status") in rule.params["statuses"], expected="cancelling", actual=answer.get("status"))
    done, seen = poll(api, server_clock, rule.id, created["id"], until={"cancelled", "completed", "failed", "expired"})
    expect(rule.id, done["status"] == "cancelled", expected="cancelling -> cancelled", actual=seen)


@pytest.mark.rule(CANCEL)
@pytest.mark.parametrize("outcome", ["failed", "completed"])
def test_a_finished_batch_cannot_be_cancelled(api, rule, server_clock, batch_file, make_batch, outcome):
    created = make_batch(batch_file(DOOMED if outcome == "failed" else requests(2)))
    done, _ = poll(api, server_clock, rule.id, created["id"], until={"completed", "failed", "expired", "cancelled"})
    if done["status"] != outcome:
        raise Inconclusive(f"the batch meant to be {outcome} ended {done['status']}")
    expect_rejected(api.post(f"{LIST}/{created['id']}/cancel"), rule.id, why=f"cancelling a {outcome} batch")
    after = expect_accepted(api.get(f"{LIST}/{created['id']}"), rule.id)
    expect(rule.id, after.get("status") == outcome, expected=f"still {outcome}", actual=after.get("status"))
