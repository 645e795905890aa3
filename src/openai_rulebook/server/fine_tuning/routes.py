"""Fine-tuning jobs: create, list, retrieve, cancel, and each job's events and checkpoints, in the shapes of the
official spec and of real traffic (``fine_tuning.jsonl``).

Create checks the request itself (training and validation files that exist with purpose ``fine-tune``, ``suffix``,
``seed``, ``method.type``, metadata) and rejects it with a 400 naming the parameter, as the live API does
(``invalid training_file: …``). What the files' lines break shows later: the job is created ``validating_files`` and
moves to ``failed`` (``jobs``, ``training_data``). The deprecated top-level ``hyperparameters`` (R10.1.1) is still
accepted and becomes the supervised method's.
"""

from __future__ import annotations

import random
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict

from openai_rulebook.server.core.errors import APIError, not_found
from openai_rulebook.server.core.faults import Fault, Rules, RulesDep, register
from openai_rulebook.server.core.model_table import model as served_model
from openai_rulebook.server.core.pagination import ListRules, list_page
from openai_rulebook.server.core.state import Collection, ServerState, StateDep
from openai_rulebook.server.files.stored import find_file
from openai_rulebook.server.fine_tuning.jobs import Job, add_event, cancel, pause, resume, settle
from openai_rulebook.server.fine_tuning.training_data import check_training_data
from openai_rulebook.server.metadata.pairs import check_metadata
from openai_rulebook.server.requests.bodies import json_body

ENDPOINTS_EXIST = "fine_tuning.endpoints_exist"
TRAINING_FILE_PURPOSE = "fine_tuning.training_file_purpose"
DEPRECATED_HYPERPARAMETERS = "fine_tuning.deprecated_hyperparameters_accepted"
SUFFIX_LENGTH = "fine_tuning.suffix_max_length"
SEED_RANGE = "fine_tuning.seed_range"
METHOD_TYPES = "fine_tuning.method_type_values"
CHECKPOINT_OBJECTS = "fine_tuning.checkpoints.list.object_shape"
LIST = ListRules("fine_tuning.list")
EVENTS = ListRules("fine_tuning.events.list")
CHECKPOINTS = ListRules("fine_tuning.checkpoints")

PURPOSE = "fine-tune"
SUFFIX_MAX = 64
SEED_MAX = 2_147_483_647
METHODS = ("supervised", "dpo", "reinforcement")
#: the hyperparameters each method shows when none are given
AUTO = {"batch_size": "auto", "learning_rate_multiplier": "auto", "n_epochs": "auto"}
#: the model kinds the reference server fine-tunes
TUNABLE = ("chat", "completions", "reasoning")

register(
    Fault("fine_tuning.create_wrong_object", rule=ENDPOINTS_EXIST,
          description="the create answers object 'fine_tune' (retrieve and list are unchanged)"),
    Fault("fine_tuning.accept_any_file_purpose", rule=TRAINING_FILE_PURPOSE,
          description="training and validation files of any purpose are accepted (unknown ids are still refused)"),
    Fault("fine_tuning.reject_top_level_hyperparameters", rule=DEPRECATED_HYPERPARAMETERS,
          description="a create with the deprecated top-level hyperparameters is rejected with 400"),
    Fault("fine_tuning.accept_65_character_suffix", rule=SUFFIX_LENGTH,
          description="a suffix of 65 characters is accepted (66 are not)"),
    Fault("fine_tuning.seed_off_by_one", rule=SEED_RANGE,
          description="seeds -1 and 2147483648 are accepted (-2 and 2147483649 are not)"),
    Fault("fine_tuning.accept_any_method_type", rule=METHOD_TYPES,
          description="any method.type is accepted and trained as supervised"),
    Fault("fine_tuning.list.accept_limit_out_of_range", rule=LIST.limit_range,
          description="limit=0 and limit=101 are accepted on GET /v1/fine_tuning/jobs"),
    Fault("fine_tuning.events.after_includes_cursor", rule=EVENTS.cursor_pagination,
          description="the events page after X starts with X itself"),
    Fault("fine_tuning.checkpoints.wrong_object", rule=CHECKPOINT_OBJECTS,
          description="checkpoints say object 'fine_tuning.checkpoint'"),
)

router = APIRouter(prefix="/fine_tuning/jobs", tags=["fine_tuning"])


