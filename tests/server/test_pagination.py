"""Listing vector stores: limit, order, and the after/before cursors."""

from __future__ import annotations

import pytest

from openai_rulebook.server import create_app
from openai_rulebook.server.vector_stores.routes import LIST

COUNT = 45


@pytest.fixture(scope="module")
def listing(open_client):
    """A client on a server holding 45 stores, and their ids oldest first; shared, so tests here only read.

    Stores are created three to a second: ties on created_at must keep creation order."""
    app = create_app()
    clock = app.state.rulebook.clock
    with open_client(app) as client:
        created = []
        for index in range(COUNT):
            if index % 3 == 0:
                clock.advance(1)
            created.append(client.post("/v1/vector_stores", json={"name": f"store-{index}"}).json()["id"])
        yield client, created


@pytest.fixture
def client(listing):
    return listing[0]


@pytest.fixture
def ids(listing):
    return listing[1]


def page(client, **query):
    response = client.get("/v1/vector_stores", params=query)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"object", "data", "first_id", "last_id", "has_more"}
    assert body["object"] == "list"
    data_ids = [store["id"] for store in body["data"]]
    assert body["first_id"] == (data_ids[0] if data_ids else None)
    assert body["last_id"] == (data_ids[-1] if data_ids else None)
    return data_ids, body["has_more"]


def walk(client, direction, **query):
    """Follow ``after`` (or ``before``) from the first page until ``has_more`` is false; return every id seen."""
    seen, cursor = [], query.pop(direction, None)
    for _ in range(COUNT + 1):
        ids, has_more = page(client, **query, **({direction: cursor} if cursor else {}))
        seen = seen + ids if direction == "after" else ids + seen
        if not has_more:
            return seen
        cursor = ids[-1] if direction == "after" else ids[0]
    raise AssertionError(f"walking with {direction} did not end")


def test_defaults_are_20_newest_first(client, ids):
    assert page(client) == (ids[::-1][:20], True)


def test_an_empty_list_has_null_first_and_last_ids(client_for, app):
    response = client_for(app).get("/v1/vector_stores").json()
    assert response == {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_walking_after_visits_every_store_once_in_order(client, ids, order):
    expected = ids if order == "asc" else ids[::-1]
    for limit in (1, 7, 45, 100):
        assert walk(client, "after", order=order, limit=limit) == expected, limit


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_walking_back_with_before_visits_every_store_once_in_order(client, ids, order):
    expected = ids if order == "asc" else ids[::-1]
    last = expected[-1]
    assert walk(client, "before", order=order, limit=7, before=last) + [last] == expected


def test_before_gives_the_page_just_before_the_cursor(client, ids):
    assert page(client, order="asc", limit=3, before=ids[10]) == (ids[7:10], True)
    assert page(client, order="asc", limit=3, before=ids[2]) == (ids[0:2], False)


def test_after_and_before_together_bound_the_page(client, ids):
    assert page(client, order="asc", after=ids[4], before=ids[9]) == (ids[5:9], False)
    assert page(client, order="asc", limit=2, after=ids[4], before=ids[9]) == (ids[5:7], True)


def test_the_last_item_as_cursor_gives_an_empty_page(client, ids):
    assert page(client, after=ids[0]) == ([], False)


@pytest.mark.parametrize("limit", ["1", "100", "+5", "007"])
def test_limits_in_range_are_accepted(client, ids, limit):
    assert len(page(client, limit=limit)[0]) == min(int(limit), COUNT)


@pytest.mark.parametrize("limit", ["0", "101", "-1", "1000", "abc", "5.0", " 5", ""])
def test_other_limits_are_400(client, expect_error, limit):
    expect_error(client.get("/v1/vector_stores", params={"limit": limit}), 400, param="limit")


@pytest.mark.parametrize("order", ["ASC", "ascending", "", "random"])
def test_other_orders_are_400(client, expect_error, order):
    expect_error(client.get("/v1/vector_stores", params={"order": order}), 400, param="order")


@pytest.mark.parametrize("cursor", ["after", "before"])
def test_unknown_cursors_are_400(client, expect_error, cursor):
    deleted = client.post("/v1/vector_stores", json={}).json()["id"]
    client.delete(f"/v1/vector_stores/{deleted}")  # leaves the 45 as they were
    for value in ("vs_nope", deleted):
        expect_error(client.get("/v1/vector_stores", params={cursor: value}), 400, param=cursor)


def test_list_rules_are_named_after_the_catalog():
    assert LIST.limit_range == "vector_stores.list.limit_range"
    assert (LIST.default_limit, LIST.max_limit, LIST.default_order) == (20, 100, "desc")
