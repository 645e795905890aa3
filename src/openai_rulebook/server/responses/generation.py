"""From a create request to the model's output: the input as a conversation, its tokens, and the scripted reply
(``server.core.scripted_model``) as Responses output items.

The input is a string (one user message) or a list of items: messages (``content`` a string or ``input_text`` /
``output_text`` parts) and other items (function call outputs and the like, kept as given). Reasoning models spend
reasoning tokens first, and show a ``reasoning`` item; a reply cut by ``max_output_tokens`` ends ``incomplete``.
"""

from __future__ import annotations

import json
from typing import Any

from openai_rulebook.server.core import scripted_model, tokens
from openai_rulebook.server.core.ids import IdSequence
from openai_rulebook.server.core.model_table import Model
from openai_rulebook.server.responses.objects import InputItem, Outcome

#: the reasoning effort a reasoning model uses when the request names none (gpt-5-pro: only high, R06.4)
DEFAULT_EFFORT = "medium"


def messages_of(value: Any) -> list[dict[str, Any]]:
    """The request's ``input`` as chat-style messages (role, content text); items without text count as empty."""
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    if not isinstance(value, list):
        return []
    messages = []
    for item in value:
        if not isinstance(item, dict):
            continue
        if item.get("type", "message") == "message" or "role" in item:
            messages.append({"role": item.get("role", "user"), "content": item.get("content")})
        elif isinstance(item.get("output"), str):  # function_call_output and the like: read as a tool message
            messages.append({"role": "tool", "content": item["output"]})
    return messages


def input_items(value: Any, ids: IdSequence) -> list[InputItem]:
    """The input as the stored items ``input_items`` lists, with ids as the live API gives them (``msg_…``)."""
    items: list[InputItem] = []
    raw = [{"role": "user", "content": value}] if isinstance(value, str) else value if isinstance(value, list) else []
    for position, item in enumerate(raw):
        if not isinstance(item, dict):
            continue
        if item.get("type", "message") == "message" or "role" in item:
            content = item.get("content")
            parts = ([{"type": "input_text", "text": content}] if isinstance(content, str)
                     else [part for part in content if isinstance(part, dict)] if isinstance(content, list) else [])
            body = {"id": ids.next("msg"), "type": "message", "status": "completed", "content": parts,
                    "role": item.get("role", "user")}
        else:
            body = {"id": item.get("id") or ids.next("fc"), **item, "status": item.get("status", "completed")}
        items.append(InputItem(body["id"], position, body))
    return items


def text_format(request: dict[str, Any]) -> dict[str, Any]:
    """``text.format`` (``{"type": "text"}``, ``json_object`` or ``json_schema`` with its ``schema``), or ``{}``."""
    text = request.get("text") if isinstance(request.get("text"), dict) else {}
    return text.get("format") if isinstance(text.get("format"), dict) else {}


def json_mode(request: dict[str, Any]) -> bool:
    return text_format(request).get("type") in ("json_object", "json_schema")


def effort_of(request: dict[str, Any], model: Model) -> str | None:
    """The reasoning effort the response runs with: the request's, else the model's default (reasoning models)."""
    if model.kind != "reasoning":
        return None
    reasoning = request.get("reasoning") if isinstance(request.get("reasoning"), dict) else {}
    effort = reasoning.get("effort")
    if isinstance(effort, str):
        return effort
    return "high" if model.id == "gpt-5-pro" else DEFAULT_EFFORT


def _function_call(request: dict[str, Any], prompt: str, ids: IdSequence) -> dict[str, Any] | None:
    """A function call when ``tool_choice`` demands one (``required``, or a named function)."""
    tools = [tool for tool in request.get("tools") or [] if isinstance(tool, dict) and tool.get("type") == "function"]
    choice = request.get("tool_choice")
    if not tools or not (choice == "required" or isinstance(choice, dict)):
        return None
    named = choice.get("name") if isinstance(choice, dict) else None
    tool = next((tool for tool in tools if tool.get("name") == named), tools[0])
    arguments = scripted_model.tool_arguments(tool.get("parameters"))
    return {"id": ids.next("fc"), "type": "function_call", "status": "completed",
            "arguments": json.dumps(arguments, separators=(",", ":")), "call_id": scripted_model.call_id(prompt),
            "name": tool.get("name")}


def _reply(request: dict[str, Any], prompt: str, bound: Any, reasoning: int,
           as_json: bool) -> scripted_model.Generation:
    """The message's words: plain, in JSON mode a JSON object, with a json_schema an instance of the schema."""
    bound = bound if isinstance(bound, int) else None
    fmt = text_format(request)
    if as_json and fmt.get("type") == "json_schema":
        instance = scripted_model.tool_arguments(fmt.get("schema") or {}, seed=len(prompt))
        return scripted_model.generate(json.dumps(instance), max_tokens=bound, reasoning_tokens=reasoning)
    return scripted_model.reply(prompt, max_tokens=bound, json_mode=as_json and json_mode(request),
                                reasoning_tokens=reasoning)


def generate(request: dict[str, Any], model: Model, conversation: list[dict[str, Any]],
             ids: IdSequence, *, as_json: bool = True, call_tools: bool = True) -> tuple[Outcome, int]:
    """The response's outcome, and its input tokens (the whole conversation's). ``as_json`` and ``call_tools``
    off are faults: JSON mode answered in plain words, a demanded tool call answered with a message."""
    prompt = scripted_model.prompt_of(conversation)
    input_tokens = scripted_model.prompt_tokens(conversation)
    effort = effort_of(request, model)
    reasoning = scripted_model.REASONING_TOKENS.get(effort or "", 0) if model.kind == "reasoning" else 0
    bound = request.get("max_output_tokens")
    output: list[dict[str, Any]] = []
    if model.kind == "reasoning":
        output.append({"id": ids.next("rs"), "type": "reasoning", "content": [], "summary": []})
    call = _function_call(request, prompt, ids) if call_tools else None
    if call is not None:
        spent = tokens.count(call["arguments"])
        output.append(call)
        generation = scripted_model.generate("", max_tokens=bound, reasoning_tokens=reasoning)
        output_tokens, status, text = spent + generation.completion_tokens, "completed", ""
    else:
        generation = _reply(request, prompt, bound, reasoning, as_json)
        status = "incomplete" if generation.finish_reason == "length" else "completed"
        text = generation.text
        if text or status == "completed":
            output.append({"id": ids.next("msg"), "type": "message", "status": status,
                           "content": [{"type": "output_text", "annotations": [], "logprobs": [], "text": text}],
                           "role": "assistant"})
        output_tokens = generation.completion_tokens
    usage = {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cache_write_tokens": 0, "cached_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": generation.reasoning_tokens},
        "total_tokens": input_tokens + output_tokens,
    }
    outcome = Outcome(output, usage, status, "max_output_tokens" if status == "incomplete" else None, text)
    return outcome, input_tokens
