"""Deterministic embedding vectors: derived from the model and the input's tokens alone, of unit length.

A vector is drawn from a hash of (model, tokens) and normalized, so the same input always embeds the same way,
different inputs differ, and ``dimensions`` shortens a vector to a prefix renormalized (as text-embedding-3 does:
the shortened embedding is the full one cut and rescaled). Values are float32, so that the ``float`` and ``base64``
encodings of one vector carry the same numbers.
"""

from __future__ import annotations

import base64
from array import array
import math
import struct
from hashlib import shake_256


def vector(model_id: str, tokens: tuple[int, ...], dimensions: int, full: int) -> list[float]:
    """The first ``dimensions`` values of the model's ``full``-length vector for ``tokens``, renormalized."""
    key = model_id.encode() + b"\0" + array("q", tokens).tobytes()  # array: C speed for 8,192-token inputs
    seed = shake_256(key).digest(2 * min(dimensions, full))
    raw = [value / 32768 for value in struct.unpack(f"<{len(seed) // 2}h", seed)]
    norm = math.sqrt(math.fsum(value * value for value in raw)) or 1.0
    return float32([value / norm for value in raw] if norm else [1.0] + [0.0] * (len(raw) - 1))


def float32(values: list[float]) -> list[float]:
    """``values`` rounded to float32, as the API computes them."""
    return list(struct.unpack(f"<{len(values)}f", struct.pack(f"<{len(values)}f", *values)))


def to_base64(values: list[float], width: str = "f") -> str:
    """The ``base64`` encoding: little-endian float32 values (``width="d"``: float64, the fault's)."""
    return base64.b64encode(struct.pack(f"<{len(values)}{width}", *values)).decode()


def from_base64(text: str) -> list[float]:
    raw = base64.b64decode(text)
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))
