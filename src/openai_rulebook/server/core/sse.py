"""Server-sent events, as the API streams them: chat and legacy completions send ``data: {json}`` lines ended by
``data: [DONE]``; the Responses API names each event (``event: response.created`` then ``data: {json}``) and ends
with ``response.completed`` (or ``response.incomplete`` / ``response.failed``), with no ``[DONE]``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi.responses import StreamingResponse

DONE = "data: [DONE]\n\n"


def data_event(payload: dict[str, Any]) -> str:
    return f"data: {json.dumps(payload, separators=(',', ':'))}\n\n"


def named_event(payload: dict[str, Any]) -> str:
    """An event whose name is its payload's ``type`` (the Responses API's form)."""
    return f"event: {payload['type']}\n{data_event(payload)}"


def chunks_then_done(chunks: Iterable[dict[str, Any]]) -> Iterator[str]:
    for chunk in chunks:
        yield data_event(chunk)
    yield DONE


def stream(events: Iterable[str], headers: dict[str, str] | None = None) -> StreamingResponse:
    """A ``text/event-stream`` response of already-framed ``events``."""
    return StreamingResponse(iter(events), media_type="text/event-stream", headers=headers)
