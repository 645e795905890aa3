"""Same seed, same ids; reset() starts the server over; the clock is the only source of time."""

from __future__ import annotations

import pytest

from openai_rulebook.server import FrozenClock, create_app
from openai_rulebook.server.core.ids import IdSequence


def created_ids(client_for, app, count=3):
    client = client_for(app)
    return [client.post("/v1/vector_stores", json={}).json()["id"] for _ in range(count)]


def test_same_seed_same_ids(client_for):
    assert created_ids(client_for, create_app(seed=3)) == created_ids(client_for, create_app(seed=3))


def test_different_seeds_different_ids(client_for):
    assert set(created_ids(client_for, create_app(seed=1))).isdisjoint(created_ids(client_for, create_app(seed=2)))


def test_ids_do_not_repeat_and_look_like_openais():
    sequence = IdSequence(seed=0)
    ids = [sequence.next("vs") for _ in range(1000)]
    assert len(set(ids)) == 1000
    assert all(len(i) == 27 and i.startswith("vs_") and int(i[3:], 16) >= 0 for i in ids)


def test_reset_forgets_objects_and_restarts_ids_and_clock(client_for):
    clock = FrozenClock()
    app = create_app(faults=["errors.bare_detail"], clock=clock)
    state = app.state.rulebook
    client = client_for(app)
    first = client.post("/v1/vector_stores", json={}).json()
    clock.advance(100)
    client.post("/v1/vector_stores", json={})

    state.reset()

    assert client.get("/v1/vector_stores").json()["data"] == []
    assert client.get(f"/v1/vector_stores/{first['id']}").status_code == 404
    assert client.post("/v1/vector_stores", json={}).json() == first
    assert state.faults == {"errors.bare_detail"}


def test_created_at_follows_the_injected_clock(client_for):
    clock = FrozenClock(1_700_000_000)
    client = client_for(create_app(clock=clock))
    assert client.post("/v1/vector_stores", json={}).json()["created_at"] == 1_700_000_000
    clock.advance(30)
    assert client.post("/v1/vector_stores", json={}).json()["created_at"] == 1_700_000_030


def test_frozen_clock_only_moves_when_told():
    clock = FrozenClock(10)
    assert clock.now() == clock.now() == 10
    assert clock.advance(5) == 15 and clock.now() == 15
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)
    clock.reset()
    assert clock.now() == 10
