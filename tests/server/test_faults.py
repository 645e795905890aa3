"""Faults: a registry that refuses duplicates, and each fault breaks its own rule and no other.

The matrix test runs one probe per catalog rule against a server with each fault in turn: exactly the probe of the
fault's rule must fail. Probes judge status codes and data, and look at ``param`` only when the envelope is there,
so that the envelope's own fault does not make every other probe fail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from openai_rulebook.errors import CatalogError
from openai_rulebook.server import FAULTS, Fault, FrozenClock, ServerState, create_app
from openai_rulebook.server.faults import register

STORES = "/v1/vector_stores"


@dataclass
class Server:
    api: httpx.Client
    anonymous: httpx.Client
    state: ServerState

    @property
    def clock(self) -> FrozenClock:
        assert isinstance(self.state.clock, FrozenClock)
        return self.state.clock

    def create(self, **body: Any) -> dict[str, Any]:
        """Create a store; probes other than create_endpoint's always send a field, as real callers do."""
        response = self.api.post(STORES, json={"name": "probe", **body})
        assert response.status_code == 200, response.text
        return response.json()


def refused(response, status=400, param=None):
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text}"
    body = response.json()
    if "error" in body:
        assert body["error"]["param"] == param, body


def accepted(response):
    assert response.status_code == 200, f"expected 200, got {response.status_code}: {response.text}"
    return response.json()


def listed(server, **query):
    return [store["id"] for store in accepted(server.api.get(STORES, params=query))["data"]]


# -- one probe per rule: it passes while the server obeys the rule ----------------------------------------------------


def probe_header_required(server: Server):
    refused(server.anonymous.get(STORES), 401)


def probe_bearer_scheme(server: Server):
    for value in ("Basic c2s=", "sk-bare", "Bearer a b"):
        refused(server.anonymous.get(STORES, headers={"Authorization": value}), 401)
    accepted(server.anonymous.get(STORES, headers={"Authorization": "bearer sk-x"}))


def probe_json_content_type(server: Server):
    body = b'{"name": "probe"}'
    refused(server.api.post(STORES, content=body, headers={"Content-Type": "text/plain"}))
    accepted(server.api.post(STORES, content=body, headers={"Content-Type": "application/json; charset=utf-8"}))


def probe_envelope(server: Server):
    # not a 401: the auth faults would turn it into a 200 (the 401's envelope is test_auth's)
    for response in (server.api.get(f"{STORES}/vs_nope"), server.api.get(STORES, params={"limit": "x"}),
                     server.api.put(STORES), server.api.post(STORES, json={"nope": 1})):
        body = response.json()
        assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}, body


def metadata_probe(good: dict, bad: dict) -> Callable[[Server], None]:
    def probe(server: Server):
        store_id = accepted(server.api.post(STORES, json={"metadata": good}))["id"]
        refused(server.api.post(STORES, json={"metadata": bad}), param="metadata")
        accepted(server.api.post(f"{STORES}/{store_id}", json={"metadata": good}))
        refused(server.api.post(f"{STORES}/{store_id}", json={"metadata": bad}), param="metadata")

    return probe


def probe_limit_range(server: Server):
    for limit in (0, 101):
        refused(server.api.get(STORES, params={"limit": limit}), param="limit")
    for limit in (1, 100):
        accepted(server.api.get(STORES, params={"limit": limit}))


def probe_limit_default(server: Server):
    for _ in range(21):
        server.create()
    body = accepted(server.api.get(STORES))
    assert len(body["data"]) == 20 and body["has_more"]


def probe_order_values(server: Server):
    refused(server.api.get(STORES, params={"order": "sideways"}), param="order")
    accepted(server.api.get(STORES, params={"order": "asc"}))


def probe_order_default(server: Server):
    older = server.create()["id"]
    server.clock.advance(1)
    newer = server.create()["id"]
    assert listed(server) == [newer, older]


def probe_cursor_pagination(server: Server):
    ids = [server.create()["id"] for _ in range(5)]
    for order, expected in (("asc", ids), ("desc", ids[::-1])):
        seen, query = [], {"order": order, "limit": 2}
        for _ in range(5):
            body = accepted(server.api.get(STORES, params=query))
            seen += [store["id"] for store in body["data"]]
            if not body["has_more"]:
                break
            query["after"] = body["last_id"]
        assert seen == expected
        assert listed(server, order=order, limit=2, before=expected[3]) == expected[1:3]


def probe_create_endpoint(server: Server):
    for response in (server.api.post(STORES, json={}), server.api.post(STORES)):
        assert accepted(response)["object"] in ("vector_store", "vectorstore")  # the type is object_type's business


