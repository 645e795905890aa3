"""Vector store search: the results page, `query`, `max_num_results`, `ranking_options`, attribute `filters`
(R04.1.24 and the spec).

Each test searches a store of files uploaded for it (``make_file``, named ``rulebook-…``) once they are processed;
a store whose files are not processed in time leaves the test inconclusive. Scores are never pinned: only their
order, their range and the threshold are the API's promise.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openai_rulebook.checks import expect, expect_accepted, expect_rejected
from openai_rulebook.errors import Inconclusive

STORES = "/vector_stores"

#: three short documents with attributes to filter on
DOCUMENTS = [
    (b"lantern harbour quay\n", {"group": "a", "n": 1, "public": True}),
    (b"lantern harbour\n", {"group": "a", "n": 2, "public": False}),
    (b"lantern\n", {"group": "b", "n": 3, "public": True}),
]
#: one long document: enough chunks of 100 tokens, each mentioning the word, to fill more than a default page
LONG = " ".join(f"lantern w{index} w{index}x w{index}y" for index in range(1200)).encode()


def search_path(store_id: str) -> str:
    return f"{STORES}/{store_id}/search"


# The two stores below are fixtures that return a function, called in the test: an Inconclusive raised while a
# fixture is set up (files not processed in time) would upset pytest's fixture cache for the next test.
@pytest.fixture
def searchable(make_vector_store, make_file, attach_file, wait_processed):
    """A store of the three DOCUMENTS, processed: ``{"id": store id, "files": {file id: attributes}}``."""
    built: dict = {}

    def get() -> dict:
        if not built:
            store_id = make_vector_store()["id"]
            files = {}
            for content, attributes in DOCUMENTS:
                file_id = make_file(content)["id"]
                attach_file(store_id, file_id, attributes=attributes)
                files[file_id] = attributes
            store = wait_processed(f"{STORES}/{store_id}")
            if store.get("file_counts", {}).get("completed") != len(DOCUMENTS):
                raise Inconclusive(f"the store's files were not all processed: {store.get('file_counts')}")
            built.update(id=store_id, files=files)
        return built

    return get


@pytest.fixture
def many_chunks(make_vector_store, make_file, attach_file, wait_processed):
    """A store of one long file cut into small chunks, each holding the word 'lantern'; returns its id."""
    built: list[str] = []

    def get() -> str:
        if not built:
            store_id = make_vector_store()["id"]
            strategy = {"type": "static", "static": {"max_chunk_size_tokens": 100, "chunk_overlap_tokens": 0}}
            attach_file(store_id, make_file(LONG)["id"], chunking_strategy=strategy)
            store = wait_processed(f"{STORES}/{store_id}")
            if store.get("file_counts", {}).get("completed") != 1:
                raise Inconclusive(f"the long file was not processed: {store.get('file_counts')}")
            built.append(store_id)
        return built[0]

    return get


# -- the endpoint ------------------------------------------------------------------------------------------------------
@pytest.mark.rule("vector_stores.search.endpoint_exists")
def test_search_answers_a_results_page(api, rule, searchable):
    page = expect_accepted(api.post(search_path(searchable()["id"]), {"query": "lantern harbour"}), rule.id)
    expect(rule.id, isinstance(page, dict) and page.get("object") in rule.params["values"],
           expected=f"object in {rule.params['values']}", actual=page.get("object") if isinstance(page, dict) else page)
    expect(rule.id, isinstance(page.get("search_query"), list) and isinstance(page.get("data"), list)
           and isinstance(page.get("has_more"), bool),
           expected="search_query (a list), data (a list) and has_more (a boolean)", actual=page)


@pytest.mark.rule("vector_stores.search.query_required")
@pytest.mark.parametrize("body", [{}, {"max_num_results": 5}, {"rewrite_query": False}],
                         ids=["empty", "max_num_results-only", "rewrite_query-only"])
def test_a_search_without_query_is_rejected(api, rule, vector_store, body):
    expect_rejected(api.post(search_path(vector_store["id"]), body), rule.id, param=rule.params["param"],
                    why="no query")


# -- max_num_results ---------------------------------------------------------------------------------------------------
@pytest.mark.rule("vector_stores.search.max_num_results_range")
@pytest.mark.parametrize("edge", ["min", "max"])
def test_max_num_results_edges_are_accepted(api, rule, many_chunks, edge):
    count = rule.params[edge]
    page = expect_accepted(api.post(search_path(many_chunks()), {"query": "lantern", "max_num_results": count}),
                           rule.id, why=f"max_num_results={count}")
    expect(rule.id, 0 < len(page["data"]) <= count, expected=f"1 to {count} results", actual=len(page["data"]))


@pytest.mark.rule("vector_stores.search.max_num_results_range")
@pytest.mark.parametrize("edge", ["min", "max"])
def test_max_num_results_beyond_edges_is_rejected(api, rule, vector_store, edge):
    count = rule.params["min"] - 1 if edge == "min" else rule.params["max"] + 1
    response = api.post(search_path(vector_store["id"]), {"query": "lantern", "max_num_results": count})
    expect_rejected(response, rule.id, param=rule.params["param"], why=f"max_num_results={count}")


@pytest.mark.rule("vector_stores.search.max_num_results_range")
@given(count=st.integers(min_value=-10, max_value=80))
def test_max_num_results_drawn(api, rule, many_chunks, count):
    response = api.post(search_path(many_chunks()), {"query": "lantern", "max_num_results": count})
    if rule.params["min"] <= count <= rule.params["max"]:
        page = expect_accepted(response, rule.id, why=f"max_num_results={count}")
        expect(rule.id, len(page["data"]) <= count, expected=f"at most {count} results", actual=len(page["data"]))
    else:
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"max_num_results={count}")


@pytest.mark.rule("vector_stores.search.max_num_results_range")
def test_max_num_results_defaults_to_ten(api, rule, many_chunks):
    default = rule.params["default"]
    page = expect_accepted(api.post(search_path(many_chunks()), {"query": "lantern"}), rule.id,
                           why="no max_num_results")
    expect(rule.id, len(page["data"]) == default, expected=f"{default} results from a file of many matching chunks",
           actual=len(page["data"]))


# -- ranking_options ---------------------------------------------------------------------------------------------------
def judge_ranking(response, rule, accepted: bool, why: str, threshold: float | None = None):
    if not accepted:
        expect_rejected(response, rule.id, param=rule.params["param"], why=why)
        return
    page = expect_accepted(response, rule.id, why=why)
    if threshold is not None:
        scores = [item.get("score") for item in page["data"]]
        expect(rule.id, all(score >= threshold for score in scores), expected=f"no score below {threshold}",
               actual=scores)


@pytest.mark.rule("vector_stores.search.ranking_options")
@pytest.mark.parametrize("edge", ["min", "max", "below-min", "above-max"])
def test_score_threshold_edges(api, rule, searchable, edge):
    threshold = {"min": rule.params["min"], "max": rule.params["max"], "below-min": rule.params["min"] - 0.01,
                 "above-max": rule.params["max"] + 0.01}[edge]
    response = api.post(search_path(searchable()["id"]), {"query": "lantern harbour quay",
                                                        "ranking_options": {"score_threshold": threshold}})
    judge_ranking(response, rule, edge in ("min", "max"), f"score_threshold={threshold}", threshold)


@pytest.mark.rule("vector_stores.search.ranking_options")
@given(threshold=st.floats(min_value=-0.5, max_value=1.5, allow_nan=False))
def test_score_threshold_drawn(api, rule, searchable, threshold):
    response = api.post(search_path(searchable()["id"]), {"query": "lantern harbour quay",
                                                        "ranking_options": {"score_threshold": threshold}})
    accepted = rule.params["min"] <= threshold <= rule.params["max"]
    judge_ranking(response, rule, accepted, f"score_threshold={threshold}", threshold)


@pytest.mark.rule("vector_stores.search.ranking_options")
@pytest.mark.parametrize("ranker", ["none", "auto", "default-2024-11-15", "best", "AUTO", "default"],
                         ids=["none", "auto", "default-2024-11-15", "best", "upper-case-auto", "default"])
def test_ranker_values(api, rule, searchable, ranker):
    response = api.post(search_path(searchable()["id"]), {"query": "lantern", "ranking_options": {"ranker": ranker}})
    judge_ranking(response, rule, ranker in rule.params["values"], f"ranker={ranker}")


# -- filters -----------------------------------------------------------------------------------------------------------
def holds(filters: dict, attributes: dict) -> bool:
    """Whether ``attributes`` satisfy ``filters``, as the spec's ComparisonFilter and CompoundFilter describe."""
    kind = filters["type"]
    if kind in ("and", "or"):
        results = [holds(part, attributes) for part in filters["filters"]]
        return all(results) if kind == "and" else any(results)
    actual, value = attributes.get(filters["key"]), filters["value"]
    if kind in ("in", "nin"):
        return (actual in value) == (kind == "in")
    if kind in ("eq", "ne"):
        return (actual == value) == (kind == "eq")
    ordered = {"gt": lambda a, b: a > b, "gte": lambda a, b: a >= b, "lt": lambda a, b: a < b,
               "lte": lambda a, b: a <= b}
    return ordered[kind](actual, value)


