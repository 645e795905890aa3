"""Batches over time: the status machine, driven by the server's clock and nothing else.

A batch spends ``VALIDATING_SECONDS`` in ``validating``, then goes to ``failed`` (its input broke a rule; see
``batch_input``) or ``in_progress``; after ``IN_PROGRESS_SECONDS`` to ``finalizing`` and after ``FINALIZING_SECONDS``
to ``completed``, when every request has succeeded and the output file (purpose ``batch_output``) is stored.
A cancel moves an unfinished batch to ``cancelling`` and, ``CANCELLING_SECONDS`` later, to ``cancelled``; nothing
has run by then, so a cancelled batch has no output file. ``expired`` is in the enum but never reached: processing
takes seconds, the window a day.

Each step's length is counted on the server's clock (``Clock.span``: whole seconds on the frozen clock, a fraction
of them on the wall clock of a standalone server) from the exact moment the step began; timestamps show the whole
second it was reached in.

Transitions are applied when a batch is looked at (``settle``), each at the time it was due, so a clock that jumps
an hour at once still gives every timestamp its own value. Output files are therefore stored when the batch is
next read after completing, not the moment the clock passes ``completed_at``; their ``created_at`` is
``completed_at`` all the same.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openai_rulebook.server.batches.input import InputCheck
from openai_rulebook.server.core.errors import APIError
from openai_rulebook.server.core.faults import Fault, Rules, register
from openai_rulebook.server.core.state import ServerState
from openai_rulebook.server.files.stored import add_file

STATUS_LIFECYCLE = "batches.status_lifecycle"
CANCEL_LIFECYCLE = "batches.cancel_lifecycle"

VALIDATING_SECONDS = 1
IN_PROGRESS_SECONDS = 2
FINALIZING_SECONDS = 1
CANCELLING_SECONDS = 1
#: completion_window 24h
WINDOW_SECONDS = 86400
#: the Batch object's status enum, in the spec's order
STATUSES = ("validating", "failed", "in_progress", "finalizing", "completed", "expired", "cancelling", "cancelled")
FINISHED = frozenset({"failed", "completed", "expired", "cancelled"})
OUTPUT_PURPOSE = "batch_output"

register(
    Fault(
        "batches.completed_without_output_file",
        rule=STATUS_LIFECYCLE,
        description="a batch completes with request_counts.completed > 0 but no output_file_id, and no file is stored",
    ),
    Fault(
        "batches.cancel_finished_batches",
        rule=CANCEL_LIFECYCLE,
        description="cancelling a completed or failed batch is accepted and moves it to cancelling, then cancelled",
    ),
)


@dataclass
class Batch:
    id: str
    created_at: int
    endpoint: str
    input_file_id: str
    completion_window: str
    input: InputCheck
    metadata: dict[str, Any]
    #: seconds after its creation that the output file expires (``output_expires_after``), if sent
    output_expiry: int | None = None
    validating_seconds: int = VALIDATING_SECONDS
    #: the exact moment it was created (``Clock.exact``); None: ``created_at``
    started: float | None = None
    status: str = "validating"
    #: when each status after ``validating`` was reached, exactly, by status: ``{"in_progress": 1735689601.0, ...}``
    times: dict[str, float] = field(default_factory=dict)
    output_file_id: str | None = None

    @property
    def expires_at(self) -> int:
        return self.created_at + WINDOW_SECONDS

    def request_counts(self) -> dict[str, int]:
        """Requests are counted once validated, and all complete at once when the batch does."""
        total = len(self.input.requests) if "in_progress" in self.times else 0
        completed = total if "completed" in self.times else 0
        return {"total": total, "completed": completed, "failed": 0}

    def render(self, object_type: str) -> dict[str, Any]:
        """The spec's Batch object, with every member the real API sends: null until it has a value.

        The spec gives these members types without null; real traffic sends the nulls (known gap
        null-drift-batch). ``usage`` stays at zero: the reference server runs no model.
        """
        body: dict[str, Any] = {
            "id": self.id,
            "object": object_type,
            "endpoint": self.endpoint,
            "model": self.input.model if "in_progress" in self.times else None,  # known once the input is read
            "errors": None,
            "input_file_id": self.input_file_id,
            "completion_window": self.completion_window,
            "status": self.status,
            "output_file_id": self.output_file_id,
            "error_file_id": None,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            **{f"{status}_at": int(self.times[status]) if status in self.times else None
               for status in STATUSES if status != "validating"},
            "request_counts": self.request_counts(),
            "usage": {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0,
                      "input_tokens_details": {"cached_tokens": 0}, "output_tokens_details": {"reasoning_tokens": 0}},
            "metadata": self.metadata,
        }
        if "failed" in self.times:
            body["errors"] = {"object": "list", "data": [error.to_json() for error in self.input.errors]}
        return body


def _next(batch: Batch, span: Callable[[int], float]) -> tuple[str, float] | None:
    """The transition due next without a cancel: the status it leads to, and when (``span``: the clock's length of
    a step of so many seconds)."""
    times = batch.times
    if batch.status == "validating":
        started = batch.started if batch.started is not None else batch.created_at
        return ("in_progress" if batch.input.valid else "failed", started + span(batch.validating_seconds))
    if batch.status == "in_progress":
        return "finalizing", times["in_progress"] + span(IN_PROGRESS_SECONDS)
    if batch.status == "finalizing":
        return "completed", times["finalizing"] + span(FINALIZING_SECONDS)
    if batch.status == "cancelling":
        return "cancelled", times["cancelling"] + span(CANCELLING_SECONDS)
    return None


def settle(batch: Batch, state: ServerState, rules: Rules) -> Batch:
    """Apply, in order, every transition due by now."""
    now = state.clock.exact()
    while (step := _next(batch, state.clock.span)) is not None and step[1] <= now:
        batch.status, at = step
        batch.times[batch.status] = at
        if batch.status == "completed" and rules.behaviour(STATUS_LIFECYCLE, True, False):
            batch.output_file_id = _store_output(batch, state, at)
    return batch


def _store_output(batch: Batch, state: ServerState, exact: float) -> str:
    """Store the output file: one BatchRequestOutput line per request, each a 200 the reference server made up."""
    lines = [
        json.dumps({
            "id": f"batch_req_{batch.id.removeprefix('batch_')}_{index}",
            "custom_id": request.custom_id,
            "response": {
                "status_code": 200,
                "request_id": f"req_{batch.id.removeprefix('batch_')}_{index}",
                "body": {"object": "rulebook.reference_response", "model": request.model},
            },
            "error": None,
        })
        for index, request in enumerate(batch.input.requests)
    ]
    content = "".join(f"{line}\n" for line in lines).encode()
    stored = add_file(
        state,
        filename=f"{batch.id}_output.jsonl",
        purpose=OUTPUT_PURPOSE,
        size=len(content),
        content=content,
        expires_at=int(exact) + batch.output_expiry if batch.output_expiry is not None else None,
    )
    stored.created_at = int(exact)  # stored late (see the module's docstring), dated when it was due
    return stored.id


def cancel(batch: Batch, state: ServerState, rules: Rules) -> Batch:
    """Move an unfinished batch to ``cancelling``; a batch already cancelling stays as it is."""
    settle(batch, state, rules)
    rules.enforce(
        CANCEL_LIFECYCLE,
        batch.status not in FINISHED,
        broken_ok=batch.status in ("completed", "failed") or batch.status not in FINISHED,
        message=f"Cannot cancel a batch with status '{batch.status}'.",
    )
    if batch.status != "cancelling":
        batch.status = "cancelling"
        batch.times["cancelling"] = state.clock.exact()
    return batch