def probe_object_type(server: Server):
    store = server.create()
    assert store["object"] == "vector_store"
    assert accepted(server.api.get(STORES))["object"] == "list"
    assert accepted(server.api.delete(f"{STORES}/{store['id']}"))["object"] == "vector_store.deleted"


PROBES: dict[str, Callable[[Server], None]] = {
    "auth.header_required": probe_header_required,
    "auth.bearer_scheme": probe_bearer_scheme,
    "requests.json_content_type": probe_json_content_type,
    "errors.envelope": probe_envelope,
    "metadata.key_length": metadata_probe({"k" * 64: "v"}, {"k" * 65: "v"}),
    "metadata.value_length": metadata_probe({"k": "v" * 512}, {"k": "v" * 513}),
    "metadata.value_type": metadata_probe({"k": "7"}, {"k": 7}),
    "metadata.max_pairs": metadata_probe({f"k{i}": "v" for i in range(16)}, {f"k{i}": "v" for i in range(17)}),
    "vector_stores.list.limit_range": probe_limit_range,
    "vector_stores.list.limit_default": probe_limit_default,
    "vector_stores.list.order_values": probe_order_values,
    "vector_stores.list.order_default": probe_order_default,
    "vector_stores.list.cursor_pagination": probe_cursor_pagination,
    "vector_stores.object_type": probe_object_type,
    "vector_stores.create_endpoint": probe_create_endpoint,
}


@pytest.fixture
def server_with(client_for) -> Callable[..., Server]:
    def make(*faults: str) -> Server:
        app = create_app(faults=faults)
        return Server(client_for(app), client_for(app, auth=False), app.state.rulebook)

    return make


def broken_rules(server: Server) -> dict[str, str]:
    """Run every probe on a fresh state; return the rules whose probe failed, with the failure."""
    broken = {}
    for rule, probe in PROBES.items():
        server.state.reset()
        try:
            probe(server)
        except AssertionError as failure:
            broken[rule] = str(failure).splitlines()[0]
    return broken


def test_without_faults_every_probe_passes(server_with):
    assert broken_rules(server_with()) == {}


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_each_fault_breaks_its_rule_and_no_other(server_with, name):
    broken = broken_rules(server_with(name))
    assert set(broken) == {FAULTS[name].rule}, broken


# -- the registry -----------------------------------------------------------------------------------------------------


def served_endpoints() -> set[str]:
    """``GET /v1/vector_stores`` and so on: every method and path the app routes."""
    routes = [route for route in create_app().routes if isinstance(route, APIRoute)]
    return {f"{method} {route.path}" for route in routes for method in route.methods}


def test_every_fault_breaks_a_catalog_rule_and_every_served_rule_has_a_fault(catalog):
    served = served_endpoints()
    # a rule the server can be asked about: checkable, and every endpoint it names is one the server routes
    due = {
        rule.id
        for rule in catalog.rules
        if rule.kind in ("enforced", "contract") and rule.endpoints and set(rule.endpoints) <= served
    }
    faulted = {fault.rule for fault in FAULTS.values()}
    assert faulted <= set(catalog.by_id), f"faults name rules the catalog lacks: {sorted(faulted - set(catalog.by_id))}"
    assert due <= faulted, f"rules on served endpoints that no fault breaks: {sorted(due - faulted)}"
    assert set(PROBES) == faulted


def test_registering_a_name_twice_is_an_error():
    existing = FAULTS["metadata.accept_long_keys"]
    with pytest.raises(CatalogError, match="registered twice"):
        register(Fault(existing.name, rule="metadata.some_other_rule", description="a second definition"))
    assert FAULTS[existing.name] is existing


def test_a_second_fault_for_a_rule_is_an_error():
    with pytest.raises(CatalogError, match="already breaks"):
        register(Fault("metadata.accept_longer_keys", rule="metadata.key_length", description="same rule again"))
    assert "metadata.accept_longer_keys" not in FAULTS


def test_a_fault_must_share_its_rules_area():
    with pytest.raises(CatalogError, match="another area"):
        register(Fault("auth.breaks_metadata", rule="metadata.some_new_rule", description="wrong area"))
    assert "auth.breaks_metadata" not in FAULTS


def test_set_faults_checks_names_and_replaces_the_set(state):
    state.set_faults(["errors.bare_detail"])
    state.set_faults(["auth.accept_any_scheme", "metadata.accept_17_pairs"])
    assert state.faults == {"auth.accept_any_scheme", "metadata.accept_17_pairs"}
    with pytest.raises(CatalogError, match="unknown fault no.such_fault; known faults: auth.accept_any_scheme"):
        state.set_faults(["no.such_fault", "errors.bare_detail"])
    assert state.faults == {"auth.accept_any_scheme", "metadata.accept_17_pairs"}


