"""A response as the Responses API streams it (``stream: true``): named SSE events, numbered from 0.

``response.created`` and ``response.in_progress`` (the response without output), then per output item
``response.output_item.added``; for a message, ``response.content_part.added``, the text in
``response.output_text.delta`` events (a word each), ``response.output_text.done`` and ``response.content_part.done``;
``response.output_item.done`` with the whole item; last ``response.completed`` (or ``response.incomplete``) with the
whole response. No ``[DONE]``.

Variants (legal liberties, R02.3.1 and the docs' silence on chunking): event types no client knows interleaved,
the text in one delta instead of one per word, and extra fields in every event.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

from openai_rulebook.server.core.faults import Fault, Rules, register
from openai_rulebook.server.core.sse import named_event
from openai_rulebook.server.core.variants import Variant, register_variant

STREAM_EVENTS = "responses.stream_events"

UNKNOWN_EVENTS = "responses.stream_unknown_events"
SINGLE_DELTA = "responses.stream_single_delta"
EVENT_EXTRA_FIELDS = "responses.stream_extra_fields"

register(
    Fault("responses.stream_repeats_sequence_number", rule=STREAM_EVENTS,
          description="in a streamed response, every output_text.delta carries the sequence_number of the event "
                      "before it (numbers repeat)"),
)
register_variant(
    Variant(UNKNOWN_EVENTS, description="streams interleave events of a type no client knows "
                                        "(response.rulebook_unknown), numbered like the others (R02.3.1)"),
    Variant(SINGLE_DELTA, description="streamed text comes in one output_text.delta instead of one per word"),
    Variant(EVENT_EXTRA_FIELDS, description="every streamed event carries an extra undocumented field"),
)

_WORDS = re.compile(r"\s*\S+\s*")


def _deltas(text: str, rules: Rules) -> list[str]:
    words = _WORDS.findall(text) or ([text] if text else [])
    return rules.variants.choose(SINGLE_DELTA, words, [text] if text else [])


def events(rendered: dict[str, Any], rules: Rules) -> Iterator[str]:
    """The framed events of the finished response ``rendered`` (its ``output`` and ``usage`` filled)."""
    bare = {**copy.deepcopy(rendered), "status": "in_progress", "output": [], "usage": None,
            "incomplete_details": None, "completed_at": None}
    unknown = rules.variants.choose(UNKNOWN_EVENTS, False, True)
    extra = rules.variants.choose(EVENT_EXTRA_FIELDS, False, True)
    numbered: list[dict[str, Any]] = []
    repeat = rules.behaviour(STREAM_EVENTS, False, True)

    def emit(payload: dict[str, Any], *, repeats: bool = False) -> None:
        number = len(numbered)
        if repeats and number:
            number = numbered[-1]["sequence_number"]
        numbered.append({**payload, "sequence_number": number})
        if extra:
            numbered[-1]["x_rulebook_variant"] = "an undocumented field a client must ignore"

    emit({"type": "response.created", "response": bare})
    emit({"type": "response.in_progress", "response": bare})
    if unknown:
        emit({"type": "response.rulebook_unknown", "note": "an event type no client knows"})
    for index, item in enumerate(rendered["output"]):
        if item.get("type") != "message":
            emit({"type": "response.output_item.added", "item": item, "output_index": index})
            emit({"type": "response.output_item.done", "item": item, "output_index": index})
            continue
        emit({"type": "response.output_item.added", "output_index": index,
              "item": {**item, "status": "in_progress", "content": []}})
        for part_index, part in enumerate(item.get("content") or []):
            where = {"item_id": item["id"], "output_index": index, "content_index": part_index}
            emit({"type": "response.content_part.added", **where, "part": {**part, "text": ""}})
            for delta in _deltas(part.get("text", ""), rules):
                emit({"type": "response.output_text.delta", **where, "delta": delta, "logprobs": []},
                     repeats=repeat)
                if unknown:
                    emit({"type": "response.rulebook_unknown", "note": "an event type no client knows"})
            emit({"type": "response.output_text.done", **where, "text": part.get("text", ""), "logprobs": []})
            emit({"type": "response.content_part.done", **where, "part": part})
        emit({"type": "response.output_item.done", "output_index": index, "item": item})
    terminal = "response.incomplete" if rendered["status"] == "incomplete" else "response.completed"
    emit({"type": terminal, "response": rendered})
    for payload in numbered:
        yield named_event(payload)