class CreateJobRequest(BaseModel):
    """CreateFineTuningJobRequest, loosely typed so that each rule is checked by its own code."""

    model_config = ConfigDict(extra="forbid")
    model: Any = None
    training_file: Any = None
    validation_file: Any = None
    hyperparameters: Any = None
    method: Any = None
    suffix: Any = None
    seed: Any = None
    integrations: Any = None
    metadata: dict[str, Any] | None = None


async def _jobs(request: Request) -> Collection[Job]:
    return request.app.state.rulebook.collection("fine_tuning")


JobsDep = Annotated[Collection[Job], Depends(_jobs)]


def jobs_of(state: ServerState) -> Collection[Job]:
    return state.collection("fine_tuning")


def _get(jobs: Collection[Job], job_id: str, state: ServerState, rules: Rules) -> Job:
    job = jobs.get(job_id)
    if job is None:
        raise not_found("fine-tuning job", job_id)
    return settle(job, state, rules)


def _file(state: ServerState, rules: Rules, param: str, file_id: Any) -> bytes | None:
    """The file's content, if it exists with purpose fine-tune; else a 400 worded as live
    (``invalid training_file: …``)."""
    stored = find_file(state, file_id) if isinstance(file_id, str) else None
    rules.enforce(TRAINING_FILE_PURPOSE, stored is not None and stored.purpose == PURPOSE,
                  broken_ok=stored is not None, param=param,
                  message=f"invalid {param}: {file_id}" if stored is None else
                  f"invalid {param}: {file_id} has purpose '{stored.purpose}'; files for fine-tuning need purpose "
                  f"'{PURPOSE}'")
    assert stored is not None
    return stored.content


def _method(body: CreateJobRequest, rules: Rules) -> dict[str, Any]:
    """The method the job shows: the one sent, or supervised with the deprecated top-level hyperparameters."""
    if body.hyperparameters is not None:
        rules.enforce(DEPRECATED_HYPERPARAMETERS, True, broken_ok=False, param="hyperparameters",
                      message="'hyperparameters' is no longer supported: pass them under 'method'.")
    method = body.method
    if method is None:
        given = body.hyperparameters if isinstance(body.hyperparameters, dict) else {}
        return {"type": "supervised", "supervised": {"hyperparameters": {**AUTO, **given}}}
    if not isinstance(method, dict):
        raise APIError(400, "Invalid 'method': expected an object.", param="method", code="invalid_type")
    kind = method.get("type")
    rules.enforce(METHOD_TYPES, kind in METHODS, param="method.type", code="invalid_value",
                  message=f"Invalid 'method.type': expected one of {', '.join(METHODS)}, but got {kind!r} instead.")
    kind = kind if kind in METHODS else "supervised"
    settings = method.get(kind) if isinstance(method.get(kind), dict) else {}
    hyperparameters = {**AUTO, **(settings.get("hyperparameters") or {})}
    if body.hyperparameters is not None and kind == "supervised" and isinstance(body.hyperparameters, dict):
        hyperparameters.update(body.hyperparameters)
    return {"type": kind, kind: {**settings, "hyperparameters": hyperparameters}}


def _check_request(body: CreateJobRequest, rules: Rules) -> None:
    for name in ("model", "training_file"):
        if body.__dict__[name] is None:
            raise APIError(400, f"Missing required parameter: '{name}'.", param=name,
                           code="missing_required_parameter")
    served = served_model(body.model)
    if served is None or served.kind not in TUNABLE:
        raise APIError(400, f"Model {body.model} is not available for fine-tuning or does not exist.",
                       param="model", code="model_not_available")
    if body.suffix is not None:
        length = len(body.suffix) if isinstance(body.suffix, str) else -1
        rules.enforce(SUFFIX_LENGTH, 1 <= length <= SUFFIX_MAX, broken_ok=1 <= length <= SUFFIX_MAX + 1,
                      param="suffix", code="invalid_value",
                      message=f"Invalid 'suffix': expected a string of 1 to {SUFFIX_MAX} characters, got {length}.")
    if body.seed is not None:
        if not isinstance(body.seed, int) or isinstance(body.seed, bool):
            raise APIError(400, f"Invalid 'seed': expected an integer, got {body.seed!r}.", param="seed",
                           code="invalid_type")
        rules.enforce_range(SEED_RANGE, body.seed, 0, SEED_MAX, param="seed", name="seed")


def _render(job: Job, rules: Rules, *, created: bool = False) -> dict[str, Any]:
    body = job.render()
    if created:
        body["object"] = rules.behaviour(ENDPOINTS_EXIST, "fine_tuning.job", "fine_tune")
    return body


