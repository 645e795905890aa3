"""SDK clients pointed at the run's target, whose traffic is evidence like the raw client's.

The SDK sends through its own HTTP library (``httpx`` in 1.x and 2.x, ``httpx2`` in 3.x): ``http_module`` finds
it, so the same code serves every SDK version the matrix installs. Each client gets an HTTP client of that library
whose event hooks hand every exchange to the run's ``ApiClient`` (evidence, spec checks, observations, and clean-up
of what the SDK created) and keep the raw requests and responses for the test to inspect (which headers the SDK
sent, what the target answered).

vcrpy patches the libraries' transports, so SDK traffic is recorded into and replayed from the test's cassette with
no help from here. ``Scripted`` answers some requests itself before the target sees them (a 429 then the real
answer): it is not a patched transport, so its answers never reach a cassette and replay the same way.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from openai_rulebook.client import ApiClient

#: environment variables the SDK reads on its own: cleared around SDK tests, so that only what a test sets counts
SDK_ENVIRONMENT = ("OPENAI_API_KEY", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "OPENAI_BASE_URL", "OPENAI_LOG",
                   "OPENAI_WEBHOOK_SECRET", "OPENAI_ADMIN_KEY")
#: set in the ``extensions`` of a response ``Scripted`` gave: not the target's, so neither evidence nor observation
SCRIPTED = "rulebook.scripted"
#: "take this from the target" (the default of ``SdkClients.make``'s credentials)
FROM_TARGET: Any = object()


def http_module() -> ModuleType:
    """The HTTP library the installed SDK sends through (``httpx2`` for 3.x, ``httpx`` before)."""
    base = importlib.import_module("openai._base_client")
    return getattr(base, "httpx2", None) or base.httpx


@dataclass(frozen=True)
class Answer:
    """A response ``Scripted`` gives instead of the target: a status, headers and a JSON body."""

    status: int
    body: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def error(cls, status: int, *, message: str = "scripted by the rulebook harness", type_: str = "rulebook_error",
              code: str | None = None, headers: Mapping[str, str] | None = None) -> Answer:
        """The OpenAI error envelope with ``status``."""
        return cls(status, {"error": {"message": message, "type": type_, "param": None, "code": code}},
                   dict(headers or {}))


def scripted_transport(http: ModuleType, answers: Sequence[Answer], inner: Any) -> Any:
    """A transport of ``http`` that gives ``answers`` to the first requests, one each, and sends the rest through
    ``inner`` (the library's real transport, which vcrpy records and replays)."""

    class Scripted(http.BaseTransport):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            self.pending = list(answers)

        def handle_request(self, request: Any) -> Any:
            if self.pending:
                answer = self.pending.pop(0)
                headers = {"content-type": "application/json", **answer.headers}
                content = json.dumps(answer.body).encode() if answer.body is not None else b""
                return http.Response(answer.status, headers=headers, content=content, request=request,
                                     extensions={SCRIPTED: True})
            return inner.handle_request(request)

        def close(self) -> None:
            inner.close()

    return Scripted()


@dataclass
class SdkClients:
    """Makes ``openai.OpenAI`` clients for the run's target; remembers every exchange they had.

    ``api`` is the run's raw client (its base URL, key and headers are the target's; its evidence log is the test's).
    """

    api: ApiClient
    #: every request the SDK sent and the response it got, in order (scripted answers included)
    exchanges: list[tuple[Any, Any]] = field(default_factory=list)
    #: what went wrong inside an event hook (a harness bug): raised when the test ends, never through the SDK
    hook_errors: list[BaseException] = field(default_factory=list)
    #: endpoints that answered like a URL that exists nowhere: the test ends unsupported (the raw client raises
    #: ``Unsupported`` at the request; through the SDK that would surface as a NotFoundError)
    not_served: list[str] = field(default_factory=list)
    _clients: list[Any] = field(default_factory=list)

    def make(self, *, api_key: Any = FROM_TARGET, organization: Any = FROM_TARGET, project: Any = FROM_TARGET,
             max_retries: int | None = 0, answers: Iterable[Answer] = (), **options: Any) -> Any:
        """An ``openai.OpenAI`` for the target. Credentials default to the target's; ``None`` leaves one out, so the
        SDK looks in the environment. ``max_retries=0`` by default: a replayed cassette that misses must raise
        at once, and retries are the business of the retry rule's tests (``None``: the SDK's default).
        ``answers``: responses given before the target is asked (see ``Scripted``)."""
        import openai

        http = http_module()
        inner = http.HTTPTransport()
        transport = scripted_transport(http, list(answers), inner)
        hooks = {"request": [self._on_request], "response": [self._on_response]}
        http_client = http.Client(transport=transport, event_hooks=hooks, timeout=self.api.timeout,
                                  follow_redirects=True)
        given: dict[str, Any] = {"base_url": self.api.base_url, "http_client": http_client, **options}
        if max_retries is not None:
            given["max_retries"] = max_retries
        target_headers = {name.lower(): value for name, value in self.api.headers.items()}
        for name, value, header in (("api_key", api_key, None), ("organization", organization, "openai-organization"),
                                    ("project", project, "openai-project")):
            if value is FROM_TARGET:
                value = self.api.api_key if header is None else target_headers.get(header)
            if value is not None:
                given[name] = value
        client = openai.OpenAI(**given)
        self._clients.append(client)
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()

    def sent(self, method: str | None = None, path_suffix: str = "") -> list[Any]:
        """The requests sent (to the target or answered by script), optionally only ``method`` to a path ending so."""
        return [request for request, _ in self.exchanges
                if (method is None or request.method == method) and request.url.path.endswith(path_suffix)]

    # -- event hooks: they must never raise (the SDK would turn any exception into a connection error) --------------
    def _on_request(self, request: Any) -> None:
        try:
            request.read()  # a multipart body (files, upload parts) is read once, so that evidence can show it
        except Exception:  # noqa: BLE001 - a streamed body stays unread; evidence says so
            pass

    def _on_response(self, response: Any) -> None:
        try:
            response.read()
            self.exchanges.append((response.request, response))
            if not response.extensions.get(SCRIPTED):
                self.api.record_exchange(response.request, response)
                check = self.api.route_check
                if check is not None and check.not_served(response):
                    request = response.request
                    endpoint = self.api.endpoint_of(request) or f"{request.method} {request.url.path}"
                    self.not_served.append(endpoint)
                    self.api.not_served.setdefault(endpoint, self.api.exchanges[-1].summary())
        except Exception as exc:  # noqa: BLE001 - kept, and raised as a harness error when the test ends
            self.hook_errors.append(exc)


def header(request_or_response: Any, name: str) -> str | None:
    """A header's value, or None (the libraries' Headers are case-insensitive)."""
    return request_or_response.headers.get(name)
