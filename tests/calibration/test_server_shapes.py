"""The reference server's responses have real traffic's shapes, operation by operation.

For every operation both the corpus and the reference server answer, with the same status: the same ``object``
values, the same members (real members ours lacks; ours that real never sends), and the same nullability (ours
null where real never is; real always null where ours is not). List pages are compared item by item too.
The reference server is driven in-process through one scenario that reaches each operation.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

from openai_rulebook.sample_images import image
from openai_rulebook.server import create_app
from openai_rulebook.spec import ResponseValidator
from openai_rulebook.traffic import Corpus

from .conftest import FAMILIES

AUTH = {"Authorization": "Bearer sk-rulebook-test"}
_EPOCH = datetime.min.replace(tzinfo=timezone.utc)

#: differences the reference server keeps on purpose, with the reason
_NEWER_MEMBERS = ("the corpus's few retrieve and cancel recordings predate members the API added later (billing, "
                  "completed_at, moderation, tool_usage, ...): its newest creates (2026-08) carry every one, and a "
                  "response is one object whichever endpoint answers it")
ALLOWED: dict[tuple[str, int, str], str] = {
    ("cancelResponse", 200, "members ours sends that real never does"): _NEWER_MEMBERS,
    ("getResponse", 200, "members ours sends that real never does"): _NEWER_MEMBERS,
    ("createCompletion", 200, "object"): "one recording of gpt-4o-mini through /v1/completions says 'completion'; the "
                                         "spec and 102 others say 'text_completion' (completions.object_type's "
                                         "dispute)",
}


@dataclass
class Shapes:
    """What one operation's bodies looked like: per member, how often present, null, and the object values."""

    bodies: int = 0
    newest: dict[str, Any] = field(default_factory=dict)  #: members of the newest body, with its date
    newest_at: datetime = _EPOCH
    null: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    present: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    objects: set[Any] = field(default_factory=set)

    def add(self, body: dict[str, Any], when: datetime | None) -> None:
        self.bodies += 1
        self.objects.add(body.get("object"))
        for name, value in body.items():
            self.present[name] += 1
            self.null[name] += value is None
        if when is None or when >= self.newest_at:  # undated lines count as newest only when nothing is dated
            if when is not None or self.newest_at == _EPOCH:
                self.newest, self.newest_at = body, when or _EPOCH


