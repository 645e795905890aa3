"""The official spec's operations for vector stores, files, uploads, batches and the model endpoints (chat,
Responses, completions, embeddings, moderations, models, image generation, speech), fuzzed with schemathesis.

``openapi.response_schemas`` sends valid requests (schemathesis' positive cases) and holds each response of a
documented status to its schema; ``openapi.negative_data_rejection`` sends requests that break the request schema
and expects a 4xx. Both run once per endpoint their catalog rule lists, with the objects in the path created first
so that the API answers more than 404. A model-backed operation's cases carry its cheapest valid request
(``MODEL_REQUESTS``), and run only with that request's tier. An endpoint the reference server does not serve yet is
skipped, and so is the whole module when the spec is absent. The spec is loaded once, when the first of these tests
runs. Multipart operations (image edits and variations, transcriptions, translations) are not fuzzed: schemathesis
cannot draw a valid image or audio file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from openai_rulebook.catalog import Catalog, Rule
from openai_rulebook.checks import read
from openai_rulebook.client import ApiClient
from openai_rulebook.endpoints import Endpoint
from openai_rulebook.errors import Inconclusive
from openai_rulebook.plugin.openapi_fuzz import (
    CaseRunner,
    OpenApiSuite,
    check_functions,
    members_left_to_other_rules,
    served_endpoints,
)
from openai_rulebook.plugin.plugin import _spec_path
from openai_rulebook.plugin.targets import Target

RESPONSES = "openapi.response_schemas"
NEGATIVE = "openapi.negative_data_rejection"
NAME = "rulebook-openapi"
#: a one-line batch input file, for creating a batch to address
BATCH_LINE = (b'{"custom_id": "rulebook-1", "method": "POST", "url": "/v1/embeddings", '
              b'"body": {"model": "text-embedding-3-small", "input": "rulebook"}}\n')
UPLOAD_PART = b"rulebook\n"
#: what a case runner gets to make requests valid: ids for the path, body members to set, body members to drop
Known = tuple[dict[str, str], dict[str, Any], frozenset[str]]
SHORT_MESSAGES = [{"role": "user", "content": "Say ok"}]
#: model-backed operations: the model role, the members that keep every valid request cheap on a live target (the
#: shortest input, the smallest reply, one choice, no stream: an SSE body is no JSON to hold to a schema, the stream
#: rules judge it), and members a valid request never sends (they cost more: web search, or a second bound on the
#: reply). Positive cases always carry these; a negative case carries them only where it sends the member and does
#: not break it, so what it breaks decides its verdict.
MODEL_REQUESTS: dict[str, tuple[str, dict[str, Any], frozenset[str]]] = {
    "POST /v1/chat/completions": ("chat", {"messages": SHORT_MESSAGES, "max_completion_tokens": 16, "n": 1,
                                           "stream": False}, frozenset({"max_tokens", "web_search_options"})),
    "POST /v1/responses": ("responses", {"input": "Say ok", "max_output_tokens": 16, "stream": False, "tools": []},
                           frozenset({"max_tool_calls"})),
    "POST /v1/completions": ("completions", {"prompt": "Say ok", "max_tokens": 16, "n": 1, "best_of": 1,
                                             "stream": False}, frozenset()),
    "POST /v1/embeddings": ("embeddings", {"input": "ok"}, frozenset()),
    "POST /v1/moderations": ("moderation", {"input": "ok"}, frozenset()),
    "POST /v1/images/generations": ("image", {"prompt": "a dot", "n": 1, "size": "256x256", "stream": False},
                                    frozenset({"partial_images"})),
    "POST /v1/audio/speech": ("speech", {"input": "ok", "voice": "alloy", "stream_format": "audio"}, frozenset()),
}


@pytest.fixture(scope="session")
def openapi_suite(request: pytest.FixtureRequest, rulebook_catalog: Catalog) -> OpenApiSuite:
    """The spec as schemathesis reads it (loaded on first use, once per session); skips when there is no spec."""
    path = _spec_path(request.config)
    if path is None or not path.is_file():
        pytest.skip(f"no OpenAPI spec at {path or '(none configured)'}: pass --spec PATH, set RULEBOOK_SPEC, "
                    f"or set rulebook_spec in the ini file to fuzz the official spec's operations")
    rule = rulebook_catalog[RESPONSES]
    return OpenApiSuite(path, relaxed_members=tuple(map(str, rule.params.get("relaxed_members") or ())),
                        relaxed_for=tuple(rule.endpoints),
                        shallow=tuple(map(str, rulebook_catalog[NEGATIVE].params.get("shallow_members") or ())))


@pytest.fixture(scope="session")
def served(rulebook_target: Target) -> frozenset[str] | None:
    """The endpoints the target serves, when known (the reference server's routes)."""
    return served_endpoints(rulebook_target)


@pytest.fixture
def fuzzed_endpoint(endpoint: Endpoint, served: frozenset[str] | None, openapi_suite: OpenApiSuite) -> Endpoint:
    """The endpoint, once it is known to be served and to be an operation of the spec (the plugin has skipped it
    already when the tier of its valid requests, its area's endpoints_exist rule's, is not enabled)."""
    if served is not None and str(endpoint) not in served:
        pytest.skip(f"{endpoint}: the reference server does not serve it yet")
    openapi_suite.operation(endpoint)
    return endpoint


def _created(response: Any, what: str) -> dict[str, Any]:
    if not response.is_success:
        raise Inconclusive(f"could not create {what} to test with: {response.status_code} {response.text[:200]}")
    return read(response.json(), None)


@pytest.fixture
def known(fuzzed_endpoint: Endpoint, api: ApiClient, rulebook_target: Target, model: Callable[..., str],
          make_vector_store: Callable[..., dict[str, Any]],
          make_file: Callable[..., dict[str, Any]]) -> Known:
    """Real objects for the path's ids, and body members that make a request valid (real ids, ``rulebook-`` names),
    so that requests get past a 404 and a create can succeed; the client deletes what was made afterwards.

    An object is made only when the run's tiers allow what it costs (files and their embeddings are cheap, a batch is
    paid); otherwise schemathesis' own ids go out, and the API answers 404.
    """
    endpoint, placeholders = str(fuzzed_endpoint), fuzzed_endpoint.placeholders
    cheap, paid = "cheap" in rulebook_target.tiers, "paid" in rulebook_target.tiers
    path: dict[str, str] = {}
    body: dict[str, Any] = {}

    def new_file() -> str:
        return make_file(filename=f"{NAME}.txt")["id"]

    if "vector_store_id" in placeholders:
        path["vector_store_id"] = make_vector_store(name=NAME)["id"]
    store = path.get("vector_store_id")
    if "file_id" in placeholders and cheap:
        path["file_id"] = new_file()
        if store:
            _created(api.post(f"/vector_stores/{store}/files", {"file_id": path["file_id"]}), "a vector store file")
    if "upload_id" in placeholders:
        upload = _created(api.post("/uploads", {"bytes": len(UPLOAD_PART), "filename": f"{NAME}.txt",
                                                "purpose": "assistants", "mime_type": "text/plain"}), "an upload")
        path["upload_id"] = upload["id"]
        if endpoint.endswith("/complete"):
            part = _created(api.post(f"/uploads/{upload['id']}/parts", None,
                                     files={"data": ("part", UPLOAD_PART, "application/octet-stream")}), "a part")
            body["part_ids"] = [part["id"]]
    if "batch_id" in placeholders and store and cheap:
        path["batch_id"] = _created(api.post(f"/vector_stores/{store}/file_batches", {"file_ids": [new_file()]}),
                                    "a file batch")["id"]
    elif "batch_id" in placeholders and not store and paid:
        path["batch_id"] = _created(api.post("/batches", {"input_file_id": _batch_input(make_file),
                                                          "endpoint": "/v1/embeddings", "completion_window": "24h"}),
                                    "a batch")["id"]
    if endpoint in ("POST /v1/vector_stores", "POST /v1/vector_stores/{vector_store_id}"):
        body["name"] = NAME
    elif endpoint == "POST /v1/vector_stores/{vector_store_id}/files" and cheap:
        body["file_id"] = new_file()
    elif endpoint == "POST /v1/vector_stores/{vector_store_id}/file_batches" and cheap:
        body["file_ids"] = [new_file()]
    elif endpoint == "POST /v1/files":
        body["purpose"] = "user_data"  # any file type: what each purpose takes is the files.* rules' business
    elif endpoint == "POST /v1/uploads":
        body.update(filename=f"{NAME}.txt", purpose="assistants", mime_type="text/plain")
    elif endpoint == "POST /v1/batches" and paid:
        body["input_file_id"] = _batch_input(make_file)
        # the input file's endpoint, one the rulebook guarantees: which others a server takes is disputed
        # (batches.endpoint_values), and a refused create shows no Batch to check
        body["endpoint"] = "/v1/embeddings"
    elif endpoint in MODEL_REQUESTS:
        role, cheapest, dropped = MODEL_REQUESTS[endpoint]
        body.update(model=model(role), **cheapest)
        return path | _model_objects(api, placeholders, cheap, model), body, dropped
    return path | _model_objects(api, placeholders, cheap, model), body, frozenset()


def _model_objects(api: ApiClient, placeholders: tuple[str, ...] | frozenset[str], cheap: bool,
                   model: Callable[..., str]) -> dict[str, str]:
    """A stored chat completion or response for the path (each costs a short reply: only with the cheap tier), and
    the chat model for a model's path."""
    path: dict[str, str] = {}
    if "completion_id" in placeholders and cheap:
        path["completion_id"] = _created(api.post("/chat/completions", {
            "model": model("chat"), "messages": SHORT_MESSAGES, "max_completion_tokens": 16, "store": True}),
            "a stored chat completion")["id"]
    if "response_id" in placeholders and cheap:
        # a background one, so that cancel can be asked of it (only background responses can be cancelled)
        path["response_id"] = _created(api.post("/responses", {
            "model": model("responses"), "input": "Say ok", "max_output_tokens": 16, "background": True,
            "store": True}), "a response")["id"]
    if "model" in placeholders:
        path["model"] = model("chat")
    return path


def _batch_input(make_file: Callable[..., dict[str, Any]]) -> str:
    """A one-request batch input file (purpose ``batch``)."""
    return make_file(BATCH_LINE, purpose="batch", filename=f"{NAME}.jsonl", mime_type="application/jsonl")["id"]


@pytest.mark.rule(RESPONSES)
def test_response_schemas(api: ApiClient, rule: Rule, fuzzed_endpoint: Endpoint, openapi_suite: OpenApiSuite,
                          known: Known) -> None:
    """Valid requests; every response of a documented status matches the spec's schema for it."""
    runner = CaseRunner(api, rule.id, check_functions(map(str, rule.params["checks"])), *known)
    openapi_suite.run(fuzzed_endpoint, "positive", runner)
    if not runner.documented:
        pytest.skip(f"{fuzzed_endpoint}: {runner.sent} requests, none answered with a status the spec documents")


@pytest.mark.rule(NEGATIVE)
def test_negative_data_rejection(api: ApiClient, rule: Rule, rulebook_catalog: Catalog, fuzzed_endpoint: Endpoint,
                                 openapi_suite: OpenApiSuite, known: Known) -> None:
    """Requests that break the request schema are rejected with a 4xx (members other rules judge are theirs)."""
    left = members_left_to_other_rules(rulebook_catalog, rule, str(fuzzed_endpoint))
    runner = CaseRunner(api, rule.id, check_functions(map(str, rule.params["checks"])), *known, left,
                        null_as_absent=str(fuzzed_endpoint) in (rule.params.get("null_as_absent") or ()))
    openapi_suite.run(fuzzed_endpoint, "negative", runner)
    if not runner.sent:
        pytest.skip(f"{fuzzed_endpoint}: every negative case breaks a member other rules judge "
                    f"({', '.join(sorted(left))})")
