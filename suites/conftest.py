"""Fixtures the suites share: objects to test with, created through the API and deleted when the test ends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from openai_rulebook.client import ApiClient
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
