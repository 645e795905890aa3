"""The wall clock of a standalone server (``rulebook serve``): real time in whole seconds, the clock protocol
(``now``, ``exact``, ``after``, ``span``, ``tick``, ``reset``), and processing that ends a fraction of a second after
it starts (``PROCESSING_SCALE`` of what the frozen clock counts), to the millisecond."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from openai_rulebook.server import WallClock, create_app
from openai_rulebook.server.core.app import startup_line
from openai_rulebook.server.batches.lifecycle import FINALIZING_SECONDS, IN_PROGRESS_SECONDS, VALIDATING_SECONDS
from openai_rulebook.server.core.clock import PROCESSING_SCALE, FrozenClock, make_clock


class Wall:
    """A wall that moves only when told (milliseconds since the epoch)."""

    def __init__(self, millis: int) -> None:
        self.millis = millis

    def __call__(self) -> int:
        return self.millis


def test_now_is_the_wall_time_in_whole_seconds() -> None:
    assert WallClock(Wall(1_760_000_000_999)).now() == 1_760_000_000
    assert abs(WallClock().now() - time.time()) < 2


@pytest.mark.parametrize(("millis", "seconds"), [(1_760_000_000_000, 1), (1_760_000_000_900, 1), (1_760_000_000_500, 4)])
def test_processing_ends_a_scaled_span_later_to_the_millisecond(millis: int, seconds: int) -> None:
    clock = WallClock(Wall(millis))
    assert clock.exact() == millis / 1000
    assert clock.after(seconds) == pytest.approx(millis / 1000 + seconds * PROCESSING_SCALE)
    assert clock.span(seconds) == seconds * PROCESSING_SCALE


@pytest.mark.parametrize(("millis", "seconds", "done"), [
    (1_760_000_000_000, 1, 1_760_000_001),  # on the second: exactly one second later
    (1_760_000_000_001, 1, 1_760_000_002),  # just after it: the next whole second at least a second away
    (1_760_000_000_900, 1, 1_760_000_002),  # created at x.9 s is not done 0.1 s later
])
def test_the_frozen_clock_ends_processing_on_a_whole_second(millis: int, seconds: int, done: int) -> None:
    clock = FrozenClock(start=1_760_000_000)
    clock.tick(millis - 1_760_000_000_000)
    assert clock.after(seconds) == done and clock.span(seconds) == seconds


def test_tick_adds_virtual_time_and_reset_never_goes_back() -> None:
    wall = Wall(1_760_000_000_800)
    clock = WallClock(wall)
    clock.tick(300)
    assert clock.now() == 1_760_000_001
    clock.reset()
    assert clock.now() == 1_760_000_001  # real time does not go back
    wall.millis += 1000
    assert clock.now() == 1_760_000_002
    with pytest.raises(ValueError):
        clock.tick(-1)


def test_make_clock_names_the_two_clocks() -> None:
    assert isinstance(make_clock("wall"), WallClock) and isinstance(make_clock("frozen"), FrozenClock)
    with pytest.raises(ValueError):
        make_clock("sundial")


def test_processing_ends_a_fraction_of_a_second_later(client_for: Callable[..., httpx.Client]) -> None:
    """A file attached to a store is in progress, then completed once its scaled second has passed."""
    wall = Wall(1_760_000_000_400)
    client = client_for(create_app(clock=WallClock(wall)))
    file_id = client.post("/v1/files", files={"file": ("a.txt", b"lantern")}, data={"purpose": "assistants"}).json()["id"]
    store_id = client.post("/v1/vector_stores", json={}).json()["id"]
    attached = client.post(f"/v1/vector_stores/{store_id}/files", json={"file_id": file_id}).json()
    assert attached["status"] == "in_progress" and attached["created_at"] == 1_760_000_000
    wall.millis += int(1000 * PROCESSING_SCALE) - 1
    assert client.get(f"/v1/vector_stores/{store_id}/files/{file_id}").json()["status"] == "in_progress"
    wall.millis += 1
    assert client.get(f"/v1/vector_stores/{store_id}/files/{file_id}").json()["status"] == "completed"


def test_a_batch_completes_in_seconds_of_wall_time(client_for: Callable[..., httpx.Client]) -> None:
    """Batches: validating, in progress, finalizing, completed, each a scaled span on the wall clock."""
    wall = Wall(1_760_000_000_000)
    client = client_for(create_app(clock=WallClock(wall)))
    line = b'{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "gpt-4o-mini"}}\n'
    input_id = client.post("/v1/files", files={"file": ("in.jsonl", line)}, data={"purpose": "batch"}).json()["id"]
    batch = client.post("/v1/batches", json={"input_file_id": input_id, "endpoint": "/v1/chat/completions",
                                             "completion_window": "24h"}).json()
    assert batch["status"] == "validating"
    wall.millis += int(1000 * PROCESSING_SCALE * VALIDATING_SECONDS)
    assert client.get(f"/v1/batches/{batch['id']}").json()["status"] == "in_progress"
    wall.millis += int(1000 * PROCESSING_SCALE * (IN_PROGRESS_SECONDS + FINALIZING_SECONDS))
    done = client.get(f"/v1/batches/{batch['id']}").json()
    assert done["status"] == "completed" and done["created_at"] <= done["in_progress_at"] <= done["completed_at"]
    assert done["completed_at"] - done["created_at"] <= 2


def test_the_startup_line_says_where_and_how() -> None:
    line = startup_line("127.0.0.1", 8123, "wall", ["auth.accept_missing_header"], [])
    assert "http://127.0.0.1:8123/v1" in line and "wall clock" in line
    assert "faults: auth.accept_missing_header" in line and "variants: none" in line
    assert "frozen clock" in startup_line("::1", 1, "frozen", [], ["clock.real_seconds_ties"])
    assert "http://[::1]:1/v1" in startup_line("::1", 1, "frozen", [], [])
