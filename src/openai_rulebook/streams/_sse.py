"""A ``text/event-stream`` body read event by event, as the WHATWG server-sent-events format defines it.

The harness reads streams with this reader, not a client library's: a library may drop or reject event types it
does not know, and R02.3.1 says new event types may appear at any time. So an unknown ``event:`` name, an unknown
``type`` in the data, a field this reader does not use (``retry:``) or a comment line is kept or skipped, never an
error. ``data`` is parsed as JSON when it is JSON, else kept as the raw string (``[DONE]``).
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

#: the sentinel that ends chat and legacy completion streams
DONE = "[DONE]"


@dataclass(frozen=True, slots=True)
class ServerEvent:
    """One dispatched event: its ``event:`` name (None when the stream gave none), its data and its ``id:``."""

    event: str | None
    data: Any  #: parsed JSON, or the raw string when the data is not JSON
    id: str | None = None

    @property
    def type(self) -> str | None:
        """The event's type: ``data.type`` when the data says one (Responses), else the ``event:`` name."""
        if isinstance(self.data, dict) and isinstance(self.data.get("type"), str):
            return self.data["type"]
        return self.event

    @property
    def is_done(self) -> bool:
        return self.data == DONE

    def as_recorded(self) -> dict[str, Any]:
        """The real-traffic corpus's form of an event: ``{"event": name|None, "data": ...}``."""
        return {"event": self.event, "data": self.data}


def _decode(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _split_lines(chunks: Iterable[str]) -> Iterator[str]:
    """Lines ended by CRLF, LF or CR, even when a chunk boundary falls between a CR and its LF."""
    pending = ""
    for chunk in chunks:
        pending += chunk
        start = 0
        index = 0
        while index < len(pending):
            char = pending[index]
            if char == "\n" or char == "\r":
                if char == "\r" and index + 1 == len(pending):
                    break  # a CR at the end of a chunk: wait to see whether an LF follows
                yield pending[start:index]
                if char == "\r" and pending[index + 1] == "\n":
                    index += 1
                start = index + 1
            index += 1
        pending = pending[start:]
    if pending.endswith("\r"):
        yield pending[:-1]
    elif pending:
        yield pending  # a last line without its end of line: kept, a stream cut short is the checkers' business


def iter_events(chunks: Iterable[str]) -> Iterator[ServerEvent]:
    """Events from text chunks of any size (a whole body, or pieces as they arrive)."""
    name: str | None = None
    data: list[str] = []
    last_id: str | None = None
    for line in _split_lines(chunks):
        if not line:  # a blank line dispatches the event
            if data:
                yield ServerEvent(name, _decode("\n".join(data)), last_id)
            name, data = None, []
            continue
        if line.startswith(":"):
            continue  # a comment (keep-alive)
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "data":
            data.append(value)
        elif field == "event":
            name = value or None
        elif field == "id" and "\0" not in value:
            last_id = value
        # "retry" and unknown fields are ignored, as the format says
    if data:  # the stream ended without the final blank line: the last event still counts
        yield ServerEvent(name, _decode("\n".join(data)), last_id)


def iter_bytes_events(chunks: Iterable[bytes]) -> Iterator[ServerEvent]:
    """Events from byte chunks (UTF-8, a leading BOM dropped), decoded incrementally across chunk boundaries."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def texts() -> Iterator[str]:
        first = True
        for chunk in chunks:
            text = decoder.decode(chunk)
            if first and text:
                text, first = text.removeprefix("\ufeff"), False
            yield text
        yield decoder.decode(b"", final=True)

    return iter_events(texts())


def parse_events(body: bytes | str) -> list[ServerEvent]:
    """Every event of a whole body (a cassette's, or a response read in full)."""
    if isinstance(body, bytes):
        return list(iter_bytes_events([body]))
    return list(iter_events([body.removeprefix("\ufeff")]))


def iter_response_events(response: Any) -> Iterator[ServerEvent]:
    """Events of an ``httpx.Response`` opened with ``stream=True`` (or ``client.stream(...)``), as they arrive."""
    return iter_bytes_events(response.iter_bytes())


def from_recorded(body: Iterable[dict[str, Any]]) -> list[ServerEvent]:
    """A stream body as the real-traffic corpus stores it (``[{"event": ..., "data": ...}, ...]``)."""
    return [ServerEvent(item.get("event"), item.get("data")) for item in body]


def encode_events(events: Iterable[ServerEvent | dict[str, Any]]) -> bytes:
    """The wire form of events (for the reference server and tests): ``event:`` when named, one ``data:`` line."""
    out: list[str] = []
    for item in events:
        event = item if isinstance(item, ServerEvent) else ServerEvent(item.get("event"), item.get("data"))
        if event.event:
            out.append(f"event: {event.event}\n")
        if event.id is not None:
            out.append(f"id: {event.id}\n")
        data = event.data if isinstance(event.data, str) else json.dumps(event.data, separators=(",", ":"))
        out.extend(f"data: {line}\n" for line in data.split("\n"))
        out.append("\n")
    return "".join(out).encode("utf-8")
