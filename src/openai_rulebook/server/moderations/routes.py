"""POST /v1/moderations: a string, an array of strings, or an array of multi-modal parts, classified.

A string array gets one result per string; an array of parts (``text``, ``image_url``) is one input and gets one
result, as real traffic shows (moderations.jsonl). Omni models say which input types each category read
(``category_applied_input_types``); the text-moderation models do not.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict

from openai_rulebook.server.core.errors import APIError
from openai_rulebook.server.core.faults import Fault, Rules, RulesDep, register
from openai_rulebook.server.core.served_models import served_model
from openai_rulebook.server.core.state import StateDep
from openai_rulebook.server.core.variants import Variant, register_variant
from openai_rulebook.server.moderations.classifier import (
    FLAG_AT,
    OMNI_CATEGORIES,
    TEXT_CATEGORIES,
    Item,
    applied_types,
    scores,
)
from openai_rulebook.server.requests.bodies import json_body

ENDPOINTS = "moderations.endpoints_exist"
INPUT_SHAPES = "moderations.input_shapes"
RESULT_SHAPE = "moderations.result_shape"
APPLIED_TYPES = "moderations.applied_input_types"

DEFAULT_MODEL = "omni-moderation-latest"
SNAPSHOT_NAME = "moderations.model_snapshot_name"
#: what the live API names the models it ran (moderations.jsonl: text-moderation-latest answered as -007)
SNAPSHOTS = {"omni-moderation-latest": "omni-moderation-2024-09-26", "text-moderation-latest": "text-moderation-007"}

register(
    Fault("moderations.no_id", rule=ENDPOINTS, description="a moderation answer has no id"),
    Fault("moderations.one_result_for_strings", rule=INPUT_SHAPES,
          description="an array of strings gets one result (its first string's) instead of one per string"),
    Fault("moderations.scores_miss_a_category", rule=RESULT_SHAPE,
          description="category_scores leaves out violence/graphic, which categories names"),
    Fault("moderations.image_applied_to_text", rule=APPLIED_TYPES,
          description="a text-only input says the image categories were applied to ['text', 'image']"),
)
register_variant(
    Variant(SNAPSHOT_NAME, description="a moderation answer names the snapshot that ran (omni-moderation-2024-09-26, "
                                       "text-moderation-007), as the live API does for text-moderation-latest"),
)

router = APIRouter(tags=["moderations"])


class CreateModerationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: Any = None
    model: Any = None


def _part(part: Any) -> tuple[str, int]:
    """(text, images) of one multi-modal part; anything but a text or image_url part is a 400."""
    if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str):
        return part["text"], 0
    image = part.get("image_url") if isinstance(part, dict) else None
    if isinstance(part, dict) and part.get("type") == "image_url" and isinstance(image, dict) \
            and _is_url(image.get("url")):
        return "", 1
    raise APIError(400, "Invalid 'input': each part must be {'type': 'text', 'text': ...} or "
                        "{'type': 'image_url', 'image_url': {'url': ...}}.", param="input", code="invalid_value")


def _is_url(value: Any) -> bool:
    """An image's address: a URL with a scheme (https://…, or a data: URL), as the spec's ``format: uri`` says."""
    return isinstance(value, str) and ("://" in value or value.startswith("data:"))


def _items(value: Any) -> list[Item]:
    if value is None:
        raise APIError(400, "You must provide an input parameter.", param="input", code="missing_required_parameter")
    if isinstance(value, str):
        return [Item(value, 0, ("text",))]
    if isinstance(value, list) and value and all(isinstance(entry, str) for entry in value):
        return [Item(entry, 0, ("text",)) for entry in value]
    if isinstance(value, list) and value and all(isinstance(entry, dict) for entry in value):
        parts = [_part(entry) for entry in value]
        text, images = " ".join(text for text, _ in parts if text), sum(count for _, count in parts)
        types = tuple(kind for kind, present in (("text", any(text for text, _ in parts) or any(
            isinstance(entry, dict) and entry.get("type") == "text" for entry in value)), ("image", images)) if present)
        return [Item(text, images, types)]
    raise APIError(400, "Invalid 'input': expected a string, an array of strings or an array of multi-modal parts.",
                   param="input", code="invalid_type")


def _result(rules: Rules, item: Item, omni: bool) -> dict[str, Any]:
    categories = OMNI_CATEGORIES if omni else TEXT_CATEGORIES
    scored = scores(item, categories)
    flags = {category: score >= FLAG_AT for category, score in scored.items()}
    if rules.behaviour(RESULT_SHAPE, False, True):
        scored.pop("violence/graphic", None)
    result: dict[str, Any] = {"flagged": any(flags.values()), "categories": flags, "category_scores": scored}
    if omni:
        applied = applied_types(item, categories)
        if item.types == ("text",) and rules.behaviour(APPLIED_TYPES, False, True):
            applied = applied_types(Item(item.text, 1, ("text", "image")), categories)
        result["category_applied_input_types"] = applied
    return result


@router.post("/moderations")
async def create_moderation(
    body: Annotated[CreateModerationRequest, Depends(json_body(CreateModerationRequest))], state: StateDep,
    rules: RulesDep,
) -> dict[str, Any]:
    model_id = DEFAULT_MODEL if body.model is None else body.model
    model = served_model(model_id, ("moderation",), wrong_kind=APIError(
        400, f"The model `{model_id}` is not a moderation model.", param="model"))
    items = _items(body.input)
    if len(items) > 1 and rules.behaviour(INPUT_SHAPES, False, True):
        items = items[:1]
    omni = model.id.startswith("omni-")
    answer: dict[str, Any] = {
        "id": state.ids.next("modr").replace("_", "-", 1),
        "model": rules.variants.choose(SNAPSHOT_NAME, model_id, SNAPSHOTS.get(model.id, model_id)),
        "results": [_result(rules, item, omni) for item in items],
    }
    if rules.behaviour(ENDPOINTS, False, True):
        del answer["id"]
    return answer
