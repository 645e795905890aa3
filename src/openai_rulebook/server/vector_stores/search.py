"""Vector store search: the chunks of a store's processed files that share the most words with the query.

Scoring is deterministic term overlap, the reference server's stand-in for embeddings: a chunk's score is the share
of the query's distinct words it contains (0 to 1). Chunks are cut with each file's own chunking strategy, a word
standing for a token. Only chunks that share a word with the query, score at least ``score_threshold`` and match
the attribute ``filters`` are returned, best first (ties in file and chunk order), at most ``max_num_results``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict

from openai_rulebook.server.vector_stores.filters import FILTER_TYPES, parse_filter
from openai_rulebook.server.requests.bodies import json_body
from openai_rulebook.server.vector_stores.chunking import chunks
from openai_rulebook.server.core.faults import Fault, RulesDep, register
from openai_rulebook.server.vector_stores.routes import StoresDep, files_of, get_store
from openai_rulebook.server.core.state import StateDep

ENDPOINT = "vector_stores.search.endpoint_exists"
QUERY_REQUIRED = "vector_stores.search.query_required"
MAX_NUM_RESULTS = "vector_stores.search.max_num_results_range"
RANKING_OPTIONS = "vector_stores.search.ranking_options"
RESULTS_RANKED = "vector_stores.search.results_ranked"
#: the limits, as the catalog's ``params`` state them
MIN_RESULTS, MAX_RESULTS, DEFAULT_RESULTS = 1, 50, 10
RANKERS = ("none", "auto", "default-2024-11-15")

register(
    Fault(
        "vector_stores.search.page_says_list",
        rule=ENDPOINT,
        description="a search answers with object='list' instead of 'vector_store.search_results.page'",
    ),
    Fault(
        "vector_stores.search.query_optional",
        rule=QUERY_REQUIRED,
        description="a search without query is accepted and finds nothing",
    ),
    Fault(
        "vector_stores.search.max_num_results_off_by_one",
        rule=MAX_NUM_RESULTS,
        description="max_num_results of 0 and 51 are accepted (-1 and 52 are not)",
    ),
    Fault(
        "vector_stores.search.accept_any_score_threshold",
        rule=RANKING_OPTIONS,
        description="a score_threshold below 0 or above 1 is accepted (the ranker is still checked)",
    ),
    Fault(
        "vector_stores.search.accept_unknown_filter_types",
        rule=FILTER_TYPES,
        description="a filter of an unknown type (e.g. 'like') is accepted and filters nothing out",
    ),
    Fault(
        "vector_stores.search.lowest_score_first",
        rule=RESULTS_RANKED,
        description="results are listed lowest score first (the same results as without the fault)",
    ),
)

router = APIRouter(prefix="/vector_stores", tags=["vector_store_search"])

_WORD = re.compile(r"\w+")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class RankingOptions(_Strict):
    ranker: str = "auto"  # one of RANKERS: a catalog rule, checked by the route
    score_threshold: float = 0.0  # 0..1: the same rule


class VectorStoreSearchRequest(_Strict):
    query: str | list[str] = None  # type: ignore[assignment]  # required: a catalog rule, checked by the route
    rewrite_query: bool = False
    max_num_results: int = DEFAULT_RESULTS
    filters: dict[str, Any] = None  # type: ignore[assignment]  # parsed by attribute_filters.py
    ranking_options: RankingOptions = None  # type: ignore[assignment]


def _terms(text: str) -> set[str]:
    return {word.lower() for word in _WORD.findall(text)}


@router.post("/{vector_store_id}/search")
async def search_vector_store(
    vector_store_id: str,
    body: Annotated[VectorStoreSearchRequest, Depends(json_body(VectorStoreSearchRequest))],
    state: StateDep,
    stores: StoresDep,
    rules: RulesDep,
) -> dict[str, Any]:
    store = get_store(stores, vector_store_id)
    rules.enforce(
        QUERY_REQUIRED,
        body.query is not None,
        param="query",
        code="missing_required_parameter",
        message="Missing required parameter: 'query'.",
    )
    count = body.max_num_results
    rules.enforce_range(MAX_NUM_RESULTS, count, MIN_RESULTS, MAX_RESULTS, param="max_num_results",
                        name="max_num_results")
    options = body.ranking_options or RankingOptions()
    rules.enforce(
        RANKING_OPTIONS,
        options.ranker in RANKERS,
        broken_ok=options.ranker in RANKERS,
        param="ranking_options",
        code="invalid_value",
        message=f"Invalid 'ranking_options.ranker': expected one of {', '.join(RANKERS)}, "
        f"but got {options.ranker!r} instead.",
    )
    threshold = options.score_threshold
    rules.enforce(
        RANKING_OPTIONS,
        0 <= threshold <= 1,
        param="ranking_options",
        code="invalid_value",
        message=f"Invalid 'ranking_options.score_threshold': expected a number from 0 to 1, but got {threshold}.",
    )
    matches = parse_filter(rules, body.filters) if body.filters is not None else (lambda attributes: True)

    queries = [body.query] if isinstance(body.query, str) else list(body.query or [])
    wanted = set().union(*map(_terms, queries)) if queries else set()
    now = state.clock.now()
    scored: list[tuple[float, dict[str, Any]]] = []
    for record in files_of(store, state, rules).ordered():
        if record.status(state.clock.exact(), rules) != "completed" or not record.text or not matches(record.attributes):
            continue
        for chunk in chunks(record.text.split(), record.chunking):
            text = " ".join(chunk)
            score = len(wanted & _terms(text)) / len(wanted) if wanted else 0.0
            if score > 0 and score >= threshold:
                scored.append((score, {
                    "file_id": record.id,
                    "filename": record.filename,
                    "score": score,
                    "attributes": dict(record.attributes),
                    "content": [{"type": "text", "text": text}],
                }))
    scored.sort(key=lambda pair: -pair[0])  # stable: equal scores keep file and chunk order
    results = [result for _, result in scored[:count]]
    store.last_active_at = now
    return {
        "object": rules.behaviour(ENDPOINT, "vector_store.search_results.page", "list"),
        "search_query": queries,
        "data": rules.behaviour(RESULTS_RANKED, results, results[::-1]),
        "has_more": False,
        "next_page": None,
    }
