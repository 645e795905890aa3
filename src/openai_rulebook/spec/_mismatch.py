"""One disagreement between a response and the spec, small enough to put in a report row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: ``route``: no operation for the method and path; ``status``: the status is not documented;
#: ``content-type``: the media type is not documented; ``body``: the JSON body breaks the schema.
MismatchKind = Literal["route", "status", "content-type", "body"]

MESSAGE_LIMIT = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class SpecMismatch:
    """A response that the OpenAPI spec does not describe."""

    kind: MismatchKind
    operation_id: str | None  #: None when no operation matched
    method: str
    path: str  #: the request path as received, e.g. ``/v1/vector_stores/vs_1``
    status: int
    instance_path: str  #: JSON pointer to the offending value in the body ("" is the whole body)
    schema_path: str  #: JSON pointer into the spec, e.g. ``#/components/schemas/X/properties/object/enum``
    message: str  #: at most ``MESSAGE_LIMIT`` characters, never the whole body
    spec_path: str | None = None  #: the matched path template, e.g. ``/vector_stores/{vector_store_id}``

    def __str__(self) -> str:
        where = f" at {self.instance_path}" if self.instance_path else ""
        operation = self.operation_id or "unknown operation"
        return f"{self.method} {self.path} -> {self.status} ({operation}){where}: {self.message}"


def shorten(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """Cut ``text`` to ``limit`` characters; jsonschema messages embed the offending value, which may be huge."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True, kw_only=True)
class SpecDrift:
    """A null the spec's schema does not allow but the real API sends: a known gap, not a violation."""

    gap: str  #: the known gap's id, e.g. ``null-drift-batch``
    operation_id: str
    method: str
    path: str
    status: int
    instance_path: str  #: e.g. ``/data/0/expires_at``
    schema_path: str  #: the property's schema, e.g. ``#/components/schemas/OpenAIFile/properties/expires_at``

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status} ({self.operation_id}) at {self.instance_path}: null ({self.gap})"
