"""Chat Completions: the create's parameters and answers, streaming, and stored completions (R03.5.2, R03.6.1,
R03.6.4, R03.7.1, R03.7.2, R03.8, R03.9.1, R03.10, R04.1.33, R04.1.34, R04.3, R06.5.14, R07.11, R07.12.2, R10.2.*,
R11.4, and the official spec: n, penalties, logit_bias, stop, tool_choice, parallel_tool_calls, stream_options,
usage, finish_reason, the stored completions' list and messages).

Every create is as cheap as its rule allows: a one-line prompt and a bound of a few tokens. Model names come from
the ``model`` fixture (roles chat and reasoning), or from the rule's params where the rule names a model; a model
the target does not serve ends the rule unsupported. Token counts are never pinned (another tokenizer counts
otherwise): only bounds and arithmetic. Stored completions are made with ``store: true`` and deleted when the test
ends.
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from typing import Any

import jsonschema
import pytest

from openai_rulebook.checks import expect, expect_accepted, expect_rejected, listed, precondition, read
from openai_rulebook.contracts._chat import finish_problem, usage_problem
from openai_rulebook.errors import Inconclusive
from openai_rulebook.models import require_served
from openai_rulebook.streams import check_chat_stream, enforce, parse_events

CREATE = "/chat/completions"
SHORT = "Say hi."
LONG = "Count from 1 to 50, one number per line."
#: a bound that leaves room for a short JSON object or a tool call, still cheap
ROOMY = 60
UNKNOWN_ID = "chatcmpl-rulebook0000000000000000000"
TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "description": "The weather in a city.",
                                      "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                     "required": ["city"], "additionalProperties": False}}},
    {"type": "function", "function": {"name": "get_time", "description": "The time in a city.",
                                      "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                     "required": ["city"], "additionalProperties": False}}},
]
CALL_PROMPT = "What is the weather and the time in Paris?"


# -- requests -------------------------------------------------------------------------------------------------------
def body_for(model: str, text: str = SHORT, *, bound: int | None = 2, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": text}]}
    if bound is not None:
        body["max_completion_tokens"] = bound
    return {**body, **extra}


def ask(api, model: str, text: str = SHORT, *, rule: str, bound: int | None = 2, **extra: Any):
    """POST a chat completion; a target that does not serve ``model`` makes ``rule`` unsupported."""
    response = api.post(CREATE, body_for(model, text, bound=bound, **extra))
    require_served(response, model, rule)
    return response


def judge(api, rule, model: str, accepted: bool, why: str, control: dict[str, Any], **extra: Any) -> None:
    """One request with ``extra``: accepted, or rejected naming the rule's param against ``control``."""
    response = ask(api, model, rule=rule.id, **extra)
    if accepted:
        expect_accepted(response, rule.id, why=why)
    else:
        param = rule.params.get("param") or next(iter(extra))
        expect_rejected(response, rule.id, param=param, why=why,
                        control=lambda: api.post(CREATE, body_for(model, **control)))


def stored(api, model: str, rule: str, text: str = SHORT, **extra: Any) -> dict[str, Any]:
    """A completion created with ``store: true`` (a step of the test: a refusal leaves it inconclusive)."""
    response = ask(api, model, text, rule=rule, bound=1, store=True, **extra)
    return precondition(response, "creating a stored chat completion")


def events_of(response, rule: str) -> list[Any]:
    """The stream's events; an answer that is not an event stream is the rule's violation."""
    kind = response.headers.get("content-type", "")
    expect(rule, response.is_success and kind.startswith("text/event-stream"),
           expected="200 with a text/event-stream body (stream: true)",
           actual=f"{response.status_code} {kind} {response.text[:200]}", response=response)
    return parse_events(response.text)


def created_seconds_apart(make, server_clock, count: int) -> list[str]:
    """``count`` stored completions' ids, oldest first, a second apart: ``created`` has one-second resolution and
    completions of the same second may be listed in any order."""
    ids = []
    for index in range(count):
        if index:
            server_clock.advance(1)
        ids.append(make()["id"])
    return ids


def tag(request) -> dict[str, str]:
    """A metadata pair only this test's completions carry, to find them in a list the account shares."""
    return {"rulebook_test": request.node.name[:60]}


