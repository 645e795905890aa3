"""The ASGI layer where variants that act on whole requests and responses take effect, in this order:

1. the clock: a little virtual time passes per request (``clock.request_millis``);
2. routing: an unmounted area's URLs answer the route-not-found 404 of an unknown URL (``area.off.*``);
3. validation order: an unknown object id in the path answers 404 before any parameter is looked at
   (``validation.ids_first``);
4. the response: a second DELETE of a deleted object answers 400 (``delete.second_400``), JSON objects get
   extra undocumented fields and headers (``responses.extra_fields``), fields real traffic shows null become null
   (``responses.real_nulls``).

Every request is noted with the variants that would change its answer (see ``variants.py``), active or not.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openai_rulebook.server.core.clock import request_millis
from openai_rulebook.server.core.errors import APIError
from openai_rulebook.server.errors.envelope import error_response
from openai_rulebook.server.areas import AREAS
from openai_rulebook.server.core.state import ServerState
from openai_rulebook.server.core.variants import Variant, Variants, register_variant

IDS_FIRST = "validation.ids_first"
SECOND_DELETE = "delete.second_400"
EXTRA_FIELDS = "responses.extra_fields"
REAL_NULLS = "responses.real_nulls"

#: the collection the first id of a path names, by the path's first segment under /v1
_TOP_LEVEL = {"vector_stores", "files", "batches", "uploads", "responses", "evals"}
#: fields the real API leaves null (files.jsonl, batches.jsonl, vector_stores.jsonl), by object type: "always"
#: may be null whatever the object's state; "unset" is null instead of absent, empty or blank
REAL_NULL_FIELDS: dict[str, dict[str, str]] = {
    "file": {"expires_at": "unset", "status_details": "always"},
    "batch": {"model": "always", "metadata": "unset", "errors": "unset", "error_file_id": "unset",
              "output_file_id": "unset", "in_progress_at": "unset", "finalizing_at": "unset",
              "completed_at": "unset", "failed_at": "unset", "expired_at": "unset", "cancelling_at": "unset",
              "cancelled_at": "unset"},
    # not expires_after: real traffic has it null, but openapi.null_expires_after makes that a fault (disputed)
    "vector_store": {"name": "unset", "description": "unset", "expires_at": "unset"},
    "vector_store.file": {"last_error": "unset"},
}
#: illegal variants for the harness's own tests: every member of every JSON object but ``id`` and ``object`` null,
#: or missing; a suite must turn each into rule violations or inconclusives, never a harness error
MALFORMED = {"responses.malformed_nulls": "null", "responses.malformed_missing": "missing"}
_KEPT = frozenset({"id", "object"})
#: an illegal variant for the harness's own tests: every list page repeats an item (its first one instead of its
#: last, or once more when it holds one); only the rules of lists may fail under it, never a rule that merely
#: reads a list to check something else
LIST_DUPLICATES = "lists.duplicates"
EXTRA_FIELD = "x_rulebook_variant"
EXTRA_HEADERS = {"openai-processing-ms": "42", "x-rulebook-variant": "extra"}

register_variant(
    *(Variant(f"area.off.{area}", area=area,
              description=f"the {area} area is not served: its URLs answer 404 as unknown URLs do")
      for area in AREAS),
    Variant(IDS_FIRST, description="an unknown object id in the path answers 404 before any parameter is checked"),
    Variant(SECOND_DELETE, description="a second DELETE of an object already deleted answers 400 instead of 404"),
    Variant(EXTRA_FIELDS, description="every JSON object response carries an extra undocumented field "
                                      f"({EXTRA_FIELD!r}, in list items too), and responses extra headers"),
    *(Variant(name, legal=False, description=f"NOT LEGAL, for harness tests: every member of every JSON object "
                                             f"but id and object is {how}")
      for name, how in MALFORMED.items()),
    Variant(LIST_DUPLICATES, legal=False, description="NOT LEGAL, for harness tests: every list page repeats an "
                                                      "item (its first instead of its last, or twice if alone)"),
    Variant(REAL_NULLS, description="fields real traffic shows null are null: file status_details and unset "
                                    "expires_at, batch model and unset timestamps/errors/metadata, a vector store's "
                                    "unset name/description/expires_at, a vector store file's last_error"),
)


class VariantLayer:
    """ASGI middleware around the whole app; inert (besides noting) while no variant is active."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        app = scope["app"]
        state: ServerState = app.state.rulebook
        variants = Variants(state.variants, state.consulted)
        state.requests += 1
        millis = request_millis(variants, state.seed, state.requests)
        if millis:
            state.clock.tick(millis)
        request = Request(scope, receive)
        early, unknown_id = _routing_answer(scope, state, variants, request)
        status, headers, body = await _capture(early if early is not None else self.app, scope, receive)
        if unknown_id and status != 404:
            variants.note(IDS_FIRST)  # an unknown id, yet another parameter was refused first
        status, headers, body = await _second_delete(request, state, variants, status, headers, body, scope, receive)
        headers, body = _rewrite(variants, headers, body, listing=scope.get("method") == "GET")
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


@dataclass(frozen=True)
class _Route:
    area: str
    #: the template under /v1, e.g. ``/vector_stores/{vector_store_id}``
    path: str
    methods: frozenset[str]
    pattern: re.Pattern[str]


