"""Embeddings (R04.1.10, R05.1.4-R05.1.7, H.10, R06.5.11, and the spec's response contract).

Inputs whose token count matters are built from one-token words (``core.tokens.text_of_tokens``), in cl100k, the
embedding models' own encoding: an input of 8,192 tokens here is 8,192 tokens to the real API. The limit tests send
``dimensions: 1`` so that thousands of inputs answer a few kilobytes; a model that does not take ``dimensions``
refuses the control, and the test ends inconclusive rather than failed. Contract checks are the ones calibration
runs over the recorded traffic (``openai_rulebook.contracts``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openai_rulebook.checks import expect, expect_accepted, expect_rejected
from openai_rulebook.contracts import judge
from openai_rulebook.contracts._embeddings import vector_length
from openai_rulebook.models import require_served
from openai_rulebook.server.core.tokens import text_of_tokens

EMBEDDINGS = "/embeddings"
ENDPOINT = "POST /v1/embeddings"
#: one value per input: the smallest answer a limit test can get
LIGHT = {"dimensions": 1}
WORDS = ("rule", "book", "token", "model", "a", "the")


@cache
def text(n: int) -> str:
    """A text of exactly ``n`` cl100k tokens, built once per size (the large ones are tokenized to check them)."""
    return text_of_tokens(n)


def embed(api, rule, model: str, input_: Any, **extra: Any):
    """POST /v1/embeddings; a target that does not serve ``model`` ends the rule unsupported."""
    response = api.post(EMBEDDINGS, {"model": model, "input": input_, **extra})
    require_served(response, model, rule.id)
    return response


# -- the response ---------------------------------------------------------------------------------------------------
@pytest.mark.rule("embeddings.endpoints_exist")
@pytest.mark.parametrize("input_", ["rule", ["rule"], ["rule", "book", "token"], [[1, 2], [3]], [4, 5]],
                         ids=["string", "one", "three", "token-arrays", "tokens"])
def test_one_embedding_per_input_in_order(api, rule, model, input_):
    response = embed(api, rule, model(), input_)
    expect_accepted(response, rule.id)
    judge(rule, response, ENDPOINT)


@pytest.mark.rule("embeddings.endpoints_exist")
@settings(max_examples=8)  # each example answers up to five vectors of the model's full length
@given(inputs=st.lists(st.sampled_from(WORDS), min_size=2, max_size=5))
def test_inputs_drawn(api, rule, model, inputs):
    response = embed(api, rule, model(), inputs, encoding_format="base64")  # a third of the float form's bytes
    expect_accepted(response, rule.id)
    judge(rule, response, ENDPOINT)


@pytest.mark.rule("embeddings.usage")
@pytest.mark.parametrize("input_", ["rule", ["rule book", "token"]], ids=["one", "two"])
def test_usage_counts_prompt_tokens_only(api, rule, model, input_):
    response = embed(api, rule, model(), input_)
    expect_accepted(response, rule.id)
    judge(rule, response, ENDPOINT)


@pytest.mark.rule("embeddings.encoding_format")
def test_float_and_base64_carry_the_same_dimensions(api, rule, model):
    answers = {}
    for encoding in rule.params["values"]:
        response = embed(api, rule, model(), ["rule", "book"], encoding_format=encoding)
        answers[encoding] = expect_accepted(response, rule.id, why=f"encoding_format={encoding}")
        judge(rule, response, ENDPOINT)
    lengths = {encoding: [vector_length(item.get("embedding")) for item in body.get("data") or []]
               for encoding, body in answers.items()}
    expect(rule.id, lengths["base64"] == lengths["float"],
           expected="as many float32 values in each base64 embedding as in the float form",
           actual=f"base64 {lengths['base64']}, float {lengths['float']}")


@pytest.mark.rule("embeddings.encoding_format")
def test_float_is_the_default(api, rule, model):
    response = embed(api, rule, model(), "rule")
    expect_accepted(response, rule.id)
    judge(rule, response, ENDPOINT)


# -- input limits ---------------------------------------------------------------------------------------------------
@pytest.mark.rule("embeddings.input_token_limit")
def test_input_token_limit(api, rule, model):
    limit = rule.params["max_tokens"]
    name = model()
    expect_rejected(embed(api, rule, name, text(limit + 1)), rule.id, status=400,
                    why=f"an input of {limit + 1} tokens", control=lambda: embed(api, rule, name, text(limit)))


@pytest.mark.rule("embeddings.input_token_limit")
def test_token_array_input_limit(api, rule, model):
    limit = rule.params["max_tokens"]
    name = model()
    expect_rejected(embed(api, rule, name, [[1] * (limit + 1)], **LIGHT), rule.id, status=400,
                    why=f"a token array of {limit + 1} tokens",
                    control=lambda: embed(api, rule, name, [[1] * limit], **LIGHT))


@pytest.mark.rule("embeddings.input_array_length")
def test_input_array_length(api, rule, model):
    most = rule.params["max"]
    name = model()
    expect_rejected(embed(api, rule, name, ["a"] * (most + 1), **LIGHT), rule.id, status=400,
                    why=f"{most + 1} inputs", control=lambda: embed(api, rule, name, ["a"] * most, **LIGHT))


def inputs_of(total: int, per_input: int) -> list[str]:
    """Inputs of ``per_input`` tokens each (the last one shorter) adding up to ``total`` tokens."""
    full, rest = divmod(total, per_input)
    return [text(per_input)] * full + ([text(rest)] if rest else [])


@pytest.mark.rule("embeddings.total_token_limit")
def test_total_token_limit(api, rule, model, rulebook_catalog):
    total, per_input = rule.params["max_tokens"], rulebook_catalog["embeddings.input_token_limit"].params["max_tokens"]
    name = model()
    expect_rejected(embed(api, rule, name, inputs_of(total + 1, per_input), **LIGHT), rule.id, status=400,
                    why=f"{total + 1} tokens in all, none over {per_input} per input",
                    control=lambda: embed(api, rule, name, inputs_of(total, per_input), **LIGHT))


@pytest.mark.rule("embeddings.input_not_empty")
@pytest.mark.parametrize(("empty", "control"), [("", "a"), (["a", ""], ["a", "b"])], ids=["string", "in-array"])
def test_empty_input_is_rejected(api, rule, model, empty, control):
    name = model()
    expect_rejected(embed(api, rule, name, empty), rule.id, status=400, why=f"input={empty!r}",
                    control=lambda: embed(api, rule, name, control))


# -- dimensions -----------------------------------------------------------------------------------------------------
@pytest.mark.rule("embeddings.dimensions_model_support")
def test_dimensions_on_text_embedding_3(api, rule):
    for name in rule.params["values"]:
        expect_accepted(embed(api, rule, name, "rule", dimensions=8), rule.id, why=f"dimensions with {name}")


@pytest.mark.rule("embeddings.dimensions_model_support")
def test_dimensions_on_ada_is_rejected(api, rule):
    name = rule.params["rejected_model"]
    expect_rejected(embed(api, rule, name, "rule", dimensions=8), rule.id, status=400,
                    why=f"dimensions with {name}", control=lambda: embed(api, rule, name, "rule"))


@pytest.mark.rule("embeddings.dimensions_shortens")
def test_dimensions_shorten_the_vectors(api, rule, model):
    """In floats: a base64 vector's byte count is embeddings.encoding_format's business."""
    for size in rule.params["sizes"]:
        response = embed(api, rule, model(), ["rule", "book"], dimensions=size)
        expect_accepted(response, rule.id, why=f"dimensions={size}")
        judge(rule, response, ENDPOINT)


@pytest.mark.rule("embeddings.dimensions_min")
@pytest.mark.parametrize("size", [0, -1])
def test_dimensions_below_one_are_rejected(api, rule, model, size):
    name = model()
    expect_rejected(embed(api, rule, name, "rule", dimensions=size), rule.id, status=400, why=f"dimensions={size}",
                    control=lambda: embed(api, rule, name, "rule", dimensions=rule.params["min"]))
