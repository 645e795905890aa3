"""The API areas the reference server serves: one package each (its routes, its domain code, its faults), by the
catalog's name of the area (the prefix of its rules' ids), in mounting order; ``ROUTERS`` is what ``create_app``
mounts under ``/v1``. What every area uses lives in ``server.core``; the cross-cutting areas (``auth``,
``errors``, ``requests``, ``metadata``) are packages too, applied by the core and the routes."""

from __future__ import annotations

from openai_rulebook.server.audio import routes as audio
from openai_rulebook.server.batches import routes as batches
from openai_rulebook.server.chat import routes as chat
from openai_rulebook.server.completions import routes as completions
from openai_rulebook.server.embeddings import routes as embeddings
from openai_rulebook.server.evals import routes as evals
from openai_rulebook.server.files import routes as files
from openai_rulebook.server.fine_tuning import area as fine_tuning
from openai_rulebook.server.images import routes as images
from openai_rulebook.server.models import routes as models
from openai_rulebook.server.moderations import routes as moderations
from openai_rulebook.server.responses import routes as responses
from openai_rulebook.server.uploads import routes as uploads
from openai_rulebook.server.vector_store_file_batches import routes as vector_store_file_batches
from openai_rulebook.server.vector_store_files import routes as vector_store_files
from openai_rulebook.server.vector_stores import routes as vector_stores
from openai_rulebook.server.vector_stores import search as vector_stores_search

AREAS = {
    "vector_stores": vector_stores.router,
    "batches": batches.router,
    "vector_store_files": vector_store_files.router,
    "vector_store_file_batches": vector_store_file_batches.router,
    "vector_stores.search": vector_stores_search.router,
    "files": files.router,
    "uploads": uploads.router,
    "chat": chat.router,
    "images": images.router,
    "audio": audio.router,
    "responses": responses.router,
    "embeddings": embeddings.router,
    "completions": completions.router,
    "moderations": moderations.router,
    "models": models.router,
    "fine_tuning": fine_tuning.router,
    "evals": evals.router,
}
ROUTERS = tuple(AREAS.values())
#: routes served outside /v1 and without an API key: the presigned URLs of generated images
PUBLIC_ROUTERS = (images.public_router,)

__all__ = ["AREAS", "PUBLIC_ROUTERS", "ROUTERS"]