def ours(page, ids: list[str]) -> list[str]:
    return [item["id"] for item in page["data"] if item.get("id") in ids]


# -- endpoints and object types -----------------------------------------------------------------------------------
@pytest.mark.rule("chat.endpoints_exist")
def test_create_and_update_answer_the_completion(api, rule, model):
    created = expect_accepted(ask(api, model(), rule=rule.id, bound=1, store=True), rule.id, why="a create")
    expect(rule.id, isinstance(created.get("id"), str) and isinstance(created.get("choices"), list)
           and len(created["choices"]) >= 1, expected="an id and a non-empty choices array", actual=created)
    for choice in created["choices"]:
        expect(rule.id, isinstance(choice.get("message"), dict), expected="each choice with a message", actual=choice)
    updated = expect_accepted(api.post(f"{CREATE}/{created['id']}", {"metadata": {"rulebook": "updated"}}), rule.id,
                              why="an update of a stored completion")
    expect(rule.id, updated.get("id") == created["id"], expected=f"the completion {created['id']!r}",
           actual=updated.get("id"))


@pytest.mark.rule("chat.object_type")
def test_every_answer_names_its_object_type(api, rule, model):
    values = rule.params["values"]
    completion, listing, deleted, chunk = values[0], values[1], values[2], values[3]

    def object_of(body, wanted, where):
        expect(rule.id, body.get("object") == wanted, expected=f"object {wanted!r} from {where}",
               actual=body.get("object"))

    created = expect_accepted(ask(api, model(), rule=rule.id, bound=1, store=True), rule.id)
    object_of(created, completion, "POST /chat/completions")
    path = f"{CREATE}/{created['id']}"
    object_of(expect_accepted(api.get(path), rule.id), completion, "GET /chat/completions/{id}")
    object_of(expect_accepted(api.post(path, {"metadata": {"k": "v"}}), rule.id), completion,
              "POST /chat/completions/{id}")
    page = expect_accepted(api.get(CREATE, params={"limit": 5}), rule.id)
    object_of(page, listing, "GET /chat/completions")
    for item in page["data"]:
        object_of(item, completion, "the items of GET /chat/completions")
    object_of(expect_accepted(api.delete(path), rule.id), deleted, "DELETE /chat/completions/{id}")
    events = events_of(ask(api, model(), rule=rule.id, bound=1, stream=True), rule.id)
    for event in events:
        if isinstance(event.data, dict):
            object_of(read(event.data, rule.id), chunk, "a stream chunk")


# -- parameter ranges ---------------------------------------------------------------------------------------------
def judge_on(api, rule, endpoint, valid_request, accepted: bool, why: str, control: dict[str, Any],
             **extra: Any) -> None:
    """``judge`` on any endpoint the rule lists, from its cheapest valid request (``valid_request``): the rule's
    model role belongs to chat, the other endpoints' requests name their own role's model."""
    prepared = valid_request(endpoint)
    response = prepared.with_json(**extra).send(api)
    require_served(response, prepared.json_body["model"], rule.id)
    if accepted:
        expect_accepted(response, rule.id, why=f"{why} on {endpoint}")
    else:
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"{why} on {endpoint}",
                        control=lambda: prepared.with_json(**control).send(api))


@pytest.mark.rule("chat.temperature_range")
@pytest.mark.parametrize("value", [0, 2, -0.1, 2.1])
def test_temperature_range(api, rule, endpoint, valid_request, value):
    accepted = rule.params["min"] <= value <= rule.params["max"]
    judge_on(api, rule, endpoint, valid_request, accepted, f"temperature={value}", {"temperature": 1},
             temperature=value)


@pytest.mark.rule("chat.top_p_range")
@pytest.mark.parametrize("value", [0, 1, -0.1, 1.1])
def test_top_p_range(api, rule, endpoint, valid_request, value):
    accepted = rule.params["min"] <= value <= rule.params["max"]
    judge_on(api, rule, endpoint, valid_request, accepted, f"top_p={value}", {"top_p": 1}, top_p=value)


