"""One router per API area; ``ROUTERS`` is what ``create_app`` mounts under ``/v1``."""

from __future__ import annotations

from openai_rulebook.server.routes import vector_stores

ROUTERS = (vector_stores.router,)

__all__ = ["ROUTERS"]
