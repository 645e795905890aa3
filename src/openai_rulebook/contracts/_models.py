"""Contract checks of /v1/models: the list, a retrieved model, a deletion."""

from __future__ import annotations

from typing import Any

from openai_rulebook.catalog import Rule
from openai_rulebook.checks import expect
from openai_rulebook.contracts._registry import Seen, contract


def _body(seen: Seen) -> dict[str, Any]:
    return seen.body if isinstance(seen.body, dict) else {}


def _check_model(rule: Rule, model: Any, where: str) -> None:
    model = model if isinstance(model, dict) else {}
    expect(rule.id, model.get("object") == "model", expected=f"{where}object='model'", actual=model.get("object"))
    expect(rule.id, isinstance(model.get("id"), str), expected=f"{where}id a string", actual=model.get("id"))
    created = model.get("created")
    expect(rule.id, isinstance(created, int) and not isinstance(created, bool), expected=f"{where}created an integer",
           actual=created)
    expect(rule.id, isinstance(model.get("owned_by"), str), expected=f"{where}owned_by a string",
           actual=model.get("owned_by"))


@contract("models.list_objects")
def model_list(rule: Rule, seen: Seen) -> None:
    body = _body(seen)
    expect(rule.id, body.get("object") == "list", expected="object='list'", actual=body.get("object"))
    data = body.get("data")
    expect(rule.id, isinstance(data, list), expected="a data array", actual=data)
    for position, item in enumerate(data):
        _check_model(rule, item, f"data[{position}].")


@contract("models.retrieve")
def model_retrieved(rule: Rule, seen: Seen) -> None:
    body = _body(seen)
    _check_model(rule, body, "")
    asked = seen.ids.get("model")
    expect(rule.id, body.get("id") == asked, expected=f"id {asked!r} (the model asked for)", actual=body.get("id"))


@contract("models.delete_endpoint")
def model_deleted(rule: Rule, seen: Seen) -> None:
    body = _body(seen)
    asked = seen.ids.get("model")
    expect(rule.id, body.get("id") == asked, expected=f"id {asked!r}", actual=body.get("id"))
    expect(rule.id, body.get("deleted") is True, expected="deleted: true", actual=body.get("deleted"))
    expect(rule.id, isinstance(body.get("object"), str), expected="an object string", actual=body.get("object"))
