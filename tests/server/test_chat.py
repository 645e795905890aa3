"""Chat Completions on the reference server: the answer's shapes, the scripted model's bounds, JSON and tool calls,
streams, stored completions and their messages, and the area's variants."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import httpx
import pytest

from openai_rulebook.server import create_app
from openai_rulebook.streams import check_chat_stream, parse_events

CHAT = "/v1/chat/completions"
TOOLS = [{"type": "function", "function": {"name": name, "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}, "required": ["city"]}}}
    for name in ("weather", "time")]


def chat(client: httpx.Client, text: str = "Say hi.", *, model: str = "gpt-4o-mini", **body: Any) -> httpx.Response:
    return client.post(CHAT, json={"model": model, "messages": [{"role": "user", "content": text}], **body})


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()


def test_a_completion_has_real_traffics_shape(client, clock):
    body = ok(chat(client))
    assert re.fullmatch(r"chatcmpl-[0-9a-f]{24}", body["id"])
    assert set(body) == {"id", "object", "created", "model", "choices", "usage", "service_tier",
                         "system_fingerprint"}
    assert (body["object"], body["created"], body["model"]) == ("chat.completion", clock.now(),
                                                                "gpt-4o-mini-2024-07-18")
    choice = body["choices"][0]
    assert set(choice["message"]) == {"role", "content", "refusal", "annotations"}
    assert choice["finish_reason"] == "stop" and choice["logprobs"] is None
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert set(usage["completion_tokens_details"]) == {"reasoning_tokens", "audio_tokens",
                                                       "accepted_prediction_tokens", "rejected_prediction_tokens"}


def test_the_same_request_gets_the_same_reply(client):
    assert ok(chat(client))["choices"] == ok(chat(client))["choices"]


def test_unknown_and_non_chat_models_are_404_as_live(client, expect_error):
    assert expect_error(chat(client, model="rulebook-nope"), 404)["code"] == "model_not_found"
    expect_error(chat(client, model="gpt-3.5-turbo-instruct"), 404, param="model")
    expect_error(client.post(CHAT, json={"model": "gpt-4o-mini"}), 400, param="messages")
    expect_error(client.post(CHAT, json={"model": "gpt-4o-mini", "messages": []}), 400, param="messages")


@pytest.mark.parametrize("bound", [1, 5])
def test_the_bound_cuts_with_length(client, bound):
    body = ok(chat(client, max_completion_tokens=bound, n=2))
    assert body["usage"]["completion_tokens"] == 2 * bound
    assert {choice["finish_reason"] for choice in body["choices"]} == {"length"}


def test_reasoning_models_spend_reasoning_tokens_within_the_bound(client):
    body = ok(chat(client, model="o4-mini", max_completion_tokens=10, reasoning_effort="low"))
    details = body["usage"]["completion_tokens_details"]
    assert details["reasoning_tokens"] == 8 and body["usage"]["completion_tokens"] == 10


def test_json_modes_answer_json(client):
    body = ok(chat(client, "Reply in JSON.", response_format={"type": "json_object"}))
    assert isinstance(json.loads(body["choices"][0]["message"]["content"]), dict)
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    body = ok(chat(client, response_format={"type": "json_schema", "json_schema": {"name": "s", "schema": schema}}))
    assert isinstance(json.loads(body["choices"][0]["message"]["content"])["n"], int)


@pytest.mark.parametrize(("choice", "parallel", "called"), [
    ("required", None, ["weather", "time"]), ("required", False, ["weather"]),
    ({"type": "function", "function": {"name": "time"}}, None, ["time"]), ("none", None, []), ("auto", None, []),
])
def test_tool_choice_decides_the_calls(client, choice, parallel, called):
    extra = {"parallel_tool_calls": parallel} if parallel is not None else {}
    body = ok(chat(client, tools=TOOLS, tool_choice=choice, **extra))
    message, finish = body["choices"][0]["message"], body["choices"][0]["finish_reason"]
    calls = message.get("tool_calls", [])
    assert [call["function"]["name"] for call in calls] == called
    assert finish == ("tool_calls" if called else "stop")
    for call in calls:
        assert re.fullmatch(r"call_[0-9a-f]{24}", call["id"]) and "city" in json.loads(call["function"]["arguments"])


def test_logprobs_list_each_token_with_its_alternatives(client):
    body = ok(chat(client, logprobs=True, top_logprobs=3, max_completion_tokens=4))
    content = body["choices"][0]["logprobs"]["content"]
    assert len(content) == 4 and all(len(token["top_logprobs"]) == 3 for token in content)


@pytest.mark.parametrize("include", [True, False])
def test_a_stream_is_chunks_then_done(client, include):
    extra = {"stream_options": {"include_usage": True}} if include else {}
    request = {"n": 2, "max_completion_tokens": 3, "stream": True, **extra}
    response = chat(client, **request)
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_events(response.text)
    assert check_chat_stream(events, request=request) == []
    chunks = [event.data for event in events if isinstance(event.data, dict)]
    assert all(chunk["object"] == "chat.completion.chunk" for chunk in chunks)
    assert ("usage" in chunks[-1] and chunks[-1]["choices"] == []) is include
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"]
                   and c["choices"][0]["index"] == 0)
    assert text == ok(chat(client, n=2, max_completion_tokens=3))["choices"][0]["message"]["content"]


def test_only_stored_completions_are_kept(client, expect_error):
    kept = ok(chat(client, store=True, metadata={"k": "v"}))
    unkept = ok(chat(client, store=False))
    expect_error(client.get(f"{CHAT}/{unkept['id']}"), 404, param="completion_id")
    assert [item["id"] for item in ok(client.get(CHAT))["data"]] == [kept["id"]]
    assert ok(client.get(f"{CHAT}/{kept['id']}"))["metadata"] == {"k": "v"}
    assert ok(client.delete(f"{CHAT}/{kept['id']}")) == {"object": "chat.completion.deleted", "id": kept["id"],
                                                         "deleted": True}
    expect_error(client.delete(f"{CHAT}/{kept['id']}"), 404, param="completion_id")


def test_an_update_changes_metadata_only(client, expect_error):
    kept = ok(chat(client, store=True))
    expect_error(client.post(f"{CHAT}/{kept['id']}", json={"metadata": {}, "model": "gpt-4o"}), 400, param="model")
    expect_error(client.post(f"{CHAT}/{kept['id']}", json={}), 400, param="metadata")
    assert ok(client.post(f"{CHAT}/{kept['id']}", json={"metadata": {"a": "b"}}))["metadata"] == {"a": "b"}


def test_messages_are_kept_without_images_over_8_mb(client):
    def image(size: int) -> dict[str, Any]:
        return {"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(
            b"\0" * size).decode()}}

    content = [{"type": "text", "text": "Look."}, image(8 * 1024 * 1024 + 1), image(8 * 1024 * 1024)]
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": content}]
    kept = ok(client.post(CHAT, json={"model": "gpt-4o-mini", "messages": messages, "store": True}))
    listed = ok(client.get(f"{CHAT}/{kept['id']}/messages"))
    assert [m["id"] for m in listed["data"]] == [f"{kept['id']}-0", f"{kept['id']}-1"]
    assert listed["data"][0] == {"id": f"{kept['id']}-0", "role": "system", "content": "Be brief.",
                                 "content_parts": None, "name": None}
    assert [part["type"] for part in listed["data"][1]["content_parts"]] == ["text", "image_url"]
    assert listed["data"][1]["content_parts"][1] == content[2]
    assert [m["role"] for m in ok(client.get(f"{CHAT}/{kept['id']}/messages", params={"order": "desc"}))["data"]] \
        == ["user", "system"]


def test_the_list_filters_by_metadata_and_model(client, clock):
    first = ok(chat(client, store=True, metadata={"side": "a"}))["id"]
    clock.advance(1)
    second = ok(chat(client, model="gpt-4.1-nano", store=True, metadata={"side": "b"}))["id"]
    assert [i["id"] for i in ok(client.get(CHAT))["data"]] == [first, second]
    assert [i["id"] for i in ok(client.get(CHAT, params={"metadata[side]": "b"}))["data"]] == [second]
    assert [i["id"] for i in ok(client.get(CHAT, params={"model": "gpt-4o-mini"}))["data"]] == [first]
    assert [i["id"] for i in ok(client.get(CHAT, params={"order": "desc", "limit": 1}))["data"]] == [second]


# -- variants ---------------------------------------------------------------------------------------------------------
def varied(client_for, variant: str) -> httpx.Client:
    return client_for(create_app(variants=[variant]))


def test_prompt_tokens_plus_one_keeps_the_arithmetic(client, client_for):
    plain, more = ok(chat(client))["usage"], ok(chat(varied(client_for, "chat.prompt_tokens_plus_one")))["usage"]
    assert more["prompt_tokens"] == plain["prompt_tokens"] + 1
    assert more["total_tokens"] == more["prompt_tokens"] + more["completion_tokens"]


def test_chunks_may_carry_obfuscation(client_for):
    response = chat(varied(client_for, "chat.chunk_obfuscation"), stream=True)
    chunks = [event.data for event in parse_events(response.text) if isinstance(event.data, dict)]
    assert all(isinstance(chunk["obfuscation"], str) for chunk in chunks)


def test_the_asked_model_name_may_be_echoed(client_for):
    assert ok(chat(varied(client_for, "chat.asked_model_name")))["model"] == "gpt-4o-mini"


def test_stored_completions_may_look_like_the_create(client, client_for):
    kept = ok(chat(client, store=True))
    stored = ok(client.get(f"{CHAT}/{kept['id']}"))
    assert {"request_id", "seed", "top_p", "input_user"} <= set(stored)
    assert set(stored["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}
    other = varied(client_for, "chat.stored_like_created")
    kept = ok(chat(other, store=True))
    assert ok(other.get(f"{CHAT}/{kept['id']}")) == {**kept, "metadata": {}}


def test_several_choices_may_stream_interleaved(client_for):
    response = chat(varied(client_for, "chat.stream_choices_interleaved"), n=2, stream=True, max_completion_tokens=3)
    events = parse_events(response.text)
    indexes = [chunk["choices"][0]["index"] for chunk in (e.data for e in events if isinstance(e.data, dict))]
    assert indexes[:4] == [0, 1, 0, 1], indexes
    assert check_chat_stream(events, request={"n": 2}) == []
