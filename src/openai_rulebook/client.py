"""The HTTP client the suites talk through: one place for auth, retries, evidence and clean-up.

Retries cover what is not the API's verdict on a rule: connection failures, 429 and 5xx. When they run out the
test ends *inconclusive* (``Inconclusive``), never passed and never failed. A response that is the target's
route-not-found answer ends the test *unsupported* (``Unsupported``): a missing endpoint never counts as a rejection.

The client also keeps what controls need: which catalog endpoints answered 2xx in this run (``accepted``), and which
refused a request of the current test (``refused``). A 4xx from an endpoint that accepted nothing all run proves no
rule (the verdicts turn such a pass into inconclusive).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from openai_rulebook import __version__, evidence
from openai_rulebook.errors import Inconclusive, Unsupported
from openai_rulebook.routes import NO_SUCH_ROUTE, RouteCheck, RouteIndex

#: how to get rid of what a test created, by the created object's `object` type: deleted, or cancelled where the
#: API deletes nothing (uploads, batches); run when the test ends, pass or fail
CLEANUP: dict[str, tuple[str, str]] = {
    "vector_store": ("DELETE", "/vector_stores/{id}"),
    "file": ("DELETE", "/files/{id}"),
    "upload": ("POST", "/uploads/{id}/cancel"),
    "batch": ("POST", "/batches/{id}/cancel"),
    "chat.completion": ("DELETE", "/chat/completions/{id}"),  # only those created with store: true (see below)
    "response": ("DELETE", "/responses/{id}"),
    "fine_tuning.job": ("POST", "/fine_tuning/jobs/{id}/cancel"),
    "eval": ("DELETE", "/evals/{id}"),
}
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: a fixed multipart boundary: httpx draws a random one per request, and cassettes match requests on their bodies
MULTIPART_BOUNDARY = "rulebook-multipart-boundary-3f9c2e"
_BODY_EXCERPT = 600
#: the key under which a response's ``extensions`` say which exchange of the current test it is
EXCHANGE_INDEX = "rulebook.exchange"
_KEPT_BODY = 4096  # evidence needs the start of a body, never a whole upload


@dataclass(frozen=True)
class Exchange:
    """One request and its response, as evidence: headers redacted (``evidence.py``), never a key."""

    method: str
    path: str
    query: str
    status: int
    request_body: str
    response_body: str
    #: "test" for the test's own requests, "cleanup" for what the client sends to delete what the test created
    phase: str = "test"
    url: str = ""
    request_headers: Mapping[str, str] = field(default_factory=dict)
    response_headers: Mapping[str, str] = field(default_factory=dict)
    #: False when the kept body is only the start of what was sent (a large upload, a streamed body)
    body_complete: bool = True

    def summary(self) -> dict[str, Any]:
        target = f"{self.path}?{self.query}" if self.query else self.path
        item = {
            "request": f"{self.method} {target}",
            "request_headers": dict(self.request_headers),
            "request_body": self.request_body[:_BODY_EXCERPT],
            "status": self.status,
            "response_headers": dict(self.response_headers),
            "response_body": self.response_body[:_BODY_EXCERPT],
            "curl": evidence.curl(self.method, self.url, self.request_headers, self.request_body,
                                  body_complete=self.body_complete),
        }
        if self.phase != "test":
            item["phase"] = self.phase
        return item


@dataclass
class ApiClient:
    """A thin wrapper over ``httpx.Client`` that records every exchange and what it created."""

    base_url: str
    api_key: str | None
    headers: Mapping[str, str] = field(default_factory=dict)
    retries: int = 2
    backoff: float = 0.5
    timeout: float = 30.0
    on_exchange: Callable[[httpx.Request, httpx.Response], None] | None = None
    exchanges: list[Exchange] = field(default_factory=list)
    created: list[tuple[str, str]] = field(default_factory=list)
    #: catalog endpoints of the run, to tell which endpoint a request went to
    routes: RouteIndex | None = None
    #: the target's route-not-found answer; None until ``learn_routes`` (then missing routes raise ``Unsupported``)
    route_check: RouteCheck | None = None
    #: catalog endpoints that answered 2xx at least once in this run: the controls of every rejection
    accepted: set[str] = field(default_factory=set)
    #: catalog endpoints that answered 4xx to the current test
    refused: set[str] = field(default_factory=set)
    #: catalog endpoints found not served while the run went on (beyond what the probe found), with the evidence
    not_served: dict[str, dict[str, Any]] = field(default_factory=dict)
    _phase: str = "test"

    def __post_init__(self) -> None:
        self._http = httpx.Client(base_url=self.base_url.rstrip("/"), timeout=self.timeout,
                                  headers={"User-Agent": f"openai-rulebook/{__version__}"})

    def close(self) -> None:
        self._http.close()

    # -- sending ------------------------------------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        content: bytes | str | None = None,
        files: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: bool = True,
        probing: bool = False,
    ) -> httpx.Response:
        """Send one request; ``auth=False`` leaves the Authorization header out, ``headers`` override ours.

        ``json_body`` is sent as JSON, ``files``/``data`` as multipart/form-data (httpx's arguments), ``content`` as is.
        A route-not-found answer raises ``Unsupported`` unless ``probing`` (the capability probe wants the answer).
        """
        merged: dict[str, str] = dict(self.headers)
        if auth and self.api_key is not None:
            merged["Authorization"] = f"Bearer {self.api_key}"
        if json_body is not None:
            content = json.dumps(json_body)
            merged.setdefault("Content-Type", "application/json")
        if files:
            merged.setdefault("Content-Type", f"multipart/form-data; boundary={MULTIPART_BOUNDARY}")
        for name, value in (headers or {}).items():
            # an explicit None removes a header, so that tests can send requests without it
            merged = {k: v for k, v in merged.items() if k.lower() != name.lower()}
            if value is not None:
                merged[name] = value
        request = self._http.build_request(method, path, content=content, files=files, data=data, params=params,
                                           headers=merged)
        if files:
            request.read()  # small multipart bodies are read once, so that the evidence and the cassette can show them
        response = self._send(request)
        self._record(request, response, judged=not probing)
        if not probing and self.route_check is not None and self.route_check.not_served(response):
            endpoint = self.endpoint_of(request) or f"{request.method} {request.url.path}"
            self.not_served.setdefault(endpoint, self.exchanges[-1].summary())
            raise Unsupported(f"{endpoint} is not served by the target (it answered {response.status_code} "
                              f"{response.text[:120]!r}, as it answers a URL that exists nowhere)")
        return response

    def endpoint_of(self, request: httpx.Request) -> str | None:
        """The catalog endpoint ``request`` went to, if the run's catalog lists it."""
        return self.routes.match(request.method, request.url.path) if self.routes is not None else None

    def learn_routes(self) -> RouteCheck:
        """Ask for a URL that exists nowhere, once per method: the target's route-not-found answer, to compare with."""
        check = RouteCheck()
        for method in ("GET", "POST", "DELETE"):
            response = self.request(method, NO_SUCH_ROUTE, json_body={} if method == "POST" else None, probing=True)
            check.learn(method, response)
        self.route_check = check
        return check

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, json_body=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def _send(self, request: httpx.Request) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response = self._http.send(request)
            except httpx.TransportError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                response.read()
                problem = f"HTTP {response.status_code}"
            if attempt >= self.retries:
                raise Inconclusive(
                    f"{request.method} {request.url.path} could not be answered after {attempt + 1} attempts: {problem}"
                )
            attempt += 1
            time.sleep(self.backoff * 2 ** (attempt - 1))

    # -- evidence and clean-up ----------------------------------------------------------------------------------------
    def record_exchange(self, request: httpx.Request, response: httpx.Response) -> None:
        """Log an exchange another client had with the target (the SDK's, in ``sdk/client.py``) as if sent here:
        evidence, spec checks, observations, controls and clean-up of what it created. The response must be read."""
        self._record(request, response)

    def _record(self, request: httpx.Request, response: httpx.Response, *, judged: bool = True) -> None:
        secrets = [self.api_key or "", *self.headers.values()]
        body, complete = _request_body(request)
        self.exchanges.append(
            Exchange(
                method=request.method,
                path=request.url.path,
                query=request.url.query.decode(),
                status=response.status_code,
                request_body=evidence.redact_text(body, secrets),
                response_body=evidence.redact_text(response.text[:_KEPT_BODY], secrets),
                phase=self._phase,
                url=str(request.url),
                request_headers=evidence.request_headers(request.headers.items(), secrets),
                response_headers=evidence.response_headers(response.headers.items()),
                body_complete=complete,
            )
        )
        # which exchange a response is, so that a violation raised about it points at the request that decided
        response.extensions[EXCHANGE_INDEX] = len(self.exchanges) - 1
        endpoint = self.endpoint_of(request)
        if endpoint is not None and self._phase == "test":
            if response.is_success:
                self.accepted.add(endpoint)
            elif 400 <= response.status_code < 500:
                self.refused.add(endpoint)
        if self.on_exchange is not None and judged:  # the probe's answers are about routes, not about the spec
            self.on_exchange(request, response)
        if request.method == "POST" and response.is_success:
            self._remember_created(response)
        if request.method == "DELETE" and response.is_success:
            # deleted by the test itself: a second DELETE at clean-up may answer 404 or 400, both legal
            self.created = [(kind, object_id) for kind, object_id in self.created
                            if not (CLEANUP[kind][0] == "DELETE"
                                    and request.url.path.endswith(CLEANUP[kind][1].format(id=object_id)))]

    def _remember_created(self, response: httpx.Response) -> None:
        try:
            body = response.json()
        except ValueError:
            return
        # a completed upload carries the File it created: that needs deleting too, after the upload (newest first)
        nested = body.get("file") if isinstance(body, dict) and body.get("object") == "upload" else None
        for obj in (body, nested):
            if isinstance(obj, dict) and obj.get("object") == "chat.completion" and not _asked_to_store(response):
                continue  # a chat completion is kept only when created with store: true
            if isinstance(obj, dict) and obj.get("object") in CLEANUP and isinstance(obj.get("id"), str):
                key = (obj["object"], obj["id"])
                if key not in self.created:
                    self.created.append(key)

    def start_test(self) -> None:
        """Forget the previous test's exchanges, creations and refusals."""
        self.exchanges.clear()
        self.created.clear()
        self.refused.clear()
        self._phase = "test"

    def clean_up(self) -> list[str]:
        """Delete or cancel, newest first, what the current test created; return what could not be cleaned up.

        Clean-up never judges: any 2xx or 4xx means done (a second delete of a deleted object may answer 404, 400 or
        200; a cancel of a finished object 4xx); a 5xx, an unanswered request or a missing route leaves a leftover.
        """
        left: list[str] = []
        self._phase = "cleanup"
        try:
            for object_type, object_id in reversed(self.created):
                method, template = CLEANUP[object_type]
                try:
                    response = self.request(method, template.format(id=object_id))
                except (Inconclusive, Unsupported) as exc:
                    left.append(f"{object_type} {object_id}: {str(exc).splitlines()[0]}")
                    continue
                if response.status_code >= 500:
                    left.append(f"{object_type} {object_id}: {method} answered {response.status_code}")
        finally:
            self.created.clear()
            self._phase = "test"
        return left


def _asked_to_store(response: httpx.Response) -> bool:
    """Whether the request of ``response`` was a chat completion create with ``store: true``."""
    try:
        sent = json.loads(response.request.content or b"null")
    except (ValueError, httpx.RequestNotRead):
        return False
    return isinstance(sent, dict) and sent.get("store") is True and "messages" in sent


def _request_body(request: httpx.Request) -> tuple[str, bool]:
    """The start of the body as evidence, and whether that is all of it; a streamed body is never read for it."""
    try:
        content = request.content
    except Exception as exc:  # httpx's RequestNotRead, or httpx2's (the SDK's library) of the same name
        if type(exc).__name__ != "RequestNotRead":
            raise
        length = request.headers.get("content-length", "unknown")
        return f"<streamed body, {length} bytes>", False
    return content[:_KEPT_BODY].decode("utf-8", "replace"), len(content) <= _KEPT_BODY
