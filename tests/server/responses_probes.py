"""One probe per Responses API rule, for the fault matrix (``test_faults.py``): each passes while the server keeps
its rule, and reads nothing another rule's fault changes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from openai_rulebook.server.responses.objects import STATUSES
from openai_rulebook.server.responses.routes import INCLUDE
from openai_rulebook.streams import check_responses_stream, parse_events

RESPONSES = "/v1/responses"
LONG = "List the numbers from 1 to 100, one per line."
#: gpt-3.5-turbo has the smallest context window the server knows (16,385 tokens): the cheapest overflow
SMALL_WINDOW_MODEL = "gpt-3.5-turbo"
OVERFLOW = "rule" + " rule" * 16_400


def _status(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text[:300]}"
    return response.json() if status != 200 or response.headers.get("content-type", "").startswith("application/json") \
        else response


def _create(server: Any, status: int = 200, **fields: Any) -> Any:
    return _status(server.api.post(RESPONSES, json={"model": "gpt-4o-mini", "input": "Hi", **fields}), status)


def probe_endpoints(server: Any) -> None:
    created = _create(server)
    assert created["object"] == "response", created["object"]
    assert _status(server.api.get(f"{RESPONSES}/{created['id']}/input_items"), 200)["object"] == "list"
    background = _create(server, background=True)
    assert _status(server.api.post(f"{RESPONSES}/{background['id']}/cancel"), 200)["object"] == "response"


def probe_bound(server: Any) -> None:
    cut = _create(server, input=LONG, max_output_tokens=16)
    assert cut["usage"]["output_tokens"] <= 16, f"usage {cut['usage']}"
    assert cut["status"] == "incomplete" and cut["incomplete_details"]["reason"] == "max_output_tokens", cut["status"]


def range_probe(name: str, inside: list[Any], outside: list[Any]) -> Callable[[Any], None]:
    def probe(server: Any) -> None:
        for value in inside:
            _create(server, **{name: value})
        for value in outside:
            _create(server, 400, **{name: value})

    return probe


def probe_include(server: Any) -> None:
    for value in INCLUDE:
        _create(server, include=[value])
    _create(server, 400, include=["nope"])


def probe_previous(server: Any) -> None:
    first = _create(server)
    continued = _create(server, previous_response_id=first["id"])
    assert continued["previous_response_id"] == first["id"], continued["previous_response_id"]
    _create(server, 400, previous_response_id="resp_none")


def probe_store_false(server: Any) -> None:
    unstored = _create(server, store=False)
    _status(server.api.get(f"{RESPONSES}/{unstored['id']}"), 404)


def probe_retrieve_delete(server: Any) -> None:
    created = _create(server)
    assert _status(server.api.get(f"{RESPONSES}/{created['id']}"), 200)["id"] == created["id"], "another id"
    assert _status(server.api.delete(f"{RESPONSES}/{created['id']}"), 200)["deleted"] is True, "not deleted"
    _status(server.api.get(f"{RESPONSES}/{created['id']}"), 404)


def probe_status_values(server: Any) -> None:
    cut = _create(server, input=LONG, max_output_tokens=16)
    retrieved = _status(server.api.get(f"{RESPONSES}/{cut['id']}"), 200)
    assert {cut["status"], retrieved["status"]} <= set(STATUSES), (cut["status"], retrieved["status"])


def probe_usage(server: Any) -> None:
    usage = _create(server)["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"], f"usage {usage}"


def probe_output_shapes(server: Any) -> None:
    part = _create(server)["output"][0]["content"][0]
    assert part["type"] == "output_text" and isinstance(part.get("annotations"), list), part


def probe_stream(server: Any) -> None:
    response = server.api.post(RESPONSES, json={"model": "gpt-4o-mini", "input": "Hi", "stream": True})
    findings = check_responses_stream(parse_events(response.content))
    assert not findings, findings[0]


def probe_background(server: Any) -> None:
    created = _create(server, background=True)
    assert created["status"] in ("queued", "in_progress"), created["status"]
    server.clock.advance(2)
    status = _status(server.api.get(f"{RESPONSES}/{created['id']}"), 200)["status"]
    assert status == "completed", f"status {status}"


def _items(server: Any) -> str:
    messages = [{"role": "user", "content": text} for text in ("one", "two", "three")]
    return f"{RESPONSES}/{_create(server, input=messages)['id']}/input_items"


def _texts(page: dict[str, Any]) -> list[str]:
    return [item["content"][0]["text"] for item in page["data"]]


def probe_items_limit(server: Any) -> None:
    path = _items(server)
    _status(server.api.get(path, params={"limit": 100}), 200)
    for limit in (0, 101):
        _status(server.api.get(path, params={"limit": limit}), 400)


def probe_items_order(server: Any) -> None:
    texts = _texts(_status(server.api.get(_items(server)), 200))
    assert texts == ["three", "two", "one"], texts


def probe_items_cursor(server: Any) -> None:
    path = _items(server)
    first = _status(server.api.get(path, params={"order": "asc", "limit": 1}), 200)
    after = _status(server.api.get(path, params={"order": "asc", "after": first["last_id"]}), 200)
    assert _texts(after) == ["two", "three"], _texts(after)


def probe_cancel(server: Any) -> None:
    plain = _create(server)
    _status(server.api.post(f"{RESPONSES}/{plain['id']}/cancel"), 400)


def probe_truncation(server: Any) -> None:
    _create(server, 400, model=SMALL_WINDOW_MODEL, input=OVERFLOW)


def probe_gpt5_pro(server: Any) -> None:
    effort = _create(server, model="gpt-5-pro")["reasoning"]["effort"]
    assert effort == "high", f"effort {effort}"
    _create(server, 400, model="gpt-5-pro", reasoning={"effort": "low"})


def probe_json_mode(server: Any) -> None:
    schema = {"type": "object", "properties": {"greeting": {"type": "string"}}, "required": ["greeting"],
              "additionalProperties": False}
    for fmt in ({"type": "json_object"}, {"type": "json_schema", "name": "g", "strict": True, "schema": schema}):
        body = _create(server, input="Answer in JSON.", max_output_tokens=60, text={"format": fmt})
        text = body["output"][0]["content"][0]["text"]
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        assert isinstance(parsed, dict) and "greeting" in parsed or fmt["type"] == "json_object", text
        assert isinstance(parsed, dict), text


def probe_json_mention(server: Any) -> None:
    fmt = {"format": {"type": "json_object"}}
    _create(server, input="Answer in JSON.", max_output_tokens=60, text=fmt)
    _create(server, 400, input="Say hi.", text=fmt)


def probe_tool_choice(server: Any) -> None:
    tools = [{"type": "function", "name": name, "parameters": {"type": "object", "properties": {}}}
             for name in ("get_weather", "get_time")]
    for choice, wanted in (("required", "get_weather"), ({"type": "function", "name": "get_time"}, "get_time")):
        output = _create(server, input="Weather?", max_output_tokens=60, tools=tools, tool_choice=choice)["output"]
        assert [item.get("name") for item in output if item["type"] == "function_call"] == [wanted], output
    output = _create(server, input="Weather?", tools=tools, tool_choice="none")["output"]
    assert all(item["type"] != "function_call" for item in output), output


RESPONSES_PROBES: dict[str, Callable[[Any], None]] = {
    "responses.json_mode_valid_json": probe_json_mode,
    "responses.json_object_requires_json_mention": probe_json_mention,
    "responses.tool_choice_calls": probe_tool_choice,
    "responses.endpoints_exist": probe_endpoints,
    "responses.max_output_tokens_bound": probe_bound,
    "responses.max_output_tokens_min": range_probe("max_output_tokens", [16], [15]),
    "responses.top_logprobs_range": range_probe("top_logprobs", [0, 20], [-1, 21]),
    "responses.temperature_range": range_probe("temperature", [0, 2], [-0.1, 2.1]),
    "responses.top_p_range": range_probe("top_p", [0, 1], [-0.1, 1.1]),
    "responses.include_values": probe_include,
    "responses.previous_response_id": probe_previous,
    "responses.store_false_not_retrievable": probe_store_false,
    "responses.retrieve_delete": probe_retrieve_delete,
    "responses.status_values": probe_status_values,
    "responses.usage_arithmetic": probe_usage,
    "responses.output_shapes": probe_output_shapes,
    "responses.stream_events": probe_stream,
    "responses.background_lifecycle": probe_background,
    "responses.input_items.list.limit_range": probe_items_limit,
    "responses.input_items.list.order_default": probe_items_order,
    "responses.input_items.list.cursor_pagination": probe_items_cursor,
    "responses.cancel_background_only": probe_cancel,
    "responses.truncation_disabled_overflow": probe_truncation,
    "responses.gpt5_pro_reasoning_high": probe_gpt5_pro,
}
