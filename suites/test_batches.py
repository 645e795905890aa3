"""Batches: the create request, the input file's lines, listing, and the status lifecycle with cancel
(R04.1.14, R05.7.1-R05.7.3, R05.8.1-R05.8.4, R03.3.1, R04.3, and the spec's Batch object).

Verdicts must hold on any server that keeps the rulebook, so:

* every batch that is not about endpoints is a /v1/embeddings batch of one-token inputs: the cheapest requests of
  an endpoint the rulebook guarantees (R05.8.3), which no server that keeps the rulebook refuses;
* a rejection test's request differs from an accepted control request (``control``: a real input file of purpose
  batch) in the violated field only; if the control is refused, the test is inconclusive;
* what an input file's lines break may be refused at create (4xx) or, as on the live API, the batch is created
  ``validating`` and moves to ``failed`` with ``errors.data``, never to ``in_progress``. Each such test first shows a
  control batch (the same file without the violation) passing validation, else it is inconclusive. Tests watch the
  statuses with ``server_clock.polls`` (let time pass, re-fetch, until the status moves or the clock's
  ``max_wait`` has passed; a real API that takes longer leaves the test inconclusive);
* a setup step that fails (an upload, a batch for a test about something else, a retrieve) makes the test
  inconclusive, naming the request; a batch with a missing or null field the rule needs is a violation of that rule.

Batches meant to fail cost nothing on a real API; the others (controls, ``paid`` rules) are cancelled when the test
ends.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from openai_rulebook.checks import expect, expect_accepted, expect_rejected, read
from openai_rulebook.errors import Inconclusive

LIST = "/batches"
#: the endpoint of every batch that is not about endpoints: the rulebook guarantees it, and its requests are the
#: cheapest a batch can hold
EMBEDDINGS = "/v1/embeddings"
#: the endpoint of the max_requests batches: a rulebook endpoint without the embeddings' 50,000-input limit, so that
#: 50,001 lines break one rule, not two
CHAT = "/v1/chat/completions"
#: the smallest valid request body for each endpoint the rulebook lists (R05.8.3)
BODIES: dict[str, dict[str, Any]] = {
    EMBEDDINGS: {"model": "text-embedding-3-small", "input": "x"},
    CHAT: {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x"}], "max_tokens": 1},
    "/v1/completions": {"model": "gpt-3.5-turbo-instruct", "prompt": "x", "max_tokens": 1},
}
STATUSES = ("validating", "failed", "in_progress", "finalizing", "completed", "expired", "cancelling", "cancelled")
UNFINISHED = ("validating", "in_progress", "finalizing")
#: the statuses that show a batch passed validation
VALIDATED = ("in_progress", "finalizing", "completed")
#: tag for what the tests create (batches have no name)
TAG = {"created_by": "rulebook"}


# -- input files -------------------------------------------------------------------------------------------------------
def request_line(custom_id: str, *, url: str = EMBEDDINGS, method: str = "POST", body: Any = None) -> str:
    body = BODIES[EMBEDDINGS] if body is None else body
    return json.dumps({"custom_id": custom_id, "method": method, "url": url, "body": body}, separators=(",", ":"))


def jsonl(lines: Any) -> bytes:
    return "".join(f"{line}\n" for line in lines).encode()


def chat_requests(count: int) -> bytes:
    """``count`` valid /v1/chat/completions requests, as short as such a line gets (50,001 are about 7 MB)."""
    body = json.dumps(BODIES[CHAT], separators=(",", ":"))
    template = '{"custom_id":"%d","method":"POST","url":"' + CHAT + '","body":' + body.replace("%", "%%") + "}\n"
    return "".join(template % index for index in range(count)).encode()


def embedding_requests(inputs: int, per_request: int) -> bytes:
    """/v1/embeddings requests holding ``inputs`` one-token inputs in all, ``per_request`` to a request."""
    sizes = [per_request] * (inputs // per_request) + ([inputs % per_request] if inputs % per_request else [])
    body = lambda size: {"model": BODIES[EMBEDDINGS]["model"], "input": ["x"] * size}  # noqa: E731
    return jsonl(request_line(str(index), body=body(size)) for index, size in enumerate(sizes))


#: two valid requests: the input file of every control and of every batch meant to run
VALID = jsonl([request_line("first"), request_line("second")])
#: two requests with the same custom_id: a batch that fails validation, so costs nothing wherever it is created
DOOMED = jsonl([request_line("same"), request_line("same")])


# -- setup steps and shapes --------------------------------------------------------------------------------------------
def precondition(response: httpx.Response, what: str) -> Any:
    """The JSON answer to a setup step; if it was refused, the rule under test stays unjudged (inconclusive)."""
    if not response.is_success:
        request = response.request
        raise Inconclusive(f"{what} failed: {request.method} {request.url.path} answered {response.status_code} "
                           f"{response.text[:200]}")
    try:
        return read(response.json(), None)
    except ValueError:
        raise Inconclusive(f"{what}: the answer is not JSON: {response.text[:200]}") from None


def as_batch(rule_id: str, body: Any, action: str) -> dict[str, Any]:
    """``body`` as a batch the rule can read (an object with a string ``id``); anything else violates the rule."""
    expect(rule_id, isinstance(body, dict) and isinstance(body.get("id"), str),
           expected=f"a batch object with a string id ({action})", actual=body)
    return body


def expect_create_accepted(response: httpx.Response, rule, why: str) -> dict[str, Any]:
    """A create the rule says is accepted. A refusal naming another parameter than the rule's is about something the
    rule does not judge (the input file, the body's other fields): inconclusive, not a violation."""
    other = None
    if 400 <= response.status_code < 500:
        try:
            error = response.json().get("error")
        except (ValueError, AttributeError):
            error = None
        param = error.get("param") if isinstance(error, dict) else None
        if isinstance(param, str) and param != rule.params.get("param", param):
            other = param
    if other is not None:
        raise Inconclusive(f"the create ({why}) was refused for {other!r}, which {rule.id} does not judge: "
                           f"{response.status_code} {response.text[:200]}")
    return as_batch(rule.id, expect_accepted(response, rule.id, why=why), "create")


@pytest.fixture
def batch_file(make_file):
    """Upload an input file (purpose batch, ``rulebook-….jsonl``) and return its id; deleted when the test ends.
    A refused upload makes the test inconclusive (``make_file``)."""

    def upload(content: bytes, *, purpose: str = "batch", filename: str = "rulebook-batch.jsonl") -> str:
        return make_file(content, purpose=purpose, filename=filename, mime_type="application/jsonl")["id"]

    return upload


@pytest.fixture
def valid_file(batch_file) -> str:
    return batch_file(VALID)


@pytest.fixture
def doomed_file(batch_file) -> str:
    return batch_file(DOOMED)


def create_body(file_id: str | None, **fields: Any) -> dict[str, Any]:
    body = {"input_file_id": file_id, "endpoint": EMBEDDINGS, "completion_window": "24h", "metadata": TAG, **fields}
    return {key: value for key, value in body.items() if value is not None}


@pytest.fixture
def control(api, valid_file) -> dict[str, Any]:
    """The body of an accepted create (a real input file of purpose batch, /v1/embeddings, 24h): every rejection
    test sends it changed in the one field it is about. Inconclusive if the server refuses it."""
    body = create_body(valid_file)
    precondition(api.post(LIST, body), "creating the control batch (a valid request)")
    return body


@pytest.fixture
def make_batch(api, request):
    """Create a batch for a test that is about something else; inconclusive if that fails, a violation of the test's
    (first) rule if the answer is no batch."""
    rule_id = request.node.get_closest_marker("rule").args[0]

    def make(file_id: str, **fields: Any) -> dict[str, Any]:
        created = precondition(api.post(LIST, create_body(file_id, **fields)), "creating a batch to test with")
        return as_batch(rule_id, created, "create")

    return make


def keep_for_cleanup(api, batch: dict[str, Any]) -> None:
    """The files a batch produced are the test's to delete too (the client deletes what it saw created)."""
    for key in ("output_file_id", "error_file_id"):
        if isinstance(batch.get(key), str) and ("file", batch[key]) not in api.created:
            api.created.append(("file", batch[key]))


def fetch(api, rule_id: str, batch_id: str) -> dict[str, Any]:
    """Retrieve a batch (a refused retrieve leaves the rule unjudged; a malformed batch violates it)."""
    batch = as_batch(rule_id, precondition(api.get(f"{LIST}/{batch_id}"), f"retrieving batch {batch_id}"), "retrieve")
    keep_for_cleanup(api, batch)
    return batch


def poll(api, server_clock, rule_id: str, batch_id: str,
         done: Callable[[Any], bool]) -> tuple[dict[str, Any], list[Any]]:
    """Let a second pass and re-fetch until ``done(status)``; the batch and the statuses seen."""
    seen: list[Any] = []
    for _ in server_clock.polls():
        batch = fetch(api, rule_id, batch_id)
        if not seen or seen[-1] != batch.get("status"):
            seen.append(batch.get("status"))
        if done(batch.get("status")):
            return batch, seen
    raise Inconclusive(f"batch {batch_id} was still {seen[-1] if seen else 'unseen'!r} after "
                       f"{server_clock.max_wait:g} s (seen: {seen})")


def left_validating(status: Any) -> bool:
    return status != "validating"


def passed_validation(batch: dict[str, Any], seen: list[Any]) -> bool:
    return any(status in VALIDATED for status in seen) or isinstance(batch.get("in_progress_at"), int)


def expect_control_passes(api, server_clock, rule, content: bytes, batch_file, **fields: Any) -> None:
    """The control of a lifecycle rejection: ``content`` (the test's file without the violation) passes validation,
    or the test is inconclusive - a server that fails every batch proves nothing by failing ours."""
    created = as_batch(rule.id, precondition(api.post(LIST, create_body(batch_file(content), **fields)),
                                             "creating the control batch (the same input without the violation)"),
                       "create")
    done, seen = poll(api, server_clock, rule.id, created["id"], left_validating)
    if not passed_validation(done, seen):
        raise Inconclusive(f"the control batch {created['id']} (the same input without the violation) did not pass "
                           f"validation: statuses {['validating', *seen]}, errors {done.get('errors')!r}")


def expect_refused(api, server_clock, rule, file_id: str, **fields: Any) -> None:
    """The batch is refused: at create (4xx), or it goes from validating to failed with errors, never in_progress."""
    response = api.post(LIST, create_body(file_id, **fields))
    if 400 <= response.status_code < 500:
        expect_rejected(response, rule.id, why="an input file that breaks the rule, refused at create")
        return
    created = as_batch(rule.id, expect_accepted(response, rule.id, why="refused at create, or failed later"), "create")
    done, seen = poll(api, server_clock, rule.id, created["id"], left_validating)
    expect(rule.id, done.get("status") == "failed" and not passed_validation(done, seen),
           expected="validating -> failed, never in_progress",
           actual=f"statuses seen: {['validating', *seen]}, in_progress_at: {done.get('in_progress_at')!r}")
    errors = done.get("errors")
    data = errors.get("data") if isinstance(errors, dict) else None
    expect(rule.id, isinstance(data, list) and len(data) > 0, expected="at least one entry in errors.data",
           actual=errors)


def expect_passes_validation(api, server_clock, rule, file_id: str, **fields: Any) -> None:
    """The batch is created and leaves validating for in_progress (or beyond), not for failed."""
    response = api.post(LIST, create_body(file_id, **fields))
    created = as_batch(rule.id, expect_accepted(response, rule.id, why="an input file within the limit"), "create")
    done, seen = poll(api, server_clock, rule.id, created["id"], left_validating)
    if passed_validation(done, seen):
        return
    expect(rule.id, done.get("status") != "failed", expected="validating -> in_progress",
           actual=f"statuses seen: {['validating', *seen]}, errors: {done.get('errors')!r}")
    raise Inconclusive(f"batch {created['id']} left validating for {done.get('status')!r} (seen: {seen})")


# -- the create request ------------------------------------------------------------------------------------------------
@pytest.mark.rule("batches.endpoints_exist")
def test_create_answers_a_validating_batch(api, rule, valid_file):
    created = as_batch(rule.id, expect_accepted(api.post(LIST, create_body(valid_file)), rule.id), "create")
    expect(rule.id, created.get("status") == rule.params["status"],
           expected=f"a batch in status {rule.params['status']!r}", actual=created.get("status"))
    again = expect_accepted(api.get(f"{LIST}/{created['id']}"), rule.id, why="retrieving the batch just created")
    expect(rule.id, isinstance(again, dict) and again.get("id") == created["id"], expected=f"the batch {created['id']}",
           actual=again.get("id") if isinstance(again, dict) else again)


@pytest.mark.rule("batches.input_file_id_required")
@pytest.mark.parametrize("missing", ["input_file_id", "endpoint", "completion_window"])
def test_each_required_field_is_named_when_missing(api, rule, control, missing):
    # one field missing at a time: with two, the statement does not say which param the error names
    body = {key: value for key, value in control.items() if key != missing}
    expect_rejected(api.post(LIST, body), rule.id, status=400, param=missing, why=f"no {missing}")


@pytest.mark.rule("batches.input_file_purpose")
def test_an_unknown_input_file_is_rejected(api, rule, control):
    response = api.post(LIST, {**control, "input_file_id": "file-rulebook-no-such-file"})
    expect_rejected(response, rule.id, param=rule.params["param"], why="no such file")


@pytest.mark.rule("batches.input_file_purpose")
def test_an_input_file_of_another_purpose_is_rejected(api, rule, control, batch_file):
    # the same bytes and file name as the control's file: only the purpose differs
    other = batch_file(VALID, purpose=rule.params["other_purpose"])
    expect_rejected(api.post(LIST, {**control, "input_file_id": other}), rule.id, param=rule.params["param"],
                    why=f"a file uploaded with purpose {rule.params['other_purpose']!r}")


@pytest.mark.rule("batches.input_file_purpose")
def test_an_input_file_of_purpose_batch_is_accepted(api, rule, valid_file):
    expect_create_accepted(api.post(LIST, create_body(valid_file)), rule, "a file uploaded with purpose batch")


@pytest.mark.rule("batches.endpoint_values")
@pytest.mark.parametrize("index", [0, 1, 2], ids=["first", "second", "third"])
def test_the_rulebooks_endpoints_are_accepted(api, rule, batch_file, index):
    path = rule.params["values"][index]
    # the file's lines are requests for that endpoint, so that nothing but the endpoint is new
    content = jsonl([request_line("first", url=path, body=BODIES[path])])
    created = expect_create_accepted(api.post(LIST, create_body(batch_file(content), endpoint=path)), rule, path)
    expect(rule.id, created.get("endpoint") == path, expected=f"endpoint {path!r}", actual=created.get("endpoint"))


def _listed(rule, path: str) -> bool:
    """In the rulebook's list or the spec's: the spec's extra paths are disputed, so no verdict either way."""
    return path in rule.params["values"] or path in rule.params["spec_values"]


@pytest.mark.rule("batches.endpoint_values")
@pytest.mark.parametrize("path", ["/v1/audio/speech", "/v1/files", "/v1/embeddings/", "v1/embeddings",
                                  "/V1/EMBEDDINGS", "/v2/embeddings", ""],
                         ids=["audio-speech", "files", "trailing-slash", "no-leading-slash", "upper-case", "v2", "empty"])
def test_other_endpoints_are_rejected(api, rule, control, path):
    assert not _listed(rule, path)
    expect_rejected(api.post(LIST, {**control, "endpoint": path}), rule.id, param=rule.params["param"],
                    why=f"endpoint {path!r}")


@pytest.mark.rule("batches.endpoint_values")
@given(path=st.text(alphabet=string.ascii_lowercase + "/_.", min_size=0, max_size=20).map(lambda p: f"/v1/{p}"))
def test_endpoints_drawn(api, rule, control, path):
    if _listed(rule, path):
        return
    expect_rejected(api.post(LIST, {**control, "endpoint": path}), rule.id, param=rule.params["param"],
                    why=f"endpoint {path!r}")


@pytest.mark.rule("batches.completion_window_values")
def test_a_24h_window_is_accepted(api, rule, valid_file):
    for window in rule.params["values"]:
        expect_create_accepted(api.post(LIST, create_body(valid_file, completion_window=window)), rule, window)


@pytest.mark.rule("batches.completion_window_values")
@given(window=st.one_of(st.sampled_from(["48h", "1h", "24H", "24", "1d", "24h ", ""]),
                        st.text(alphabet="0123456789hdm", max_size=4)))
def test_other_windows_are_rejected(api, rule, control, window):
    if window in rule.params["values"]:
        return
    expect_rejected(api.post(LIST, {**control, "completion_window": window}), rule.id,
                    param=rule.params["param"], why=f"completion_window {window!r}")


def output_expiry(rule, seconds: Any, anchor: str | None = None) -> dict[str, Any]:
    return {"output_expires_after": {"anchor": anchor or rule.params["anchor"], "seconds": seconds}}


@pytest.mark.rule("batches.output_expires_after_range")
@pytest.mark.parametrize("edge", ["min", "max"])
def test_output_expiry_edges_are_accepted(api, rule, valid_file, edge):
    seconds = rule.params[edge]
    expect_create_accepted(api.post(LIST, create_body(valid_file, **output_expiry(rule, seconds))), rule,
                           f"seconds={seconds}")


@pytest.mark.rule("batches.output_expires_after_range")
@pytest.mark.parametrize("edge", ["min", "max"])
def test_output_expiry_beyond_edges_is_rejected(api, rule, control, edge):
    seconds = rule.params["min"] - 1 if edge == "min" else rule.params["max"] + 1
    expect_rejected(api.post(LIST, {**control, **output_expiry(rule, seconds)}), rule.id,
                    param=rule.params["param"], why=f"seconds={seconds}")


@pytest.mark.rule("batches.output_expires_after_range")
def test_output_expiry_with_another_anchor_is_rejected(api, rule, control):
    body = {**control, **output_expiry(rule, rule.params["min"], anchor="completed_at")}
    expect_rejected(api.post(LIST, body), rule.id, param=rule.params["param"], why="anchor completed_at")


@pytest.mark.rule("batches.output_expires_after_range")
@given(offset=st.integers(min_value=-100, max_value=100), edge=st.sampled_from(["min", "max"]))
def test_output_expiry_drawn(api, rule, control, offset, edge):
    seconds = rule.params[edge] + offset
    response = api.post(LIST, {**control, **output_expiry(rule, seconds)})
    if rule.params["min"] <= seconds <= rule.params["max"]:
        expect_create_accepted(response, rule, f"seconds={seconds}")
    else:
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"seconds={seconds}")