@pytest.mark.rule("chat.penalty_range")
@pytest.mark.parametrize("name", ["frequency_penalty", "presence_penalty"])
@pytest.mark.parametrize("value", [-2, 2, -2.1, 2.1])
def test_penalty_range(api, rule, model, name, value):
    accepted = rule.params["min"] <= value <= rule.params["max"]
    response = ask(api, model(), rule=rule.id, **{name: value})
    if accepted:
        expect_accepted(response, rule.id, why=f"{name}={value}")
    else:
        expect_rejected(response, rule.id, param=name, why=f"{name}={value}",
                        control=lambda: api.post(CREATE, body_for(model(), **{name: 0})))


@pytest.mark.rule("chat.top_logprobs_range")
@pytest.mark.parametrize("value", [0, 20, 21])
def test_top_logprobs_range(api, rule, model, value):
    accepted = rule.params["min"] <= value <= rule.params["max"]
    judge(api, rule, model(), accepted, f"top_logprobs={value}", {"logprobs": True, "top_logprobs": 1},
          logprobs=True, top_logprobs=value)


@pytest.mark.rule("chat.n_range")
@pytest.mark.parametrize("value", [1, 128, 0, 129])
def test_n_range(api, rule, model, value):
    accepted = rule.params["min"] <= value <= rule.params["max"]
    response = ask(api, model(), rule=rule.id, bound=1, n=value)
    if accepted:
        expect_accepted(response, rule.id, why=f"n={value}")
    else:
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"n={value}",
                        control=lambda: api.post(CREATE, body_for(model(), bound=1, n=1)))


@pytest.mark.rule("chat.logit_bias_range")
@pytest.mark.parametrize("value", [-100, 100, -101, 101])
def test_logit_bias_range(api, rule, model, value):
    accepted = rule.params["min"] <= value <= rule.params["max"]
    # token 15339 is "hello" in cl100k_base and a valid id in every OpenAI tokenizer
    judge(api, rule, model(), accepted, f"a bias of {value}", {"logit_bias": {"15339": 1}},
          logit_bias={"15339": value})


@pytest.mark.rule("chat.stop_max_sequences")
@pytest.mark.parametrize("count", [1, 4, 5])
def test_stop_sequences(api, rule, model, count):
    stops = [f"rulebook-stop-{index}" for index in range(count)]
    judge(api, rule, model(), count <= rule.params["max"], f"{count} stop sequences", {"stop": stops[:1]},
          stop=stops)


@pytest.mark.rule("chat.safety_identifier_length")
@pytest.mark.parametrize("value", ["a" * 64, "a" * 65, 12345], ids=["64", "65", "integer"])
def test_safety_identifier(api, rule, endpoint, valid_request, value):
    accepted = isinstance(value, str) and len(value) <= rule.params["max_length"]
    judge_on(api, rule, endpoint, valid_request, accepted, f"safety_identifier {value!r:.20}",
             {"safety_identifier": "a" * 64}, safety_identifier=value)


# -- model-specific parameters --------------------------------------------------------------------------------------
@pytest.mark.rule("chat.max_tokens_rejected_for_o_series")
def test_max_tokens_is_refused_for_o_series(api, rule):
    name = rule.params["model"]
    response = api.post(CREATE, body_for(name, bound=None, max_tokens=16))
    require_served(response, name, rule.id)
    expect_rejected(response, rule.id, param=rule.params["param"], why=f"max_tokens with {name}",
                    control=lambda: api.post(CREATE, body_for(name, bound=16)))


@pytest.mark.rule("chat.stop_not_for_o3")
@pytest.mark.parametrize("index", [0, 1])
def test_stop_is_refused_for_o3_and_o4_mini(api, rule, index):
    name = rule.params["models"][index]
    response = api.post(CREATE, body_for(name, bound=16, stop=["\n"]))
    require_served(response, name, rule.id)
    expect_rejected(response, rule.id, param=rule.params["param"], why=f"stop with {name}",
                    control=lambda: api.post(CREATE, body_for(name, bound=16)))


@pytest.mark.rule("chat.deprecated_parameters_accepted")
@pytest.mark.parametrize("name", ["functions", "max_tokens", "seed", "user"])
def test_deprecated_parameters_still_work(api, rule, model, name):
    assert name in rule.params["values"]
    extra: dict[str, Any] = {
        "functions": {"functions": [TOOLS[0]["function"]], "function_call": "auto"},
        "max_tokens": {"max_tokens": 2},
        "seed": {"seed": 7},
        "user": {"user": "rulebook-user-hash"},
    }[name]
    response = ask(api, model(), rule=rule.id, bound=None if name == "max_tokens" else 2, **extra)
    expect_accepted(response, rule.id, why=f"the deprecated {name}")


