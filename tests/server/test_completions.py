"""Legacy completions: the object, n and echo, the bounds, the context length in real tokens, the stream."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from openai_rulebook.server import create_app
from openai_rulebook.server.core.tokens import text_of_tokens
from openai_rulebook.streams import check_completions_stream, parse_events

COMPLETIONS = "/v1/completions"
INSTRUCT = "gpt-3.5-turbo-instruct"


def complete(client: httpx.Client, **body: Any) -> httpx.Response:
    return client.post(COMPLETIONS, json={"model": INSTRUCT, "prompt": "Say hi", "max_tokens": 2, **body})


def test_the_object_has_real_traffic_shape(client: httpx.Client) -> None:
    body = complete(client).json()
    assert list(body) == ["id", "object", "created", "model", "choices", "usage"]
    assert body["object"] == "text_completion" and body["id"].startswith("cmpl-")
    assert list(body["choices"][0]) == ["text", "index", "logprobs", "finish_reason"]
    assert body["choices"][0]["finish_reason"] == "length"
    usage = body["usage"]
    assert usage["completion_tokens"] == 2 and usage["total_tokens"] == usage["prompt_tokens"] + 2


def test_the_same_prompt_gives_the_same_text(client: httpx.Client) -> None:
    assert complete(client, max_tokens=50).json()["choices"] == complete(client, max_tokens=50).json()["choices"]
    assert complete(client, max_tokens=50).json()["choices"][0]["finish_reason"] == "stop"


def test_n_echo_and_logprobs(client: httpx.Client) -> None:
    body = complete(client, prompt=["a", "b"], n=2, echo=True, logprobs=2).json()
    assert [choice["index"] for choice in body["choices"]] == [0, 1, 2, 3]
    assert [choice["text"][0] for choice in body["choices"]] == ["a", "a", "b", "b"]
    logprobs = body["choices"][0]["logprobs"]
    assert len(logprobs["tokens"]) == len(logprobs["token_logprobs"]) == len(logprobs["top_logprobs"]) == 2
    assert all(len(top) == 2 for top in logprobs["top_logprobs"])


@pytest.mark.parametrize(("body", "status", "param"), [
    ({"model": None}, 400, "model"), ({"prompt": None}, 400, "prompt"), ({"model": "nope"}, 404, None),
    ({"model": "gpt-4o-mini"}, 404, "model"), ({"model": "text-embedding-3-small"}, 403, None),
    ({"logprobs": 6}, 400, "logprobs"), ({"best_of": 2, "stream": True}, 400, "best_of"),
    ({"best_of": 1, "n": 2}, 400, "best_of"), ({"model": "davinci-002", "suffix": "x"}, 400, "suffix"),
    ({"prompt": [1, 10**6]}, 400, None), ({"n": 0}, 400, "n"),
])
def test_refusals(client: httpx.Client, expect_error, body: dict[str, Any], status: int, param: str | None) -> None:
    payload = {"model": INSTRUCT, "prompt": "Say hi", "max_tokens": 2, **body}
    expect_error(client.post(COMPLETIONS, json={k: v for k, v in payload.items() if v is not None}), status,
                 param=param)


@pytest.mark.parametrize(("body", "param", "code"), [
    ({"echo": "yes"}, "echo", "invalid_type"), ({"presence_penalty": 2.5}, "presence_penalty",
                                                "decimal_above_max_value"),
    ({"frequency_penalty": -3}, "frequency_penalty", "integer_below_min_value"),
    ({"stop": ["a", "b", "c", "d", "e"]}, "stop", "array_above_max_length"), ({"stop": []}, "stop", "empty_array"),
    ({"seed": 2 ** 63}, "seed", "integer_above_max_value"), ({"logit_bias": {"50": 101}}, "logit_bias.50",
                                                              "integer_above_max_value"),
    ({"stream_options": {"include_usage": "yes"}}, "stream_options.include_usage", "invalid_type"),
    ({"user": 5}, "user", "invalid_type"), ({"max_tokens": -1, "temperature": 3}, "max_tokens",
                                            "integer_below_min_value"),
])  # fmt: skip
def test_the_spec_schema_refusals(client: httpx.Client, expect_error, body: dict[str, Any], param: str,
                                  code: str) -> None:
    assert expect_error(complete(client, **body), 400, param=param)["code"] == code


def test_each_prompt_form_and_nulls_are_accepted(client: httpx.Client) -> None:
    for prompt in ("Say hi", ["Say hi", "Yo"], [46864, 5509], [[46864, 5509], [46864]]):
        assert complete(client, prompt=prompt).status_code == 200, prompt
    assert complete(client, logprobs=None, seed=None, stop=None, logit_bias=None, user=None).status_code == 200


def test_the_endpoints_fault_refuses_token_prompts(client_for) -> None:
    client = client_for(create_app(faults=["completions.refuse_token_prompts"]))
    assert complete(client, prompt="Say hi").status_code == 200
    assert complete(client, prompt=[46864, 5509]).status_code == 400
    assert complete(client, prompt=[[46864, 5509]]).status_code == 400


def test_context_length_edge(client: httpx.Client) -> None:
    assert complete(client, prompt=text_of_tokens(4095), max_tokens=1).status_code == 200
    assert complete(client, prompt=text_of_tokens(4096), max_tokens=1).status_code == 400
    assert complete(client, prompt=text_of_tokens(10), max_tokens=4086).status_code == 200
    assert complete(client, prompt=text_of_tokens(10), max_tokens=4087).status_code == 400


def test_the_stream_passes_the_checker(client: httpx.Client) -> None:
    response = complete(client, stream=True, n=2, stream_options={"include_usage": True})
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_events(response.content)
    assert events[-1].is_done and all(event.event is None for event in events)
    assert check_completions_stream(events, request={"stream_options": {"include_usage": True}}) == []
    assert events[-2].data["choices"] == [] and events[-2].data["usage"]["completion_tokens"] == 4


def test_the_repeated_finish_variant_passes_the_checker(client_for) -> None:
    client = client_for(create_app(variants=["completions.repeat_finish_chunk"]))
    events = parse_events(complete(client, stream=True).content)
    assert events[-2].data["choices"] == events[-3].data["choices"]
    assert check_completions_stream(events) == []


def test_the_stream_fault_drops_done(client_for) -> None:
    client = client_for(create_app(faults=["completions.stream_without_done"]))
    events = parse_events(complete(client, stream=True).content)
    assert not events[-1].is_done and check_completions_stream(events)


def test_the_completions_variants_keep_the_checker_and_the_arithmetic(client, client_for) -> None:
    plain = complete(client).json()["usage"]
    more = complete(client_for(create_app(variants=["completions.prompt_tokens_plus_one"]))).json()["usage"]
    assert more["prompt_tokens"] == plain["prompt_tokens"] + 1
    assert more["total_tokens"] == more["prompt_tokens"] + more["completion_tokens"]
    interleaved = client_for(create_app(variants=["completions.stream_choices_interleaved"]))
    events = parse_events(complete(interleaved, n=2, stream=True).content)
    indexes = [event.data["choices"][0]["index"] for event in events if isinstance(event.data, dict)]
    assert indexes[:4] == [0, 1, 0, 1], indexes
    assert check_completions_stream(events, request={"n": 2}) == []
    extra = client_for(create_app(variants=["completions.chunk_extra_field"]))
    events = parse_events(complete(extra, stream=True).content)
    assert all(event.data.get("x_rulebook_variant") is True for event in events if isinstance(event.data, dict))
    assert check_completions_stream(events) == []
