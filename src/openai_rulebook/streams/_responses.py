"""Checker for Responses API streams (``ResponseStreamEvent`` in the official spec).

What the docs promise, and all this checks: the stream opens with ``response.created``; it ends with one terminal
event (``response.completed``, ``response.incomplete``, ``response.failed`` or ``error``) and nothing the spec
defines follows it; ``sequence_number`` increases strictly from event to event; items are announced by
``response.output_item.added`` at an ``output_index`` before any event names them by ``item_id``, every later event
of an item gives the same ``output_index``, and ``response.output_item.done`` closes it once; content parts
(``response.content_part.added``, at an item's ``content_index``) are announced before the text, refusal and
annotation events that name them, and closed once by ``response.content_part.done``; likewise reasoning summary
parts (``summary_index``). A stream resumed with ``GET /v1/responses/{id}?stream=true&starting_after=N`` (background
responses) starts after event N: it need not open with ``response.created``, its numbers must exceed N, and an
item announced before the cut is taken on trust. Event types the spec does not define are skipped entirely (R02.3.1): a new type can
neither break nor satisfy a check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from openai_rulebook.streams._findings import Finding
from openai_rulebook.streams._sse import ServerEvent

#: the response lifecycle events: each carries the whole ``response`` object
LIFECYCLE = frozenset({"response.created", "response.queued", "response.in_progress", "response.completed",
                       "response.incomplete", "response.failed"})
TERMINAL = frozenset({"response.completed", "response.incomplete", "response.failed", "error"})
#: events about one content part of an item (``content_index``), announced by ``response.content_part.added``
CONTENT_PART_EVENTS = frozenset({
    "response.output_text.delta", "response.output_text.done", "response.output_text.annotation.added",
    "response.refusal.delta", "response.refusal.done",
})
#: events about one reasoning summary part (``summary_index``), announced by ``response.reasoning_summary_part.added``
SUMMARY_PART_EVENTS = frozenset({"response.reasoning_summary_text.delta", "response.reasoning_summary_text.done"})
#: every other event type of ``ResponseStreamEvent`` in the official spec (the ones naming an item by ``item_id``)
ITEM_EVENTS = frozenset({
    "response.code_interpreter_call_code.delta", "response.code_interpreter_call_code.done",
    "response.code_interpreter_call.completed", "response.code_interpreter_call.in_progress",
    "response.code_interpreter_call.interpreting", "response.file_search_call.completed",
    "response.file_search_call.in_progress", "response.file_search_call.searching",
    "response.function_call_arguments.delta", "response.function_call_arguments.done",
    "response.shell_call_output_content.delta", "response.shell_call_output_content.done",
    "response.reasoning_text.delta", "response.reasoning_text.done",
    "response.web_search_call.completed", "response.web_search_call.in_progress",
    "response.web_search_call.searching", "response.image_generation_call.completed",
    "response.image_generation_call.generating", "response.image_generation_call.in_progress",
    "response.image_generation_call.partial_image", "response.mcp_call_arguments.delta",
    "response.mcp_call_arguments.done", "response.mcp_call.completed", "response.mcp_call.failed",
    "response.mcp_call.in_progress", "response.mcp_list_tools.completed", "response.mcp_list_tools.failed",
    "response.mcp_list_tools.in_progress", "response.custom_tool_call_input.delta",
    "response.custom_tool_call_input.done", "response.content_part.added", "response.content_part.done",
    "response.reasoning_summary_part.added", "response.reasoning_summary_part.done",
}) | CONTENT_PART_EVENTS | SUMMARY_PART_EVENTS
OTHER_EVENTS = frozenset({
    "response.output_item.added", "response.output_item.done", "response.audio.delta", "response.audio.done",
    "response.audio.transcript.delta", "response.audio.transcript.done",
    "response.shell_call_command.added", "response.shell_call_command.delta", "response.shell_call_command.done",
})
KNOWN = LIFECYCLE | TERMINAL | ITEM_EVENTS | OTHER_EVENTS


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _is_index(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class _Parts:
    """Parts of items (content parts, summary parts) announced, and closed, by ``added`` / ``done`` events."""

    def __init__(self, kind: str, field: str) -> None:
        self.kind, self.field = kind, field
        self.open: set[tuple[str, int]] = set()
        self.closed: set[tuple[str, int]] = set()

    def key(self, data: Mapping[str, Any]) -> tuple[str, int] | None:
        item, number = data.get("item_id"), data.get(self.field)
        return (item, number) if isinstance(item, str) and _is_index(number) else None

    def added(self, data: Mapping[str, Any], index: int, check: str) -> list[Finding]:
        key = self.key(data)
        if key is None:
            return [Finding(check, index, f"item_id and {self.field}", _short({k: data.get(k) for k in
                                                                              ("item_id", self.field)}))]
        if key in self.open or key in self.closed:
            return [Finding(check, index, f"{self.kind} {key[1]} of item {key[0]} announced once", "announced again")]
        self.open.add(key)
        return []

    def used(self, data: Mapping[str, Any], index: int, check: str, *, closing: bool = False) -> list[Finding]:
        key = self.key(data)
        if key is None:
            return [Finding(check, index, f"item_id and {self.field}", _short({k: data.get(k) for k in
                                                                              ("item_id", self.field)}))]
        if key not in self.open:
            state = "after it was done" if key in self.closed else "before it was announced"
            return [Finding(check, index, f"events of {self.kind} {key[1]} of item {key[0]} between its added and "
                                          "done events", f"{data.get('type')} {state}")]
        if closing:
            self.open.discard(key)
            self.closed.add(key)
        return []


def check_responses_stream(events: Sequence[ServerEvent], request: Mapping[str, Any] | None = None,
                           *, starting_after: int | None = None) -> list[Finding]:
    """Findings on a Responses stream (``request``, its body, is not needed); ``starting_after`` for a resumed one."""
    del request
    resumed = starting_after is not None
    findings: list[Finding] = []
    add = findings.append
    known = [(index, event.type, event.data) for index, event in enumerate(events)
             if event.type in KNOWN and isinstance(event.data, dict)]
    if not known:
        return [Finding("responses.created_first", None, "response.created first", "no Responses event at all")]
    if not resumed and known[0][1] != "response.created":
        add(Finding("responses.created_first", known[0][0], "response.created first", f"{known[0][1]} first"))
    terminals = [(index, kind) for index, kind, _ in known if kind in TERMINAL]
    if not terminals:
        add(Finding("responses.terminal", None, "a terminal event (" + ", ".join(sorted(TERMINAL)) + ")",
                    f"the stream ends with {known[-1][1]}"))
    else:
        first_terminal = terminals[0][0]
        after = [kind for index, kind, _ in known if index > first_terminal]
        if after:
            add(Finding("responses.terminal", first_terminal, f"nothing after {terminals[0][1]}",
                        f"{len(after)} event(s) after it, first {after[0]}"))

    previous: int | None = starting_after
    numbered = sum(1 for _, _, data in known if "sequence_number" in data)
    items: dict[str, int] = {}  # item id -> its output_index
    done_items: set[str] = set()
    indices: set[int] = set()
    content = _Parts("content part", "content_index")
    summary = _Parts("summary part", "summary_index")
    for index, kind, data in known:
        # streams recorded before sequence numbers existed (spring 2025) have none at all: judged only when present
        if numbered:
            number = data.get("sequence_number")
            if not _is_index(number):
                add(Finding("responses.sequence", index, "an integer sequence_number on every event",
                            f"sequence_number {_short(number)}"))
            elif previous is not None and number <= previous:
                add(Finding("responses.sequence", index, f"a sequence_number above {previous}", str(number)))
                previous = max(previous, number)
            else:
                previous = number
        if kind in ("response.output_item.added", "response.output_item.done"):
            findings.extend(_output_item(kind, data, index, items, done_items, indices, resumed))
            continue
        if kind not in ITEM_EVENTS:
            continue
        item, position = data.get("item_id"), data.get("output_index")
        if item not in items:
            if resumed:
                continue  # announced before the cut
            add(Finding("responses.item_announced", index, "an item_id announced by response.output_item.added",
                        f"{kind} for {_short(item)}"))
            continue
        if position != items[item]:
            add(Finding("responses.output_index", index, f"output_index {items[item]} (item {item})",
                        f"output_index {_short(position)}"))
        if item in done_items:
            add(Finding("responses.item_announced", index, f"no event of item {item} after its output_item.done",
                        kind))
        if kind == "response.content_part.added":
            findings.extend(content.added(data, index, "responses.content_index"))
        elif kind == "response.content_part.done":
            findings.extend(content.used(data, index, "responses.content_index", closing=True))
        elif kind in CONTENT_PART_EVENTS:
            findings.extend(content.used(data, index, "responses.content_index"))
        elif kind == "response.reasoning_summary_part.added":
            findings.extend(summary.added(data, index, "responses.summary_index"))
        elif kind == "response.reasoning_summary_part.done":
            findings.extend(summary.used(data, index, "responses.summary_index", closing=True))
        elif kind in SUMMARY_PART_EVENTS:
            findings.extend(summary.used(data, index, "responses.summary_index"))
    return findings


def _output_item(kind: str, data: Mapping[str, Any], index: int, items: dict[str, int], done_items: set[str],
                 indices: set[int], resumed: bool = False) -> list[Finding]:
    item = data.get("item")
    item_id = item.get("id") if isinstance(item, dict) else None
    position = data.get("output_index")
    if not isinstance(item_id, str) or not _is_index(position):
        return [Finding("responses.output_index", index, "an item with an id and an integer output_index",
                        _short({"item.id": item_id, "output_index": position}))]
    if kind == "response.output_item.added":
        if item_id in items:
            return [Finding("responses.item_announced", index, f"item {item_id} added once", "added again")]
        if position in indices:
            return [Finding("responses.output_index", index, f"a new output_index for item {item_id}",
                            f"output_index {position}, already used")]
        items[item_id] = position
        indices.add(position)
        return []
    if item_id not in items:
        if resumed:
            return []
        return [Finding("responses.item_announced", index, f"item {item_id} added before it is done",
                        "output_item.done without output_item.added")]
    if item_id in done_items:
        return [Finding("responses.item_announced", index, f"item {item_id} done once", "done again")]
    done_items.add(item_id)
    if position != items[item_id]:
        return [Finding("responses.output_index", index, f"output_index {items[item_id]} (item {item_id})",
                        f"output_index {position}")]
    return []
