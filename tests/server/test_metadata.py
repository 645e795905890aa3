"""Metadata maps on create and modify: 16 pairs, 64-character keys, string values of 512 characters."""

from __future__ import annotations

import pytest

from openai_rulebook.server.metadata import pairs as metadata

@pytest.fixture(params=["create", "modify"])
def send(request, client, make_store):
    """Send a body with ``metadata`` to create or to modify, as the parameter says."""
    if request.param == "create":
        return lambda meta: client.post("/v1/vector_stores", json={"metadata": meta})
    store_id = make_store()["id"]
    return lambda meta: client.post(f"/v1/vector_stores/{store_id}", json={"metadata": meta})


def test_limits_are_the_catalogs(catalog):
    rules = catalog.by_id
    assert rules[metadata.MAX_PAIRS].params["max"] == metadata.PAIRS_MAX
    assert rules[metadata.KEY_LENGTH].params["max_length"] == metadata.KEY_MAX_LENGTH
    assert rules[metadata.VALUE_LENGTH].params["max_length"] == metadata.VALUE_MAX_LENGTH


def test_16_pairs_are_accepted_and_17_rejected(send, expect_error):
    sixteen = {f"key{i}": "v" for i in range(16)}
    assert send(sixteen).json()["metadata"] == sixteen
    expect_error(send({**sixteen, "key16": "v"}), 400, param="metadata")


def test_64_character_keys_are_accepted_and_65_rejected(send, expect_error):
    assert send({"k" * 64: "v"}).status_code == 200
    expect_error(send({"k" * 65: "v"}), 400, param="metadata")


def test_512_character_values_are_accepted_and_513_rejected(send, expect_error):
    assert send({"k": "v" * 512}).status_code == 200
    expect_error(send({"k": "v" * 513}), 400, param="metadata")


@pytest.mark.parametrize("value", [7, 1.5, True, None, {"nested": "map"}, ["list"]])
def test_non_string_values_are_rejected(send, expect_error, value):
    expect_error(send({"k": value}), 400, param="metadata")


def test_empty_strings_are_fine(send):
    assert send({"": ""}).json()["metadata"] == {"": ""}


def test_null_metadata_is_an_empty_map(send):
    assert send(None).json()["metadata"] == {}


def test_modify_replaces_the_map(client, make_store):
    store = make_store(metadata={"a": "1", "b": "2"})
    response = client.post(f"/v1/vector_stores/{store['id']}", json={"metadata": {"c": "3"}})
    assert response.json()["metadata"] == {"c": "3"}
    assert client.get(f"/v1/vector_stores/{store['id']}").json()["metadata"] == {"c": "3"}


def test_modify_without_metadata_keeps_it(client, make_store):
    store = make_store(metadata={"a": "1"})
    assert client.post(f"/v1/vector_stores/{store['id']}", json={"name": "n"}).json()["metadata"] == {"a": "1"}


def test_a_rejected_modify_changes_nothing(client, make_store):
    store = make_store(name="before", metadata={"a": "1"})
    response = client.post(f"/v1/vector_stores/{store['id']}", json={"name": "after", "metadata": {"k" * 65: "v"}})
    assert response.status_code == 400
    assert client.get(f"/v1/vector_stores/{store['id']}").json() == store
