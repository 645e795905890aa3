"""Contract checks of POST /v1/completions (legacy completions): the answer, the object, usage, finish reasons, n
and echo.

Only JSON completions are judged here; streams are the stream checker's (``streams.check_completions_stream``).
Recorded prompts over 4,000 characters are cut (``…[truncated N chars]``): echo is not judged on those.
"""

from __future__ import annotations

from typing import Any

from openai_rulebook.catalog import Rule
from openai_rulebook.checks import expect
from openai_rulebook.contracts._registry import Seen, contract

_TRUNCATED = "…[truncated"


def _sent(seen: Seen) -> dict[str, Any]:
    return seen.request_body if isinstance(seen.request_body, dict) else {}


def _is_completion(seen: Seen) -> bool:
    return isinstance(seen.body, dict)


def _choices(seen: Seen) -> list[dict[str, Any]]:
    choices = seen.body.get("choices") if isinstance(seen.body, dict) else None
    return [choice if isinstance(choice, dict) else {} for choice in choices] if isinstance(choices, list) else []


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def prompts_of(prompt: Any) -> list[Any] | None:
    """The prompts one request holds: a string or a token array is one, an array of either is one per entry."""
    if isinstance(prompt, str):
        return [prompt]
    if isinstance(prompt, list) and prompt:
        return [prompt] if all(_is_int(item) for item in prompt) else list(prompt)
    return None


@contract("completions.endpoints_exist", when=_is_completion)
def completion_answered(rule: Rule, seen: Seen) -> None:
    body = seen.body
    expect(rule.id, isinstance(body.get("id"), str) and bool(_choices(seen)),
           expected="a completion with a string id and a non-empty choices array",
           actual={"id": body.get("id"), "choices": body.get("choices")})


@contract("completions.object_type", when=_is_completion)
def completion_object(rule: Rule, seen: Seen) -> None:
    body = seen.body
    wanted = str(rule.params["values"][0])
    expect(rule.id, body.get("object") == wanted, expected=f"object={wanted!r}", actual=body.get("object"))
    expect(rule.id, isinstance(body.get("id"), str), expected="a string id", actual=body.get("id"))
    expect(rule.id, _is_int(body.get("created")), expected="an integer created", actual=body.get("created"))
    expect(rule.id, isinstance(body.get("model"), str), expected="a string model", actual=body.get("model"))
    expect(rule.id, isinstance(body.get("choices"), list), expected="a choices array", actual=body.get("choices"))
    for position, choice in enumerate(_choices(seen)):
        expect(rule.id, isinstance(choice.get("text"), str), expected=f"choices[{position}].text a string",
               actual=choice.get("text"))
        expect(rule.id, _is_int(choice.get("index")), expected=f"choices[{position}].index an integer",
               actual=choice.get("index"))
        expect(rule.id, "logprobs" in choice, expected=f"choices[{position}].logprobs present (null or an object)",
               actual=sorted(choice))


@contract("completions.usage", when=_is_completion)
def completion_usage(rule: Rule, seen: Seen) -> None:
    usage = seen.body.get("usage")
    usage = usage if isinstance(usage, dict) else {}
    prompt, total = usage.get("prompt_tokens"), usage.get("total_tokens")
    completion = usage.get("completion_tokens", 0)
    expect(rule.id, all(_is_int(value) for value in (prompt, completion, total)),
           expected="integer usage.prompt_tokens, completion_tokens and total_tokens", actual=usage or None)
    expect(rule.id, total == prompt + completion, expected="total_tokens = prompt_tokens + completion_tokens",
           actual=usage)


@contract("completions.finish_reason", when=_is_completion)
def completion_finish(rule: Rule, seen: Seen) -> None:
    values = [str(value) for value in rule.params["values"]]
    choices = _choices(seen)
    for position, choice in enumerate(choices):
        expect(rule.id, choice.get("finish_reason") in values, expected=f"choices[{position}].finish_reason in "
               f"{values}", actual=choice.get("finish_reason"))
    sent = _sent(seen)
    max_tokens, usage = sent.get("max_tokens"), seen.body.get("usage")
    generated = usage.get("completion_tokens") if isinstance(usage, dict) else None
    if _is_int(max_tokens) and _is_int(generated) and choices and sent.get("best_of") in (None, 1) \
            and sent.get("echo") is not True:
        expect(rule.id, generated <= max_tokens * len(choices),
               expected=f"completion_tokens <= max_tokens x choices = {max_tokens * len(choices)}", actual=generated)


@contract("completions.n_choices", when=_is_completion)
def completion_n(rule: Rule, seen: Seen) -> None:
    sent = _sent(seen)
    n = sent.get("n") if sent.get("n") is not None else 1
    prompts = prompts_of(sent.get("prompt"))
    choices = _choices(seen)
    if _is_int(n) and prompts is not None:
        expect(rule.id, len(choices) == n * len(prompts),
               expected=f"{n * len(prompts)} choices (n={n} x {len(prompts)} prompt(s))", actual=len(choices))
    indexes = [choice.get("index") for choice in choices]
    expect(rule.id, indexes == list(range(len(choices))), expected=f"indexes 0..{len(choices) - 1} in order",
           actual=indexes)


def _echoes(seen: Seen) -> bool:
    return _is_completion(seen) and _sent(seen).get("echo") is True


@contract("completions.echo", when=_echoes)
def completion_echo(rule: Rule, seen: Seen) -> None:
    sent = _sent(seen)
    prompts = prompts_of(sent.get("prompt"))
    n = sent.get("n") if _is_int(sent.get("n")) else 1
    if not prompts or not all(isinstance(prompt, str) and _TRUNCATED not in prompt for prompt in prompts):
        return  # token prompts echo as text the check cannot rebuild; cut prompts cannot be compared
    for position, choice in enumerate(_choices(seen)):
        prompt = prompts[min(position // max(n, 1), len(prompts) - 1)]
        text = choice.get("text")
        expect(rule.id, isinstance(text, str) and text.startswith(prompt),
               expected=f"choices[{position}].text beginning with the prompt {prompt[:60]!r}",
               actual=str(text)[:120])