# -- the input file's lines: a control batch without the violation passes validation, the one with it is refused ----
GOOD = request_line("good")


@pytest.mark.rule("batches.input_jsonl")
@pytest.mark.parametrize("bad", [["not json"], ["[1, 2]"], ['"a string"'],
                                 [json.dumps({"custom_id": "b", "method": "POST", "url": EMBEDDINGS})],
                                 [json.dumps({"method": "POST", "url": EMBEDDINGS, "body": BODIES[EMBEDDINGS]})],
                                 None],
                         ids=["not-json", "array", "string", "no-body", "no-custom_id", "no-request"])
def test_a_line_that_is_not_a_request_object_fails_the_batch(api, rule, server_clock, batch_file, bad):
    expect_control_passes(api, server_clock, rule, jsonl([GOOD]), batch_file)
    content = jsonl([GOOD, *bad]) if bad is not None else b"\n"  # no-request: a file of one empty line
    expect_refused(api, server_clock, rule, batch_file(content))


@pytest.mark.rule("batches.custom_id_unique")
def test_a_repeated_custom_id_fails_the_batch(api, rule, server_clock, batch_file):
    expect_control_passes(api, server_clock, rule,
                          jsonl([request_line("first"), request_line("second"), request_line("third")]), batch_file)
    content = jsonl([request_line("first"), request_line("second"), request_line("first")])
    expect_refused(api, server_clock, rule, batch_file(content))


