"""The Responses API routes: create, retrieve, delete, cancel, input items.

Create holds the request to the spec's schema (``request.py``), then checks what the catalog's rules say (model,
ranges, include values, metadata, reasoning effort, truncation, the previous response) and answers with the
response; ``stream: true`` streams it (``stream.py``), ``background: true`` stores it ``queued`` and lets the clock
move it on (``objects.py``). ``store: false`` responses are answered and forgotten.
Each check states its catalog rule through ``Rules``, which is where faults act.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict

from openai_rulebook.server.chat.params import check_safety_identifier, mentions_json
from openai_rulebook.server.core import model_table
from openai_rulebook.server.core.errors import APIError
from openai_rulebook.server.core.faults import Fault, Rules, RulesDep, register
from openai_rulebook.server.core.pagination import ListRules, list_page
from openai_rulebook.server.core.sse import stream
from openai_rulebook.server.core.state import Collection, StateDep
from openai_rulebook.server.core.variants import Variant, register_variant
from openai_rulebook.server.metadata.pairs import check_metadata
from openai_rulebook.server.requests.bodies import json_body
from openai_rulebook.server.responses import generation
from openai_rulebook.server.responses.objects import QUEUED_SECONDS, RUNNING_SECONDS, Response
from openai_rulebook.server.responses.request import INCLUDE, check_create, check_retrieve_query
from openai_rulebook.server.responses.stream import events

ENDPOINTS_EXIST = "responses.endpoints_exist"
MAX_OUTPUT_TOKENS_BOUND = "responses.max_output_tokens_bound"
MAX_OUTPUT_TOKENS_MIN = "responses.max_output_tokens_min"
TOP_LOGPROBS_RANGE = "responses.top_logprobs_range"
TEMPERATURE_RANGE = "responses.temperature_range"
TOP_P_RANGE = "responses.top_p_range"
INCLUDE_VALUES = "responses.include_values"
CANCEL_BACKGROUND_ONLY = "responses.cancel_background_only"
TRUNCATION_OVERFLOW = "responses.truncation_disabled_overflow"
GPT5_PRO_EFFORT = "responses.gpt5_pro_reasoning_high"
PREVIOUS_RESPONSE = "responses.previous_response_id"
STORE_FALSE = "responses.store_false_not_retrievable"
RETRIEVE_DELETE = "responses.retrieve_delete"
STATUS_VALUES = "responses.status_values"
USAGE_ARITHMETIC = "responses.usage_arithmetic"
OUTPUT_SHAPES = "responses.output_shapes"
BACKGROUND_LIFECYCLE = "responses.background_lifecycle"
JSON_MODE = "responses.json_mode_valid_json"
JSON_MENTION = "responses.json_object_requires_json_mention"
TOOL_CHOICE_CALLS = "responses.tool_choice_calls"
INPUT_ITEMS = ListRules("responses.input_items.list", default_order="desc")

MAX_OUTPUT_TOKENS_MINIMUM = 16
TOP_LOGPROBS_MAX = 20
TEMPERATURE_MAX = 2.0
TOP_P_MAX = 1.0
#: how far a fault lets a float parameter past its bounds
FLOAT_SLACK = 0.5

#: legal liberty: a real tokenizer counts a prompt a token or so differently (special tokens)
TOKENS_OFF_BY_ONE = "responses.usage_input_tokens_plus_one"

register(
    Fault("responses.wrong_object_type", rule=ENDPOINTS_EXIST,
          description="response objects say object='chat.response' (input item lists still say 'list')"),
    Fault("responses.cut_reports_completed", rule=MAX_OUTPUT_TOKENS_BOUND,
          description="a reply cut by max_output_tokens says status completed with no incomplete_details"),
    Fault("responses.accept_max_output_tokens_15", rule=MAX_OUTPUT_TOKENS_MIN,
          description="max_output_tokens of 15 is accepted (14 is not)"),
    Fault("responses.accept_top_logprobs_off_by_one", rule=TOP_LOGPROBS_RANGE,
          description="top_logprobs of -1 and 21 are accepted (-2 and 22 are not)"),
    Fault("responses.accept_temperature_out_of_range", rule=TEMPERATURE_RANGE,
          description="temperature from -0.5 to 2.5 is accepted"),
    Fault("responses.accept_top_p_out_of_range", rule=TOP_P_RANGE,
          description="top_p from -0.5 to 1.5 is accepted"),
    Fault("responses.accept_any_include", rule=INCLUDE_VALUES,
          description="any string is accepted in include"),
    Fault("responses.cancel_any_response", rule=CANCEL_BACKGROUND_ONLY,
          description="a response created without background is cancelled (status cancelled) instead of refused"),
    Fault("responses.truncate_silently", rule=TRUNCATION_OVERFLOW,
          description="an input over the context window is accepted with truncation disabled"),
    Fault("responses.gpt5_pro_accepts_any_effort", rule=GPT5_PRO_EFFORT,
          description="gpt-5-pro accepts reasoning.effort low and medium"),
    Fault("responses.unknown_previous_response_ignored", rule=PREVIOUS_RESPONSE,
          description="a previous_response_id that names no response is ignored (a fresh conversation starts)"),
    Fault("responses.store_false_retrievable", rule=STORE_FALSE,
          description="responses created with store false are stored and retrievable like any other"),
    Fault("responses.delete_keeps_response", rule=RETRIEVE_DELETE,
          description="DELETE answers deleted: true, but the response can still be retrieved"),
    Fault("responses.incomplete_retrieved_as_truncated", rule=STATUS_VALUES,
          description="a stored incomplete response is retrieved with status 'truncated'"),
    Fault("responses.total_tokens_off_by_one", rule=USAGE_ARITHMETIC,
          description="usage.total_tokens is input_tokens + output_tokens + 1"),
    Fault("responses.output_text_without_annotations", rule=OUTPUT_SHAPES,
          description="output_text parts of output messages lack their annotations array"),
    Fault("responses.background_created_completed", rule=BACKGROUND_LIFECYCLE,
          description="a background response is answered completed at once, never queued or in progress"),
    Fault("responses.json_mode_plain_text", rule=JSON_MODE,
          description="with text.format json_object or json_schema the reply is plain words, not JSON"),
    Fault("responses.json_object_without_mention", rule=JSON_MENTION,
          description="text.format json_object is accepted when neither input nor instructions mention JSON"),
    Fault("responses.tool_choice_required_answers_text", rule=TOOL_CHOICE_CALLS,
          description="tool_choice required or a named function is accepted but answered with a message, no call"),
    Fault("responses.input_items.accept_limit_out_of_range", rule=INPUT_ITEMS.limit_range,
          description="input_items accepts limit=0 and limit=101"),
    Fault("responses.input_items.default_order_asc", rule=INPUT_ITEMS.order_default,
          description="input_items without order lists the input oldest first (asc) instead of desc"),
    Fault("responses.input_items.after_includes_cursor", rule=INPUT_ITEMS.cursor_pagination,
          description="the input_items page after X starts with X itself"),
)
register_variant(
    Variant(TOKENS_OFF_BY_ONE, description="usage.input_tokens (and total_tokens with it) is one more than our "
                                           "tokenizer counts, as a real tokenizer's special tokens make it"),
)

router = APIRouter(prefix="/responses", tags=["responses"])


class CreateResponseRequest(BaseModel):
    """Every member is read by hand, each under its own rule; unknown members pass (the API grows)."""

    model_config = ConfigDict(extra="allow")


async def _responses(request: Request) -> Collection[Response]:
    return request.app.state.rulebook.collection("responses")


ResponsesDep = Annotated[Collection[Response], Depends(_responses)]


# -- checks -----------------------------------------------------------------------------------------------------------
def _number(body: dict[str, Any], name: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise APIError(400, f"Invalid type for '{name}': expected a number, but got {value!r} instead.", param=name,
                       code="invalid_type")
    return float(value)


def _integer(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise APIError(400, f"Invalid type for '{name}': expected an integer, but got {value!r} instead.",
                       param=name, code="invalid_type")
    return value


def _float_range(rules: Rules, rule: str, body: dict[str, Any], name: str, high: float) -> None:
    value = _number(body, name)
    if value is None:
        return
    rules.enforce(rule, 0 <= value <= high, broken_ok=-FLOAT_SLACK <= value <= high + FLOAT_SLACK, param=name,
                  code="decimal_below_min_value" if value < 0 else "decimal_above_max_value",
                  message=f"Invalid '{name}': expected a number between 0 and {high:g}, but got {value:g} instead.")


def _model(body: dict[str, Any]) -> model_table.Model:
    name = body.get("model")
    if not isinstance(name, str) or not name:
        raise APIError(400, "Missing required parameter: 'model'.", param="model", code="missing_required_parameter")
    model = model_table.model(name)
    if model is None or model.kind not in ("chat", "reasoning"):
        raise APIError(400, f"The requested model '{name}' does not exist.", param="model", code="model_not_found")
    return model


def _check_request(body: dict[str, Any], model: model_table.Model, rules: Rules) -> None:
    bound = _integer(body, "max_output_tokens")
    if bound is not None:
        rules.enforce(MAX_OUTPUT_TOKENS_MIN, bound >= MAX_OUTPUT_TOKENS_MINIMUM,
                      broken_ok=bound >= MAX_OUTPUT_TOKENS_MINIMUM - 1, param="max_output_tokens",
                      code="integer_below_min_value",
                      message="Invalid 'max_output_tokens': integer below minimum value. Expected a value >= "
                              f"{MAX_OUTPUT_TOKENS_MINIMUM}, but got {bound} instead.")
    if model.kind == "reasoning":
        for name in ("temperature", "top_p"):
            if body.get(name) is not None:
                raise APIError(400, f"Unsupported parameter: '{name}' is not supported with this model.", param=name)
    _float_range(rules, TEMPERATURE_RANGE, body, "temperature", TEMPERATURE_MAX)
    _float_range(rules, TOP_P_RANGE, body, "top_p", TOP_P_MAX)
    # R03.9.1 names chat completions and Responses: one rule, one check and one fault for both (chat/params.py)
    check_safety_identifier(rules, body)
    top = _integer(body, "top_logprobs")
    if top is not None:
        rules.enforce_range(TOP_LOGPROBS_RANGE, top, 0, TOP_LOGPROBS_MAX, param="top_logprobs", name="top_logprobs")
    include = body.get("include")
    if include is not None:
        values = include if isinstance(include, list) else [include]
        unknown = [value for value in values if value not in INCLUDE]
        rules.enforce(INCLUDE_VALUES, not unknown, broken_ok=all(isinstance(v, str) for v in values),
                      param="include", code="invalid_value",
                      message=f"Invalid value: {unknown[0]!r}. Supported values are: {', '.join(INCLUDE)}."
                      if unknown else "")
    reasoning = body.get("reasoning")
    effort = reasoning.get("effort") if isinstance(reasoning, dict) else None
    if effort is not None:
        if model.kind != "reasoning":
            raise APIError(400, "Unsupported parameter: 'reasoning.effort' is not supported with this model.",
                           param="reasoning.effort", code="unsupported_parameter")
        if model.id == "gpt-5-pro":
            rules.enforce(GPT5_PRO_EFFORT, effort == "high", broken_ok=effort in ("low", "medium", "high"),
                          param="reasoning.effort", code="unsupported_value",
                          message=f"Unsupported value: '{effort}' is not supported with the 'gpt-5-pro' model. "
                                  "Supported values are: 'high'.")
    if body.get("background") is True and body.get("store") is False:
        raise APIError(400, "Background mode requires store to be true.", param="background")


def _conversation(body: dict[str, Any], responses: Collection[Response], rules: Rules) -> list[dict[str, Any]]:
    """The messages the model sees: those of the previous response (its input and output), then this input."""
    previous_id = body.get("previous_response_id")
    history: list[dict[str, Any]] = []
    if previous_id is not None:
        previous = responses.get(previous_id) if isinstance(previous_id, str) else None
        rules.enforce(PREVIOUS_RESPONSE, previous is not None, param="previous_response_id",
                      code="previous_response_not_found",
                      message=f"Previous response with id '{previous_id}' not found.")
        if previous is not None:
            history = [*previous.conversation, {"role": "assistant", "content": previous.outcome.text}]
    instructions = body.get("instructions")
    system = [{"role": "developer", "content": instructions}] if isinstance(instructions, str) else []
    current = generation.messages_of(body.get("input"))
    if not current and previous_id is None:
        raise APIError(400, "Missing required parameter: 'input'.", param="input", code="missing_required_parameter")
    return system + history + current


def _render(response: Response, rules: Rules, *, retrieved: bool = False) -> dict[str, Any]:
    status = response.status
    if retrieved and status == "incomplete":
        status = rules.behaviour(STATUS_VALUES, status, "truncated")
    body = response.render(object_type=rules.behaviour(ENDPOINTS_EXIST, "response", "chat.response"), status=status)
    usage = body.get("usage")
    if isinstance(usage, dict):
        usage = {**usage}
        extra = rules.variants.choose(TOKENS_OFF_BY_ONE, 0, 1)
        usage["input_tokens"] += extra
        usage["total_tokens"] = usage["input_tokens"] + usage["output_tokens"] + rules.behaviour(USAGE_ARITHMETIC,
                                                                                                 0, 1)
        body["usage"] = usage
    if body["output"] and rules.behaviour(OUTPUT_SHAPES, False, True):
        body["output"] = [{**item, "content": [{k: v for k, v in part.items() if k != "annotations"}
                                               for part in item["content"]]}
                          if item.get("type") == "message" else item for item in body["output"]]
    return body


def _get(responses: Collection[Response], response_id: str) -> Response:
    response = responses.get(response_id)
    if response is None:
        raise APIError(404, f"Response with id '{response_id}' not found.")
    return response


# -- routes -----------------------------------------------------------------------------------------------------------
@router.post("")
async def create_response(
    request_body: Annotated[CreateResponseRequest, Depends(json_body(CreateResponseRequest))],
    state: StateDep,
    responses: ResponsesDep,
    rules: RulesDep,
) -> Any:
    body = request_body.model_dump()
    check_create(body)
    model = _model(body)
    _check_request(body, model, rules)
    metadata = check_metadata(rules, body.get("metadata"))
    conversation = _conversation(body, responses, rules)
    if generation.text_format(body).get("type") == "json_object":
        rules.enforce(JSON_MENTION, mentions_json(conversation), param="input",
                      message="Response input messages must contain the word 'json' in some form to use 'text.format' "
                              "of type 'json_object'.")
    outcome, input_tokens = generation.generate(body, model, conversation, state.ids,
                                                as_json=rules.behaviour(JSON_MODE, True, False),
                                                call_tools=rules.behaviour(TOOL_CHOICE_CALLS, True, False))
    disabled = body.get("truncation", "disabled") in (None, "disabled")
    if disabled and input_tokens > model.context_window:
        rules.enforce(TRUNCATION_OVERFLOW, False, param="input", code="context_length_exceeded",
                      message="Your input exceeds the context window of this model. Please adjust your input and "
                              "try again.")
    effort = generation.effort_of(body, model)
    if effort is not None:
        reasoning = body.get("reasoning") if isinstance(body.get("reasoning"), dict) else {}
        body["reasoning"] = {**reasoning, "effort": effort}
    background = body.get("background") is True
    store = body.get("store") is not False
    response = Response(
        id=state.ids.next("resp"), created_at=state.clock.now(), model=body["model"], request=body,
        inputs=generation.input_items(body.get("input"), state.ids), outcome=outcome, metadata=metadata,
        conversation=conversation, background=background, store=store,
    )
    if background and rules.behaviour(BACKGROUND_LIFECYCLE, True, False):
        response.status = "queued"
        response.started_at = state.clock.after(QUEUED_SECONDS)
        response.done_at = state.clock.after(QUEUED_SECONDS + RUNNING_SECONDS)
    else:
        response.status = outcome.status
        response.completed_at = state.clock.now()
        if outcome.status == "incomplete":
            response.status = rules.behaviour(MAX_OUTPUT_TOKENS_BOUND, "incomplete", "completed")
    if store or rules.behaviour(STORE_FALSE, False, True):
        responses.add(response)
    rendered = _render(response, rules)
    if body.get("stream") is True and not background:
        return stream(events(rendered, rules))
    return rendered


@router.get("/{response_id}")
async def retrieve_response(response_id: str, request: Request, state: StateDep, responses: ResponsesDep,
                            rules: RulesDep) -> dict[str, Any]:
    check_retrieve_query(request.query_params)
    return _render(_get(responses, response_id).settle(state.clock.now()), rules, retrieved=True)


@router.delete("/{response_id}")
async def delete_response(response_id: str, responses: ResponsesDep, rules: RulesDep) -> dict[str, Any]:
    response = _get(responses, response_id)
    if rules.behaviour(RETRIEVE_DELETE, True, False):
        responses.remove(response_id)
    return {"id": response.id, "object": "response", "deleted": True}


@router.post("/{response_id}/cancel")
async def cancel_response(response_id: str, state: StateDep, responses: ResponsesDep,
                          rules: RulesDep) -> dict[str, Any]:
    response = _get(responses, response_id).settle(state.clock.now())
    rules.enforce(CANCEL_BACKGROUND_ONLY, response.background,
                  message="Only responses created with background=true can be cancelled.")
    if not response.finished or not response.background:
        response.status = "cancelled"
    return _render(response, rules)


@router.get("/{response_id}/input_items")
async def list_input_items(response_id: str, responses: ResponsesDep, rules: RulesDep, limit: str | None = None,
                           order: str | None = None, after: str | None = None) -> dict[str, Any]:
    response = _get(responses, response_id)
    page = list_page(rules, INPUT_ITEMS, response.inputs, limit=limit, order=order, after=after, before=None)
    return page.body(lambda item: item.body)
