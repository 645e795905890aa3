"""The reference server's Responses streams have real streams' shapes: per event type, the members ours sends are
members real events of that type send, and ours sends every member the newest real event of that type sends."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import httpx
import pytest

from openai_rulebook.streams import check_responses_stream, from_recorded, parse_events
from openai_rulebook.traffic import Corpus

from .test_server_shapes import AUTH, _InProcess

#: a plain stream, a reasoning model's (a reasoning item, then the message) and one cut by max_output_tokens
REQUESTS = (
    {"model": "gpt-4o-mini", "input": "Say hi", "stream": True},
    {"model": "o4-mini", "input": "Say hi", "stream": True, "reasoning": {"effort": "low"}, "max_output_tokens": 16},
    {"model": "gpt-4o-mini", "input": "List the numbers from 1 to 100.", "stream": True, "max_output_tokens": 16},
)


@pytest.fixture(scope="module")
def real_members(corpus: Corpus) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Per event type: every member real events sent, and the members of the newest real event."""
    union: dict[str, set[str]] = defaultdict(set)
    newest: dict[str, tuple[datetime, set[str]]] = {}
    for line in corpus.family("responses"):
        if not isinstance(line.response_body, list):
            continue
        for event in from_recorded(line.response_body):
            if isinstance(event.data, dict) and isinstance(event.type, str):
                union[event.type] |= set(event.data)
                if line.when is not None and (event.type not in newest or line.when >= newest[event.type][0]):
                    newest[event.type] = (line.when, set(event.data))
    return dict(union), {kind: members for kind, (_, members) in newest.items()}


@pytest.fixture(scope="module")
def our_events() -> list[Any]:
    with httpx.Client(transport=_InProcess(), base_url="http://testserver", headers=AUTH) as client:
        return [parse_events(client.post("/v1/responses", json=body).content) for body in REQUESTS]


def test_our_streams_pass_the_checker(our_events) -> None:
    for events in our_events:
        assert not check_responses_stream(events)


def test_our_stream_events_have_real_members(our_events, real_members) -> None:
    union, newest = real_members
    problems = []
    for kind, members in sorted({(e.type, frozenset(e.data)) for events in our_events for e in events}):
        if kind not in union:
            problems.append(f"{kind}: no real stream has this event type")
            continue
        if extra := sorted(members - union[kind]):
            problems.append(f"{kind}: members real events never send: {extra}")
        if lacking := sorted(newest.get(kind, set()) - members):
            problems.append(f"{kind}: members the newest real event sends that ours lacks: {lacking}")
    assert not problems, "\n".join(problems)
