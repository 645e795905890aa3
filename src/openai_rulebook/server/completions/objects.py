"""The completion object and its stream chunks, built from the scripted model's generations."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain, zip_longest
from typing import Any

from openai_rulebook.server.core import scripted_model, tokens
from openai_rulebook.server.core.faults import Rules
from openai_rulebook.server.core.scripted_model import Generation

FINISH = "completions.finish_reason"


@dataclass(frozen=True)
class Choice:
    index: int
    #: the text answered: the prompt first when ``echo``, then the generation's
    text: str
    generation: Generation
    finish_reason: str
    logprobs: dict[str, Any] | None


def _logprobs(generation: Generation, offset: int, top: int) -> dict[str, Any]:
    """Legacy logprobs of the generated tokens: made-up, deterministic log-probabilities (``top`` alternatives)."""
    pieces = [tokens.decode([token]) for token in tokens.encode(generation.text)]
    offsets, at = [], offset
    for piece in pieces:
        offsets.append(at)
        at += len(piece)
    logprobs = [-round(0.05 * (1 + i % 7), 4) for i in range(len(pieces))]
    alternatives = [{piece: value, **{f"{piece}{k}": value - 1 - k for k in range(top - 1)}} if top else {}
                    for piece, value in zip(pieces, logprobs, strict=True)]
    return {"tokens": pieces, "token_logprobs": logprobs, "top_logprobs": alternatives, "text_offset": offsets}


def build_choices(rules: Rules, prompts: list[tuple[str, int]], *, n: int, max_tokens: int, echo: bool,
                  logprobs: int | None) -> list[Choice]:
    """``n`` choices per prompt, in order; each the scripted reply to its prompt, cut at ``max_tokens``."""
    choices = []
    for prompt_index, (text, _) in enumerate(prompts):
        for j in range(n):
            generation = scripted_model.reply(text, index=j, max_tokens=max_tokens)
            reason = generation.finish_reason
            if reason == "length":
                reason = rules.behaviour(FINISH, "length", "stop")
            prefix = text if echo else ""
            choices.append(Choice(
                index=prompt_index * n + j, text=prefix + generation.text, generation=generation,
                finish_reason=reason,
                logprobs=_logprobs(generation, len(prefix), logprobs) if logprobs is not None else None,
            ))
    return choices


def completion(completion_id: str, created: int, model: str, object_type: str, choices: list[Choice],
               usage: dict[str, int]) -> dict[str, Any]:
    """The ``text_completion`` object, members in the live API's order."""
    return {
        "id": completion_id,
        "object": object_type,
        "created": created,
        "model": model,
        "choices": [{"text": choice.text, "index": choice.index, "logprobs": choice.logprobs,
                     "finish_reason": choice.finish_reason} for choice in choices],
        "usage": usage,
    }


def stream_events(completion_id: str, created: int, model: str, object_type: str, choices: list[Choice], *,
                  usage: dict[str, int] | None, repeat_finish: bool, interleave: bool = False,
                  extra_field: bool = False) -> list[dict[str, Any]]:
    """The chunks of a streamed completion: each choice token by token, then its finishing chunk (empty text and
    the finish_reason); with ``include_usage`` a last chunk with the usage and no choices. ``interleave``: the
    choices' chunks a chunk of each in turn (as the live API sends them); ``extra_field``: every chunk carries an
    undocumented member (both variants)."""
    def chunk(choice_list: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        body = {"id": completion_id, "object": object_type, "created": created, "choices": choice_list,
                "model": model, **extra}
        return {**body, "x_rulebook_variant": True} if extra_field else body

    per_choice = []
    for choice in choices:
        parts = [{"text": tokens.decode([token]), "index": choice.index, "logprobs": None, "finish_reason": None}
                 for token in tokens.encode(choice.text)]
        finish = {"text": "", "index": choice.index, "logprobs": None, "finish_reason": choice.finish_reason}
        parts.append(finish)
        if repeat_finish and choice.finish_reason == "length":
            parts.append(dict(finish))
        per_choice.append(parts)
    ordered = ([part for turn in zip_longest(*per_choice) for part in turn if part is not None] if interleave
               else list(chain.from_iterable(per_choice)))
    events = [chunk([part]) for part in ordered]
    if usage is not None:
        events.append(chunk([], usage=usage))
    return events
