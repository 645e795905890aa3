"""The chat area's contract checks on one exchange: what each rule's statement says of a chat completion, a stored
one, a list of them or of their messages. The pure readings (``usage_problem``, ``finish_problem``) are also what the
suites assert, so that a suite and the calibration on real traffic judge alike. Streams are the stream checkers'.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from openai_rulebook.catalog import Rule
from openai_rulebook.checks import expect
from openai_rulebook.contracts._registry import Seen, contract
from openai_rulebook.contracts._responses import _check_object_type, _check_page, _is_collection, _items, _object

CREATE = "POST /v1/chat/completions"


# -- pure readings, shared with the suites ---------------------------------------------------------------------------
def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def usage_problem(usage: Any) -> str | None:
    """What is wrong with a ``usage`` object's arithmetic, or None: total = prompt + completion, details <= totals."""
    if not isinstance(usage, Mapping):
        return f"a usage object, got {usage!r}"
    prompt, completion, total = (_count(usage.get(k)) for k in ("prompt_tokens", "completion_tokens", "total_tokens"))
    if None in (prompt, completion, total):
        return f"prompt_tokens, completion_tokens and total_tokens as counts, got {dict(usage)!r}"
    if total != prompt + completion:
        return f"total_tokens {total} = prompt_tokens {prompt} + completion_tokens {completion}"
    for name, bound in (("prompt_tokens_details", prompt), ("completion_tokens_details", completion)):
        details = usage.get(name)
        if details is None:
            continue  # stored completions and older answers have no details
        if not isinstance(details, Mapping):
            return f"{name} an object, got {details!r}"
        for key, value in details.items():
            if value is not None and (_count(value) is None or value > bound):
                return f"{name}.{key} a count of at most {bound}, got {value!r}"
    return None


def finish_problem(choices: Any, values: list[str], *, streamed: bool = False) -> str | None:
    """What is wrong with the ``finish_reason`` of ``choices``, or None (in a stream, null is allowed)."""
    if not isinstance(choices, list):
        return f"a choices array, got {choices!r}"
    for choice in choices:
        reason = choice.get("finish_reason") if isinstance(choice, Mapping) else None
        if streamed and reason is None and isinstance(choice, Mapping) and "finish_reason" in choice:
            continue
        if reason not in values:
            return f"finish_reason one of {values}, got {reason!r}"
    return None


# -- registered checks -----------------------------------------------------------------------------------------------
def _json_answer(seen: Seen) -> bool:
    return isinstance(seen.body, dict)


def _sent(seen: Seen) -> dict[str, Any]:
    return seen.request_body if isinstance(seen.request_body, dict) else {}


def _created(seen: Seen) -> bool:
    return seen.endpoint == CREATE and isinstance(seen.body, dict)


@contract("chat.object_type", when=_json_answer)
def chat_object_type(rule: Rule, seen: Seen) -> None:
    _check_object_type(rule, seen)


@contract("chat.endpoints_exist", when=_created)
def chat_created(rule: Rule, seen: Seen) -> None:
    body = _object(seen)
    expect(rule.id, isinstance(body.get("id"), str) and isinstance(body.get("choices"), list),
           expected="a chat completion with an id and a choices array", actual=body)


@contract("chat.usage_arithmetic", when=lambda seen: isinstance(_object(seen).get("usage"), dict))
def chat_usage(rule: Rule, seen: Seen) -> None:
    problem = usage_problem(_object(seen).get("usage"))
    expect(rule.id, problem is None, expected=problem or "", actual=_object(seen).get("usage"))


@contract("chat.finish_reason_values", when=lambda seen: _created(seen) and "choices" in _object(seen))
def chat_finish_reasons(rule: Rule, seen: Seen) -> None:
    choices = _object(seen).get("choices")
    problem = finish_problem(choices, [str(v) for v in rule.params["values"]])
    expect(rule.id, problem is None, expected=problem or "", actual=choices)


