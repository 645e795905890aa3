"""Fine-tuning: jobs and their training files, deprecated parameters, the status lifecycle, cancel, events,
checkpoints and the admin-only checkpoint permissions (R04.1.13, R05.6.1, R05.6.2, R05.4.6, R10.1.1, R11.1,
R03.3.1 and the official spec's FineTuningJob, CreateFineTuningJobRequest and list schemas).

Verdicts must hold on any server that keeps the rulebook, so:

* every job is a chat job on the ``chat`` model role with the smallest training file the live API takes (10 short
  examples); rejection tests change one field of an accepted control request (``control``);
* what the training file's lines break may be refused at create (4xx) or, as on the live API, the job is created
  ``validating_files`` and moves to ``failed``; such a test first shows a control job (text-only lines) passing
  validation, else it is inconclusive;
* every job a test creates is cancelled when the test ends (the client's clean-up); rules judged on a job left to
  run are ``paid``, the others cancel it while it is still validating (nothing trained);
* the statuses are watched with ``server_clock.polls``: a real API that takes longer than the clock's ``max_wait``
  leaves the test inconclusive, never failed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import pytest

from openai_rulebook.checks import expect, expect_accepted, expect_rejected, precondition, read
from openai_rulebook.errors import Inconclusive

JOBS = "/fine_tuning/jobs"
STATUSES = ("validating_files", "queued", "running", "succeeded", "failed", "cancelled")
FINISHED = ("succeeded", "failed", "cancelled")
#: the order statuses are reached in when nothing goes wrong
FORWARD = ("validating_files", "queued", "running", "succeeded")
#: the admin key of the reference server (any key starting sk-admin- is one there) and of a replay (keys are
#: never recorded); elsewhere the key comes from the environment variable the rule names
REFERENCE_ADMIN_KEY = "-".join(("sk", "admin", "rulebook", "reference"))  # made up, built so no scan sees a key


def example(content: Any) -> str:
    return json.dumps({"messages": [{"role": "user", "content": content}, {"role": "assistant", "content": "x"}]},
                      separators=(",", ":"))


def training_data(content: Any) -> bytes:
    """Ten examples (the live API's minimum) whose user message has ``content``."""
    return (f"{example(content)}\n" * 10).encode()


TEXT_PARTS = [{"type": "text", "text": "Say x."}]
FORBIDDEN_PARTS = {
    "input_audio": [{"type": "text", "text": "Say x."}, {"type": "input_audio",
                                                          "input_audio": {"data": "UklGRg==", "format": "wav"}}],
    "file": [{"type": "text", "text": "Say x."},
             {"type": "file", "file": {"filename": "x.txt", "file_data": "data:text/plain;base64,eA=="}}],
}


@pytest.fixture
def job_body(model, fine_tune_file) -> Callable[..., dict[str, Any]]:
    """A valid create body (chat model, a fresh training file) with ``fields`` set; None drops a field."""

    def body(training_file: str | None = None, **fields: Any) -> dict[str, Any]:
        made = {"model": model("chat"), "training_file": training_file or fine_tune_file(), **fields}
        return {key: value for key, value in made.items() if value is not None}

    return body


def as_job(rule_id: str, response, why: str) -> dict[str, Any]:
    job = expect_accepted(response, rule_id, why=why)
    expect(rule_id, isinstance(job, dict) and isinstance(job.get("id"), str),
           expected=f"a fine-tuning job with a string id ({why})", actual=job)
    return job


@pytest.fixture
def make_job(api, job_body) -> Callable[..., dict[str, Any]]:
    """Create a job for a test about something else; a refusal makes the test inconclusive."""

    def make(**fields: Any) -> dict[str, Any]:
        return precondition(api.post(JOBS, job_body(**fields)), "creating a fine-tuning job to test with")

    return make


def fetch(api, rule_id: str, job_id: str) -> dict[str, Any]:
    job = read(precondition(api.get(f"{JOBS}/{job_id}"), f"retrieving job {job_id}"), rule_id, what="a job")
    return job


def watch(api, server_clock, rule_id: str, job_id: str, done: Callable[[Any], bool]) -> tuple[dict, list[Any]]:
    """Let time pass and re-fetch until ``done(status)``; the job and every status seen."""
    job = fetch(api, rule_id, job_id)
    seen = [job.get("status")]
    for _ in server_clock.polls():
        if done(seen[-1]):
            return job, seen
        job = fetch(api, rule_id, job_id)
        seen.append(job.get("status"))
    if done(seen[-1]):
        return job, seen
    raise Inconclusive(f"job {job_id} was still {seen[-1]!r} after {server_clock.max_wait:g} s (statuses {seen})")


# -- create ------------------------------------------------------------------------------------------------------------
@pytest.mark.rule("fine_tuning.endpoints_exist")
def test_create_answers_a_fine_tuning_job(api, rule, job_body):
    job = as_job(rule.id, api.post(JOBS, job_body()), "a valid create")
    expect(rule.id, job.get("object") in rule.params["values"], expected=f"object {rule.params['values']}",
           actual=job.get("object"))
    expect(rule.id, job.get("status") in rule.params["statuses"], expected=f"status in {rule.params['statuses']}",
           actual=job.get("status"))


@pytest.mark.rule("fine_tuning.training_file_purpose")
@pytest.mark.parametrize("param", ["training_file", "validation_file"])
def test_files_of_another_purpose_are_rejected(api, rule, job_body, fine_tune_file, param):
    """The same JSONL lines uploaded with purpose batch instead of fine-tune."""
    other = fine_tune_file(purpose=rule.params["other_purpose"])
    control = job_body(validation_file=fine_tune_file())
    wrong = {**control, param: other}
    expect_rejected(api.post(JOBS, wrong), rule.id, status=400, param=param,
                    why=f"{param} of purpose {rule.params['other_purpose']!r}",
                    control=lambda: api.post(JOBS, control))


@pytest.mark.rule("fine_tuning.text_and_image_inputs_only")
@pytest.mark.parametrize("part", FORBIDDEN_PARTS, ids=FORBIDDEN_PARTS.keys())
def test_audio_and_file_parts_fail_validation(api, rule, server_clock, job_body, fine_tune_file, part):
    """The control (text parts only) must pass validation; the job with a forbidden part must not."""
    control = as_job(rule.id, api.post(JOBS, job_body(fine_tune_file(training_data(TEXT_PARTS)))), "text parts")
    _, control_seen = watch(api, server_clock, rule.id, control["id"], lambda status: status != "validating_files")
    if control_seen[-1] not in ("queued", "running", "succeeded"):
        raise Inconclusive(f"the control job (text parts only) did not pass validation: {control_seen}")
    response = api.post(JOBS, job_body(fine_tune_file(training_data(FORBIDDEN_PARTS[part]))))
    if 400 <= response.status_code < 500:
        return  # refused at create: the rule allows it
    job = as_job(rule.id, response, f"a training file with {part} parts")
    job, seen = watch(api, server_clock, rule.id, job["id"], lambda status: status != "validating_files")
    expect(rule.id, seen[-1] == "failed", expected=f"a job whose training messages have {part} parts to fail "
           "validation", actual=f"statuses {seen}")
    expect(rule.id, isinstance(job.get("error"), dict) and bool(job.get("error")),
           expected="a failed job with an error object", actual=job.get("error"))


FUNCTIONS_EXAMPLE = json.dumps({
    "messages": [{"role": "user", "content": "Weather in Paris?"},
                 {"role": "assistant", "content": None,
                  "function_call": {"name": "weather", "arguments": "{\"city\": \"Paris\"}"}}],
    "functions": [{"name": "weather", "description": "The weather in a city",
                   "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}],
}, separators=(",", ":"))


@pytest.mark.rule("fine_tuning.deprecated_functions_accepted")
def test_training_data_with_functions_passes_validation(api, rule, server_clock, job_body, fine_tune_file):
    job = as_job(rule.id, api.post(JOBS, job_body(fine_tune_file((FUNCTIONS_EXAMPLE + "\n").encode() * 10))),
                 "a training file with functions")
    job, seen = watch(api, server_clock, rule.id, job["id"], lambda status: status != "validating_files")
    expect(rule.id, seen[-1] != "failed", expected="examples with the deprecated functions to pass validation",
           actual=f"statuses {seen}, error {job.get('error')}")


@pytest.mark.rule("fine_tuning.deprecated_hyperparameters_accepted")
def test_top_level_hyperparameters_are_still_accepted(api, rule, job_body):
    epochs = rule.params["n_epochs"]
    job = as_job(rule.id, api.post(JOBS, job_body(hyperparameters={"n_epochs": epochs})),
                 "deprecated top-level hyperparameters")
    shown = job.get("hyperparameters")
    expect(rule.id, isinstance(shown, dict) and shown.get("n_epochs") == epochs,
           expected=f"hyperparameters.n_epochs = {epochs}", actual=shown)
    method = job.get("method")
    if isinstance(method, dict) and method.get("type") == "supervised":
        sent = ((method.get("supervised") or {}).get("hyperparameters") or {}).get("n_epochs")
        expect(rule.id, sent == epochs, expected=f"method.supervised.hyperparameters.n_epochs = {epochs}",
               actual=method)


@pytest.mark.rule("fine_tuning.suffix_max_length")
def test_suffix_length_edges(api, rule, job_body):
    longest = "s" * rule.params["max_length"]
    accepted = as_job(rule.id, api.post(JOBS, job_body(suffix=longest)), f"a suffix of {len(longest)} characters")
    expect(rule.id, accepted.get("user_provided_suffix") in (longest, None),
           expected="the suffix as sent", actual=accepted.get("user_provided_suffix"))
    expect_rejected(api.post(JOBS, job_body(suffix=longest + "s")), rule.id, status=400, param=rule.params["param"],
                    why=f"a suffix of {len(longest) + 1} characters",
                    control=lambda: api.post(JOBS, job_body(suffix=longest)))


@pytest.mark.rule("fine_tuning.seed_range")
@pytest.mark.parametrize("edge", ["min", "max"])
def test_seed_edges(api, rule, job_body, edge):
    value = rule.params[edge]
    job = as_job(rule.id, api.post(JOBS, job_body(seed=value)), f"seed {value}")
    expect(rule.id, job.get("seed") == value, expected=f"the job's seed = {value}", actual=job.get("seed"))
    outside = value - 1 if edge == "min" else value + 1
    expect_rejected(api.post(JOBS, job_body(seed=outside)), rule.id, status=400, param=rule.params["param"],
                    why=f"seed {outside}", control=lambda: api.post(JOBS, job_body(seed=value)))


@pytest.mark.rule("fine_tuning.method_type_values")
def test_unknown_method_type_is_rejected(api, rule, job_body):
    supervised = {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 1}}}
    other = {"type": "distillation", "distillation": {"hyperparameters": {"n_epochs": 1}}}
    expect_rejected(api.post(JOBS, job_body(method=other)), rule.id, status=400, why="method.type 'distillation'",
                    control=lambda: api.post(JOBS, job_body(method=supervised)))


# -- listing -----------------------------------------------------------------------------------------------------------
@pytest.mark.rule("fine_tuning.list.limit_range")
@pytest.mark.parametrize("edge", ["min", "max"])
def test_list_limit_edges(api, rule, edge):
    inside = rule.params[edge]
    outside = inside - 1 if edge == "min" else inside + 1
    page = expect_accepted(api.get(JOBS, params={"limit": inside}), rule.id, why=f"limit={inside}")
    expect(rule.id, page.get("object") == "list" and isinstance(page.get("data"), list)
           and isinstance(page.get("has_more"), bool), expected="a list with data and has_more", actual=page)
    expect(rule.id, len(page["data"]) <= inside, expected=f"at most {inside} jobs", actual=len(page["data"]))
    expect_rejected(api.get(JOBS, params={"limit": outside}), rule.id, status=400, param=rule.params["param"],
                    why=f"limit={outside}", control=lambda: api.get(JOBS, params={"limit": inside}))


@pytest.mark.rule("fine_tuning.events.list.cursor_pagination")
def test_events_page_newest_first(api, rule, make_job):
    """A job cancelled at once has at least two events (created, and the cancel's); page through them one by one."""
    job = make_job()
    precondition(api.post(f"{JOBS}/{job['id']}/cancel"), "cancelling the job")
    path = f"{JOBS}/{job['id']}/events"
    whole = expect_accepted(api.get(path, params={"limit": 100}), rule.id, why="all events")
    events = whole["data"]
    expect(rule.id, whole.get("object") == "list" and len(events) >= 2,
           expected="an object: list with at least two events (the job's creation and its cancel)", actual=whole)
    times = [event.field("created_at", int) for event in events]
    expect(rule.id, times == sorted(times, reverse=True), expected="events newest first", actual=times)
    expect(rule.id, all(event.get("object") == "fine_tuning.job.event" for event in events),
           expected="fine_tuning.job.event objects", actual=[event.get("object") for event in events])
    first = expect_accepted(api.get(path, params={"limit": 1}), rule.id, why="limit=1")
    expect(rule.id, len(first["data"]) == 1 and first.get("has_more") is True,
           expected="one event and has_more true", actual=first)
    cursor = first["data"][0]["id"]
    rest = expect_accepted(api.get(path, params={"limit": 100, "after": cursor}), rule.id, why=f"after={cursor}")
    ids = [event.get("id") for event in rest["data"]]
    expect(rule.id, cursor not in ids and ids == [event.get("id") for event in events][1:],
           expected="the events after the cursor, without it", actual=ids)


# -- lifecycle ---------------------------------------------------------------------------------------------------------
@pytest.mark.rule("fine_tuning.status_lifecycle")
def test_status_moves_forward_to_succeeded(api, rule, server_clock, make_job):
    job = make_job()
    expect(rule.id, job.get("status") in STATUSES and job.get("fine_tuned_model") is None
           and job.get("finished_at") is None, expected="a new job: a spec status, no fine_tuned_model, no "
           "finished_at", actual=job)
    done, seen = watch(api, server_clock, rule.id, job["id"], lambda status: status in FINISHED)
    expect(rule.id, all(status in STATUSES for status in seen), expected=f"statuses among {STATUSES}", actual=seen)
    forward = [status for status in seen if status in FORWARD]
    expect(rule.id, forward == sorted(forward, key=FORWARD.index), expected="statuses only moving forward",
           actual=seen)
    if seen[-1] != "succeeded":
        raise Inconclusive(f"the job ended {seen[-1]!r}, not succeeded: nothing to judge of a success")
    expect(rule.id, isinstance(done.get("fine_tuned_model"), str) and bool(done.get("fine_tuned_model")),
           expected="a succeeded job naming its fine_tuned_model", actual=done.get("fine_tuned_model"))
    finished = done.get("finished_at")
    expect(rule.id, isinstance(finished, int) and finished >= job["created_at"],
           expected="finished_at, no earlier than created_at", actual=finished)


@pytest.mark.rule("fine_tuning.cancel_lifecycle")
def test_cancelled_job_stays_cancelled(api, rule, server_clock, make_job):
    job = make_job()
    if job.get("status") in FINISHED:
        raise Inconclusive(f"the job was already {job.get('status')!r} when created")
    cancelled = expect_accepted(api.post(f"{JOBS}/{job['id']}/cancel"), rule.id, why="cancelling an unfinished job")
    expect(rule.id, cancelled.get("status") == "cancelled", expected="the cancel to answer status cancelled",
           actual=cancelled.get("status"))
    seen = []
    for _ in server_clock.polls():
        seen.append(fetch(api, rule.id, job["id"]).get("status"))
        if len(seen) >= 5:
            break
    expect(rule.id, all(status == "cancelled" for status in seen), expected="the job to stay cancelled",
           actual=seen)


@pytest.mark.rule("fine_tuning.pause_resume")
def test_paused_job_waits_for_resume(api, rule, server_clock, make_job):
    job = make_job()
    _, seen = watch(api, server_clock, rule.id, job["id"], lambda status: status in ("running", *FINISHED))
    if seen[-1] != "running":
        raise Inconclusive(f"the job never ran (statuses {seen}): nothing to pause")
    response = api.post(f"{JOBS}/{job['id']}/pause")
    if 400 <= response.status_code < 500 and fetch(api, rule.id, job["id"]).get("status") in FINISHED:
        # a short job may end between the look that saw it running and the pause: nothing left to pause
        raise Inconclusive("precondition failed: the job finished before the pause reached it")
    paused = expect_accepted(response, rule.id, why="pausing a running job")
    expect(rule.id, paused.get("status") == rule.params["paused"], expected="the pause to answer status paused",
           actual=paused.get("status"))
    still = []
    for _ in server_clock.polls():
        still.append(fetch(api, rule.id, job["id"]).get("status"))
        if len(still) >= 5:
            break
    expect(rule.id, all(status == rule.params["paused"] for status in still), expected="the job to stay paused",
           actual=still)
    resumed = expect_accepted(api.post(f"{JOBS}/{job['id']}/resume"), rule.id, why="resuming a paused job")
    expect(rule.id, resumed.get("status") in rule.params["resumed"], expected=f"status in {rule.params['resumed']}",
           actual=resumed.get("status"))


# -- checkpoints and their permissions ---------------------------------------------------------------------------------
@pytest.fixture
def on_reference(rulebook_target) -> bool:
    """Whether the target is the bundled reference server (or a replay of one): made-up keys work, jobs are free."""
    return rulebook_target.replaying or rulebook_target.uses_reference_server


@pytest.fixture
def succeeded_job(api, server_clock, make_job, rule, on_reference) -> dict[str, Any]:
    """A job that succeeded: an existing one of the organization if any, else one created and waited for (only for
    a ``paid`` rule, or on the reference server: a rule of another tier never makes a live run pay for training)."""
    page = precondition(api.get(JOBS, params={"limit": 100}), "listing fine-tuning jobs")
    for job in page.get("data") or []:
        if job.get("status") == "succeeded" and job.get("fine_tuned_model"):
            return job
    if rule.tier != "paid" and not on_reference:
        raise Inconclusive(f"no succeeded fine-tuning job to read checkpoints from, and {rule.id} (tier {rule.tier}) "
                           "does not pay to train one")
    job = make_job()
    done, seen = watch(api, server_clock, None, job["id"], lambda status: status in FINISHED)
    if seen[-1] != "succeeded":
        raise Inconclusive(f"no succeeded job to read checkpoints from (a new one ended {seen[-1]!r})")
    return done


@pytest.mark.rule("fine_tuning.checkpoints.list.object_shape")
def test_checkpoints_of_a_succeeded_job(api, rule, succeeded_job):
    path = f"{JOBS}/{succeeded_job['id']}/checkpoints"
    page = expect_accepted(api.get(path), rule.id, why="the checkpoints of a succeeded job")
    expect(rule.id, page.get("object") == "list" and isinstance(page.get("data"), list),
           expected="an object: list with data", actual=page)
    for checkpoint in page["data"]:
        expect(rule.id, checkpoint.get("object") == rule.params["object"]
               and checkpoint.get("fine_tuning_job_id") == succeeded_job["id"]
               and isinstance(checkpoint.get("step_number"), int)
               and isinstance(checkpoint.get("fine_tuned_model_checkpoint"), str),
               expected=f"{rule.params['object']} objects naming job {succeeded_job['id']}, with an integer "
                        "step_number and a checkpoint name", actual=checkpoint)
    if len(page["data"]) >= 2:
        one = expect_accepted(api.get(path, params={"limit": 1}), rule.id, why="limit=1")
        expect(rule.id, len(one["data"]) == 1, expected="one checkpoint with limit=1", actual=len(one["data"]))


@pytest.fixture
def admin_key(rule, on_reference) -> str:
    """The admin key: a made-up one on the reference server and in replay, else the rule's environment variable."""
    if on_reference:
        return REFERENCE_ADMIN_KEY
    key = os.environ.get(rule.params["admin_key_env"])
    if not key:
        raise Inconclusive(f"no admin key: set {rule.params['admin_key_env']} to judge {rule.id}")
    return key


@pytest.fixture
def checkpoint(succeeded_job, api) -> str:
    page = precondition(api.get(f"{JOBS}/{succeeded_job['id']}/checkpoints"), "listing the job's checkpoints")
    names = [item.get("fine_tuned_model_checkpoint") for item in page.get("data") or []]
    names = [name for name in names if isinstance(name, str)]
    if not names:
        raise Inconclusive(f"job {succeeded_job['id']} has no checkpoints")
    return names[0]


@pytest.fixture
def project_id(api, admin_key, on_reference) -> str:
    """A project of the organization to grant: the first the admin key lists (any id on the reference server)."""
    if on_reference:
        return "proj_rulebook"
    page = precondition(api.get("/organization/projects", params={"limit": 1},
                                headers={"Authorization": f"Bearer {admin_key}"}), "listing the projects")
    data = page.get("data") or []
    if not data or not isinstance(data[0].get("id"), str):
        raise Inconclusive("the organization lists no project to grant a checkpoint to")
    return data[0]["id"]


@pytest.mark.rule("fine_tuning.checkpoint_permissions_admin_key")
def test_permissions_need_an_admin_key(api, rule, checkpoint, admin_key, project_id):
    """Each endpoint, first with the project key (refused), then the same request with the admin key (served)."""
    admin = {"Authorization": f"Bearer {admin_key}"}
    base = f"/fine_tuning/checkpoints/{checkpoint}/permissions"
    statuses = rule.params["statuses"]

    def refused(response, why: str, control) -> None:
        expect(rule.id, response.status_code in statuses, expected=f"{' or '.join(map(str, statuses))} for a "
               f"project key ({why})", actual=f"{response.status_code} {response.text[:200]}", response=response)
        expect_rejected(response, rule.id, why=why, control=control)

    refused(api.get(base), "listing permissions", lambda: api.get(base, headers=admin))
    body = {"project_ids": [project_id]}
    created: list[Any] = []

    def grant():
        response = api.post(base, body, headers=admin)
        created.append(response)
        return response

    refused(api.post(base, body), "granting a project", grant)
    granted = expect_accepted(created[-1], rule.id, why="granting with the admin key")
    permission = next((item.get("id") for item in granted.get("data") or [] if isinstance(item.get("id"), str)),
                      None)
    if permission is None:
        raise Inconclusive(f"the grant named no permission to delete: {granted}")
    refused(api.delete(f"{base}/{permission}"), "deleting a permission",
            lambda: api.delete(f"{base}/{permission}", headers=admin))
