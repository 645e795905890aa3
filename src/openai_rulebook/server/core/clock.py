"""The server's sense of time: injectable, so that every timestamp a test sees is predictable."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Literal, Protocol

from openai_rulebook.server.core.variants import Variant, Variants, register_variant

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

    def tick(self, millis: int) -> None:
        """Let a little virtual time pass (variants that move the clock per request use it)."""
        ...

    def exact(self) -> float:
        """Unix time to the millisecond: what readiness (``after``) is judged against."""
        ...

    def after(self, seconds: int) -> float:
        """When processing that takes ``seconds`` and starts now is done, compared with ``exact()``. The frozen clock
        says the first whole second at least ``seconds`` from now (an object created at x.9 s is not done 0.1 s
        later); the wall clock ends it in ``PROCESSING_SCALE`` of the time, to the millisecond."""
        ...

    def span(self, seconds: int) -> float:
        """How long a step of a lifecycle that takes ``seconds`` lasts on this clock (see ``after``)."""
        ...


class FrozenClock:
    """A clock that stands still until told to move, so created_at values never depend on the wall clock.

    It keeps milliseconds, so that a variant can let a little virtual time pass per request (``tick``) while
    ``now()`` still reads whole seconds, as the API's timestamps do.
    """

    def __init__(self, start: int = DEFAULT_EPOCH) -> None:
        self.start = start
        self._millis = 0  # since start

    def now(self) -> int:
        return self.start + self._millis // 1000

    def advance(self, seconds: int) -> int:
        """Move forward by ``seconds`` and return the new time."""
        if seconds < 0:
            raise ValueError(f"a clock only moves forward; advance() got {seconds}")
        self._millis += seconds * 1000
        return self.now()

    def exact(self) -> float:
        return self.start + self._millis / 1000

    def after(self, seconds: int) -> float:
        return self.start + -(-(self._millis + seconds * 1000) // 1000)

    def span(self, seconds: int) -> float:
        return seconds

    def tick(self, millis: int) -> None:
        """Let ``millis`` milliseconds of virtual time pass (never a real sleep)."""
        if millis < 0:
            raise ValueError(f"a clock only moves forward; tick() got {millis}")
        self._millis += millis

    def reset(self) -> None:
        self._millis = 0

    def __repr__(self) -> str:
        return f"FrozenClock(start={self.start}, now={self.now()}, millis={self._millis % 1000})"


#: how much of a second of real time a second of processing takes on the wall clock: processing (a vector store
#: file, a batch's steps) that the frozen clock counts in whole seconds ends a quarter as late, to the millisecond,
#: so a client polling a standalone server waits a fraction of a second per processing, not one or two seconds
PROCESSING_SCALE = 0.25


class WallClock:
    """Real time, for a standalone server (``rulebook serve``): processing really takes time (``PROCESSING_SCALE``
    of what the frozen clock counts), and a client that waits sees it done, as it would on the real API.

    ``now()`` is the Unix time in whole seconds. It never goes back, so ``reset()`` does nothing; ``tick`` adds
    virtual time on top of the wall's (variants that let time pass per request still move it on). ``millis``, the
    wall in milliseconds, is injectable for tests.
    """

    def __init__(self, millis: Callable[[], int] | None = None) -> None:
        self._wall = millis if millis is not None else (lambda: time.time_ns() // 1_000_000)
        self._ticked = 0  # virtual milliseconds added by tick()

    def _millis(self) -> int:
        return self._wall() + self._ticked

    def now(self) -> int:
        return self._millis() // 1000

    def exact(self) -> float:
        return self._millis() / 1000

    def after(self, seconds: int) -> float:
        return self.exact() + self.span(seconds)

    def span(self, seconds: int) -> float:
        return seconds * PROCESSING_SCALE

    def tick(self, millis: int) -> None:
        if millis < 0:
            raise ValueError(f"a clock only moves forward; tick() got {millis}")
        self._ticked += millis

    def reset(self) -> None:
        """Real time does not go back; the objects are forgotten (``ServerState.reset``), the time goes on."""

    def __repr__(self) -> str:
        return f"WallClock(now={self.now()})"


#: the clocks ``rulebook serve --clock`` offers: ``wall`` (the default) or ``frozen`` (moves only by a variant's tick)
CLOCKS = ("wall", "frozen")
ClockName = Literal["wall", "frozen"]


def make_clock(name: str) -> Clock:
    """The clock called ``name`` (one of ``CLOCKS``)."""
    if name == "wall":
        return WallClock()
    if name == "frozen":
        return FrozenClock()
    raise ValueError(f"no clock named {name!r}; one of {', '.join(CLOCKS)}")


# -- variants of time ---------------------------------------------------------------------------------------------
REAL_SECONDS_TIES = "clock.real_seconds_ties"
VIRTUAL_DELAY = "delay.virtual"
#: how far a ``clock.real_seconds_ties`` clock moves per request: several requests share a second, as live
TIE_TICK_MILLIS = 300

register_variant(
    Variant(REAL_SECONDS_TIES,
            description=f"the clock moves {TIE_TICK_MILLIS} ms per request (timestamps stay whole seconds, so objects "
                        "created back to back share a created_at), and lists give equal created_at in reverse "
                        "creation order"),
    Variant(VIRTUAL_DELAY,
            description="every request takes 50-200 ms of virtual time (deterministic per seed and request number), "
                        "so processing and lifecycles move on between a test's requests; nothing really sleeps"),
)


def request_millis(variants: Variants, seed: int, number: int) -> int:
    """The virtual time request ``number`` (since reset) takes under the active variants; 0 with none of them."""
    variants.note(REAL_SECONDS_TIES)  # they act on every request: every timestamp and lifecycle may move
    variants.note(VIRTUAL_DELAY)
    millis = TIE_TICK_MILLIS if REAL_SECONDS_TIES in variants else 0
    if VIRTUAL_DELAY in variants:
        millis += random.Random(seed * 1_000_003 + number).randint(50, 200)
    return millis
