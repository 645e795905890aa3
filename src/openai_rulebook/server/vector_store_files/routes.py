"""Vector store files: attach a File to a vector store, retrieve it, update its attributes, detach it, list the
store's files, and read its parsed content, as the official spec's schemas describe them.

A vector store file is named by the File it attaches (``file-…``); detaching it leaves the File in /v1/files
(R07.4). Statuses move on the server's clock (``attachments.py``). ``list_files`` also serves the list of a file
batch's files, under the same rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict

from openai_rulebook.server.files import stored as stored_files
from openai_rulebook.server.vector_store_files.attachments import PROCESSING_SECONDS, PROCESSING, STATUSES, VectorStoreFile, attach
from openai_rulebook.server.vector_store_files.attributes import AttributeRules, check_attributes
from openai_rulebook.server.requests.bodies import json_body
from openai_rulebook.server.vector_stores.chunking import ChunkingStrategy, check_chunking
from openai_rulebook.server.core.errors import not_found
from openai_rulebook.server.core.faults import Fault, Rules, RulesDep, register
from openai_rulebook.server.core.pagination import ListRules, list_page
from openai_rulebook.server.vector_stores.routes import StoresDep, VectorStore, files_of, get_store
from openai_rulebook.server.core.state import Collection, ServerState, StateDep

ENDPOINTS = "vector_store_files.endpoints_exist"
OBJECT_TYPE = "vector_store_files.object_type"
FILE_ID_REQUIRED = "vector_store_files.file_id_required"
FILE_MUST_EXIST = "vector_store_files.file_must_exist"
ATTRIBUTES = AttributeRules(
    max_pairs="vector_store_files.attributes.max_pairs",
    key_length="vector_store_files.attributes.key_length",
    value_type="vector_store_files.attributes.value_types",
    value_length="vector_store_files.attributes.value_length",
)
UPDATE_REQUIRES_ATTRIBUTES = "vector_store_files.update_requires_attributes"
CHUNKING = "vector_store_files.chunking_static_range"
LIST = ListRules("vector_store_files.list")
FILTER_VALUES = "vector_store_files.list.filter_values"
DELETE_KEEPS_FILE = "vector_store_files.delete_keeps_file"
UNKNOWN_IDS = "vector_store_files.unknown_ids"
CONTENT = "vector_store_files.content"

register(
    Fault(
        "vector_store_files.delete_answers_not_deleted",
        rule=ENDPOINTS,
        description="detaching a file answers deleted=false, though the file has left the store",
    ),
    Fault(
        "vector_store_files.wrong_object_type",
        rule=OBJECT_TYPE,
        description="vector store file objects say object='vector_store_file'; list and deletion objects are unchanged",
    ),
    Fault(
        "vector_store_files.file_id_optional",
        rule=FILE_ID_REQUIRED,
        description="an attach without file_id is not refused as such: it is looked up as a file and answers 404",
    ),
    Fault(
        "vector_store_files.attach_unknown_file",
        rule=FILE_MUST_EXIST,
        description="attaching a file id that names no file answers 200 with an in_progress file that is never stored",
    ),
    Fault(
        "vector_store_files.attributes.accept_17_pairs",
        rule=ATTRIBUTES.max_pairs,
        description="attributes of 17 pairs are accepted (18 are not)",
    ),
    Fault(
        "vector_store_files.attributes.accept_long_keys",
        rule=ATTRIBUTES.key_length,
        description="attribute keys of 65 characters are accepted (66 are not)",
    ),
    Fault(
        "vector_store_files.attributes.accept_any_value",
        rule=ATTRIBUTES.value_type,
        description="null, objects and arrays are accepted as attribute values and stored as sent",
    ),
    Fault(
        "vector_store_files.attributes.accept_long_values",
        rule=ATTRIBUTES.value_length,
        description="string attribute values of 513 characters are accepted (514 are not)",
    ),
    Fault(
        "vector_store_files.update_without_attributes",
        rule=UPDATE_REQUIRES_ATTRIBUTES,
        description="an update without attributes is accepted and answers the file unchanged",
    ),
    Fault(
        "vector_store_files.chunking_off_by_one",
        rule=CHUNKING,
        description="static max_chunk_size_tokens of 99 and 4097, and an overlap of half + 1, are accepted",
    ),
    Fault(
        "vector_store_files.list.accept_limit_out_of_range",
        rule=LIST.limit_range,
        description="limit=0 and limit=101 are accepted on the file lists; 101 returns up to 101 files",
    ),
    Fault(
        "vector_store_files.list.default_limit_10",
        rule=LIST.limit_default,
        description="without limit, a page of files holds 10 instead of 20",
    ),
    Fault(
        "vector_store_files.list.accept_any_order",
        rule=LIST.order_values,
        description="an order other than asc/desc is accepted on the file lists and lists as desc",
    ),
    Fault(
        "vector_store_files.list.default_order_asc",
        rule=LIST.order_default,
        description="without order, files are listed oldest first",
    ),
    Fault(
        "vector_store_files.list.after_includes_cursor",
        rule=LIST.cursor_pagination,
        description="the page of files after X starts with X itself",
    ),
    Fault(
        "vector_store_files.list.accept_any_filter",
        rule=FILTER_VALUES,
        description="a filter other than the four statuses is accepted and lists every file",
    ),
    Fault(
        "vector_store_files.delete_deletes_the_file",
        rule=DELETE_KEEPS_FILE,
        description="detaching a file from a vector store also deletes it from /v1/files",
    ),
    Fault(
        "vector_store_files.never_processed",
        rule=PROCESSING,
        description="attached files stay in_progress forever (counts and store status agree with that)",
    ),
    Fault(
        "vector_store_files.found_in_other_stores",
        rule=UNKNOWN_IDS,
        description="a file not in the store named by the path is found in any other store that holds it",
    ),
    Fault(
        "vector_store_files.content_empty",
        rule=CONTENT,
        description="the content endpoint answers a page with no data, whatever the file holds",
    ),
)

router = APIRouter(prefix="/vector_stores", tags=["vector_store_files"])


# -- request bodies: CreateVectorStoreFileRequest and UpdateVectorStoreFileAttributesRequest of the spec -------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class CreateVectorStoreFileRequest(_Strict):
    file_id: str = None  # type: ignore[assignment]  # required: a catalog rule, checked by the route
    chunking_strategy: ChunkingStrategy = None  # type: ignore[assignment]
    attributes: dict[str, Any] | None = None  # limits: attributes.py, under their own rules


class UpdateVectorStoreFileAttributesRequest(_Strict):
    attributes: dict[str, Any] | None = None  # required, and nullable: a catalog rule, checked by the route


# -- shared with the file batches' routes ------------------------------------------------------------------------------


def render_file(record: VectorStoreFile, rules: Rules, now: float) -> dict[str, Any]:
    return record.render(now, rules, rules.behaviour(OBJECT_TYPE, "vector_store.file", "vector_store_file"))


def list_files(
    rules: Rules,
    records: Sequence[VectorStoreFile],
    now: float,
    *,
    limit: str | None,
    order: str | None,
    after: str | None,
    before: str | None,
    status: str | None,
) -> dict[str, Any]:
    """A ``ListVectorStoreFilesResponse`` page of ``records`` (oldest first), ``status`` being the ``filter``."""
    if status is not None:
        rules.enforce(
            FILTER_VALUES,
            status in STATUSES,
            param="filter",
            code="invalid_value",
            message=f"Invalid 'filter': expected one of {', '.join(map(repr, STATUSES))}, but got {status!r} instead.",
        )
    if status in STATUSES:
        records = [record for record in records if record.status(now, rules) == status]
    page = list_page(rules, LIST, records, limit=limit, order=order, after=after, before=before)
    return page.body(lambda record: render_file(record, rules, now))


def get_file(stores: Collection[VectorStore], store: VectorStore, state: ServerState, rules: Rules,
             file_id: str) -> VectorStoreFile:
    """The file ``file_id`` of ``store``, or a 404: a file detached, never attached or in another store is unknown."""
    record = files_of(store, state, rules).get(file_id)
    if record is None:
        elsewhere = (other.files.get(file_id) for other in stores.ordered() if other is not store)
        record = rules.behaviour(UNKNOWN_IDS, None, next((found for found in elsewhere if found), None))
    rules.enforce(
        UNKNOWN_IDS,
        record is not None,
        broken_ok=record is not None,
        status=404,
        message=f"No vector store file found with id '{file_id}' in vector store '{store.id}'.",
    )
    assert record is not None
    return record


# -- routes -----------------------------------------------------------------------------------------------------------


@router.post("/{vector_store_id}/files")
async def create_vector_store_file(
    vector_store_id: str,
    body: Annotated[CreateVectorStoreFileRequest, Depends(json_body(CreateVectorStoreFileRequest))],
    state: StateDep,
    stores: StoresDep,
    rules: RulesDep,
) -> dict[str, Any]:
    store = get_store(stores, vector_store_id)
    rules.enforce(
        FILE_ID_REQUIRED,
        body.file_id is not None,
        param="file_id",
        code="missing_required_parameter",
        message="Missing required parameter: 'file_id'.",
    )
    chunking = check_chunking(rules, CHUNKING, body.chunking_strategy)
    attributes = check_attributes(rules, ATTRIBUTES, body.attributes)
    now = state.clock.now()
    stored = stored_files.find_file(state, body.file_id) if body.file_id is not None else None
    rules.enforce(
        FILE_MUST_EXIST,
        stored is not None,
        status=404,
        message=f"No file found with id '{body.file_id}'.",
    )
    if stored is None:  # only under the fault: answer as if attached, remember nothing
        stored = stored_files.StoredFile(id=body.file_id, created_at=now, bytes=0, filename="unknown.txt",
                                         purpose="assistants", content=None)
        phantom: Collection[VectorStoreFile] = Collection()
        record = attach(phantom, stored, vector_store_id=store.id, now=now,
                        ready_at=state.clock.after(PROCESSING_SECONDS), chunking=chunking, rules=rules,
                        attributes=attributes)
        return render_file(record, rules, now)
    record = attach(files_of(store, state, rules), stored, vector_store_id=store.id, now=now,
                    ready_at=state.clock.after(PROCESSING_SECONDS), chunking=chunking, rules=rules,
                    attributes=attributes)
    store.last_active_at = now
    return render_file(record, rules, now)


@router.get("/{vector_store_id}/files")
async def list_vector_store_files(
    vector_store_id: str,
    state: StateDep,
    stores: StoresDep,
    rules: RulesDep,
    limit: str | None = None,  # parsed by list_page: FastAPI would take "5.0" and " 5" as integers
    order: str | None = None,
    after: str | None = None,
    before: str | None = None,
    filter: str | None = None,  # noqa: A002 - the query parameter's name
) -> dict[str, Any]:
    store = get_store(stores, vector_store_id)
    records = files_of(store, state, rules).ordered()
    return list_files(rules, records, state.clock.exact(), limit=limit, order=order, after=after, before=before,
                      status=filter)


@router.get("/{vector_store_id}/files/{file_id}")
async def retrieve_vector_store_file(
    vector_store_id: str, file_id: str, state: StateDep, stores: StoresDep, rules: RulesDep
) -> dict[str, Any]:
    record = get_file(stores, get_store(stores, vector_store_id), state, rules, file_id)
    return render_file(record, rules, state.clock.exact())


@router.post("/{vector_store_id}/files/{file_id}")
async def update_vector_store_file_attributes(
    vector_store_id: str,
    file_id: str,
    body: Annotated[
        UpdateVectorStoreFileAttributesRequest, Depends(json_body(UpdateVectorStoreFileAttributesRequest))
    ],
    state: StateDep,
    stores: StoresDep,
    rules: RulesDep,
) -> dict[str, Any]:
    """``attributes`` replace the file's attributes; ``null`` clears them."""
    store = get_store(stores, vector_store_id)
    sent = "attributes" in body.model_fields_set
    rules.enforce(
        UPDATE_REQUIRES_ATTRIBUTES,
        sent,
        param="attributes",
        code="missing_required_parameter",
        message="Missing required parameter: 'attributes'.",
    )
    attributes = check_attributes(rules, ATTRIBUTES, body.attributes)
    record = get_file(stores, store, state, rules, file_id)
    if sent:
        record.attributes = attributes
    return render_file(record, rules, state.clock.exact())


