"""Object ids that look like OpenAI's (``vs_`` + 24 hex digits) but follow from a seed and a counter."""

from __future__ import annotations

from hashlib import blake2b


class IdSequence:
    """Hands out ids in a fixed order: the same seed gives the same ids, run after run."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._count = 0

    def next(self, prefix: str) -> str:
        """The next id for an object whose ids start with ``prefix`` (``"vs"`` gives ``vs_…``)."""
        self._count += 1
        digest = blake2b(f"{self.seed}:{prefix}:{self._count}".encode(), digest_size=12).hexdigest()
        return f"{prefix}_{digest}"

    def reset(self) -> None:
        """Start the sequence again from the first id."""
        self._count = 0
