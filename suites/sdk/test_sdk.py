"""The SDK suite: the catalog's rules exercised through the official ``openai`` Python SDK, for what the SDK adds
on top of the wire (``output_text``, request ids, credentials from the environment, auto-pagination, error classes,
retries, upload helpers). Run alone with ``pytest suites/sdk``; ``rulebook sdk-matrix`` runs it per SDK version.

Each client is made by the ``sdk`` fixture for the run's target (reference server, URL, live, or cassettes), with
``max_retries=0`` except where retries are the rule. Answers the target cannot be made to give (a 429, a 409) are
scripted: the SDK gets them from ``Answer``s before the target is asked, and the rule is then about the SDK alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qs

import pytest

openai = pytest.importorskip("openai", reason="the SDK suite needs the 'sdk' extra: pip install -e '.[sdk]'")

from openai_rulebook.catalog import Rule  # noqa: E402
from openai_rulebook.checks import expect, read  # noqa: E402
from openai_rulebook.errors import Inconclusive, RuleViolation  # noqa: E402
from openai_rulebook.plugin.targets import Target  # noqa: E402
from openai_rulebook.sdk.client import Answer, SdkClients, header  # noqa: E402

NAME = "rulebook-sdk"
T = TypeVar("T")
#: auto-pagination on a live account: give up (inconclusive) after this many objects without meeting ours
MAX_ITERATED = 500


def step(call: Callable[[], T], what: str) -> T:
    """A step the test needs, not the rule it checks: an SDK error ends the test inconclusive."""
    try:
        return call()
    except openai.APIStatusError as exc:
        raise Inconclusive(f"precondition failed: could not {what}: {exc.status_code} {str(exc)[:200]}") from exc


def violation(rule: Rule, what: str, exc: Any) -> RuleViolation:
    """An SDK error where the rule wants the request accepted."""
    return RuleViolation(rule.id, expected=what, actual=f"{type(exc).__name__}: {str(exc)[:300]}")


def refused(rule: Rule, what: str, exc: Any, *, statuses: tuple[int, ...] = ()) -> Exception:
    """A refusal of a request the SDK built: the rule's violation for ``statuses`` (a 401: the credential the rule
    is about did not arrive), else inconclusive - whether the endpoint may refuse it is its own rules' business."""
    if exc.status_code in statuses:
        return violation(rule, what, exc)
    return Inconclusive(f"precondition failed: {what}: the target refused it ({exc.status_code} "
                        f"{str(exc)[:200]}); the endpoint's own rules judge its refusals")


def body_of(response: Any) -> Any:
    try:
        return read(json.loads(response.text), None)
    except ValueError as exc:
        raise Inconclusive(f"precondition failed: the answer is not JSON: {response.text[:200]!r}") from exc


# -- R02.2: output_text ------------------------------------------------------------------------------------------------
@pytest.mark.rule("sdk.output_text")
def test_output_text_joins_the_message_text(sdk: SdkClients, rule: Rule, model: Callable[..., str]) -> None:
    client = sdk.make()
    response = step(lambda: client.responses.create(model=model(), input="Say hello.", max_output_tokens=16),
                    "create a response")
    raw = body_of(sdk.exchanges[-1][1])
    output = raw.get("output")
    if not isinstance(output, list) or not all(
            isinstance(item, dict) and (item.get("type") != "message" or (
                isinstance(item.get("content"), list) and all(isinstance(part, dict) for part in item["content"])))
            for item in output):
        # output_text is judged on a well-formed answer: a malformed one is the API's finding (its shape rules'),
        # not the SDK's
        raise Inconclusive(f"precondition failed: the answer's output is not a list of items: {output!r}"[:300])
    expected = "".join(
        str(part.get("text") or "") for item in (raw.get("output") or []) if item.get("type") == "message"
        for part in (item.get("content") or []) if part.get("type") == "output_text")
    actual = getattr(response, "output_text", None)
    expect(rule.id, actual == expected,
           expected=f"output_text == {expected!r} (the output_text parts of the message items, joined)", actual=actual)


