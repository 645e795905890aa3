"""Metadata maps: at most 16 pairs, keys up to 64 characters, string values up to 512 (R03.2.1-R03.2.3).

Each limit is tried at its edges (max accepted, max + 1 rejected) and at lengths hypothesis draws around it, on every
endpoint that takes metadata, inside a valid request (``valid_request``) whose metadata alone changes; each refusal
has the same request with one short pair as its control.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openai_rulebook.checks import expect_accepted, expect_rejected


CONTROL = {"rulebook": "control"}


@pytest.fixture
def send(api, endpoint, valid_request):
    """Send a valid request to the endpoint with ``metadata`` (a fresh one each time: a create makes an object)."""

    def send(metadata):
        return valid_request(endpoint).with_json(metadata=metadata).send(api)

    return send


def judge(send, metadata, rule, accepted: bool, why: str):
    response = send(metadata)
    if accepted:
        expect_accepted(response, rule.id, why=why)
    else:
        expect_rejected(response, rule.id, param=rule.params["param"], why=why, control=lambda: send(CONTROL))


@pytest.mark.rule("metadata.key_length")
@pytest.mark.parametrize("delta", [0, 1], ids=["max", "max+1"])
def test_key_length_edges(rule, send, delta):
    length = rule.params["max_length"] + delta
    judge(send, {"k" * length: "v"}, rule, delta == 0, f"a {length}-character key")


@pytest.mark.rule("metadata.key_length")
@given(length=st.integers(min_value=1, max_value=160))
def test_key_length_drawn(rule, send, length):
    accepted = length <= rule.params["max_length"]
    judge(send, {"k" * length: "v"}, rule, accepted, f"a {length}-character key")


@pytest.mark.rule("metadata.value_length")
@pytest.mark.parametrize("delta", [0, 1], ids=["max", "max+1"])
def test_value_length_edges(rule, send, delta):
    length = rule.params["max_length"] + delta
    judge(send, {"k": "v" * length}, rule, delta == 0, f"a {length}-character value")


@pytest.mark.rule("metadata.value_length")
@given(length=st.integers(min_value=0, max_value=1100))
def test_value_length_drawn(rule, send, length):
    accepted = length <= rule.params["max_length"]
    judge(send, {"k": "v" * length}, rule, accepted, f"a {length}-character value")


@pytest.mark.rule("metadata.value_type")
@pytest.mark.parametrize("value", [7, 1.5, True, {"nested": "map"}, ["list"]],
                         ids=["integer", "float", "boolean", "object", "array"])
def test_non_string_values_are_rejected(rule, send, value):
    judge(send, {"k": value}, rule, False, f"a {type(value).__name__} value")


@pytest.mark.rule("metadata.value_type")
def test_string_values_are_accepted(rule, send):
    judge(send, {"k": "a string", "empty": ""}, rule, True, "string values")


@pytest.mark.rule("metadata.max_pairs")
@pytest.mark.parametrize("delta", [0, 1], ids=["max", "max+1"])
def test_pair_count_edges(rule, send, delta):
    pairs = rule.params["max"] + delta
    metadata = {f"key{index}": "v" for index in range(pairs)}
    judge(send, metadata, rule, delta == 0, f"{pairs} pairs")


@pytest.mark.rule("metadata.max_pairs")
@given(pairs=st.integers(min_value=0, max_value=40))
def test_pair_count_drawn(rule, send, pairs):
    metadata = {f"key{index}": "v" for index in range(pairs)}
    judge(send, metadata, rule, pairs <= rule.params["max"], f"{pairs} pairs")
