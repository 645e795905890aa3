"""One router per API area; ``ROUTERS`` is what ``create_app`` mounts under ``/v1``."""

from __future__ import annotations

from openai_rulebook.server.routes import batches, vector_stores
from openai_rulebook.server.routes import vector_store_file_batches, vector_store_files, vector_store_search
from openai_rulebook.server.routes import files, uploads

ROUTERS = (vector_stores.router, batches.router)
ROUTERS += (vector_store_files.router, vector_store_file_batches.router, vector_store_search.router)
ROUTERS += (files.router, uploads.router)

__all__ = ["ROUTERS"]