# -- the answer: bound, choices, usage, finish reasons ----------------------------------------------------------------
@pytest.mark.rule("chat.max_completion_tokens_bound")
@pytest.mark.parametrize("bound", [1, 4])
def test_the_bound_caps_the_reply_with_length(api, rule, model, bound):
    body = expect_accepted(ask(api, model(), LONG, rule=rule.id, bound=bound), rule.id, why=f"a bound of {bound}")
    used = body["usage"].field("completion_tokens", int)
    expect(rule.id, used <= bound, expected=f"completion_tokens <= max_completion_tokens {bound}", actual=used)
    for choice in body["choices"]:
        # counting to 50 takes far more than a few tokens: the bound cut the reply
        expect(rule.id, choice.get("finish_reason") == rule.params["finish_reason"],
               expected=f"finish_reason {rule.params['finish_reason']!r} for a reply cut at {bound} tokens",
               actual=choice.get("finish_reason"))


@pytest.mark.rule("chat.n_choices")
def test_n_choices_are_answered(api, rule, model):
    body = expect_accepted(ask(api, model(), rule=rule.id, bound=1, n=3), rule.id, why="n=3")
    indexes = sorted(choice.get("index") for choice in body["choices"])
    expect(rule.id, indexes == [0, 1, 2], expected="three choices with indexes 0, 1, 2", actual=indexes)


@pytest.mark.rule("chat.usage_arithmetic")
@pytest.mark.parametrize("kind", ["chat", "reasoning"])
def test_usage_adds_up(api, rule, model, kind):
    body = expect_accepted(ask(api, model(kind), rule=rule.id, bound=16), rule.id, why=f"a {kind} model's reply")
    problem = usage_problem(body.get("usage"))
    expect(rule.id, problem is None, expected=problem or "", actual=body.get("usage"))


@pytest.mark.rule("chat.usage_arithmetic")
def test_a_stored_completions_usage_adds_up(api, rule, model):
    created = stored(api, model(), rule.id)
    body = expect_accepted(api.get(f"{CREATE}/{created['id']}"), rule.id, why="a stored completion")
    problem = usage_problem(body.get("usage"))
    expect(rule.id, problem is None, expected=problem or "", actual=body.get("usage"))


@pytest.mark.rule("chat.finish_reason_values")
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
@pytest.mark.parametrize("case", ["stop", "length", "tool_calls"])
def test_finish_reasons_are_documented_values(api, rule, model, stream, case):
    extra: dict[str, Any] = {"stop": {"bound": ROOMY}, "length": {"bound": 1},
                             "tool_calls": {"bound": ROOMY, "tools": TOOLS[:1], "tool_choice": "required"}}[case]
    response = ask(api, model(), CALL_PROMPT if case == "tool_calls" else SHORT, rule=rule.id, stream=stream, **extra)
    values = [str(value) for value in rule.params["values"]]
    if not stream:
        body = expect_accepted(response, rule.id, why=f"a reply ending with {case}")
        problem = finish_problem(body.get("choices"), values)
        expect(rule.id, problem is None, expected=problem or "", actual=body.get("choices"))
        return
    for event in events_of(response, rule.id):
        if isinstance(event.data, dict):
            problem = finish_problem(event.data.get("choices"), values, streamed=True)
            expect(rule.id, problem is None, expected=problem or "", actual=event.data)


# -- JSON mode ------------------------------------------------------------------------------------------------------
@pytest.mark.rule("chat.json_object_requires_json_mention")
def test_json_object_needs_json_in_the_messages(api, rule, model):
    fmt = {"type": "json_object"}
    response = ask(api, model(), "Say hi.", rule=rule.id, response_format=fmt)
    expect_rejected(response, rule.id, param=rule.params["param"], why="json_object and no mention of JSON",
                    control=lambda: api.post(CREATE, body_for(model(), "Say hi in JSON.", response_format=fmt)))


SCHEMA = {"type": "object", "properties": {"greeting": {"type": "string"}}, "required": ["greeting"],
          "additionalProperties": False}


