"""Vector store file batches: attach many files at once, retrieve the batch, cancel it, list its files.

A batch is ``in_progress`` while one of its files is, then ``completed`` (``failed`` when every file failed); a
cancel ends the files still in progress as ``cancelled`` and the batch as ``cancelled``, and is refused once the
batch has finished. Status and ``file_counts`` are derived from the batch's files whenever it is shown.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict

from openai_rulebook.server.files import stored as stored_files
from openai_rulebook.server.vector_store_files.attachments import PROCESSING_SECONDS, FileBatch, attach, file_counts
from openai_rulebook.server.vector_store_files.attributes import AttributeRules, check_attributes
from openai_rulebook.server.requests.bodies import json_body
from openai_rulebook.server.vector_stores.chunking import ChunkingStrategy, check_chunking
from openai_rulebook.server.core.errors import APIError
from openai_rulebook.server.core.faults import Fault, Rules, RulesDep, register
from openai_rulebook.server.vector_store_files.routes import CHUNKING, FILE_MUST_EXIST, list_files
from openai_rulebook.server.vector_stores.routes import StoresDep, VectorStore, files_of, get_store
from openai_rulebook.server.core.state import Collection, ServerState, StateDep

ENDPOINT = "vector_store_file_batches.endpoint_exists"
OBJECT_TYPE = "vector_store_file_batches.object_type"
FILE_IDS_RANGE = "vector_store_file_batches.file_ids_range"
ATTRIBUTES = "vector_store_file_batches.attributes"
CANCEL = "vector_store_file_batches.cancel"
FILE_COUNTS = "vector_store_file_batches.file_counts"
UNKNOWN_IDS = "vector_store_file_batches.unknown_ids"
#: the limits, as the catalog's ``params`` state them
MIN_FILES, MAX_FILES = 1, 2000

register(
    Fault(
        "vector_store_file_batches.attach_first_file_only",
        rule=ENDPOINT,
        description="a batch attaches only the first of its files; the others are ignored",
    ),
    Fault(
        "vector_store_file_batches.wrong_object_type",
        rule=OBJECT_TYPE,
        description="file batches say object='vector_store.files_batch' (the spec's enum, not what the API sends)",
    ),
    Fault(
        "vector_store_file_batches.file_ids_off_by_one",
        rule=FILE_IDS_RANGE,
        description="file_ids or files of 0 and 2001 entries are accepted (2002 are not)",
    ),
    Fault(
        "vector_store_file_batches.attributes_off_by_one",
        rule=ATTRIBUTES,
        description="a batch's attributes accept 17 pairs, 65-character keys, 513-character values and any value type",
    ),
    Fault(
        "vector_store_file_batches.cancel_lets_files_finish",
        rule=CANCEL,
        description="a cancelled batch says cancelled, but its files in progress go on to complete",
    ),
    Fault(
        "vector_store_file_batches.file_counts_frozen",
        rule=FILE_COUNTS,
        description="a batch's file_counts stay as they were at creation (all in_progress); its status is right",
    ),
    Fault(
        "vector_store_file_batches.found_in_other_stores",
        rule=UNKNOWN_IDS,
        description="a batch id of another vector store is found through any store's path",
    ),
)

router = APIRouter(prefix="/vector_stores", tags=["vector_store_file_batches"])


# -- request body: CreateVectorStoreFileBatchRequest of the spec ------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class BatchFile(_Strict):
    """One entry of ``files``: the spec's CreateVectorStoreFileRequest."""

    file_id: str
    chunking_strategy: ChunkingStrategy = None  # type: ignore[assignment]
    attributes: dict[str, Any] | None = None


class CreateVectorStoreFileBatchRequest(_Strict):
    # one of the two, 1 to 2000 entries: a catalog rule, checked by the route
    file_ids: list[str] = None  # type: ignore[assignment]
    files: list[BatchFile] = None  # type: ignore[assignment]
    chunking_strategy: ChunkingStrategy = None  # type: ignore[assignment]
    attributes: dict[str, Any] | None = None


# -- the object -------------------------------------------------------------------------------------------------------


def _render(batch: FileBatch, store: VectorStore, state: ServerState, rules: Rules) -> dict[str, Any]:
    """The ``VectorStoreFileBatchObject`` of the official spec."""
    now = state.clock.exact()  # processing ends to the millisecond
    members = batch.members(files_of(store, state, rules))
    counts = file_counts(members, now, rules)
    frozen = {"in_progress": len(batch.file_ids), "completed": 0, "failed": 0, "cancelled": 0,
              "total": len(batch.file_ids)}
    return {
        "id": batch.id,
        "object": rules.behaviour(OBJECT_TYPE, "vector_store.file_batch", "vector_store.files_batch"),
        "created_at": batch.created_at,
        "vector_store_id": batch.vector_store_id,
        "status": batch.status(members, now, rules),
        "file_counts": rules.behaviour(FILE_COUNTS, counts, frozen),
    }


def _get_batch(stores: Collection[VectorStore], store: VectorStore, rules: Rules, batch_id: str
               ) -> tuple[FileBatch, VectorStore]:
    """The batch and the store that holds it, or a 404 for a batch this store does not hold."""
    batch, holder = store.batches.get(batch_id), store
    if batch is None:
        elsewhere = ((other.batches.get(batch_id), other) for other in stores.ordered() if other is not store)
        batch, holder = rules.behaviour(UNKNOWN_IDS, (None, store), next((pair for pair in elsewhere if pair[0]),
                                                                         (None, store)))
    rules.enforce(
        UNKNOWN_IDS,
        batch is not None,
        broken_ok=batch is not None,
        status=404,
        message=f"No file batch found with id '{batch_id}' in vector store '{store.id}'.",
    )
    assert batch is not None
    return batch, holder


