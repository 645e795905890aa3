"""Server-sent event streams: the harness's own reader (R02.3.1) and one checker per stream kind.

    from openai_rulebook.streams import parse_events, check_chat_stream, enforce
    enforce(check_chat_stream(parse_events(body), request=payload), "chat.stream.done")
"""

from openai_rulebook.streams._chunks import check_chat_stream, check_completions_stream
from openai_rulebook.streams._findings import Finding, enforce
from openai_rulebook.streams._responses import check_responses_stream
from openai_rulebook.streams._sse import (
    DONE,
    ServerEvent,
    encode_events,
    from_recorded,
    iter_bytes_events,
    iter_events,
    iter_response_events,
    parse_events,
)

from openai_rulebook.streams._kinds import CHECKERS, checker_for

__all__ = [
    "CHECKERS",
    "DONE",
    "Finding",
    "ServerEvent",
    "check_chat_stream",
    "check_completions_stream",
    "check_responses_stream",
    "checker_for",
    "encode_events",
    "enforce",
    "from_recorded",
    "iter_bytes_events",
    "iter_events",
    "iter_response_events",
    "parse_events",
]
