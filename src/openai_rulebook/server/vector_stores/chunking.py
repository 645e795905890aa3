"""Chunking strategies: ``auto``, or ``static`` with ``max_chunk_size_tokens`` 100-4096 and an overlap of at most
half of it, as the spec's ``ChunkingStrategyRequestParam`` describes them.

The request models check the shape (a known ``type``, integers, no extra keys); the ranges are a catalog rule,
checked by ``check_chunking`` under the rule the caller names, so that a fault can move them by one. A file always
reports the strategy it was chunked with as ``static`` (``auto`` is 800 tokens with 400 of overlap), as live does.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from openai_rulebook.server.core.faults import Rules

PARAM = "chunking_strategy"
#: the limits, as the catalog's ``params`` state them
MIN_CHUNK_TOKENS = 100
MAX_CHUNK_TOKENS = 4096
#: what ``auto`` means today, per the spec's AutoChunkingStrategyRequestParam
AUTO = {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400}


class _Strict(BaseModel):
    # the spec's additionalProperties: false, and no coercion ("3" is not an integer)
    model_config = ConfigDict(extra="forbid", strict=True)


class AutoChunking(_Strict):
    type: Literal["auto"]


class StaticChunkingSizes(_Strict):
    max_chunk_size_tokens: int
    chunk_overlap_tokens: int


class StaticChunking(_Strict):
    type: Literal["static"]
    static: StaticChunkingSizes


ChunkingStrategy = Annotated[AutoChunking | StaticChunking, Field(discriminator="type")]


def check_chunking(rules: Rules, rule: str, strategy: AutoChunking | StaticChunking | None) -> dict[str, Any]:
    """The static sizes to chunk with (``AUTO`` when none is given), or a 400 naming ``chunking_strategy``.

    Under a fault the range grows by one at each end and the overlap may exceed half by one token.
    """
    if not isinstance(strategy, StaticChunking):
        return dict(AUTO)
    size = strategy.static.max_chunk_size_tokens
    overlap = strategy.static.chunk_overlap_tokens
    rules.enforce_range(rule, size, MIN_CHUNK_TOKENS, MAX_CHUNK_TOKENS, param=PARAM,
                        name="chunking_strategy.static.max_chunk_size_tokens")
    rules.enforce(
        rule,
        0 <= overlap and 2 * overlap <= size,
        broken_ok=-1 <= overlap and 2 * overlap <= size + 2,
        param=PARAM,
        code="invalid_value",
        message=f"Invalid 'chunking_strategy.static.chunk_overlap_tokens': expected an integer from 0 to half of "
        f"max_chunk_size_tokens ({size // 2}), but got {overlap} instead.",
    )
    return {"max_chunk_size_tokens": size, "chunk_overlap_tokens": overlap}


def render(sizes: dict[str, Any]) -> dict[str, Any]:
    """The ``StaticChunkingStrategyResponseParam`` a vector store file reports."""
    return {"type": "static", "static": dict(sizes)}


def chunks(words: list[str], sizes: dict[str, Any]) -> list[list[str]]:
    """``words`` cut into chunks of ``max_chunk_size_tokens`` words, each sharing ``chunk_overlap_tokens`` with the
    one before (a word stands for a token: the reference server has no tokenizer)."""
    size = max(int(sizes["max_chunk_size_tokens"]), 1)
    step = max(size - max(int(sizes["chunk_overlap_tokens"]), 0), 1)
    cut: list[list[str]] = []
    for start in range(0, len(words), step):
        cut.append(words[start : start + size])
        if start + size >= len(words):
            break
    return cut
