"""Vector stores: create, retrieve, modify, delete and list, as the official spec's schemas describe them.

Stores hold no files yet: ``file_ids`` must be empty, and ``usage_bytes`` and ``file_counts`` stay 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from openai_rulebook.server.bodies import json_body
from openai_rulebook.server.errors import APIError, not_found
from openai_rulebook.server.faults import Fault, Rules, RulesDep, register
from openai_rulebook.server.metadata import check_metadata
from openai_rulebook.server.pagination import ListRules, list_page
from openai_rulebook.server.state import Collection, StateDep

OBJECT_TYPE = "vector_stores.object_type"
CREATE_ENDPOINT = "vector_stores.create_endpoint"
LIST = ListRules("vector_stores.list")
DAY = 86400

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
)

router = APIRouter(prefix="/vector_stores", tags=["vector_stores"])


# -- request bodies: CreateVectorStoreRequest and UpdateVectorStoreRequest of the spec ----------------------------


class _Strict(BaseModel):
    # the spec's additionalProperties: false, and no coercion ("3" is not an integer)
    model_config = ConfigDict(extra="forbid", strict=True)


class ExpiresAfter(_Strict):
    anchor: Literal["last_active_at"]
    days: int = Field(ge=1, le=365)


class AutoChunking(_Strict):
    type: Literal["auto"]


class StaticChunkingSizes(_Strict):
    max_chunk_size_tokens: int = Field(ge=100, le=4096)
    chunk_overlap_tokens: int = Field(ge=0)

    @model_validator(mode="after")
    def _overlap_at_most_half(self) -> StaticChunkingSizes:
        if self.chunk_overlap_tokens > self.max_chunk_size_tokens // 2:
            raise ValueError("chunk_overlap_tokens must not exceed half of max_chunk_size_tokens")
        return self


class StaticChunking(_Strict):
    type: Literal["static"]
    static: StaticChunkingSizes


ChunkingStrategy = Annotated[AutoChunking | StaticChunking, Field(discriminator="type")]


class CreateVectorStoreRequest(_Strict):
    # absent is fine, an explicit null is not: the spec does not make these nullable
    name: str = ""
    description: str = ""
    file_ids: list[str] = Field(default_factory=list, max_length=500)
    expires_after: ExpiresAfter = None  # type: ignore[assignment]
    chunking_strategy: ChunkingStrategy = None  # type: ignore[assignment]
    metadata: dict[str, Any] | None = None  # value types are checked by metadata.py, under their own rule


class UpdateVectorStoreRequest(_Strict):
    name: str | None = None
    expires_after: ExpiresAfter | None = None
    metadata: dict[str, Any] | None = None


# -- the stored object ----------------------------------------------------------------------------------------------


@dataclass
class VectorStore:
    id: str
    created_at: int
    name: str
    last_active_at: int
    metadata: dict[str, Any] = field(default_factory=dict)
    expires_after: ExpiresAfter | None = None
    #: kept, not shown: VectorStoreObject has no ``description``
    description: str = ""

    @property
    def expires_at(self) -> int | None:
        return self.last_active_at + self.expires_after.days * DAY if self.expires_after else None

    def render(self, now: int, object_type: str) -> dict[str, Any]:
        """The VectorStoreObject; ``expires_after`` is left out when unset, as the spec does not allow null."""
        expires_at = self.expires_at
        body: dict[str, Any] = {
            "id": self.id,
            "object": object_type,
            "created_at": self.created_at,
            "name": self.name,
            "usage_bytes": 0,
            "file_counts": {"in_progress": 0, "completed": 0, "failed": 0, "cancelled": 0, "total": 0},
            "status": "expired" if expires_at is not None and now >= expires_at else "completed",
            "last_active_at": self.last_active_at,
            "metadata": self.metadata,
            "expires_at": expires_at,
        }
        if self.expires_after is not None:
            body["expires_after"] = self.expires_after.model_dump()
        return body


async def _stores(request: Request) -> Collection[VectorStore]:
    return request.app.state.rulebook.collection("vector_stores")


StoresDep = Annotated[Collection[VectorStore], Depends(_stores)]


def _render(store: VectorStore, rules: Rules, now: int) -> dict[str, Any]:
    return store.render(now, rules.behaviour(OBJECT_TYPE, "vector_store", "vectorstore"))


def _get(stores: Collection[VectorStore], vector_store_id: str) -> VectorStore:
    store = stores.get(vector_store_id)
    if store is None:
        raise not_found("vector store", vector_store_id)
    return store


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
    if body.file_ids:  # no Files area yet: every file id names nothing
        raise APIError(400, f"No file found with id '{body.file_ids[0]}'.", param="file_ids")
    metadata = check_metadata(rules, body.metadata)
    now = state.clock.now()
    store = VectorStore(
        id=state.ids.next("vs"),
        created_at=now,
        name=body.name,
        description=body.description,
        last_active_at=now,
        metadata=metadata,
        expires_after=body.expires_after,
    )
    return _render(stores.add(store), rules, now)


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
    now = state.clock.now()
    return page.body(lambda store: _render(store, rules, now))


@router.get("/{vector_store_id}")
async def retrieve_vector_store(
    vector_store_id: str, state: StateDep, stores: StoresDep, rules: RulesDep
) -> dict[str, Any]:
    return _render(_get(stores, vector_store_id), rules, state.clock.now())


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
    store = _get(stores, vector_store_id)
    sent = body.model_fields_set
    if body.name is not None:
        store.name = body.name
    if "metadata" in sent:
        store.metadata = metadata
    if "expires_after" in sent:
        store.expires_after = body.expires_after
    now = state.clock.now()
    store.last_active_at = now
    return _render(store, rules, now)


@router.delete("/{vector_store_id}")
async def delete_vector_store(vector_store_id: str, stores: StoresDep) -> dict[str, Any]:
    _get(stores, vector_store_id)
    stores.remove(vector_store_id)
    return {"id": vector_store_id, "object": "vector_store.deleted", "deleted": True}
