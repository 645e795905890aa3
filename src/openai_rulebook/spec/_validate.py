"""Check one HTTP response against the operation the spec documents for it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from openai_rulebook.spec._drift import DriftSites
from openai_rulebook.spec._editor import SpecEditor
from openai_rulebook.spec._fast import fast_validator_class
from openai_rulebook.spec._gaps import KNOWN_GAPS, KnownGap
from openai_rulebook.spec._match import Operation, OperationIndex
from openai_rulebook.spec._mismatch import MismatchKind, SpecDrift, SpecMismatch, shorten
from openai_rulebook.spec._pointer import has_key, instance_pointer, node_index, pointer
from openai_rulebook.spec._responses import Documented, documented_response, is_json, media_type

# The spec is registered under this URI so that its "#/components/..." references resolve.
_SPEC_URI = "https://openai-rulebook.invalid/openapi.json"


@dataclass(frozen=True, slots=True)
class Checked:
    """What one response showed: departures from the (patched) spec, and known drift it let through."""

    mismatches: list[SpecMismatch] = field(default_factory=list)
    drift: list[SpecDrift] = field(default_factory=list)


class ResponseValidator:
    """Validate responses against one spec, with the known gaps patched in.

    Path matchers are compiled here; a JSON Schema validator is built the first time a schema is needed.
    """

    def __init__(
        self,
        spec: dict[str, Any],
        *,
        gaps: Iterable[KnownGap] = KNOWN_GAPS,
        max_problems: int = 20,
        fast: bool = True,
    ) -> None:
        """``gaps=()`` holds responses to the spec as written; ``fast=False`` uses jsonschema's validator as is
        (the same verdicts and messages, several times slower: for cross-checking ``_fast``)."""
        editor = SpecEditor(spec)
        sites: dict[str, tuple[str, ...]] = {}
        gaps = tuple(gaps)
        for gap in gaps:
            changed = gap.apply(editor)
            if changed:
                sites[gap.id] = tuple(changed)
        self.spec = editor.root  #: the patched spec (the caller's dict is left as it was)
        self.gaps_applied: tuple[str, ...] = tuple(sites)  #: ids of the gaps that changed something
        self.gap_sites: Mapping[str, tuple[str, ...]] = MappingProxyType(sites)  #: gap id -> patched pointers
        self.max_problems = max_problems
        self._index = OperationIndex(self.spec)
        self._registry: Registry[Any] = Registry().with_resource(
            _SPEC_URI, Resource(contents=self.spec, specification=DRAFT202012)
        )
        self._validator_class: type[Draft202012Validator] = Draft202012Validator
        if fast:
            # With no $id in the spec every "#/..." reference resolves against _SPEC_URI: one lookup per $ref.
            resolver = None if has_key(self.spec, "$id") else self._registry.resolver(_SPEC_URI)
            self._validator_class = fast_validator_class(resolver)
        self._validators: dict[str, Draft202012Validator] = {}  # schema pointer -> validator
        self._documented: dict[tuple[str, str, int], Documented | None] = {}
        self._schema_locations: dict[int, str] | None = None
        self._drift = DriftSites(self.spec, (gap for gap in gaps if gap.id in sites))

    def __len__(self) -> int:
        """The number of operations in the spec."""
        return len(self._index)

    def operation(self, method: str, path: str) -> tuple[str, str] | None:
        """``("GET", "/v1/vector_stores/vs_1")`` -> ``("getVectorStore", "/vector_stores/{vector_store_id}")``."""
        found = self._index.lookup(method, path).operation
        return (found.operation_id, found.spec_path) if found else None

    def validate(
        self, *, method: str, path: str, status: int, content_type: str | None, body: Any
    ) -> list[SpecMismatch]:
        """Every way this response departs from the spec (at most ``max_problems`` + 1); empty when it conforms.

        ``path`` may carry the ``/v1`` base path, a query and even scheme and host; ``content_type`` is the
        Content-Type header (None: there was none); ``body`` is the parsed JSON body (None: none, or not JSON).
        """
        return self.check(method=method, path=path, status=status, content_type=content_type, body=body).mismatches

    def check(self, *, method: str, path: str, status: int, content_type: str | None, body: Any) -> Checked:
        """``validate``'s mismatches, and the nulls of known spec drift (``null-drift-*`` gaps) the body carries."""
        method = method.upper()
        lookup = self._index.lookup(method, path)
        operation = lookup.operation

        def problem(kind: MismatchKind, message: str, **where: str) -> Checked:
            return Checked([_mismatch(kind, operation, method, path, status, message, **where)])

        if operation is None:
            if lookup.other_path:
                other = ", ".join(lookup.other_methods)
                return problem(
                    "route", f"Received: {method} {path}; Documented: {lookup.other_path} has only {other}",
                    schema_path=pointer(("paths", lookup.other_path)),
                )
            return problem(
                "route", f"Received: {method} {path}; Documented: no path in the spec matches {lookup.route_path}",
                schema_path="#/paths",
            )
        key = (operation.method, operation.spec_path, status)
        if key not in self._documented:
            self._documented[key] = documented_response(self.spec, operation, status)
        documented = self._documented[key]
        if documented is None:
            statuses = ", ".join(operation.responses) or "none"
            return problem(
                "status", f"Received: status {status}; Documented: {statuses}", schema_path=operation.responses_pointer
            )
        if not documented.media_types:
            return Checked()  # the spec documents no body for this status: there is nothing to hold a body to
        documented_type = documented.media_type_for(content_type)
        if documented_type is None:
            received = media_type(content_type) if content_type else "(none)"
            return problem(
                "content-type",
                f"Received: Content-Type {received}; Documented: {', '.join(documented.media_types)}",
                schema_path=documented.content_pointer,
            )
        schema_pointer = documented.media_types[documented_type]
        if schema_pointer is None or not is_json(content_type):
            return Checked()  # only JSON bodies are validated
        if body is None:
            return problem(
                "body", f"Received: no JSON body; Documented: {documented_type}", schema_path=schema_pointer
            )
        drift = [
            SpecDrift(gap=gap_id, operation_id=operation.operation_id, method=method, path=path, status=status,
                      instance_path=where, schema_path=property_pointer)
            for gap_id, where, property_pointer in self._drift.nulls(schema_pointer, body)
        ]
        return Checked(self._body_problems(operation, method, path, status, body, schema_pointer), drift)

    def _validator(self, schema_pointer: str) -> Draft202012Validator:
        validator = self._validators.get(schema_pointer)
        if validator is None:
            validator = self._validator_class({"$ref": _SPEC_URI + schema_pointer}, registry=self._registry)
            self._validators[schema_pointer] = validator
        return validator

    def _body_problems(
        self, operation: Operation, method: str, path: str, status: int, body: Any, schema_pointer: str
    ) -> list[SpecMismatch]:
        problems = []
        for error in self._validator(schema_pointer).iter_errors(body):
            if len(problems) == self.max_problems:
                message = f"more problems not listed (max_problems={self.max_problems})"
                problems.append(_mismatch("body", operation, method, path, status, message, schema_path=schema_pointer))
                break
            error = best_match([error])  # descends into anyOf/oneOf when one branch is clearly meant
            problems.append(
                _mismatch(
                    "body", operation, method, path, status, error.message,
                    instance_path=instance_pointer(error.absolute_path),
                    schema_path=f"{self._locate(error, schema_pointer)}/{error.validator}",
                )
            )
        return problems

    def _locate(self, error: ValidationError, schema_pointer: str) -> str:
        """Where the failing subschema sits in the spec: jsonschema loses track of it across ``$ref``."""
        if self._schema_locations is None:  # built on the first failure only: conforming runs never pay for it
            self._schema_locations = node_index(self.spec)
        return self._schema_locations.get(id(error.schema), schema_pointer)


def _mismatch(
    kind: MismatchKind, operation: Operation | None, method: str, path: str, status: int, message: str,
    *, instance_path: str = "", schema_path: str = "",
) -> SpecMismatch:
    return SpecMismatch(
        kind=kind,
        operation_id=operation.operation_id if operation else None,
        method=method,
        path=path,
        status=status,
        instance_path=instance_path,
        schema_path=schema_path,
        message=shorten(message),
        spec_path=operation.spec_path if operation else None,
    )
