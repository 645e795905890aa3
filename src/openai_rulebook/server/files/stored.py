"""Stored files: what ``POST /v1/files`` and completed uploads create, and what vector stores and batches use.

The areas that create files (files, uploads, batches' output) and the areas that read them (vector store files,
file batches, batches' input) meet here, so that none of them imports another's routes. Content is kept only up to
``KEEP_CONTENT_BYTES``: a larger file is counted as it streams in and remembered by its size alone, so size rules
(512 MB files, 8 GB uploads) can be enforced without holding the bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openai_rulebook.server.core.state import Collection, ServerState

KIND = "files"
#: bodies up to this size are kept, so that batch input files can be read back and checked
KEEP_CONTENT_BYTES = 16 * 1024 * 1024


@dataclass
class StoredFile:
    id: str
    created_at: int
    bytes: int
    filename: str
    purpose: str
    #: the bytes, when the file was small enough to keep (``KEEP_CONTENT_BYTES``); None otherwise
    content: bytes | None
    status: str = "processed"
    expires_at: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``OpenAIFile`` object of the official spec."""
        body: dict[str, Any] = {
            "id": self.id,
            "object": "file",
            "bytes": self.bytes,
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": self.status,
            # null when the file never expires / has no details, as the real API sends them (gap null-drift-file)
            "expires_at": self.expires_at,
            "status_details": None,
        }
        return body


def files(state: ServerState) -> Collection[StoredFile]:
    return state.collection(KIND)


def find_file(state: ServerState, file_id: str) -> StoredFile | None:
    return files(state).get(file_id)


def add_file(
    state: ServerState,
    *,
    filename: str,
    purpose: str,
    size: int,
    content: bytes | None,
    expires_at: int | None = None,
) -> StoredFile:
    """Store a new file (id ``file-…``) created now; ``content`` is dropped when larger than we keep."""
    kept = content if content is not None and len(content) <= KEEP_CONTENT_BYTES else None
    stored = StoredFile(
        id=state.ids.next("file").replace("file_", "file-", 1),
        created_at=state.clock.now(),
        bytes=size,
        filename=filename,
        purpose=purpose,
        content=kept,
        expires_at=expires_at,
    )
    return files(state).add(stored)
