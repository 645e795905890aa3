"""The reference server's model: deterministic text derived from the input, counted in real tokens.

There is no randomness anywhere: the same input (and choice index) gives the same reply, run after run, so
cassettes replay and limits are probed exactly. A reply is a handful of one-token words picked by a hash of the
input; ``generate`` cuts it at a token bound and says ``length`` when it did, which is how ``max_tokens``,
``max_completion_tokens`` and ``max_output_tokens`` become observable. Reasoning models spend reasoning tokens
first (counted in the bound, as upstream), so a tiny bound leaves them with no visible text at all.

Every chat-like area (chat, responses, completions) builds its objects from these pieces; the object shapes are the
areas' business.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from hashlib import blake2b
from typing import Any, Literal

from openai_rulebook.server.core import tokens

#: one-token words (with their leading space) that replies are made of; any word here is a single cl100k token and
#: repeating or mixing them never merges tokens (tests/server/test_scripted_model.py checks it)
WORDS = (" the", " rule", " book", " says", " every", " reply", " is", " made", " from", " words", " of", " one",
         " token", " each", " and", " a", " model", " answer", " that", " keeps", " its", " word")
#: how long a reply is before any bound: long enough that small bounds cut it, short enough to stay cheap
REPLY_TOKENS = (12, 28)
#: reasoning tokens a reasoning model spends before its answer, per ``reasoning_effort``
REASONING_TOKENS = {"minimal": 0, "none": 0, "low": 8, "medium": 16, "high": 32}
#: what a text-only prompt costs beyond its content, per chat message and once for the reply's priming (the
#: well-known chat-format overhead; a real server's count may differ by a few tokens, which tests must allow)
PER_MESSAGE_TOKENS = 3
REPLY_PRIMING_TOKENS = 3
#: what one image part of a prompt costs (a low-detail image, upstream's flat rate)
IMAGE_TOKENS = 85


def _digest(*parts: object) -> int:
    return int.from_bytes(blake2b(repr(parts).encode(), digest_size=8).digest(), "big")


def reply_text(prompt: str, index: int = 0) -> str:
    """The full reply to ``prompt`` (for choice ``index``): words picked by a hash of both, deterministically."""
    seed = _digest(prompt, index)
    low, high = REPLY_TOKENS
    length = low + seed % (high - low + 1)
    words = [WORDS[_digest(seed, i) % len(WORDS)] for i in range(length)]
    return "".join(words).lstrip()


@dataclass(frozen=True)
class Generation:
    """What the model produced for one choice: visible text, its token counts and why it stopped."""

    text: str
    #: tokens of ``text`` as generated (before any re-tokenization of the decoded text)
    output_tokens: int
    reasoning_tokens: int
    finish_reason: Literal["stop", "length"]

    @property
    def completion_tokens(self) -> int:
        """What usage reports as completion (output) tokens: the visible text and the reasoning."""
        return self.output_tokens + self.reasoning_tokens


def generate(text: str, *, max_tokens: int | None = None, reasoning_tokens: int = 0) -> Generation:
    """``text`` as the model's output, cut so that reasoning plus output stay within ``max_tokens``."""
    encoded = tokens.encode(text)
    if max_tokens is None:
        return Generation(text, len(encoded), reasoning_tokens, "stop")
    reasoning = min(reasoning_tokens, max_tokens)
    room = max_tokens - reasoning
    if len(encoded) <= room:
        return Generation(text, len(encoded), reasoning, "stop")
    return Generation(tokens.decode(encoded[:room]), room, reasoning, "length")


def reply(prompt: str, *, index: int = 0, max_tokens: int | None = None, json_mode: bool = False,
          reasoning_tokens: int = 0) -> Generation:
    """The model's reply to ``prompt``: plain words, or in JSON mode a JSON object holding them (valid JSON unless
    the bound cut it, which the docs allow with ``length``)."""
    text = reply_text(prompt, index)
    if json_mode:
        text = json.dumps({"reply": text})
    return generate(text, max_tokens=max_tokens, reasoning_tokens=reasoning_tokens)


def message_text(content: Any) -> str:
    """The text of a message's ``content``: a string, or the text of its text parts (other parts carry none)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict)
                       and isinstance(part.get("text"), str))
    return ""


def image_parts(content: Any) -> int:
    if not isinstance(content, list):
        return 0
    return sum(1 for part in content if isinstance(part, dict) and part.get("type") in ("image_url", "input_image"))


def prompt_tokens(messages: list[dict[str, Any]]) -> int:
    """Prompt tokens of chat ``messages``: content and role tokens, the per-message overhead, images at a flat rate,
    and the reply's priming."""
    total = REPLY_PRIMING_TOKENS
    for message in messages:
        total += PER_MESSAGE_TOKENS + tokens.count(str(message.get("role", "")))
        total += tokens.count(message_text(message.get("content"))) + IMAGE_TOKENS * image_parts(message.get("content"))
        if isinstance(message.get("name"), str):
            total += 1 + tokens.count(message["name"])
    return total


def prompt_of(messages: list[dict[str, Any]]) -> str:
    """One string standing for the whole conversation, for ``reply`` to derive its words from."""
    return "\n".join(f"{message.get('role')}: {message_text(message.get('content'))}" for message in messages)


def _value_for(schema: Any, name: str, seed: int) -> Any:
    kind = schema.get("type") if isinstance(schema, dict) else None
    if isinstance(schema, dict) and isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][seed % len(schema["enum"])]
    if kind == "object":
        return tool_arguments(schema, seed=seed)
    if kind == "array":
        return [_value_for(schema.get("items", {}), name, seed)]
    if kind == "integer":
        return seed % 100
    if kind == "number":
        return (seed % 1000) / 10
    if kind == "boolean":
        return bool(seed % 2)
    return f"{name}-{seed % 1000}"


def tool_arguments(parameters: Any, *, seed: int = 0) -> dict[str, Any]:
    """Arguments for a function tool whose JSON Schema is ``parameters``: every required property (all of them when
    none is marked required) filled with a value of its type, deterministically."""
    if not isinstance(parameters, dict):
        return {}
    properties = parameters.get("properties") if isinstance(parameters.get("properties"), dict) else {}
    required = parameters.get("required") if isinstance(parameters.get("required"), list) else list(properties)
    return {name: _value_for(properties.get(name, {}), name, seed + i) for i, name in enumerate(required)
            if isinstance(name, str)}


def call_id(prompt: str, index: int = 0) -> str:
    """A tool call id (``call_`` + 24 characters) that follows from the conversation."""
    return f"call_{blake2b(f'{prompt}:{index}'.encode(), digest_size=12).hexdigest()}"