def units(body: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """The body itself, and for list pages each item (as ``<page>[]``)."""
    if isinstance(body, dict):
        yield "", body
        if isinstance(body.get("data"), list):
            for item in body["data"]:
                if isinstance(item, dict):
                    yield "[]", item


class _InProcess(httpx.BaseTransport):
    """The app served on this thread's own event loop (no server, no network)."""

    def __init__(self) -> None:
        self.app = create_app()
        self._asgi, self._loop = httpx.ASGITransport(app=self.app), asyncio.new_event_loop()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def send() -> httpx.Response:
            response = await self._asgi.handle_async_request(request)
            return httpx.Response(response.status_code, headers=response.headers, content=await response.aread(),
                                  request=request)

        return self._loop.run_until_complete(send())

    def close(self) -> None:
        self._loop.close()


def server_exchanges() -> Iterator[tuple[str, str, int, Any]]:
    """(method, path, status, body) of one walk through every operation the corpus shows for these areas."""
    transport = _InProcess()
    with httpx.Client(transport=transport, base_url="http://testserver", headers=AUTH) as client:
        def call(method: str, path: str, **kwargs: Any) -> Any:
            response = client.request(method, path, **kwargs)
            return method, path, response.status_code, response.json()

        def upload(purpose: str, content: bytes, name: str) -> dict[str, Any]:
            return client.post("/v1/files", files={"file": (name, content, "text/plain")},
                               data={"purpose": purpose}).json()

        lines = b"".join(json.dumps({"custom_id": f"r{i}", "method": "POST", "url": "/v1/embeddings",
                                     "body": {"model": "text-embedding-3-small", "input": "hi"}}).encode() + b"\n"
                         for i in range(2))
        text = [upload("assistants", b"hello world", f"a{i}.txt") for i in range(2)]
        batch_input = upload("batch", lines, "input.jsonl")
        yield "POST", "/v1/files", 200, text[0]
        yield call("GET", f"/v1/files/{text[0]['id']}")
        yield call("GET", "/v1/files")
        store = call("POST", "/v1/vector_stores", json={})
        yield store
        store_id = store[3]["id"]
        batch = call("POST", f"/v1/vector_stores/{store_id}/file_batches", json={"file_ids": [f["id"] for f in text]})
        yield batch
        yield call("GET", f"/v1/vector_stores/{store_id}/file_batches/{batch[3]['id']}/files")
        created = call("POST", "/v1/batches", json={"input_file_id": batch_input["id"], "endpoint": "/v1/embeddings",
                                                    "completion_window": "24h"})
        yield created
        yield call("GET", f"/v1/batches/{created[3]['id']}")
        yield call("GET", "/v1/batches")
        yield call("GET", "/v1/batches/batch_0123456789abcdef01234567")
        yield from responses_walk(call)
        yield call("DELETE", f"/v1/files/{text[1]['id']}")
        yield call("DELETE", "/v1/files/file-0123456789abcdef01234567")
        yield call("POST", "/v1/embeddings", json={"model": "text-embedding-3-small", "input": ["hi", "there"]})
        yield call("POST", "/v1/embeddings", json={"model": "text-embedding-3-small", "input": "hi",
                                                   "encoding_format": "base64", "dimensions": 8})
        yield call("POST", "/v1/embeddings", json={"model": "text-embedding-ada-002", "input": "hi", "dimensions": 8})
        yield call("POST", "/v1/embeddings", json={"model": "not-a-model", "input": "hi"})
        yield call("POST", "/v1/completions", json={"model": "gpt-3.5-turbo-instruct", "prompt": "Say hi",
                                                    "max_tokens": 5})
        yield call("POST", "/v1/completions", json={"model": "gpt-3.5-turbo", "prompt": "Say hi"})
        yield call("POST", "/v1/completions", json={"model": "babbage-002-wrong", "prompt": "Say hi"})
        yield call("POST", "/v1/completions", json={"model": "text-embedding-3-small", "prompt": "Say hi"})
        yield call("POST", "/v1/moderations", json={"model": "omni-moderation-latest", "input": "I will kill"})
        yield call("POST", "/v1/moderations", json={"model": "omni-moderation-latest", "input": [
            {"type": "text", "text": "hi"}, {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]})
        models = call("GET", "/v1/models")
        yield models
        yield call("GET", "/v1/models/gpt-4o-mini")
        tuned = next(item["id"] for item in models[3]["data"] if item["id"].startswith("ft:"))
        yield call("DELETE", f"/v1/models/{tuned}")
        yield call("DELETE", "/v1/models/fake_id")
        chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hi."}]}
        yield call("POST", "/v1/chat/completions", json=chat)
        yield call("POST", "/v1/chat/completions", json={**chat, "tools": [{"type": "function", "function": {
            "name": "f", "parameters": {"type": "object", "properties": {}}}}], "tool_choice": "required"})
        yield call("POST", "/v1/chat/completions", json={**chat, "model": "rulebook-no-such-model"})
        completion = call("POST", "/v1/chat/completions", json={**chat, "store": True, "metadata": {"k": "v"}})
        completion_id = completion[3]["id"]
        yield call("GET", "/v1/chat/completions")
        yield call("GET", f"/v1/chat/completions/{completion_id}")
        yield call("POST", f"/v1/chat/completions/{completion_id}", json={"metadata": {"k": "w"}})
        yield call("GET", f"/v1/chat/completions/{completion_id}/messages")
        yield call("DELETE", f"/v1/chat/completions/{completion_id}")
        yield call("GET", f"/v1/chat/completions/{completion_id}")
        yield from image_exchanges(call)
        yield from fine_tuning_exchanges(client, call, upload, transport.app.state.rulebook.clock)


def image_exchanges(call) -> Iterator[tuple[str, str, int, Any]]:
    """Generations with each kind of model, an edit of each kind, a variation, and a refused edit."""
    png = ("image", ("a.png", image(64, 64), "image/png"))
    for body in ({"model": "dall-e-2", "size": "256x256"}, {"model": "dall-e-3", "response_format": "b64_json"},
                 {"model": "gpt-image-1", "quality": "low"}):
        yield call("POST", "/v1/images/generations", json={"prompt": "a dot", **body})
    for fields in ({"model": "dall-e-2", "size": "256x256"}, {"model": "gpt-image-1", "quality": "low"}):
        yield call("POST", "/v1/images/edits", data={"prompt": "a dot", **fields}, files=[png])
    yield call("POST", "/v1/images/variations", data={"size": "256x256"}, files=[png])
    yield call("POST", "/v1/images/edits", data={"prompt": "a dot", "model": "gpt-image-1"},
               files=[("image", ("a.svg", b"<svg/>", "image/svg+xml"))])


def responses_walk(call: Any) -> Iterator[tuple[str, str, int, Any]]:
    """The Responses API: a plain create (a non-reasoning and a reasoning model), retrieve, input items, a background
    create and its cancel, an unknown id."""
    created = call("POST", "/v1/responses", json={"model": "gpt-4o-mini", "input": "Say hi", "store": True})
    yield created
    yield call("POST", "/v1/responses", json={"model": "o4-mini", "input": "Say hi", "max_output_tokens": 16})
    yield call("GET", f"/v1/responses/{created[3]['id']}")
    yield call("GET", f"/v1/responses/{created[3]['id']}/input_items")
    background = call("POST", "/v1/responses", json={"model": "gpt-4o-mini", "input": "Say hi", "background": True})
    yield background
    yield call("POST", f"/v1/responses/{background[3]['id']}/cancel")
    yield call("GET", "/v1/responses/resp_0123456789abcdef0123456789abcdef")


def fine_tuning_exchanges(client: httpx.Client, call: Any, upload: Any, clock: Any) -> Iterator[tuple]:
    """Jobs created, listed, retrieved, cancelled, their events, and the checkpoints of one that succeeded."""
    example = json.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "x"}]})
    training = upload("fine-tune", (example + "\n").encode() * 10, "train.jsonl")
    created = call("POST", "/v1/fine_tuning/jobs", json={"model": "gpt-4o-mini", "training_file": training["id"]})
    yield created
    job_id = created[3]["id"]
    yield call("GET", f"/v1/fine_tuning/jobs/{job_id}")
    yield call("GET", "/v1/fine_tuning/jobs", params={"limit": 100})
    yield call("POST", "/v1/fine_tuning/jobs", json={"model": "gpt-4o-mini", "training_file": "Invalid File Name"})
    other = call("POST", "/v1/fine_tuning/jobs", json={"model": "gpt-4o-mini", "training_file": training["id"]})
    yield call("POST", f"/v1/fine_tuning/jobs/{other[3]['id']}/cancel")
    yield call("GET", f"/v1/fine_tuning/jobs/{other[3]['id']}/events")
    clock.advance(10)
    yield call("GET", f"/v1/fine_tuning/jobs/{job_id}/checkpoints")


