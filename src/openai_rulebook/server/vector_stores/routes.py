"""Vector stores: create, retrieve, modify, delete and list, as the official spec's schemas describe them.

A store holds the files attached to it and the batches that attached them (``attachments.py``); its
``file_counts``, ``usage_bytes`` and ``status`` are derived from those files whenever it is shown. The routes for
its files, file batches and search (``vector_store_files.py``, ``vector_store_file_batches.py``,
``vector_store_search.py``) find stores through ``get_store`` and ``files_of``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict

from openai_rulebook.server.files import stored as stored_files
from openai_rulebook.server.vector_store_files import attachments
from openai_rulebook.server.vector_store_files.attachments import FileBatch, VectorStoreFile
from openai_rulebook.server.requests.bodies import json_body
from openai_rulebook.server.vector_stores.chunking import ChunkingStrategy, check_chunking
from openai_rulebook.server.core.errors import APIError, not_found
from openai_rulebook.server.core.faults import Fault, Rules, RulesDep, register
from openai_rulebook.server.metadata.pairs import check_metadata
from openai_rulebook.server.core.pagination import ListRules, list_page
from openai_rulebook.server.core.state import Collection, ServerState, StateDep

OBJECT_TYPE = "vector_stores.object_type"
CREATE_ENDPOINT = "vector_stores.create_endpoint"
FILE_IDS_RANGE = "vector_stores.file_ids_range"
EXPIRES_AFTER_RANGE = "vector_stores.expires_after_range"
EXPIRY = "vector_stores.expiry"
CHUNKING_STRATEGY = "vector_stores.chunking_strategy"
FILE_COUNTS = "vector_stores.file_counts"
#: the official spec's schemas, as suites/test_openapi.py fuzzes them
RESPONSE_SCHEMAS = "openapi.response_schemas"
NEGATIVE_DATA = "openapi.negative_data_rejection"
LIST = ListRules("vector_stores.list")
DAY = 86400
#: the limits, as the catalog's ``params`` state them
MAX_FILE_IDS = 500
MIN_DAYS, MAX_DAYS = 1, 365

register(
    Fault(
        "vector_stores.list.accept_limit_out_of_range",
        rule=LIST.limit_range,
        description="limit=0 and limit=101 are accepted; 101 returns up to 101 stores",
    ),
    Fault(
        "vector_stores.list.default_limit_10",
        rule=LIST.limit_default,
        description="without limit, a page holds 10 stores instead of 20",
    ),
    Fault(
        "vector_stores.list.accept_any_order",
        rule=LIST.order_values,
        description="an order other than asc/desc is accepted and lists as desc",
    ),
    Fault(
        "vector_stores.list.default_order_asc",
        rule=LIST.order_default,
        description="without order, stores are listed oldest first",
    ),
    Fault(
        "vector_stores.list.after_includes_cursor",
        rule=LIST.cursor_pagination,
        description="the page after X starts with X itself, so walking pages repeats one store per page",
    ),
    Fault(
        "vector_stores.create_requires_a_field",
        rule=CREATE_ENDPOINT,
        description="a create with an empty body ({} or none) is refused (400, param 'name'); one field suffices",
    ),
    Fault(
        "vector_stores.wrong_object_type",
        rule=OBJECT_TYPE,
        description="vector store objects say object='vectorstore'; list and deletion objects are unchanged",
    ),
    Fault(
        "vector_stores.accept_501_file_ids",
        rule=FILE_IDS_RANGE,
        description="a create with 501 file_ids is accepted (502 is not)",
    ),
    Fault(
        "vector_stores.expires_after_days_off_by_one",
        rule=EXPIRES_AFTER_RANGE,
        description="expires_after.days of 0 and 366 are accepted, on create and modify (-1 and 367 are not)",
    ),
    Fault(
        "vector_stores.never_expire",
        rule=EXPIRY,
        description="a store past its expires_at still says status 'completed' (expires_at itself is right)",
    ),
    Fault(
        "vector_stores.chunking_strategy_off_by_one",
        rule=CHUNKING_STRATEGY,
        description="on create, static max_chunk_size_tokens of 99 and 4097, and an overlap of half + 1, are accepted",
    ),
    Fault(
        "vector_stores.file_counts_miss_in_progress",
        rule=FILE_COUNTS,
        description="file_counts.in_progress stays 0 while files are processing (total still counts them)",
    ),
)

register(
    Fault(
        "openapi.empty_expires_after",
        rule=RESPONSE_SCHEMAS,
        description="a store without an expiration policy shows expires_after: {} (no anchor, no days), which "
        "VectorStoreExpirationAfter does not allow (the real API sends null)",
    ),
    Fault(
        "openapi.accept_any_description",
        rule=NEGATIVE_DATA,
        description="a create whose description is not a string (a number, an object, null) is accepted; it is kept "
        "and never shown",
    ),
)

router = APIRouter(prefix="/vector_stores", tags=["vector_stores"])


# -- request bodies: CreateVectorStoreRequest and UpdateVectorStoreRequest of the spec ----------------------------


class _Strict(BaseModel):
    # the spec's additionalProperties: false, and no coercion ("3" is not an integer)
    model_config = ConfigDict(extra="forbid", strict=True)


class ExpiresAfter(_Strict):
    anchor: Literal["last_active_at"]
    days: int  # 1..365: a catalog rule, checked by check_expires_after


class CreateVectorStoreRequest(_Strict):
    # absent is fine, an explicit null is not: the spec does not make these nullable
    name: str = None  # type: ignore[assignment]  # unnamed stores show name: null, as real traffic does
    description: Any = ""  # a string: checked by create_vector_store, so that a fault can let another type in
    file_ids: list[str] = []  # at most 500: a catalog rule
    expires_after: ExpiresAfter = None  # type: ignore[assignment]
    chunking_strategy: ChunkingStrategy = None  # type: ignore[assignment]
    metadata: dict[str, Any] | None = None  # value types are checked by metadata.py, under their own rule


class UpdateVectorStoreRequest(_Strict):
    name: str | None = None
    expires_after: ExpiresAfter | None = None
    metadata: dict[str, Any] | None = None


def check_expires_after(rules: Rules, expires_after: ExpiresAfter | None) -> ExpiresAfter | None:
    if expires_after is not None:
        days = expires_after.days
        rules.enforce_range(EXPIRES_AFTER_RANGE, days, MIN_DAYS, MAX_DAYS, param="expires_after",
                            name="expires_after.days")
    return expires_after


# -- the stored object ----------------------------------------------------------------------------------------------


@dataclass
class VectorStore:
    id: str
    created_at: int
    name: str | None
    last_active_at: int
    metadata: dict[str, Any] = field(default_factory=dict)
    expires_after: ExpiresAfter | None = None
    #: VectorStoreObject has no ``description``, but the real API shows it (null when none was sent)
    description: str | None = None
    #: the attached files, by file id, and the batches that attached some of them
    files: Collection[VectorStoreFile] = field(default_factory=Collection)
    batches: Collection[FileBatch] = field(default_factory=Collection)

    @property
    def expires_at(self) -> int | None:
        return self.last_active_at + self.expires_after.days * DAY if self.expires_after else None

    def render(self, now: float, rules: Rules, object_type: str) -> dict[str, Any]:
        """The VectorStoreObject; ``expires_after`` is null when unset, as the real API sends it.

        Counts, bytes and status come from the files: ``in_progress`` while one is processing, ``expired`` once
        ``expires_at`` has passed, else ``completed``.
        """
        records = self.files.ordered()
        counts = attachments.file_counts(records, now, rules)
        counts["in_progress"] = rules.behaviour(FILE_COUNTS, counts["in_progress"], 0)
        expires_at = self.expires_at
        expired = expires_at is not None and now >= expires_at
        if rules.behaviour(EXPIRY, expired, False):
            status = "expired"
        else:
            processing = any(record.status(now, rules) == "in_progress" for record in records)
            status = "in_progress" if processing else "completed"
        body: dict[str, Any] = {
            "id": self.id,
            "object": object_type,
            "created_at": self.created_at,
            "name": self.name,
            "description": self.description,
            "usage_bytes": sum(record.usage_bytes(now, rules) for record in records),
            "file_counts": counts,
            "status": status,
            "last_active_at": self.last_active_at,
            "metadata": self.metadata,
            "expires_at": expires_at,
        }
        # null without a policy, as the real API sends it (gap null-drift-vector-store); the fault shows an
        # object without the anchor and days that VectorStoreExpirationAfter requires
        unset = rules.behaviour(RESPONSE_SCHEMAS, None, {})
        body["expires_after"] = self.expires_after.model_dump() if self.expires_after is not None else unset
        return body


async def _stores(request: Request) -> Collection[VectorStore]:
    return request.app.state.rulebook.collection("vector_stores")


StoresDep = Annotated[Collection[VectorStore], Depends(_stores)]


def get_store(stores: Collection[VectorStore], vector_store_id: str) -> VectorStore:
    """The store of that id, or the 404 the live API answers."""
    store = stores.get(vector_store_id)
    if store is None:
        raise not_found("vector store", vector_store_id)
    return store


def files_of(store: VectorStore, state: ServerState, rules: Rules) -> Collection[VectorStoreFile]:
    """The store's files, less those deleted from /v1/files since the store was last read."""
    attachments.prune(store.files, lambda file_id: stored_files.find_file(state, file_id) is not None, rules)
    return store.files


