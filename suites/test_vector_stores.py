"""Vector stores: listing (limit, order, cursors) and object types (R03.3.1, R03.4.1, R03.4.2, R04.3)."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openai_rulebook.checks import expect, expect_accepted, expect_rejected

LIST = "/vector_stores"


def ids_of(page):
    return [item["id"] for item in page["data"]]


# -- limit --------------------------------------------------------------------------------------------------------------
@pytest.mark.rule("vector_stores.list.limit_range")
@pytest.mark.parametrize("edge", ["min", "max"])
def test_limit_edges_are_accepted(api, rule, make_vector_store, edge):
    make_vector_store(), make_vector_store()
    limit = rule.params[edge]
    page = expect_accepted(api.get(LIST, params={"limit": limit}), rule.id, why=f"limit={limit}")
    expect(rule.id, len(page["data"]) <= limit, expected=f"at most {limit} items", actual=len(page["data"]))
    if edge == "min":
        expect(rule.id, len(page["data"]) == 1 and page["has_more"], expected="1 item and has_more with 2 stored",
               actual=f"{len(page['data'])} items, has_more={page['has_more']}")


@pytest.mark.rule("vector_stores.list.limit_range")
@pytest.mark.parametrize("edge", ["min", "max"])
def test_limit_beyond_edges_is_rejected(api, rule, edge):
    limit = rule.params["min"] - 1 if edge == "min" else rule.params["max"] + 1
    expect_rejected(api.get(LIST, params={"limit": limit}), rule.id, param=rule.params["param"], why=f"limit={limit}")


@pytest.mark.rule("vector_stores.list.limit_range")
@given(limit=st.integers(min_value=-20, max_value=250))
def test_limit_drawn(api, rule, limit):
    response = api.get(LIST, params={"limit": limit})
    if rule.params["min"] <= limit <= rule.params["max"]:
        page = expect_accepted(response, rule.id, why=f"limit={limit}")
        expect(rule.id, len(page["data"]) <= limit, expected=f"at most {limit} items", actual=len(page["data"]))
    else:
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"limit={limit}")


@pytest.mark.rule("vector_stores.list.limit_default")
def test_limit_defaults_to_twenty(api, rule, make_vector_store):
    default = rule.params["default"]
    existing = expect_accepted(api.get(LIST, params={"limit": default + 1}), rule.id)
    for _ in range(default + 1 - len(existing["data"])):
        make_vector_store()
    page = expect_accepted(api.get(LIST), rule.id, why="no limit")
    expect(rule.id, len(page["data"]) == default and page["has_more"],
           expected=f"{default} items and has_more with more than {default} stored",
           actual=f"{len(page['data'])} items, has_more={page['has_more']}")


# -- order --------------------------------------------------------------------------------------------------------------
@pytest.mark.rule("vector_stores.list.order_values")
def test_order_values_sort_by_creation(api, rule, make_vector_store):
    ours = [make_vector_store()["id"] for _ in range(3)]
    pages = {}
    for order in rule.params["values"]:
        pages[order] = expect_accepted(api.get(LIST, params={"order": order, "limit": 100}), rule.id,
                                       why=f"order={order}")
        stamps = [item["created_at"] for item in pages[order]["data"]]
        expect(rule.id, stamps == sorted(stamps, reverse=order == "desc"),
               expected=f"created_at sorted {order}", actual=stamps)
    asc = [i for i in ids_of(pages["asc"]) if i in ours]
    desc = [i for i in ids_of(pages["desc"]) if i in ours]
    if len(asc) == len(desc) == len(ours):  # with many older stores our three may be past the asc page
        expect(rule.id, asc == ours and desc == ours[::-1], expected=f"asc {ours}, desc reversed",
               actual=f"asc {asc}, desc {desc}")
    expect(rule.id, desc == ours[::-1], expected=f"newest first with order=desc: {ours[::-1]}", actual=desc)


@pytest.mark.rule("vector_stores.list.order_values")
@pytest.mark.parametrize("order", ["ASC", "Desc", "ascending", "random", "1"])
def test_other_order_values_are_rejected(api, rule, order):
    expect_rejected(api.get(LIST, params={"order": order}), rule.id, param=rule.params["param"], why=f"order={order}")


@pytest.mark.rule("vector_stores.list.order_values")
@given(order=st.text(alphabet=string.ascii_letters + "_-", min_size=1, max_size=12))
def test_order_values_drawn(api, rule, order):
    response = api.get(LIST, params={"order": order, "limit": 1})
    if order in rule.params["values"]:
        expect_accepted(response, rule.id, why=f"order={order}")
    else:
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"order={order}")


@pytest.mark.rule("vector_stores.list.order_default")
def test_order_defaults_to_desc(api, rule, make_vector_store):
    ours = [make_vector_store()["id"] for _ in range(3)]
    default = expect_accepted(api.get(LIST, params={"limit": 100}), rule.id, why="no order")
    explicit = expect_accepted(api.get(LIST, params={"limit": 100, "order": rule.params["default"]}), rule.id)
    expect(rule.id, ids_of(default) == ids_of(explicit), expected=f"the same list as order={rule.params['default']}",
           actual=f"{ids_of(default)[:5]}… vs {ids_of(explicit)[:5]}…")
    expect(rule.id, [i for i in ids_of(default) if i in ours] == ours[::-1], expected=f"newest first: {ours[::-1]}",
           actual=[i for i in ids_of(default) if i in ours])


# -- cursors ------------------------------------------------------------------------------------------------------------
def check_page_fields(rule, page):
    data = ids_of(page)
    expect(rule.id, page.get("first_id") == (data[0] if data else None) and
           page.get("last_id") == (data[-1] if data else None),
           expected="first_id and last_id naming the page's first and last items",
           actual=f"first_id={page.get('first_id')}, last_id={page.get('last_id')}, ids={data}")


@pytest.mark.rule("vector_stores.list.cursor_pagination")
def test_after_walks_every_store_once(api, rule, make_vector_store):
    ours = [make_vector_store()["id"] for _ in range(7)]
    seen, after = [], None
    for _ in range(20):  # bounded: our 7 stores are the newest, so they come within the first pages
        params = {"limit": 2, "order": "desc", **({"after": after} if after else {})}
        page = expect_accepted(api.get(LIST, params=params), rule.id, why=f"after={after}")
        check_page_fields(rule, page)
        seen += ids_of(page)
        if not page["has_more"] or all(i in seen for i in ours):
            break
        after = page["last_id"]
    expect(rule.id, len(seen) == len(set(seen)), expected="no store twice across pages", actual=seen)
    expect(rule.id, [i for i in seen if i in ours] == ours[::-1], expected=f"all ours, newest first: {ours[::-1]}",
           actual=[i for i in seen if i in ours])


@pytest.mark.rule("vector_stores.list.cursor_pagination")
def test_before_returns_the_previous_page(api, rule, make_vector_store):
    for _ in range(6):
        make_vector_store()
    page = {"limit": 3, "order": "desc"}  # explicit: the default order is another rule's business
    first = expect_accepted(api.get(LIST, params=page), rule.id)
    second = expect_accepted(api.get(LIST, params={**page, "after": first["last_id"]}), rule.id)
    back = expect_accepted(api.get(LIST, params={**page, "before": second["first_id"]}), rule.id)
    for page in (first, second, back):
        check_page_fields(rule, page)
    expect(rule.id, not set(ids_of(first)) & set(ids_of(second)), expected="pages that do not overlap",
           actual=f"{ids_of(first)} then {ids_of(second)}")
    expect(rule.id, ids_of(back) == ids_of(first), expected=f"before={second['first_id']} gives {ids_of(first)}",
           actual=ids_of(back))


# -- object types -------------------------------------------------------------------------------------------------------
@pytest.mark.rule("vector_stores.object_type")
def test_object_types(api, rule):
    single, listing, deleted = rule.params["values"]
    created = expect_accepted(api.post(LIST, {"name": "rulebook-object-type"}), rule.id)
    path = f"{LIST}/{created['id']}"
    answers = {
        "create": created,
        "retrieve": expect_accepted(api.get(path), rule.id),
        "modify": expect_accepted(api.post(path, {"name": "rulebook-object-type-2"}), rule.id),
    }
    for action, body in answers.items():
        expect(rule.id, body.get("object") == single, expected=f"object={single!r} on {action}",
               actual=body.get("object"))
    page = expect_accepted(api.get(LIST, params={"limit": 5}), rule.id)
    expect(rule.id, page.get("object") == listing, expected=f"object={listing!r} on list", actual=page.get("object"))
    expect(rule.id, all(item.get("object") == single for item in page["data"]),
           expected=f"object={single!r} on every listed item", actual=[item.get("object") for item in page["data"]])
    gone = expect_accepted(api.delete(path), rule.id)
    expect(rule.id, gone.get("object") == deleted and gone.get("deleted") is True and gone.get("id") == created["id"],
           expected=f"object={deleted!r}, deleted=true, the same id", actual=gone)


# -- the endpoint ----------------------------------------------------------------------------------------------------
@pytest.mark.rule("vector_stores.create_endpoint")
def test_create_with_an_empty_body(api, rule):
    """Every field of the create request is optional: `{}` creates a vector store that can be retrieved."""
    created = expect_accepted(api.post(LIST, {}), rule.id, why="an empty JSON object")
    expect(rule.id, isinstance(created, dict) and isinstance(created.get("id"), str),
           expected="the created object, with an id", actual=created)
    expect_accepted(api.get(f"{LIST}/{created['id']}"), rule.id, why="retrieving the store just created")
