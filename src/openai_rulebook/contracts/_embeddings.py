"""Contract checks of POST /v1/embeddings: the list of embeddings, usage, encodings and dimensions.

Recorded traffic abbreviates long vectors (``real-traffic/README.md``): a float array keeps its first numbers and
ends with the string ``"…[N floats total]"``, a base64 string over 4,000 characters is cut and marked
``…[truncated N chars]``. A check reads the length of the first and skips the byte count of the second; live
responses carry neither mark.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from openai_rulebook.catalog import Rule
from openai_rulebook.checks import expect
from openai_rulebook.contracts._registry import Seen, contract

_FLOATS_TOTAL = re.compile(r"…\[(\d+) floats total\]$")
_TRUNCATED = "…[truncated"


def _sent(seen: Seen) -> dict[str, Any]:
    return seen.request_body if isinstance(seen.request_body, dict) else {}


def _asked_dimensions(seen: Seen) -> bool:
    value = _sent(seen).get("dimensions")
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _body(seen: Seen) -> dict[str, Any]:
    return seen.body if isinstance(seen.body, dict) else {}


def _data(seen: Seen) -> list[Any]:
    data = _body(seen).get("data")
    return data if isinstance(data, list) else []


def input_count(value: Any) -> int | None:
    """How many embeddings ``input`` asks for: one for a string or a token array, one per entry otherwise."""
    if isinstance(value, str):
        return 1
    if isinstance(value, list) and value:
        return 1 if all(isinstance(item, int) for item in value) else len(value)
    return None


def vector_length(embedding: Any) -> int | None:
    """The number of values of an embedding (float array or base64 float32), None when it cannot be told."""
    if isinstance(embedding, list):
        if embedding and isinstance(embedding[-1], str) and (match := _FLOATS_TOTAL.search(embedding[-1])):
            return int(match.group(1))
        return len(embedding)
    if isinstance(embedding, str) and _TRUNCATED not in embedding:
        try:
            raw = base64.b64decode(embedding, validate=True)
        except (binascii.Error, ValueError):
            return None
        return len(raw) // 4 if len(raw) % 4 == 0 else None
    return None


@contract("embeddings.endpoints_exist")
def embeddings_list(rule: Rule, seen: Seen) -> None:
    body = _body(seen)
    list_type, item_type = (str(value) for value in rule.params["values"])
    expect(rule.id, body.get("object") == list_type, expected=f"object={list_type!r}", actual=body.get("object"))
    data = body.get("data")
    expect(rule.id, isinstance(data, list), expected="a data array", actual=data)
    wanted = input_count(_sent(seen).get("input"))
    if wanted is not None:
        expect(rule.id, len(data) == wanted, expected=f"{wanted} embedding(s), one per input", actual=len(data))
    for position, item in enumerate(data):
        item = item if isinstance(item, dict) else {}
        expect(rule.id, item.get("object") == item_type, expected=f"data[{position}].object={item_type!r}",
               actual=item.get("object"))
        expect(rule.id, item.get("index") == position,
               expected=f"data[{position}].index={position} (input order)", actual=item.get("index"))


@contract("embeddings.usage")
def embeddings_usage(rule: Rule, seen: Seen) -> None:
    usage = _body(seen).get("usage")
    usage = usage if isinstance(usage, dict) else {}
    prompt, total = usage.get("prompt_tokens"), usage.get("total_tokens")
    integers = all(isinstance(v, int) and not isinstance(v, bool) for v in (prompt, total))
    expect(rule.id, integers, expected="usage.prompt_tokens and usage.total_tokens integers", actual=usage or None)
    expect(rule.id, prompt == total, expected="usage.total_tokens == usage.prompt_tokens", actual=usage)
    inputs = input_count(_sent(seen).get("input")) or 1
    expect(rule.id, prompt >= inputs, expected=f"usage.prompt_tokens >= {inputs} (one per input at least)",
           actual=prompt)


@contract("embeddings.encoding_format")
def embeddings_encoding(rule: Rule, seen: Seen) -> None:
    encoding = _sent(seen).get("encoding_format") or "float"
    per_value = int(rule.params["bytes_per_value"])
    for position, item in enumerate(_data(seen)):
        embedding = item.get("embedding") if isinstance(item, dict) else None
        if encoding == "base64":
            expect(rule.id, isinstance(embedding, str), expected=f"data[{position}].embedding a base64 string",
                   actual=type(embedding).__name__)
            if _TRUNCATED in embedding:
                continue
            try:
                raw = base64.b64decode(embedding, validate=True)
            except (binascii.Error, ValueError):
                raw = None
            asked = _sent(seen).get("dimensions") if _asked_dimensions(seen) else None
            wanted = f"{per_value * asked} bytes ({asked} dimensions)" if asked else f"a multiple of {per_value} bytes"
            expect(rule.id, raw is not None and (len(raw) == per_value * asked if asked else len(raw) % per_value == 0),
                   expected=f"data[{position}].embedding base64 of {per_value}-byte floats: {wanted}",
                   actual=f"{len(raw)} bytes" if raw is not None else f"not base64: {embedding[:40]!r}")
        else:
            numbers = isinstance(embedding, list) and all(
                isinstance(value, (int, float)) and not isinstance(value, bool)
                for value in (embedding[:-1] if embedding and isinstance(embedding[-1], str)
                              and _FLOATS_TOTAL.search(embedding[-1]) else embedding))
            expect(rule.id, numbers, expected=f"data[{position}].embedding an array of numbers",
                   actual=type(embedding).__name__)


@contract("embeddings.dimensions_shortens", when=_asked_dimensions)
def embeddings_dimensions(rule: Rule, seen: Seen) -> None:
    """Float arrays only: the byte count of a base64 embedding is the encoding rule's (4 bytes per dimension)."""
    wanted = _sent(seen)["dimensions"]
    for position, item in enumerate(_data(seen)):
        embedding = item.get("embedding") if isinstance(item, dict) else None
        length = vector_length(embedding) if isinstance(embedding, list) else None
        if length is not None:
            expect(rule.id, length == wanted, expected=f"data[{position}] of {wanted} values (dimensions)",
                   actual=f"{length} values")