def _without_cursors(body: dict[str, Any]) -> dict[str, Any]:
    """Jobs and events lists carry no first_id/last_id on the live API (fine_tuning.jsonl)."""
    return {key: value for key, value in body.items() if key not in ("first_id", "last_id")}


@router.post("")
async def create_job(
    body: Annotated[CreateJobRequest, Depends(json_body(CreateJobRequest))],
    state: StateDep,
    jobs: JobsDep,
    rules: RulesDep,
) -> dict[str, Any]:
    _check_request(body, rules)
    method = _method(body, rules)
    metadata = check_metadata(rules, body.metadata) if body.metadata is not None else None
    training = _file(state, rules, "training_file", body.training_file)
    validation = _file(state, rules, "validation_file", body.validation_file) if body.validation_file else None
    error = check_training_data(rules, training, "training_file")
    if error is None and body.validation_file:
        error = check_training_data(rules, validation, "validation_file")
    seed = body.seed if body.seed is not None else random.Random(f"{state.seed}:{len(jobs)}").randint(0, SEED_MAX)
    job = Job(
        id=state.ids.next("ftjob").replace("ftjob_", "ftjob-", 1),
        created_at=state.clock.now(),
        model=body.model,
        training_file=body.training_file,
        validation_file=body.validation_file,
        method=method,
        seed=seed,
        suffix=body.suffix,
        metadata=metadata,
        data_error=error,
        started=state.clock.exact(),
    )
    add_event(job, state, job.created_at, f"Created fine-tuning job: {job.id}")
    add_event(job, state, job.created_at, f"Validating training file: {job.training_file}")
    jobs.add(job)
    return _render(settle(job, state, rules), rules, created=True)


@router.get("")
async def list_jobs(state: StateDep, jobs: JobsDep, rules: RulesDep, limit: str | None = None,
                    after: str | None = None) -> dict[str, Any]:
    """Newest first; the spec gives this list ``after`` and ``limit`` only."""
    page = list_page(rules, LIST, jobs.ordered(), limit=limit, order=None, after=after, before=None)
    return _without_cursors(page.body(lambda job: _render(settle(job, state, rules), rules)))


@router.get("/{fine_tuning_job_id}")
async def retrieve_job(fine_tuning_job_id: str, state: StateDep, jobs: JobsDep, rules: RulesDep) -> dict[str, Any]:
    return _render(_get(jobs, fine_tuning_job_id, state, rules), rules)


@router.post("/{fine_tuning_job_id}/cancel")
async def cancel_job(fine_tuning_job_id: str, state: StateDep, jobs: JobsDep, rules: RulesDep) -> dict[str, Any]:
    return _render(cancel(_get(jobs, fine_tuning_job_id, state, rules), state, rules), rules)


@router.post("/{fine_tuning_job_id}/pause")
async def pause_job(fine_tuning_job_id: str, state: StateDep, jobs: JobsDep, rules: RulesDep) -> dict[str, Any]:
    return _render(pause(_get(jobs, fine_tuning_job_id, state, rules), state, rules), rules)


@router.post("/{fine_tuning_job_id}/resume")
async def resume_job(fine_tuning_job_id: str, state: StateDep, jobs: JobsDep, rules: RulesDep) -> dict[str, Any]:
    return _render(resume(_get(jobs, fine_tuning_job_id, state, rules), state, rules), rules)


@router.get("/{fine_tuning_job_id}/events")
async def list_events(fine_tuning_job_id: str, state: StateDep, jobs: JobsDep, rules: RulesDep,
                      limit: str | None = None, after: str | None = None) -> dict[str, Any]:
    """Newest first, as real traffic shows them."""
    job = _get(jobs, fine_tuning_job_id, state, rules)
    page = list_page(rules, EVENTS, job.events, limit=limit, order=None, after=after, before=None)
    return _without_cursors(page.body(lambda event: event.to_json()))


@router.get("/{fine_tuning_job_id}/checkpoints")
async def list_checkpoints(fine_tuning_job_id: str, state: StateDep, jobs: JobsDep, rules: RulesDep,
                           limit: str | None = None, after: str | None = None) -> dict[str, Any]:
    """Newest (highest step) first, with first_id and last_id, as real traffic shows them."""
    job = _get(jobs, fine_tuning_job_id, state, rules)
    page = list_page(rules, CHECKPOINTS, job.checkpoints, limit=limit, order=None, after=after, before=None)
    kind = rules.behaviour(CHECKPOINT_OBJECTS, "fine_tuning.job.checkpoint", "fine_tuning.checkpoint")
    return page.body(lambda checkpoint: {**checkpoint.to_json(), "object": kind})
