"""Fixtures for the reference server's own tests: apps, their state, clients, and the catalog."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from openai_rulebook.catalog import Catalog, load_catalog
from openai_rulebook.server import FrozenClock, ServerState, create_app

AUTH = {"Authorization": "Bearer sk-rulebook-test"}
CATALOG = Path(__file__).resolve().parents[2] / "specs" / "rules"




class InThreadTransport(httpx.BaseTransport):
    """Serve each request by running the ASGI app to completion on an event loop in the test's own thread.

    Starlette's TestClient hands every request to a loop in another thread (eight hand-offs, about 1.3 ms a request);
    this takes about 0.4 ms, which keeps these tests within their time budget. Exceptions the app does not handle
    propagate into the test, as with TestClient.
    """

    def __init__(self, app: FastAPI) -> None:
        self._asgi = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def send() -> tuple[int, httpx.Headers, bytes]:
            response = await self._asgi.handle_async_request(request)
            return response.status_code, response.headers, await response.aread()

        status, headers, content = self._loop.run_until_complete(send())
        return httpx.Response(status, headers=headers, content=content, request=request)

    def close(self) -> None:
        self._loop.close()


@pytest.fixture(scope="session")
def open_client() -> Callable[..., httpx.Client]:
    """Open a client on an app (authorised unless ``auth=False``); the caller closes it."""

    def open_(app: FastAPI, *, auth: bool = True) -> httpx.Client:
        return httpx.Client(
            transport=InThreadTransport(app), base_url="http://testserver", headers=AUTH if auth else None
        )

    return open_


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(CATALOG)


@pytest.fixture
def client_for(open_client: Callable[..., httpx.Client]) -> Iterator[Callable[..., httpx.Client]]:
    """Open clients on apps for one test (authorised unless ``auth=False``); closed when the test ends."""
    with ExitStack() as stack:
        yield lambda app, *, auth=True: stack.enter_context(open_client(app, auth=auth))


@pytest.fixture
def app() -> FastAPI:
    return create_app()


@pytest.fixture
def state(app: FastAPI) -> ServerState:
    return app.state.rulebook


@pytest.fixture
def clock(state: ServerState) -> FrozenClock:
    assert isinstance(state.clock, FrozenClock)
    return state.clock


@pytest.fixture
def client(app: FastAPI, client_for: Callable[..., httpx.Client]) -> httpx.Client:
    """A client that sends ``Authorization: Bearer …``."""
    return client_for(app)


@pytest.fixture
def anonymous(app: FastAPI, client_for: Callable[..., httpx.Client]) -> httpx.Client:
    """A client that sends no Authorization header."""
    return client_for(app, auth=False)


@pytest.fixture
def make_store(client: httpx.Client) -> Callable[..., dict[str, Any]]:
    """Create a vector store through the API and return its JSON."""

    def make(**body: Any) -> dict[str, Any]:
        response = client.post("/v1/vector_stores", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    return make


@pytest.fixture
def expect_error() -> Callable[..., dict[str, Any]]:
    """Assert a response is an error in OpenAI's envelope, with the given status and ``param``; return the error."""

    def check(response: httpx.Response, status: int, *, param: str | None = None) -> dict[str, Any]:
        assert response.status_code == status, response.text
        body = response.json()
        assert set(body) == {"error"}, body
        error = body["error"]
        assert set(error) == {"message", "type", "param", "code"}, error
        assert isinstance(error["message"], str) and error["message"]
        assert isinstance(error["type"], str)
        assert error["code"] is None or isinstance(error["code"], str)
        assert error["param"] == param, error
        return error

    return check
