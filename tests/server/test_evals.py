"""Evals: create checks, update of name and metadata only, list order and limits, delete, and the variant."""

from __future__ import annotations

from typing import Any

import pytest

from openai_rulebook.server import create_app
from openai_rulebook.server.evals.routes import IGNORE_OTHER_FIELDS, structured_outputs

EVALS = "/v1/evals"


def body(**fields: Any) -> dict[str, Any]:
    return {"name": "e", "data_source_config": {"type": "custom", "item_schema": {"type": "object"}},
            "testing_criteria": [{"type": "string_check", "name": "s", "input": "a", "reference": "b",
                                  "operation": "eq"}], **fields}


def label(model: str) -> list[dict[str, Any]]:
    return [{"type": "label_model", "name": "l", "model": model, "input": [], "labels": ["y"],
             "passing_labels": ["y"]}]


def test_create_answers_an_eval(client):
    made = client.post(EVALS, json=body()).json()
    assert set(made) == {"object", "id", "data_source_config", "testing_criteria", "name", "created_at", "metadata"}
    assert made["object"] == "eval" and made["id"].startswith("eval_")
    assert made["data_source_config"]["schema"]["properties"]["item"] == {"type": "object"}


@pytest.mark.parametrize(("model", "ok"), [("gpt-4o-mini", True), ("gpt-4o-mini-2024-07-18", True),
                                           ("gpt-3.5-turbo", False), ("gpt-4o-minix", False), (None, False)])
def test_structured_outputs(model, ok):
    assert structured_outputs(model) is ok


def test_label_model_without_structured_outputs_is_rejected(client, expect_error):
    expect_error(client.post(EVALS, json=body(testing_criteria=label("gpt-3.5-turbo"))), 400,
                 param="testing_criteria[0].model")
    assert client.post(EVALS, json=body(testing_criteria=label("gpt-4o-mini"))).status_code == 201


@pytest.mark.parametrize("missing", ["data_source_config", "testing_criteria"])
def test_required_fields(client, expect_error, missing):
    expect_error(client.post(EVALS, json={key: value for key, value in body().items() if key != missing}), 400,
                 param=missing)


def test_update_changes_name_and_metadata_only(client, expect_error):
    made = client.post(EVALS, json=body()).json()
    path = f"{EVALS}/{made['id']}"
    expect_error(client.post(path, json={"name": "x", "testing_criteria": []}), 400, param="testing_criteria")
    assert client.get(path).json() == made  # nothing changed, not even the name
    updated = client.post(path, json={"name": "x", "metadata": {"k": "v"}}).json()
    assert updated["name"] == "x" and updated["metadata"] == {"k": "v"}
    assert updated["testing_criteria"] == made["testing_criteria"]


def test_the_variant_ignores_other_fields(client_for):
    client = client_for(create_app(variants=[IGNORE_OTHER_FIELDS]))
    made = client.post(EVALS, json=body()).json()
    updated = client.post(f"{EVALS}/{made['id']}", json={"name": "x", "testing_criteria": []}).json()
    assert updated["name"] == "x" and updated["testing_criteria"] == made["testing_criteria"]


def test_list_is_oldest_first_with_limits(client, clock, expect_error):
    first = client.post(EVALS, json=body()).json()
    clock.advance(1)
    second = client.post(EVALS, json=body()).json()
    assert [item["id"] for item in client.get(EVALS).json()["data"]] == [first["id"], second["id"]]
    assert [item["id"] for item in client.get(EVALS, params={"order": "desc"}).json()["data"]] == [second["id"],
                                                                                                   first["id"]]
    expect_error(client.get(EVALS, params={"limit": 0}), 400, param="limit")


def test_delete(client):
    made = client.post(EVALS, json=body()).json()
    answer = client.delete(f"{EVALS}/{made['id']}").json()
    assert answer == {"object": "eval.deleted", "deleted": True, "eval_id": made["id"]}
    assert client.get(f"{EVALS}/{made['id']}").status_code == 404