#: every route of every area, in mounting order, as this layer matches them (FastAPI's own routing is private)
_ROUTES = [
    _Route(area, route.path, frozenset(route.methods), compile_path(f"/v1{route.path}")[0])
    for area, router in AREAS.items()
    for route in router.routes
    if isinstance(route, APIRoute)
]


def _route(scope: Scope) -> tuple[_Route, dict[str, str]] | None:
    """The route ``scope`` reaches (a full match, else one of another method, as Starlette picks), and its params."""
    partial = None
    for route in _ROUTES:
        match = route.pattern.match(scope["path"])
        if match is None:
            continue
        if scope["method"] in route.methods:
            return route, match.groupdict()
        if partial is None:
            partial = (route, match.groupdict())
    return partial


def _routing_answer(scope: Scope, state: ServerState, variants: Variants, request: Request,
                    ) -> tuple[Any, bool]:
    """The response a variant gives before the app sees the request (or None), and whether the path's first id
    names no object."""
    found = _route(scope)
    if found is None:
        return None, False
    route, params = found
    name = f"area.off.{route.area}"
    variants.note(name)
    if name in variants:
        return error_response(request, APIError(404, f"Invalid URL ({request.method} {request.url.path})")), False
    kind = route.path.split("/")[2] if route.path.count("/") >= 2 else ""
    first_param = next(iter(params), None)
    unknown = kind in _TOP_LEVEL and first_param is not None and state.collection(kind).get(params[first_param]) is None
    if unknown and IDS_FIRST in variants:
        variants.note(IDS_FIRST)
        return error_response(request, APIError(404, f"No such object: {params[first_param]}")), True
    return None, unknown


async def _capture(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Run ``app`` and keep its whole answer, so that variants can change it before it is sent."""
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def keep(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, keep)
    return start.get("status", 500), list(start.get("headers", [])), b"".join(chunks)


async def _second_delete(request: Request, state: ServerState, variants: Variants, status: int,
                         headers: list[tuple[bytes, bytes]], body: bytes, scope: Scope, receive: Receive,
                         ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    if request.method != "DELETE":
        return status, headers, body
    path = request.url.path
    if status == 200:
        state.deleted_paths.add(path)
    elif status == 404 and path in state.deleted_paths:
        variants.note(SECOND_DELETE)
        if SECOND_DELETE in variants:
            response = error_response(request, APIError(400, f"The object at {path} was already deleted."))
            return await _capture(response, scope, receive)
    return status, headers, body


def _rewrite(variants: Variants, headers: list[tuple[bytes, bytes]], body: bytes, *, listing: bool = True,
             ) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """Extra fields and headers, real nulls: the response as the active variants send it."""
    variants.note(EXTRA_FIELDS)  # acts on every response
    is_json = any(name.lower() == b"content-type" and b"json" in value for name, value in headers)
    document = None
    if is_json and body:
        try:
            document = json.loads(body)
        except ValueError:
            document = None
    if isinstance(document, dict):
        changed = False
        objects = [document]
        if isinstance(document.get("data"), list):
            objects += [item for item in document["data"] if isinstance(item, dict)]
        for obj in objects:
            nulled = _real_nulls(obj)
            if nulled != obj:
                variants.note(REAL_NULLS)
                if REAL_NULLS in variants:
                    obj.clear()
                    obj.update(nulled)
                    changed = True
        if EXTRA_FIELDS in variants:
            for obj in objects:
                obj[EXTRA_FIELD] = "an undocumented field a client must ignore"
            changed = True
        # list pages are what GET answers; a POST answering a "list" (embeddings) is an object, not a page
        if LIST_DUPLICATES in variants and listing and document.get("object") == "list":
            data = document.get("data")
            if isinstance(data, list) and data:
                document["data"] = [*data[:-1], data[0]] if len(data) > 1 else [data[0], data[0]]
                changed = True
        for name, how in MALFORMED.items():
            # error envelopes stay whole: the route-not-found answer must stay told apart from an unknown id's
            if name in variants and not isinstance(document.get("error"), dict):  # a response's "error": null
                document = _malformed(document, how)
                changed = True
        if changed:
            body = json.dumps(document).encode()
            headers = [(name, value) for name, value in headers if name.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
    if EXTRA_FIELDS in variants:
        headers = headers + [(name.encode(), value.encode()) for name, value in EXTRA_HEADERS.items()]
    return headers, body


def _real_nulls(obj: dict[str, Any]) -> dict[str, Any]:
    if "deleted" in obj:  # {"id", "object", "deleted"}: a deletion says nothing more, live or here
        return obj
    fields = REAL_NULL_FIELDS.get(obj.get("object", ""), {})
    nulled = dict(obj)
    for name, when in fields.items():
        if when == "always" or nulled.get(name) in (None, "", {}, []):
            nulled[name] = None
    return nulled


def _malformed(value: Any, how: str) -> Any:
    """``value`` with every member of every object (at any depth) but ``id`` and ``object`` nulled or dropped."""
    if isinstance(value, list):
        return [_malformed(item, how) for item in value]
    if not isinstance(value, dict):
        return value
    if how == "missing":
        return {key: item for key, item in value.items() if key in _KEPT}
    return {key: (_malformed(item, how) if key in _KEPT else None) for key, item in value.items()}
