"""Files attached to vector stores, and the batches that attach them: processing on the clock, and the counts.

A vector store file is the ``StoredFile`` of the same id seen through one vector store. Processing takes
``PROCESSING_SECONDS`` on the server's clock (which only moves when a test moves it), so "in_progress, then
completed" is deterministic: a file is ``in_progress`` when attached and ends ``completed``, or ``failed`` when the
reference server cannot read it (an empty file, an extension file search does not read). Cancelling a batch ends its
files still in progress as ``cancelled``. Every status, count and byte total is derived from these records at the
moment it is asked for, so ``file_counts`` agree with the listed files at every step.

A vector store holds its files and batches (``Collection``s on the ``VectorStore``); a file deleted from
``/v1/files`` leaves every vector store the next time that store is read (``prune``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from openai_rulebook.server.vector_stores.chunking import render as render_chunking
from openai_rulebook.server.core.faults import Fault, Rules, register
from openai_rulebook.server.core.state import Collection
from openai_rulebook.server.files.stored import StoredFile
from openai_rulebook.server.core.variants import Variant, register_variant

#: the processing rule: in_progress, then completed or failed, never back
PROCESSING = "vector_store_files.processing"
#: the Files area's rule that a deleted file leaves every vector store (its fault, if any, is registered there)
FILE_DELETE_DETACHES = "files.delete_detaches_from_vector_stores"

PROCESSING_SECONDS = 1
STATUSES = ("in_progress", "completed", "failed", "cancelled")
#: the extensions file search reads (the official docs' list of supported files)
SEARCHABLE_EXTENSIONS = frozenset(
    ".c .cpp .cs .css .doc .docx .go .html .java .js .json .md .pdf .php .pptx .py .rb .sh .tex .ts .txt".split()
)

REATTACH_EXISTING = "vector_store_files.reattach_existing"
register_variant(
    Variant(REATTACH_EXISTING,
            description="attaching a file already attached returns the existing attachment unchanged (its "
                        "attributes, chunking and time are not replaced)"),
)

FILE_LIMITS = "files.assistants_file_limits"
register(
    Fault(
        "files.process_unsupported_files",
        rule=FILE_LIMITS,
        description="files of a type file search cannot read, and empty files, end `completed` instead of `failed`",
    ),
)

def _processing_error(stored: StoredFile, rules: Rules) -> dict[str, str] | None:
    """The ``last_error`` processing will end in, or None when the file will be processed."""
    return rules.behaviour(FILE_LIMITS, _unprocessable(stored), None)


def _unprocessable(stored: StoredFile) -> dict[str, str] | None:
    extension = "." + stored.filename.rsplit(".", 1)[-1].lower() if "." in stored.filename else ""
    if extension not in SEARCHABLE_EXTENSIONS:
        return {"code": "unsupported_file", "message": f"Files with extension {extension or '(none)'!r} are not "
                                                       "supported for file search."}
    if stored.bytes == 0:
        return {"code": "invalid_file", "message": "The file is empty."}
    return None


@dataclass
class VectorStoreFile:
    """One file attached to one vector store."""

    #: the File's id: a vector store file is named by the file it attaches
    id: str
    created_at: int
    vector_store_id: str
    filename: str
    bytes: int
    #: the file's text when it can be read (kept content, UTF-8), for the content endpoint and search
    text: str | None
    chunking: dict[str, Any]
    attributes: dict[str, Any]
    batch_id: str | None = None
    #: what processing ends in: None for completed, the ``last_error`` for failed
    error: dict[str, str] | None = None
    cancelled_at: int | None = None
    #: when processing is done: PROCESSING_SECONDS after the exact moment of attaching (None: from created_at)
    ready_at: float | None = None

    def status(self, now: float, rules: Rules) -> str:
        if self.cancelled_at is not None:
            return "cancelled"
        ready_at = self.ready_at if self.ready_at is not None else self.created_at + PROCESSING_SECONDS
        done = rules.behaviour(PROCESSING, now >= ready_at, False)
        if not done:
            return "in_progress"
        return "failed" if self.error is not None else "completed"

    def usage_bytes(self, now: float, rules: Rules) -> int:
        """What the file takes in the store: its size once processed, nothing before or after a failure."""
        return self.bytes if self.status(now, rules) == "completed" else 0

    def render(self, now: float, rules: Rules, object_type: str = "vector_store.file") -> dict[str, Any]:
        """The ``VectorStoreFileObject`` of the official spec."""
        status = self.status(now, rules)
        return {
            "id": self.id,
            "object": object_type,
            "usage_bytes": self.usage_bytes(now, rules),
            "created_at": self.created_at,
            "vector_store_id": self.vector_store_id,
            "status": status,
            "last_error": self.error if status == "failed" else None,
            "chunking_strategy": render_chunking(self.chunking),
            "attributes": dict(self.attributes),
        }


@dataclass
class FileBatch:
    """Files attached together; its status and counts follow its files that are still in the store."""

    id: str
    created_at: int
    vector_store_id: str
    #: the ids the batch attached, in order
    file_ids: list[str] = field(default_factory=list)
    cancelled_at: int | None = None

    def members(self, files: Collection[VectorStoreFile]) -> list[VectorStoreFile]:
        """The batch's files still attached by it, oldest first (re-attached or detached files have left it)."""
        return [record for record in files.ordered() if record.batch_id == self.id]

    def status(self, members: list[VectorStoreFile], now: float, rules: Rules) -> str:
        statuses = [record.status(now, rules) for record in members]
        if self.cancelled_at is not None:
            return "cancelled"
        if "in_progress" in statuses:
            return "in_progress"
        if statuses and all(status == "failed" for status in statuses):
            return "failed"
        return "completed"


