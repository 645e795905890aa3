"""Variants: a registry that refuses duplicates, names checked when switched on, and each variant doing what it says
without a real sleep."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from openai_rulebook.errors import CatalogError
from openai_rulebook.server import VARIANTS, FrozenClock, ServerState, Variant, create_app
from openai_rulebook.server.core.variants import NOTE_PREFIX, register_variant

AUTH = {"Authorization": "Bearer sk-test-variants"}
STORES = "/v1/vector_stores"


def client(*variants: str) -> tuple[TestClient, ServerState]:
    app = create_app(variants=variants)
    return TestClient(app), app.state.rulebook


def test_a_variant_name_is_registered_once() -> None:
    with pytest.raises(CatalogError, match="registered twice"):
        register_variant(Variant("errors.reworded", description="again"))


def test_unknown_variant_names_are_refused_and_leave_the_active_ones() -> None:
    state = ServerState(variants=["errors.reworded"])
    with pytest.raises(CatalogError, match="unknown variant"):
        state.set_variants(["errors.reworded", "no.such_variant"])
    assert state.variants == {"errors.reworded"}


def test_every_area_has_an_area_off_variant() -> None:
    from openai_rulebook.server.areas import AREAS

    assert {name for name, variant in VARIANTS.items() if variant.area} == {f"area.off.{area}" for area in AREAS}


def test_the_clock_ticks_in_virtual_time_only() -> None:
    http, state = client("delay.virtual")
    started = time.monotonic()
    for _ in range(20):
        http.get(STORES, headers=AUTH)
    assert time.monotonic() - started < 5  # nothing slept 20 x 200 ms
    assert state.clock.now() >= FrozenClock().start + 1  # 20 requests of 50-200 ms: at least one second passed


def test_equal_created_at_are_listed_in_another_order_under_the_ties_variant() -> None:
    plain, _ = client()
    tied, _ = client("clock.real_seconds_ties")
    orders = []
    for http in (plain, tied):
        ids = [http.post(STORES, json={}, headers=AUTH).json()["id"] for _ in range(2)]
        listed = [item["id"] for item in http.get(STORES, params={"order": "asc"}, headers=AUTH).json()["data"]]
        orders.append(listed == ids)
    assert orders == [True, False]


def test_reworded_errors_keep_status_and_param() -> None:
    http, _ = client("errors.reworded")
    response = http.get(STORES, params={"limit": 0}, headers=AUTH)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "limit"
    assert "limit" not in response.json()["error"]["message"]


def test_an_unmounted_area_answers_as_an_unknown_url() -> None:
    http, _ = client("area.off.vector_stores")
    response = http.get(STORES, headers=AUTH)
    unknown = http.get("/v1/no_such_area", headers=AUTH)
    assert (response.status_code, unknown.status_code) == (404, 404)
    assert response.json()["error"]["message"].startswith("Invalid URL")


def test_a_second_delete_answers_400_and_extra_fields_are_added() -> None:
    http, state = client("delete.second_400", "responses.extra_fields")
    store = http.post(STORES, json={}, headers=AUTH).json()
    assert "x_rulebook_variant" in store
    assert http.delete(f"{STORES}/{store['id']}", headers=AUTH).status_code == 200
    assert http.delete(f"{STORES}/{store['id']}", headers=AUTH).status_code == 400
    assert http.delete(f"{STORES}/vs_never", headers=AUTH).status_code == 404


def test_variants_are_noted_where_they_would_act_even_when_off() -> None:
    http, state = client()
    state.consulted.clear()
    http.get(STORES, params={"limit": 0}, headers=AUTH)
    assert {NOTE_PREFIX + "errors.reworded", NOTE_PREFIX + "area.off.vector_stores"} <= state.consulted
    assert NOTE_PREFIX + "delete.second_400" not in state.consulted