#: a Responses answer with every kind of output item output_text must skip or join (the shape of real ones)
SCRIPTED_RESPONSE: dict[str, Any] = {
    "id": "resp_rulebook", "object": "response", "created_at": 1735689600, "status": "completed",
    "model": "gpt-4o-mini", "error": None, "incomplete_details": None, "instructions": None,
    "max_output_tokens": 16, "parallel_tool_calls": True, "temperature": 1.0, "top_p": 1.0, "tool_choice": "auto",
    "tools": [], "metadata": {}, "text": {"format": {"type": "text"}}, "truncation": "disabled", "usage": None,
    "output": [
        {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "NOT-THIS"}]},
        {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed", "content": [
            {"type": "output_text", "text": "Hello", "annotations": []},
            {"type": "refusal", "refusal": "NOT-THIS"},
            {"type": "output_text", "text": ", world", "annotations": []}]},
        {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "f", "arguments": "{}",
         "status": "completed"},
        {"type": "message", "id": "msg_2", "role": "assistant", "status": "completed", "content": [
            {"type": "output_text", "text": "!", "annotations": []}]},
    ],
}


@pytest.mark.rule("sdk.output_text_parts")
def test_output_text_of_a_scripted_answer(sdk: SdkClients, rule: Rule, model: Callable[..., str]) -> None:
    client = sdk.make(answers=[Answer(200, {**SCRIPTED_RESPONSE, "model": model("responses")})])
    response = client.responses.create(model=model("responses"), input="Say hello.", max_output_tokens=16)
    actual = getattr(response, "output_text", None)
    expect(rule.id, actual == "Hello, world!",
           expected="output_text 'Hello, world!' (the output_text parts of the message items, joined)", actual=actual)


# -- R02.1: request ids ------------------------------------------------------------------------------------------------
@pytest.mark.rule("sdk.request_id")
def test_request_id_on_every_object(sdk: SdkClients, rule: Rule) -> None:
    client = sdk.make()
    store = step(lambda: client.vector_stores.create(name=NAME), "create a vector store")
    objects = [store]
    for call in (lambda: client.vector_stores.retrieve(store.id), lambda: client.vector_stores.list(limit=1)):
        try:
            objects.append(call())
        except openai.APIStatusError as exc:
            raise Inconclusive(f"precondition failed: {exc.status_code} {str(exc)[:200]}") from exc
    answers = [response for _, response in sdk.exchanges[-3:]]
    for obj, response in zip(objects, answers):
        sent = header(response, rule.params["header"])
        what = f"{response.request.method} {response.request.url.path}"
        if not sent:  # the header is the API's to send (client.request_id_recorded judges that), the SDK's to expose
            raise Inconclusive(f"precondition failed: {what} answered with no x-request-id header")
        expect(rule.id, getattr(obj, "_request_id", None) == sent,
               expected=f"the SDK's {type(obj).__name__}._request_id == the x-request-id of {what} ({sent!r})",
               actual=getattr(obj, "_request_id", "no _request_id attribute"))


@pytest.mark.rule("sdk.request_id")
def test_request_id_on_errors(sdk: SdkClients, rule: Rule) -> None:
    client = sdk.make()
    try:
        client.vector_stores.retrieve("vs_rulebook_no_such_store")
    except openai.APIStatusError as exc:
        sent = header(exc.response, rule.params["header"])
        if not sent:  # the header is the API's to send (client.request_id_recorded judges that), the SDK's to expose
            raise Inconclusive("precondition failed: the error answer carries no x-request-id header")
        expect(rule.id, getattr(exc, "request_id", None) == sent,
               expected=f"{type(exc).__name__}.request_id == the answer's x-request-id ({sent!r})",
               actual=getattr(exc, "request_id", "no request_id attribute"))
    else:
        raise Inconclusive("precondition failed: the target answered 2xx for a vector store id that names nothing")


# -- R01.1.4, R01.4.*: credentials from the environment ---------------------------------------------------------------
@pytest.mark.rule("sdk.env_api_key")
def test_key_from_the_environment(sdk: SdkClients, rule: Rule, monkeypatch: pytest.MonkeyPatch) -> None:
    key = sdk.api.api_key
    if not key:
        raise Inconclusive("precondition failed: the target has no key to put in the environment")
    monkeypatch.setenv(str(rule.params["env"]), key)
    client = sdk.make(api_key=None)
    try:
        client.files.list(limit=1)
    except openai.APIStatusError as exc:
        raise refused(rule, "the request with the key from OPENAI_API_KEY accepted", exc, statuses=(401,)) from exc
    sent = header(sdk.exchanges[-1][0], str(rule.params["header"]))
    # never the key itself in a message: only whether it was the one in the environment
    expect(rule.id, sent == f"Bearer {key}", expected="Authorization: Bearer <the key in OPENAI_API_KEY>",
           actual="no Authorization header" if sent is None else "an Authorization header with another value")
    monkeypatch.delenv(str(rule.params["env"]))
    try:
        sdk.make(api_key=None)
    except openai.OpenAIError:
        return
    raise RuleViolation(rule.id, expected="OpenAIError when no key is given and OPENAI_API_KEY is unset",
                        actual="a client was made without any key")