def file_counts(records: Iterable[VectorStoreFile], now: float, rules: Rules) -> dict[str, int]:
    """``{"in_progress", "completed", "failed", "cancelled", "total"}`` over ``records``."""
    counts = dict.fromkeys(STATUSES, 0)
    for record in records:
        counts[record.status(now, rules)] += 1
    return {**counts, "total": sum(counts.values())}


def prune(files: Collection[VectorStoreFile], is_file: Callable[[str], bool], rules: Rules) -> None:
    """Drop the records whose File has been deleted (``is_file(id)`` is false): a deleted file leaves the store."""
    if not rules.behaviour(FILE_DELETE_DETACHES, True, False):
        return
    for record in files.ordered():
        if not is_file(record.id):
            files.remove(record.id)


def attach(
    files: Collection[VectorStoreFile],
    stored: StoredFile,
    *,
    vector_store_id: str,
    now: int,
    chunking: dict[str, Any],
    attributes: dict[str, Any],
    rules: Rules,
    batch_id: str | None = None,
    ready_at: float | None = None,
) -> VectorStoreFile:
    """Attach ``stored``; attaching a file already in the store starts it over (new time, attributes, batch).

    Under the ``vector_store_files.reattach_existing`` variant the existing attachment is returned unchanged.
    """
    existing = files.get(stored.id)
    if existing is not None and rules.variants.choose(REATTACH_EXISTING, False, True):
        return existing
    text = None
    if stored.content is not None:
        try:
            text = stored.content.decode("utf-8")
        except UnicodeDecodeError:
            text = None
    record = VectorStoreFile(
        id=stored.id,
        created_at=now,
        ready_at=ready_at,
        vector_store_id=vector_store_id,
        filename=stored.filename,
        bytes=stored.bytes,
        text=text,
        chunking=chunking,
        attributes=attributes,
        batch_id=batch_id,
        error=_processing_error(stored, rules),
    )
    files.remove(stored.id)  # to the end of the creation order, as a new attachment
    return files.add(record)
