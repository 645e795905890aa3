"""The SSE reader: the format's corners (CRLF, multi-line data, comments, ids, chunk boundaries, unknown events)."""

from __future__ import annotations

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from openai_rulebook.streams import (
    ServerEvent,
    encode_events,
    from_recorded,
    iter_bytes_events,
    iter_response_events,
    parse_events,
)

BODY = (
    ": keep-alive comment\r\n"
    "event: response.created\r\n"
    "id: 1\r\n"
    'data: {"type": "response.created",\r\n'
    'data:  "sequence_number": 0}\r\n'
    "\r\n"
    "retry: 1000\n"
    "event: response.brand_new_thing\n"
    'data: {"type": "response.brand_new_thing"}\n'
    "\n"
    "data:[DONE]\r"
    "\r"
)


def test_fields_comments_multiline_data_and_line_ends() -> None:
    events = parse_events(BODY.encode())
    assert events == [
        ServerEvent("response.created", {"type": "response.created", "sequence_number": 0}, "1"),
        ServerEvent("response.brand_new_thing", {"type": "response.brand_new_thing"}, "1"),  # id carries over
        ServerEvent(None, "[DONE]", "1"),
    ]
    assert events[1].type == "response.brand_new_thing"  # an unknown type is kept, not an error (R02.3.1)
    assert events[2].is_done and events[2].type is None


def test_non_json_data_is_kept_raw_and_an_unterminated_last_event_counts() -> None:
    assert parse_events("data: hello\n\ndata: {broken") == [ServerEvent(None, "hello"), ServerEvent(None, "{broken")]


def test_events_without_data_are_not_dispatched() -> None:
    assert parse_events("event: ping\n\n: only a comment\n\n") == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=len(BODY.encode()) - 1), max_size=8))
def test_any_chunking_gives_the_same_events(cuts: list[int]) -> None:
    """Chunk boundaries anywhere (between CR and LF, inside a UTF-8 character) change nothing."""
    raw = BODY.encode().replace(b"keep-alive", "k\u00e9\u00e9p".encode())
    points = sorted({0, *[c for c in cuts if c < len(raw)], len(raw)})
    pieces = [raw[a:b] for a, b in zip(points, points[1:])]
    assert list(iter_bytes_events(pieces)) == parse_events(raw)


def test_reads_an_httpx_streaming_response_as_it_arrives() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"},
                              stream=httpx.ByteStream(BODY.encode()))

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        with client.stream("POST", "http://test/v1/responses") as response:
            events = list(iter_response_events(response))
    assert [event.type for event in events] == ["response.created", "response.brand_new_thing", None]


def test_encoding_round_trips_and_reads_the_corpus_form() -> None:
    recorded = [{"event": "response.created", "data": {"type": "response.created", "text": "a\nb"}},
                {"event": None, "data": "[DONE]"}]
    events = from_recorded(recorded)
    assert parse_events(encode_events(events)) == events
    assert [event.as_recorded() for event in events] == recorded
