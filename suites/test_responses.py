"""The Responses API: create, stream, background, cancel, retrieve, delete, input items (R04.1.1-R04.1.3, R03.6.1,
R03.6.2, H.6, R03.7.1, R03.7.2, H.4, R03.10, R03.3.1, R07.1, R06.3, R06.4, R02.3.1, and the spec's CreateResponse,
text.format, tool_choice and Response).

Verdicts must hold on any server that keeps the rules, so:

* every request is as cheap as the rule allows: the model of the ``responses`` role (``--model responses=NAME``),
  a one-word input and ``max_output_tokens`` 16 (the smallest the API takes); a model the target does not serve
  ends the rule ``unsupported`` (``require_served``);
* a refusal counts against a control: the same request without the violation, accepted;
* token counts are judged by bounds and arithmetic, never by our tokenizer's count of a prompt;
* a step the test only needs (a response to continue, cancel or list) is a precondition: refused, the test is
  inconclusive;
* streams are read with the harness's own reader and checker (``openai_rulebook.streams``), which skip event types
  they do not know (R02.3.1).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import jsonschema
import pytest

from openai_rulebook.checks import expect, expect_accepted, expect_rejected, precondition, read
from openai_rulebook.errors import Inconclusive
from openai_rulebook.models import require_served
from openai_rulebook.streams import check_responses_stream, enforce, parse_events

#: a request whose answer is long (a list), so that 16 output tokens cut it: the bound is reached
LONG_ANSWER = "List the numbers from 1 to 100, one per line."
UNKNOWN_RESPONSE = "resp_0000000000000000000000000000000000000000000000"
#: an input of three messages whose texts say their position, for the input_items order
THREE_MESSAGES = [{"role": "user", "content": text} for text in ("one", "two", "three")]
FINISHED = ("completed", "incomplete", "failed", "cancelled")


@pytest.fixture
def create(api, model, rule) -> Callable[..., httpx.Response]:
    """``create(**fields)``: POST /v1/responses with the cheapest body plus ``fields``; a model the target does not
    serve ends the rule unsupported."""

    def send(**fields: Any) -> httpx.Response:
        body = {"model": model("responses"), "input": "Hi", "max_output_tokens": 16, **fields}
        response = api.post("/responses", body)
        require_served(response, body["model"], rule.id)
        return response

    return send


@pytest.fixture
def made(create) -> Callable[..., dict[str, Any]]:
    """``made(**fields)``: a response the test needs as a step (refused: inconclusive)."""

    def make(**fields: Any) -> dict[str, Any]:
        return precondition(create(**fields), "creating a response")

    return make


def texts(items: Any) -> list[str]:
    """The text of each listed input message (``content``: input_text parts)."""
    found = []
    for item in items:
        content = item.get("content") if isinstance(item, dict) else None
        parts = content if isinstance(content, list) else []
        found.append("".join(part.get("text", "") for part in parts if isinstance(part, dict)))
    return found


# -- the endpoints --------------------------------------------------------------------------------------------------
@pytest.mark.rule("responses.endpoints_exist")
def test_create_answers_a_response(rule, create):
    body = expect_accepted(create(), rule.id)
    expect(rule.id, body.get("object") == "response", expected="object 'response'", actual=body.get("object"))


@pytest.mark.rule("responses.endpoints_exist")
def test_cancel_answers_the_response(rule, api, made):
    created = made(background=True)
    body = expect_accepted(api.post(f"/responses/{created['id']}/cancel"), rule.id, why="cancelling a background "
                                                                                         "response")
    expect(rule.id, body.get("object") == "response" and body.get("id") == created["id"],
           expected=f"the response {created['id']} (object 'response')", actual=(body.get("object"), body.get("id")))


@pytest.mark.rule("responses.endpoints_exist")
def test_input_items_answer_a_list(rule, api, made):
    created = made()
    body = expect_accepted(api.get(f"/responses/{created['id']}/input_items"), rule.id)
    expect(rule.id, body.get("object") == "list" and isinstance(body.get("data"), list),
           expected="object 'list' with a data array", actual=(body.get("object"), body.get("data")))


# -- max_output_tokens ----------------------------------------------------------------------------------------------
@pytest.mark.rule("responses.max_output_tokens_bound")
def test_reaching_max_output_tokens_ends_incomplete(rule, create):
    bound = rule.params["bound"]
    body = expect_accepted(create(input=LONG_ANSWER, max_output_tokens=bound), rule.id)
    usage = body["usage"]
    output_tokens = usage.field("output_tokens", int)
    expect(rule.id, output_tokens <= bound, expected=f"usage.output_tokens <= {bound}", actual=output_tokens)
    if output_tokens < bound and body.get("status") != rule.params["status"]:
        raise Inconclusive(f"the model stopped after {output_tokens} of {bound} tokens: the bound was not reached")
    expect(rule.id, body.get("status") == rule.params["status"],
           expected=f"status {rule.params['status']!r} when the bound is reached", actual=body.get("status"))
    details = body["incomplete_details"]
    expect(rule.id, details.get("reason") == rule.params["reason"],
           expected=f"incomplete_details.reason {rule.params['reason']!r}", actual=details)


@pytest.mark.rule("responses.max_output_tokens_min")
def test_max_output_tokens_minimum(rule, create):
    low = rule.params["min"]
    expect_accepted(create(max_output_tokens=low), rule.id, why=f"max_output_tokens {low}")
    expect_rejected(create(max_output_tokens=low - 1), rule.id, param=rule.params["param"],
                    why=f"max_output_tokens {low - 1}", control=lambda: create(max_output_tokens=low))


# -- sampling parameters ----------------------------------------------------------------------------------------------
def judge_range(rule, create, inside: list[Any], outside: list[Any]) -> None:
    name = rule.params["param"]
    for value in inside:
        expect_accepted(create(**{name: value}), rule.id, why=f"{name} {value}")
    for value in outside:
        expect_rejected(create(**{name: value}), rule.id, param=name, why=f"{name} {value}",
                        control=lambda: create(**{name: inside[0]}))


@pytest.mark.rule("responses.top_logprobs_range")
def test_top_logprobs_range(rule, create):
    low, high = rule.params["min"], rule.params["max"]
    judge_range(rule, create, [low, high], [low - 1, high + 1])


@pytest.mark.rule("responses.temperature_range")
def test_temperature_range(rule, create):
    low, high = rule.params["min"], rule.params["max"]
    judge_range(rule, create, [low, high], [low - 0.1, high + 0.1])


@pytest.mark.rule("responses.top_p_range")
def test_top_p_range(rule, create):
    low, high = rule.params["min"], rule.params["max"]
    judge_range(rule, create, [low, high], [low - 0.1, high + 0.1])


@pytest.mark.rule("responses.include_values")
def test_include_values_are_accepted(rule, create):
    for value in rule.params["values"]:
        expect_accepted(create(include=[value]), rule.id, why=f"include [{value!r}]")


@pytest.mark.rule("responses.include_values")
def test_unknown_include_value_is_rejected(rule, create):
    known = rule.params["values"][-1]
    expect_rejected(create(include=["rulebook.unknown_value"]), rule.id, why="an include value outside the enum",
                    control=lambda: create(include=[known]))


# -- JSON mode and tools --------------------------------------------------------------------------------------------
#: room for a short JSON object or a function call, still cheap
ROOMY = 60
GREETING = {"type": "object", "properties": {"greeting": {"type": "string"}}, "required": ["greeting"],
            "additionalProperties": False}
CITY = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"],
        "additionalProperties": False}
TOOLS = [{"type": "function", "name": "get_weather", "description": "The weather in a city.", "parameters": CITY,
          "strict": True},
         {"type": "function", "name": "get_time", "description": "The time in a city.", "parameters": CITY,
          "strict": True}]
CALL_PROMPT = "What is the weather and the time in Paris?"


def completed(rule_id: str, body: Any, what: str) -> None:
    """The output is judged on a completed response only: one cut by the bound may be cut anywhere."""
    if body.get("status") != "completed":
        raise Inconclusive(f"{what}: the response is {body.get('status')!r}, not completed within {ROOMY} tokens")


def output_texts(output: Any) -> list[str]:
    return [part.get("text") for item in output if item.get("type") == "message"
            for part in item.get("content") or [] if part.get("type") == "output_text"]


@pytest.mark.rule("responses.json_mode_valid_json")
@pytest.mark.parametrize("kind", ["json_object", "json_schema"])
def test_json_mode_answers_json(rule, create, kind):
    fmt: dict[str, Any] = {"type": "json_object"} if kind == "json_object" else {
        "type": "json_schema", "name": "greeting", "strict": True, "schema": GREETING}
    body = expect_accepted(create(input='Reply with a JSON object {"greeting": "hi"}.', max_output_tokens=ROOMY,
                                  text={"format": fmt}), rule.id, why=kind)
    completed(rule.id, body, kind)
    texts = output_texts(body["output"])
    expect(rule.id, bool(texts), expected=f"a message with output text ({kind})", actual=body.get("output"))
    for text in texts:
        try:
            parsed = json.loads(text)
        except (TypeError, ValueError):
            expect(rule.id, False, expected=f"output text that parses as JSON ({kind})", actual=text)
        if kind == "json_schema":
            errors = [error.message for error in jsonschema.Draft202012Validator(GREETING).iter_errors(parsed)]
            expect(rule.id, not errors, expected="output text that validates against the strict schema",
                   actual=f"{text}: {errors[:2]}")


@pytest.mark.rule("responses.json_object_requires_json_mention")
def test_json_object_needs_json_in_the_input(rule, create):
    fmt = {"format": {"type": "json_object"}}
    expect_rejected(create(input="Say hi.", text=fmt), rule.id, why="json_object and no mention of JSON",
                    control=lambda: create(input="Say hi in JSON.", max_output_tokens=ROOMY, text=fmt))


@pytest.mark.rule("responses.tool_choice_calls")
@pytest.mark.parametrize("choice", ["required", "named", "none"])
def test_tool_choice_decides_the_calls(rule, create, choice):
    value: Any = {"type": "function", "name": "get_time"} if choice == "named" else choice
    body = expect_accepted(create(input=CALL_PROMPT, max_output_tokens=ROOMY, tools=TOOLS, tool_choice=value),
                           rule.id, why=f"tool_choice {choice}")
    calls = [item for item in body["output"] if str(item.get("type", "")).endswith("_call")]
    if choice == "none":
        expect(rule.id, not calls, expected="no tool call (tool_choice none)", actual=calls)
        return
    completed(rule.id, body, f"tool_choice {choice}")
    expect(rule.id, len(calls) >= 1, expected=f"a tool call (tool_choice {choice})", actual=body.get("output"))
    names = {tool["name"] for tool in TOOLS}
    for call in calls:
        expect(rule.id, call.get("type") == "function_call" and isinstance(call.get("call_id"), str)
               and call.get("name") in names and isinstance(call.get("arguments"), str),
               expected="a function_call with a call_id, a tool's name and string arguments", actual=call)
        if choice == "named":
            expect(rule.id, call.get("name") == "get_time", expected="a call to the named get_time",
                   actual=call.get("name"))


# -- conversation state -------------------------------------------------------------------------------------------
@pytest.mark.rule("responses.previous_response_id")
def test_previous_response_is_continued(rule, create, made):
    first = made()
    body = expect_accepted(create(previous_response_id=first["id"], input="And?"), rule.id,
                           why="continuing a stored response")
    expect(rule.id, body.get("previous_response_id") == first["id"], expected=f"previous_response_id {first['id']!r}",
           actual=body.get("previous_response_id"))


@pytest.mark.rule("responses.previous_response_id")
def test_unknown_previous_response_is_rejected(rule, create, made):
    first = made()
    response = create(previous_response_id=UNKNOWN_RESPONSE, input="And?")
    expect_rejected(response, rule.id, why="a previous_response_id that names no response",
                    control=lambda: create(previous_response_id=first["id"], input="And?"))
    expect(rule.id, response.status_code in (400, 404), expected="400 or 404", actual=response.status_code,
           response=response)


@pytest.mark.rule("responses.store_false_not_retrievable")
def test_unstored_response_is_not_retrievable(rule, api, made):
    unstored, stored = made(store=False), made()
    expect_rejected(api.get(f"/responses/{unstored['id']}"), rule.id, status=404,
                    why="retrieving a response created with store false",
                    control=lambda: api.get(f"/responses/{stored['id']}"))


@pytest.mark.rule("responses.retrieve_delete")
def test_retrieve_then_delete(rule, api, made):
    created = made()
    path = f"/responses/{created['id']}"
    body = expect_accepted(api.get(path), rule.id, why="retrieving a stored response")
    expect(rule.id, body.get("id") == created["id"], expected=f"id {created['id']!r}", actual=body.get("id"))
    deleted = expect_accepted(api.delete(path), rule.id, why="deleting a stored response")
    expect(rule.id, deleted.get("deleted") is True, expected="deleted: true", actual=deleted)
    gone = api.get(path)
    expect(rule.id, gone.status_code == 404, expected="404 retrieving a deleted response",
           actual=f"{gone.status_code} {gone.text[:200]}", response=gone)


# -- the response object --------------------------------------------------------------------------------------------
@pytest.mark.rule("responses.status_values")
def test_status_values(rule, api, create, made):
    values = rule.params["values"]
    seen = []
    plain = expect_accepted(create(), rule.id)
    cut = expect_accepted(create(input=LONG_ANSWER), rule.id)
    seen += [("created", plain.get("status")), ("created, cut", cut.get("status"))]
    for created in (plain, cut):
        retrieved = precondition(api.get(f"/responses/{created['id']}"), "retrieving the response")
        seen.append(("retrieved", retrieved.get("status")))
    background = made(background=True)
    seen.append(("created in the background", background.get("status")))
    cancelled = precondition(api.post(f"/responses/{background['id']}/cancel"), "cancelling the background response")
    seen.append(("cancelled", cancelled.get("status")))
    wrong = [(what, status) for what, status in seen if status not in values]
    expect(rule.id, not wrong, expected=f"status in {values}", actual=wrong)


@pytest.mark.rule("responses.usage_arithmetic")
def test_usage_adds_up(rule, api, create):
    created = expect_accepted(create(), rule.id)
    retrieved = precondition(api.get(f"/responses/{created['id']}"), "retrieving the response")
    for what, body in (("created", created), ("retrieved", retrieved)):
        usage = body["usage"]
        numbers = {name: usage.field(name, int) for name in ("input_tokens", "output_tokens", "total_tokens")}
        expect(rule.id, numbers["total_tokens"] == numbers["input_tokens"] + numbers["output_tokens"],
               expected=f"total_tokens = input_tokens + output_tokens ({what})", actual=numbers)
        cached = usage["input_tokens_details"].field("cached_tokens", int)
        reasoning = usage["output_tokens_details"].field("reasoning_tokens", int)
        expect(rule.id, 0 <= cached <= numbers["input_tokens"] and 0 <= reasoning <= numbers["output_tokens"],
               expected=f"cached_tokens <= input_tokens, reasoning_tokens <= output_tokens ({what})",
               actual={"cached_tokens": cached, "reasoning_tokens": reasoning, **numbers})


def check_output(rule_id: str, output: Any) -> None:
    """Every item has an id and a type; messages hold output_text (text, annotations) or refusal parts."""
    items = read(output, rule_id, where="output")
    expect(rule_id, isinstance(items, list), expected="an output array", actual=output)
    for index, item in enumerate(items):
        expect(rule_id, isinstance(item, dict) and isinstance(item.get("id"), str)
               and isinstance(item.get("type"), str), expected=f"output[{index}] with an id and a type", actual=item)
        if item.get("type") == "message":
            expect(rule_id, item.get("role") == "assistant", expected=f"output[{index}].role 'assistant'",
                   actual=item.get("role"))
            parts = item.field("content", list)
            for part in parts:
                ok = (part.get("type") == "output_text" and isinstance(part.get("text"), str)
                      and isinstance(part.get("annotations"), list)) or part.get("type") == "refusal"
                expect(rule_id, ok, expected=f"output[{index}].content parts: output_text with text and "
                                             "annotations, or refusal", actual=part)
        elif item.get("type") == "reasoning":
            expect(rule_id, isinstance(item.get("summary"), list), expected=f"output[{index}].summary an array",
                   actual=item)


@pytest.mark.rule("responses.output_shapes")
def test_output_item_shapes(rule, api, create):
    created = expect_accepted(create(), rule.id)
    check_output(rule.id, created["output"])
    retrieved = precondition(api.get(f"/responses/{created['id']}"), "retrieving the response")
    check_output(rule.id, retrieved["output"])


# -- streaming --------------------------------------------------------------------------------------------------------
@pytest.mark.rule("responses.stream_events")
def test_stream_events_are_ordered(rule, create):
    response = create(stream=True)
    expect_accepted(response, rule.id, why="stream: true")
    media = response.headers.get("content-type", "").split(";")[0].strip()
    expect(rule.id, media == "text/event-stream", expected="Content-Type text/event-stream", actual=media,
           response=response)
    enforce(check_responses_stream(parse_events(response.content)), rule.id)


@pytest.mark.rule("responses.stream_events")
def test_reasoning_stream_events_are_ordered(rule, create, model):
    """A reasoning model streams a reasoning item before (or beside) its message: several items, one stream."""
    response = create(stream=True, model=model("reasoning"), reasoning={"effort": "low"})
    expect_accepted(response, rule.id, why="stream: true")
    enforce(check_responses_stream(parse_events(response.content)), rule.id)


# -- background responses and cancel --------------------------------------------------------------------------------
@pytest.mark.rule("responses.background_lifecycle")
def test_background_response_finishes(rule, api, create, server_clock):
    created = expect_accepted(create(background=True), rule.id, why="background: true")
    expect(rule.id, created.get("status") in rule.params["values"],
           expected=f"status in {rule.params['values']} at create", actual=created.get("status"))
    path = f"/responses/{created['id']}"
    body = precondition(api.get(path), "retrieving the background response")
    for _ in server_clock.polls():
        if body.get("status") in FINISHED:
            break
        body = precondition(api.get(path), "retrieving the background response")
    if body.get("status") not in FINISHED:
        raise Inconclusive(f"the background response was still {body.get('status')} after "
                           f"{server_clock.max_wait:g} s")
    expect(rule.id, body.get("status") in ("completed", "incomplete"), expected="completed or incomplete",
           actual=body.get("status"))
    output = body["output"]
    expect(rule.id, isinstance(output, list) and len(output) > 0, expected="its output once finished", actual=output)


@pytest.mark.rule("responses.cancel_background_only")
def test_cancel_is_refused_without_background(rule, api, made):
    foreground, background = made(), made(background=True)
    expect_rejected(api.post(f"/responses/{foreground['id']}/cancel"), rule.id,
                    why="cancelling a response created without background",
                    control=lambda: api.post(f"/responses/{background['id']}/cancel"))


@pytest.mark.rule("responses.cancel_background_only")
def test_cancel_moves_a_background_response_to_cancelled(rule, api, made):
    created = made(background=True)
    if created.get("status") not in ("queued", "in_progress"):
        raise Inconclusive(f"the background response was {created.get('status')} at create: nothing to cancel")
    body = expect_accepted(api.post(f"/responses/{created['id']}/cancel"), rule.id, why="cancelling it")
    expect(rule.id, body.get("status") == rule.params["status"], expected=f"status {rule.params['status']!r}",
           actual=body.get("status"))


# -- input items ----------------------------------------------------------------------------------------------------
@pytest.fixture
def three_items(made) -> str:
    """The path of the input items of a response whose input is three messages: one, two, three."""
    return f"/responses/{made(input=THREE_MESSAGES)['id']}/input_items"


@pytest.mark.rule("responses.input_items.list.limit_range")
def test_input_items_limit_range(rule, api, three_items):
    low, high = rule.params["min"], rule.params["max"]
    for limit in (low, high):
        expect_accepted(api.get(three_items, params={"limit": limit}), rule.id, why=f"limit {limit}")
    for limit in (low - 1, high + 1):
        expect_rejected(api.get(three_items, params={"limit": limit}), rule.id, param="limit", why=f"limit {limit}",
                        control=lambda: api.get(three_items, params={"limit": low}))


@pytest.mark.rule("responses.input_items.list.order_default")
def test_input_items_order(rule, api, three_items):
    ascending = texts(expect_accepted(api.get(three_items, params={"order": "asc"}), rule.id)["data"])
    expect(rule.id, ascending == ["one", "two", "three"], expected="order=asc: the input's order", actual=ascending)
    default = texts(expect_accepted(api.get(three_items), rule.id)["data"])
    expect(rule.id, default == ["three", "two", "one"], expected="no order: desc, the last input item first",
           actual=default)


@pytest.mark.rule("responses.input_items.list.cursor_pagination")
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_input_items_pages(rule, api, three_items, order):
    walked: list[str] = []
    after = None
    for _ in range(len(THREE_MESSAGES) + 1):
        params = {"limit": 1, "order": order, **({"after": after} if after else {})}
        page = expect_accepted(api.get(three_items, params=params), rule.id, why=f"a page after {after}")
        data = page["data"]
        expect(rule.id, all(item.get("id") != after for item in data), expected=f"a page after {after} without it",
               actual=[item.get("id") for item in data])
        walked += texts(data)
        if not data or page.get("has_more") is not True:
            break
        after = data[-1].get("id")
    wanted = ["one", "two", "three"] if order == "asc" else ["three", "two", "one"]
    expect(rule.id, walked == wanted, expected=f"every input item once, {order}", actual=walked)


# -- model limits ---------------------------------------------------------------------------------------------------
@pytest.mark.rule("responses.truncation_disabled_overflow")
@pytest.mark.parametrize("truncation", [None, "disabled"], ids=["default", "disabled"])
def test_input_over_the_context_window_is_rejected(rule, create, truncation):
    words = rule.params["input_tokens"]
    huge = "rule" + " rule" * (words - 1)  # one token a word in the common tokenizers
    fields = {"truncation": truncation} if truncation else {}
    expect_rejected(create(input=huge, **fields), rule.id, status=400, why=f"an input of about {words} tokens",
                    control=lambda: create(**fields))


@pytest.mark.rule("responses.gpt5_pro_reasoning_high")
def test_gpt5_pro_effort_defaults_to_high(rule, api):
    name = rule.params["model"]
    response = api.post("/responses", {"model": name, "input": "Hi", "max_output_tokens": 16})
    require_served(response, name, rule.id)
    body = expect_accepted(response, rule.id, why=f"{name} without reasoning.effort")
    reasoning = body["reasoning"]
    expect(rule.id, reasoning.get("effort") == rule.params["default"],
           expected=f"reasoning.effort {rule.params['default']!r} by default", actual=reasoning)


@pytest.mark.rule("responses.gpt5_pro_reasoning_high")
def test_gpt5_pro_rejects_other_efforts(rule, api):
    name = rule.params["model"]

    def send(value: str) -> httpx.Response:
        return api.post("/responses", {"model": name, "input": "Hi", "max_output_tokens": 16,
                                       "reasoning": {"effort": value}})

    for effort in rule.params["rejected"]:
        response = send(effort)
        require_served(response, name, rule.id)
        expect_rejected(response, rule.id, status=400, param=rule.params["param"], why=f"reasoning.effort {effort!r}",
                        control=lambda: send(rule.params["default"]))
