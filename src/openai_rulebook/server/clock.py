"""The server's sense of time: injectable, so that every timestamp a test sees is predictable."""

from __future__ import annotations

from typing import Protocol

#: 2025-01-01T00:00:00Z, the moment a default reference server lives in
DEFAULT_EPOCH = 1735689600


class Clock(Protocol):
    """What the server needs from a clock: the time now, and a way back to the start on ``reset()``."""

    def now(self) -> int:
        """Unix time in whole seconds, as the API's ``created_at`` fields carry it."""
        ...

    def reset(self) -> None:
        """Return to the time the clock started at."""
        ...


class FrozenClock:
    """A clock that stands still until told to move, so created_at values never depend on the wall clock."""

    def __init__(self, start: int = DEFAULT_EPOCH) -> None:
        self.start = start
        self._now = start

    def now(self) -> int:
        return self._now

    def advance(self, seconds: int) -> int:
        """Move forward by ``seconds`` and return the new time."""
        if seconds < 0:
            raise ValueError(f"a clock only moves forward; advance() got {seconds}")
        self._now += seconds
        return self._now

    def reset(self) -> None:
        self._now = self.start

    def __repr__(self) -> str:
        return f"FrozenClock(start={self.start}, now={self._now})"
