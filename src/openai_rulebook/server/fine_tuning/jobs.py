"""Fine-tuning jobs over time: the status machine, its events and checkpoints, driven by the server's clock alone.

A job spends ``VALIDATING_SECONDS`` in ``validating_files``, then goes to ``failed`` (a file it cannot train on, see
``training_data``) or ``queued``; ``QUEUED_SECONDS`` later to ``running`` and after ``RUNNING_SECONDS`` to
``succeeded``, with ``fine_tuned_model``, ``finished_at``, ``trained_tokens`` and one checkpoint per
``CHECKPOINT_STEPS``. A cancel moves an unfinished job to ``cancelled`` at once, as the live API answers it
(real traffic: the cancel's answer already says ``cancelled``).

Steps last ``Clock.span`` seconds from the exact moment the previous one began (whole seconds on the frozen clock, a
fraction on a standalone server's wall clock); timestamps show the whole second a step was reached in. Transitions
are applied when a job is looked at (``settle``), each at the time it was due.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openai_rulebook.server.core.errors import APIError
from openai_rulebook.server.core.faults import Fault, Rules, register
from openai_rulebook.server.core.state import ServerState
from openai_rulebook.server.core.variants import Variant, register_variant
from openai_rulebook.server.fine_tuning.training_data import DataError

STATUS_LIFECYCLE = "fine_tuning.status_lifecycle"
CANCEL_LIFECYCLE = "fine_tuning.cancel_lifecycle"
PAUSE_RESUME = "fine_tuning.pause_resume"

VALIDATING_SECONDS = 1
QUEUED_SECONDS = 1
RUNNING_SECONDS = 6  # long enough that a client which saw it running reaches it with a pause, whatever its pace
#: the FineTuningJob status enum, in the spec's order, and ``paused``, which the live API answers a pause with
STATUSES = ("validating_files", "queued", "running", "succeeded", "failed", "cancelled", "paused")
FINISHED = frozenset({"succeeded", "failed", "cancelled"})
#: the steps at which a succeeded job has checkpoints (the last one is the fine-tuned model itself)
CHECKPOINT_STEPS = (8, 9, 10)
ORGANIZATION = "org-rulebook"

register(
    Fault(
        "fine_tuning.succeeded_without_model",
        rule=STATUS_LIFECYCLE,
        description="a job reaches succeeded with fine_tuned_model and finished_at null",
    ),
    Fault(
        "fine_tuning.pause_does_not_stop",
        rule=PAUSE_RESUME,
        description="a pause answers paused, but the job goes on running and succeeds while paused",
    ),
    Fault(
        "fine_tuning.cancel_does_not_stop",
        rule=CANCEL_LIFECYCLE,
        description="a cancel answers cancelled, but the job carries on afterwards: it is queued, running, succeeded "
                    "as if never cancelled",
    ),
)


#: a legal liberty: validation taking longer (the live API takes minutes); no verdict may depend on how long
SLOW_VALIDATION = "fine_tuning.slow_validation"
SLOW_VALIDATING_SECONDS = 5
register_variant(
    Variant(SLOW_VALIDATION, description=f"fine-tuning jobs stay validating_files {SLOW_VALIDATING_SECONDS} s "
                                         f"instead of {VALIDATING_SECONDS} s"),
)


@dataclass
class Event:
    id: str
    created_at: int
    message: str
    level: str = "info"
    type: str = "message"
    data: dict[str, Any] | None = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"object": "fine_tuning.job.event", "id": self.id, "created_at": self.created_at,
                "level": self.level, "message": self.message, "data": self.data, "type": self.type}


@dataclass
class Checkpoint:
    id: str
    created_at: int
    job_id: str
    name: str
    step: int

    def to_json(self) -> dict[str, Any]:
        return {
            "object": "fine_tuning.job.checkpoint",
            "id": self.id,
            "created_at": self.created_at,
            "fine_tuned_model_checkpoint": self.name,
            "fine_tuning_job_id": self.job_id,
            "metrics": {"step": self.step, "train_loss": 0.5 / self.step, "train_mean_token_accuracy": 1.0},
            "step_number": self.step,
        }


@dataclass
class Job:
    id: str
    created_at: int
    model: str
    training_file: str
    validation_file: str | None
    #: the method as it will be shown (``{"type": "supervised", "supervised": {"hyperparameters": {...}}}``)
    method: dict[str, Any]
    seed: int
    suffix: str | None
    metadata: dict[str, Any] | None
    #: what validation will find (None: the files can be trained on)
    data_error: DataError | None
    started: float
    status: str = "validating_files"
    #: when each status after ``validating_files`` was reached, exactly
    times: dict[str, float] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    checkpoints: list[Checkpoint] = field(default_factory=list)
    fine_tuned_model: str | None = None
    #: under the cancel and pause faults: the status the job goes back to when next looked at
    resume_status: str | None = None
    #: when a pause began, exactly (while ``paused``)
    paused_at: float | None = None

    def hyperparameters(self) -> dict[str, Any] | None:
        """The top-level (deprecated) hyperparameters: the supervised method's, as real traffic shows them."""
        kind = self.method.get("type")
        return dict((self.method.get(kind) or {}).get("hyperparameters") or {}) if kind == "supervised" else None

    def render(self) -> dict[str, Any]:
        """The spec's FineTuningJob, with every member real traffic shows (``fine_tuning.jsonl``)."""
        finished = next((self.times[status] for status in ("succeeded", "failed", "cancelled")
                         if status in self.times), None)
        return {
            "object": "fine_tuning.job",
            "id": self.id,
            "model": self.model,
            "created_at": self.created_at,
            "finished_at": int(finished) if finished is not None and self.status != "cancelled"
            and (self.status != "succeeded" or self.fine_tuned_model is not None) else None,
            "fine_tuned_model": self.fine_tuned_model,
            "organization_id": ORGANIZATION,
            "result_files": [],
            "status": self.status,
            "validation_file": self.validation_file,
            "training_file": self.training_file,
            "hyperparameters": self.hyperparameters(),
            "trained_tokens": 100 if self.status == "succeeded" else None,
            "error": self.data_error.to_json() if self.status == "failed" and self.data_error else {},
            "user_provided_suffix": self.suffix,
            "seed": self.seed,
            "estimated_finish": None,
            "integrations": [],
            "metadata": self.metadata,
            "usage_metrics": None,
            "shared_with_openai": False,
            "eval_id": None,
            "method": self.method,
        }


