"""Vector stores: listing (limit, order, cursors), object types, and files, expiry and chunking on create
(R03.3.1, R03.4.1, R03.4.2, R04.3, R04.1.23, and the spec)."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openai_rulebook.checks import expect, expect_accepted, expect_rejected, listed
from openai_rulebook.consistent_reads import read_consistently

LIST = "/vector_stores"


def created_seconds_apart(make, server_clock, count=3):
    """``count`` new objects' ids, oldest first, a second apart: created_at has one-second resolution, and objects
    of the same second may be listed in any order, so only objects of different seconds have an order to check."""
    ids = []
    for index in range(count):
        if index:
            server_clock.advance(1)
        ids.append(make()["id"])
    return ids


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
def test_order_values_sort_by_creation(api, rule, make_vector_store, server_clock):
    ours = created_seconds_apart(make_vector_store, server_clock)
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
def test_order_defaults_to_desc(api, rule, make_vector_store, server_clock):
    ours = created_seconds_apart(make_vector_store, server_clock)
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
    seen, stamps, after = [], [], None
    for _ in range(20):  # bounded: our 7 stores are the newest, so they come within the first pages
        params = {"limit": 2, "order": "desc", **({"after": after} if after else {})}
        page = expect_accepted(api.get(LIST, params=params), rule.id, why=f"after={after}")
        check_page_fields(rule, page)
        seen += ids_of(page)
        stamps += [item.get("created_at") for item in page["data"]]
        if not page["has_more"] or all(i in seen for i in ours):
            break
        after = page["last_id"]
    expect(rule.id, len(seen) == len(set(seen)), expected="no store twice across pages", actual=seen)
    # stores created in the same second may come in any order: the walk must see each once, newest first
    expect(rule.id, set(ours) <= set(seen) and stamps == sorted(stamps, reverse=True),
           expected=f"all of {ours}, created_at never increasing", actual=f"{seen}, created_at {stamps}")


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


# -- files, expiry and chunking on create; counts derived from the files ------------------------------------------------
STATUSES = ("in_progress", "completed", "failed", "cancelled")
UNKNOWN_FILE_ID = "file-rulebook0000000000000000"


def static(size: int, overlap: int) -> dict:
    return {"type": "static", "static": {"max_chunk_size_tokens": size, "chunk_overlap_tokens": overlap}}


def listed_files(api, rule_id: str, store_id: str) -> list[dict]:
    """The store's files, read from another area's endpoint: a step, not the rule (a broken list: inconclusive)."""
    return listed(api.get(f"{LIST}/{store_id}/files", params={"limit": 100, "order": "asc"}),
                  "listing the store's files (GET /v1/vector_stores/{id}/files)", limit=100)


@pytest.mark.rule("vector_stores.file_ids_range")
@pytest.mark.parametrize("delta", [0, 1], ids=["max", "max+1"])
def test_file_ids_edges(api, rule, make_file, delta):
    """The limit is on the list: one file named ``max`` times is a list of ``max`` ids."""
    count = rule.params["max"] + delta
    file_id = make_file()["id"]
    response = api.post(LIST, {"name": "rulebook-file-ids", "file_ids": [file_id] * count})
    if delta:
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"{count} file_ids")
        return
    created = expect_accepted(response, rule.id, why=f"{count} file_ids")
    files = [item["id"] for item in listed_files(api, rule.id, created["id"])]
    expect(rule.id, files == [file_id], expected=f"the store holding {file_id}", actual=files)


@pytest.mark.rule("vector_stores.file_ids_range")
@given(count=st.integers(min_value=490, max_value=510))
def test_file_ids_drawn(api, rule, make_file, count):
    response = api.post(LIST, {"name": "rulebook-file-ids", "file_ids": [make_file()["id"]] * count})
    if count <= rule.params["max"]:
        expect_accepted(response, rule.id, why=f"{count} file_ids")
    else:
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"{count} file_ids")


@pytest.mark.rule("vector_stores.file_ids_range")
def test_file_ids_are_attached_and_counted(api, rule, make_file):
    ids = [make_file()["id"] for _ in range(3)]
    created = expect_accepted(api.post(LIST, {"name": "rulebook-file-ids", "file_ids": ids}), rule.id)
    expect(rule.id, created.get("file_counts", {}).get("total") == len(ids), expected=f"file_counts.total={len(ids)}",
           actual=created.get("file_counts"))
    files = sorted(item["id"] for item in listed_files(api, rule.id, created["id"]))
    expect(rule.id, files == sorted(ids), expected=f"the store holding {sorted(ids)}", actual=files)


@pytest.mark.rule("vector_stores.file_ids_range")
def test_unknown_file_ids_are_rejected(api, rule):
    response = api.post(LIST, {"name": "rulebook-file-ids", "file_ids": [UNKNOWN_FILE_ID]})
    expect_rejected(response, rule.id, param=rule.params["param"], why="a file id that names no file")


def send_expiry(api, endpoint, endpoint_path, expires_after):
    body = {"expires_after": expires_after, **({"name": "rulebook-expiry"} if "{" not in endpoint.template else {})}
    return api.request(endpoint.method, endpoint_path, json_body=body)


@pytest.mark.rule("vector_stores.expires_after_range")
@pytest.mark.parametrize("edge", ["min", "max", "min-1", "max+1"])
def test_expires_after_days_edges(api, rule, endpoint, endpoint_path, edge):
    days = {"min": rule.params["min"], "max": rule.params["max"], "min-1": rule.params["min"] - 1,
            "max+1": rule.params["max"] + 1}[edge]
    response = send_expiry(api, endpoint, endpoint_path, {"anchor": rule.params["anchor"], "days": days})
    if edge in ("min", "max"):
        body = expect_accepted(response, rule.id, why=f"days={days}")
        expect(rule.id, body.get("expires_after") == {"anchor": rule.params["anchor"], "days": days},
               expected=f"expires_after with days={days}", actual=body.get("expires_after"))
    else:
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"days={days}")


@pytest.mark.rule("vector_stores.expires_after_range")
@given(days=st.integers(min_value=-10, max_value=400))
def test_expires_after_days_drawn(api, rule, endpoint, endpoint_path, days):
    response = send_expiry(api, endpoint, endpoint_path, {"anchor": rule.params["anchor"], "days": days})
    if rule.params["min"] <= days <= rule.params["max"]:
        expect_accepted(response, rule.id, why=f"days={days}")
    else:
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"days={days}")


@pytest.mark.rule("vector_stores.expires_after_range")
@pytest.mark.parametrize("anchor", ["created_at", "last_used_at", "LAST_ACTIVE_AT", ""])
def test_other_anchors_are_rejected(api, rule, endpoint, endpoint_path, anchor):
    response = send_expiry(api, endpoint, endpoint_path, {"anchor": anchor, "days": 7})
    expect_rejected(response, rule.id, param=rule.params["param"], why=f"anchor={anchor!r}")


@pytest.mark.rule("vector_stores.expiry")
def test_a_store_expires_days_after_its_last_activity(api, rule, server_clock):
    day = rule.params["seconds_per_day"]
    created = expect_accepted(api.post(LIST, {"name": "rulebook-expiry", "expires_after": {
        "anchor": "last_active_at", "days": 1}}), rule.id)
    expect(rule.id, created.get("expires_at") == created["last_active_at"] + day,
           expected=f"expires_at = last_active_at + {day}", actual=created)
    expect(rule.id, created.get("status") != "expired", expected="not expired yet", actual=created.get("status"))
    server_clock.advance(day)  # skips on a live API, which cannot be waited for a day
    later = expect_accepted(api.get(f"{LIST}/{created['id']}"), rule.id)
    expect(rule.id, later.get("status") == "expired", expected="status expired a day later", actual=later.get("status"))


def chunking_ok(rule, size: int, overlap: int) -> bool:
    return rule.params["min"] <= size <= rule.params["max"] and 0 <= overlap <= size * rule.params["max_overlap_ratio"]


@pytest.mark.rule("vector_stores.chunking_strategy")
@pytest.mark.parametrize(("size", "overlap"), [("min", "half"), ("max", 0), ("min-1", 0), ("max+1", 0),
                                               ("min", "half+1"), ("max", "half+1")])
def test_chunking_strategy_edges(api, rule, size, overlap):
    tokens = {"min": rule.params["min"], "max": rule.params["max"], "min-1": rule.params["min"] - 1,
              "max+1": rule.params["max"] + 1}[size]
    half = int(tokens * rule.params["max_overlap_ratio"])
    overlap_tokens = {0: 0, "half": half, "half+1": half + 1}[overlap]
    response = api.post(LIST, {"name": "rulebook-chunking", "chunking_strategy": static(tokens, overlap_tokens)})
    why = f"max_chunk_size_tokens={tokens}, chunk_overlap_tokens={overlap_tokens}"
    if chunking_ok(rule, tokens, overlap_tokens):
        expect_accepted(response, rule.id, why=why)
    else:
        expect_rejected(response, rule.id, param=rule.params["param"], why=why)


@pytest.mark.rule("vector_stores.chunking_strategy")
@given(size=st.one_of(st.integers(90, 110), st.integers(4086, 4106)), overlap_share=st.floats(0, 0.6))
def test_chunking_strategy_drawn(api, rule, size, overlap_share):
    overlap = int(size * overlap_share)
    response = api.post(LIST, {"name": "rulebook-chunking", "chunking_strategy": static(size, overlap)})
    why = f"max_chunk_size_tokens={size}, chunk_overlap_tokens={overlap}"
    if chunking_ok(rule, size, overlap):
        expect_accepted(response, rule.id, why=why)
    else:
        expect_rejected(response, rule.id, param=rule.params["param"], why=why)


@pytest.mark.rule("vector_stores.chunking_strategy")
@pytest.mark.parametrize("strategy", [{"type": "auto"}, static(300, 150)], ids=["auto", "static"])
def test_chunking_strategy_reaches_the_files(api, rule, make_file, strategy):
    created = expect_accepted(api.post(LIST, {"name": "rulebook-chunking", "chunking_strategy": strategy,
                                              "file_ids": [make_file()["id"]]}), rule.id)
    files = listed_files(api, rule.id, created["id"])
    reported = [item.get("chunking_strategy") for item in files]
    if strategy["type"] == "static":
        expect(rule.id, reported == [strategy], expected=f"the file chunked with {strategy}", actual=reported)
    else:  # auto: the spec names no sizes a file must report, only that it is chunked some way
        expect(rule.id, len(reported) == 1 and isinstance(reported[0], dict), expected="the file's chunking strategy",
               actual=reported)


@pytest.mark.rule("vector_stores.file_counts")
def test_counts_bytes_and_status_follow_the_files(api, rule, server_clock, make_file):
    ids = [make_file(f"rulebook counts {index}\n".encode())["id"] for index in range(3)]
    created = expect_accepted(api.post(LIST, {"name": "rulebook-counts", "file_ids": ids}), rule.id)
    for _ in range(3):
        # processing may end between two requests: the store is compared with a list that stood still around it
        store, files = read_consistently(lambda: listed_files(api, rule.id, created["id"]),
                                         lambda: expect_accepted(api.get(f"{LIST}/{created['id']}"), rule.id),
                                         what="the store's files")
        statuses = [item.get("status") for item in files]
        counts = store.get("file_counts", {})
        expect(rule.id, all(counts.get(s) == statuses.count(s) for s in STATUSES)
               and counts.get("total") == len(statuses) == sum(counts.get(s, 0) for s in STATUSES),
               expected=f"file_counts matching the listed statuses {statuses}", actual=counts)
        usage = sum(item.get("usage_bytes", 0) for item in files)
        expect(rule.id, store.get("usage_bytes") == usage, expected=f"usage_bytes {usage}, the files' sum",
               actual=store.get("usage_bytes"))
        processing = "in_progress" in statuses
        expect(rule.id, (store.get("status") == "in_progress") == processing,
               expected=f"status {'in_progress' if processing else 'completed'} with files {statuses}",
               actual=store.get("status"))
        server_clock.moment()
