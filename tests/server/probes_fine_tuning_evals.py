"""Fault probes for the fine_tuning and evals rules (``test_faults.py`` runs them): one per rule, passing while the
server keeps the rule. A probe reads only what its rule says, so that another rule's fault leaves it passing.

Loaded by path, so pytest does not rewrite its asserts: each carries its own message."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from openai_rulebook.server.files.stored import add_file

JOBS = "/v1/fine_tuning/jobs"
EVALS = "/v1/evals"
ADMIN = {"Authorization": "Bearer sk-admin-probe"}


def _example(content: Any = "hi") -> str:
    return json.dumps({"messages": [{"role": "user", "content": content}, {"role": "assistant", "content": "x"}]})


TEXT = (_example() + "\n").encode() * 10
AUDIO = (_example([{"type": "input_audio", "input_audio": {"data": "eA==", "format": "wav"}}]) + "\n").encode()


def _ok(response) -> dict[str, Any]:
    assert response.status_code in (200, 201), f"expected 2xx, got {response.status_code}: {response.text}"
    return response.json()


def _refused(response, status: int = 400) -> None:
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text}"


def _file(server, content: bytes = TEXT, purpose: str = "fine-tune") -> str:
    return add_file(server.state, filename="t.jsonl", purpose=purpose, size=len(content), content=content).id


def _create(server, content: bytes = TEXT, **fields: Any):
    return server.api.post(JOBS, json={"model": "gpt-4o-mini", "training_file": _file(server, content), **fields})


def _job_id(server, **fields: Any) -> str:
    """A job's id; read with .get so that the create's object type (another rule) does not matter here."""
    return _ok(_create(server, **fields))["id"]


def _status(server, job_id: str) -> dict[str, Any]:
    return _ok(server.api.get(f"{JOBS}/{job_id}"))


def probe_endpoints_exist(server):
    assert _ok(_create(server))["object"] == "fine_tuning.job", "the create answers a fine_tuning.job"


def probe_training_file_purpose(server):
    for param in ("training_file", "validation_file"):
        body = {"model": "gpt-4o-mini", "training_file": _file(server), "validation_file": _file(server)}
        _refused(server.api.post(JOBS, json={**body, param: _file(server, purpose="batch")}))
        _ok(server.api.post(JOBS, json=body))


def probe_text_and_image_only(server):
    job_id = _ok(_create(server, AUDIO * 10))["id"]
    server.clock.advance(10)
    assert _status(server, job_id)["status"] == "failed", "a job with audio parts fails validation"


FUNCTIONS = (json.dumps({"messages": [{"role": "user", "content": "hi"}], "functions": [{"name": "f"}]})
             + "\n").encode() * 10


def probe_deprecated_functions(server):
    job_id = _ok(_create(server, FUNCTIONS))["id"]
    server.clock.advance(10)
    assert _status(server, job_id)["status"] == "succeeded", "examples with functions pass validation"


def probe_deprecated_hyperparameters(server):
    job = _ok(_create(server, hyperparameters={"n_epochs": 1}))
    assert job["hyperparameters"]["n_epochs"] == 1, "top-level hyperparameters are accepted and shown"


def probe_suffix(server):
    _ok(_create(server, suffix="s" * 64))
    _refused(_create(server, suffix="s" * 65))


def probe_seed(server):
    for inside, outside in ((0, -1), (2_147_483_647, 2_147_483_648)):
        _ok(_create(server, seed=inside))
        _refused(_create(server, seed=outside))


def probe_method_type(server):
    _ok(_create(server, method={"type": "supervised"}))
    _refused(_create(server, method={"type": "distillation"}))


def probe_list_limit(server):
    _ok(server.api.get(JOBS, params={"limit": 100}))
    _refused(server.api.get(JOBS, params={"limit": 101}))
    _refused(server.api.get(JOBS, params={"limit": 0}))


def probe_events(server):
    job_id = _job_id(server)
    _ok(server.api.post(f"{JOBS}/{job_id}/cancel"))
    events = _ok(server.api.get(f"{JOBS}/{job_id}/events"))["data"]
    first = _ok(server.api.get(f"{JOBS}/{job_id}/events", params={"limit": 1}))["data"]
    rest = _ok(server.api.get(f"{JOBS}/{job_id}/events", params={"after": first[0]["id"]}))["data"]
    assert (
        [event["id"] for event in rest] == [event["id"] for event in events[1:]]
    ), "the events after a cursor, without it"


def _succeeded(server) -> str:
    job_id = _job_id(server)
    server.clock.advance(10)
    return job_id


def probe_checkpoints(server):
    job_id = _succeeded(server)
    page = _ok(server.api.get(f"{JOBS}/{job_id}/checkpoints"))
    assert (
        page["data"] and all(item["object"] == "fine_tuning.job.checkpoint" for item in page["data"])
    ), "fine_tuning.job.checkpoint items"


def probe_status_lifecycle(server):
    job = _status(server, _succeeded(server))
    assert (
        job["status"] == "succeeded" and job["fine_tuned_model"] and job["finished_at"]
    ), "a succeeded job names its model"


def probe_cancel_lifecycle(server):
    job_id = _job_id(server)
    assert _ok(server.api.post(f"{JOBS}/{job_id}/cancel"))["status"] == "cancelled", "the cancel answers cancelled"
    server.clock.advance(10)
    assert _status(server, job_id)["status"] == "cancelled", "a cancelled job stays cancelled"


def probe_pause_resume(server):
    job_id = _job_id(server)
    server.clock.advance(2)
    assert _ok(server.api.post(f"{JOBS}/{job_id}/pause"))["status"] == "paused", "the pause answers paused"
    server.clock.advance(10)
    assert _status(server, job_id)["status"] == "paused", "a paused job stays paused"
    assert _ok(server.api.post(f"{JOBS}/{job_id}/resume"))["status"] == "running", "the resume answers running"


def probe_permissions(server):
    job_id = _succeeded(server)
    name = _ok(server.api.get(f"{JOBS}/{job_id}/checkpoints"))["data"][0]["fine_tuned_model_checkpoint"]
    path = f"/v1/fine_tuning/checkpoints/{name}/permissions"
    _refused(server.api.get(path), 403)
    _ok(server.api.get(path, headers=ADMIN))


def _eval_body(**fields: Any) -> dict[str, Any]:
    return {"name": "e", "data_source_config": {"type": "custom", "item_schema": {"type": "object"}},
            "testing_criteria": [{"type": "string_check", "name": "s", "input": "a", "reference": "b",
                                  "operation": "eq"}], **fields}


def _label(model: str) -> list[dict[str, Any]]:
    return [{"type": "label_model", "name": "l", "model": model, "input": [], "labels": ["y"],
             "passing_labels": ["y"]}]


def probe_evals_endpoints(server):
    made = _ok(server.api.post(EVALS, json=_eval_body()))
    assert made["object"] == "eval", "the create answers an eval"
    assert (
        _ok(server.api.post(f"{EVALS}/{made['id']}", json={"name": "n"}))["object"] == "eval"
    ), "the update answers an eval"


def probe_evals_update_only(server):
    made = _ok(server.api.post(EVALS, json=_eval_body()))
    server.api.post(f"{EVALS}/{made['id']}", json={"name": "n", "testing_criteria": []})
    assert (
        _ok(server.api.get(f"{EVALS}/{made['id']}"))["testing_criteria"] == made["testing_criteria"]
    ), "testing_criteria unchanged by an update"


def probe_evals_label_model(server):
    _ok(server.api.post(EVALS, json=_eval_body(testing_criteria=_label("gpt-4o-mini"))))
    _refused(server.api.post(EVALS, json=_eval_body(testing_criteria=_label("gpt-3.5-turbo"))))


def probe_evals_limit(server):
    _ok(server.api.get(EVALS, params={"limit": 100}))
    _refused(server.api.get(EVALS, params={"limit": 101}))
    _refused(server.api.get(EVALS, params={"limit": 0}))


def probe_evals_order_default(server):
    first = _ok(server.api.post(EVALS, json=_eval_body()))["id"]
    server.clock.advance(1)
    second = _ok(server.api.post(EVALS, json=_eval_body()))["id"]
    assert (
        [item["id"] for item in _ok(server.api.get(EVALS))["data"]] == [first, second]
    ), "evals oldest first by default"


def probe_evals_delete(server):
    made = _ok(server.api.post(EVALS, json=_eval_body()))
    assert _ok(server.api.delete(f"{EVALS}/{made['id']}"))["deleted"] is True, "the delete answers deleted: true"
    _refused(server.api.get(f"{EVALS}/{made['id']}"), 404)


PROBES: dict[str, Callable[[Any], None]] = {
    "fine_tuning.endpoints_exist": probe_endpoints_exist,
    "fine_tuning.training_file_purpose": probe_training_file_purpose,
    "fine_tuning.text_and_image_inputs_only": probe_text_and_image_only,
    "fine_tuning.deprecated_hyperparameters_accepted": probe_deprecated_hyperparameters,
    "fine_tuning.deprecated_functions_accepted": probe_deprecated_functions,
    "fine_tuning.suffix_max_length": probe_suffix,
    "fine_tuning.seed_range": probe_seed,
    "fine_tuning.method_type_values": probe_method_type,
    "fine_tuning.list.limit_range": probe_list_limit,
    "fine_tuning.events.list.cursor_pagination": probe_events,
    "fine_tuning.checkpoints.list.object_shape": probe_checkpoints,
    "fine_tuning.status_lifecycle": probe_status_lifecycle,
    "fine_tuning.cancel_lifecycle": probe_cancel_lifecycle,
    "fine_tuning.checkpoint_permissions_admin_key": probe_permissions,
    "fine_tuning.pause_resume": probe_pause_resume,
    "evals.endpoints_exist": probe_evals_endpoints,
    "evals.update_name_metadata_only": probe_evals_update_only,
    "evals.label_model_structured_outputs": probe_evals_label_model,
    "evals.list.limit_range": probe_evals_limit,
    "evals.list.order_default": probe_evals_order_default,
    "evals.delete_removes": probe_evals_delete,
}