@router.delete("/{vector_store_id}/files/{file_id}")
async def delete_vector_store_file(
    vector_store_id: str, file_id: str, state: StateDep, stores: StoresDep, rules: RulesDep
) -> dict[str, Any]:
    """The file leaves the store; the File stays in /v1/files (R07.4)."""
    store = get_store(stores, vector_store_id)
    record = get_file(stores, store, state, rules, file_id)
    holder = store if store.files.get(record.id) is record else get_store(stores, record.vector_store_id)
    holder.files.remove(record.id)
    if rules.behaviour(DELETE_KEEPS_FILE, False, True):
        stored_files.files(state).remove(record.id)
    return {
        "id": record.id,
        "object": "vector_store.file.deleted",
        "deleted": rules.behaviour(ENDPOINTS, True, False),
    }


@router.get("/{vector_store_id}/files/{file_id}/content")
async def retrieve_vector_store_file_content(
    vector_store_id: str, file_id: str, state: StateDep, stores: StoresDep, rules: RulesDep
) -> dict[str, Any]:
    """The ``VectorStoreFileContentResponse``: the file's text, in one page."""
    record = get_file(stores, get_store(stores, vector_store_id), state, rules, file_id)
    data = [{"type": "text", "text": record.text}] if record.text else []
    return {
        "object": "vector_store.file_content.page",
        "data": rules.behaviour(CONTENT, data, []),
        "has_more": False,
        "next_page": None,
    }
