"""JSON pointers (RFC 6901) into the spec, written as URI fragments: ``#/paths/~1models/get``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def escape(part: object) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def pointer(parts: Iterable[object]) -> str:
    """``("paths", "/models")`` -> ``"#/paths/~1models"``."""
    return "#" + "".join("/" + escape(part) for part in parts)


def instance_pointer(parts: Iterable[object]) -> str:
    """The location of a value in a body: ``("data", 0, "id")`` -> ``"/data/0/id"``; the body itself is ``""``."""
    return "".join("/" + escape(part) for part in parts)


def resolve(document: Any, parts: Iterable[object]) -> Any:
    node = document
    for part in parts:
        node = node[part]
    return node


def node_index(document: Any) -> dict[int, str]:
    """Map ``id()`` of every dict and list in ``document`` to its pointer (about 10 ms for the OpenAI spec).

    jsonschema tells which subschema failed but not where it sits once ``$ref`` has been followed; this
    lookup turns the failing subschema back into a location a reader can find in the spec.
    """
    index: dict[int, str] = {}
    stack: list[tuple[Any, str]] = [(document, "#")]
    while stack:
        node, where = stack.pop()
        if id(node) in index:
            continue
        index[id(node)] = where
        if isinstance(node, dict):
            stack.extend((child, f"{where}/{escape(key)}") for key, child in node.items() if isinstance(child, (dict, list)))
        elif isinstance(node, list):
            stack.extend((child, f"{where}/{i}") for i, child in enumerate(node) if isinstance(child, (dict, list)))
    return index


def has_key(document: Any, key: str) -> bool:
    """Whether any mapping anywhere in ``document`` has ``key`` (about 10 ms for the OpenAI spec)."""
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if key in node:
                return True
            stack.extend(child for child in node.values() if isinstance(child, (dict, list)))
        elif isinstance(node, list):
            stack.extend(child for child in node if isinstance(child, (dict, list)))
    return False
