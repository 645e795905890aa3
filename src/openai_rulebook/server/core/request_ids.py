"""Every answer carries an ``x-request-id`` (``req_`` and 32 hex digits), as OpenAI's do: the id callers log
(R02.1), and the SDK's ``_request_id`` / ``APIStatusError.request_id``. Deterministic: the n-th answer of a server
gets ``req_<n in hex>``, so recordings and replays agree."""

from __future__ import annotations

import itertools
from typing import Any


class RequestIdLayer:
    """Pure ASGI middleware (no per-request thread hop) that adds the header to every HTTP answer."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._numbers = itertools.count(1)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = f"req_{next(self._numbers):032x}".encode()

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                message = {**message, "headers": [*headers, (b"x-request-id", request_id)]}
            await send(message)

        await self.app(scope, receive, send_with_id)
