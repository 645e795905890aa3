"""OpenAI's error envelope and the one exception every rejection becomes.

Handlers turn an ``APIError`` into ``{"error": {"message", "type", "param", "code"}}`` (see ``handlers.py``); this
module knows nothing of faults, so that ``faults.py`` and ``handlers.py`` can both depend on it.
"""

from __future__ import annotations

from typing import Any

#: the ``type`` OpenAI gives an error, by status; the live API sends ``invalid_request_error`` even for 401
ERROR_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "invalid_request_error",
    404: "invalid_request_error",
    405: "invalid_request_error",
    409: "invalid_request_error",
    415: "invalid_request_error",
    429: "rate_limit_exceeded",
    500: "server_error",
}


class APIError(Exception):
    """A request the server refuses, with everything the envelope needs."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code
        self.type = type or ERROR_TYPES.get(status, "invalid_request_error")
        self.headers = headers

    def envelope(self) -> dict[str, Any]:
        """The body OpenAI sends: the ``ErrorResponse`` schema of the official spec."""
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}

    def __repr__(self) -> str:
        return f"APIError({self.status}, {self.message!r}, param={self.param!r}, code={self.code!r})"


def not_found(kind: str, object_id: str) -> APIError:
    """The 404 for an id that names nothing, worded as the live API words it."""
    return APIError(404, f"No {kind} found with id '{object_id}'.")
