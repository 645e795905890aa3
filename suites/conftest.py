"""Fixtures the suites share: objects to test with, created through the API and deleted when the test ends."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from openai_rulebook.checks import precondition, read
from openai_rulebook.client import MULTIPART_BOUNDARY, ApiClient
from openai_rulebook.endpoints import Endpoint
from openai_rulebook.errors import Inconclusive
from openai_rulebook.sample_images import image

NAME_PREFIX = "rulebook-"


@pytest.fixture
def make_vector_store(api: ApiClient) -> Callable[..., dict[str, Any]]:
    """Create a vector store (named ``rulebook-…``); the client deletes it when the test ends."""

    def make(**body: Any) -> dict[str, Any]:
        body.setdefault("name", f"{NAME_PREFIX}vector-store")
        response = api.post("/vector_stores", body)
        if not response.is_success:
            raise Inconclusive(f"could not create a vector store to test with: {response.status_code} "
                               f"{response.text[:200]}")
        return read(response.json(), None)

    return make


@pytest.fixture
def vector_store(make_vector_store: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """One vector store, for tests that need an existing object."""
    return make_vector_store()


@pytest.fixture
def endpoint_path(endpoint: Endpoint, request: pytest.FixtureRequest) -> str:
    """The endpoint's path with its placeholders filled by objects created for the test."""
    ids = {}
    if "vector_store_id" in endpoint.placeholders:
        ids["vector_store_id"] = request.getfixturevalue("vector_store")["id"]
    return endpoint.path(**ids)



@pytest.fixture
def make_file(api: ApiClient) -> Callable[..., dict[str, Any]]:
    """Upload a small file (multipart POST /v1/files, named ``rulebook-…``); the client deletes it when the test ends."""

    def make(content: bytes = b"rulebook test file\n", *, purpose: str = "assistants",
             filename: str = f"{NAME_PREFIX}file.txt", mime_type: str = "text/plain") -> dict[str, Any]:
        response = api.post("/files", None, files={"file": (filename, content, mime_type)}, data={"purpose": purpose})
        if not response.is_success:
            raise Inconclusive(f"could not upload a file to test with: {response.status_code} {response.text[:200]}")
        return read(response.json(), None)

    return make


class JsonlFiller:
    """``size`` bytes of JSON lines (``{"p":"aaa…"}``, 1 KiB each), yielded 1 MiB at a time and never held whole.

    Re-iterable, so that a retry sends the same bytes again. Valid JSONL, so that a purpose that wants ``.jsonl``
    (batch, fine-tune) judges the file by its size alone. ``size`` must be at least 1 KiB.
    """

    LINE = 1024
    LINES_PER_CHUNK = 1024

    def __init__(self, size: int) -> None:
        if size < self.LINE:
            raise ValueError(f"JsonlFiller needs at least {self.LINE} bytes, got {size}")
        self.size = size

    @classmethod
    def line(cls, length: int) -> bytes:
        return b'{"p":"' + b"a" * (length - 9) + b'"}\n'

    def __iter__(self) -> Iterator[bytes]:
        lines, extra = divmod(self.size, self.LINE)
        lines -= 1  # the last line takes the remainder
        chunk = self.line(self.LINE) * self.LINES_PER_CHUNK
        full, rest = divmod(lines, self.LINES_PER_CHUNK)
        for _ in range(full):
            yield chunk
        yield self.line(self.LINE) * rest + self.line(self.LINE + extra)


class _StreamedMultipart:
    def __init__(self, head: bytes, body: Iterable[bytes], tail: bytes) -> None:
        self.head, self.body, self.tail = head, body, tail

    def __iter__(self) -> Iterator[bytes]:
        yield self.head
        yield from self.body
        yield self.tail


@pytest.fixture
def post_large_file(api: ApiClient) -> Callable[..., httpx.Response]:
    """POST a multipart body whose file part is ``size`` bytes of JSONL, streamed with its Content-Length.

    For the size limits (512 MB files, 200 MB batch files, 64 MB parts): the body is generated as it is sent, so a
    test holds none of it, and a server can judge it from the Content-Length or by counting as it reads.
    """

    def post(path: str, *, field: str, filename: str, size: int, fields: Mapping[str, str] | None = None,
             mime_type: str = "application/jsonl") -> httpx.Response:
        boundary = MULTIPART_BOUNDARY.encode()
        head = b"".join(
            b"--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (boundary, name.encode(),
                                                                                  value.encode())
            for name, value in (fields or {}).items()
        )
        head += (b"--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\nContent-Type: %s\r\n\r\n"
                 % (boundary, field.encode(), filename.encode(), mime_type.encode()))
        tail = b"\r\n--%s--\r\n" % boundary
        headers = {"Content-Type": f"multipart/form-data; boundary={MULTIPART_BOUNDARY}",
                   "Content-Length": str(len(head) + size + len(tail))}
        return api.request("POST", path, content=_StreamedMultipart(head, JsonlFiller(size), tail), headers=headers)

    return post