COMPARISONS = [
    {"type": "eq", "key": "group", "value": "a"},
    {"type": "ne", "key": "group", "value": "a"},
    {"type": "gt", "key": "n", "value": 1},
    {"type": "gte", "key": "n", "value": 2},
    {"type": "lt", "key": "n", "value": 3},
    {"type": "lte", "key": "n", "value": 1},
    {"type": "in", "key": "n", "value": [1, 3]},
    {"type": "nin", "key": "group", "value": ["b"]},
    {"type": "eq", "key": "public", "value": True},
]
COMPOUNDS = [
    {"type": "and", "filters": [COMPARISONS[0], {"type": "eq", "key": "public", "value": True}]},
    {"type": "or", "filters": [{"type": "eq", "key": "n", "value": 1}, {"type": "eq", "key": "n", "value": 3}]},
    {"type": "and", "filters": [{"type": "or", "filters": [COMPARISONS[0], COMPARISONS[1]]}, COMPARISONS[2]]},
]


@pytest.mark.rule("vector_stores.search.filter_types")
@pytest.mark.parametrize("filters", COMPARISONS + COMPOUNDS,
                         ids=[f["type"] for f in COMPARISONS] + [f"{f['type']}-{i}" for i, f in enumerate(COMPOUNDS)])
def test_results_match_the_filter(api, rule, searchable, filters):
    store = searchable()
    response = api.post(search_path(store["id"]), {"query": "lantern", "filters": filters, "max_num_results": 50})
    page = expect_accepted(response, rule.id, why=f"filters={filters}")
    found = {item.get("file_id") for item in page["data"]}
    wanted = {file_id for file_id, attributes in store["files"].items() if holds(filters, attributes)}
    expect(rule.id, found == wanted, expected=f"exactly the files matching the filter: {sorted(wanted)}",
           actual=sorted(found))


