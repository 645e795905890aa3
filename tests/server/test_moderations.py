"""Moderations: one result per string, one for an array of parts, categories, scores and applied input types."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from openai_rulebook.server.moderations.classifier import IMAGE_CATEGORIES, OMNI_CATEGORIES, TEXT_CATEGORIES

MODERATIONS = "/v1/moderations"
IMAGE = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
TEXT = {"type": "text", "text": "I will kill the weeds"}


def moderate(client: httpx.Client, input_: Any, **extra: Any) -> dict[str, Any]:
    response = client.post(MODERATIONS, json={"input": input_, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def test_the_answer_has_real_traffic_shape(client: httpx.Client) -> None:
    body = moderate(client, "I will kill the weeds")
    assert list(body) == ["id", "model", "results"] and body["id"].startswith("modr-")
    assert body["model"] == "omni-moderation-latest"
    result = body["results"][0]
    assert list(result) == ["flagged", "categories", "category_scores", "category_applied_input_types"]
    assert tuple(result["categories"]) == OMNI_CATEGORIES
    assert result["flagged"] and result["categories"]["violence"]


@pytest.mark.parametrize(("input_", "results"), [("hi", 1), (["hi", "yo", "hey"], 3), ([TEXT, IMAGE], 1),
                                                  ([IMAGE], 1)])
def test_results_per_input_shape(client: httpx.Client, input_: Any, results: int) -> None:
    assert len(moderate(client, input_)["results"]) == results


def test_applied_input_types(client: httpx.Client) -> None:
    image_only = moderate(client, [IMAGE])["results"][0]["category_applied_input_types"]
    assert {category for category, kinds in image_only.items() if kinds == ["image"]} == IMAGE_CATEGORIES
    both = moderate(client, [TEXT, IMAGE])["results"][0]["category_applied_input_types"]
    assert all(kinds == (["text", "image"] if category in IMAGE_CATEGORIES else ["text"])
               for category, kinds in both.items())


def test_text_moderation_models_have_no_applied_types(client: httpx.Client) -> None:
    result = moderate(client, "hi", model="text-moderation-latest")["results"][0]
    assert tuple(result["categories"]) == TEXT_CATEGORIES and "category_applied_input_types" not in result


@pytest.mark.parametrize(("body", "status"), [({}, 400), ({"input": 3}, 400), ({"input": [{"type": "audio"}]}, 400),
                                              ({"input": "hi", "model": "nope"}, 404),
                                              ({"input": "hi", "model": "gpt-4o-mini"}, 400)])
def test_refusals(client: httpx.Client, body: dict[str, Any], status: int) -> None:
    assert client.post(MODERATIONS, json=body).status_code == status