def test_faults_change_at_runtime(client, anonymous, state):
    assert anonymous.get(STORES).status_code == 401
    state.faults.add("auth.accept_missing_header")
    assert anonymous.get(STORES).status_code == 200
    state.set_faults([])
    assert anonymous.get(STORES).status_code == 401


# -- what each fault does, beyond breaking its rule -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "loosest", "tightest"),
    [
        ("metadata.accept_long_keys", {"k" * 65: "v"}, {"k" * 66: "v"}),
        ("metadata.accept_long_values", {"k": "v" * 513}, {"k": "v" * 514}),
        ("metadata.accept_17_pairs", {f"k{i}": "v" for i in range(17)}, {f"k{i}": "v" for i in range(18)}),
    ],
)
def test_metadata_limit_faults_are_off_by_one(server_with, expect_error, name, loosest, tightest):
    server = server_with(name)
    assert accepted(server.api.post(STORES, json={"metadata": loosest}))["metadata"] == loosest
    expect_error(server.api.post(STORES, json={"metadata": tightest}), 400, param="metadata")


def test_non_string_values_are_stored_as_sent(server_with):
    server = server_with("metadata.accept_non_string_values")
    sent = {"n": 7, "b": True, "z": None, "o": {"x": "y"}}
    assert accepted(server.api.post(STORES, json={"metadata": sent}))["metadata"] == sent


def test_out_of_range_limits_are_off_by_one(server_with, expect_error):
    server = server_with("vector_stores.list.accept_limit_out_of_range")
    for _ in range(102):
        server.create()
    assert listed(server, limit=0) == []
    assert len(listed(server, limit=101)) == 101
    expect_error(server.api.get(STORES, params={"limit": 102}), 400, param="limit")
    expect_error(server.api.get(STORES, params={"limit": -1}), 400, param="limit")


def test_default_limit_10(server_with):
    server = server_with("vector_stores.list.default_limit_10")
    for _ in range(12):
        server.create()
    assert len(listed(server)) == 10


def test_any_order_lists_as_desc(server_with):
    server = server_with("vector_stores.list.accept_any_order")
    ids = [server.create()["id"] for _ in range(3)]
    assert listed(server, order="sideways") == ids[::-1]
    assert listed(server, order="asc") == ids


def test_after_includes_the_cursor_and_before_is_unchanged(server_with):
    server = server_with("vector_stores.list.after_includes_cursor")
    ids = [server.create()["id"] for _ in range(4)]
    assert listed(server, order="asc", after=ids[1]) == ids[1:]
    assert listed(server, order="asc", before=ids[2]) == ids[:2]


def test_bare_detail_keeps_every_status(server_with):
    server = server_with("errors.bare_detail")
    responses = {
        401: server.anonymous.get(STORES),
        404: server.api.get(f"{STORES}/vs_nope"),
        400: server.api.get(STORES, params={"limit": 0}),
        405: server.api.put(STORES),
    }
    for status, response in responses.items():
        assert response.status_code == status
        assert set(response.json()) == {"detail"} and isinstance(response.json()["detail"], str)


def test_wrong_object_type_touches_only_vector_store_objects(server_with):
    server = server_with("vector_stores.wrong_object_type")
    store = server.create()
    assert store["object"] == "vectorstore"
    assert accepted(server.api.get(f"{STORES}/{store['id']}"))["object"] == "vectorstore"
    body = accepted(server.api.get(STORES))
    assert body["object"] == "list" and body["data"][0]["object"] == "vectorstore"
    assert accepted(server.api.delete(f"{STORES}/{store['id']}"))["object"] == "vector_store.deleted"


def test_any_scheme_still_refuses_a_missing_header(server_with):
    server = server_with("auth.accept_any_scheme")
    assert server.anonymous.get(STORES, headers={"Authorization": "Basic x"}).status_code == 200
    assert server.anonymous.get(STORES).status_code == 401


def test_missing_header_fault_still_refuses_a_bad_scheme(server_with):
    server = server_with("auth.accept_missing_header")
    assert server.anonymous.get(STORES).status_code == 200
    assert server.anonymous.get(STORES, headers={"Authorization": "Basic x"}).status_code == 401


def test_any_content_type_still_refuses_bad_json(server_with, expect_error):
    server = server_with("requests.accept_any_content_type")
    accepted(server.api.post(STORES, content=b'{"name": "x"}', headers={"Content-Type": "text/plain"}))
    expect_error(server.api.post(STORES, content=b"name=x", headers={"Content-Type": "text/plain"}), 400)