def _bound(seen: Seen) -> int | None:
    bound = _sent(seen).get("max_completion_tokens")
    return _count(bound)


@contract("chat.max_completion_tokens_bound", when=lambda seen: _created(seen) and _bound(seen) is not None)
def chat_bound(rule: Rule, seen: Seen) -> None:
    bound, n = _bound(seen), _count(_sent(seen).get("n")) or 1
    usage = _object(seen).get("usage")
    used = usage.get("completion_tokens") if isinstance(usage, dict) else None
    expect(rule.id, isinstance(used, int) and used <= (bound or 0) * n,
           expected=f"completion_tokens at most {n} x max_completion_tokens {bound}", actual=used)


def _json_object_sent(seen: Seen) -> bool:
    response_format = _sent(seen).get("response_format")
    return _created(seen) and isinstance(response_format, dict) and response_format.get("type") == "json_object"


@contract("chat.json_mode_valid_json", when=_json_object_sent)
def chat_json_mode(rule: Rule, seen: Seen) -> None:
    for choice in _object(seen).get("choices") or []:
        if not isinstance(choice, dict) or choice.get("finish_reason") != "stop":
            continue
        content = (choice.get("message") or {}).get("content")
        try:
            json.loads(content)
            parsed = True
        except (TypeError, ValueError):
            parsed = False
        expect(rule.id, parsed, expected="content that parses as JSON (finish_reason stop)", actual=content)


@contract("chat.n_choices", when=lambda seen: _created(seen) and _count(_sent(seen).get("n")) is not None)
def chat_n_choices(rule: Rule, seen: Seen) -> None:
    n = _sent(seen)["n"]
    indexes = sorted(c.get("index") for c in _object(seen).get("choices") or [] if isinstance(c, dict))
    expect(rule.id, indexes == list(range(n)), expected=f"choices with indexes 0..{n - 1}", actual=indexes)


@contract("chat.tool_choice_calls", when=lambda seen: _created(seen) and _sent(seen).get("tool_choice") == "required")
def chat_required_tool_call(rule: Rule, seen: Seen) -> None:
    for choice in _object(seen).get("choices") or []:
        if not isinstance(choice, dict) or choice.get("finish_reason") == "length":
            continue
        calls = (choice.get("message") or {}).get("tool_calls")
        expect(rule.id, isinstance(calls, list) and len(calls) > 0, expected="a tool call (tool_choice required)",
               actual=choice.get("message"))


def _listing(seen: Seen) -> bool:
    return _is_collection(seen) and isinstance(seen.body, dict)


contract("chat.list.cursor_pagination", when=_listing)(_check_page)
contract("chat.messages.list.cursor_pagination", when=_listing)(_check_page)


@contract("chat.list.order_default", when=lambda seen: _listing(seen) and "order" not in seen.query)
def chat_list_oldest_first(rule: Rule, seen: Seen) -> None:
    stamps = [item.get("created") if isinstance(item, dict) else None for item in _items(seen)]
    expect(rule.id, all(isinstance(s, int) for s in stamps) and stamps == sorted(stamps),
           expected="created non-decreasing (oldest first)", actual=stamps)


def _metadata_filter(seen: Seen) -> dict[str, Any]:
    return {key[len("metadata["):-1]: value for key, value in seen.query.items()
            if key.startswith("metadata[") and key.endswith("]")}


@contract("chat.list.filters", when=lambda seen: _listing(seen) and bool(_metadata_filter(seen) or "model" in seen.query))
def chat_list_filtered(rule: Rule, seen: Seen) -> None:
    wanted = _metadata_filter(seen)
    for item in _items(seen):
        metadata = item.get("metadata") if isinstance(item, dict) else None
        metadata = metadata if isinstance(metadata, dict) else {}
        expect(rule.id, all(metadata.get(k) == v for k, v in wanted.items()),
               expected=f"only completions with metadata {wanted}", actual=metadata)
