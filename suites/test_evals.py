"""Evals: create, update (name and metadata only), list limits and order, delete, and the label_model grader's
model (R04.1.11, R04.1.12, R07.12.1, R06.5.12, R03.3.1 and the official spec's Eval, EvalList and delete answers).

Creating an eval runs nothing and costs nothing: every eval is a custom data source with one string_check grader
(``eval_body`` in the suites' conftest), named ``rulebook-…`` and deleted when the test ends. A rejection test
changes one field of a request the target accepted (``control``).
"""

from __future__ import annotations

from typing import Any

import pytest

from openai_rulebook.checks import expect, expect_accepted, expect_rejected, precondition
from openai_rulebook.errors import Inconclusive

EVALS = "/evals"


def label_model(model: str) -> dict[str, Any]:
    return {"type": "label_model", "name": "label", "model": model,
            "input": [{"role": "user", "content": "Is {{item.answer}} polite? Answer yes or no."}],
            "labels": ["yes", "no"], "passing_labels": ["yes"]}


@pytest.fixture
def make_eval(api, new_eval):
    def make(**fields: Any) -> dict[str, Any]:
        return precondition(api.post(EVALS, new_eval(**fields)), "creating an eval to test with")

    return make


@pytest.mark.rule("evals.endpoints_exist")
def test_create_and_update_answer_an_eval(api, rule, new_eval):
    created = expect_accepted(api.post(EVALS, new_eval()), rule.id, why="a valid create")
    expect(rule.id, created.get("object") in rule.params["values"] and isinstance(created.get("id"), str),
           expected=f"an object {rule.params['values']} with an id", actual=created)
    renamed = expect_accepted(api.post(f"{EVALS}/{created['id']}", {"name": "rulebook-renamed"}), rule.id,
                              why="renaming the eval")
    expect(rule.id, renamed.get("object") in rule.params["values"] and renamed.get("name") == "rulebook-renamed",
           expected="the updated eval, named rulebook-renamed", actual=renamed)


@pytest.mark.rule("evals.update_name_metadata_only")
def test_update_changes_name_and_metadata_only(api, rule, make_eval):
    made = make_eval()
    path = f"{EVALS}/{made['id']}"
    updated = expect_accepted(api.post(path, {"name": "rulebook-renamed", "metadata": {"rulebook": "updated"}}),
                              rule.id, why="updating name and metadata")
    expect(rule.id, updated.get("name") == "rulebook-renamed" and updated.get("metadata") == {"rulebook": "updated"},
           expected="the new name and metadata", actual=updated)
    other = {"testing_criteria": [{"type": "string_check", "name": "other", "input": "{{sample.output_text}}",
                                   "reference": "changed", "operation": "ne"}]}
    response = api.post(path, {"name": "rulebook-renamed-again", **other})
    # a 400 or the field ignored: both keep the rule; what counts is that nothing else changed
    expect(rule.id, response.status_code < 500, expected="a 2xx or a 4xx to an update with testing_criteria",
           actual=response.status_code)
    now = precondition(api.get(path), "retrieving the eval")
    expect(rule.id, now.get("testing_criteria") == made.get("testing_criteria")
           and now.get("data_source_config") == made.get("data_source_config"),
           expected="testing_criteria and data_source_config as created", actual=now)


@pytest.mark.rule("evals.label_model_structured_outputs")
def test_label_model_needs_structured_outputs(api, rule, new_eval):
    without = new_eval(testing_criteria=[label_model(rule.params["without"])])
    with_it = new_eval(testing_criteria=[label_model(rule.params["model"])])
    expect_rejected(api.post(EVALS, without), rule.id, status=400,
                    why=f"a label_model grader on {rule.params['without']}",
                    control=lambda: api.post(EVALS, with_it))


@pytest.mark.rule("evals.list.limit_range")
@pytest.mark.parametrize("edge", ["min", "max"])
def test_list_limit_edges(api, rule, edge, make_eval):
    make_eval()
    inside = rule.params[edge]
    outside = inside - 1 if edge == "min" else inside + 1
    page = expect_accepted(api.get(EVALS, params={"limit": inside}), rule.id, why=f"limit={inside}")
    expect(rule.id, isinstance(page.get("data"), list) and len(page["data"]) <= inside,
           expected=f"a list of at most {inside} evals", actual=page)
    expect_rejected(api.get(EVALS, params={"limit": outside}), rule.id, status=400, param=rule.params["param"],
                    why=f"limit={outside}", control=lambda: api.get(EVALS, params={"limit": inside}))


@pytest.mark.rule("evals.list.order_default")
def test_list_is_oldest_first_by_default(api, rule, make_eval, server_clock):
    """Two evals created a moment apart: without order, the older comes first wherever both are listed."""
    older = make_eval(name="rulebook-older")
    server_clock.advance(1)  # a second apart: equal created_at may list in any order
    newer = make_eval(name="rulebook-newer")
    if older.get("created_at") == newer.get("created_at"):
        raise Inconclusive("both evals share a created_at: their order is not the rule's to judge")
    ids = []
    after = None
    for _ in range(20):  # walk the pages until both are seen
        page = expect_accepted(api.get(EVALS, params={"limit": 100, **({"after": after} if after else {})}), rule.id,
                               why="listing evals without order")
        ids += [item.get("id") for item in page.get("data") or []]
        if older["id"] in ids and newer["id"] in ids or not page.get("has_more") or not page.get("data"):
            break
        after = page["data"][-1].get("id")
    if older["id"] not in ids or newer["id"] not in ids:
        raise Inconclusive(f"the list did not show both evals: {ids[:10]}")
    expect(rule.id, ids.index(older["id"]) < ids.index(newer["id"]), expected="the older eval listed first",
           actual=ids)


@pytest.mark.rule("evals.delete_removes")
def test_delete_removes_the_eval(api, rule, make_eval):
    made = make_eval()
    answer = expect_accepted(api.delete(f"{EVALS}/{made['id']}"), rule.id, why="deleting an eval")
    expect(rule.id, answer.get("object") == rule.params["object"] and answer.get("deleted") is True
           and answer.get("eval_id") == made["id"], expected=f"{rule.params['object']}, deleted true, the eval_id",
           actual=answer)
    gone = api.get(f"{EVALS}/{made['id']}")
    expect(rule.id, gone.status_code == 404, expected="404 for the deleted eval",
           actual=f"{gone.status_code} {gone.text[:200]}")