def _env_header_sent(sdk: SdkClients, rule: Rule, target: Target, monkeypatch: pytest.MonkeyPatch,
                     recorded_nothing: bool, placeholder: str) -> None:
    name, env = str(rule.params["header"]), str(rule.params["env"])
    value = {k.lower(): v for k, v in sdk.api.headers.items()}.get(name.lower())
    unknown = (f"precondition failed: {env} is not set, and only the key's own value can be sent to this target "
               f"(another is refused); set {env} to check {name}")
    if value is None and (target.source in ("url", "live") or recorded_nothing):
        raise Inconclusive(unknown)
    value = value or placeholder  # the reference server (or a replay, which matches no header) takes any value
    monkeypatch.setenv(env, value)
    client = sdk.make(organization=None, project=None)
    try:
        client.files.list(limit=1)
    except openai.APIStatusError as exc:
        raise refused(rule, f"the request with {name} from {env} accepted", exc, statuses=(401, 403)) from exc
    sent = header(sdk.exchanges[-1][0], name)
    expect(rule.id, sent == value, expected=f"{name}: <the value of {env}>",
           actual=f"no {name} header" if sent is None else f"a {name} header with another value")


@pytest.mark.rule("sdk.env_organization")
def test_organization_from_the_environment(sdk: SdkClients, rule: Rule, rulebook_target: Target,
                                           monkeypatch: pytest.MonkeyPatch, replay_recorded_nothing: bool) -> None:
    _env_header_sent(sdk, rule, rulebook_target, monkeypatch, replay_recorded_nothing, "org-rulebook")


@pytest.mark.rule("sdk.env_project")
def test_project_from_the_environment(sdk: SdkClients, rule: Rule, rulebook_target: Target,
                                      monkeypatch: pytest.MonkeyPatch, replay_recorded_nothing: bool) -> None:
    _env_header_sent(sdk, rule, rulebook_target, monkeypatch, replay_recorded_nothing, "proj_rulebook")


# -- auto-pagination ---------------------------------------------------------------------------------------------------
@pytest.mark.rule("sdk.auto_pagination")
@pytest.mark.parametrize("kind", ["vector_stores", "files"])
def test_iteration_visits_every_object_once(sdk: SdkClients, rule: Rule, kind: str) -> None:
    client = sdk.make()
    count, limit = int(rule.params["objects"]), int(rule.params["limit"])
    ours: list[str] = []
    for number in range(count):
        if kind == "vector_stores":
            made = step(lambda: client.vector_stores.create(name=f"{NAME}-page-{number}"), "create a vector store")
        else:
            made = step(lambda: client.files.create(file=(f"{NAME}-page-{number}.txt", b"rulebook page\n",
                                                          "text/plain"), purpose="assistants"), "upload a file")
        ours.append(made.id)
    first = len(sdk.exchanges)
    pages = (client.vector_stores.list(limit=limit) if kind == "vector_stores"
             else client.files.list(limit=limit, purpose="assistants"))
    seen: list[str] = []
    try:
        for item in pages:
            seen.append(item.id)
            if set(ours) <= set(seen) or len(seen) >= MAX_ITERATED:
                break
    except openai.APIStatusError as exc:
        raise refused(rule, "every page after the first fetched", exc) from exc
    lists = [response for request, response in sdk.exchanges[first:] if request.method == "GET"]
    pages_data = [body_of(response).get("data") or [] for response in lists]
    served = [item.get("id") for data in pages_data for item in data]
    # what the SDK yields is exactly what the pages hold, in order (whether the pages themselves are right - no
    # repeats, has_more, the limit - is the list's cursor-pagination rule's business, judged by its own tests)
    expect(rule.id, seen == served[:len(seen)],
           expected=f"the ids of the {len(lists)} page(s) fetched, in order: {served[:len(seen)]}",
           actual=f"yielded {seen}")
    for before, response in zip(pages_data, lists[1:]):
        last = before[-1].get("id") if before else None
        query = response.request.url.query
        after = parse_qs(query.decode() if isinstance(query, bytes) else str(query)).get("after", [None])[0]
        expect(rule.id, after == last, expected=f"the next page asked with after={last!r} (the page's last id)",
               actual=f"after={after!r}")
    if not set(ours) <= set(seen):
        if len(seen) >= MAX_ITERATED:
            raise Inconclusive(f"precondition failed: {MAX_ITERATED} objects iterated without meeting all of ours")
        last_page = body_of(lists[-1])
        expect(rule.id, last_page.get("has_more") is not True,
               expected="the iteration goes on while the last page says has_more: true",
               actual=f"it stopped after {len(lists)} page(s), the last with has_more: true")
        raise Inconclusive(f"precondition failed: the pages ended without {sorted(set(ours) - set(seen))} "
                           "(the list's own rules judge what its pages hold)")
    if len(lists) < 2:
        raise Inconclusive(f"precondition failed: one page held all {count} objects at limit={limit}; "
                           "nothing to paginate (the list's limit rule judges the page size)")


