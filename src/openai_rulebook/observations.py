"""What a run *saw*, per catalog operation: the raw material of drift reports (``rulebook drift runs``).

Per operation (``GET /v1/vector_stores/{vector_store_id}``): the statuses answered, the response fields present
(dotted paths, list items folded to ``[]``, the keys of free-form maps such as ``metadata`` folded to ``*``), which
fields were null at least once, the values met per enum-like field (``status``, ``object``, ``finish_reason``,
``type``, ``code``: ``error.type`` and ``error.code`` too), whether the headers of interest were sent
(``always``/``sometimes``/``never``) and the media types. Per rule: the statuses its tests got.

Secret-free by construction: nothing is kept but field names, statuses, media types and the short string values of
enum-like fields; no id, no header value, no body text. Deterministic: every list is sorted, and nothing counts
requests (a count changes with retries and timing, not with the API).

Three sources give the same shape: a run (``Observer.on_exchange`` beside the spec check), a cassette set
(``from_cassettes``) and recorded traffic in the ``real-traffic`` line format (``from_traffic``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

#: fields whose string values are an enumeration worth watching (the last segment of the dotted path)
ENUM_FIELDS = frozenset({"status", "object", "finish_reason", "type", "code"})
#: headers whose presence is watched (never their values)
HEADERS_OF_INTEREST = ("openai-processing-ms", "x-request-id")
#: maps whose keys the caller chooses: their keys are folded to ``*``, or every run would show new fields
MAP_FIELDS = frozenset({"metadata", "attributes", "logit_bias"})
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
_MAX_DEPTH = 8  # response objects of the API nest less deeply; the bound keeps odd bodies small
_MAX_ENUM_LENGTH = 64  # a longer string is text, not an enumeration value
_MAX_ENUM_VALUES = 40  # per field: more distinct values than this is not an enumeration


class _Matcher(Protocol):
    def match(self, method: str, path: str) -> str | None: ...


@dataclass
class _Operation:
    statuses: set[int] = field(default_factory=set)
    fields: set[str] = field(default_factory=set)
    null_fields: set[str] = field(default_factory=set)
    error_fields: set[str] = field(default_factory=set)
    enums: dict[str, set[str]] = field(default_factory=dict)
    content_types: set[str] = field(default_factory=set)
    headers_seen: dict[str, set[bool]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "statuses": sorted(self.statuses),
            "fields": sorted(self.fields),
            "null_fields": sorted(self.null_fields),
            "error_fields": sorted(self.error_fields),
            "enums": {name: sorted(values) for name, values in sorted(self.enums.items())},
            "content_types": sorted(self.content_types),
            "headers": {name: _presence(self.headers_seen.get(name, set())) for name in HEADERS_OF_INTEREST},
        }


def _presence(seen: set[bool]) -> str:
    if seen == {True}:
        return "always"
    return "sometimes" if True in seen else "never"


@dataclass
class Observer:
    """Collects observations from exchanges; ``as_dict`` is what ``compliance.json`` keeps under ``observations``."""

    routes: _Matcher
    source: str = "run"
    _operations: dict[str, _Operation] = field(default_factory=dict)
    unmatched: int = 0

    def on_exchange(self, request: httpx.Request, response: httpx.Response) -> None:
        """The ``ApiClient.on_exchange`` hook."""
        content_type = response.headers.get("content-type", "")
        body = None
        if "json" in content_type:
            try:
                body = response.json()
            except ValueError:
                body = None
        self.see(request.method, request.url.path, response.status_code,
                 {name.lower(): value for name, value in response.headers.items()}, body)

    def see(self, method: str, path: str, status: int, headers: Mapping[str, str], body: Any) -> None:
        """One exchange: ``headers`` with lower-case names, ``body`` parsed JSON (or None)."""
        endpoint = self.routes.match(method.upper(), path.split("?", 1)[0])
        if endpoint is None:
            self.unmatched += 1
            return
        operation = self._operations.setdefault(endpoint, _Operation())
        operation.statuses.add(status)
        media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media:
            operation.content_types.add(media)
        for name in HEADERS_OF_INTEREST:
            operation.headers_seen.setdefault(name, set()).add(name in headers)
        if isinstance(body, (dict, list)):
            _walk(body, "", operation, error=status >= 400, depth=0)

    def as_dict(self, rule_statuses: Mapping[str, Iterable[int]] | None = None) -> dict[str, Any]:
        return {
            "source": self.source,
            "operations": {name: op.as_dict() for name, op in sorted(self._operations.items())},
            "rules": rules_part(rule_statuses or {}),
            "unmatched_exchanges": self.unmatched,
        }


def rules_part(rule_statuses: Mapping[str, Iterable[int]]) -> dict[str, Any]:
    """The per-rule part of the observations: the statuses each rule's tests got."""
    return {rule: {"statuses": sorted(set(statuses))} for rule, statuses in sorted(rule_statuses.items())}


