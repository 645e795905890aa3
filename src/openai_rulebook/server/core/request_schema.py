"""A request body held to a JSON Schema, refused as the live API refuses: 400 with the member's dotted path as
``param`` (``text.format.name``, ``tools[0].parameters``) and the live API's codes (``invalid_type``,
``missing_required_parameter``, ``integer_below_min_value``, ...).

An area writes the schema of its request as the official spec has it, less what a catalog rule judges (its
range, enum or length stays in the rule's own check, where its fault acts: a schema that refused it first would
hide the fault). Optional top-level members sent as null read as left out, as the live API reads them (the
catalog's ``openapi.negative_data_rejection`` dispute, ``null_as_absent``).
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from openai_rulebook.server.core.errors import APIError

#: how the live API names a JSON type in its refusals
_KINDS = {"string": "a string", "integer": "an integer", "number": "a decimal", "boolean": "a boolean",
          "object": "an object", "array": "an array", "null": "null"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` or null (the spec's ``anyOf: [..., {type: null}]``)."""
    return {"anyOf": [schema, {"type": "null"}]}


def enum(*values: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


#: the spec's ``format: uri``, an absolute URI (a scheme, then no whitespace): jsonschema checks that format only
#: with a package this project does not need, so as a pattern
URI: dict[str, Any] = {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$"}


class RequestSchema:
    """One request's schema, compiled once; ``check`` refuses the first breach it finds."""

    def __init__(self, schema: dict[str, Any]) -> None:
        Draft202012Validator.check_schema(schema)
        self._validator = Draft202012Validator(schema)
        self._required = frozenset(schema.get("required") or ())

    def check(self, body: dict[str, Any]) -> None:
        """Raise the ``APIError`` for the most relevant breach of the schema in ``body``; return when there is none."""
        present = {name: value for name, value in body.items() if value is not None or name in self._required}
        error = best_match(self._validator.iter_errors(present))
        if error is not None:
            raise refusal(error)


def _param(path: Any) -> str:
    dotted = ""
    for part in path:
        dotted += f"[{part}]" if isinstance(part, int) else f".{part}" if dotted else str(part)
    return dotted


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _quoted(values: Any) -> str:
    texts = [f"'{value}'" for value in values]
    return ", ".join(texts[:-1]) + f", and {texts[-1]}" if len(texts) > 2 else " and ".join(texts)


def refusal(error: ValidationError) -> APIError:
    """The live API's 400 for one schema breach."""
    param = _param(error.absolute_path)
    value, bound, keyword = error.instance, error.validator_value, error.validator
    if keyword in ("anyOf", "oneOf") and error.context:
        # jsonschema's best match stops here when no alternative takes the value's type: the value is of the wrong
        # type (a string for a boolean or null); otherwise the alternative it came closest to says what is wrong
        if all(branch.validator == "type" and not branch.relative_path for branch in error.context):
            kinds = [kind for branch in error.context for kind in (
                [branch.validator_value] if isinstance(branch.validator_value, str) else branch.validator_value)]
            expected = " or ".join(_KINDS.get(kind, kind) for kind in dict.fromkeys(kinds))
            return APIError(400, f"Invalid type for '{param}': expected {expected}, but got {_kind(value)} "
                                 "instead.", param=param, code="invalid_type")
        closest = best_match(error.context)
        if closest is not None:
            return refusal(closest)
    number = "integer" if isinstance(value, int) else "decimal"
    if keyword == "required":
        missing = next(name for name in bound if name not in value)
        param = f"{param}.{missing}" if param else missing
        return APIError(400, f"Missing required parameter: '{param}'.", param=param,
                        code="missing_required_parameter")
    if keyword == "additionalProperties":
        extra = next(iter(sorted(set(value) - set(error.schema.get("properties") or {}))), "")
        param = f"{param}.{extra}" if param else extra
        return APIError(400, f"Unknown parameter: '{param}'.", param=param, code="unknown_parameter")
    if keyword == "type":
        kinds = [bound] if isinstance(bound, str) else list(bound)
        expected = " or ".join(_KINDS.get(kind, kind) for kind in kinds)
        return APIError(400, f"Invalid type for '{param}': expected {expected}, but got {_kind(value)} instead.",
                        param=param, code="invalid_type")
    if keyword in ("enum", "const"):
        allowed = bound if keyword == "enum" else [bound]
        return APIError(400, f"Invalid value: '{value}'. Supported values are: {_quoted(allowed)}.", param=param,
                        code="invalid_value")
    if keyword == "minimum":
        return APIError(400, f"Invalid '{param}': {number} below minimum value. Expected a value >= {bound}, but got "
                             f"{value} instead.", param=param, code=f"{number}_below_min_value")
    if keyword == "maximum":
        return APIError(400, f"Invalid '{param}': {number} above maximum value. Expected a value <= {bound}, but got "
                             f"{value} instead.", param=param, code=f"{number}_above_max_value")
    if keyword == "minItems":
        if not value:
            return APIError(400, f"Invalid '{param}': empty array. Expected an array with minimum length {bound}, but "
                                 "got an empty array instead.", param=param, code="empty_array")
        return APIError(400, f"Invalid '{param}': array too short. Expected an array with minimum length {bound}, "
                             f"but got an array with length {len(value)} instead.", param=param,
                        code="array_below_min_length")
    if keyword == "maxItems":
        return APIError(400, f"Invalid '{param}': array too long. Expected an array with maximum length {bound}, but "
                             f"got an array with length {len(value)} instead.", param=param,
                        code="array_above_max_length")
    if keyword == "maxLength":
        return APIError(400, f"Invalid '{param}': string too long. Expected a string with maximum length {bound}, "
                             f"but got a string with length {len(value)} instead.", param=param,
                        code="string_above_max_length")
    if keyword == "minLength":
        return APIError(400, f"Invalid '{param}': string too short. Expected a string with minimum length {bound}, "
                             f"but got a string with length {len(value)} instead.", param=param,
                        code="string_below_min_length")
    if keyword == "pattern":
        what = "a URL" if error.schema is URI else f"a string matching {bound!r}"
        return APIError(400, f"Invalid '{param}': expected {what}, but got {value!r} instead.", param=param,
                        code="invalid_value")
    return APIError(400, f"Invalid '{param or 'body'}': {error.message}.", param=param or None, code="invalid_value")
