"""Evals: create, list, retrieve, update (``name`` and ``metadata`` only) and delete, in the official spec's shapes.

Create checks ``data_source_config`` (custom, logs or stored_completions) and ``testing_criteria`` (a list of
graders); a ``label_model`` grader must name a model with structured outputs (R06.5.12). Update changes ``name`` and
``metadata`` only (R07.12.1): any other field is rejected with 400 (a variant ignores it instead, which the rule
also allows) and the eval is left as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict

from openai_rulebook.server.core.errors import APIError, not_found
from openai_rulebook.server.core.faults import Fault, Rules, RulesDep, register
from openai_rulebook.server.core.pagination import ListRules, list_page
from openai_rulebook.server.core.state import Collection, StateDep
from openai_rulebook.server.core.variants import Variant, register_variant
from openai_rulebook.server.metadata.pairs import check_metadata
from openai_rulebook.server.requests.bodies import json_body

ENDPOINTS_EXIST = "evals.endpoints_exist"
UPDATE_ONLY = "evals.update_name_metadata_only"
LABEL_MODEL = "evals.label_model_structured_outputs"
DELETE = "evals.delete_removes"
LIST = ListRules("evals.list", default_order="asc")
IGNORE_OTHER_FIELDS = "evals.update_ignores_other_fields"

DATA_SOURCES = ("custom", "logs", "stored_completions")
GRADERS = ("label_model", "string_check", "text_similarity", "python", "score_model")
#: models with structured outputs (json_schema response formats), and their dated snapshots; gpt-3.5-turbo, the
#: base models and gpt-4 / gpt-4-turbo have JSON mode at most
STRUCTURED_OUTPUT_MODELS = ("gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o1", "o3-mini",
                            "o3", "o4-mini", "gpt-5", "gpt-5-mini", "gpt-5-nano")

register(
    Fault("evals.update_wrong_object", rule=ENDPOINTS_EXIST,
          description="an update answers object 'evaluation' (create, retrieve and list are unchanged)"),
    Fault("evals.update_applies_other_fields", rule=UPDATE_ONLY,
          description="an update's testing_criteria (or data_source_config) replaces the eval's, and is answered 200"),
    Fault("evals.label_model_any_model", rule=LABEL_MODEL,
          description="a label_model grader naming a model without structured outputs (gpt-3.5-turbo) is accepted"),
    Fault("evals.delete_keeps_eval", rule=DELETE,
          description="a delete answers deleted: true, but the eval can still be retrieved"),
    Fault("evals.list.accept_limit_out_of_range", rule=LIST.limit_range,
          description="limit=0 and limit=101 are accepted on GET /v1/evals"),
    Fault("evals.list.default_order_desc", rule=LIST.order_default,
          description="without order, evals are listed newest first instead of oldest first"),
)
register_variant(
    Variant(IGNORE_OTHER_FIELDS, description="an eval update that sends fields other than name and metadata is "
                                             "answered 200 with those fields ignored, instead of a 400"),
)

router = APIRouter(prefix="/evals", tags=["evals"])


@dataclass
class Eval:
    id: str
    created_at: int
    name: str
    data_source_config: dict[str, Any]
    testing_criteria: list[dict[str, Any]]
    metadata: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"object": "eval", "id": self.id, "data_source_config": self.data_source_config,
                "testing_criteria": self.testing_criteria, "name": self.name, "created_at": self.created_at,
                "metadata": self.metadata}


class CreateEvalRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Any = None
    data_source_config: Any = None
    testing_criteria: Any = None
    metadata: dict[str, Any] | None = None


class UpdateEvalRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # other fields are the rule's to judge, not the parser's
    name: Any = None
    metadata: dict[str, Any] | None = None


async def _evals(request: Request) -> Collection[Eval]:
    return request.app.state.rulebook.collection("evals")


EvalsDep = Annotated[Collection[Eval], Depends(_evals)]


def _get(evals: Collection[Eval], eval_id: str) -> Eval:
    found = evals.get(eval_id)
    if found is None:
        raise not_found("eval", eval_id)
    return found


def structured_outputs(model_id: Any) -> bool:
    """Whether ``model_id`` (or the model a dated snapshot belongs to) has structured outputs."""
    if not isinstance(model_id, str):
        return False
    return any(model_id == name or (model_id.startswith(f"{name}-") and model_id[len(name) + 1:][:1].isdigit()
                                    and model_id[len(name) + 1:].replace("-", "").isdigit())
               for name in STRUCTURED_OUTPUT_MODELS)


def _data_source(config: Any) -> dict[str, Any]:
    if not isinstance(config, dict):
        raise APIError(400, "Missing required parameter: 'data_source_config'.", param="data_source_config",
                       code="missing_required_parameter")
    kind = config.get("type")
    if kind not in DATA_SOURCES:
        raise APIError(400, f"Invalid 'data_source_config.type': expected one of {', '.join(DATA_SOURCES)}, but got "
                            f"{kind!r} instead.", param="data_source_config.type", code="invalid_value")
    if kind == "custom":
        item = config.get("item_schema")
        if not isinstance(item, dict):
            raise APIError(400, "Missing required parameter: 'data_source_config.item_schema'.",
                           param="data_source_config.item_schema", code="missing_required_parameter")
        properties: dict[str, Any] = {"item": item}
        if config.get("include_sample_schema"):
            properties["sample"] = {"type": "object"}
        return {"type": "custom", "schema": {"type": "object", "properties": properties, "required": ["item"]}}
    return {"type": kind, "metadata": config.get("metadata"), "schema": {"type": "object"}}


def _criteria(criteria: Any, rules: Rules) -> list[dict[str, Any]]:
    if not isinstance(criteria, list):
        raise APIError(400, "Missing required parameter: 'testing_criteria'.", param="testing_criteria",
                       code="missing_required_parameter")
    for index, grader in enumerate(criteria):
        kind = grader.get("type") if isinstance(grader, dict) else None
        if kind not in GRADERS:
            raise APIError(400, f"Invalid 'testing_criteria[{index}].type': expected one of {', '.join(GRADERS)}, "
                                f"but got {kind!r} instead.", param=f"testing_criteria[{index}].type",
                           code="invalid_value")
        if kind == "label_model":
            rules.enforce(LABEL_MODEL, structured_outputs(grader.get("model")),
                          broken_ok=isinstance(grader.get("model"), str), param=f"testing_criteria[{index}].model",
                          code="invalid_value",
                          message=f"The model {grader.get('model')!r} of a label_model grader must support "
                                  "structured outputs.")
    return [dict(grader) for grader in criteria]


@router.post("", status_code=201)  # as the spec documents; no recording of a real create says otherwise
async def create_eval(body: Annotated[CreateEvalRequest, Depends(json_body(CreateEvalRequest))], state: StateDep,
                      evals: EvalsDep, rules: RulesDep) -> dict[str, Any]:
    config = _data_source(body.data_source_config)
    criteria = _criteria(body.testing_criteria, rules)
    if body.name is not None and not isinstance(body.name, str):
        raise APIError(400, "Invalid 'name': expected a string.", param="name", code="invalid_type")
    metadata = check_metadata(rules, body.metadata)
    created = Eval(state.ids.next("eval"), state.clock.now(), body.name or "", config, criteria, metadata)
    return evals.add(created).to_json()


@router.get("")
async def list_evals(evals: EvalsDep, rules: RulesDep, limit: str | None = None, order: str | None = None,
                     after: str | None = None, order_by: str | None = None) -> dict[str, Any]:
    """Oldest first by default (the spec's ``order`` default is ``asc``); ``order_by`` updated_at sorts as created."""
    if order_by not in (None, "created_at", "updated_at"):
        raise APIError(400, f"Invalid 'order_by': expected created_at or updated_at, but got {order_by!r} instead.",
                       param="order_by", code="invalid_value")
    page = list_page(rules, LIST, evals.ordered(), limit=limit, order=order, after=after, before=None)
    return page.body(lambda item: item.to_json())


@router.get("/{eval_id}")
async def retrieve_eval(eval_id: str, evals: EvalsDep) -> dict[str, Any]:
    return _get(evals, eval_id).to_json()


@router.post("/{eval_id}")
async def update_eval(eval_id: str, body: Annotated[UpdateEvalRequest, Depends(json_body(UpdateEvalRequest))],
                      evals: EvalsDep, rules: RulesDep) -> dict[str, Any]:
    found = _get(evals, eval_id)
    others = sorted(body.model_extra or {})
    ignore = rules.variants.choose(IGNORE_OTHER_FIELDS, False, True) if others else False
    if others and not ignore:
        rules.enforce(UPDATE_ONLY, False, param=others[0], code="unknown_parameter",
                      message=f"Only 'name' and 'metadata' of an eval can be updated; got {', '.join(others)}.")
    if body.name is not None and not isinstance(body.name, str):
        raise APIError(400, "Invalid 'name': expected a string.", param="name", code="invalid_type")
    metadata = check_metadata(rules, body.metadata) if body.metadata is not None else None
    if body.name is not None:
        found.name = body.name
    if metadata is not None:
        found.metadata = metadata
    extra = body.model_extra or {}
    if not ignore and "testing_criteria" in extra and rules.behaviour(UPDATE_ONLY, False, True):
        found.testing_criteria = _criteria(extra["testing_criteria"], rules)
    answer = found.to_json()
    answer["object"] = rules.behaviour(ENDPOINTS_EXIST, "eval", "evaluation")
    return answer


@router.delete("/{eval_id}")
async def delete_eval(eval_id: str, evals: EvalsDep, rules: RulesDep) -> dict[str, Any]:
    _get(evals, eval_id)
    if rules.behaviour(DELETE, True, False):
        evals.remove(eval_id)
    return {"object": "eval.deleted", "deleted": True, "eval_id": eval_id}