@pytest.mark.rule("batches.request_method_post")
@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_a_method_other_than_post_fails_the_batch(api, rule, server_clock, batch_file, method):
    expect_control_passes(api, server_clock, rule, jsonl([request_line("first"), request_line("second")]), batch_file)
    content = jsonl([request_line("first"), request_line("second", method=method)])
    expect_refused(api, server_clock, rule, batch_file(content))


@pytest.mark.rule("batches.request_url_matches_endpoint")
@pytest.mark.parametrize("url", [CHAT, "/v1/completions", "/v1/embeddings/", "/v1/audio/speech"])
def test_a_url_other_than_the_endpoint_fails_the_batch(api, rule, server_clock, batch_file, url):
    expect_control_passes(api, server_clock, rule, jsonl([request_line("first"), request_line("second")]), batch_file)
    content = jsonl([request_line("first"), request_line("second", url=url)])
    expect_refused(api, server_clock, rule, batch_file(content))


@pytest.mark.rule("batches.max_requests")
@pytest.mark.parametrize("delta", [0, 1], ids=["max", "max+1"])
def test_request_count_edges(api, rule, server_clock, batch_file, delta):
    # chat requests: 50,001 embedding requests would also break the 50,000-input limit of embeddings batches
    maximum = rule.params["max"]
    # control: the same lines, fewer of them (for the edge) or as many as allowed (beyond it)
    expect_control_passes(api, server_clock, rule, chat_requests(2 if delta == 0 else maximum), batch_file,
                          endpoint=CHAT)
    file_id = batch_file(chat_requests(maximum + delta))
    judge = expect_passes_validation if delta == 0 else expect_refused
    judge(api, server_clock, rule, file_id, endpoint=CHAT)


