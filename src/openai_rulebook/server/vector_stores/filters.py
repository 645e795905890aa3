"""Attribute filters of a vector store search: comparisons (``eq``, ``ne``, ``gt``, ``gte``, ``lt``, ``lte``, ``in``,
``nin``) and compounds (``and``, ``or``), as the spec's ``ComparisonFilter`` and ``CompoundFilter`` describe them.

``parse_filter`` turns the request's ``filters`` into a predicate over a file's attributes, or a 400 naming
``filters``. An unknown ``type`` is the catalog rule's business (under its fault it is accepted and matches every
file); a malformed filter of a known type is refused whatever the faults.

Matching, the reference server's reading: a file without the key matches no comparison; ``eq``/``ne``/``in``/``nin``
compare strings with strings, booleans with booleans and numbers with numbers; ``gt``/``gte``/``lt``/``lte`` order
numbers with numbers and strings with strings, and match nothing else.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from openai_rulebook.server.core.errors import APIError
from openai_rulebook.server.core.faults import Rules

FILTER_TYPES = "vector_stores.search.filter_types"
PARAM = "filters"
COMPARISONS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "nin")
COMPOUNDS = ("and", "or")

Predicate = Callable[[dict[str, Any]], bool]

_ORDER = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}
_MISSING = object()


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string" if isinstance(value, str) else "other"


def _equal(actual: object, expected: object) -> bool:
    return _kind(actual) == _kind(expected) and actual == expected


def _compare(op: str, actual: object, expected: object) -> bool:
    if actual is _MISSING:
        return False
    if op in ("in", "nin"):
        options = expected if isinstance(expected, list) else [expected]
        hit = any(_equal(actual, option) for option in options)
        return hit if op == "in" else not hit
    if op in ("eq", "ne"):
        return _equal(actual, expected) == (op == "eq")
    kind = _kind(actual)
    return kind in ("number", "string") and kind == _kind(expected) and _ORDER[op](actual, expected)


def _malformed(path: str, what: str) -> APIError:
    return APIError(400, f"Invalid '{path}': {what}.", param=PARAM, code="invalid_value")


def _scalar(value: object) -> bool:
    return _kind(value) in ("string", "number", "boolean")


def parse_filter(rules: Rules, raw: object, path: str = PARAM) -> Predicate:
    """The predicate ``raw`` describes, or a 400 with ``param: "filters"``."""
    if not isinstance(raw, dict):
        raise _malformed(path, "expected an object")
    kind = raw.get("type")
    if kind in COMPARISONS:
        extra = set(raw) - {"type", "key", "value"}
        if extra:
            raise _malformed(path, f"unknown parameter {sorted(extra)[0]!r}")
        key, value = raw.get("key"), raw.get("value", _MISSING)
        if not isinstance(key, str):
            raise _malformed(f"{path}.key", "expected a string")
        list_value = isinstance(value, list) and all(_kind(item) in ("string", "number") for item in value)
        if not (_scalar(value) or list_value):
            raise _malformed(f"{path}.value", "expected a string, a number, a boolean or an array of them")
        return lambda attributes: _compare(kind, attributes.get(key, _MISSING), value)
    if kind in COMPOUNDS:
        extra = set(raw) - {"type", "filters"}
        if extra:
            raise _malformed(path, f"unknown parameter {sorted(extra)[0]!r}")
        parts = raw.get("filters")
        if not isinstance(parts, list):
            raise _malformed(f"{path}.filters", "expected an array of filters")
        predicates = [parse_filter(rules, part, f"{path}.filters[{index}]") for index, part in enumerate(parts)]
        combine = all if kind == "and" else any
        return lambda attributes: combine(predicate(attributes) for predicate in predicates)
    rules.enforce(
        FILTER_TYPES,
        False,
        param=PARAM,
        code="invalid_value",
        message=f"Invalid '{path}.type': expected one of {', '.join(COMPARISONS + COMPOUNDS)}, but got {kind!r}.",
    )
    return lambda attributes: True  # only under the fault: an unknown type filters nothing out
