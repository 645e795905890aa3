"""``server_clock``: one bound on waiting (``MAX_WAIT``), polls that look again as soon as they may and stop as soon
as the state is reached, and a replay that makes as many looks as its recording could."""

from __future__ import annotations

from pathlib import Path

import pytest

from openai_rulebook.plugin import clock as clock_module
from openai_rulebook.plugin.clock import MAX_WAIT, PAUSES, ServerClock, pauses

REPO = Path(__file__).resolve().parents[2]


def test_the_pauses_start_short_grow_and_add_up_to_the_bound() -> None:
    schedule = pauses(MAX_WAIT)
    first, _, longest = PAUSES
    assert schedule[0] == first < 0.5 and max(schedule) == longest
    assert schedule == sorted(schedule)
    assert MAX_WAIT - longest < sum(schedule) <= MAX_WAIT
    assert sum(schedule[:5]) < 2  # processing is seen done well within a second of its end
    assert pauses(0) == []


def test_a_jumping_clock_moves_one_second_per_look_up_to_the_bound() -> None:
    jumps: list[int] = []
    server_clock = ServerClock("jump", jumps.append)
    waited = list(server_clock.polls())
    assert jumps == [1] * int(MAX_WAIT) and waited[-1] == MAX_WAIT


def test_a_waiting_clock_sleeps_the_pauses_and_a_poll_stops_when_done(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(clock_module.time, "sleep", slept.append)
    for looks, _ in enumerate(ServerClock("wait").polls(), start=1):
        if looks == 3:  # the state is reached at the third look: no more sleeping
            break
    assert slept == pauses(MAX_WAIT)[:3]


def test_a_replay_sleeps_nothing_and_looks_as_often_as_its_recording(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock_module.time, "sleep", lambda seconds: pytest.fail(f"a replay slept {seconds} s"))
    assert len(list(ServerClock("replay", recorded="wait", max_wait=10).polls())) == len(pauses(10))
    assert len(list(ServerClock("replay", recorded="jump").polls())) == int(MAX_WAIT)


def test_the_bound_is_the_one_setting_the_suites_and_the_readme_use() -> None:
    """No poll of the suites counts its own steps: they all go through ``server_clock.polls`` (bounded by
    ``max_wait``), and the README states the bound."""
    suites = "".join(path.read_text(encoding="utf-8") for path in (REPO / "suites").glob("*.py"))
    for old in ("PROCESSING_STEPS", "POLL_SECONDS", "range(30)", "range(60)"):
        assert old not in suites
    assert suites.count("server_clock.polls()") >= 3
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"at most {MAX_WAIT:g} s" in readme and "MAX_WAIT" in readme


def test_a_moment_is_a_second_on_a_jumping_clock_and_a_short_pause_on_a_real_one(monkeypatch) -> None:
    jumps: list[int] = []
    ServerClock("jump", jump=jumps.append).moment()
    assert jumps == [1]
    slept: list[float] = []
    monkeypatch.setattr("openai_rulebook.plugin.clock.time.sleep", slept.append)
    ServerClock("wait").moment()
    ServerClock("replay", recorded="wait").moment()
    assert slept == [PAUSES[0]]
