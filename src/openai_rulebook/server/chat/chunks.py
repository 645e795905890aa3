"""A chat completion as a stream of ``chat.completion.chunk`` objects, then ``data: [DONE]`` (real traffic's shapes).

Per choice: a first chunk with the role (and for tool calls the call's id and name), the content a token at a time
(the arguments in one piece), and a last chunk with an empty delta and the ``finish_reason``. With
``stream_options.include_usage`` every chunk has ``usage: null`` and one more chunk with empty ``choices`` carries
the usage, last before ``[DONE]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain, zip_longest
from hashlib import blake2b
from typing import Any

from openai_rulebook.server.chat.replies import Choice
from openai_rulebook.server.chat.variants import CHOICES_INTERLEAVED, CHUNK_OBFUSCATION
from openai_rulebook.server.core import sse, tokens
from openai_rulebook.server.core.faults import Fault, Rules, register

STREAM = "chat.stream_chunks"
INCLUDE_USAGE = "chat.stream_include_usage"
FINISH_VALUES = "chat.finish_reason_values"

register(
    Fault("chat.stream_without_done", rule=STREAM, description="a chat stream ends without data: [DONE]"),
    Fault("chat.stream_without_usage_chunk", rule=INCLUDE_USAGE,
          description="with stream_options.include_usage no usage chunk is sent"),
    Fault("chat.stream_finish_reason_eos", rule=FINISH_VALUES,
          description="a streamed choice that stops naturally ends with finish_reason 'eos' instead of 'stop'"),
)


def _deltas(choice: Choice) -> Iterator[dict[str, Any]]:
    if choice.tool_calls:
        for number, call in enumerate(choice.tool_calls):
            head = {"index": number, "id": call["id"], "type": "function",
                    "function": {"name": call["function"]["name"], "arguments": ""}}
            yield {"role": "assistant", "content": None, "tool_calls": [head]} if number == 0 else {"tool_calls": [head]}
            yield {"tool_calls": [{"index": number, "function": {"arguments": call["function"]["arguments"]}}]}
        return
    yield {"role": "assistant", "content": "", "refusal": None}
    for token in tokens.encode(choice.content or ""):
        yield {"content": tokens.decode([token])}


def stream_body(head: dict[str, Any], answered: list[Choice], usage: dict[str, Any], include_usage: bool,
                rules: Rules) -> Iterator[str]:
    """The framed events of one streamed completion; ``head`` holds id, created, model, tiers and fingerprint."""
    count = 0

    def chunk(choices: list[dict[str, Any]], usage_value: Any = None) -> str:
        nonlocal count
        count += 1
        data = {**head, "object": "chat.completion.chunk", "choices": choices}
        if include_usage:
            data["usage"] = usage_value
        obfuscation = "x" * (1 + int(blake2b(f"{head['id']}:{count}".encode(), digest_size=2).hexdigest(), 16) % 15)
        if rules.variants.choose(CHUNK_OBFUSCATION, False, True):
            data["obfuscation"] = obfuscation
        return sse.data_event(data)

    def parts(choice: Choice) -> list[dict[str, Any]]:
        """The choice's entries of ``choices``, one per chunk: its deltas, then its finish."""
        finish = choice.finish_reason
        if finish == "stop":
            finish = rules.behaviour(FINISH_VALUES, "stop", "eos")
        return [*({"index": choice.index, "delta": delta, "logprobs": None, "finish_reason": None}
                  for delta in _deltas(choice)),
                {"index": choice.index, "delta": {}, "logprobs": None, "finish_reason": finish}]

    per_choice = [parts(choice) for choice in answered]
    if rules.variants.choose(CHOICES_INTERLEAVED, False, True):  # a chunk of each choice in turn
        ordered = [part for turn in zip_longest(*per_choice) for part in turn if part is not None]
    else:
        ordered = list(chain.from_iterable(per_choice))
    for part in ordered:
        yield chunk([part])
    if include_usage and rules.behaviour(INCLUDE_USAGE, True, False):
        yield chunk([], usage)
    if rules.behaviour(STREAM, True, False):
        yield sse.DONE
