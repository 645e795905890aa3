"""Fine-tuning: create checks, the job lifecycle on the frozen clock, cancel, events, checkpoints, permissions."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from openai_rulebook.server import ServerState, create_app
from openai_rulebook.server.files.stored import add_file
from openai_rulebook.server.fine_tuning.jobs import QUEUED_SECONDS, RUNNING_SECONDS, VALIDATING_SECONDS

JOBS = "/v1/fine_tuning/jobs"
ADMIN = {"Authorization": "Bearer sk-admin-test"}
#: the job's keys, as real traffic shows them (fine_tuning.jsonl)
JOB_KEYS = {
    "object", "id", "model", "created_at", "finished_at", "fine_tuned_model", "organization_id", "result_files",
    "status", "validation_file", "training_file", "hyperparameters", "trained_tokens", "error",
    "user_provided_suffix", "seed", "estimated_finish", "integrations", "metadata", "usage_metrics",
    "shared_with_openai", "eval_id", "method",
}  # fmt: skip


def example(content: Any = "hi") -> str:
    return json.dumps({"messages": [{"role": "user", "content": content}, {"role": "assistant", "content": "x"}]})


TEXT = (example() + "\n").encode() * 10
AUDIO = (example([{"type": "input_audio", "input_audio": {"data": "eA==", "format": "wav"}}]) + "\n").encode()


@pytest.fixture
def upload(state: ServerState) -> Callable[..., str]:
    def make(content: bytes = TEXT, *, purpose: str = "fine-tune") -> str:
        return add_file(state, filename="train.jsonl", purpose=purpose, size=len(content), content=content).id

    return make


@pytest.fixture
def create(client: httpx.Client, upload) -> Callable[..., httpx.Response]:
    def post(content: bytes = TEXT, **fields: Any) -> httpx.Response:
        body = {"model": "gpt-4o-mini", "training_file": upload(content), **fields}
        return client.post(JOBS, json={key: value for key, value in body.items() if value is not None})

    return post


def test_create_answers_a_validating_job_in_real_traffics_shape(create):
    job = create().json()
    assert set(job) == JOB_KEYS
    assert job["object"] == "fine_tuning.job" and job["id"].startswith("ftjob-")
    assert job["status"] == "validating_files" and job["error"] == {} and job["fine_tuned_model"] is None
    assert job["method"] == {"type": "supervised", "supervised": {"hyperparameters": {
        "batch_size": "auto", "learning_rate_multiplier": "auto", "n_epochs": "auto"}}}
    assert job["hyperparameters"] == job["method"]["supervised"]["hyperparameters"]


def test_the_job_moves_forward_on_the_clock(create, client, clock):
    job = create(suffix="mine").json()
    seen = [job["status"]]
    for _ in range(VALIDATING_SECONDS + QUEUED_SECONDS + RUNNING_SECONDS):
        clock.advance(1)
        seen.append(client.get(f"{JOBS}/{job['id']}").json()["status"])
    assert seen == ["validating_files", "queued", *["running"] * RUNNING_SECONDS, "succeeded"]
    done = client.get(f"{JOBS}/{job['id']}").json()
    assert done["fine_tuned_model"].startswith("ft:gpt-4o-mini:rulebook:mine:")
    assert done["finished_at"] == job["created_at"] + VALIDATING_SECONDS + QUEUED_SECONDS + RUNNING_SECONDS
    assert done["trained_tokens"]
    checkpoints = client.get(f"{JOBS}/{job['id']}/checkpoints").json()
    assert [item["step_number"] for item in checkpoints["data"]] == [10, 9, 8]
    assert checkpoints["data"][0]["fine_tuned_model_checkpoint"] == done["fine_tuned_model"]


def test_audio_parts_fail_validation(create, client, clock):
    job = create(AUDIO * 10).json()
    clock.advance(VALIDATING_SECONDS)
    failed = client.get(f"{JOBS}/{job['id']}").json()
    assert failed["status"] == "failed" and failed["error"]["param"] == "training_file"


@pytest.mark.parametrize("param", ["training_file", "validation_file"])
def test_files_need_purpose_fine_tune(client, upload, expect_error, param):
    body = {"model": "gpt-4o-mini", "training_file": upload(), "validation_file": upload()}
    expect_error(client.post(JOBS, json={**body, param: upload(purpose="batch")}), 400, param=param)
    error = expect_error(client.post(JOBS, json={**body, param: "Invalid File Name"}), 400, param=param)
    assert error["message"] == f"invalid {param}: Invalid File Name"  # as real traffic words it


@pytest.mark.parametrize(("field", "value", "ok"), [
    ("suffix", "s" * 64, True), ("suffix", "s" * 65, False), ("suffix", "", False),
    ("seed", 0, True), ("seed", 2_147_483_647, True), ("seed", -1, False), ("seed", 2_147_483_648, False),
    ("method", {"type": "dpo"}, True), ("method", {"type": "distillation"}, False),
    ("hyperparameters", {"n_epochs": 1}, True),
])
def test_create_checks(create, field, value, ok):
    response = create(**{field: value})
    assert (response.status_code == 200) is ok, response.text
    if ok and field == "seed":
        assert response.json()["seed"] == value
    if ok and field == "hyperparameters":
        assert response.json()["method"]["supervised"]["hyperparameters"]["n_epochs"] == 1


def test_cancel_then_events_newest_first(create, client, clock):
    job = create().json()
    cancelled = client.post(f"{JOBS}/{job['id']}/cancel").json()
    assert cancelled["status"] == "cancelled"
    clock.advance(10)
    assert client.get(f"{JOBS}/{job['id']}").json()["status"] == "cancelled"
    assert client.post(f"{JOBS}/{job['id']}/cancel").status_code == 400
    events = client.get(f"{JOBS}/{job['id']}/events").json()
    assert set(events) == {"object", "data", "has_more"}
    assert [event["level"] for event in events["data"]] == ["warn", "info", "info"]
    first = client.get(f"{JOBS}/{job['id']}/events", params={"limit": 1}).json()
    assert first["has_more"] is True and first["data"] == events["data"][:1]
    rest = client.get(f"{JOBS}/{job['id']}/events", params={"after": first["data"][0]["id"]}).json()
    assert rest["data"] == events["data"][1:]


def test_list_limits(create, client, expect_error):
    create()
    assert client.get(JOBS, params={"limit": 100}).status_code == 200
    expect_error(client.get(JOBS, params={"limit": 101}), 400, param="limit")
    assert set(client.get(JOBS).json()) == {"object", "data", "has_more"}


def test_permissions_need_an_admin_key(create, client, clock, expect_error):
    job = create().json()
    clock.advance(10)
    name = client.get(f"{JOBS}/{job['id']}/checkpoints").json()["data"][0]["fine_tuned_model_checkpoint"]
    path = f"/v1/fine_tuning/checkpoints/{name}/permissions"
    expect_error(client.get(path), 403)
    granted = client.post(path, json={"project_ids": ["proj_1"]}, headers=ADMIN).json()
    assert granted["data"][0]["object"] == "checkpoint.permission"
    listed = client.get(path, headers=ADMIN).json()
    assert [item["project_id"] for item in listed["data"]] == ["proj_1"]
    expect_error(client.delete(f"{path}/{granted['data'][0]['id']}"), 403)
    assert client.delete(f"{path}/{granted['data'][0]['id']}", headers=ADMIN).json()["deleted"] is True
    expect_error(client.get("/v1/fine_tuning/checkpoints/ft:nothing/permissions", headers=ADMIN), 404)


# -- faults, beyond breaking their rule (test_faults.py checks that) -------------------------------------------------
def test_cancel_fault_lets_the_job_run_on(client_for, upload):
    app = create_app(faults=["fine_tuning.cancel_does_not_stop"])
    state = app.state.rulebook
    client = client_for(app)
    file_id = add_file(state, filename="t.jsonl", purpose="fine-tune", size=len(TEXT), content=TEXT).id
    job = client.post(JOBS, json={"model": "gpt-4o-mini", "training_file": file_id}).json()
    assert client.post(f"{JOBS}/{job['id']}/cancel").json()["status"] == "cancelled"
    state.clock.advance(10)
    assert client.get(f"{JOBS}/{job['id']}").json()["status"] == "succeeded"


def test_pause_holds_the_job_until_resumed(create, client, clock, expect_error):
    job = create().json()
    expect_error(client.post(f"{JOBS}/{job['id']}/pause"), 400)  # still validating: nothing to pause
    clock.advance(VALIDATING_SECONDS + QUEUED_SECONDS)
    assert client.post(f"{JOBS}/{job['id']}/pause").json()["status"] == "paused"
    clock.advance(60)
    assert client.get(f"{JOBS}/{job['id']}").json()["status"] == "paused"
    assert client.post(f"{JOBS}/{job['id']}/resume").json()["status"] == "running"
    clock.advance(RUNNING_SECONDS - 1)
    assert client.get(f"{JOBS}/{job['id']}").json()["status"] == "running"  # the paused minute is not counted
    clock.advance(1)
    assert client.get(f"{JOBS}/{job['id']}").json()["status"] == "succeeded"
