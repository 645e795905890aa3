"""Where in a response body a known spec drift can show: the instance paths of the drifting properties.

A null-drift gap names ``(component schema, property)`` pairs. For a response schema, the paths at which those
properties sit are found once by walking the schema (``$ref``, ``allOf``/``anyOf``/``oneOf``, ``properties``,
``items``), e.g. ``("data", "*", "expires_at")`` for a list of files; each body is then only looked up there.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from openai_rulebook.spec._gaps import KnownGap

Pattern = tuple[str, ...]  #: instance path with "*" for any array index
_COMPONENTS = "#/components/schemas/"
_MAX_DEPTH = 12  # response schemas of the API nest far less deeply; the bound only stops pathological specs


class DriftSites:
    """The null-drift gaps of a validator, and their instance paths per response schema (cached)."""

    def __init__(self, spec: dict[str, Any], gaps: Iterable[KnownGap]) -> None:
        self._spec = spec
        self._sites: dict[tuple[str, str], str] = {site: gap.id for gap in gaps for site in gap.nulls}
        self._patterns: dict[str, tuple[tuple[Pattern, str, str], ...]] = {}

    def nulls(self, schema_pointer: str, body: Any) -> Iterator[tuple[str, str, str]]:
        """``(gap id, instance pointer, schema pointer of the property)`` for each drifting null in ``body``."""
        if not self._sites:
            return
        if schema_pointer not in self._patterns:
            found: dict[tuple[Pattern, str, str], None] = {}
            self._walk(self._at(schema_pointer), None, (), found, set(), 0)
            self._patterns[schema_pointer] = tuple(found)
        for pattern, gap_id, property_pointer in self._patterns[schema_pointer]:
            for where in _null_at(body, pattern, ""):
                yield gap_id, where, property_pointer

    def _at(self, pointer: str) -> Any:
        node: Any = self._spec
        for part in pointer.removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")] if isinstance(node, dict) else None
        return node

    def _walk(self, schema: Any, component: str | None, path: Pattern,
              found: dict[tuple[Pattern, str, str], None], refs: set[str], depth: int) -> None:
        if not isinstance(schema, dict) or depth > _MAX_DEPTH:
            return
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(_COMPONENTS) and ref not in refs:
            self._walk(self._at(ref), ref.removeprefix(_COMPONENTS), path, found, refs | {ref}, depth + 1)
        for key in ("allOf", "anyOf", "oneOf"):
            for member in schema.get(key) or ():
                self._walk(member, component, path, found, refs, depth + 1)
        for name, child in (schema.get("properties") or {}).items():
            gap_id = self._sites.get((component, name)) if component else None
            if gap_id:
                found[(*path, name), gap_id, f"{_COMPONENTS}{component}/properties/{name}"] = None
            self._walk(child, None, (*path, name), found, refs, depth + 1)
        if isinstance(schema.get("items"), dict):
            self._walk(schema["items"], None, (*path, "*"), found, refs, depth + 1)


def _null_at(body: Any, pattern: Pattern, where: str) -> Iterator[str]:
    if not pattern:
        if body is None:
            yield where
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        if isinstance(body, list):
            for index, item in enumerate(body):
                yield from _null_at(item, rest, f"{where}/{index}")
    elif isinstance(body, dict) and head in body:
        yield from _null_at(body[head], rest, f"{where}/{head}")