@pytest.mark.rule("chat.json_mode_valid_json")
@pytest.mark.parametrize("kind", ["json_object", "json_schema"])
def test_json_mode_answers_json(api, rule, model, kind):
    fmt: dict[str, Any] = {"type": "json_object"} if kind == "json_object" else {
        "type": "json_schema", "json_schema": {"name": "greeting", "strict": True, "schema": SCHEMA}}
    body = expect_accepted(ask(api, model(), 'Reply with a JSON object {"greeting": "hi"}.', rule=rule.id,
                               bound=ROOMY, response_format=fmt), rule.id, why=kind)
    for choice in body["choices"]:
        if choice.get("finish_reason") != "stop":
            raise Inconclusive(f"the reply did not end with stop within {ROOMY} tokens: {choice.get('finish_reason')}")
        content = choice["message"].get("content")
        try:
            parsed = json.loads(content)
        except (TypeError, ValueError):
            expect(rule.id, False, expected=f"content that parses as JSON ({kind})", actual=content)
        if kind == "json_schema":
            errors = [error.message for error in jsonschema.Draft202012Validator(SCHEMA).iter_errors(parsed)]
            expect(rule.id, not errors, expected="content that validates against the strict schema",
                   actual=f"{content}: {errors[:2]}")


# -- tools --------------------------------------------------------------------------------------------------------
@pytest.mark.rule("chat.tool_choice_values")
@pytest.mark.parametrize("choice", ["none", "auto", "required", "named", "sometimes"])
def test_tool_choice_values(api, rule, model, choice):
    value: Any = {"type": "function", "function": {"name": "get_weather"}} if choice == "named" else choice
    response = ask(api, model(), CALL_PROMPT, rule=rule.id, bound=ROOMY, tools=TOOLS, tool_choice=value)
    if choice in rule.params["values"] or choice == "named":
        expect_accepted(response, rule.id, why=f"tool_choice {choice}")
    else:
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"tool_choice {choice!r}",
                        control=lambda: api.post(CREATE, body_for(model(), CALL_PROMPT, bound=ROOMY, tools=TOOLS,
                                                                  tool_choice="auto")))


def calls_of(choice) -> list[Any]:
    calls = choice["message"].get("tool_calls")
    return list(calls) if isinstance(calls, list) else []


@pytest.mark.rule("chat.tool_choice_calls")
@pytest.mark.parametrize("choice", ["required", "named", "none"])
def test_tool_choice_decides_the_calls(api, rule, model, choice):
    value: Any = {"type": "function", "function": {"name": "get_time"}} if choice == "named" else choice
    body = expect_accepted(ask(api, model(), CALL_PROMPT, rule=rule.id, bound=ROOMY, tools=TOOLS, tool_choice=value),
                           rule.id, why=f"tool_choice {choice}")
    names = {tool["function"]["name"] for tool in TOOLS}
    for choice_body in body["choices"]:
        calls = calls_of(choice_body)
        if choice == "none":
            expect(rule.id, not calls, expected="no tool call (tool_choice none)", actual=calls)
            continue
        if choice_body.get("finish_reason") == "length":
            raise Inconclusive(f"the tool call did not fit in {ROOMY} tokens")
        expect(rule.id, len(calls) >= 1, expected=f"a tool call (tool_choice {choice})", actual=choice_body["message"])
        expect(rule.id, choice_body.get("finish_reason") == rule.params["finish_reason"],
               expected=f"finish_reason {rule.params['finish_reason']!r}", actual=choice_body.get("finish_reason"))
        for call in calls:
            function = call.get("function") if isinstance(call.get("function"), dict) else {}
            expect(rule.id, isinstance(call.get("id"), str) and call.get("type") == "function"
                   and function.get("name") in names and isinstance(function.get("arguments"), str),
                   expected="a call with an id, type function, a tool's name and string arguments", actual=call)
            if choice == "named":
                expect(rule.id, function.get("name") == "get_time", expected="a call to the named get_time",
                       actual=function.get("name"))


@pytest.mark.rule("chat.parallel_tool_calls")
def test_parallel_tool_calls_false_makes_one_call(api, rule, model):
    body = expect_accepted(ask(api, model(), CALL_PROMPT, rule=rule.id, bound=ROOMY, tools=TOOLS,
                               tool_choice="required", parallel_tool_calls=False), rule.id)
    for choice in body["choices"]:
        calls = calls_of(choice)
        expect(rule.id, len(calls) <= 1, expected="at most one tool call (parallel_tool_calls false)",
               actual=len(calls))


