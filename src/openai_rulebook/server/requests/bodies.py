"""JSON request bodies: the media type, the parse, and validation against the endpoint's request model.

Bodies are read here rather than by FastAPI so that the Content-Type rule is checked before parsing, and so that a
fault can let a body through whatever its media type.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from openai_rulebook.server.core.errors import APIError
from openai_rulebook.server.core.faults import Fault, RulesDep, register

JSON_CONTENT_TYPE = "requests.json_content_type"
MEDIA_TYPE = "application/json"

register(
    Fault(
        "requests.accept_any_content_type",
        rule=JSON_CONTENT_TYPE,
        description="a JSON body is parsed whatever its Content-Type says (text/plain, form, none)",
    ),
)

M = TypeVar("M", bound=BaseModel)


def media_type(content_type: str | None) -> str:
    """``Application/JSON; charset=utf-8`` -> ``application/json``: parameters dropped, case folded."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def json_body(model: type[M]) -> Callable[[Request, RulesDep], Awaitable[M]]:
    """A dependency that reads the body as ``model``; no body at all reads as ``{}`` (every field optional)."""

    async def read(request: Request, rules: RulesDep) -> M:
        raw = await request.body()
        data: object = {}
        if raw:
            content_type = request.headers.get("content-type")
            rules.enforce(
                JSON_CONTENT_TYPE,
                media_type(content_type) == MEDIA_TYPE,
                message=f"Unsupported Content-Type {content_type!r}: send the body as {MEDIA_TYPE}.",
            )
            try:
                data = json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                raise APIError(
                    400,
                    "We could not parse the JSON body of your request. The OpenAI API expects a JSON payload, "
                    "but what was sent was not valid JSON.",
                ) from None
            if not isinstance(data, dict):
                raise APIError(400, "The request body must be a JSON object.")
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            errors = [{**error, "loc": ("body", *error["loc"])} for error in exc.errors(include_url=False)]
            raise RequestValidationError(errors) from None

    return read
