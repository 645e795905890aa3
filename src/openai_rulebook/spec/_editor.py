"""Copy-on-write edits of the shared spec, and a walk over every schema in it."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from openai_rulebook.spec._pointer import resolve

Parts = tuple[Any, ...]

# Keys whose values are data, not schemas: a ``nullable: true`` inside an example is not a keyword.
_DATA_KEYS = frozenset({"example", "examples", "default", "const", "enum", "description", "required"})
# Keys whose values map names (properties, status codes, media types) to schemas or to holders of schemas.
_NAME_MAPS = frozenset({"properties", "patternProperties", "$defs", "dependentSchemas", "responses", "content", "headers"})


class SpecEditor:
    """Edit a spec without touching it: the containers on the way to an edited node are copied, nothing else.

    ``root`` starts as the caller's dict and becomes a patched copy on the first ``set``.
    """

    def __init__(self, spec: dict[str, Any]) -> None:
        self.root = spec
        self._owned: set[int] = set()  # ids of the copies made so far (kept alive by ``root``)

    def get(self, parts: Parts) -> Any:
        return resolve(self.root, parts)

    def set(self, parts: Parts, value: Any) -> None:
        if id(self.root) not in self._owned:
            self.root = copy.copy(self.root)
            self._owned.add(id(self.root))
        node = self.root
        for part in parts[:-1]:
            child = node[part]
            if id(child) not in self._owned:
                child = copy.copy(child)
                node[part] = child
                self._owned.add(id(child))
            node = child
        node[parts[-1]] = value

    def schemas(self) -> Iterator[tuple[Parts, dict[str, Any]]]:
        """Every schema (and holder of schemas) under components/schemas and the operations' responses.

        Children come before their parent, so a patch that restructures a parent never moves a child that
        is still to be patched, provided the caller applies patches deepest first.
        """
        yield from _walk(self.root.get("components", {}).get("schemas", {}), ("components", "schemas"), True)
        for spec_path, item in self.root["paths"].items():
            for method, operation in item.items():
                if isinstance(operation, dict) and "responses" in operation:
                    yield from _walk(operation["responses"], ("paths", spec_path, method, "responses"), True)


def _walk(node: Any, parts: Parts, names: bool = False) -> Iterator[tuple[Parts, dict[str, Any]]]:
    """``names`` says ``node`` maps names to schemas rather than being a schema itself."""
    if isinstance(node, dict):
        for key, child in node.items():
            if names or (key not in _DATA_KEYS and not str(key).startswith("x-")):
                yield from _walk(child, (*parts, key), not names and key in _NAME_MAPS)
        if not names:
            yield parts, node
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _walk(child, (*parts, index))
