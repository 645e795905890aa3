"""Contract checks of the Responses API (``responses.*`` rules): what one recorded or live exchange can show.

Streams are judged by the stream checker (``openai_rulebook.streams``, calibrated on every real stream in
``tests/calibration/test_streams.py``), not here: a recorded stream has no JSON body.
"""

from __future__ import annotations

import json
from typing import Any

from openai_rulebook.catalog import Rule
from openai_rulebook.checks import expect
from openai_rulebook.contracts._registry import Seen, contract


def _body(seen: Seen) -> dict[str, Any]:
    return seen.body if isinstance(seen.body, dict) else {}


def _is_response(seen: Seen) -> bool:
    """A JSON body that is a response object (creates, retrieves, cancels; not deletions, lists or streams)."""
    return isinstance(seen.body, dict) and "deleted" not in seen.body and "output" in seen.body


def _sent(seen: Seen) -> dict[str, Any]:
    return seen.request_body if isinstance(seen.request_body, dict) else {}


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@contract("responses.endpoints_exist", when=lambda seen: isinstance(seen.body, dict))
def response_endpoints(rule: Rule, seen: Seen) -> None:
    wanted = "list" if (seen.endpoint or "").endswith("/input_items") else "response"
    expect(rule.id, _body(seen).get("object") == wanted, expected=f"object {wanted!r} from {seen.endpoint}",
           actual=_body(seen).get("object"))


@contract("responses.status_values", when=_is_response)
def response_status(rule: Rule, seen: Seen) -> None:
    values = rule.params["values"]
    expect(rule.id, _body(seen).get("status") in values, expected=f"status in {values}",
           actual=_body(seen).get("status"))


@contract("responses.max_output_tokens_bound",
          when=lambda seen: _is_response(seen) and _int(_sent(seen).get("max_output_tokens"))
          and isinstance(_body(seen).get("usage"), dict))
def output_bound(rule: Rule, seen: Seen) -> None:
    bound = _sent(seen)["max_output_tokens"]
    body = _body(seen)
    output_tokens = body["usage"].get("output_tokens")
    expect(rule.id, _int(output_tokens) and output_tokens <= bound, expected=f"usage.output_tokens <= {bound}",
           actual=output_tokens)
    if body.get("status") == rule.params["status"]:
        details = body.get("incomplete_details") if isinstance(body.get("incomplete_details"), dict) else {}
        if details.get("reason") == rule.params["reason"]:
            return
    expect(rule.id, output_tokens < bound, expected=f"status {rule.params['status']!r} with reason "
                                                    f"{rule.params['reason']!r} once {bound} tokens are reached",
           actual=(body.get("status"), body.get("incomplete_details")))


@contract("responses.usage_arithmetic", when=lambda seen: _is_response(seen)
          and isinstance(_body(seen).get("usage"), dict))
def usage_adds_up(rule: Rule, seen: Seen) -> None:
    usage = _body(seen)["usage"]
    numbers = {name: usage.get(name) for name in ("input_tokens", "output_tokens", "total_tokens")}
    expect(rule.id, all(_int(n) for n in numbers.values())
           and numbers["total_tokens"] == numbers["input_tokens"] + numbers["output_tokens"],
           expected="total_tokens = input_tokens + output_tokens", actual=numbers)
    cached = (usage.get("input_tokens_details") or {}).get("cached_tokens", 0)
    reasoning = (usage.get("output_tokens_details") or {}).get("reasoning_tokens", 0)
    expect(rule.id, _int(cached) and 0 <= cached <= numbers["input_tokens"] and _int(reasoning)
           and 0 <= reasoning <= numbers["output_tokens"],
           expected="cached_tokens <= input_tokens, reasoning_tokens <= output_tokens",
           actual={"cached_tokens": cached, "reasoning_tokens": reasoning, **numbers})


@contract("responses.output_shapes", when=_is_response)
def output_items(rule: Rule, seen: Seen) -> None:
    output = _body(seen).get("output")
    expect(rule.id, isinstance(output, list), expected="an output array", actual=output)
    for index, item in enumerate(output):
        item = item if isinstance(item, dict) else {}
        expect(rule.id, isinstance(item.get("id"), str) and isinstance(item.get("type"), str),
               expected=f"output[{index}] with an id and a type", actual=item)
        if item.get("type") == "message":
            expect(rule.id, item.get("role") == "assistant", expected=f"output[{index}].role 'assistant'",
                   actual=item.get("role"))
            parts = item.get("content")
            expect(rule.id, isinstance(parts, list), expected=f"output[{index}].content an array", actual=parts)
            for part in parts:
                part = part if isinstance(part, dict) else {}
                ok = (part.get("type") == "output_text" and isinstance(part.get("text"), str)
                      and isinstance(part.get("annotations"), list)) or part.get("type") == "refusal"
                expect(rule.id, ok, expected=f"output[{index}].content: output_text parts with text and annotations, "
                                             "or refusal", actual=part)
        elif item.get("type") == "reasoning":
            expect(rule.id, isinstance(item.get("summary"), list), expected=f"output[{index}].summary an array",
                   actual=item)


def _text_format(seen: Seen) -> str | None:
    text = _sent(seen).get("text")
    fmt = text.get("format") if isinstance(text, dict) else None
    return fmt.get("type") if isinstance(fmt, dict) else None


def _completed(seen: Seen) -> bool:
    return _is_response(seen) and _body(seen).get("status") == "completed"


@contract("responses.json_mode_valid_json",
          when=lambda seen: _completed(seen) and _text_format(seen) in ("json_object", "json_schema"))
def json_mode_answers_json(rule: Rule, seen: Seen) -> None:
    """Parsing only: a recorded request's schema may use keywords the client's SDK rewrote, so the schema itself is
    judged by the suite's own requests."""
    for item in _body(seen).get("output") or []:
        if not isinstance(item, dict) or item.get("type") != "message":
            continue
        for part in item.get("content") or []:
            if not isinstance(part, dict) or part.get("type") != "output_text":
                continue
            try:
                json.loads(part.get("text"))
                parsed = True
            except (TypeError, ValueError):
                parsed = False
            expect(rule.id, parsed, expected=f"output text that parses as JSON ({_text_format(seen)})",
                   actual=part.get("text"))


def _tool_choice_judged(seen: Seen) -> bool:
    """``required``, ``none`` or a named function (``auto``, ``allowed_tools`` and built-in tools promise nothing)."""
    choice = _sent(seen).get("tool_choice")
    return _completed(seen) and (choice in ("required", "none") or (
        isinstance(choice, dict) and choice.get("type") == "function" and isinstance(choice.get("name"), str)))


@contract("responses.tool_choice_calls", when=_tool_choice_judged)
def tool_choice_calls(rule: Rule, seen: Seen) -> None:
    choice = _sent(seen)["tool_choice"]
    output = _body(seen).get("output") or []
    calls = [item for item in output if isinstance(item, dict) and str(item.get("type", "")).endswith("_call")]
    if choice == "none":
        expect(rule.id, not calls, expected="no tool call (tool_choice none)", actual=calls)
    elif choice == "required":
        expect(rule.id, len(calls) >= 1, expected="a tool call (tool_choice required)", actual=output)
    else:
        named = [call for call in calls if call.get("type") == "function_call" and call.get("name") == choice["name"]]
        expect(rule.id, len(named) >= 1, expected=f"a function_call to {choice['name']!r} (the named tool_choice)",
               actual=calls)
