"""Chat Completions: create (JSON or a stream of chunks), and the stored completions: list, retrieve, update
(metadata only), delete, and their messages.

A create names a served chat or reasoning model (``model_table``; an unknown one is a 404 ``model_not_found``, one of
another kind a 404 about ``model``, as live), passes the parameter rules (``params.py``), and is answered by the
scripted model (``replies.py``), as one ``chat.completion`` or as chunks (``chunks.py``). With ``store: true`` it is
kept (``stored.py``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict

from openai_rulebook.server.chat import chunks, params, replies, stored
from openai_rulebook.server.core import model_table, sse
from openai_rulebook.server.core.errors import APIError
from openai_rulebook.server.core.faults import Fault, RulesDep, register
from openai_rulebook.server.core.pagination import ListRules, list_page
from openai_rulebook.server.core.state import Collection, StateDep
from openai_rulebook.server.metadata.pairs import check_metadata
from openai_rulebook.server.requests.bodies import json_body

ENDPOINTS = "chat.endpoints_exist"
OBJECT_TYPE = "chat.object_type"
UPDATE_METADATA_ONLY = "chat.update_metadata_only"
FILTERS = "chat.list.filters"
LIST = ListRules("chat.list", default_order="asc")
MESSAGES = ListRules("chat.messages.list", default_order="asc")

register(
    Fault("chat.update_answers_without_id", rule=ENDPOINTS,
          description="POST /v1/chat/completions/{completion_id} answers the completion without its id"),
    Fault("chat.deleted_object_chat_completion", rule=OBJECT_TYPE,
          description="a deletion says object 'chat.completion' instead of 'chat.completion.deleted'"),
    Fault("chat.update_accepts_other_fields", rule=UPDATE_METADATA_ONLY,
          description="an update with fields besides metadata (messages, model) is accepted; they are ignored"),
    Fault("chat.list_ignores_metadata_filter", rule=FILTERS,
          description="GET /v1/chat/completions ignores metadata[key]=value filters"),
    Fault("chat.list_default_order_desc", rule=LIST.order_default,
          description="the list of stored completions is newest first without order"),
    Fault("chat.list_accepts_any_order", rule=LIST.order_values,
          description="any order value is accepted (read as desc)"),
    Fault("chat.list_after_includes_cursor", rule=LIST.cursor_pagination,
          description="the page after a completion starts with that completion again"),
    Fault("chat.messages_default_order_desc", rule=MESSAGES.order_default,
          description="a stored completion's messages are listed last first without order"),
    Fault("chat.messages_after_includes_cursor", rule=MESSAGES.cursor_pagination,
          description="the page of messages after a message starts with that message again"),
)

router = APIRouter(prefix="/chat/completions")


class _Open(BaseModel):
    """Any JSON object: the create's parameters are checked by ``params.py``, each under its rule."""

    model_config = ConfigDict(extra="allow")


async def _completions(request: Request) -> Collection[stored.StoredCompletion]:
    return request.app.state.rulebook.collection(stored.KIND)


CompletionsDep = Annotated[Collection[stored.StoredCompletion], Depends(_completions)]


def _missing(name: str) -> APIError:
    return APIError(400, f"Missing required parameter: '{name}'.", param=name, code="missing_required_parameter")


def _model(body: dict[str, Any]) -> model_table.Model:
    name = body.get("model")
    if not isinstance(name, str):
        raise _missing("model")
    found = model_table.model(name)
    if found is None:
        raise APIError(404, f"The model `{name}` does not exist or you do not have access to it.",
                       code="model_not_found")
    if found.kind not in ("chat", "reasoning"):
        raise APIError(404, "This is not a chat model and thus not supported in the v1/chat/completions endpoint. "
                            "Did you mean to use v1/completions?", param="model")
    return found