# -- error classes -----------------------------------------------------------------------------------------------------
def _error_class(rule: Rule, status: int) -> Any:
    classes = dict(zip(rule.params["statuses"], rule.params["classes"]))  # type: ignore[arg-type]
    name = classes.get(status) or ("InternalServerError" if status >= 500 else "APIStatusError")
    return getattr(openai, str(name))


def _check_error(rule: Rule, exc: Any, status: int, envelope: Any) -> None:
    """The class and status of ``exc``; its ``body`` too when the answer had an error envelope (``envelope``)."""
    wanted = _error_class(rule, status)
    expect(rule.id, type(exc) is wanted and isinstance(exc, openai.APIStatusError),
           expected=f"{wanted.__name__} for a {status} answer", actual=f"{type(exc).__name__}")
    expect(rule.id, exc.status_code == status, expected=f"status_code {status}", actual=exc.status_code)
    if envelope is not None:
        expect(rule.id, exc.body == envelope, expected=f"body == the answer's error object {envelope!r}",
               actual=exc.body)


@pytest.mark.rule("sdk.error_classes")
def test_error_class_of_the_targets_refusals(sdk: SdkClients, rule: Rule) -> None:
    client = sdk.make()
    judged = 0
    for call in (lambda: client.vector_stores.retrieve("vs_rulebook_no_such_store"),
                 lambda: client.vector_stores.list(limit=0)):
        try:
            call()
        except openai.APIStatusError as exc:
            try:
                envelope = json.loads(exc.response.text).get("error")
            except (ValueError, AttributeError):
                envelope = None
            # no error envelope: errors.envelope's business; the class still follows the status
            _check_error(rule, exc, exc.response.status_code, dict(envelope) if isinstance(envelope, dict) else None)
            judged += 1
    if not judged:
        raise Inconclusive("precondition failed: the target refused neither an unknown id nor limit=0")


@pytest.mark.rule("sdk.error_classes")
def test_error_class_per_status(sdk: SdkClients, rule: Rule) -> None:
    """Every status of the table, scripted (a real target cannot be made to answer 409 or 500 on purpose)."""
    for status in rule.params["statuses"]:  # type: ignore[union-attr]
        answer = Answer.error(int(status), code="rulebook_scripted")
        client = sdk.make(answers=[answer])
        try:
            client.vector_stores.list(limit=1)
        except openai.APIStatusError as exc:
            _check_error(rule, exc, int(status), dict(answer.body["error"]))  # type: ignore[index]
        else:
            raise RuleViolation(rule.id, expected=f"an exception for a {status} answer", actual="a return value")


# -- retries -----------------------------------------------------------------------------------------------------------
@pytest.mark.rule("sdk.retries")
def test_retries_then_returns_the_success(sdk: SdkClients, rule: Rule) -> None:
    default = int(rule.params["default_max_retries"])
    for status in rule.params["statuses"]:  # type: ignore[union-attr]
        before = len(sdk.exchanges)
        client = sdk.make(max_retries=None, answers=[Answer.error(int(status), headers={"retry-after-ms": "1"})])
        expect(rule.id, client.max_retries == default, expected=f"max_retries {default} by default",
               actual=client.max_retries)
        try:
            client.files.list(limit=1)
        except openai.APIStatusError as exc:
            if exc.status_code == status:
                raise violation(rule, f"a retry after the {status} answer", exc) from exc
            raise Inconclusive(f"precondition failed: the target refused GET /v1/files: {exc}") from exc
        statuses = [response.status_code for _, response in sdk.exchanges[before:]]
        expect(rule.id, statuses[:1] == [status] and len(statuses) == 2,
               expected=f"one retry after {status}, then the success", actual=f"answers {statuses}")