def _walk(node: Any, path: str, operation: _Operation, *, error: bool, depth: int) -> None:
    if depth > _MAX_DEPTH:
        return
    if isinstance(node, list):
        for item in node:
            _walk(item, f"{path}[]", operation, error=error, depth=depth + 1)
        return
    if not isinstance(node, dict):
        return
    folded = path.rsplit(".", 1)[-1].removesuffix("[]") in MAP_FIELDS
    for key, value in node.items():
        name = "*" if folded or not _KEY.match(str(key)) else str(key)
        child = f"{path}.{name}" if path else name
        (operation.error_fields if error else operation.fields).add(child)
        if value is None and not error:
            operation.null_fields.add(child)
        if name in ENUM_FIELDS and isinstance(value, str) and len(value) <= _MAX_ENUM_LENGTH:
            values = operation.enums.setdefault(child, set())
            if len(values) < _MAX_ENUM_VALUES:
                values.add(value)
        _walk(value, child, operation, error=error, depth=depth + 1)


def rule_statuses(results: Iterable[Any]) -> dict[str, set[int]]:
    """Per rule, the statuses its tests' own requests got (``TestResult`` objects; clean-up requests left out)."""
    statuses: dict[str, set[int]] = {}
    for result in results:
        seen = {exchange["status"] for exchange in result.exchanges if exchange.get("phase", "test") == "test"}
        for rule_id in {*result.rules, *result.violated}:
            statuses.setdefault(rule_id, set()).update(seen)
    return statuses


# -- other sources --------------------------------------------------------------------------------------------------
def from_cassettes(directory: Path, routes: _Matcher) -> dict[str, Any]:
    """Observations of a cassette set (``cassettes/<set>/**/*.yaml``, vcrpy format); the capability probe is left
    out, as a run leaves it out. Per-rule statuses need the suites' markers, so a cassette set has none."""
    import yaml

    try:
        from yaml import CSafeLoader as Loader
    except ImportError:  # pragma: no cover - depends on how PyYAML was built
        from yaml import SafeLoader as Loader  # type: ignore[assignment]
    from urllib.parse import urlsplit

    observer = Observer(routes, source=f"cassettes:{directory}")
    for path in sorted(directory.rglob("*.yaml")):
        if "_probe" in path.relative_to(directory).parts:
            continue
        with path.open("rb") as stream:
            document = yaml.load(stream, Loader=Loader) or {}
        for interaction in document.get("interactions") or ():
            request, response = interaction["request"], interaction["response"]
            headers = {name.lower(): (values[0] if isinstance(values, list) and values else str(values))
                       for name, values in (response.get("headers") or {}).items()}
            text = (response.get("body") or {}).get("string") or ""
            if isinstance(text, bytes):
                text = text.decode("utf-8", "replace")
            body = None
            if "json" in headers.get("content-type", ""):
                try:
                    body = json.loads(text)
                except ValueError:
                    body = None
            observer.see(request["method"], urlsplit(request["uri"]).path, int(response["status"]["code"]),
                         headers, body)
    return observer.as_dict()


def from_traffic(directory: Path, routes: _Matcher) -> dict[str, Any]:
    """Observations of recordings in the ``real-traffic`` line format (one ``<family>.jsonl`` per family)."""
    from openai_rulebook.traffic import Corpus

    corpus = Corpus(directory)
    observer = Observer(routes, source=f"traffic:{directory}")
    for line in corpus.exchanges(corpus.family_names):
        headers = {name.lower(): value for name, value in line.response_headers.items()}
        observer.see(line.method, line.path, line.status, headers, line.json_body)
    return observer.as_dict()