# -- vector store files: attaching, and waiting for processing ---------------------------------------------------------

@pytest.fixture
def attach_file(api: ApiClient) -> Callable[..., dict[str, Any]]:
    """Attach a file to a vector store (POST /vector_stores/{id}/files); the store's deletion detaches it."""

    def attach(vector_store_id: str, file_id: str, **body: Any) -> dict[str, Any]:
        response = api.post(f"/vector_stores/{vector_store_id}/files", {"file_id": file_id, **body})
        if not response.is_success:
            raise Inconclusive(f"could not attach a file to test with: {response.status_code} {response.text[:200]}")
        return read(response.json(), None)

    return attach


@pytest.fixture
def wait_processed(api: ApiClient, server_clock: Any) -> Callable[[str], dict[str, Any]]:
    """Let time pass until the object at ``path`` (a vector store, a file in it, a file batch) is no longer
    ``in_progress``; return it. A test that needs processed files and does not get them (within the clock's
    ``max_wait``) ends inconclusive: how long processing takes is the processing rule's business, not that test's."""

    def look(path: str) -> dict[str, Any]:
        response = api.get(path)
        if not response.is_success:
            raise Inconclusive(f"GET {path} while waiting for processing: {response.status_code}")
        return read(response.json(), None, what=f"waiting for {path} to be processed")

    def wait(path: str) -> dict[str, Any]:
        body = look(path)
        for _ in server_clock.polls():
            if body.get("status") != "in_progress":
                return body
            body = look(path)
        if body.get("status") != "in_progress":
            return body
        raise Inconclusive(f"{path} was still in_progress after {server_clock.max_wait:g} s")

    return wait


# -- a valid request for any catalog endpoint: the control of the cross-cutting rules ------------------------------------
@dataclass
class Prepared:
    """A request the rulebook says is valid (objects it names exist), to send as is or with one thing changed."""

    endpoint: Endpoint
    path: str
    json_body: dict[str, Any] | None = None
    files: dict[str, Any] | None = None
    data: dict[str, Any] | None = None

    def send(self, api: ApiClient, **overrides: Any) -> httpx.Response:
        """Send it; ``overrides`` go to ``ApiClient.request`` (``auth=False``, ``headers=``, ``content=``, ...)."""
        arguments: dict[str, Any] = {"json_body": self.json_body, "files": self.files, "data": self.data}
        arguments.update(overrides)
        return api.request(self.endpoint.method, self.path, **arguments)

    def with_json(self, **fields: Any) -> Prepared:
        """The same request with ``fields`` set in its JSON body."""
        return Prepared(self.endpoint, self.path, {**(self.json_body or {}), **fields}, self.files, self.data)


#: a batch input that fails validation (two lines share a custom_id), for /v1/embeddings, an endpoint the rulebook
#: lists (R05.8.3): a batch made only to exist costs nothing wherever it is created
_EMBEDDING_LINE = '{"custom_id":"same","method":"POST","url":"/v1/embeddings",' \
                  '"body":{"model":"text-embedding-3-small","input":"x"}}\n'
DOOMED_BATCH_INPUT = (_EMBEDDING_LINE * 2).encode()
BATCH_ENDPOINT = "/v1/embeddings"


#: the smallest training file the live API takes: 10 chat examples (its minimum), text only, tools not functions
FINE_TUNE_EXAMPLE = ('{"messages":[{"role":"user","content":"Say x."},{"role":"assistant","content":"x"}]}\n')
FINE_TUNE_DATA = (FINE_TUNE_EXAMPLE * 10).encode()
#: a checkpoint name for requests that must get past authentication only (the cross-cutting rules' controls)
SOME_CHECKPOINT = "ft:gpt-4o-mini-2024-07-18:rulebook::rulebook0"


@pytest.fixture
def fine_tune_file(make_file) -> Callable[..., str]:
    """Upload a training file (purpose fine-tune, ``rulebook-….jsonl``, the valid FINE_TUNE_DATA unless given);
    return its id. Deleted when the test ends; a refused upload makes the test inconclusive."""

    def upload(content: bytes = FINE_TUNE_DATA, *, purpose: str = "fine-tune") -> str:
        return make_file(content, purpose=purpose, filename=f"{NAME_PREFIX}fine-tune.jsonl",
                         mime_type="application/jsonl")["id"]

    return upload


