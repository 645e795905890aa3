"""A stored response and how it is rendered: every top-level member real responses carry (responses.jsonl, newest
recordings), nulls included, so that a client sees the same shape from the reference server as from the live API.

Background responses move ``queued`` -> ``in_progress`` -> ``completed`` on the server's clock (whole seconds,
``clock.after``): their output is computed at create time and shown once they complete. Transitions are applied
when the response is looked at (``settle``), each at the time it was due.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: the ``status`` enum of the spec's Response object
STATUSES = ("completed", "failed", "in_progress", "cancelled", "queued", "incomplete")
#: seconds a background response waits queued, then runs, before it completes
QUEUED_SECONDS = 1
RUNNING_SECONDS = 1


@dataclass
class InputItem:
    """One item of a response's input, as ``input_items`` lists it; ``created_at`` is its position, so lists keep
    the input's order whatever the clock does (all items of a response share its creation second)."""

    id: str
    created_at: int
    body: dict[str, Any]


@dataclass
class Outcome:
    """What the model produced: output items, usage, and the status it ends in."""

    output: list[dict[str, Any]]
    usage: dict[str, Any]
    status: str  # completed or incomplete
    incomplete_reason: str | None = None
    #: the text of every output message, for the conversation a later ``previous_response_id`` continues
    text: str = ""


@dataclass
class Response:
    id: str
    created_at: int
    model: str
    request: dict[str, Any]
    inputs: list[InputItem]
    outcome: Outcome
    metadata: dict[str, Any]
    #: the conversation up to and including this response's input, as chat-style messages
    conversation: list[dict[str, Any]] = field(default_factory=list)
    background: bool = False
    store: bool = True
    status: str = "completed"
    started_at: int | None = None
    done_at: int | None = None
    completed_at: int | None = None

    def settle(self, now: int) -> Response:
        """Apply the background transitions due by ``now``."""
        if self.status == "queued" and self.started_at is not None and now >= self.started_at:
            self.status = "in_progress"
        if self.status == "in_progress" and self.done_at is not None and now >= self.done_at:
            self.status = self.outcome.status
            self.completed_at = self.done_at
        return self

    @property
    def finished(self) -> bool:
        return self.status not in ("queued", "in_progress")

    def render(self, *, object_type: str = "response", status: str | None = None) -> dict[str, Any]:
        request = self.request
        done = self.finished and self.status != "cancelled"
        status = status or self.status
        reasoning = request.get("reasoning") if isinstance(request.get("reasoning"), dict) else {}
        text = request.get("text") if isinstance(request.get("text"), dict) else {}
        return {
            "id": self.id,
            "object": object_type,
            "created_at": self.created_at,
            "status": status,
            "background": self.background,
            "billing": {"payer": "developer"},
            "completed_at": self.completed_at if self.status in ("completed", "incomplete") else None,
            "error": None,
            "frequency_penalty": request.get("frequency_penalty", 0.0),
            "incomplete_details": ({"reason": self.outcome.incomplete_reason}
                                   if self.status == "incomplete" else None),
            "instructions": request.get("instructions"),
            "max_output_tokens": request.get("max_output_tokens"),
            "max_tool_calls": request.get("max_tool_calls"),
            "model": self.model,
            "moderation": None,
            "output": self.outcome.output if done else [],
            "parallel_tool_calls": request.get("parallel_tool_calls", True),
            "presence_penalty": request.get("presence_penalty", 0.0),
            "previous_response_id": request.get("previous_response_id"),
            "prompt_cache_key": request.get("prompt_cache_key"),
            "prompt_cache_retention": request.get("prompt_cache_retention"),
            "reasoning": {"context": None, "effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
            "safety_identifier": request.get("safety_identifier"),
            "service_tier": "default",
            "store": self.store,
            "temperature": request.get("temperature", 1.0),
            "text": {"format": text.get("format") or {"type": "text"}, "verbosity": text.get("verbosity", "medium")},
            "tool_choice": request.get("tool_choice", "auto"),
            "tool_usage": {
                "image_gen": {"input_tokens": 0, "input_tokens_details": {"image_tokens": 0, "text_tokens": 0},
                              "output_tokens": 0, "output_tokens_details": {"image_tokens": 0, "text_tokens": 0},
                              "total_tokens": 0},
                "web_search": {"num_requests": 0},
            },
            "tools": request.get("tools") or [],
            "top_logprobs": request.get("top_logprobs", 0),
            "top_p": request.get("top_p", 1.0),
            "truncation": request.get("truncation", "disabled"),
            "usage": self.outcome.usage if done else None,
            "user": request.get("user"),
            "metadata": self.metadata,
        }
