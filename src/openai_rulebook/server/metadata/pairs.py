"""The metadata map shared by many objects: at most 16 pairs, keys up to 64 characters, values strings up to 512.

Each limit is its own catalog rule with its own fault; a fault moves its limit by one (the classic off-by-one
mutant) or, for the value type, lets any JSON value through.
"""

from __future__ import annotations

from typing import Any

from openai_rulebook.server.core.faults import Fault, Rules, register

MAX_PAIRS = "metadata.max_pairs"
KEY_LENGTH = "metadata.key_length"
VALUE_LENGTH = "metadata.value_length"
VALUE_TYPE = "metadata.value_type"

#: the limits, as the catalog's ``params`` state them (a test keeps the two in step)
PAIRS_MAX = 16
KEY_MAX_LENGTH = 64
VALUE_MAX_LENGTH = 512

register(
    Fault("metadata.accept_17_pairs", rule=MAX_PAIRS, description="a map of 17 pairs is accepted (18 is not)"),
    Fault("metadata.accept_long_keys", rule=KEY_LENGTH, description="keys of 65 characters are accepted (66 are not)"),
    Fault(
        "metadata.accept_long_values",
        rule=VALUE_LENGTH,
        description="values of 513 characters are accepted (514 are not)",
    ),
    Fault(
        "metadata.accept_non_string_values",
        rule=VALUE_TYPE,
        description="numbers, booleans, null, lists and objects are accepted as values and stored as sent",
    ),
)


#: how the error message names the JSON type of a value that is not a string
_JSON_TYPES = {bool: "boolean", int: "integer", float: "number", type(None): "null", list: "array", dict: "object"}


def _too_long(what: str, limit: int, length: int) -> str:
    return (
        f"Invalid 'metadata': {what} too long. Expected a string with maximum length {limit}, "
        f"but got a string with length {length} instead."
    )


def check_metadata(rules: Rules, metadata: dict[str, Any] | None) -> dict[str, Any]:
    """The map to store (``{}`` for ``null``), or a 400 with ``param: "metadata"`` for the first broken limit."""
    if metadata is None:
        return {}
    pairs = len(metadata)
    rules.enforce(
        MAX_PAIRS,
        pairs <= PAIRS_MAX,
        broken_ok=pairs <= PAIRS_MAX + 1,
        param="metadata",
        code="object_above_max_properties",
        message=f"Invalid 'metadata': too many properties. Expected an object with at most {PAIRS_MAX} "
        f"properties, but got an object with {pairs} properties instead.",
    )
    for key, value in metadata.items():
        rules.enforce(
            KEY_LENGTH,
            len(key) <= KEY_MAX_LENGTH,
            broken_ok=len(key) <= KEY_MAX_LENGTH + 1,
            param="metadata",
            code="string_above_max_length",
            message=_too_long("key", KEY_MAX_LENGTH, len(key)),
        )
        rules.enforce(
            VALUE_TYPE,
            isinstance(value, str),
            param="metadata",
            code="invalid_type",
            message=f"Invalid 'metadata.{key}': expected a string, but got {_JSON_TYPES.get(type(value), 'a string')}.",
        )
        if isinstance(value, str):
            rules.enforce(
                VALUE_LENGTH,
                len(value) <= VALUE_MAX_LENGTH,
                broken_ok=len(value) <= VALUE_MAX_LENGTH + 1,
                param="metadata",
                code="string_above_max_length",
                message=_too_long("value", VALUE_MAX_LENGTH, len(value)),
            )
    return dict(metadata)