def _render(store: VectorStore, state: ServerState, rules: Rules) -> dict[str, Any]:
    files_of(store, state, rules)
    return store.render(state.clock.exact(), rules, rules.behaviour(OBJECT_TYPE, "vector_store", "vectorstore"))


# -- routes -----------------------------------------------------------------------------------------------------------


@router.post("")
async def create_vector_store(
    body: Annotated[CreateVectorStoreRequest, Depends(json_body(CreateVectorStoreRequest))],
    state: StateDep,
    stores: StoresDep,
    rules: RulesDep,
) -> dict[str, Any]:
    # every field is optional, so an empty body must create a store; the fault makes it need one field
    rules.enforce(
        CREATE_ENDPOINT,
        True,
        broken_ok=bool(body.model_fields_set),
        param="name",
        code="missing_required_parameter",
        message="Missing required parameter: 'name'.",
    )
    rules.enforce(
        NEGATIVE_DATA,
        isinstance(body.description, str),
        param="description",
        code="invalid_type",
        message="Invalid type for 'description': expected a string.",
    )
    metadata = check_metadata(rules, body.metadata)
    expires_after = check_expires_after(rules, body.expires_after)
    chunking = check_chunking(rules, CHUNKING_STRATEGY, body.chunking_strategy)
    count = len(body.file_ids)
    rules.enforce(
        FILE_IDS_RANGE,
        count <= MAX_FILE_IDS,
        broken_ok=count <= MAX_FILE_IDS + 1,
        param="file_ids",
        code="array_above_max_length",
        message=f"Invalid 'file_ids': array too long. Expected an array with maximum length {MAX_FILE_IDS}, "
        f"but got an array with length {count} instead.",
    )
    files = []
    for file_id in dict.fromkeys(body.file_ids):  # a file listed twice is attached once
        stored = stored_files.find_file(state, file_id)
        if stored is None:
            raise APIError(400, f"No file found with id '{file_id}'.", param="file_ids")
        files.append(stored)
    now = state.clock.now()
    store = VectorStore(
        id=state.ids.next("vs"),
        created_at=now,
        name=body.name,
        description=body.description if "description" in body.model_fields_set else None,
        last_active_at=now,
        metadata=metadata,
        expires_after=expires_after,
    )
    for stored in files:
        attachments.attach(store.files, stored, vector_store_id=store.id, now=now, chunking=chunking,
                           ready_at=state.clock.after(attachments.PROCESSING_SECONDS), rules=rules,
                           attributes={})
    return _render(stores.add(store), state, rules)


