"""A response as the Responses API streams it (``stream: true``): named SSE events, numbered from 0.

``response.created`` and ``response.in_progress`` (the response without output), then per output item
``response.output_item.added``; for a message, ``response.content_part.added``, the text in
``response.output_text.delta`` events (a word each), ``response.output_text.done`` and ``response.content_part.done``;
``response.output_item.done`` with the whole item; last ``response.completed`` (or ``response.incomplete``) with the
whole response. No ``[DONE]``.

Variants (legal liberties, R02.3.1 and the docs' silence on chunking): event types no client knows interleaved,
the text in one delta instead of one per word, extra fields in every event, and output items open side by side\n(the second announced before the first is done).
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
ITEMS_INTERLEAVED = "responses.stream_items_interleaved"

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
    Variant(ITEMS_INTERLEAVED, description="in a stream of several output items, the second item is announced "
                                           "(output_item.added) before the first one's output_item.done"),
)

_WORDS = re.compile(r"\s*\S+\s*")


def _deltas(text: str, rules: Rules) -> list[str]:
    words = _WORDS.findall(text) or ([text] if text else [])
    return rules.variants.choose(SINGLE_DELTA, words, [text] if text else [])


def _padding(delta: str) -> str:
    """What the API sends as ``obfuscation``: characters that even out the sizes of delta events (here a fixed
    pattern, so that streams replay byte for byte)."""
    return "rulebookpadding"[: max(1, 15 - len(delta))]


def events(rendered: dict[str, Any], rules: Rules) -> Iterator[str]:
    """The framed events of the finished response ``rendered`` (its ``output`` and ``usage`` filled)."""
    bare = {**copy.deepcopy(rendered), "status": "in_progress", "output": [], "usage": None,
            "incomplete_details": None, "completed_at": None}
    unknown = rules.variants.choose(UNKNOWN_EVENTS, False, True)
    extra = rules.variants.choose(EVENT_EXTRA_FIELDS, False, True)
    repeat = rules.behaviour(STREAM_EVENTS, False, True)
    strange = {"type": "response.rulebook_unknown", "note": "an event type no client knows"}
    payloads: list[dict[str, Any]] = [{"type": "response.created", "response": bare},
                                      {"type": "response.in_progress", "response": bare}]
    if unknown:
        payloads.append(dict(strange))
    per_item = [_item_events(index, item, rules, strange if unknown else None)
                for index, item in enumerate(rendered["output"])]
    # items may be open side by side (the docs number each event by its item): the second item is announced
    # before the first is done
    if len(per_item) > 1 and rules.variants.choose(ITEMS_INTERLEAVED, False, True):
        first_done = per_item[0].pop()
        per_item[1].insert(1, first_done)
    for item_events in per_item:
        payloads.extend(item_events)
    terminal = "response.incomplete" if rendered["status"] == "incomplete" else "response.completed"
    payloads.append({"type": terminal, "response": rendered})
    previous = -1
    for number, payload in enumerate(payloads):
        # the fault: a delta repeats the number of the event before it
        sequence = previous if repeat and payload["type"] == "response.output_text.delta" and previous >= 0 else number
        previous = sequence
        payload = {**payload, "sequence_number": sequence}
        if extra:
            payload["x_rulebook_variant"] = "an undocumented field a client must ignore"
        yield named_event(payload)


def _item_events(index: int, item: dict[str, Any], rules: Rules,
                 strange: dict[str, Any] | None) -> list[dict[str, Any]]:
    """One output item's events, from ``output_item.added`` to ``output_item.done`` (always last)."""
    if item.get("type") != "message":
        return [{"type": "response.output_item.added", "item": item, "output_index": index},
                {"type": "response.output_item.done", "item": item, "output_index": index}]
    found: list[dict[str, Any]] = [{"type": "response.output_item.added", "output_index": index,
                                    "item": {**item, "status": "in_progress", "content": []}}]
    for part_index, part in enumerate(item.get("content") or []):
        where = {"item_id": item["id"], "output_index": index, "content_index": part_index}
        found.append({"type": "response.content_part.added", **where, "part": {**part, "text": ""}})
        for delta in _deltas(part.get("text", ""), rules):
            found.append({"type": "response.output_text.delta", **where, "delta": delta, "logprobs": [],
                          "obfuscation": _padding(delta)})
            if strange is not None:
                found.append(dict(strange))
        found.append({"type": "response.output_text.done", **where, "text": part.get("text", ""), "logprobs": []})
        found.append({"type": "response.content_part.done", **where, "part": part})
    found.append({"type": "response.output_item.done", "output_index": index, "item": item})
    return found
