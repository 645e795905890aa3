"""Vector store file attributes: at most 16 pairs, keys up to 64 characters, values strings up to 512, numbers or
booleans (R03.2.1, R03.2.2 and the spec's ``VectorStoreFileAttributes``).

The same limits are stated by several catalog rules: one rule per limit for a single file (attach and update), one
rule for all of them at the level of a file batch. ``AttributeRules`` names the rule each limit is checked under, so
that a fault moves exactly its own rule's limits: by one (the off-by-one mutant) or, for the value type, to any JSON
value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openai_rulebook.server.core.faults import Rules

PARAM = "attributes"
#: the limits, as the catalog's ``params`` state them (a test keeps the two in step)
PAIRS_MAX = 16
KEY_MAX_LENGTH = 64
VALUE_MAX_LENGTH = 512

#: how the error message names the JSON type of a value that is not allowed
_JSON_TYPES = {type(None): "null", list: "array", dict: "object"}


@dataclass(frozen=True)
class AttributeRules:
    """The catalog rule each attribute limit is checked under."""

    max_pairs: str
    key_length: str
    value_type: str
    value_length: str

    @classmethod
    def single(cls, rule: str) -> AttributeRules:
        """Every limit under one rule (a file batch's ``attributes``)."""
        return cls(max_pairs=rule, key_length=rule, value_type=rule, value_length=rule)


def allowed_value(value: object) -> bool:
    """A string, a number or a boolean: what an attribute value may be."""
    return isinstance(value, str | int | float | bool)


def check_attributes(rules: Rules, which: AttributeRules, attributes: dict[str, Any] | None) -> dict[str, Any]:
    """The map to store (``{}`` for ``null``), or a 400 with ``param: "attributes"`` for the first broken limit."""
    if attributes is None:
        return {}
    pairs = len(attributes)
    rules.enforce(
        which.max_pairs,
        pairs <= PAIRS_MAX,
        broken_ok=pairs <= PAIRS_MAX + 1,
        param=PARAM,
        code="object_above_max_properties",
        message=f"Invalid 'attributes': too many properties. Expected an object with at most {PAIRS_MAX} "
        f"properties, but got an object with {pairs} properties instead.",
    )
    for key, value in attributes.items():
        rules.enforce(
            which.key_length,
            len(key) <= KEY_MAX_LENGTH,
            broken_ok=len(key) <= KEY_MAX_LENGTH + 1,
            param=PARAM,
            code="string_above_max_length",
            message=f"Invalid 'attributes': key too long. Expected a string with maximum length {KEY_MAX_LENGTH}, "
            f"but got a string with length {len(key)} instead.",
        )
        rules.enforce(
            which.value_type,
            allowed_value(value),
            param=PARAM,
            code="invalid_type",
            message=f"Invalid 'attributes.{key}': expected a string, a number or a boolean, "
            f"but got {_JSON_TYPES.get(type(value), 'another type')}.",
        )
        if isinstance(value, str):
            rules.enforce(
                which.value_length,
                len(value) <= VALUE_MAX_LENGTH,
                broken_ok=len(value) <= VALUE_MAX_LENGTH + 1,
                param=PARAM,
                code="string_above_max_length",
                message=f"Invalid 'attributes.{key}': string too long. Expected a string with maximum length "
                f"{VALUE_MAX_LENGTH}, but got a string with length {len(value)} instead.",
            )
    return dict(attributes)
