"""A chat completion's content: its choices (text, JSON, tool calls, logprobs) and usage, from the scripted model.

Everything follows from the request: the same body gives the same completion. Shapes are real traffic's
(chat.jsonl, 2025-2026): a message has ``role``, ``content``, ``refusal`` and ``annotations`` (and ``tool_calls``
when it calls tools), usage has both details objects, and the completion names a ``service_tier`` and a
``system_fingerprint``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from hashlib import blake2b
from typing import Any

from openai_rulebook.server.chat.variants import ASKED_MODEL_NAME, PROMPT_TOKENS_PLUS_ONE
from openai_rulebook.server.core import scripted_model, tokens
from openai_rulebook.server.core.faults import Fault, Rules, register
from openai_rulebook.server.core.model_table import Model
from openai_rulebook.server.core.scripted_model import Generation

BOUND = "chat.max_completion_tokens_bound"
JSON_MODE = "chat.json_mode_valid_json"
N_CHOICES = "chat.n_choices"
TOOL_CALLS = "chat.tool_choice_calls"
PARALLEL = "chat.parallel_tool_calls"
USAGE = "chat.usage_arithmetic"

register(
    Fault("chat.cut_one_token_late", rule=BOUND,
          description="a reply is cut one token after max_completion_tokens (finish_reason length)"),
    Fault("chat.json_mode_plain_text", rule=JSON_MODE,
          description="with response_format json_object or json_schema the reply is plain words, not JSON"),
    Fault("chat.one_choice_whatever_n", rule=N_CHOICES, description="n is accepted but one choice is answered"),
    Fault("chat.required_tool_choice_answers_text", rule=TOOL_CALLS,
          description="tool_choice required answers a text message with no tool call"),
    Fault("chat.parallel_false_ignored", rule=PARALLEL,
          description="parallel_tool_calls false is ignored: every tool is called"),
    Fault("chat.total_tokens_off_by_one", rule=USAGE, description="usage.total_tokens is prompt + completion + 1"),
)

#: the dated snapshot the live API names in ``model`` when asked for an alias (chat.jsonl)
SNAPSHOTS = {
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18", "gpt-4o": "gpt-4o-2024-08-06", "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano": "gpt-4.1-nano-2025-04-14", "gpt-3.5-turbo": "gpt-3.5-turbo-0125", "o4-mini": "o4-mini-2025-04-16",
    "o3-mini": "o3-mini-2025-01-31", "o3": "o3-2025-04-16", "gpt-5-mini": "gpt-5-mini-2025-08-07",
    "gpt-5": "gpt-5-2025-08-07",
}
SYSTEM_FINGERPRINT = "fp_rulebook01"


@dataclass
class Choice:
    """One choice as generated: either text or tool calls, with its token counts."""

    index: int
    content: str | None
    finish_reason: str
    output_tokens: int
    reasoning_tokens: int
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    logprobs: dict[str, Any] | None = None

    @property
    def completion_tokens(self) -> int:
        return self.output_tokens + self.reasoning_tokens

    def message(self) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": self.content, "refusal": None, "annotations": []}
        if self.tool_calls:
            message["tool_calls"] = self.tool_calls
        return message

    def render(self) -> dict[str, Any]:
        return {"index": self.index, "message": self.message(), "logprobs": self.logprobs,
                "finish_reason": self.finish_reason}


def _digest(*parts: object) -> int:
    return int.from_bytes(blake2b(repr(parts).encode(), digest_size=8).digest(), "big")


def _bound(body: dict[str, Any], rules: Rules) -> int | None:
    bound = body.get("max_completion_tokens")
    if bound is None:
        bound = body.get("max_tokens")
    if bound is None:
        return None
    return rules.behaviour(BOUND, bound, bound + 1)


def _logprobs(text: str, top: int, seed: int) -> dict[str, Any]:
    """Real traffic's shape: per token its text, logprob, bytes and the ``top`` likeliest alternatives."""
    content = []
    for position, token in enumerate(tokens.encode(text)):
        piece = tokens.decode([token])
        logprob = -(_digest(seed, position) % 1000) / 1000
        alternatives = [{"token": piece, "logprob": logprob, "bytes": list(piece.encode())}]
        for rank, word in enumerate(w for w in scripted_model.WORDS if w != piece):
            if len(alternatives) >= top:
                break
            alternatives.append({"token": word, "logprob": logprob - 1 - rank, "bytes": list(word.encode())})
        content.append({"token": piece, "logprob": logprob, "bytes": list(piece.encode()),
                        "top_logprobs": alternatives[:top]})
    return {"content": content, "refusal": None}