def _check_count(rules: Rules, param: str, count: int) -> None:
    rules.enforce(
        FILE_IDS_RANGE,
        MIN_FILES <= count <= MAX_FILES,
        broken_ok=MIN_FILES - 1 <= count <= MAX_FILES + 1,
        param=param,
        code="array_below_min_length" if count < MIN_FILES else "array_above_max_length",
        message=f"Invalid '{param}': expected an array of {MIN_FILES} to {MAX_FILES} entries, but got {count}.",
    )


# -- routes -----------------------------------------------------------------------------------------------------------


@router.post("/{vector_store_id}/file_batches")
async def create_vector_store_file_batch(
    vector_store_id: str,
    body: Annotated[CreateVectorStoreFileBatchRequest, Depends(json_body(CreateVectorStoreFileBatchRequest))],
    state: StateDep,
    stores: StoresDep,
    rules: RulesDep,
) -> dict[str, Any]:
    """``file_ids`` share the batch's ``attributes`` and ``chunking_strategy``; each entry of ``files`` has its own."""
    store = get_store(stores, vector_store_id)
    has_ids, has_files = body.file_ids is not None, body.files is not None
    rules.enforce(
        FILE_IDS_RANGE,
        has_ids != has_files,
        broken_ok=has_ids != has_files,
        param="file_ids",
        code="missing_required_parameter" if not has_ids else "invalid_value",
        message="Send one of 'file_ids' or 'files'." if not has_ids else "'file_ids' and 'files' cannot be combined.",
    )
    attribute_rules = AttributeRules.single(ATTRIBUTES)
    shared_attributes = check_attributes(rules, attribute_rules, body.attributes)
    shared_chunking = check_chunking(rules, CHUNKING, body.chunking_strategy)
    entries: list[tuple[str, dict[str, Any], dict[str, Any]]] = []  # (file id, chunking, attributes)
    if has_ids:
        _check_count(rules, "file_ids", len(body.file_ids))
        entries = [(file_id, shared_chunking, shared_attributes) for file_id in body.file_ids]
    else:
        _check_count(rules, "files", len(body.files))
        for entry in body.files:
            entries.append((entry.file_id, check_chunking(rules, CHUNKING, entry.chunking_strategy),
                            check_attributes(rules, attribute_rules, entry.attributes)))
    first_mentions: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {}
    for entry in entries:  # a file sent twice is attached once, as first sent
        first_mentions.setdefault(entry[0], entry)
    found = []
    for file_id, chunking, attributes in first_mentions.values():
        stored = stored_files.find_file(state, file_id)
        rules.enforce(FILE_MUST_EXIST, stored is not None, status=404, message=f"No file found with id '{file_id}'.")
        if stored is not None:  # None only under that rule's fault: the unknown file is left out
            found.append((stored, chunking, attributes))
    found = rules.behaviour(ENDPOINT, found, found[:1])
    now = state.clock.now()
    batch = FileBatch(id=state.ids.next("vsfb"), created_at=now, vector_store_id=store.id,
                      file_ids=[stored.id for stored, _, _ in found])
    files = files_of(store, state, rules)
    for stored, chunking, attributes in found:
        attach(files, stored, vector_store_id=store.id, now=now, ready_at=state.clock.after(PROCESSING_SECONDS),
               chunking=chunking, rules=rules, attributes=attributes, batch_id=batch.id)
    store.batches.add(batch)
    store.last_active_at = now
    return _render(batch, store, state, rules)


@router.get("/{vector_store_id}/file_batches/{batch_id}")
async def retrieve_vector_store_file_batch(
    vector_store_id: str, batch_id: str, state: StateDep, stores: StoresDep, rules: RulesDep
) -> dict[str, Any]:
    batch, holder = _get_batch(stores, get_store(stores, vector_store_id), rules, batch_id)
    return _render(batch, holder, state, rules)


@router.post("/{vector_store_id}/file_batches/{batch_id}/cancel")
async def cancel_vector_store_file_batch(
    vector_store_id: str, batch_id: str, state: StateDep, stores: StoresDep, rules: RulesDep
) -> dict[str, Any]:
    """Files still in progress end as cancelled; a batch that has finished cannot be cancelled (400)."""
    batch, holder = _get_batch(stores, get_store(stores, vector_store_id), rules, batch_id)
    exact, now = state.clock.exact(), state.clock.now()  # processing ends to the millisecond; stamps are seconds
    members = batch.members(files_of(holder, state, rules))
    status = batch.status(members, exact, rules)
    if status != "in_progress":
        raise APIError(400, f"Cannot cancel a file batch with status '{status}'.")
    batch.cancelled_at = now
    if rules.behaviour(CANCEL, True, False):
        for record in members:
            if record.status(exact, rules) == "in_progress":
                record.cancelled_at = now
    return _render(batch, holder, state, rules)


@router.get("/{vector_store_id}/file_batches/{batch_id}/files")
async def list_files_in_vector_store_file_batch(
    vector_store_id: str,
    batch_id: str,
    state: StateDep,
    stores: StoresDep,
    rules: RulesDep,
    limit: str | None = None,
    order: str | None = None,
    after: str | None = None,
    before: str | None = None,
    filter: str | None = None,  # noqa: A002 - the query parameter's name
) -> dict[str, Any]:
    batch, holder = _get_batch(stores, get_store(stores, vector_store_id), rules, batch_id)
    members = batch.members(files_of(holder, state, rules))
    return list_files(rules, members, state.clock.exact(), limit=limit, order=order, after=after, before=before,
                      status=filter)
