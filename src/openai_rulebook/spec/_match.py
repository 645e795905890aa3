"""Find the spec operation that a request hit: ``GET /v1/vector_stores/vs_1`` -> ``getVectorStore``."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from openai_rulebook.spec._pointer import pointer

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
_PARAM = re.compile(r"\{[^{}/]+\}")


@dataclass(frozen=True, slots=True)
class Operation:
    """One documented operation."""

    operation_id: str
    method: str  #: upper case
    spec_path: str  #: the path key as written in the spec, e.g. ``/responses/{response_id}?beta=true``
    responses: dict[str, Any]  #: the operation's ``responses`` object
    responses_pointer: str  #: where ``responses`` sits in the spec


@dataclass(frozen=True, slots=True)
class _Route:
    regex: re.Pattern[str]
    query: tuple[tuple[str, str], ...]  #: pairs the request's query must carry (``?beta=true`` in the spec)
    rank: tuple[tuple[int, ...], int]  #: literal segments first, left to right; then query pairs
    spec_path: str


@dataclass(frozen=True, slots=True)
class Lookup:
    operation: Operation | None
    route_path: str  #: the request path with the query and the server base path removed
    other_methods: tuple[str, ...] = ()  #: when ``operation`` is None: the methods the spec has for the path
    other_path: str | None = None  #: ... and the path template that has them


def _route(spec_path: str) -> _Route:
    template, _, query = spec_path.partition("?")
    segments = template.strip("/").split("/") if template.strip("/") else []
    pattern = "".join(
        "/" + "".join(
            "[^/]+" if _PARAM.fullmatch(piece) else re.escape(piece)
            for piece in re.split(r"(\{[^{}/]+\})", segment)
            if piece
        )
        for segment in segments
    )
    literal = tuple(0 if _PARAM.search(segment) else 1 for segment in segments)
    pairs = tuple(parse_qsl(query, keep_blank_values=True))
    return _Route(re.compile(pattern or "/?"), pairs, (literal, len(pairs)), spec_path)


class OperationIndex:
    """Every operation of a spec, with path matchers compiled once."""

    def __init__(self, spec: dict[str, Any]) -> None:
        servers = spec.get("servers") or [{}]
        self.base_path = urlsplit(str(servers[0].get("url", ""))).path.rstrip("/")
        self._operations: dict[tuple[str, str], Operation] = {}
        # (method or "*", segment count) -> routes, most specific first
        self._routes: dict[tuple[str, int], list[_Route]] = defaultdict(list)
        for spec_path, item in spec["paths"].items():
            route = _route(spec_path)
            count = len(route.rank[0])
            self._routes["*", count].append(route)
            for method, operation in item.items():
                if method not in HTTP_METHODS:
                    continue
                upper = method.upper()
                self._operations[upper, spec_path] = Operation(
                    operation_id=operation.get("operationId") or f"{upper} {spec_path}",
                    method=upper,
                    spec_path=spec_path,
                    responses=operation.get("responses") or {},
                    responses_pointer=pointer(("paths", spec_path, method, "responses")),
                )
                self._routes[upper, count].append(route)
        for routes in self._routes.values():
            routes.sort(key=lambda route: route.rank, reverse=True)

    def __len__(self) -> int:
        return len(self._operations)

    def split(self, path: str) -> tuple[str, dict[str, str]]:
        """``https://host/v1/models?x=1`` or ``/v1/models?x=1`` -> ``("/models", {"x": "1"})``."""
        parts = urlsplit(path)
        route_path = parts.path or "/"
        base = self.base_path
        if base and (route_path == base or route_path.startswith(base + "/")):
            route_path = route_path[len(base) :] or "/"
        return route_path, dict(parse_qsl(parts.query, keep_blank_values=True))

    def lookup(self, method: str, path: str) -> Lookup:
        route_path, query = self.split(path)
        count = len(route_path.strip("/").split("/")) if route_path.strip("/") else 0
        method = method.upper()
        for route in self._routes.get((method, count), ()):
            if route.regex.fullmatch(route_path) and all(query.get(k) == v for k, v in route.query):
                return Lookup(self._operations[method, route.spec_path], route_path)
        for route in self._routes.get(("*", count), ()):  # most specific first, whatever the method
            if route.regex.fullmatch(route_path):
                others = sorted(known for known, spec_path in self._operations if spec_path == route.spec_path)
                return Lookup(None, route_path, tuple(others), route.spec_path)
        return Lookup(None, route_path)
