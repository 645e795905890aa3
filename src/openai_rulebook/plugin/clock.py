"""``server_clock``: moving the API's time forward, whatever the target.

The reference server's clock jumps (it is a ``FrozenClock``); a real API is waited for, up to ``MAX_WAIT`` seconds,
and a test that needs longer is skipped there (an upload's one-hour expiry cannot be waited for in a nightly run).

``MAX_WAIT`` is the one bound on waiting: a test that needs a span of time longer than it is skipped, and a poll
(``ServerClock.polls``: a file being processed, a batch being validated) gives up after that much time, ending the
test inconclusive. A poll looks again as soon as it may: every second on the jumping clock, after short and growing
pauses on a real one (``PAUSES``), so a wait lasts about as long as the API needs, not as long as the bound.

A replay waits for nothing (the answers were recorded after the wait) but behaves as the recording's clock did:
``can_jump`` and the skips are the same, so a test takes the same branches and sends the same requests, poll by
poll, as when it was recorded. The cassette set says which clock it was recorded with (``clock`` in
``cassette-set.json``; a set that does not say: jump if recorded from the reference server, else wait).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pytest

#: the longest a test waits for time to pass on an API whose clock does not jump (seconds): the README's bound, and
#: ``max_wait`` in a recorded ``cassette-set.json``
MAX_WAIT = 30.0
#: the pauses between the looks of a poll on a real clock: the first, how each grows, the longest (seconds). They
#: are fixed, so a replay of a waiting recording makes the same number of looks before it gives up as the recording
PAUSES = (0.25, 1.1, 2.0)

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


def pauses(max_wait: float) -> list[float]:
    """The pauses of a poll on a real clock, short at first and growing, adding up to ``max_wait`` at most."""
    first, growth, longest = PAUSES
    schedule: list[float] = []
    pause, total = first, 0.0
    while total + pause <= max_wait + 1e-9:
        schedule.append(round(pause, 3))
        total += pause
        pause = min(pause * growth, longest)
    return schedule


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

    def moment(self) -> None:
        """Let a moment pass, for a test that watches things move on rather than waiting for a state: a second on
        the jumping clock, the first pause of a poll (``PAUSES``) on a real one, nothing in a replay."""
        if self.mode == "jump":
            assert self.jump is not None
            self.jump(1)
        elif self.mode == "wait":
            time.sleep(PAUSES[0])

    def polls(self) -> Iterator[float]:
        """Let time pass before each look of a poll, until ``max_wait`` has passed; yields the seconds waited so far.

            for _ in server_clock.polls():
                status = fetch()
                if done(status):
                    return status
            raise Inconclusive(f"... after {server_clock.max_wait:g} s")

        The jumping clock moves one second per look; a real one pauses ``pauses(max_wait)``; a replay pauses for
        nothing but makes as many looks as its recording could.
        """
        steps = pauses(self.max_wait) if self._waits else [1.0] * int(self.max_wait)
        waited = 0.0
        for step in steps:
            if self.mode == "jump":
                assert self.jump is not None
                self.jump(int(step))
            elif self.mode == "wait":
                time.sleep(step)
            waited += step
            yield waited

    @property
    def _waits(self) -> bool:
        return self.mode == "wait" or (self.mode == "replay" and self.recorded == "wait")

    @property
    def can_jump(self) -> bool:
        """True where any span of time passes at once (the reference server, a replay of it)."""
        return not self._waits
