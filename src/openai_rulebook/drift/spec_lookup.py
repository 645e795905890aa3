"""Find, in the OpenAPI document, what it encodes about one parameter of one operation: its schema's bounds, enum,
default and whether it is required (structure), and the limits its description keeps in prose (text)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_PLACEHOLDER = re.compile(r"\{[^{}/]+\}")
_NUMBER = r"`?(-?\d[\d,]*(?:\.\d+)?)(?!\d|,\d|\.\d)`?(?!\s*(?:tokens|bytes|[KMG]i?B|kB)\b)"
#: prose limits, e.g. "Limit can range between 1 and 100, and the default is 20.", "limited to [0.6, 1.2]"; a number
#: of tokens or bytes is left out: it bounds something else than the parameter's value
_RANGE = re.compile(rf"\b(?:between|from)\s+{_NUMBER}\s+(?:and|to)\s+{_NUMBER}|\[\s*{_NUMBER}\s*,\s*{_NUMBER}\s*\]",
                    re.IGNORECASE)
_MAX = re.compile(rf"\b(?:maximum of|up to|at most|no more than|a max of|set of)\s+{_NUMBER}", re.IGNORECASE)
_MIN = re.compile(rf"\b(?:minimum of|at least|no less than)\s+{_NUMBER}", re.IGNORECASE)
_DEFAULT = re.compile(r"\bdefaults?(?: value)?(?: is| to|:)\s+`?(-?\d[\d,]*(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_.\-/]*?)`?"
                      r"(?=[\s.,;)]|$)", re.IGNORECASE)
_BODY_TYPES = ("application/json", "multipart/form-data")


@dataclass
class ParamFacts:
    """What the spec says about one parameter on one operation."""

    operation: str  #: the spec's operationId (or METHOD path)
    where: str  #: "query", "path", "header" or "body"
    structure: dict[str, Any] = field(default_factory=dict)  #: min, max, max_length, values, default, required
    text: dict[str, Any] = field(default_factory=dict)  #: min, max, default read from the description
    description: str = ""


class SpecIndex:
    """Operations of one OpenAPI document, looked up by catalog endpoint (``GET /v1/files/{file_id}``)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self._routes: dict[tuple[str, str], tuple[str, dict[str, Any], dict[str, Any]]] = {}
        for path, item in (spec.get("paths") or {}).items():
            if not isinstance(item, dict):
                continue
            for method, operation in item.items():
                if isinstance(operation, dict) and method in ("get", "post", "put", "patch", "delete"):
                    self._routes[(method.upper(), _shape(path.split("?", 1)[0]))] = (path, item, operation)

    def operation(self, endpoint: str) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
        """``(spec path, path item, operation)`` for a catalog endpoint, or None when the spec lacks it."""
        method, path = endpoint.split(" ", 1)
        return self._routes.get((method, _shape(path.removeprefix("/v1"))))

    def resolve(self, node: Any, depth: int = 0) -> Any:
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and depth < 20:
            node = self._at(node["$ref"])
            depth += 1
        return node

    def _at(self, ref: str) -> Any:
        node: Any = self.spec
        for part in ref.removeprefix("#/").split("/"):
            node = node.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(node, dict) else None
        return node

    def param(self, endpoint: str, name: str) -> ParamFacts | None:
        """What the spec says about parameter or body field ``name`` (dotted for nested fields) of ``endpoint``."""
        found = self.operation(endpoint)
        if found is None:
            return None
        _, item, operation = found
        label = str(operation.get("operationId") or endpoint)
        for parameter in [*(item.get("parameters") or ()), *(operation.get("parameters") or ())]:
            parameter = self.resolve(parameter)
            if isinstance(parameter, dict) and parameter.get("name") == name:
                facts = ParamFacts(label, str(parameter.get("in", "query")))
                self._read(facts, self.resolve(parameter.get("schema") or {}), parameter.get("description", ""))
                facts.structure["required"] = bool(parameter.get("required", False))
                return facts
        content = (self.resolve(operation.get("requestBody") or {}).get("content") or {})
        for media in _BODY_TYPES:
            schema = self.resolve((content.get(media) or {}).get("schema"))
            hit = self._property(schema, name.split("."))
            if hit is not None:
                prop, required = hit
                facts = ParamFacts(label, "body")
                self._read(facts, prop, "")
                facts.structure["required"] = required
                return facts
        return None

    def body_required(self, endpoint: str) -> list[str] | None:
        """The ``required`` list of the request body schema, or None when the operation has no body in the spec."""
        found = self.operation(endpoint)
        if found is None:
            return None
        content = (self.resolve(found[2].get("requestBody") or {}).get("content") or {})
        for media in _BODY_TYPES:
            schema = self.resolve((content.get(media) or {}).get("schema"))
            if isinstance(schema, dict):
                return sorted(self._merged(schema)[1])
        return None

    def _merged(self, schema: Any) -> tuple[dict[str, Any], set[str]]:
        """Properties and required names of an object schema, through ``allOf``."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return {}, set()
        properties = dict(schema.get("properties") or {})
        required = set(schema.get("required") or ())
        for member in schema.get("allOf") or ():
            more, needed = self._merged(member)
            properties.update(more)
            required |= needed
        return properties, required

    def _property(self, schema: Any, names: list[str]) -> tuple[dict[str, Any], bool] | None:
        properties, required = self._merged(schema)
        if names[0] not in properties:
            return None
        prop = properties[names[0]]
        if len(names) == 1:
            return prop, names[0] in required
        return self._property(_non_null(self.resolve(prop), self), names[1:])

    def _read(self, facts: ParamFacts, schema: Any, description: str) -> None:
        texts = [description] if description else []
        schema = self.resolve(schema)
        if isinstance(schema, dict):
            texts.append(schema.get("description") or "")
            plain = _non_null(schema, self)
            if plain is not schema and isinstance(plain, dict):
                texts.append(plain.get("description") or "")
            facts.structure.update(_bounds(plain if isinstance(plain, dict) else schema))
            if not any(key in facts.structure for key in ("min", "max")):
                # an object parameter whose one bounded member carries the limit (expires_after.days)
                bounded = [_bounds(self.resolve(p)) for p in self._merged(plain)[0].values()]
                bounded = [b for b in bounded if "min" in b or "max" in b]
                if len(bounded) == 1:
                    facts.structure.update({k: v for k, v in bounded[0].items() if k in ("min", "max")})
        facts.description = "\n".join(t.strip() for t in texts if t and t.strip())
        facts.text = prose_limits(facts.description)


def _non_null(schema: Any, index: SpecIndex) -> Any:
    """``anyOf: [X, {type: null}]`` -> X (resolved): nullability says nothing about limits."""
    if isinstance(schema, dict):
        for key in ("anyOf", "oneOf"):
            members = [index.resolve(m) for m in schema.get(key) or ()]
            rest = [m for m in members if not (isinstance(m, dict) and m.get("type") == "null")]
            if members and len(rest) == 1:
                return rest[0]
    return schema


def _bounds(schema: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, name in (("minimum", "min"), ("minItems", "min"), ("minProperties", "min"), ("maximum", "max"),
                      ("maxItems", "max"), ("maxProperties", "max"), ("maxLength", "max_length")):
        if isinstance(schema.get(key), (int, float)) and not isinstance(schema.get(key), bool):
            out.setdefault(name, schema[key])
    if isinstance(schema.get("enum"), list):
        out["values"] = list(schema["enum"])
    if "default" in schema:
        out["default"] = schema["default"]
    return out


def prose_limits(text: str) -> dict[str, Any]:
    """The min, max and default a description states in words; nothing when it states none (or two ranges)."""
    found: dict[str, Any] = {}
    ranges = {(m.group(1) or m.group(3), m.group(2) or m.group(4)) for m in _RANGE.finditer(text)}
    if len(ranges) == 1:
        low, high = next(iter(ranges))
        found["min"], found["max"] = _number(low), _number(high)
    maxima = {m.group(1) for m in _MAX.finditer(text)}
    if "max" not in found and len(maxima) == 1:
        found["max"] = _number(next(iter(maxima)))
    minima = {m.group(1) for m in _MIN.finditer(text)}
    if "min" not in found and len(minima) == 1:
        found["min"] = _number(next(iter(minima)))
    defaults = {m.group(1) for m in _DEFAULT.finditer(text)}
    if len(defaults) == 1:
        value = next(iter(defaults))
        found["default"] = _number(value) if re.fullmatch(r"-?\d[\d,]*(\.\d+)?", value) else value
    return found


def _number(text: str) -> int | float:
    text = text.replace(",", "")
    return float(text) if "." in text else int(text)


def _shape(path: str) -> str:
    return _PLACEHOLDER.sub("{}", path.rstrip("/") or "/")