def _schema_reply(response_format: dict[str, Any], seed: int) -> str:
    schema = (response_format.get("json_schema") or {}).get("schema") if isinstance(
        response_format.get("json_schema"), dict) else None
    return json.dumps(scripted_model.tool_arguments(schema or {}, seed=seed))


def _tools_to_call(body: dict[str, Any], rules: Rules) -> list[dict[str, Any]]:
    """The function tools this reply calls: none unless tool_choice asks (required, or a named function)."""
    tools = [tool["function"] for tool in body.get("tools") or []
             if isinstance(tool, dict) and isinstance(tool.get("function"), dict)]
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        name = choice.get("function", {}).get("name")
        return [tool for tool in tools if tool.get("name") == name][:1]
    if choice != "required" or not tools:
        return []
    if not rules.behaviour(TOOL_CALLS, True, False):
        return []
    if body.get("parallel_tool_calls") is False:
        return rules.behaviour(PARALLEL, tools[:1], tools)
    return tools


def _tool_choice(body: dict[str, Any], prompt: str, index: int, bound: int | None, reasoning: int,
                 rules: Rules) -> Choice | None:
    called = _tools_to_call(body, rules)
    if not called:
        return None
    calls = []
    for number, tool in enumerate(called):
        arguments = json.dumps(scripted_model.tool_arguments(tool.get("parameters"), seed=_digest(prompt, number)))
        calls.append({"id": scripted_model.call_id(prompt, index * 100 + number), "type": "function",
                      "function": {"name": tool.get("name"), "arguments": arguments}})
    spoken = scripted_model.generate("".join(c["function"]["name"] + c["function"]["arguments"] for c in calls),
                                     max_tokens=bound, reasoning_tokens=reasoning)
    finish = "tool_calls" if spoken.finish_reason == "stop" else "length"
    return Choice(index, None, finish, spoken.output_tokens, spoken.reasoning_tokens, calls)


def choices(body: dict[str, Any], model: Model, rules: Rules) -> list[Choice]:
    """The choices the scripted model answers ``body`` with (``n`` of them, 1 by default)."""
    messages = body.get("messages") or []
    prompt = scripted_model.prompt_of(messages)
    n = body.get("n") or 1
    n = rules.behaviour(N_CHOICES, n, 1) if n > 1 else n
    bound = _bound(body, rules)
    effort = body.get("reasoning_effort") or "medium"
    reasoning = scripted_model.REASONING_TOKENS.get(effort, 16) if model.kind == "reasoning" else 0
    response_format = body.get("response_format") if isinstance(body.get("response_format"), dict) else {}
    kind = response_format.get("type")
    answered = []
    for index in range(n):
        called = _tool_choice(body, prompt, index, bound, reasoning, rules)
        if called is not None:
            answered.append(called)
            continue
        generation: Generation
        if kind == "json_schema" and rules.behaviour(JSON_MODE, True, False):
            generation = scripted_model.generate(_schema_reply(response_format, _digest(prompt, index)),
                                                 max_tokens=bound, reasoning_tokens=reasoning)
        else:
            json_mode = kind == "json_object" and rules.behaviour(JSON_MODE, True, False)
            generation = scripted_model.reply(prompt, index=index, max_tokens=bound, json_mode=json_mode,
                                                          reasoning_tokens=reasoning)
        logprobs = None
        if body.get("logprobs") is True:
            logprobs = _logprobs(generation.text, body.get("top_logprobs") or 0, _digest(prompt, index))
        answered.append(Choice(index, generation.text, generation.finish_reason, generation.output_tokens,
                               generation.reasoning_tokens, logprobs=logprobs))
    return answered


def usage(body: dict[str, Any], answered: list[Choice], rules: Rules) -> dict[str, Any]:
    """Usage as real traffic shows it; a variant counts one more prompt token (another tokenizer's count)."""
    prompt = scripted_model.prompt_tokens(body.get("messages") or [])
    prompt = rules.variants.choose(PROMPT_TOKENS_PLUS_ONE, prompt, prompt + 1)
    completion = sum(choice.completion_tokens for choice in answered)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion + rules.behaviour(USAGE, 0, 1),
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": sum(choice.reasoning_tokens for choice in answered),
                                      "audio_tokens": 0, "accepted_prediction_tokens": 0,
                                      "rejected_prediction_tokens": 0},
    }


def model_name(asked: str, rules: Rules) -> str:
    """What ``model`` says: the dated snapshot, as live; a variant echoes the name asked."""
    return rules.variants.choose(ASKED_MODEL_NAME, SNAPSHOTS.get(asked, asked), asked)