# -- streaming ------------------------------------------------------------------------------------------------------
@pytest.mark.rule("chat.stream_chunks")
@pytest.mark.parametrize("case", ["text", "n=2", "tool_call"])
def test_a_stream_is_chunks_then_done(api, rule, model, case):
    extra: dict[str, Any] = {"text": {}, "n=2": {"n": 2},
                             "tool_call": {"tools": TOOLS[:1], "tool_choice": "required", "bound": ROOMY}}[case]
    extra.setdefault("bound", 3)
    text = CALL_PROMPT if case == "tool_call" else SHORT
    sent = body_for(model(), text, stream=True, **extra)
    response = ask(api, model(), text, rule=rule.id, stream=True, **extra)
    enforce(check_chat_stream(events_of(response, rule.id), request=sent), rule.id)


@pytest.mark.rule("chat.stream_include_usage")
@pytest.mark.parametrize("include", [True, False], ids=["include_usage", "without"])
def test_include_usage_adds_a_last_usage_chunk(api, rule, model, include):
    extra: dict[str, Any] = {"stream_options": {"include_usage": True}} if include else {}
    sent = body_for(model(), bound=3, stream=True, **extra)
    events = events_of(ask(api, model(), rule=rule.id, bound=3, stream=True, **extra), rule.id)
    # the usage chunk's own checks; the stream's framing is chat.stream_chunks's business
    enforce([f for f in check_chat_stream(events, request=sent) if f.check == "chat.usage_chunk"], rule.id)
    chunks = [event.data for event in events if isinstance(event.data, dict)]
    others = chunks[:-1] if include else chunks
    carrying = [chunk.get("usage") for chunk in others if chunk.get("usage") is not None]
    expect(rule.id, not carrying, expected="no usage on the other chunks" if include else "no usage on any chunk "
           "without include_usage", actual=carrying[:2])


# -- stored completions ---------------------------------------------------------------------------------------------
@pytest.mark.rule("chat.stored_completions_only")
@pytest.mark.parametrize("store", [False, None], ids=["store_false", "store_absent"])
def test_only_stored_completions_are_found(api, rule, model, request, store):
    pair = tag(request)
    extra = {"store": store} if store is not None else {}
    kept = stored(api, model(), rule.id, metadata=pair)
    unkept = precondition(ask(api, model(), rule=rule.id, bound=1, metadata=pair, **extra),
                          "creating a completion that is not stored")
    path = f"{CREATE}/{unkept['id']}"
    for method, url, body in (("GET", path, None), ("GET", f"{path}/messages", None),
                              ("POST", path, {"metadata": {"k": "v"}})):
        response = api.request(method, url, json_body=body)
        expect(rule.id, response.status_code == 404, expected=f"404 from {method} {url} (not stored)",
               actual=f"{response.status_code} {response.text[:200]}", response=response)
    listed_ids = [item.get("id") for item in listed(api.get(CREATE, params={f"metadata[{k}]": v for k, v in
                                                                              pair.items()} | {"limit": 100}),
                                                     "listing this test's completions", rule=rule.id)]
    expect(rule.id, unkept["id"] not in listed_ids and kept["id"] in listed_ids,
           expected="the stored completion listed and the other not", actual=listed_ids)
    kept_path = f"{CREATE}/{kept['id']}"
    for method, url, body in (("GET", kept_path, None), ("GET", f"{kept_path}/messages", None),
                              ("POST", kept_path, {"metadata": {"k": "v"}}), ("DELETE", kept_path, None)):
        expect_accepted(api.request(method, url, json_body=body), rule.id, why=f"{method} {url} (stored)")
    response = api.delete(path)
    expect(rule.id, response.status_code == 404, expected=f"404 from DELETE {path} (not stored)",
           actual=f"{response.status_code} {response.text[:200]}", response=response)


