"""Embeddings: deterministic unit vectors, the encodings, dimensions, the limits in real tokens and the model checks."""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest

from openai_rulebook.server import create_app
from openai_rulebook.server.core.tokens import text_of_tokens
from openai_rulebook.server.embeddings.vectors import from_base64, vector

EMBEDDINGS = "/v1/embeddings"
SMALL = "text-embedding-3-small"


def embed(client: httpx.Client, input_: Any, model: str = SMALL, **extra: Any) -> httpx.Response:
    return client.post(EMBEDDINGS, json={"model": model, "input": input_, **extra})


def test_vectors_are_deterministic_unit_and_input_bound() -> None:
    one, again, other = vector(SMALL, (1, 2), 1536, 1536), vector(SMALL, (1, 2), 1536, 1536), vector(SMALL, (3,),
                                                                                                       1536, 1536)
    assert one == again and one != other and len(one) == 1536
    assert math.isclose(math.fsum(v * v for v in one), 1.0, rel_tol=1e-5)


def test_dimensions_keep_the_direction_of_the_full_vector() -> None:
    full, short = vector(SMALL, (7,), 1536, 1536), vector(SMALL, (7,), 8, 1536)
    scale = short[0] / full[0]
    assert all(math.isclose(s, f * scale, rel_tol=1e-4) for s, f in zip(short, full[:8], strict=False))


def test_the_response_has_real_traffic_shape(client: httpx.Client) -> None:
    body = embed(client, ["rule", "rule book"]).json()
    assert list(body) == ["object", "data", "model", "usage"]
    assert [list(item) for item in body["data"]] == [["object", "index", "embedding"]] * 2
    assert [item["index"] for item in body["data"]] == [0, 1]
    assert body["usage"] == {"prompt_tokens": 3, "total_tokens": 3}


def test_base64_is_the_float32_of_the_float_form(client: httpx.Client) -> None:
    floats = embed(client, "rule").json()["data"][0]["embedding"]
    encoded = embed(client, "rule", encoding_format="base64").json()["data"][0]["embedding"]
    assert from_base64(encoded) == floats


def test_token_arrays_embed_like_their_text(client: httpx.Client) -> None:
    from openai_rulebook.server.core.tokens import encode

    assert embed(client, [encode("rule book")]).json()["data"] == embed(client, "rule book").json()["data"]


@pytest.mark.parametrize(("input_", "ok"), [
    (text_of_tokens(8192), True), (text_of_tokens(8193), False), ([[1] * 8193], False), (["a"] * 2048, True),
    (["a"] * 2049, False), ("", False), (["a", ""], False), ([[]], False), ([], False), ([1.5], False),
])
def test_input_limits(client: httpx.Client, input_: Any, ok: bool) -> None:
    response = embed(client, input_, dimensions=1)
    assert response.status_code == (200 if ok else 400), response.text[:300]


def test_total_tokens_edge(client: httpx.Client) -> None:
    full = text_of_tokens(8192)
    assert embed(client, [full] * 36 + [text_of_tokens(5088)], dimensions=1).status_code == 200
    assert embed(client, [full] * 36 + [text_of_tokens(5089)], dimensions=1).status_code == 400


def test_models_and_dimensions(client: httpx.Client, expect_error) -> None:
    expect_error(embed(client, "a", model="no-such-model"), 404)
    assert embed(client, "a", model="no-such-model").json()["error"]["code"] == "model_not_found"
    expect_error(embed(client, "a", model="gpt-4o-mini"), 403)
    expect_error(embed(client, "a", model="text-embedding-ada-002", dimensions=8), 400)
    expect_error(embed(client, "a", dimensions=0), 400)
    expect_error(embed(client, "a", dimensions=1537), 400, param="dimensions")
    assert len(embed(client, "a", model="text-embedding-3-large", dimensions=3072).json()["data"][0]["embedding"]) \
        == 3072
    expect_error(embed(client, "a", encoding_format="int8"), 400, param="encoding_format")


@pytest.mark.parametrize(("fault", "request_", "check"), [
    ("embeddings.data_reversed", {"input": ["a", "b"]}, lambda b: [d["index"] for d in b["data"]] == [1, 0]),
    ("embeddings.total_tokens_plus_one", {"input": "a"}, lambda b: b["usage"]["total_tokens"] == 2),
    ("embeddings.base64_float64", {"input": "a", "encoding_format": "base64", "dimensions": 2},
     lambda b: len(b["data"][0]["embedding"]) == 24),
    ("embeddings.ignore_dimensions", {"input": "a", "dimensions": 2}, lambda b: len(b["data"][0]["embedding"]) == 3),
])
def test_faults(client_for, fault: str, request_: dict[str, Any], check) -> None:
    client = client_for(create_app(faults=[fault]))
    assert check(client.post(EMBEDDINGS, json={"model": SMALL, **request_}).json())