@pytest.fixture(scope="module")
def compared(corpus: Corpus, validator: ResponseValidator) -> dict[tuple[str, int, str], tuple[Shapes, Shapes]]:
    """(operation, status, unit) -> (real shapes, reference server shapes), for operations both answered."""
    real: dict[tuple[str, int, str], Shapes] = defaultdict(Shapes)
    for line in corpus.exchanges(FAMILIES):
        operation = validator.operation(line.method, line.path)
        if operation is not None:
            for unit, body in units(line.json_body):
                real[operation[0], line.status, unit].add(body, line.when)
    ours: dict[tuple[str, int, str], Shapes] = defaultdict(Shapes)
    for method, path, status, body in server_exchanges():
        operation = validator.operation(method, path)
        assert operation is not None, (method, path)
        for unit, part in units(body):
            ours[operation[0], status, unit].add(part, None)
    return {key: (real[key], shapes) for key, shapes in ours.items() if key in real}


def differences(real: Shapes, ours: Shapes) -> list[str]:
    found = []
    if real.objects != ours.objects:
        found.append(f"object: real {sorted(map(str, real.objects))}, ours {sorted(map(str, ours.objects))}")
    lacking = sorted(set(real.newest) - set(ours.present))
    if lacking:
        found.append(f"members real sends (newest, {real.newest_at:%Y-%m-%d}) that ours lacks: {lacking}")
    extra = sorted(set(ours.present) - set(real.present))
    if extra:
        found.append(f"members ours sends that real never does: {extra}")
    for name in sorted(set(ours.present) & set(real.present)):
        if ours.null[name] and not real.null[name]:
            found.append(f"{name}: ours null, real never null ({real.present[name]} bodies)")
        if real.null[name] == real.present[name] and ours.null[name] < ours.present[name]:
            found.append(f"{name}: real always null ({real.present[name]} bodies), ours not")
    return found


def test_the_walk_reaches_the_recorded_operations(compared) -> None:
    operations = {operation for operation, _, _ in compared}
    assert operations >= {"createFile", "retrieveFile", "listFiles", "deleteFile", "createVectorStore",
                          "createVectorStoreFileBatch", "listFilesInVectorStoreBatch", "createBatch",
                          "retrieveBatch", "listBatches", "createChatCompletion", "listChatCompletions",
                          "getChatCompletion", "updateChatCompletion", "getChatCompletionMessages",
                          "deleteChatCompletion", "createImage", "createImageEdit", "createImageVariation",
                          "createResponse", "getResponse", "listInputItems",
                          "cancelResponse",
                          "createEmbedding",
                          "createCompletion", "createModeration", "listModels", "retrieveModel", "deleteModel",
                          "createFineTuningJob", "retrieveFineTuningJob",
                          "listPaginatedFineTuningJobs", "cancelFineTuningJob", "listFineTuningEvents",
                          "listFineTuningJobCheckpoints"}


def test_reference_server_shapes_match_real_traffic(compared) -> None:
    report = []
    for (operation, status, unit), (real, ours) in sorted(compared.items()):
        for difference in differences(real, ours):
            if (operation, status, difference.split(":", 1)[0]) not in ALLOWED:
                report.append(f"{operation}{unit} {status}: {difference}")
    assert not report, "\n".join(report)
