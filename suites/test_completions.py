"""Legacy completions (R14.1.1-R14.1.5, R06.5.13, and the spec's endpoint and completion object).

Every request is as cheap as the rule allows: a few prompt words and ``max_tokens`` of 1 or 2. The context-length
edge is the one costly request (a prompt of 4,095 tokens): its prompt is built from one-token words in cl100k,
gpt-3.5-turbo-instruct's own encoding, so the count is exact for the real API too. Contract checks are the ones
calibration runs over the recorded traffic (``openai_rulebook.contracts``); streams go through the harness's own
SSE reader and completions checker (``openai_rulebook.streams``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from openai_rulebook.checks import expect, expect_accepted, expect_rejected
from openai_rulebook.contracts import judge
from openai_rulebook.models import require_served
from openai_rulebook.server.core.tokens import text_of_tokens
from openai_rulebook.streams import check_completions_stream, enforce, parse_events

COMPLETIONS = "/completions"
ENDPOINT = "POST /v1/completions"
PROMPT = "Write a long story about a rulebook:"


@cache
def text(n: int) -> str:
    return text_of_tokens(n)


def complete(api, rule, model: str, **body: Any):
    """POST /v1/completions (max_tokens 1 unless given); a target that does not serve ``model`` ends the rule
    unsupported."""
    body = {"model": model, "prompt": PROMPT, "max_tokens": 1, **body}
    response = api.post(COMPLETIONS, {key: value for key, value in body.items() if value is not None})
    require_served(response, model, rule.id)
    return response


# -- the endpoint -------------------------------------------------------------------------------------------------
#: a short prompt in each of the spec's four forms; the token ids are "Say ok" and "Say yes" in cl100k (the encoding
#: of gpt-3.5-turbo-instruct, davinci-002 and babbage-002), all below 50,281, so an older encoding takes them too
PROMPT_FORMS = {"string": "Say ok", "strings": ["Say ok", "Say yes"], "tokens": [46864, 5509],
                "token_arrays": [[46864, 5509], [46864, 10035]]}


@pytest.mark.rule("completions.endpoints_exist")
@pytest.mark.parametrize("form", list(PROMPT_FORMS))
def test_each_prompt_form_is_answered_with_a_completion(api, rule, model, form):
    assert form in rule.params["prompt_forms"]
    response = complete(api, rule, model(), prompt=PROMPT_FORMS[form])
    expect_accepted(response, rule.id, why=f"a prompt of the form {form}")
    judge(rule, response, ENDPOINT)


# -- required fields, best_of, logprobs ---------------------------------------------------------------------------
@pytest.mark.rule("completions.required_fields")
@pytest.mark.parametrize("missing", ["model", "prompt"])
def test_each_required_field(api, rule, model, missing):
    assert missing in rule.params["required"]
    name = model()
    body = {"model": name, "prompt": PROMPT, "max_tokens": 1}
    del body[missing]
    expect_rejected(api.post(COMPLETIONS, body), rule.id, status=400, why=f"no {missing}",
                    control=lambda: complete(api, rule, name))


@pytest.mark.rule("completions.best_of")
def test_best_of_with_stream_is_rejected(api, rule, model):
    name = model()
    expect_rejected(complete(api, rule, name, best_of=2, stream=True), rule.id, status=400,
                    why="best_of=2 with stream", control=lambda: complete(api, rule, name, stream=True))


@pytest.mark.rule("completions.best_of")
def test_best_of_below_n_is_rejected(api, rule, model):
    name = model()
    expect_rejected(complete(api, rule, name, best_of=1, n=2), rule.id, status=400, why="best_of=1 < n=2",
                    control=lambda: complete(api, rule, name, best_of=2, n=2))


@pytest.mark.rule("completions.logprobs_max")
def test_logprobs_range(api, rule, model):
    name, low, high = model(), rule.params["min"], rule.params["max"]
    for value in (low, high):
        expect_accepted(complete(api, rule, name, logprobs=value), rule.id, why=f"logprobs={value}")
    expect_rejected(complete(api, rule, name, logprobs=high + 1), rule.id, status=400, why=f"logprobs={high + 1}",
                    control=lambda: complete(api, rule, name, logprobs=high))


# -- context length -------------------------------------------------------------------------------------------------
@pytest.mark.rule("completions.context_length")
def test_max_tokens_past_the_context_is_rejected(api, rule):
    name, window = rule.params["model"], rule.params["context_length"]
    prompt = text(10)
    expect_rejected(complete(api, rule, name, prompt=prompt, max_tokens=window + 2 - 10), rule.id, status=400,
                    why=f"10 prompt tokens + max_tokens {window + 2 - 10} = {window + 2}",
                    control=lambda: complete(api, rule, name, prompt=prompt))


@pytest.mark.rule("completions.context_length")
def test_a_prompt_filling_the_context_is_accepted_and_one_past_it_rejected(api, rule):
    name, window = rule.params["model"], rule.params["context_length"]
    edge = lambda: complete(api, rule, name, prompt=text(window - 1))  # noqa: E731  4,095 + max_tokens 1
    expect_rejected(complete(api, rule, name, prompt=text(window + 1)), rule.id, status=400,
                    why=f"a prompt of {window + 1} tokens + max_tokens 1", control=edge)


# -- streaming --------------------------------------------------------------------------------------------------------
@pytest.mark.rule("completions.stream_sse")
@pytest.mark.parametrize("n", [1, 2])
def test_stream_is_data_only_chunks_then_done(api, rule, model, n):
    response = complete(api, rule, model(), stream=True, max_tokens=2, n=n)
    expect_accepted(response, rule.id, why="stream: true")
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    expect(rule.id, media_type == rule.params["media_type"], expected=f"Content-Type {rule.params['media_type']}",
           actual=media_type or None)
    events = parse_events(response.content)
    named = [event.event for event in events if event.event is not None]
    expect(rule.id, not named, expected="data-only events (no event: lines)", actual=named[:3])
    enforce(check_completions_stream(events, request={"stream": True}), rule.id)


# -- suffix ---------------------------------------------------------------------------------------------------------
@pytest.mark.rule("completions.suffix_model")
def test_suffix_on_gpt_35_turbo_instruct_is_accepted(api, rule):
    expect_accepted(complete(api, rule, rule.params["model"], suffix=" end."), rule.id)


@pytest.mark.rule("completions.suffix_model")
def test_suffix_on_other_models_is_rejected(api, rule):
    name = rule.params["rejected_model"]
    expect_rejected(complete(api, rule, name, suffix=" end."), rule.id, status=400, why=f"suffix with {name}",
                    control=lambda: complete(api, rule, name))


# -- the completion object ------------------------------------------------------------------------------------------
@pytest.mark.rule("completions.object_type")
@pytest.mark.parametrize("logprobs", [None, 1])
def test_the_completion_object(api, rule, model, logprobs):
    response = complete(api, rule, model(), logprobs=logprobs)
    expect_accepted(response, rule.id)
    judge(rule, response, ENDPOINT)


@pytest.mark.rule("completions.usage")
@pytest.mark.parametrize("n", [1, 2])
def test_usage_adds_up(api, rule, model, n):
    response = complete(api, rule, model(), n=n, max_tokens=2)
    expect_accepted(response, rule.id)
    judge(rule, response, ENDPOINT)


@pytest.mark.rule("completions.finish_reason")
@pytest.mark.parametrize("max_tokens", [1, 2])
def test_a_completion_cut_by_max_tokens_says_length(api, rule, model, max_tokens):
    response = complete(api, rule, model(), max_tokens=max_tokens)
    body = expect_accepted(response, rule.id)
    judge(rule, response, ENDPOINT)
    reasons = [choice.get("finish_reason") for choice in body.get("choices") or []]
    expect(rule.id, reasons and all(reason == "length" for reason in reasons),
           expected=f"finish_reason 'length' (a story cut at {max_tokens} token(s))", actual=reasons)


@pytest.mark.rule("completions.n_choices")
@pytest.mark.parametrize(("prompt", "n"), [(PROMPT, 2), ([PROMPT, "Once upon a time"], 2), (["Hi", "Yo"], None)],
                         ids=["one-prompt", "two-prompts", "two-prompts-default-n"])
def test_n_choices_per_prompt(api, rule, model, prompt, n):
    response = complete(api, rule, model(), prompt=prompt, n=n)
    expect_accepted(response, rule.id)
    judge(rule, response, ENDPOINT)


@pytest.mark.rule("completions.echo")
@pytest.mark.parametrize("prompt", [PROMPT, ["Hi", "Yo"]], ids=["one", "two"])
def test_echo_begins_with_the_prompt(api, rule, model, prompt):
    response = complete(api, rule, model(), prompt=prompt, echo=True)
    expect_accepted(response, rule.id)
    judge(rule, response, ENDPOINT)