@pytest.mark.rule("vector_stores.search.filter_types")
@pytest.mark.parametrize("kind", ["like", "EQ", "not", "xor", "contains"])
def test_other_filter_types_are_rejected(api, rule, vector_store, kind):
    for filters in ({"type": kind, "key": "group", "value": "a"}, {"type": "and", "filters": [
            {"type": kind, "key": "group", "value": "a"}]}):
        response = api.post(search_path(vector_store["id"]), {"query": "lantern", "filters": filters})
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"a filter of type {kind!r}")


@pytest.mark.rule("vector_stores.search.filter_types")
@given(kind=st.text(alphabet="abcdeginlnoqrstx", min_size=1, max_size=5))
def test_filter_types_drawn(api, rule, vector_store, kind):
    filters = ({"type": kind, "filters": []} if kind in rule.params["compound"]
               else {"type": kind, "key": "group", "value": "a"})
    response = api.post(search_path(vector_store["id"]), {"query": "lantern", "filters": filters})
    if kind in rule.params["values"] or kind in rule.params["compound"]:
        expect_accepted(response, rule.id, why=f"a filter of type {kind!r}")
    else:
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"a filter of type {kind!r}")


# -- the results -------------------------------------------------------------------------------------------------------
@pytest.mark.rule("vector_stores.search.results_ranked")
@pytest.mark.parametrize("query", ["lantern harbour quay", "harbour quay", "quay lantern"])
def test_results_are_best_first(api, rule, searchable, query):
    store = searchable()
    page = expect_accepted(api.post(search_path(store["id"]), {"query": query, "max_num_results": 50}), rule.id)
    scores = [item.get("score") for item in page["data"]]
    expect(rule.id, len(scores) >= 2, expected="at least two results for words several files share", actual=scores)
    expect(rule.id, scores == sorted(scores, reverse=True), expected="scores from highest to lowest", actual=scores)
    expect(rule.id, all(rule.params["min"] <= score <= rule.params["max"] for score in scores),
           expected=f"scores from {rule.params['min']} to {rule.params['max']}", actual=scores)
    for item in page["data"]:
        file_id = item.get("file_id")
        expect(rule.id, file_id in store["files"], expected="a file of the store", actual=file_id)
        expect(rule.id, item.get("attributes") == store["files"][file_id] and item.get("filename"),
               expected=f"{file_id}'s filename and attributes {store['files'][file_id]}", actual=item)
        content = item.get("content")
        expect(rule.id, isinstance(content, list) and content and all(
            part.get("type") == "text" and isinstance(part.get("text"), str) for part in content),
            expected="content: text items", actual=content)