def _check_shape(body: dict[str, Any]) -> None:
    messages = body.get("messages")
    if messages is None:
        raise _missing("messages")
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        raise APIError(400, "Invalid type for 'messages': expected an array of objects.", param="messages",
                       code="invalid_type")
    if not messages:
        raise APIError(400, "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an "
                            "empty array instead.", param="messages", code="empty_array")
    for name in ("max_completion_tokens", "max_tokens"):
        value = body.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise APIError(400, f"Invalid '{name}': integer below minimum value. Expected a value >= 1, but got "
                                f"{value!r} instead.", param=name, code="integer_below_min_value")
    if body.get("stream_options") is not None and body.get("stream") is not True:
        raise APIError(400, "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                       param="stream_options", code="invalid_value")


def _not_found(completion_id: str) -> APIError:
    return APIError(404, f"Completion {completion_id} not found", param="completion_id", code="not_found")


def _get(completions: Collection[stored.StoredCompletion], completion_id: str) -> stored.StoredCompletion:
    found = completions.get(completion_id)
    if found is None:
        raise _not_found(completion_id)
    return found


@router.post("", response_model=None)
async def create_chat_completion(
    payload: Annotated[_Open, Depends(json_body(_Open))],
    state: StateDep,
    completions: CompletionsDep,
    rules: RulesDep,
) -> dict[str, Any] | StreamingResponse:
    body = payload.model_dump()
    _check_shape(body)
    model = _model(body)
    params.check_request(rules, body, model)
    metadata = check_metadata(rules, body.get("metadata"))
    answered = replies.choices(body, model, rules)
    usage = replies.usage(body, answered, rules)
    completion_id = "chatcmpl-" + state.ids.next("chatcmpl").split("_", 1)[1]
    head = {"id": completion_id, "created": state.clock.now(), "model": replies.model_name(body["model"], rules),
            "service_tier": "default", "system_fingerprint": replies.SYSTEM_FINGERPRINT}
    completion = {"id": completion_id, "object": "chat.completion", "created": head["created"],
                  "model": head["model"], "choices": [choice.render() for choice in answered], "usage": usage,
                  "service_tier": "default", "system_fingerprint": replies.SYSTEM_FINGERPRINT}
    if stored.keeps(body, rules):
        completions.add(stored.StoredCompletion(
            completion_id, head["created"], body["model"], completion, body, metadata,
            stored.stored_messages(completion_id, body["messages"], rules)))
    if body.get("stream") is True:
        options = body.get("stream_options") if isinstance(body.get("stream_options"), dict) else {}
        events = list(chunks.stream_body(head, answered, usage, options.get("include_usage") is True, rules))
        return sse.stream(events)
    return completion


@router.get("")
async def list_chat_completions(request: Request, completions: CompletionsDep, rules: RulesDep,
                                limit: str | None = None, order: str | None = None,
                                after: str | None = None, model: str | None = None) -> dict[str, Any]:
    wanted = {key[len("metadata["):-1]: value for key, value in request.query_params.items()
              if key.startswith("metadata[") and key.endswith("]")}
    items = completions.ordered()
    if model is not None:
        items = [item for item in items if model in (item.asked_model, item.completion.get("model"))]
    if wanted:
        matching = [item for item in items if all(item.metadata.get(k) == v for k, v in wanted.items())]
        items = rules.behaviour(FILTERS, matching, items)
    page = list_page(rules, LIST, items, limit=limit, order=order, after=after, before=None)
    return page.body(lambda item: item.render(rules))


@router.get("/{completion_id}")
async def retrieve_chat_completion(completion_id: str, completions: CompletionsDep, rules: RulesDep
                                   ) -> dict[str, Any]:
    return _get(completions, completion_id).render(rules)


@router.post("/{completion_id}")
async def update_chat_completion(
    completion_id: str,
    payload: Annotated[_Open, Depends(json_body(_Open))],
    completions: CompletionsDep,
    rules: RulesDep,
) -> dict[str, Any]:
    body = payload.model_dump()
    found = _get(completions, completion_id)
    if "metadata" not in body:
        raise _missing("metadata")
    others = sorted(set(body) - {"metadata"})
    rules.enforce(UPDATE_METADATA_ONLY, not others, param=others[0] if others else None,
                  message=f"Unrecognized request argument supplied: {', '.join(others)}")
    metadata = body["metadata"]
    if metadata is not None and not isinstance(metadata, dict):
        raise APIError(400, "Invalid type for 'metadata': expected an object.", param="metadata", code="invalid_type")
    found.metadata = check_metadata(rules, metadata)
    answer = found.render(rules)
    if not rules.behaviour(ENDPOINTS, True, False):
        answer.pop("id", None)
    return answer


@router.delete("/{completion_id}")
async def delete_chat_completion(completion_id: str, completions: CompletionsDep, rules: RulesDep
                                 ) -> dict[str, Any]:
    _get(completions, completion_id)
    completions.remove(completion_id)
    return {"object": rules.behaviour(OBJECT_TYPE, "chat.completion.deleted", "chat.completion"),
            "id": completion_id, "deleted": True}


@router.get("/{completion_id}/messages")
async def list_chat_completion_messages(completion_id: str, completions: CompletionsDep, rules: RulesDep,
                                        limit: str | None = None, order: str | None = None,
                                        after: str | None = None) -> dict[str, Any]:
    found = _get(completions, completion_id)
    page = list_page(rules, MESSAGES, found.messages, limit=limit, order=order, after=after, before=None)
    return page.body(lambda message: message.render())
