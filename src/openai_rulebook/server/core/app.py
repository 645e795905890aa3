"""``create_app``: the reference server, and ``serve`` to run it for ``rulebook serve``."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from fastapi import Depends, FastAPI

from openai_rulebook.server.auth.keys import require_api_key
from openai_rulebook.server.core.clock import Clock, make_clock
from openai_rulebook.server.errors.envelope import install_handlers
from openai_rulebook.server.areas import ROUTERS
from openai_rulebook.server.core.state import ServerState
from openai_rulebook.server.core.request_ids import RequestIdLayer
from openai_rulebook.server.core.variant_layer import VariantLayer


def create_app(faults: Iterable[str] = (), clock: Clock | None = None, seed: int = 0,
               variants: Iterable[str] = ()) -> FastAPI:
    """A fresh, empty, in-memory server; its state (faults, variants, clock, objects) is at ``app.state.rulebook``.

    An unknown fault or variant name raises ``CatalogError``. The clock defaults to ``FrozenClock(1735689600)``.
    """
    state = ServerState(faults=faults, clock=clock, seed=seed, variants=variants)
    # no docs or schema routes, and no slash redirects: the server answers what OpenAI answers, nothing more
    app = FastAPI(
        title="openai-rulebook reference server",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        redirect_slashes=False,
    )
    app.state.rulebook = state
    install_handlers(app)
    app.add_middleware(VariantLayer)
    app.add_middleware(RequestIdLayer)  # outermost: every answer, errors and variants' included, gets its id
    for router in ROUTERS:
        app.include_router(router, prefix="/v1", dependencies=[Depends(require_api_key)])
    return app


def serve(host: str = "127.0.0.1", port: int = 8000, faults: Iterable[str] = (), variants: Iterable[str] = (),
          clock: str = "wall", announce: Callable[[str], object] = print) -> None:
    """Run the reference server with uvicorn until interrupted, on a wall clock unless ``clock="frozen"``.

    The socket is bound before anything is announced, so that the start-up line (``announce``) gives the port really
    listened on (``port=0``: a free one) and a client that reads it can connect at once.
    """
    import socket

    import uvicorn  # only the CLI needs it

    faults, variants = tuple(faults), tuple(variants)
    app = create_app(faults=faults, variants=variants, clock=make_clock(clock))
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # without it, delayed ACKs add 40 ms to every request (uvicorn writes headers and body separately)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)  # connections made as soon as the line is read wait in the backlog until uvicorn accepts them
    announce(startup_line(host, sock.getsockname()[1], clock, faults, variants))
    uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False)).run(sockets=[sock])


def startup_line(host: str, port: int, clock: str, faults: Iterable[str], variants: Iterable[str]) -> str:
    """What ``rulebook serve`` says first: where to point a client (with ``/v1``), and what time and faults it has."""
    shown = f"[{host}]" if ":" in host else host
    time_note = ("wall clock: processing takes a second or two of real time" if clock == "wall"
                 else "frozen clock: time stands still, processing never ends unless a variant moves it")
    return (f"rulebook serve: listening on http://{shown}:{port}/v1 ({time_note}; "
            f"faults: {', '.join(faults) or 'none'}; variants: {', '.join(variants) or 'none'}; any Bearer key)")
