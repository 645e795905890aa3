"""``server_clock``: moving the API's time forward, whatever the target.

The reference server's clock jumps (it is a ``FrozenClock``); a replay needs nothing, since the answers were
recorded after the jump; a real API is waited for, up to ``MAX_WAIT`` seconds, and a test that needs longer is
skipped there (an upload's one-hour expiry cannot be waited for in a nightly run).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import pytest

MAX_WAIT = 30.0


@dataclass
class ServerClock:
    mode: Literal["jump", "replay", "wait"]
    jump: Callable[[int], object] | None = None

    def advance(self, seconds: int) -> None:
        """Let ``seconds`` pass on the API's clock."""
        if self.mode == "jump":
            assert self.jump is not None
            self.jump(seconds)
        elif self.mode == "wait":
            if seconds > MAX_WAIT:
                pytest.skip(f"needs {seconds} s to pass on the API; only the reference server's clock jumps that far")
            time.sleep(seconds)

    @property
    def can_jump(self) -> bool:
        """True where any span of time passes at once (the reference server, a replay)."""
        return self.mode != "wait"
