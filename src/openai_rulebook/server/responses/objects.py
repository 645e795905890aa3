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
            "frequency_penalty": _given(request, "frequency_penalty", 0.0),
            "incomplete_details": ({"reason": self.outcome.incomplete_reason}
                                   if self.status == "incomplete" else None),
            "instructions": request.get("instructions"),
            "max_output_tokens": request.get("max_output_tokens"),
            "max_tool_calls": request.get("max_tool_calls"),
            "model": self.model,
            "moderation": None,
            "output": self.outcome.output if done else [],
            "parallel_tool_calls": _given(request, "parallel_tool_calls", True),
            "presence_penalty": _given(request, "presence_penalty", 0.0),
            "previous_response_id": request.get("previous_response_id"),
            "prompt_cache_key": request.get("prompt_cache_key"),
            "prompt_cache_retention": request.get("prompt_cache_retention"),
            "reasoning": {"context": None, "effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
            "safety_identifier": request.get("safety_identifier"),
            "service_tier": "default",
            "store": self.store,
            "temperature": _given(request, "temperature", 1.0),
            "text": {"format": text.get("format") or {"type": "text"}, "verbosity": text.get("verbosity", "medium")},
            "tool_choice": _given(request, "tool_choice", "auto"),
            "tool_usage": {
                "image_gen": {"input_tokens": 0, "input_tokens_details": {"image_tokens": 0, "text_tokens": 0},
                              "output_tokens": 0, "output_tokens_details": {"image_tokens": 0, "text_tokens": 0},
                              "total_tokens": 0},
                "web_search": {"num_requests": 0},
            },
            "tools": request.get("tools") or [],
            "top_logprobs": _given(request, "top_logprobs", 0),
            "top_p": _given(request, "top_p", 1.0),
            "truncation": _given(request, "truncation", "disabled"),
            "usage": self.outcome.usage if done else None,
            "user": request.get("user"),
            "metadata": self.metadata,
        }


def _given(request: dict[str, Any], name: str, default: Any) -> Any:
    """A member as the API echoes it: an explicit null reads as the member left out, so its default (real traffic:
    tool_choice null is echoed "auto", responses.jsonl activeagents/activeagent:test/fixtures/vcr_cassettes/
    integration/open_ai/responses/common_format/tools_test/test_agent_common_format_tool_choice_required.yml seq 1)."""
    value = request.get(name)
    return default if value is None else value