@pytest.mark.rule("sdk.retries")
def test_no_retry_with_max_retries_zero_and_gives_up_after_the_default(sdk: SdkClients, rule: Rule) -> None:
    default = int(rule.params["default_max_retries"])
    too_many = Answer.error(429, headers={"retry-after-ms": "1"})
    for retries, expected in ((0, 1), (None, default + 1)):
        before = len(sdk.exchanges)
        client = sdk.make(max_retries=retries, answers=[too_many] * (default + 1))
        try:
            client.files.list(limit=1)
        except openai.RateLimitError:
            pass
        except openai.APIStatusError as exc:
            raise violation(rule, "RateLimitError once the retries are spent", exc) from exc
        else:
            raise RuleViolation(rule.id, expected=f"RateLimitError after {expected} answers of 429",
                                actual="a return value")
        sent = len(sdk.exchanges) - before
        expect(rule.id, sent == expected,
               expected=f"{expected} request(s) with max_retries={retries if retries is not None else 'default'}",
               actual=f"{sent} request(s)")


# -- upload helpers ----------------------------------------------------------------------------------------------------
@pytest.mark.rule("sdk.file_upload")
def test_files_create(sdk: SdkClients, rule: Rule) -> None:
    client = sdk.make()
    content, filename = b"rulebook sdk upload\n", f"{NAME}.txt"
    try:
        made = client.files.create(file=(filename, content, "text/plain"), purpose="assistants")
    except openai.APIStatusError as exc:
        raise refused(rule, "files.create", exc) from exc
    request, response = sdk.exchanges[-1]
    sent = request.content
    for part, what in ((content, "the file's bytes"), (f'filename="{filename}"'.encode(), "its name"),
                       (b'name="purpose"', "the purpose field"), (b"assistants", "its value")):
        expect(rule.id, part in sent, expected=f"the multipart body carries {what}", actual=sent[:300])
    raw = body_of(response)
    # what the SDK returns is what the target answered (what the target should answer is the files rules' business)
    for name in ("id", "filename", "bytes", "purpose"):
        expect(rule.id, getattr(made, name, None) == raw.get(name),
               expected=f"FileObject.{name} == the answer's {raw.get(name)!r}", actual=getattr(made, name, None))


@pytest.mark.rule("sdk.file_upload")
def test_upload_file_chunked(sdk: SdkClients, rule: Rule) -> None:
    client = sdk.make()
    helper = getattr(client.uploads, "upload_file_chunked", None)
    if helper is None:
        raise RuleViolation(rule.id, expected="uploads.upload_file_chunked", actual="this SDK has no such helper")
    content, part_size = b"rulebook sdk chunked upload, part by part\n" * 3, 50
    try:
        upload = helper(file=content, mime_type="text/plain", purpose="assistants", filename=f"{NAME}-chunked.txt",
                        bytes=len(content), part_size=part_size)
    except openai.APIStatusError as exc:
        raise refused(rule, "a request of upload_file_chunked", exc) from exc
    creates = [request for request, _ in sdk.exchanges if request.url.path.endswith("/uploads")]
    parts = [(request, response) for request, response in sdk.exchanges
             if request.method == "POST" and request.url.path.endswith("/parts")]
    completes = [(request, response) for request, response in sdk.exchanges if request.url.path.endswith("/complete")]
    expect(rule.id, len(creates) == 1 and len(completes) == 1, expected="one create and one complete request",
           actual=f"{len(creates)} create(s), {len(completes)} complete(s)")
    created = json.loads(creates[0].content or b"{}")
    expect(rule.id, created.get("bytes") == len(content) and created.get("purpose") == "assistants",
           expected=f"the upload created with bytes={len(content)} and purpose 'assistants'", actual=created)
    chunks = [content[start:start + part_size] for start in range(0, len(content), part_size)]
    expect(rule.id, len(parts) == len(chunks), expected=f"{len(chunks)} parts of at most {part_size} bytes",
           actual=f"{len(parts)} parts")
    for number, ((request, _), chunk) in enumerate(zip(parts, chunks), start=1):
        expect(rule.id, chunk in request.content, expected=f"part {number} carries bytes {chunk!r}",
               actual=request.content[:300])
    part_ids = [body_of(response).get("id") for _, response in parts]
    sent_ids = json.loads(completes[0][0].content or b"{}").get("part_ids")
    expect(rule.id, sent_ids == part_ids, expected=f"complete with part_ids {part_ids} (the parts, in order)",
           actual=sent_ids)
    raw = body_of(completes[0][1])
    for name in ("id", "status"):
        expect(rule.id, getattr(upload, name, None) == raw.get(name),
               expected=f"Upload.{name} == the complete answer's {raw.get(name)!r}", actual=getattr(upload, name, None))
