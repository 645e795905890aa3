"""``create_app``: the reference server, and ``serve`` to run it for ``rulebook serve``."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import Depends, FastAPI

from openai_rulebook.server.auth import require_api_key
from openai_rulebook.server.clock import Clock
from openai_rulebook.server.handlers import install_handlers
from openai_rulebook.server.routes import ROUTERS
from openai_rulebook.server.state import ServerState
from openai_rulebook.server.variant_layer import VariantLayer


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
    for router in ROUTERS:
        app.include_router(router, prefix="/v1", dependencies=[Depends(require_api_key)])
    return app


def serve(host: str = "127.0.0.1", port: int = 8000, faults: Iterable[str] = (), variants: Iterable[str] = ()) -> None:
    """Run the reference server with uvicorn until interrupted."""
    import uvicorn  # only the CLI needs it

    uvicorn.run(create_app(faults=faults, variants=variants), host=host, port=port)