@router.get("")
async def list_vector_stores(
    state: StateDep,
    stores: StoresDep,
    rules: RulesDep,
    limit: str | None = None,  # parsed by list_page: FastAPI would take "5.0" and " 5" as integers
    order: str | None = None,
    after: str | None = None,
    before: str | None = None,
) -> dict[str, Any]:
    page = list_page(rules, LIST, stores.ordered(), limit=limit, order=order, after=after, before=before)
    return page.body(lambda store: _render(store, state, rules))


@router.get("/{vector_store_id}")
async def retrieve_vector_store(
    vector_store_id: str, state: StateDep, stores: StoresDep, rules: RulesDep
) -> dict[str, Any]:
    return _render(get_store(stores, vector_store_id), state, rules)


@router.post("/{vector_store_id}")
async def modify_vector_store(
    vector_store_id: str,
    body: Annotated[UpdateVectorStoreRequest, Depends(json_body(UpdateVectorStoreRequest))],
    state: StateDep,
    stores: StoresDep,
    rules: RulesDep,
) -> dict[str, Any]:
    """Only the fields sent change; ``name: null`` keeps the name, ``metadata: null`` and
    ``expires_after: null`` clear them (our reading; the live API's handling of null is unverified)."""
    metadata = check_metadata(rules, body.metadata)
    expires_after = check_expires_after(rules, body.expires_after)
    store = get_store(stores, vector_store_id)
    sent = body.model_fields_set
    if body.name is not None:
        store.name = body.name
    if "metadata" in sent:
        store.metadata = metadata
    if "expires_after" in sent:
        store.expires_after = expires_after
    store.last_active_at = state.clock.now()
    return _render(store, state, rules)


@router.delete("/{vector_store_id}")
async def delete_vector_store(vector_store_id: str, stores: StoresDep) -> dict[str, Any]:
    get_store(stores, vector_store_id)
    stores.remove(vector_store_id)
    return {"id": vector_store_id, "object": "vector_store.deleted", "deleted": True}
