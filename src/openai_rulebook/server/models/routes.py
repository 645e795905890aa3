"""GET /v1/models, GET and DELETE /v1/models/{model}: the served models (``core.model_table``) and fine-tuned ones.

The reference server serves no fine-tuning, so it stands one fine-tuned model in for it: there is always one
(``ft:gpt-4o-mini-2024-07-18:rulebook::…``, owned by the caller's organization); deleting it removes it, and the
next look at the models finds a new one (another job finished). Base models belong to OpenAI (``system``,
``openai``, ``openai-internal``) and cannot be deleted: 403. An id that names nothing is 404 ``model_not_found``
with param ``model``, worded as the live API words it (models.jsonl).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter

from openai_rulebook.server.core.errors import APIError
from openai_rulebook.server.core.faults import Fault, Rules, RulesDep, register
from openai_rulebook.server.core.model_table import MODELS, Model
from openai_rulebook.server.core.state import ServerState, StateDep

LIST = "models.list_objects"
RETRIEVE = "models.retrieve"
UNKNOWN = "models.unknown_model"
DELETE = "models.delete_endpoint"
OWNER = "models.delete_requires_owner"

FINE_TUNED_BASE = "gpt-4o-mini-2024-07-18"
ORGANIZATION = "rulebook-org"
FINE_TUNED = "fine_tuned_models"

register(
    Fault("models.list_without_owned_by", rule=LIST, description="the items of GET /v1/models have no owned_by"),
    Fault("models.retrieve_prefixed_id", rule=RETRIEVE,
          description="GET /v1/models/{model} answers the id as 'models/<id>'"),
    Fault("models.unknown_answers_400", rule=UNKNOWN,
          description="a model that does not exist answers 400 (param model) instead of 404"),
    Fault("models.delete_without_deleted", rule=DELETE,
          description="deleting a fine-tuned model answers without the deleted member (it is deleted all the same)"),
    Fault("models.delete_base_model", rule=OWNER,
          description="deleting a base model answers 200 deleted: true (the model stays listed)"),
)

router = APIRouter(tags=["models"])


@dataclass
class FineTuned:
    id: str
    created_at: int
    owned_by: str = ORGANIZATION


def _fine_tuned(state: ServerState) -> list[FineTuned]:
    """The fine-tuned models; one is made when there is none (the stand-in for a finished fine-tuning job)."""
    collection = state.collection(FINE_TUNED)
    if not len(collection):
        suffix = state.ids.next("ft").split("_", 1)[1][:8]
        collection.add(FineTuned(f"ft:{FINE_TUNED_BASE}:{ORGANIZATION}::{suffix}", state.clock.now()))
    return collection.ordered()


def _render(rules: Rules, model_id: str, created: int, owned_by: str) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": created, "owned_by": owned_by}


def _base(model: Model) -> tuple[str, int, str]:
    return model.id, model.created, model.owned_by


def _unknown(rules: Rules, model_id: str) -> APIError:
    status = rules.behaviour(UNKNOWN, 404, 400)
    return APIError(status, f"The model '{model_id}' does not exist", param="model",
                    code="model_not_found" if status == 404 else "invalid_value")


@router.get("/models")
async def list_models(state: StateDep, rules: RulesDep) -> dict[str, Any]:
    rows = [_base(model) for model in MODELS.values()]
    rows += [(tuned.id, tuned.created_at, tuned.owned_by) for tuned in _fine_tuned(state)]
    data = [_render(rules, *row) for row in rows]
    if rules.behaviour(LIST, False, True):
        for item in data:
            del item["owned_by"]
    return {"object": "list", "data": data}


@router.get("/models/{model}")
async def retrieve_model(model: str, state: StateDep, rules: RulesDep) -> dict[str, Any]:
    tuned = next((tuned for tuned in _fine_tuned(state) if tuned.id == model), None)
    if tuned is not None:
        row = (tuned.id, tuned.created_at, tuned.owned_by)
    elif model in MODELS:
        row = _base(MODELS[model])
    else:
        raise _unknown(rules, model)
    body = _render(rules, *row)
    body["id"] = rules.behaviour(RETRIEVE, body["id"], f"models/{body['id']}")
    return body


@router.delete("/models/{model}")
async def delete_model(model: str, state: StateDep, rules: RulesDep) -> dict[str, Any]:
    collection = state.collection(FINE_TUNED)
    _fine_tuned(state)
    tuned = collection.get(model)
    if tuned is not None:
        collection.remove(model)
        # owned_by as the live API sends it in a deletion (models.jsonl, June 2025)
        body: dict[str, Any] = {"id": model, "object": "model", "deleted": True, "owned_by": tuned.owned_by}
        if rules.behaviour(DELETE, False, True):
            del body["deleted"]
        return body
    if model not in MODELS:
        raise _unknown(rules, model)
    rules.enforce(OWNER, False, status=403, message=f"You may not delete the model '{model}': it is owned by "
                                                    f"{MODELS[model].owned_by}, not by your organization.")
    return {"id": model, "object": "model", "deleted": True}