def eval_body(**fields: Any) -> dict[str, Any]:
    """A valid eval: a custom data source and one string_check grader (no model, so it costs nothing to create)."""
    return {
        "name": f"{NAME_PREFIX}eval",
        "data_source_config": {"type": "custom", "item_schema": {"type": "object", "properties": {
            "answer": {"type": "string"}}, "required": ["answer"]}},
        "testing_criteria": [{"type": "string_check", "name": "exact", "input": "{{sample.output_text}}",
                              "reference": "{{item.answer}}", "operation": "eq"}],
        **fields,
    }


@pytest.fixture
def new_eval() -> Callable[..., dict[str, Any]]:
    """``new_eval(**fields)``: the body of a valid eval create (``eval_body``) with ``fields`` set."""
    return eval_body


def _created(response: httpx.Response, what: str) -> dict[str, Any]:
    from openai_rulebook.checks import precondition, read

    return precondition(response, what)


#: the cheapest Responses request: the shortest input and the smallest max_output_tokens the API takes
def response_request(model: str, **fields: Any) -> dict[str, Any]:
    return {"model": model, "input": "Hi", "max_output_tokens": 16, **fields}


@pytest.fixture
def make_chat_completion(api: ApiClient, model: Callable[..., str]) -> Callable[..., dict[str, Any]]:
    """Create a chat completion as cheap as can be (one short message, a bound of a few tokens); with
    ``store=True`` the client deletes it when the test ends. A refusal ends the test inconclusive."""

    def make(text: str = "Say hi.", **body: Any) -> dict[str, Any]:
        request = {"model": model("chat"), "messages": [{"role": "user", "content": text}],
                   "max_completion_tokens": 2, **body}
        response = api.post("/chat/completions", request)
        return _created(response, "creating a chat completion")

    return make


