"""The models the reference server serves, what each is for and its limits (context window, output bound,
embedding dimensions): what ``/v1/models`` lists and what every model-backed area checks a request's ``model``
against. Figures are the official model pages' (context window, max output tokens)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["chat", "reasoning", "completions", "embeddings", "moderation"]


@dataclass(frozen=True)
class Model:
    id: str
    kind: Kind
    created: int
    owned_by: str = "system"
    context_window: int = 0
    max_output_tokens: int = 0
    #: embeddings: the default (and largest) number of dimensions; 0 for other kinds
    dimensions: int = 0
    #: embeddings: whether ``dimensions`` may shorten the vector (text-embedding-3 only)
    shortens: bool = False


MODELS: dict[str, Model] = {model.id: model for model in (
    Model("gpt-4o-mini", "chat", 1721172741, context_window=128_000, max_output_tokens=16_384),
    Model("gpt-4o", "chat", 1715367049, context_window=128_000, max_output_tokens=16_384),
    Model("gpt-4.1-mini", "chat", 1744318173, context_window=1_047_576, max_output_tokens=32_768),
    Model("gpt-4.1-nano", "chat", 1744321707, context_window=1_047_576, max_output_tokens=32_768),
    Model("gpt-3.5-turbo", "chat", 1677610602, "openai", context_window=16_385, max_output_tokens=4_096),
    Model("o4-mini", "reasoning", 1744225351, context_window=200_000, max_output_tokens=100_000),
    Model("o3-mini", "reasoning", 1737146383, context_window=200_000, max_output_tokens=100_000),
    Model("o3", "reasoning", 1744225308, context_window=200_000, max_output_tokens=100_000),
    Model("gpt-5-mini", "reasoning", 1754425928, context_window=400_000, max_output_tokens=128_000),
    Model("gpt-5-nano", "reasoning", 1754426384, context_window=400_000, max_output_tokens=128_000),
    Model("gpt-5", "reasoning", 1754425777, context_window=400_000, max_output_tokens=128_000),
    Model("gpt-5-pro", "reasoning", 1759469707, context_window=400_000, max_output_tokens=272_000),
    Model("gpt-3.5-turbo-instruct", "completions", 1692901427, context_window=4_096, max_output_tokens=4_096),
    Model("davinci-002", "completions", 1692634301, context_window=16_384, max_output_tokens=16_384),
    Model("babbage-002", "completions", 1692634615, context_window=16_384, max_output_tokens=16_384),
    Model("text-embedding-3-small", "embeddings", 1705948997, context_window=8_192, dimensions=1536, shortens=True),
    Model("text-embedding-3-large", "embeddings", 1705953180, context_window=8_192, dimensions=3072, shortens=True),
    Model("text-embedding-ada-002", "embeddings", 1671217299, "openai-internal", context_window=8_192,
          dimensions=1536),
    Model("omni-moderation-latest", "moderation", 1731689265),
    Model("text-moderation-latest", "moderation", 1677610602, "openai-internal"),
)}


def model(model_id: object) -> Model | None:
    """The served model called ``model_id`` (a dated snapshot such as ``gpt-4o-mini-2024-07-18`` is its model)."""
    if not isinstance(model_id, str):
        return None
    if model_id in MODELS:
        return MODELS[model_id]
    base, _, date = model_id.rpartition("-")
    while base and date.isdigit():
        if base in MODELS:
            return MODELS[base]
        base, _, date = base.rpartition("-")
    return None
