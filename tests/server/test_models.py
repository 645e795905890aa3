"""Models: the table listed, retrieved, unknown ids, and the stand-in fine-tuned model that can be deleted."""

from __future__ import annotations

import httpx

from openai_rulebook.server.core.model_table import MODELS

MODELS_PATH = "/v1/models"


def fine_tuned(client: httpx.Client) -> list[str]:
    return [item["id"] for item in client.get(MODELS_PATH).json()["data"] if item["id"].startswith("ft:")]


def test_the_list_holds_the_table_and_one_fine_tuned_model(client: httpx.Client) -> None:
    body = client.get(MODELS_PATH).json()
    assert list(body) == ["object", "data"] and body["object"] == "list"
    assert {item["id"] for item in body["data"]} >= set(MODELS)
    assert all(list(item) == ["id", "object", "created", "owned_by"] for item in body["data"])
    assert len(fine_tuned(client)) == 1


def test_retrieve_and_unknown(client: httpx.Client, expect_error) -> None:
    assert client.get(f"{MODELS_PATH}/gpt-4o-mini").json()["owned_by"] == "system"
    error = expect_error(client.get(f"{MODELS_PATH}/fake_id"), 404, param="model")
    assert error["code"] == "model_not_found" and error["message"] == "The model 'fake_id' does not exist"
    expect_error(client.delete(f"{MODELS_PATH}/fake_id"), 404, param="model")


def test_deleting_the_fine_tuned_model_brings_another(client: httpx.Client, expect_error) -> None:
    first = fine_tuned(client)[0]
    assert client.delete(f"{MODELS_PATH}/{first}").json() == {"id": first, "object": "model", "deleted": True,
                                                               "owned_by": "rulebook-org"}
    expect_error(client.get(f"{MODELS_PATH}/{first}"), 404, param="model")
    assert fine_tuned(client) and fine_tuned(client)[0] != first


def test_base_models_cannot_be_deleted(client: httpx.Client, expect_error) -> None:
    expect_error(client.delete(f"{MODELS_PATH}/gpt-4o-mini"), 403)
    assert client.get(f"{MODELS_PATH}/gpt-4o-mini").status_code == 200
