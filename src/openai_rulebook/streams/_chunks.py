"""Checkers for the chunk streams of chat completions and legacy completions: chunks, then ``data: [DONE]``.

What the docs promise (``CreateChatCompletionStreamResponse``, ``CreateCompletionResponse``, the streaming guide):
every chunk is an object of one type (``chat.completion.chunk`` / ``text_completion``) carrying the same ``id``;
its choices are numbered by ``index``; a choice's ``finish_reason`` is null until its last chunk; the stream ends
with ``data: [DONE]``. With ``stream_options.include_usage`` one more chunk comes before ``[DONE]``, whose ``usage``
is set and whose ``choices`` is empty. Nothing else is checked: not the delta's contents, not ``created`` or
``model``, not extra fields (``obfuscation``, ``system_fingerprint``, later additions).

One liberty of legacy completions, seen in real traffic: a choice stopped by ``max_tokens`` gets one more chunk
with empty text that repeats ``finish_reason: "length"`` (completions.jsonl, DataDog/dd-trace-py
openai_completions_post_4eee919c and _6e95e620 seq 0, Aug 2025; langchain-ai/langsmith-sdk
test_completions_async_api_stream seq 0 and 1, Mar 2025). So for completions a chunk after the finish is allowed
when it repeats the same finish_reason with no text; chat streams (570 real ones) never do this.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from openai_rulebook.streams._findings import Finding
from openai_rulebook.streams._sse import DONE, ServerEvent


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _check_chunks(events: Sequence[ServerEvent], obj: str, prefix: str, request: Mapping[str, Any] | None,
                  *, repeat_finish: bool = False) -> list[Finding]:
    findings: list[Finding] = []
    add = findings.append
    if not events:
        return [Finding(f"{prefix}.done_last", None, f"chunks then data: {DONE}", "an empty stream")]
    if not events[-1].is_done:
        add(Finding(f"{prefix}.done_last", len(events) - 1, f"data: {DONE} as the final event",
                    f"{_short(events[-1].data)} last"))
    first_id: Any = None
    finished: dict[int, int] = {}  # choice index -> the event that carried its finish_reason
    chunks = 0
    for index, event in enumerate(events):
        data = event.data
        if event.is_done:
            if index != len(events) - 1:
                add(Finding(f"{prefix}.done_last", index, f"data: {DONE} only as the final event",
                            f"{len(events) - 1 - index} event(s) after it"))
            continue
        chunks += 1
        if not isinstance(data, dict):
            add(Finding(f"{prefix}.object", index, f"a JSON object of type {obj}", _short(data)))
            continue
        if data.get("object") != obj:
            add(Finding(f"{prefix}.object", index, f"object {obj!r}", f"object {_short(data.get('object'))}"))
        if chunks == 1:
            first_id = data.get("id")
            if not isinstance(first_id, str) or not first_id:
                add(Finding(f"{prefix}.same_id", index, "a string id", f"id {_short(first_id)}"))
        elif data.get("id") != first_id:
            add(Finding(f"{prefix}.same_id", index, f"the id of the first chunk, {first_id!r}",
                        f"id {_short(data.get('id'))}"))
        choices = data.get("choices")
        if not isinstance(choices, list):
            add(Finding(f"{prefix}.choices", index, "a choices array", f"choices {_short(choices)}"))
            continue
        seen: set[int] = set()
        for choice in choices:
            number = choice.get("index") if isinstance(choice, dict) else None
            if not isinstance(number, int) or isinstance(number, bool) or number < 0:
                add(Finding(f"{prefix}.choice_index", index, "each choice with an integer index >= 0",
                            f"index {_short(number)}"))
                continue
            if number in seen:
                add(Finding(f"{prefix}.choice_index", index, "each choice index once per chunk",
                            f"index {number} twice"))
            seen.add(number)
            if number in finished:
                if repeat_finish and _repeats_finish(choice, events[finished[number]].data, number):
                    continue
                add(Finding(f"{prefix}.finish_last", index,
                            f"no chunk for choice {number} after its finish_reason (event {finished[number]})",
                            f"a chunk for choice {number}"))
                continue
            if choice.get("finish_reason") is not None:
                finished[number] = index
    if chunks == 0:
        add(Finding(f"{prefix}.done_last", None, "at least one chunk before [DONE]", "none"))
    if request and _include_usage(request):
        findings.extend(_usage_chunk(events, prefix))
    return findings


def _repeats_finish(choice: Mapping[str, Any], finishing: Any, number: int) -> bool:
    """A legacy completion's trailing chunk: no text, the same finish_reason as the chunk that finished the choice."""
    before = next((c.get("finish_reason") for c in finishing.get("choices", ()) if c.get("index") == number), None)
    return not choice.get("text") and choice.get("finish_reason") == before


def _include_usage(request: Mapping[str, Any]) -> bool:
    options = request.get("stream_options")
    return isinstance(options, Mapping) and options.get("include_usage") is True


def _usage_chunk(events: Sequence[ServerEvent], prefix: str) -> list[Finding]:
    """With include_usage: the last chunk before [DONE] has a usage object and empty choices."""
    chunks = [(index, event.data) for index, event in enumerate(events) if isinstance(event.data, dict)]
    if not chunks:
        return []
    index, last = chunks[-1]
    findings = []
    if not isinstance(last.get("usage"), dict):
        findings.append(Finding(f"{prefix}.usage_chunk", index, "a usage object on the last chunk (include_usage)",
                                f"usage {_short(last.get('usage'))}"))
    if last.get("choices") != []:
        findings.append(Finding(f"{prefix}.usage_chunk", index, "empty choices on the usage chunk",
                                f"choices {_short(last.get('choices'))}"))
    return findings


def check_chat_stream(events: Sequence[ServerEvent], request: Mapping[str, Any] | None = None) -> list[Finding]:
    """Findings on a chat completions stream; ``request`` (its body) decides whether a usage chunk is due."""
    return _check_chunks(events, "chat.completion.chunk", "chat", request)


def check_completions_stream(events: Sequence[ServerEvent], request: Mapping[str, Any] | None = None
                             ) -> list[Finding]:
    """Findings on a legacy completions stream (``text_completion`` chunks, then ``[DONE]``)."""
    return _check_chunks(events, "text_completion", "completions", request, repeat_finish=True)