# No drawn counts around 50,000 requests: each example would upload (and each cassette store) another 7 MB, to
# learn nothing the two edges do not show.


@pytest.mark.rule("batches.embedding_inputs_max")
@pytest.mark.parametrize("delta", [0, 1], ids=["max", "max+1"])
def test_embedding_input_edges(api, rule, server_clock, batch_file, delta):
    inputs, per_request = rule.params["max"] + delta, rule.params["per_request"]
    expect_control_passes(api, server_clock, rule, embedding_requests(2 if delta == 0 else rule.params["max"],
                                                                      per_request), batch_file,
                          endpoint=rule.params["endpoint"])
    file_id = batch_file(embedding_requests(inputs, per_request))
    judge = expect_passes_validation if delta == 0 else expect_refused
    judge(api, server_clock, rule, file_id, endpoint=rule.params["endpoint"])


@pytest.fixture
def controls(api, server_clock, batch_file):
    """``expect_control_passes`` once per content and fields in a test: drawn examples share their controls."""
    passed: set[tuple[bytes, str]] = set()

    def check(rule, content: bytes, **fields: Any) -> None:
        key = (content, json.dumps(fields, sort_keys=True))
        if key not in passed:
            expect_control_passes(api, server_clock, rule, content, batch_file, **fields)
            passed.add(key)

    return check