def _next(job: Job, span: Callable[[int], float], validating: int) -> tuple[str, float] | None:
    """The transition due next: the status it leads to, and when."""
    if job.status == "validating_files":
        return ("failed" if job.data_error else "queued", job.started + span(validating))
    if job.status == "queued":
        return "running", job.times["queued"] + span(QUEUED_SECONDS)
    if job.status == "running":
        return "succeeded", job.times["running"] + span(RUNNING_SECONDS)
    return None


def settle(job: Job, state: ServerState, rules: Rules) -> Job:
    """Apply, in order, every transition due by now, with its events (and, on success, checkpoints)."""
    if job.resume_status is not None:  # the cancel fault: the cancel answered, the job goes back to where it was
        job.status, job.resume_status = job.resume_status, None
        job.times.pop("cancelled", None)
        job.paused_at = None
    now = state.clock.exact()
    validating = rules.variants.choose(SLOW_VALIDATION, VALIDATING_SECONDS, SLOW_VALIDATING_SECONDS)
    while (step := _next(job, state.clock.span, validating)) is not None and step[1] <= now:
        job.status, at = step
        job.times[job.status] = at
        _reached(job, state, rules, int(at))
    return job


def _reached(job: Job, state: ServerState, rules: Rules, at: int) -> None:
    """Events (and checkpoints) of the status the job just reached."""
    if job.status == "queued":
        add_event(job, state, at, "Files validated, moving job to queued state")
    elif job.status == "failed":
        message = job.data_error.message if job.data_error else "Validation failed"
        add_event(job, state, at, f"Training file validation failed: {message}", level="error")
    elif job.status == "running":
        add_event(job, state, at, "Fine-tuning job started", data=None)
    elif job.status == "succeeded":
        name = f"ft:{job.model}:rulebook:{job.suffix or ''}:{job.id[-8:]}"
        job.fine_tuned_model = rules.behaviour(STATUS_LIFECYCLE, name, None)
        for step in CHECKPOINT_STEPS:
            checkpoint_name = name if step == CHECKPOINT_STEPS[-1] else f"{name}:ckpt-step-{step}"
            job.checkpoints.append(Checkpoint(state.ids.next("ftckpt"), at, job.id, checkpoint_name, step))
        add_event(job, state, at, f"New fine-tuned model created: {name}")
        add_event(job, state, at, "The job has successfully completed")


_EMPTY: dict[str, Any] = {}


def add_event(job: Job, state: ServerState, at: int, message: str, *, level: str = "info",
              data: dict[str, Any] | None = _EMPTY) -> None:
    """Log an event; ``data`` is ``{}`` unless given (real traffic shows null on some, e.g. the job's start)."""
    event_id = state.ids.next("ftevent").replace("ftevent_", "ftevent-", 1)
    job.events.append(Event(event_id, at, message, level, data=dict(data) if data is not None else None))


def pause(job: Job, state: ServerState, rules: Rules) -> Job:
    """Pause a running job: its remaining training waits until it is resumed. Another status is refused (400)."""
    settle(job, state, rules)
    if job.status != "running":
        raise APIError(400, f"Only a running job can be paused; this one is {job.status}.")
    job.status, job.paused_at = "paused", state.clock.exact()
    add_event(job, state, state.clock.now(), "Fine-tuning job paused")
    if rules.behaviour(PAUSE_RESUME, False, True):
        job.resume_status = "running"
    return job


def resume(job: Job, state: ServerState, rules: Rules) -> Job:
    """Resume a paused job: the time it spent paused is added to its run. Another status is refused (400)."""
    settle(job, state, rules)
    if job.status != "paused" or job.paused_at is None:
        raise APIError(400, f"Only a paused job can be resumed; this one is {job.status}.")
    job.times["running"] += state.clock.exact() - job.paused_at
    job.status, job.paused_at = "running", None
    add_event(job, state, state.clock.now(), "Fine-tuning job resumed")
    return job


def cancel(job: Job, state: ServerState, rules: Rules) -> Job:
    """Cancel an unfinished job at once; a finished one is refused (400; the catalog does not judge that refusal)."""
    settle(job, state, rules)
    rules.enforce(
        CANCEL_LIFECYCLE,
        job.status not in FINISHED,
        message=f"Job has already {'been cancelled' if job.status == 'cancelled' else job.status}; it cannot be "
                "cancelled.",
    )
    was = job.status
    job.status = "cancelled"
    job.times["cancelled"] = state.clock.exact()
    add_event(job, state, state.clock.now(), "The job was stopped due to a cancellation request", level="warn")
    if rules.behaviour(CANCEL_LIFECYCLE, False, True):
        job.resume_status = was
    return job
