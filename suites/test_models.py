"""Models: list, retrieve and delete (R04.1.21, R11.2, and the spec's model objects).

Deleting needs a fine-tuned model the caller owns: the test takes one from the list (an ``ft:`` id whose owner is
not OpenAI) and ends inconclusive when there is none. The refusal rule deletes what no caller owns, a base model,
and checks that it is still there. Both are ``destructive``: a live run sends them only when asked to.
"""

from __future__ import annotations

from typing import Any

import pytest

from openai_rulebook.checks import expect, expect_accepted, expect_rejected, precondition
from openai_rulebook.contracts import judge
from openai_rulebook.errors import Inconclusive

MODELS = "/models"
NO_SUCH_MODEL = "rulebook-no-such-model-0000"


def listed(api) -> list[dict[str, Any]]:
    data = precondition(api.get(MODELS), "listing the models").get("data")
    if not isinstance(data, list) or not data:
        raise Inconclusive("precondition failed: GET /v1/models listed no model")
    return [item for item in data if isinstance(item, dict) and isinstance(item.get("id"), str)]


@pytest.mark.rule("models.list_objects")
def test_the_list_holds_model_objects(api, rule):
    response = api.get(MODELS)
    expect_accepted(response, rule.id)
    judge(rule, response, "GET /v1/models")


@pytest.mark.rule("models.retrieve")
def test_a_listed_model_is_retrieved(api, rule, model):
    ids = [item["id"] for item in listed(api)]
    wanted = model("chat") if model("chat") in ids else ids[0]
    response = api.get(f"{MODELS}/{wanted}")
    expect_accepted(response, rule.id, why=f"retrieving the listed model {wanted}")
    judge(rule, response, "GET /v1/models/{model}")


@pytest.mark.rule("models.unknown_model")
def test_an_unknown_model_is_404(api, rule, endpoint):
    response = api.request(endpoint.method, endpoint.path(model=NO_SUCH_MODEL))
    expect_rejected(response, rule.id, status=rule.params["status"], why=f"{endpoint} of a model that does not exist")


@pytest.mark.rule("models.delete_endpoint")
def test_deleting_an_owned_fine_tuned_model(api, rule, rulebook_catalog):
    base_owners = rulebook_catalog["models.delete_requires_owner"].params["base_owners"]
    owned = [item["id"] for item in listed(api) if item["id"].startswith("ft:")
             and item.get("owned_by") not in base_owners]
    if not owned:
        raise Inconclusive("precondition failed: no fine-tuned model of this organization to delete")
    response = api.delete(f"{MODELS}/{owned[0]}")
    expect_accepted(response, rule.id, why=f"deleting {owned[0]}")
    judge(rule, response, "DELETE /v1/models/{model}")


@pytest.mark.rule("models.delete_requires_owner")
def test_a_base_model_cannot_be_deleted(api, rule, model):
    base = [item["id"] for item in listed(api) if item.get("owned_by") in rule.params["base_owners"]]
    if not base:
        raise Inconclusive("precondition failed: no base model (owned by OpenAI) is listed")
    target = model("chat") if model("chat") in base else base[0]
    response = api.delete(f"{MODELS}/{target}")
    expect(rule.id, response.status_code in rule.params["statuses"],
           expected=f"one of {rule.params['statuses']} refusing to delete the base model {target}",
           actual=f"{response.status_code} {response.text[:200]}", response=response)
    expect_rejected(response, rule.id)
    still = api.get(f"{MODELS}/{target}")
    expect(rule.id, still.status_code == 200, expected=f"{target} still there after the refused delete",
           actual=still.status_code, response=still)
