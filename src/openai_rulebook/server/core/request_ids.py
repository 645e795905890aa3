"""``x-request-id`` on every response, as the live API sends it (``req_`` + 32 hex digits), so that a client can keep
it with the exchange (R02.1, the client rule ``client.request_id_recorded``). Ids follow from the server's seed and
its request count, so runs repeat; the one fault leaves the header out."""

from __future__ import annotations

from hashlib import blake2b

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openai_rulebook.server.core.faults import Fault, register, rules_for

REQUEST_ID = "client.request_id_recorded"

register(
    Fault("client.responses_without_request_id", rule=REQUEST_ID,
          description="responses carry no x-request-id header, so no client can record one"),
)


class RequestIds:
    """ASGI middleware: adds ``x-request-id`` to the response start (inside the variant layer, which counts)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope["app"].state.rulebook
        from starlette.requests import Request

        send_id = rules_for(Request(scope)).behaviour(REQUEST_ID, True, False)
        request_id = "req_" + blake2b(f"{state.seed}:{state.requests}".encode(), digest_size=16).hexdigest()

        async def with_id(message: Message) -> None:
            if message["type"] == "http.response.start" and send_id:
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", request_id.encode())]}
            await send(message)

        await self.app(scope, receive, with_id)
