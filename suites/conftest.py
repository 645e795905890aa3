"""Fixtures the suites share: objects to test with, created through the API and deleted when the test ends."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import httpx
import pytest

from openai_rulebook.client import MULTIPART_BOUNDARY, ApiClient
from openai_rulebook.endpoints import Endpoint
from openai_rulebook.errors import Inconclusive

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
        return response.json()

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
        return response.json()

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
#: how many one-second steps a test waits for a file to be processed before it ends inconclusive
PROCESSING_STEPS = 30


@pytest.fixture
def attach_file(api: ApiClient) -> Callable[..., dict[str, Any]]:
    """Attach a file to a vector store (POST /vector_stores/{id}/files); the store's deletion detaches it."""

    def attach(vector_store_id: str, file_id: str, **body: Any) -> dict[str, Any]:
        response = api.post(f"/vector_stores/{vector_store_id}/files", {"file_id": file_id, **body})
        if not response.is_success:
            raise Inconclusive(f"could not attach a file to test with: {response.status_code} {response.text[:200]}")
        return response.json()

    return attach


@pytest.fixture
def wait_processed(api: ApiClient, server_clock: Any) -> Callable[[str], dict[str, Any]]:
    """Let time pass until the object at ``path`` (a vector store, a file in it, a file batch) is no longer
    ``in_progress``; return it. A test that needs processed files and does not get them ends inconclusive: how
    long processing takes is the processing rule's business, not that test's."""

    def wait(path: str) -> dict[str, Any]:
        for _ in range(PROCESSING_STEPS):
            response = api.get(path)
            if not response.is_success:
                raise Inconclusive(f"GET {path} while waiting for processing: {response.status_code}")
            body = response.json()
            if body.get("status") != "in_progress":
                return body
            server_clock.advance(1)
        raise Inconclusive(f"{path} was still in_progress after {PROCESSING_STEPS} s")

    return wait
