"""The stream checkers on small streams: what passes, and one finding per broken promise."""

from __future__ import annotations

import pytest

from openai_rulebook.errors import RuleViolation
from openai_rulebook.streams import (
    ServerEvent,
    check_chat_stream,
    check_completions_stream,
    check_responses_stream,
    checker_for,
    enforce,
)


def chunk(id_: str = "chatcmpl-1", choices=None, obj: str = "chat.completion.chunk", **extra) -> ServerEvent:
    return ServerEvent(None, {"id": id_, "object": obj, "choices": choices if choices is not None else [], **extra})


def choice(index: int = 0, finish: str | None = None, **delta) -> dict:
    return {"index": index, "delta": delta, "finish_reason": finish}


DONE = ServerEvent(None, "[DONE]")
CHAT = [chunk(choices=[choice(role="assistant")]), chunk(choices=[choice(content="hi")]),
        chunk(choices=[choice(finish="stop")]), DONE]


def checks(findings) -> list[str]:
    return [finding.check for finding in findings]


def test_a_well_formed_chat_stream_passes_with_extra_fields_and_choices() -> None:
    extra = [chunk(choices=[choice(0, content="a"), choice(1, content="b")], obfuscation="x"),
             chunk(choices=[choice(1, finish="stop")]), chunk(choices=[choice(0, finish="length")]), DONE]
    assert check_chat_stream(CHAT) == []
    assert check_chat_stream(extra, {"n": 2}) == []


@pytest.mark.parametrize(("events", "expected"), [
    (CHAT[:-1], "chat.done_last"),
    ([*CHAT, chunk(choices=[])], "chat.done_last"),
    ([CHAT[0], chunk("chatcmpl-2", [choice(content="x")]), *CHAT[2:]], "chat.same_id"),
    ([CHAT[0], chunk(obj="text_completion", choices=[choice(content="x")]), *CHAT[2:]], "chat.object"),
    ([*CHAT[:3], chunk(choices=[choice(content="late")]), DONE], "chat.finish_last"),
    ([CHAT[0], chunk(choices=[choice(0), choice(0)]), *CHAT[2:]], "chat.choice_index"),
    ([CHAT[0], chunk(choices=[{"delta": {}, "finish_reason": None}]), *CHAT[2:]], "chat.choice_index"),
    ([CHAT[0], ServerEvent(None, {"id": "chatcmpl-1", "object": "chat.completion.chunk"}), *CHAT[2:]],
     "chat.choices"),
    ([DONE], "chat.done_last"),
])
def test_each_broken_chat_promise_is_one_finding(events, expected) -> None:
    assert set(checks(check_chat_stream(events))) == {expected}


def test_include_usage_needs_a_last_chunk_with_usage_and_empty_choices() -> None:
    request = {"stream": True, "stream_options": {"include_usage": True}}
    usage = {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}
    assert check_chat_stream([*CHAT[:3], chunk(usage=usage), DONE], request) == []
    assert checks(check_chat_stream(CHAT, request)) == ["chat.usage_chunk", "chat.usage_chunk"]
    with_choices = [*CHAT[:2], chunk(choices=[choice(finish="stop")], usage=usage), DONE]
    assert checks(check_chat_stream(with_choices, request)) == ["chat.usage_chunk"]


def test_legacy_completions_may_repeat_a_length_finish_with_no_text() -> None:
    def text(value: str, finish=None) -> ServerEvent:
        return chunk("cmpl-1", [{"index": 0, "text": value, "finish_reason": finish, "logprobs": None}],
                     "text_completion")

    assert check_completions_stream([text("a"), text(" b", "length"), text("", "length"), DONE]) == []
    assert checks(check_completions_stream([text("a", "length"), text("more"), DONE])) == ["completions.finish_last"]
    assert checks(check_completions_stream([text("a", "stop"), text("", "length"), DONE])) == [
        "completions.finish_last"]
    assert checks(check_completions_stream([chunk(choices=[choice(content="x")]), DONE])) == ["completions.object"]


def rev(type_: str, n: int | None, **fields) -> ServerEvent:
    data = {"type": type_, **fields}
    if n is not None:
        data["sequence_number"] = n
    return ServerEvent(type_, data)


def responses_stream(numbered: bool = True) -> list[ServerEvent]:
    seq = iter(range(100)) if numbered else iter(lambda: None, 0)
    item = {"id": "msg_1", "type": "message"}
    part = {"item_id": "msg_1", "output_index": 0, "content_index": 0}
    return [
        rev("response.created", next(seq), response={"id": "resp_1"}),
        rev("response.in_progress", next(seq), response={"id": "resp_1"}),
        rev("response.output_item.added", next(seq), output_index=0, item=item),
        rev("response.content_part.added", next(seq), part={}, **part),
        rev("response.output_text.delta", next(seq), delta="Hi", **part),
        ServerEvent("response.something_new", {"type": "response.something_new", "item_id": "nope"}),
        rev("response.output_text.done", next(seq), text="Hi", **part),
        rev("response.content_part.done", next(seq), part={}, **part),
        rev("response.output_item.done", next(seq), output_index=0, item=item),
        rev("response.completed", next(seq), response={"id": "resp_1"}),
    ]


def test_a_well_formed_responses_stream_passes_and_unknown_types_are_ignored() -> None:
    assert check_responses_stream(responses_stream()) == []
    assert check_responses_stream(responses_stream(numbered=False)) == []  # before sequence numbers existed


def _replace(events, index, event):
    return [*events[:index], event, *events[index + 1:]]


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda s: s[1:], "responses.created_first"),
    (lambda s: s[:-1], "responses.terminal"),
    (lambda s: [*s, rev("response.in_progress", 99, response={})], "responses.terminal"),
    (lambda s: _replace(s, 4, rev("response.output_text.delta", 3, delta="x", item_id="msg_1", output_index=0,
                                  content_index=0)), "responses.sequence"),
    (lambda s: _replace(s, 4, rev("response.output_text.delta", 4, delta="x", item_id="msg_2", output_index=0,
                                  content_index=0)), "responses.item_announced"),
    (lambda s: _replace(s, 4, rev("response.output_text.delta", 4, delta="x", item_id="msg_1", output_index=1,
                                  content_index=0)), "responses.output_index"),
    (lambda s: _replace(s, 4, rev("response.output_text.delta", 4, delta="x", item_id="msg_1", output_index=0,
                                  content_index=1)), "responses.content_index"),
    (lambda s: [*s[:8], s[6], *s[8:]], "responses.content_index"),  # text after its part is done
])
def test_each_broken_responses_promise_is_found(mutate, expected) -> None:
    assert expected in checks(check_responses_stream(mutate(responses_stream())))


def test_a_resumed_stream_starts_after_its_cursor() -> None:
    tail = responses_stream()[3:]
    resumed = checker_for("GET /v1/responses/{response_id}", {"stream": "true", "starting_after": "2"})
    assert resumed(tail, None) == []
    assert set(checks(checker_for("GET /v1/responses/{response_id}", {"starting_after": "5"})(tail, None))) == {
        "responses.sequence"}
    assert checker_for("POST /v1/audio/speech") is None


def test_enforce_raises_one_violation_for_the_rule() -> None:
    enforce([], "chat.stream.done")
    with pytest.raises(RuleViolation) as caught:
        enforce(check_chat_stream(CHAT[:-1]), "chat.stream.done")
    assert caught.value.rule == "chat.stream.done" and "[DONE]" in caught.value.expected
