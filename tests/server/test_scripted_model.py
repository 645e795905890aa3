"""The scripted model: deterministic, counted in real tokens, cut exactly at a bound."""

from __future__ import annotations

import json

import pytest

from openai_rulebook.server.core import scripted_model, tokens
from openai_rulebook.server.core.model_table import model


def test_every_word_is_one_token_and_words_never_merge() -> None:
    for word in scripted_model.WORDS:
        assert tokens.count(word) == 1, word
    text = "".join(scripted_model.WORDS * 3)
    assert tokens.count(text) == len(scripted_model.WORDS) * 3


def test_a_reply_follows_from_its_prompt_and_choice() -> None:
    assert scripted_model.reply_text("hello") == scripted_model.reply_text("hello")
    assert scripted_model.reply_text("hello") != scripted_model.reply_text("hello", 1)
    low, high = scripted_model.REPLY_TOKENS
    assert low <= tokens.count(scripted_model.reply_text("hello")) <= high


@pytest.mark.parametrize("bound", [1, 3, 11])
def test_a_bound_cuts_the_reply_with_length(bound: int) -> None:
    generation = scripted_model.reply("hello", max_tokens=bound)
    assert (generation.output_tokens, generation.finish_reason) == (bound, "length")
    assert tokens.count(generation.text) == bound


def test_reasoning_counts_against_the_bound() -> None:
    generation = scripted_model.reply("hello", max_tokens=10, reasoning_tokens=16)
    assert (generation.text, generation.completion_tokens, generation.finish_reason) == ("", 10, "length")
    generation = scripted_model.reply("hello", max_tokens=1000, reasoning_tokens=16)
    assert generation.finish_reason == "stop" and generation.reasoning_tokens == 16


def test_json_mode_is_valid_json() -> None:
    assert json.loads(scripted_model.reply("hello", json_mode=True).text)["reply"]


def test_texts_of_exact_token_counts() -> None:
    assert tokens.count(tokens.text_of_tokens(8192)) == 8192


def test_tool_arguments_fill_required_properties() -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f"]},
                                               "days": {"type": "integer"}}, "required": ["city", "unit"]}
    arguments = scripted_model.tool_arguments(schema)
    assert set(arguments) == {"city", "unit"} and arguments["unit"] in ("c", "f")


def test_snapshots_are_their_models() -> None:
    assert model("gpt-4o-mini-2024-07-18").id == "gpt-4o-mini"
    assert model("no-such-model") is None and model(None) is None
