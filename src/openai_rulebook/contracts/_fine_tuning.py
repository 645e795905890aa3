"""Contract checks of the fine-tuning and evals rules that one exchange can show: what a create answers, what an
events page or a checkpoints page holds, what an eval delete answers. Each checks its rule's statement and no more."""

from __future__ import annotations

from typing import Any

from openai_rulebook.catalog import Rule
from openai_rulebook.checks import expect
from openai_rulebook.contracts._registry import Seen, contract


def _body(seen: Seen) -> dict[str, Any]:
    return seen.body if isinstance(seen.body, dict) else {}


def _items(seen: Seen) -> list[dict[str, Any]]:
    data = _body(seen).get("data")
    return [item if isinstance(item, dict) else {} for item in data] if isinstance(data, list) else []


def _limit(seen: Seen) -> int | None:
    value = seen.query.get("limit") if isinstance(seen.query, dict) else None
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _is_create(seen: Seen) -> bool:
    return seen.endpoint == "POST /v1/fine_tuning/jobs"


@contract("fine_tuning.endpoints_exist", when=_is_create)
def fine_tuning_job_created(rule: Rule, seen: Seen) -> None:
    body = _body(seen)
    expect(rule.id, body.get("object") in rule.params["values"], expected=f"object in {rule.params['values']}",
           actual=body.get("object"))
    expect(rule.id, body.get("status") in rule.params["statuses"], expected=f"status in {rule.params['statuses']}",
           actual=body.get("status"))


def _sent_hyperparameters(seen: Seen) -> bool:
    sent = seen.request_body if isinstance(seen.request_body, dict) else {}
    return _is_create(seen) and isinstance(sent.get("hyperparameters"), dict)


@contract("fine_tuning.deprecated_hyperparameters_accepted", when=_sent_hyperparameters)
def deprecated_hyperparameters_shown(rule: Rule, seen: Seen) -> None:
    sent = seen.request_body["hyperparameters"]
    shown = _body(seen).get("hyperparameters")
    shown = shown if isinstance(shown, dict) else {}
    for name, value in sent.items():
        expect(rule.id, shown.get(name) == value, expected=f"hyperparameters.{name} = {value!r} as sent",
               actual=shown.get(name))


@contract("fine_tuning.events.list.cursor_pagination",
          when=lambda seen: seen.endpoint == "GET /v1/fine_tuning/jobs/{fine_tuning_job_id}/events")
def events_page(rule: Rule, seen: Seen) -> None:
    body = _body(seen)
    expect(rule.id, body.get("object") == "list" and isinstance(body.get("has_more"), bool),
           expected="object: list with has_more", actual={key: body.get(key) for key in ("object", "has_more")})
    items = _items(seen)
    expect(rule.id, all(item.get("object") == "fine_tuning.job.event" for item in items),
           expected="fine_tuning.job.event items", actual=[item.get("object") for item in items])
    times = [item.get("created_at") for item in items]
    expect(rule.id, all(isinstance(time, int) for time in times) and times == sorted(times, reverse=True),
           expected="events newest first", actual=times)
    limit = _limit(seen)
    if limit is not None:
        expect(rule.id, len(items) <= limit, expected=f"at most limit={limit} events", actual=len(items))


@contract("fine_tuning.checkpoints.list.object_shape")
def checkpoints_page(rule: Rule, seen: Seen) -> None:
    body = _body(seen)
    expect(rule.id, body.get("object") == "list", expected="object: list", actual=body.get("object"))
    job_id = seen.ids.get("fine_tuning_job_id")
    for index, item in enumerate(_items(seen)):
        expect(rule.id, item.get("object") == rule.params["object"], expected=f"data[{index}].object = "
               f"{rule.params['object']!r}", actual=item.get("object"))
        expect(rule.id, item.get("fine_tuning_job_id") == job_id, expected=f"data[{index}] naming job {job_id}",
               actual=item.get("fine_tuning_job_id"))
        expect(rule.id, isinstance(item.get("step_number"), int) and not isinstance(item.get("step_number"), bool)
               and isinstance(item.get("fine_tuned_model_checkpoint"), str),
               expected=f"data[{index}] with an integer step_number and a checkpoint name", actual=item)
    limit = _limit(seen)
    if limit is not None:
        expect(rule.id, len(_items(seen)) <= limit, expected=f"at most limit={limit} checkpoints",
               actual=len(_items(seen)))


@contract("evals.endpoints_exist")
def eval_answered(rule: Rule, seen: Seen) -> None:
    body = _body(seen)
    expect(rule.id, body.get("object") in rule.params["values"] and isinstance(body.get("id"), str),
           expected=f"an object in {rule.params['values']} with an id", actual=body.get("object"))


@contract("evals.delete_removes", when=lambda seen: (seen.endpoint or "").startswith("DELETE "))
def eval_deleted(rule: Rule, seen: Seen) -> None:
    body = _body(seen)
    expect(rule.id, body.get("object") == rule.params["object"] and body.get("deleted") is True
           and body.get("eval_id") == seen.ids.get("eval_id"),
           expected=f"{rule.params['object']}, deleted true, eval_id {seen.ids.get('eval_id')!r}", actual=body)