@pytest.fixture
def valid_request(api: ApiClient, make_vector_store, make_file, attach_file, wait_processed, make_chat_completion,
                  fine_tune_file, model, rulebook_target, server_clock):
    """``valid_request(endpoint)``: a valid request for any catalog endpoint a cross-cutting rule covers (the vector
    store family, files, uploads, batches, chat, responses, completions, embeddings, moderations, models, images,
    audio, fine-tuning, evals), creating what it names (deleted when the test ends). A step that fails is a
    precondition: the test ends inconclusive."""

    def store() -> str:
        return make_vector_store(name=f"{NAME_PREFIX}control")["id"]

    def attached() -> tuple[str, str]:
        store_id, file_id = store(), make_file()["id"]
        attach_file(store_id, file_id)
        return store_id, file_id

    def file_batch() -> tuple[str, str]:
        store_id = store()
        batch = _created(api.post(f"/vector_stores/{store_id}/file_batches", {"file_ids": [make_file()["id"]]}),
                         "creating a file batch")
        return store_id, batch["id"]

    def upload(size: int = 5) -> str:
        body = {"purpose": "batch", "filename": f"{NAME_PREFIX}upload.jsonl", "bytes": size,
                "mime_type": "text/jsonl"}
        return _created(api.post("/uploads", body), "creating an upload")["id"]

    def part(upload_id: str) -> str:
        response = api.post(f"/uploads/{upload_id}/parts", None, files={"data": ("part", b"{}\n\n\n", "text/plain")})
        return _created(response, "adding a part")["id"]

    def batch_input() -> str:
        return make_file(DOOMED_BATCH_INPUT, purpose="batch", filename=f"{NAME_PREFIX}batch.jsonl",
                         mime_type="application/jsonl")["id"]

    def batch() -> str:
        body = {"input_file_id": batch_input(), "endpoint": BATCH_ENDPOINT, "completion_window": "24h"}
        return _created(api.post("/batches", body), "creating a batch")["id"]

    def images(endpoint: Endpoint) -> Prepared:
        """The cheapest image request: the image role's model (dall-e-2), 256x256, one image."""
        name = model("image")
        if endpoint.template.endswith("/generations"):
            return Prepared(endpoint, endpoint.path(), {"model": name, "prompt": "a blue dot", "size": "256x256"})
        fields = {"model": name, "size": "256x256"}
        if endpoint.template.endswith("/edits"):
            fields["prompt"] = "a blue dot"
        return Prepared(endpoint, endpoint.path(), files=[("image", ("rulebook.png", image(256, 256), "image/png"))],
                        data=fields)

    def fine_tuned_model() -> str:
        """An owned fine-tuned model to delete: the control of a DELETE /v1/models/{model} (destructive)."""
        data = _created(api.get("/models"), "listing the models").get("data") or []
        owned = [item.get("id") for item in data if isinstance(item, dict) and str(item.get("id")).startswith("ft:")
                 and item.get("owned_by") not in ("system", "openai", "openai-internal")]
        if not owned:
            raise Inconclusive("precondition failed: no fine-tuned model of this organization to delete")
        return owned[0]

    def job_body() -> dict[str, Any]:
        return {"model": model("chat"), "training_file": fine_tune_file(), "suffix": "rulebook"}

    def job() -> str:
        return _created(api.post("/fine_tuning/jobs", job_body()), "creating a fine-tuning job")["id"]

    def running_job() -> str:
        """A job that has started training (pause needs one); a job that does not start in time is inconclusive."""
        job_id = job()
        for _ in server_clock.polls():
            status = _created(api.get(f"/fine_tuning/jobs/{job_id}"), "retrieving a fine-tuning job").get("status")
            if status == "running":
                return job_id
            if status in ("succeeded", "failed", "cancelled"):
                break
        raise Inconclusive(f"fine-tuning job {job_id} did not start running in time")

    def an_eval() -> str:
        return _created(api.post("/evals", eval_body()), "creating an eval")["id"]

    def build(endpoint: Endpoint) -> Prepared:
        key = str(endpoint)
        at = lambda **ids: endpoint.path(**ids)  # noqa: E731
        if key == "POST /v1/vector_stores":
            return Prepared(endpoint, at(), {"name": f"{NAME_PREFIX}control"})
        if key in ("GET /v1/vector_stores", "GET /v1/files", "GET /v1/batches"):
            return Prepared(endpoint, at())
        if key == "POST /v1/vector_stores/{vector_store_id}":
            return Prepared(endpoint, at(vector_store_id=store()), {"name": f"{NAME_PREFIX}control-renamed"})
        if key in ("GET /v1/vector_stores/{vector_store_id}", "DELETE /v1/vector_stores/{vector_store_id}",
                   "GET /v1/vector_stores/{vector_store_id}/files"):
            return Prepared(endpoint, at(vector_store_id=store()))
        if key == "POST /v1/vector_stores/{vector_store_id}/files":
            return Prepared(endpoint, at(vector_store_id=store()), {"file_id": make_file()["id"]})
        if key == "POST /v1/vector_stores/{vector_store_id}/search":
            return Prepared(endpoint, at(vector_store_id=store()), {"query": "rulebook"})
        if key == "POST /v1/vector_stores/{vector_store_id}/file_batches":
            return Prepared(endpoint, at(vector_store_id=store()), {"file_ids": [make_file()["id"]]})
        if "{batch_id}" in endpoint.template and "vector_store_id" in endpoint.placeholders:
            store_id, batch_id = file_batch()
            return Prepared(endpoint, at(vector_store_id=store_id, batch_id=batch_id))
        if "vector_store_id" in endpoint.placeholders and "file_id" in endpoint.placeholders:
            store_id, file_id = attached()
            if endpoint.template.endswith("/content"):
                wait_processed(f"/vector_stores/{store_id}/files/{file_id}")
            body = {"attributes": {"rulebook": "control"}} if endpoint.method == "POST" else None
            return Prepared(endpoint, at(vector_store_id=store_id, file_id=file_id), body)
        if key == "POST /v1/files":
            return Prepared(endpoint, at(), files={"file": (f"{NAME_PREFIX}file.txt", b"rulebook\n", "text/plain")},
                            data={"purpose": "assistants"})
        if "file_id" in endpoint.placeholders:  # files: downloadable content needs a purpose that allows it
            return Prepared(endpoint, at(file_id=batch_input()))
        if key == "POST /v1/uploads":
            return Prepared(endpoint, at(), {"purpose": "batch", "filename": f"{NAME_PREFIX}upload.jsonl",
                                             "bytes": 5, "mime_type": "text/jsonl"})
        if key == "POST /v1/uploads/{upload_id}/parts":
            return Prepared(endpoint, at(upload_id=upload()), files={"data": ("part", b"{}\n\n\n", "text/plain")})
        if key == "POST /v1/uploads/{upload_id}/complete":
            upload_id = upload()
            return Prepared(endpoint, at(upload_id=upload_id), {"part_ids": [part(upload_id)]})
        if key == "POST /v1/uploads/{upload_id}/cancel":
            return Prepared(endpoint, at(upload_id=upload()))
        if key == "POST /v1/chat/completions":
            return Prepared(endpoint, at(), {"model": model("chat"), "max_completion_tokens": 2,
                                             "messages": [{"role": "user", "content": "Say hi."}]})
        if key == "GET /v1/chat/completions":
            return Prepared(endpoint, at())
        if "completion_id" in endpoint.placeholders:
            completion_id = make_chat_completion(store=True)["id"]
            body = {"metadata": {"rulebook": "control"}} if endpoint.method == "POST" else None
            return Prepared(endpoint, at(completion_id=completion_id), body)
        if key == "POST /v1/batches":
            return Prepared(endpoint, at(), {"input_file_id": batch_input(), "endpoint": BATCH_ENDPOINT,
                                             "completion_window": "24h"})
        if "batch_id" in endpoint.placeholders:
            return Prepared(endpoint, at(batch_id=batch()))
        if key.startswith("POST /v1/images/"):
            return images(endpoint)
        if key == "POST /v1/audio/speech":  # the cheapest speech: two characters
            return Prepared(endpoint, at(), {"model": model("speech"), "input": "Hi", "voice": "alloy"})
        if key in ("POST /v1/audio/transcriptions", "POST /v1/audio/translations"):  # a one-second 1 kHz WAV
            from openai_rulebook.audio_media import wav_seconds

            return Prepared(endpoint, at(), files={"file": (f"{NAME_PREFIX}clip.wav", wav_seconds(1.0), "audio/wav")},
                            data={"model": model("transcription")})
        if key == "POST /v1/responses":
            return Prepared(endpoint, at(), response_request(model("responses")))
        if key == "POST /v1/responses/{response_id}/cancel":  # only a background response cancels (R07.1)
            body = response_request(model("responses"), background=True)
            return Prepared(endpoint, at(response_id=_created(api.post("/responses", body),
                                                              "creating a background response")["id"]))
        if "response_id" in endpoint.placeholders:
            created = _created(api.post("/responses", response_request(model("responses"))), "creating a response")
            return Prepared(endpoint, at(response_id=created["id"]))
        if key == "POST /v1/embeddings":
            return Prepared(endpoint, at(), {"model": model("embeddings"), "input": "rulebook"})
        if key == "POST /v1/completions":
            return Prepared(endpoint, at(), {"model": model("completions"), "prompt": "rulebook", "max_tokens": 1})
        if key == "POST /v1/moderations":
            return Prepared(endpoint, at(), {"model": model("moderation"), "input": "rulebook"})
        if key == "GET /v1/models":
            return Prepared(endpoint, at())
        if key == "GET /v1/models/{model}":
            return Prepared(endpoint, at(model=model("chat")))
        if key == "DELETE /v1/models/{model}":
            # a valid delete deletes a fine-tuned model: only where destructive requests are allowed
            if "destructive" not in rulebook_target.tiers:
                pytest.skip(f"{endpoint}: a valid request deletes a fine-tuned model (tier destructive not enabled)")
            return Prepared(endpoint, at(model=fine_tuned_model()))
        if key in ("GET /v1/fine_tuning/jobs", "GET /v1/evals"):
            return Prepared(endpoint, at())
        if key == "POST /v1/fine_tuning/jobs":
            return Prepared(endpoint, at(), job_body())
        if key.endswith("/pause"):
            return Prepared(endpoint, at(fine_tuning_job_id=running_job()))
        if key.endswith("/resume"):
            job_id = running_job()
            _created(api.post(f"/fine_tuning/jobs/{job_id}/pause"), "pausing a fine-tuning job")
            return Prepared(endpoint, at(fine_tuning_job_id=job_id))
        if "fine_tuning_job_id" in endpoint.placeholders:
            return Prepared(endpoint, at(fine_tuning_job_id=job()))
        if "fine_tuned_model_checkpoint" in endpoint.placeholders:
            # admin-only endpoints: a project key gets past authentication and is refused (403) later, which is
            # what the cross-cutting rules' controls need; fine_tuning.checkpoint_permissions_admin_key judges keys
            ids = {"fine_tuned_model_checkpoint": SOME_CHECKPOINT, "permission_id": "cp_rulebook"}
            body = {"project_ids": ["proj_rulebook"]} if endpoint.method == "POST" else None
            return Prepared(endpoint, at(**{name: ids[name] for name in endpoint.placeholders}), body)
        if key == "POST /v1/evals":
            return Prepared(endpoint, at(), eval_body())
        if key == "POST /v1/evals/{eval_id}":
            return Prepared(endpoint, at(eval_id=an_eval()), {"name": f"{NAME_PREFIX}eval-renamed"})
        if "eval_id" in endpoint.placeholders:
            return Prepared(endpoint, at(eval_id=an_eval()))
        raise NotImplementedError(f"valid_request knows no valid request for {endpoint}; add one to suites/conftest.py")

    return build
