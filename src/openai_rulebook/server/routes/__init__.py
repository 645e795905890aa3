"""One router per API area; ``ROUTERS`` is what ``create_app`` mounts under ``/v1``."""

from __future__ import annotations

from openai_rulebook.server.routes import batches, vector_stores
from openai_rulebook.server.routes import vector_store_file_batches, vector_store_files, vector_store_search
from openai_rulebook.server.routes import files, uploads

#: each API area's router, by the catalog's name of the area (the prefix of its rules' ids), in mounting order
AREAS = {
    "vector_stores": vector_stores.router,
    "batches": batches.router,
    "vector_store_files": vector_store_files.router,
    "vector_store_file_batches": vector_store_file_batches.router,
    "vector_stores.search": vector_store_search.router,
    "files": files.router,
    "uploads": uploads.router,
}
ROUTERS = tuple(AREAS.values())

__all__ = ["AREAS", "ROUTERS"]
