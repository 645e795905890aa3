"""Moderations (R04.1.22 and the spec's input shapes and results).

Each input shape of the spec is sent once: a string, an array of strings, and arrays of multi-modal parts (text,
an image, both). The image is a small data URL, so no URL is fetched. Contract checks are the ones calibration runs
over the recorded traffic (``openai_rulebook.contracts``).
"""

from __future__ import annotations

from typing import Any

import pytest

from openai_rulebook.checks import expect_accepted
from openai_rulebook.contracts import judge
from openai_rulebook.models import require_served

MODERATIONS = "/moderations"
ENDPOINT = "POST /v1/moderations"
#: a 1x1 transparent PNG
PIXEL = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASU"
         "VORK5CYII=")
TEXT_PART = {"type": "text", "text": "I am killing all my houseplants!"}
IMAGE_PART = {"type": "image_url", "image_url": {"url": PIXEL}}
INPUTS: dict[str, Any] = {
    "string": "I am killing all my houseplants!",
    "strings": ["Hello there", "I am killing all my houseplants!"],
    "text-part": [TEXT_PART],
    "image-part": [IMAGE_PART],
    "text-and-image": [TEXT_PART, IMAGE_PART],
}


def moderate(api, rule, model: str, input_: Any):
    response = api.post(MODERATIONS, {"model": model, "input": input_})
    require_served(response, model, rule.id)
    return response


@pytest.mark.rule("moderations.endpoints_exist")
@pytest.mark.parametrize("shape", ["string", "strings"])
def test_an_answer_per_input(api, rule, model, shape):
    response = moderate(api, rule, model(), INPUTS[shape])
    expect_accepted(response, rule.id)
    judge(rule, response, ENDPOINT)


@pytest.mark.rule("moderations.input_shapes")
@pytest.mark.parametrize("shape", list(INPUTS))
def test_each_input_shape(api, rule, model, shape):
    response = moderate(api, rule, model(), INPUTS[shape])
    expect_accepted(response, rule.id, why=f"input as {shape}")
    judge(rule, response, ENDPOINT)


@pytest.mark.rule("moderations.result_shape")
@pytest.mark.parametrize("shape", ["strings", "text-and-image"])
def test_categories_and_scores_agree(api, rule, model, shape):
    response = moderate(api, rule, model(), INPUTS[shape])
    expect_accepted(response, rule.id)
    judge(rule, response, ENDPOINT)


@pytest.mark.rule("moderations.applied_input_types")
@pytest.mark.parametrize("shape", ["string", "image-part", "text-and-image"])
def test_applied_input_types_name_what_was_sent(api, rule, shape):
    response = moderate(api, rule, rule.params["model"], INPUTS[shape])
    expect_accepted(response, rule.id)
    judge(rule, response, ENDPOINT)