@pytest.mark.rule("batches.embedding_inputs_max")
@settings(max_examples=4)  # each example uploads about 250 kB
@given(inputs=st.integers(min_value=49_900, max_value=50_100))
def test_embedding_inputs_drawn(api, rule, server_clock, batch_file, controls, inputs):
    maximum, per_request, endpoint = rule.params["max"], rule.params["per_request"], rule.params["endpoint"]
    # the control: a few inputs pass validation, and beyond the limit, the most inputs allowed do too
    controls(rule, embedding_requests(2 if inputs <= maximum else maximum, per_request), endpoint=endpoint)
    file_id = batch_file(embedding_requests(inputs, per_request))
    judge = expect_passes_validation if inputs <= maximum else expect_refused
    judge(api, server_clock, rule, file_id, endpoint=endpoint)


# -- responses ---------------------------------------------------------------------------------------------------------
def expect_batch_object(rule, body: Any, action: str) -> None:
    single, _ = rule.params["values"]
    expect(rule.id, isinstance(body, dict) and body.get("object") == single, expected=f"object={single!r} on {action}",
           actual=body.get("object") if isinstance(body, dict) else body)
    expect(rule.id, body.get("status") in rule.params["statuses"],
           expected=f"status one of {rule.params['statuses']} on {action}", actual=body.get("status"))


