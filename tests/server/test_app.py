"""The package's public interface: what the pytest plugin and the CLI rely on."""

from __future__ import annotations

import pytest

import openai_rulebook.server as server
from openai_rulebook.errors import CatalogError
from openai_rulebook.server import FAULTS, Fault, FrozenClock, ServerState, create_app


def test_all_is_the_documented_interface():
    assert server.__all__ == sorted(server.__all__)
    assert set(server.__all__) == {"FAULTS", "VARIANTS", "Fault", "FrozenClock", "ServerState", "Variant", "WallClock",
                                  "create_app", "serve"}
    for name in server.__all__:
        assert getattr(server, name) is not None


def test_defaults():
    state = create_app().state.rulebook
    assert isinstance(state, ServerState)
    assert state.faults == set()
    assert isinstance(state.clock, FrozenClock) and state.clock.now() == 1735689600
    assert state.seed == 0


def test_faults_clock_and_seed_are_taken_as_given():
    clock = FrozenClock(1_800_000_000)
    state = create_app(faults=["metadata.accept_long_keys"], clock=clock, seed=7).state.rulebook
    assert state.faults == {"metadata.accept_long_keys"}
    assert state.clock is clock
    assert state.seed == 7


def test_unknown_fault_is_a_catalog_error_naming_it_and_the_known_ones():
    with pytest.raises(CatalogError) as raised:
        create_app(faults=("metadata.accept_long_keys", "vector_stores.no_such_fault"))
    message = str(raised.value)
    assert "vector_stores.no_such_fault" in message
    assert all(name in message for name in FAULTS)


def test_faults_registry_holds_frozen_faults():
    assert FAULTS and all(isinstance(fault, Fault) and FAULTS[name] is fault for name, fault in FAULTS.items())
    fault = next(iter(FAULTS.values()))
    with pytest.raises(AttributeError):
        fault.rule = "other.rule"  # type: ignore[misc]


def test_no_routes_outside_the_api(client, expect_error):
    for path in ("/docs", "/redoc", "/openapi.json"):
        expect_error(client.get(path), 404)


def test_serve_runs_uvicorn_with_a_fresh_app_on_a_wall_clock(monkeypatch):
    import uvicorn

    from openai_rulebook.server.core.clock import WallClock

    calls, said = [], []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets: calls.append((self.config.app, sockets)))
    server.serve(port=0, faults=["errors.bare_detail"], announce=said.append)
    (app, sockets), = calls
    port = sockets[0].getsockname()[1]
    sockets[0].close()
    assert app.state.rulebook.faults == {"errors.bare_detail"}
    assert isinstance(app.state.rulebook.clock, WallClock)
    assert said == [f"rulebook serve: listening on http://127.0.0.1:{port}/v1 (wall clock: processing takes a "
                    "fraction of a second of real time; faults: errors.bare_detail; variants: none; any Bearer key)"]