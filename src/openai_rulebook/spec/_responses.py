"""What the spec documents for one status of one operation: where, and which media types with which schemas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openai_rulebook.spec._match import Operation
from openai_rulebook.spec._pointer import escape

ERROR_SCHEMA = "#/components/schemas/ErrorResponse"


@dataclass(frozen=True, slots=True)
class Documented:
    content_pointer: str  #: where the media types are listed, for messages
    media_types: dict[str, str | None]  #: media type as written -> pointer to its schema (None: no schema)

    def media_type_for(self, content_type: str | None) -> str | None:
        """The documented media type that covers the received ``Content-Type``, if any."""
        received = media_type(content_type) if content_type else ""
        return next((key for key in self.media_types if _covers(media_type(key), received)), None)


def media_type(content_type: str) -> str:
    """``application/json; charset=utf-8`` -> ``application/json``."""
    return content_type.split(";", 1)[0].strip().lower()


def is_json(content_type: str | None) -> bool:
    kind = media_type(content_type) if content_type else ""
    return kind == "application/json" or kind.endswith("+json")


def _covers(documented: str, received: str) -> bool:
    if documented in ("*/*", received):
        return True
    main, _, sub = documented.partition("/")
    return sub == "*" and received.startswith(main + "/")


def documented_response(spec: dict[str, Any], operation: Operation, status: int) -> Documented | None:
    """The response for ``status`` (exact, then ``4XX``, then ``default``), following ``$ref``.

    An error status the operation does not document falls back to ``ErrorResponse``: every OpenAI error
    wears that envelope. An undocumented success status has no fallback: None.
    """
    responses = operation.responses
    for code in (str(status), f"{status // 100}XX", f"{status // 100}xx", "default"):
        if code not in responses:
            continue
        response, where = responses[code], f"{operation.responses_pointer}/{code}"
        while "$ref" in response:  # e.g. "#/components/responses/TooManyRequests"
            where = response["$ref"]
            response = _resolve(spec, where)
        media_types = {
            kind: f"{where}/content/{escape(kind)}/schema" if "schema" in (entry or {}) else None
            for kind, entry in (response.get("content") or {}).items()
        }
        return Documented(f"{where}/content", media_types)
    if status >= 400:
        return Documented(ERROR_SCHEMA, {"application/json": ERROR_SCHEMA})
    return None


def _resolve(spec: dict[str, Any], ref: str) -> Any:
    node: Any = spec
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node
