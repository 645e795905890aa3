"""Vector store search: term-overlap scores, chunking, attribute filters, limits and their validation."""

from __future__ import annotations

import pytest

from openai_rulebook.server.vector_store_files.attachments import PROCESSING_SECONDS
from openai_rulebook.server.files.stored import add_file

STORES = "/v1/vector_stores"


@pytest.fixture
def store(client, clock, state, make_store):
    """A store of three processed files with attributes."""
    store = make_store(name="search")
    documents = [
        (b"apples and pears grow in the orchard", {"kind": "fruit", "rank": 1, "fresh": True}),
        (b"pears are sweet", {"kind": "fruit", "rank": 2, "fresh": False}),
        (b"carrots grow underground", {"kind": "vegetable", "rank": 3, "fresh": True}),
    ]
    for content, attributes in documents:
        stored = add_file(state, filename="doc.txt", purpose="assistants", size=len(content), content=content)
        response = client.post(f"{STORES}/{store['id']}/files", json={"file_id": stored.id, "attributes": attributes})
        assert response.status_code == 200
    clock.advance(PROCESSING_SECONDS)
    return store


def search(client, store, **body):
    response = client.post(f"{STORES}/{store['id']}/search", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_results_are_ranked_by_term_overlap(client, store):
    page = search(client, store, query="sweet pears")
    assert set(page) == {"object", "search_query", "data", "has_more", "next_page"}
    assert (page["object"], page["search_query"], page["has_more"], page["next_page"]) == (
        "vector_store.search_results.page", ["sweet pears"], False, None)
    assert [(item["score"], item["attributes"]["rank"]) for item in page["data"]] == [(1.0, 2), (0.5, 1)]
    first = page["data"][0]
    assert set(first) == {"file_id", "filename", "score", "attributes", "content"}
    assert first["content"] == [{"type": "text", "text": "pears are sweet"}]


def test_files_in_progress_are_not_searched(client, state, store):
    stored = add_file(state, filename="new.txt", purpose="assistants", size=5, content=b"sweet")
    client.post(f"{STORES}/{store['id']}/files", json={"file_id": stored.id})
    assert [item["file_id"] for item in search(client, store, query="sweet")["data"]] != [stored.id]
    assert len(search(client, store, query="sweet")["data"]) == 1


def test_a_list_of_queries_pools_their_words(client, store):
    page = search(client, store, query=["carrots", "apples"])
    assert page["search_query"] == ["carrots", "apples"]
    assert [item["score"] for item in page["data"]] == [0.5, 0.5]


@pytest.mark.parametrize(
    ("filters", "ranks"),
    [
        ({"type": "eq", "key": "kind", "value": "fruit"}, [1]),
        ({"type": "ne", "key": "kind", "value": "fruit"}, [3]),
        ({"type": "gt", "key": "rank", "value": 1}, [3]),
        ({"type": "gte", "key": "rank", "value": 1}, [1, 3]),
        ({"type": "lt", "key": "rank", "value": 3}, [1]),
        ({"type": "lte", "key": "rank", "value": 3}, [1, 3]),
        ({"type": "in", "key": "rank", "value": [3, 7]}, [3]),
        ({"type": "nin", "key": "rank", "value": [3, 7]}, [1]),
        ({"type": "eq", "key": "fresh", "value": True}, [1, 3]),
        ({"type": "eq", "key": "rank", "value": True}, []),
        ({"type": "eq", "key": "missing", "value": "x"}, []),
        ({"type": "and", "filters": [{"type": "eq", "key": "fresh", "value": True},
                                     {"type": "gt", "key": "rank", "value": 1}]}, [3]),
        ({"type": "or", "filters": [{"type": "eq", "key": "rank", "value": 1},
                                    {"type": "eq", "key": "rank", "value": 3}]}, [1, 3]),
    ],
)
def test_filters_select_by_attributes(client, store, filters, ranks):
    page = search(client, store, query="grow", filters=filters)
    assert sorted(item["attributes"]["rank"] for item in page["data"]) == ranks


def test_max_num_results_and_threshold_cut_the_list(client, store):
    assert len(search(client, store, query="pears grow sweet", max_num_results=1)["data"]) == 1
    scores = [item["score"] for item in search(client, store, query="pears grow sweet")["data"]]
    kept = search(client, store, query="pears grow sweet", ranking_options={"score_threshold": 0.6})["data"]
    assert [item["score"] for item in kept] == [score for score in scores if score >= 0.6]


def test_chunks_follow_the_files_strategy(client, clock, state, make_store):
    store = make_store()
    words = " ".join(f"w{i}" for i in range(250)).encode()
    stored = add_file(state, filename="long.txt", purpose="assistants", size=len(words), content=words)
    strategy = {"type": "static", "static": {"max_chunk_size_tokens": 100, "chunk_overlap_tokens": 50}}
    client.post(f"{STORES}/{store['id']}/files", json={"file_id": stored.id, "chunking_strategy": strategy})
    clock.advance(PROCESSING_SECONDS)
    texts = [item["content"][0]["text"] for item in search(client, store, query="w120")["data"]]
    assert [text.split()[0] for text in texts] == ["w50", "w100"]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({}, "query"),
        ({"query": 7}, "query"),
        ({"query": "x", "max_num_results": 0}, "max_num_results"),
        ({"query": "x", "max_num_results": 51}, "max_num_results"),
        ({"query": "x", "ranking_options": {"score_threshold": 1.01}}, "ranking_options"),
        ({"query": "x", "ranking_options": {"score_threshold": -0.1}}, "ranking_options"),
        ({"query": "x", "ranking_options": {"ranker": "best"}}, "ranking_options"),
        ({"query": "x", "filters": {"type": "like", "key": "k", "value": "v"}}, "filters"),
        ({"query": "x", "filters": {"type": "and", "filters": [{"type": "xor", "filters": []}]}}, "filters"),
        ({"query": "x", "filters": {"type": "eq", "key": "k"}}, "filters"),
        ({"query": "x", "filters": {"type": "eq", "key": "k", "value": {"a": 1}}}, "filters"),
        ({"query": "x", "filters": {"type": "or", "filters": "nope"}}, "filters"),
    ],
)
def test_bad_searches_are_400(client, expect_error, store, body, param):
    expect_error(client.post(f"{STORES}/{store['id']}/search", json=body), 400, param=param)


def test_edges_are_accepted(client, store):
    for body in ({"max_num_results": 50}, {"max_num_results": 1}, {"ranking_options": {"score_threshold": 1}},
                 {"ranking_options": {"score_threshold": 0, "ranker": "none"}}):
        search(client, store, query="pears", **body)


def test_searching_an_unknown_store_is_404(client, expect_error):
    expect_error(client.post(f"{STORES}/vs_nope/search", json={"query": "x"}), 404)