@pytest.mark.rule("batches.object_type")
def test_object_types(api, rule, make_batch, valid_file):
    created = make_batch(valid_file)
    expect_batch_object(rule, created, "create")
    expect_batch_object(rule, precondition(api.get(f"{LIST}/{created['id']}"), "retrieving the batch"), "retrieve")
    page = precondition(api.get(LIST, params={"limit": 5}), "listing batches")
    expect(rule.id, isinstance(page, dict) and page.get("object") == rule.params["values"][1],
           expected="object='list' on list", actual=page.get("object") if isinstance(page, dict) else page)
    items = page.get("data")
    expect(rule.id, isinstance(items, list), expected="a list's data is a list of batches", actual=items)
    for item in items:
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
COUNTS = ("total", "completed", "failed")


def request_counts(rule_id: str, batch: dict[str, Any]) -> dict[str, int]:
    """``request_counts`` as integers; null, missing or not integers violates the rule that reads them."""
    counts = batch.get("request_counts")
    numbers = {key: counts.get(key) for key in COUNTS} if isinstance(counts, dict) else {}
    expect(rule_id, len(numbers) == len(COUNTS) and all(type(value) is int for value in numbers.values()),
           expected="request_counts with integer total, completed and failed", actual=counts)
    return numbers


def check_batch(batch: dict[str, Any], before: str | None) -> None:
    """The status_lifecycle invariants of one observation of a batch last seen in status ``before``."""
    status = batch.get("status")
    if status not in STATUSES:
        return  # the enum is object_type's business
    expect(LIFECYCLE, before is None or status == before or status in LATER.get(before, ()),
           expected=f"a status that can follow {before!r}", actual=f"{before!r} -> {status!r}")
    missing = [key for key in STAMPED.get(status, ()) if type(batch.get(key)) is not int]
    expect(LIFECYCLE, not missing, expected=f"{', '.join(STAMPED.get(status, ()))} on a {status} batch",
           actual=f"missing or not integers: {missing}")
    stamps = [batch[key] for key in ORDERED_STAMPS if type(batch.get(key)) is int]
    expect(LIFECYCLE, stamps == sorted(stamps), expected=f"{' <= '.join(ORDERED_STAMPS)}", actual=stamps)
    counts = request_counts(LIFECYCLE, batch)
    total, done, failed = (counts[key] for key in COUNTS)
    expect(LIFECYCLE, done + failed <= total, expected="completed + failed <= total", actual=counts)
    results = {key: batch.get(key) for key in ("output_file_id", "error_file_id") if batch.get(key)}
    if status == "completed":
        expect(LIFECYCLE, done + failed == total, expected="completed + failed == total once completed", actual=counts)
        expect(LIFECYCLE, (done == 0 or isinstance(results.get("output_file_id"), str))
               and (failed == 0 or isinstance(results.get("error_file_id"), str)),
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
        self.last: dict[str, Any] = {}  # batch id -> status last seen

    def observe(self, batch: dict[str, Any]) -> None:
        keep_for_cleanup(self.api, batch)
        check_batch(batch, self.last.get(batch["id"]))
        self.last[batch["id"]] = batch.get("status")

    def fetch(self, batch_id: str) -> dict[str, Any]:
        batch = fetch(self.api, LIFECYCLE, batch_id)
        self.observe(batch)
        return batch

    @initialize(target=batches)
    def first(self) -> str:
        """Every run starts with a batch that should complete, so that completion is always within reach."""
        return self.create(True)

    @rule(target=batches, valid=st.booleans())
    def create(self, valid: bool) -> Any:
        # creating is a setup step here: the create request's rules are judged by their own tests
        response = self.api.post(LIST, create_body(self.files[valid]))
        if not valid and 400 <= response.status_code < 500:
            return multiple()  # a server may refuse the doomed file at create: then there is no batch to follow
        created = as_batch(LIFECYCLE, precondition(response, "creating a batch"), "create")
        self.observe(created)
        return created["id"]

    @rule(seconds=st.integers(min_value=1, max_value=4))
    def wait(self, seconds: int) -> None:
        self.clock.advance(seconds)

    @rule(batch_id=batches)
    def cancel(self, batch_id: str) -> None:
        before = self.fetch(batch_id).get("status")
        response = self.api.post(f"{LIST}/{batch_id}/cancel")
        if before in ("completed", "failed"):
            expect_rejected(response, CANCEL, why=f"cancelling a {before} batch")
            after = self.fetch(batch_id).get("status")
            expect(CANCEL, after == before, expected=f"still {before} after a refused cancel", actual=after)
        elif before in UNFINISHED:
            if not response.is_success and self.fetch(batch_id).get("status") in ("completed", "failed", "expired"):
                return  # it finished between the two requests (a real API's clock does not stand still)
            cancelled = as_batch(CANCEL, expect_accepted(response, CANCEL, why=f"cancelling a {before} batch"),
                                 "cancel")
            expect(CANCEL, cancelled.get("status") in ("cancelling", "cancelled"),
                   expected="cancelling (or cancelled)", actual=cancelled.get("status"))
            self.observe(cancelled)

    @invariant()
    def every_batch_keeps_the_rules(self) -> None:
        for batch_id in list(self.last):
            self.fetch(batch_id)


@pytest.mark.rule(LIFECYCLE, CANCEL)
def test_batch_lifecycle(api, server_clock, batch_file):
    files = {True: batch_file(VALID), False: batch_file(DOOMED)}
    # no shrinking: every step is a request and every replay creates batches anew; the failing program is reported
    # as found, which is evidence enough
    run_state_machine_as_test(lambda: BatchLifecycle(api, server_clock, files),
                              settings=settings(max_examples=min(settings().max_examples, 8), stateful_step_count=10,
                                                phases=[Phase.explicit, Phase.reuse, Phase.generate]))


@pytest.mark.rule(LIFECYCLE)
def test_a_valid_batch_completes_with_an_output_file(api, rule, server_clock, batch_file, make_batch):
    lines = 3
    created = make_batch(batch_file(jsonl(request_line(str(index)) for index in range(lines))))
    done, seen = poll(api, server_clock, rule.id, created["id"], lambda status: status in STATUSES and
                      status not in UNFINISHED + ("cancelling",))
    if done.get("status") != "completed":  # the statement says what a completed batch shows, not that it completes
        raise Inconclusive(f"the valid batch {created['id']} ended {done.get('status')!r}, not completed "
                           f"(seen: {['validating', *seen]}, errors: {done.get('errors')!r})")
    check_batch(done, None)
    counts = request_counts(rule.id, done)
    expect(rule.id, counts["total"] == lines, expected=f"request_counts.total = {lines} request lines", actual=counts)
    output = precondition(api.get(f"/files/{done['output_file_id']}"), "retrieving the batch's output file")
    expect(rule.id, isinstance(output, dict) and output.get("purpose") == rule.params["output_purpose"],
           expected=f"output_file_id naming a file with purpose {rule.params['output_purpose']!r}", actual=output)


@pytest.mark.rule(CANCEL)
def test_cancel_moves_a_batch_to_cancelling_then_cancelled(api, rule, server_clock, valid_file, make_batch):
    created = make_batch(valid_file)
    response = api.post(f"{LIST}/{created['id']}/cancel")
    if not response.is_success:
        now = fetch(api, rule.id, created["id"]).get("status")
        if now in ("completed", "failed", "expired"):
            raise Inconclusive(f"batch {created['id']} was already {now} when cancelled: nothing left to cancel")
    answer = as_batch(rule.id, expect_accepted(response, rule.id, why="cancelling a new batch"), "cancel")
    expect(rule.id, answer.get("status") in rule.params["statuses"], expected="cancelling", actual=answer.get("status"))
    done, seen = poll(api, server_clock, rule.id, created["id"],
                      lambda status: status in ("cancelled", "completed", "failed", "expired"))
    expect(rule.id, done.get("status") == "cancelled", expected="cancelling -> cancelled", actual=seen)


@pytest.mark.rule(CANCEL)
@pytest.mark.parametrize("outcome", ["failed", "completed"])
def test_a_finished_batch_cannot_be_cancelled(api, rule, server_clock, batch_file, make_batch, outcome):
    created = make_batch(batch_file(DOOMED if outcome == "failed" else VALID))
    done, _ = poll(api, server_clock, rule.id, created["id"],
                   lambda status: status in ("completed", "failed", "expired", "cancelled"))
    if done.get("status") != outcome:
        raise Inconclusive(f"the batch meant to be {outcome} ended {done.get('status')!r}")
    expect_rejected(api.post(f"{LIST}/{created['id']}/cancel"), rule.id, why=f"cancelling a {outcome} batch")
    after = fetch(api, rule.id, created["id"])
    expect(rule.id, after.get("status") == outcome, expected=f"still {outcome}", actual=after.get("status"))
