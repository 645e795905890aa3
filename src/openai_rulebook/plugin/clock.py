"""``server_clock``: moving the API's time forward, whatever the target.

The reference server's clock jumps (it is a ``FrozenClock``); a real API is waited for, up to ``MAX_WAIT`` seconds,
and a test that needs longer is skipped there (an upload's one-hour expiry cannot be waited for in a nightly run).

A replay waits for nothing (the answers were recorded after the wait) but behaves as the recording's clock did:
``can_jump`` and the skips are the same, so a test takes the same branches and sends the same requests, poll by
poll, as when it was recorded. The cassette set says which clock it was recorded with (``clock`` in
``cassette-set.json``; a set that does not say: jump if recorded from the reference server, else wait).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pytest

MAX_WAIT = 30.0

ClockKind = Literal["jump", "wait"]


def recording_clock(source: str | None) -> ClockKind:
    """How time passes for a run whose requests go to ``source``: the in-process reference server's clock jumps."""
    return "jump" if source == "reference" else "wait"


def clock_of_set(meta: Mapping[str, Any]) -> ClockKind:
    """The clock a cassette set was recorded with."""
    written = meta.get("clock")
    if written in ("jump", "wait"):
        return written  # type: ignore[return-value]
    return recording_clock(str(meta.get("target") or "reference"))


def max_wait_of_set(meta: Mapping[str, Any]) -> float:
    """The longest wait the recording allowed (``max_wait``): a replay skips exactly where the recording did."""
    written = meta.get("max_wait")
    return float(written) if isinstance(written, int | float) and not isinstance(written, bool) else MAX_WAIT


@dataclass
class ServerClock:
    mode: Literal["jump", "replay", "wait"]
    jump: Callable[[int], object] | None = None
    #: in a replay: the clock the cassettes were recorded with
    recorded: ClockKind = "jump"
    #: the longest span a waiting clock waits for (a replay: the recording's); a test that needs more is skipped
    max_wait: float = MAX_WAIT

    def advance(self, seconds: int) -> None:
        """Let ``seconds`` pass on the API's clock."""
        if self.mode == "jump":
            assert self.jump is not None
            self.jump(seconds)
            return
        if self._waits and seconds > self.max_wait:
            pytest.skip(f"needs {seconds} s to pass on the API; only the reference server's clock jumps that far")
        if self.mode == "wait":
            time.sleep(seconds)

    @property
    def _waits(self) -> bool:
        return self.mode == "wait" or (self.mode == "replay" and self.recorded == "wait")

    @property
    def can_jump(self) -> bool:
        """True where any span of time passes at once (the reference server, a replay of it)."""
        return not self._waits
