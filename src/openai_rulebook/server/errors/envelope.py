"""Exception handlers: every refusal leaves the server in OpenAI's error envelope (or, under a fault, without it)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from openai_rulebook.server.core.errors import APIError
from openai_rulebook.server.core.faults import Fault, register, rules_for
from openai_rulebook.server.core.variants import Variant, register_variant

ENVELOPE = "errors.envelope"
REWORDED = "errors.reworded"

register(
    Fault(
        "errors.bare_detail",
        rule=ENVELOPE,
        description="4xx bodies are FastAPI's {'detail': message} instead of the error envelope; statuses unchanged",
    ),
)

register_variant(
    Variant(REWORDED, description="error messages say something else, and codes are other ones (or null); "
                                  "statuses, types and params unchanged"),
)

#: OpenAI's ``code`` for a few kinds of validation error (pydantic's error type -> code); others get ``invalid_value``
_VALIDATION_CODES = {
    "extra_forbidden": "unknown_parameter",
    "missing": "missing_required_parameter",
    "greater_than_equal": "integer_below_min_value",
    "less_than_equal": "integer_above_max_value",
}


def error_response(request: Request, error: APIError) -> JSONResponse:
    """Render ``error``; the one place the envelope rule and the wording of errors are applied."""
    rules = rules_for(request)
    error = rules.variants.choose(REWORDED, error, _reworded(error))
    body: dict[str, Any] = error.envelope()
    if 400 <= error.status < 500:
        body = rules.behaviour(ENVELOPE, body, {"detail": error.message})
    return JSONResponse(body, status_code=error.status, headers=error.headers)


def _reworded(error: APIError) -> APIError:
    """The same refusal in other words: the docs promise statuses and params, not texts or codes."""
    return APIError(error.status, f"Request refused ({error.status}); see the documentation.", param=error.param,
                    code=None if error.code else "refused", type=error.type, headers=error.headers)


def validation_error(exc: RequestValidationError) -> APIError:
    """FastAPI's 422 as OpenAI's 400: ``param`` is the top-level body field or the query/path parameter at fault."""
    first = exc.errors()[0]
    where, *path = first["loc"] or ("body",)
    param = str(path[0]) if path else None
    dotted = ".".join(str(part) for part in path) or where
    if first["type"] == "extra_forbidden":
        message = f"Unknown parameter: '{dotted}'."
    elif first["type"] == "json_invalid":
        message = "We could not parse the JSON body of your request: it is not valid JSON."
    else:
        reason = first["msg"].removeprefix("Value error, ")
        message = f"Invalid '{dotted}': {reason[:1].lower()}{reason[1:]}."
    return APIError(400, message, param=param, code=_VALIDATION_CODES.get(first["type"], "invalid_value"))


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, APIError)
    return error_response(request, exc)


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(request, validation_error(exc))


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    route = f"{request.method} {request.url.path}"
    if exc.status_code == 404:
        error = APIError(404, f"Invalid URL ({route})")
    elif exc.status_code == 405:
        error = APIError(405, f"Method not allowed ({route})", headers=exc.headers)
    else:
        error = APIError(exc.status_code, str(exc.detail), headers=exc.headers)
    return error_response(request, error)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    error = APIError(500, "The server had an error while processing your request.")
    return error_response(request, error)


def install_handlers(app: FastAPI) -> None:
    """Route every exception the app can raise to the envelope."""
    app.add_exception_handler(APIError, _api_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(HTTPException, _http_exception)
    app.add_exception_handler(Exception, _unexpected)
