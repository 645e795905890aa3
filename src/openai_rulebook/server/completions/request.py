"""What a legacy completion request may hold, as the official spec says (CreateCompletionRequest), less what a
catalog rule judges in its own check (``routes.py``): the required model and prompt (completions.required_fields),
the prompt's forms (completions.endpoints_exist), logprobs' range, best_of against n and stream, suffix per model,
the context length against max_tokens, and the temperature and top_p ranges (chat's rules, which name this endpoint
too). Those members are held to their types here (the prompt's in ``routes.py``, with its forms), the rest to
everything the spec says, its descriptions included (logit_bias values from -100 to 100, seed an int64).

Unknown members are refused before this (``CreateCompletionRequest`` in ``routes.py`` forbids extras).
"""

from __future__ import annotations

from typing import Any

from openai_rulebook.server.core.request_schema import RequestSchema, nullable

STRING, INTEGER, NUMBER, BOOLEAN = ({"type": kind} for kind in ("string", "integer", "number", "boolean"))
INT64 = {"type": "integer", "minimum": -(2 ** 63), "maximum": 2 ** 63 - 1}
PENALTY = {"type": "number", "minimum": -2, "maximum": 2}
#: the spec's StopConfiguration: a string, or up to 4 of them
STOP = {"anyOf": [STRING, {"type": "array", "minItems": 1, "maxItems": 4, "items": STRING}]}

CREATE = RequestSchema({
    "type": "object",
    "properties": {
        "model": STRING,
        "suffix": nullable(STRING),
        "max_tokens": nullable({"type": "integer", "minimum": 0}),
        "temperature": nullable(NUMBER),
        "top_p": nullable(NUMBER),
        "n": nullable({"type": "integer", "minimum": 1, "maximum": 128}),
        "stream": nullable(BOOLEAN),
        "stream_options": nullable({"type": "object", "properties": {"include_usage": BOOLEAN,
                                                                     "include_obfuscation": BOOLEAN}}),
        "logprobs": nullable(INTEGER),
        "echo": nullable(BOOLEAN),
        "stop": nullable(STOP),
        "presence_penalty": nullable(PENALTY),
        "frequency_penalty": nullable(PENALTY),
        "best_of": nullable({"type": "integer", "minimum": 0, "maximum": 20}),
        "logit_bias": nullable({"type": "object", "additionalProperties": {
            "type": "integer", "minimum": -100, "maximum": 100}}),
        "user": STRING,
        "seed": nullable(INT64),
    },
})


def check_create(body: dict[str, Any]) -> None:
    """Refuse a completion request whose members break the spec's request schema (400 naming the member)."""
    CREATE.check(body)
