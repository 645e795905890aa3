"""A deterministic moderation classifier: scores from a hash of the text, and a few words that flag a category.

Categories and which of them read images are the live API's (moderations.jsonl, omni-moderation-latest): 13 for
omni models, 11 for the text-moderation models (no ``illicit``); self-harm, sexual and violence read images too.
"""

from __future__ import annotations

from dataclasses import dataclass
from hashlib import blake2b

OMNI_CATEGORIES = ("harassment", "harassment/threatening", "sexual", "hate", "hate/threatening", "illicit",
                   "illicit/violent", "self-harm/intent", "self-harm/instructions", "self-harm", "sexual/minors",
                   "violence", "violence/graphic")
TEXT_CATEGORIES = tuple(category for category in OMNI_CATEGORIES if not category.startswith("illicit"))
IMAGE_CATEGORIES = frozenset({"self-harm", "self-harm/instructions", "self-harm/intent", "sexual", "violence",
                              "violence/graphic"})
#: words that make a text score high in a category (the same text always scores the same)
TRIGGERS = {"kill": "violence", "gore": "violence/graphic", "hate": "hate", "threaten": "harassment/threatening"}
FLAG_AT = 0.5


@dataclass(frozen=True)
class Item:
    """One thing to classify: its text (empty for an image alone) and the input types it holds."""

    text: str
    images: int
    types: tuple[str, ...]


def _low_score(*parts: object) -> float:
    """A small deterministic score, below 0.01."""
    digest = int.from_bytes(blake2b(repr(parts).encode(), digest_size=4).digest(), "big")
    return (digest % 10_000) / 1_000_000


def scores(item: Item, categories: tuple[str, ...]) -> dict[str, float]:
    lowered = item.text.lower()
    result = {category: _low_score(item.text, item.images, category) for category in categories}
    for word, category in TRIGGERS.items():
        if word in lowered and category in result:
            result[category] = 0.9 + result[category]
    return result


def applied_types(item: Item, categories: tuple[str, ...]) -> dict[str, list[str]]:
    """Per category, the input types it read: text always, images only where the category reads images."""
    return {category: [kind for kind in item.types if kind == "text" or category in IMAGE_CATEGORIES]
            for category in categories}