@pytest.mark.rule("chat.update_metadata_only")
@pytest.mark.parametrize("other", ["messages", "model", "none"])
def test_only_metadata_is_updated(api, rule, model, other):
    created = stored(api, model(), rule.id)
    path = f"{CREATE}/{created['id']}"
    new = {"rulebook": f"updated-{other}"}
    if other == "none":
        expect_rejected(api.post(path, {}), rule.id, param=rule.params["param"], why="an update without metadata",
                        control=lambda: api.post(path, {"metadata": new}))
        return
    value = [{"role": "user", "content": "Changed."}] if other == "messages" else model()
    expect_rejected(api.post(path, {"metadata": new, other: value}), rule.id, why=f"an update of {other}",
                    control=lambda: api.post(path, {"metadata": new}))
    body = expect_accepted(api.get(path), rule.id, why="reading the updated completion")
    expect(rule.id, body.get("metadata") == new, expected=f"metadata {new}", actual=body.get("metadata"))


def png(size: int) -> bytes:
    """A valid 1x1 PNG of at least ``size`` bytes: the padding is a private ancillary chunk decoders skip."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    head = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    tail = chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b"")
    padding = max(size - len(head) - len(tail) - 12, 0)
    return head + (chunk(b"ruLe", b"\x00" * padding) if padding else b"") + tail


def image_part(data: bytes) -> dict[str, Any]:
    return {"type": "image_url",
            "image_url": {"url": "data:image/png;base64," + base64.b64encode(data).decode(), "detail": "low"}}


@pytest.mark.rule("chat.store_large_images_dropped")
def test_images_over_8_mb_are_not_stored(api, rule, model):
    small, large = png(200), png(rule.params["max_bytes"] + 1024)
    content = [{"type": "text", "text": "Describe the images in one word."}, image_part(large), image_part(small)]
    response = api.post(CREATE, {"model": model(), "messages": [{"role": "user", "content": content}],
                                 "max_completion_tokens": 1, "store": True})
    require_served(response, model(), rule.id)
    created = precondition(response, "creating a stored completion with two images")
    messages = listed(api.get(f"{CREATE}/{created['id']}/messages"), "reading the stored messages")
    if not messages:
        raise Inconclusive("the stored completion lists no message")
    parts = messages[0].get("content_parts")
    images = [part for part in (parts if isinstance(parts, list) else [])
              if isinstance(part, dict) and part.get("type") == "image_url"]
    # how a kept image is written back (the data URL, a file reference) is not documented: only the count is
    sizes = [len(json.dumps(part)) for part in images]
    expect(rule.id, len(images) == 1 and sizes[0] < rule.params["max_bytes"],
           expected="one image part (the small one kept, the one over 8 MB dropped)",
           actual=f"{len(images)} image part(s) of {sizes} characters")


# -- the list of stored completions and their messages ----------------------------------------------------------------
@pytest.fixture
def make_stored(api, model, request):
    pair = tag(request)

    def make(**extra: Any) -> dict[str, Any]:
        return stored(api, model("chat"), "chat.list.cursor_pagination", metadata={**pair, **extra})

    make.pair = pair  # type: ignore[attr-defined]
    return make


def page_of(api, rule_id: str, pair: dict[str, str], **query: Any):
    params = {f"metadata[{key}]": value for key, value in pair.items()} | query
    return expect_accepted(api.get(CREATE, params=params), rule_id, why=f"listing with {query}")


@pytest.mark.rule("chat.list.order_default")
def test_list_defaults_to_oldest_first(api, rule, make_stored, server_clock):
    ids = created_seconds_apart(make_stored, server_clock, 2)
    found = ours(page_of(api, rule.id, make_stored.pair, limit=100), ids)
    expect(rule.id, found == ids, expected=f"oldest first without order ({rule.params['default']})", actual=found)


@pytest.mark.rule("chat.list.order_values")
@pytest.mark.parametrize("order", ["asc", "desc", "sideways"])
def test_list_order_values(api, rule, make_stored, server_clock, order):
    if order not in rule.params["values"]:
        response = api.get(CREATE, params={"order": order, "limit": 1})
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"order={order}",
                        control=lambda: api.get(CREATE, params={"order": "asc", "limit": 1}))
        return
    ids = created_seconds_apart(make_stored, server_clock, 2)
    found = ours(page_of(api, rule.id, make_stored.pair, limit=100, order=order), ids)
    wanted = ids if order == "asc" else ids[::-1]
    expect(rule.id, found == wanted, expected=f"{wanted} for order={order}", actual=found)


def walk(api, rule_id: str, path: str, params: dict[str, Any], limit: int, pages: int) -> list[str]:
    """Follow ``after`` page by page; each page must hold at most ``limit`` items and name its ends."""
    seen: list[str] = []
    after = None
    for _ in range(pages):
        query = {**params, "limit": limit} | ({"after": after} if after else {})
        page = expect_accepted(api.get(path, params=query), rule_id, why=f"a page after {after}")
        ids = [item.get("id") for item in page["data"]]
        expect(rule_id, len(ids) <= limit, expected=f"at most {limit} items", actual=len(ids))
        expect(rule_id, page.get("first_id") == (ids[0] if ids else None) and page.get("last_id") == (
            ids[-1] if ids else None), expected="first_id and last_id the page's ends",
            actual=f"{page.get('first_id')!r}, {page.get('last_id')!r} for {ids}")
        seen += ids
        if not page.get("has_more"):
            break
        after = ids[-1] if ids else None
    return seen


@pytest.mark.rule("chat.list.cursor_pagination")
def test_list_pages_visit_every_completion_once(api, rule, make_stored, server_clock):
    ids = created_seconds_apart(make_stored, server_clock, 3)
    query = {f"metadata[{key}]": value for key, value in make_stored.pair.items()} | {"order": "asc"}
    seen = walk(api, rule.id, CREATE, query, 1, 10)
    found = [item for item in seen if item in ids]
    expect(rule.id, found == ids and len(seen) == len(set(seen)), expected=f"{ids}, each once, in order",
           actual=seen)


@pytest.mark.rule("chat.list.filters")
def test_list_filters_by_metadata_and_model(api, rule, make_stored, model):
    first = make_stored(rulebook_side="a")["id"]
    second = make_stored(rulebook_side="b")["id"]
    page = page_of(api, rule.id, {**make_stored.pair, "rulebook_side": "a"}, limit=100)
    found = [item.get("id") for item in page["data"]]
    expect(rule.id, first in found and second not in found, expected=f"only {first} (metadata rulebook_side=a)",
           actual=found)
    page = page_of(api, rule.id, make_stored.pair, limit=100, model=model("chat"))
    found = [item.get("id") for item in page["data"]]
    expect(rule.id, {first, second} <= set(found), expected=f"both completions of model {model('chat')}",
           actual=found)


CONVERSATION = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hi."},
                {"role": "assistant", "content": "Hi."}, {"role": "user", "content": "Say hi."}]


@pytest.fixture
def conversation(api, model) -> str:
    response = api.post(CREATE, {"model": model("chat"), "messages": CONVERSATION, "max_completion_tokens": 1,
                                 "store": True})
    require_served(response, model("chat"), "chat.messages.list.order_default")
    return precondition(response, "creating a stored completion of four messages")["id"]


def contents(page) -> list[Any]:
    return [item.get("content") for item in page["data"]]


@pytest.mark.rule("chat.messages.list.order_default")
def test_messages_are_listed_in_the_order_sent(api, rule, conversation):
    sent = [message["content"] for message in CONVERSATION]
    page = expect_accepted(api.get(f"{CREATE}/{conversation}/messages"), rule.id, why="no order")
    expect(rule.id, contents(page) == sent, expected=f"{sent} (order {rule.params['default']})",
           actual=contents(page))
    page = expect_accepted(api.get(f"{CREATE}/{conversation}/messages", params={"order": "desc"}), rule.id)
    expect(rule.id, contents(page) == sent[::-1], expected=f"{sent[::-1]} (order desc)", actual=contents(page))


@pytest.mark.rule("chat.messages.list.cursor_pagination")
def test_message_pages_visit_every_message_once(api, rule, conversation):
    seen = walk(api, rule.id, f"{CREATE}/{conversation}/messages", {"order": "asc"}, 1, 10)
    expect(rule.id, len(seen) == len(CONVERSATION) and len(set(seen)) == len(seen),
           expected=f"{len(CONVERSATION)} messages, each once", actual=seen)


@pytest.mark.rule("chat.stored_completions_only")
def test_an_unknown_completion_is_404(api, rule):
    for method in ("GET", "DELETE"):
        response = api.request(method, f"{CREATE}/{UNKNOWN_ID}")
        expect(rule.id, response.status_code == 404, expected=f"404 from {method} of an unknown id",
               actual=f"{response.status_code} {response.text[:200]}", response=response)
