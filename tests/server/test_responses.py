"""The Responses API of the reference server: shapes, checks, the background lifecycle on the frozen clock, streams,
input items, and each fault."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from openai_rulebook.server import create_app
from openai_rulebook.server.core import tokens
from openai_rulebook.server.core.faults import FAULTS
from openai_rulebook.server.responses.objects import QUEUED_SECONDS, RUNNING_SECONDS
from openai_rulebook.streams import check_responses_stream, parse_events

RESPONSES = "/v1/responses"
#: every top-level member of the newest real responses (responses.jsonl, 2026-08)
MEMBERS = {
    "id", "object", "created_at", "status", "background", "billing", "completed_at", "error", "frequency_penalty",
    "incomplete_details", "instructions", "max_output_tokens", "max_tool_calls", "model", "moderation", "output",
    "parallel_tool_calls", "presence_penalty", "previous_response_id", "prompt_cache_key", "prompt_cache_retention",
    "reasoning", "safety_identifier", "service_tier", "store", "temperature", "text", "tool_choice", "tool_usage",
    "tools", "top_logprobs", "top_p", "truncation", "usage", "user", "metadata",
}  # fmt: skip


def body(**fields: Any) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "input": "Hi", **fields}


@pytest.fixture
def faulty(client_for: Callable[..., httpx.Client]) -> Callable[[str], httpx.Client]:
    return lambda fault: client_for(create_app(faults=[fault]))


def test_a_response_has_real_members_and_ids(client: httpx.Client) -> None:
    created = client.post(RESPONSES, json=body()).json()
    assert set(created) == MEMBERS
    assert created["id"].startswith("resp_") and created["object"] == "response"
    assert created["status"] == "completed" and created["incomplete_details"] is None
    message = created["output"][0]
    assert message["id"].startswith("msg_") and message["role"] == "assistant"
    assert message["content"][0]["type"] == "output_text" and message["content"][0]["annotations"] == []
    usage = created["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]


def test_a_reasoning_model_shows_a_reasoning_item(client: httpx.Client) -> None:
    created = client.post(RESPONSES, json=body(model="o4-mini")).json()
    assert created["output"][0]["id"].startswith("rs_") and created["output"][0]["type"] == "reasoning"
    assert created["usage"]["output_tokens_details"]["reasoning_tokens"] > 0
    assert created["reasoning"]["effort"] == "medium"


def test_the_bound_cuts_the_reply_incomplete(client: httpx.Client) -> None:
    created = client.post(RESPONSES, json=body(input="List the numbers from 1 to 100, one per line.",
                                               max_output_tokens=16)).json()
    assert created["status"] == "incomplete"
    assert created["incomplete_details"] == {"reason": "max_output_tokens"}
    assert created["usage"]["output_tokens"] == 16


@pytest.mark.parametrize("fields, param", [
    ({"max_output_tokens": 15}, "max_output_tokens"), ({"temperature": 2.1}, "temperature"),
    ({"top_p": -0.1}, "top_p"), ({"top_logprobs": 21}, "top_logprobs"), ({"include": ["nope"]}, "include"),
    ({"model": "gpt-5-pro", "reasoning": {"effort": "low"}}, "reasoning.effort"),
    ({"previous_response_id": "resp_none"}, "previous_response_id"),
    ({"input": tokens.text_of_tokens(128_001)}, "input"), ({"model": "no-such-model"}, "model"),
])  # fmt: skip
def test_requests_breaking_a_rule_are_refused(client: httpx.Client, fields: dict[str, Any], param: str) -> None:
    response = client.post(RESPONSES, json=body(**fields))
    assert response.status_code == 400 and response.json()["error"]["param"] == param


@pytest.mark.parametrize("fields, param, code", [
    ({"text": {"format": {"type": "json_schema"}}}, "text.format.name", "missing_required_parameter"),
    ({"text": {"format": {"type": "yaml"}}}, "text.format.type", "invalid_value"),
    ({"text": {"verbosity": "loud"}}, "text.verbosity", "invalid_value"),
    ({"input": [{"type": "image", "url": "https://example.com/a.png"}]}, "input[0].type", "invalid_value"),
    ({"input": [{"role": "robot", "content": "Hi"}]}, "input[0].role", "invalid_value"),
    ({"tools": [{"type": "function"}]}, "tools[0].name", "missing_required_parameter"),
    ({"tool_choice": "sometimes"}, "tool_choice", "invalid_value"),
    ({"context_management": []}, "context_management", "empty_array"),
    ({"context_management": [{"type": "compaction", "compact_threshold": 999}]},
     "context_management[0].compact_threshold", "integer_below_min_value"),
    ({"prompt": {"id": "pmpt_1", "variables": {"a": {"type": "input_file", "file_url": "not a url"}}}},
     "prompt.variables.a.file_url", "invalid_value"),
    ({"reasoning": {"summary": "long"}}, "reasoning.summary", "invalid_value"),
    ({"truncation": "sometimes"}, "truncation", "invalid_value"),
    ({"service_tier": "gold"}, "service_tier", "invalid_value"), ({"store": "yes"}, "store", "invalid_type"),
    ({"max_tool_calls": 1.5}, "max_tool_calls", "invalid_type"), ({"user": 5}, "user", "invalid_type"),
    ({"stream_options": {"include_obfuscation": 1}}, "stream_options.include_obfuscation", "invalid_type"),
    ({"moderation": {}}, "moderation.model", "missing_required_parameter"),
    ({"conversation": {"name": "c"}}, "conversation.id", "missing_required_parameter"),
])  # fmt: skip
def test_requests_breaking_the_spec_schema_are_refused(client: httpx.Client, fields: dict[str, Any], param: str,
                                                       code: str) -> None:
    error = client.post(RESPONSES, json=body(**fields)).json()["error"]
    assert (error["param"], error["code"]) == (param, code), error


def test_nulls_read_as_left_out_and_new_efforts_are_taken(client: httpx.Client) -> None:
    nulls = {"tool_choice": None, "user": None, "text": None, "prompt_cache_options": None, "tools": None}
    assert client.post(RESPONSES, json=body(**nulls)).status_code == 200
    for effort in ("xhigh", "max"):
        assert client.post(RESPONSES, json=body(model="o4-mini", reasoning={"effort": effort})).status_code == 200


@pytest.mark.parametrize("query, param", [
    ({"include[]": "nope"}, "include"), ({"include": "nope"}, "include"), ({"stream": "yes"}, "stream"),
    ({"include_obfuscation": "1"}, "include_obfuscation"), ({"starting_after": "1.5"}, "starting_after"),
])
def test_retrieve_checks_its_query(client: httpx.Client, query: dict[str, str], param: str) -> None:
    created = client.post(RESPONSES, json=body()).json()
    answer = client.get(f"{RESPONSES}/{created['id']}", params=query)
    assert answer.status_code == 400 and answer.json()["error"]["param"] == param
    valid = {"include[]": "message.output_text.logprobs", "stream": "false", "starting_after": "-1"}
    assert client.get(f"{RESPONSES}/{created['id']}", params=valid).status_code == 200


def test_gpt5_pro_defaults_to_high(client: httpx.Client) -> None:
    assert client.post(RESPONSES, json=body(model="gpt-5-pro")).json()["reasoning"]["effort"] == "high"


def test_background_moves_on_the_clock_and_cancels(client: httpx.Client, clock) -> None:
    created = client.post(RESPONSES, json=body(background=True)).json()
    assert created["status"] == "queued" and created["output"] == [] and created["usage"] is None
    clock.advance(QUEUED_SECONDS)
    assert client.get(f"{RESPONSES}/{created['id']}").json()["status"] == "in_progress"
    clock.advance(RUNNING_SECONDS)
    done = client.get(f"{RESPONSES}/{created['id']}").json()
    assert done["status"] == "completed" and done["output"] and done["completed_at"] == clock.now()
    other = client.post(RESPONSES, json=body(background=True)).json()
    assert client.post(f"{RESPONSES}/{other['id']}/cancel").json()["status"] == "cancelled"
    plain = client.post(RESPONSES, json=body()).json()
    assert client.post(f"{RESPONSES}/{plain['id']}/cancel").status_code == 400


def test_store_false_previous_response_and_delete(client: httpx.Client) -> None:
    unstored = client.post(RESPONSES, json=body(store=False)).json()
    assert client.get(f"{RESPONSES}/{unstored['id']}").status_code == 404
    first = client.post(RESPONSES, json=body()).json()
    second = client.post(RESPONSES, json=body(previous_response_id=first["id"], input="And?")).json()
    assert second["previous_response_id"] == first["id"]
    assert second["usage"]["input_tokens"] > first["usage"]["input_tokens"]  # the conversation goes on
    assert client.delete(f"{RESPONSES}/{first['id']}").json() == {"id": first["id"], "object": "response",
                                                                   "deleted": True}
    assert client.get(f"{RESPONSES}/{first['id']}").status_code == 404


def test_input_items_list_in_both_orders_with_cursors(client: httpx.Client) -> None:
    messages = [{"role": "user", "content": text} for text in ("one", "two", "three")]
    created = client.post(RESPONSES, json=body(input=messages)).json()
    path = f"{RESPONSES}/{created['id']}/input_items"
    texts = lambda page: [item["content"][0]["text"] for item in page["data"]]  # noqa: E731
    assert texts(client.get(path).json()) == ["three", "two", "one"]
    ascending = client.get(path, params={"order": "asc", "limit": 1}).json()
    assert texts(ascending) == ["one"] and ascending["has_more"] is True
    after = client.get(path, params={"order": "asc", "after": ascending["last_id"]}).json()
    assert texts(after) == ["two", "three"]
    assert client.get(path, params={"limit": 101}).status_code == 400


def test_a_stream_passes_the_checker(client: httpx.Client) -> None:
    response = client.post(RESPONSES, json=body(stream=True, max_output_tokens=16))
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_events(response.content)
    assert not check_responses_stream(events)
    assert events[0].type == "response.created" and events[-1].type in ("response.completed", "response.incomplete")
    text = "".join(event.data["delta"] for event in events if event.type == "response.output_text.delta")
    assert text == events[-1].data["response"]["output"][0]["content"][0]["text"]


@pytest.mark.parametrize("variant", ["responses.stream_unknown_events", "responses.stream_single_delta",
                                     "responses.stream_extra_fields", "responses.stream_items_interleaved"])
def test_stream_variants_stay_legal(client_for: Callable[..., httpx.Client], variant: str) -> None:
    client = client_for(create_app(variants=[variant]))
    response = client.post(RESPONSES, json=body(model="o4-mini", stream=True, reasoning={"effort": "low"},
                                                max_output_tokens=16))
    assert not check_responses_stream(parse_events(response.content))


def test_the_stream_fault_repeats_sequence_numbers(faulty: Callable[[str], httpx.Client]) -> None:
    response = faulty("responses.stream_repeats_sequence_number").post(RESPONSES, json=body(stream=True))
    assert [finding.check for finding in check_responses_stream(parse_events(response.content))][0] == \
        "responses.sequence"


def test_every_responses_fault_names_a_responses_rule(catalog) -> None:
    faults = [fault for fault in FAULTS.values() if fault.rule.startswith("responses.")]
    checkable = {rule.id for rule in catalog.rules if rule.area == "responses" and rule.kind != "advisory"}
    assert {fault.rule for fault in faults} == checkable


def test_range_faults_move_the_bounds(faulty: Callable[[str], httpx.Client]) -> None:
    assert faulty("responses.accept_max_output_tokens_15").post(RESPONSES, json=body(max_output_tokens=15)).is_success
    assert faulty("responses.accept_temperature_out_of_range").post(RESPONSES, json=body(temperature=2.1)).is_success
    assert faulty("responses.truncate_silently").post(
        RESPONSES, json=body(input=tokens.text_of_tokens(128_001))).is_success
