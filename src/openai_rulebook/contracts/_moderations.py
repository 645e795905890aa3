"""Contract checks of POST /v1/moderations: the answer, one result per input, the categories and their input types."""

from __future__ import annotations

from typing import Any

from openai_rulebook.catalog import Rule
from openai_rulebook.checks import expect
from openai_rulebook.contracts._registry import Seen, contract


def _sent(seen: Seen) -> dict[str, Any]:
    return seen.request_body if isinstance(seen.request_body, dict) else {}


def _results(seen: Seen) -> list[dict[str, Any]]:
    results = seen.body.get("results") if isinstance(seen.body, dict) else None
    return [result if isinstance(result, dict) else {} for result in results] if isinstance(results, list) else []


def expected_results(value: Any) -> int | None:
    """How many results ``input`` asks for: one per string of a string array, one for a string or a part array."""
    if isinstance(value, str):
        return 1
    if isinstance(value, list) and value:
        if all(isinstance(entry, str) for entry in value):
            return len(value)
        if all(isinstance(entry, dict) for entry in value):
            return 1
    return None


def input_types(value: Any) -> set[str]:
    """The input types ``input`` holds: text for strings and text parts, image for image_url parts."""
    if isinstance(value, str) or (isinstance(value, list) and all(isinstance(entry, str) for entry in value)):
        return {"text"}
    kinds = {entry.get("type") for entry in value if isinstance(entry, dict)} if isinstance(value, list) else set()
    return {"text" for kind in kinds if kind == "text"} | {"image" for kind in kinds if kind == "image_url"}


@contract("moderations.endpoints_exist")
def moderation_answer(rule: Rule, seen: Seen) -> None:
    body = seen.body if isinstance(seen.body, dict) else {}
    expect(rule.id, isinstance(body.get("id"), str), expected="a string id", actual=body.get("id"))
    expect(rule.id, isinstance(body.get("model"), str), expected="a string model", actual=body.get("model"))
    expect(rule.id, isinstance(body.get("results"), list), expected="a results array", actual=body.get("results"))
    for position, result in enumerate(_results(seen)):
        shaped = isinstance(result.get("flagged"), bool) and isinstance(result.get("categories"), dict) \
            and isinstance(result.get("category_scores"), dict)
        expect(rule.id, shaped, expected=f"results[{position}] with flagged, categories and category_scores",
               actual=sorted(result))


@contract("moderations.input_shapes")
def moderation_inputs(rule: Rule, seen: Seen) -> None:
    wanted = expected_results(_sent(seen).get("input"))
    if wanted is not None:
        expect(rule.id, len(_results(seen)) == wanted, expected=f"{wanted} result(s) for the input's shape",
               actual=len(_results(seen)))


@contract("moderations.result_shape")
def moderation_results(rule: Rule, seen: Seen) -> None:
    for position, result in enumerate(_results(seen)):
        categories = result.get("categories") if isinstance(result.get("categories"), dict) else {}
        scores = result.get("category_scores") if isinstance(result.get("category_scores"), dict) else {}
        expect(rule.id, set(categories) == set(scores), expected=f"results[{position}]: the same categories in "
               "categories and category_scores", actual=sorted(set(categories) ^ set(scores)))
        expect(rule.id, all(isinstance(flag, bool) for flag in categories.values()),
               expected=f"results[{position}].categories booleans", actual=categories)
        expect(rule.id, all(isinstance(score, (int, float)) and not isinstance(score, bool) and 0 <= score <= 1
                            for score in scores.values()),
               expected=f"results[{position}].category_scores numbers from 0 to 1", actual=scores)
        expect(rule.id, result.get("flagged") == any(categories.values()),
               expected=f"results[{position}].flagged == any category flagged", actual=result.get("flagged"))


def _omni(seen: Seen) -> bool:
    model = _sent(seen).get("model")
    return isinstance(model, str) and model.startswith("omni-moderation")


@contract("moderations.applied_input_types", when=_omni)
def moderation_applied_types(rule: Rule, seen: Seen) -> None:
    allowed = {str(kind) for kind in rule.params["types"]}
    sent = input_types(_sent(seen).get("input"))
    for position, result in enumerate(_results(seen)):
        applied = result.get("category_applied_input_types")
        expect(rule.id, isinstance(applied, dict), expected=f"results[{position}].category_applied_input_types",
               actual=applied)
        categories = result.get("categories") if isinstance(result.get("categories"), dict) else {}
        expect(rule.id, set(applied) == set(categories), expected=f"results[{position}]: the categories of "
               "categories in category_applied_input_types", actual=sorted(set(applied) ^ set(categories)))
        for category, kinds in applied.items():
            ok = isinstance(kinds, list) and set(kinds) <= allowed & sent
            expect(rule.id, ok, expected=f"results[{position}].category_applied_input_types[{category!r}] within "
                   f"the input's types {sorted(sent)}", actual=kinds)
