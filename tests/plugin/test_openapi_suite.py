"""The schemathesis suite (suites/test_openapi.py) and its machinery (plugin/openapi_fuzz.py).

Unit tests run on a tiny spec of their own; the end-to-end ones on the official spec (skipped without it) and the
reference server: a fault fails the rule it breaks, an API that cannot be asked ends inconclusive, and a run with no
spec skips the module with a message saying how to point at one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openai_rulebook.catalog import load_catalog
from openai_rulebook.client import MULTIPART_BOUNDARY, ApiClient
from openai_rulebook.endpoints import Endpoint
from openai_rulebook.errors import Inconclusive, RuleViolation
from openai_rulebook.plugin.openapi_fuzz import (
    NO_BODY,
    CaseRunner,
    OpenApiSuite,
    check_functions,
    drop_unmapped_discriminators,
    members_left_to_other_rules,
    negated_members,
    relax_members,
    request_arguments,
    served_endpoints,
    shallow_members,
)
from openai_rulebook.plugin.server_thread import ReferenceServer
from openai_rulebook.plugin.targets import REFERENCE_KEY, resolve_target

from .conftest import SPEC, copy_real_suites

THING = {
    "type": "object",
    "required": ["id", "object", "status", "size"],
    "properties": {
        "id": {"type": "string"},
        "object": {"type": "string", "enum": ["thing"]},
        "status": {"type": "string", "enum": ["ok"]},
        "size": {"type": "integer"},
        "part": {"$ref": "#/components/schemas/Part"},
    },
}
TINY_SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "tiny", "version": "1"},
    "paths": {
        "/things": {
            "post": {
                "operationId": "createThing",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/CreateThingRequest"}}}},
                "responses": {"200": {"description": "OK", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Thing"}}}}},
            },
        },
    },
    "components": {"schemas": {
        "CreateThingRequest": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name"],
            "properties": {
                "name": {"type": "string"},
                "count": {"type": "integer", "minimum": 1},
                "object": {"type": "string", "enum": ["a", "b"]},
                "nested": {"type": "object", "properties": {"size": {"type": "integer"}}},
            },
        },
        "Thing": THING,
        "Part": {"type": "object", "required": ["object"], "properties": {"object": {"type": "string", "enum": ["part"]}}},
    }},
}
TINY_CATALOG = """\
rules:
  - id: things.name_limit
    source: openapi
    statement: A rule of another area naming the body member it judges.
    kind: enforced
    tier: free
    endpoints: [POST /v1/things]
    params: {param: name}
  - id: things.required
    source: openapi
    statement: A rule of another area listing required members.
    kind: enforced
    tier: free
    endpoints: [POST /v1/things]
    params: {required: [name, count]}
  - id: things.elsewhere
    source: openapi
    statement: A rule about another endpoint.
    kind: enforced
    tier: free
    endpoints: [GET /v1/things]
    params: {param: order}
  - id: things.advice
    source: openapi
    statement: Advice that no request can show.
    kind: advisory
    tier: free
    endpoints: [POST /v1/things]
    params: {param: nested}
    why_not_checkable: It is about what clients do.
  - id: openapi.negative
    source: openapi
    statement: The schemathesis rule itself.
    kind: enforced
    tier: free
    endpoints: [POST /v1/things]
    params: {left_to_other_rules: ["POST /v1/things nested", "GET /v1/things limit"]}
  - id: openapi.sibling
    source: openapi
    statement: A rule of the same area, which never counts as another rule's.
    kind: enforced
    tier: free
    endpoints: [POST /v1/things]
    params: {param: object}
"""


@pytest.fixture
def tiny_spec(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(TINY_SPEC), encoding="utf-8")
    return path


class Recorder:
    """A runner that sends nothing and keeps each case's description and negated members."""

    def __init__(self) -> None:
        self.negated: dict[str, frozenset[str]] = {}

    def __call__(self, case: Any) -> None:
        description = case.meta.phase.data.description or ""
        self.negated.setdefault(description, negated_members(case))


# -- what other rules judge, and what a case breaks ---------------------------------------------------------------
def test_members_left_to_other_rules_come_from_other_areas_on_the_endpoint(tmp_path: Path) -> None:
    """``param`` and ``required`` of checkable rules of other areas listing the endpoint, and the rule's own
    ``left_to_other_rules`` entries for that endpoint; nothing else."""
    (tmp_path / "rules.yaml").write_text(TINY_CATALOG, encoding="utf-8")
    catalog = load_catalog(tmp_path / "rules.yaml")
    left = members_left_to_other_rules(catalog, catalog["openapi.negative"], "POST /v1/things")
    assert left == {"name", "count", "nested"}
    assert members_left_to_other_rules(catalog, catalog["openapi.negative"], "GET /v1/things") == {"order", "limit"}


def test_negative_cases_name_the_members_they_break(tiny_spec: Path) -> None:
    """Top-level members for nested breaks, the missing member for a missing required one, NO_BODY for no body."""
    recorder = Recorder()
    OpenApiSuite(tiny_spec).run(Endpoint.parse("POST /v1/things"), "negative", recorder)  # type: ignore[arg-type]
    negated = recorder.negated
    assert negated["count: Incorrect type"] == {"count"}
    assert negated["count: Value smaller than minimum"] == {"count"}
    assert negated["nested -> size: Incorrect type"] == {"nested"}
    assert negated["Missing required property: name"] == {"name"}
    assert negated["Missing request body"] == {NO_BODY, "name"}  # no body: every required member is missing too


# -- the spec as the suite reads it --------------------------------------------------------------------------------
def test_relax_members_frees_them_in_success_responses_only() -> None:
    """Reachable response schemas (through $ref too) stop constraining and requiring the members; requests keep
    theirs; the caller's dict is untouched."""
    original = json.dumps(TINY_SPEC, sort_keys=True)
    relaxed = relax_members(TINY_SPEC, [("/things", "post")], ["object", "status"])
    schemas = relaxed["components"]["schemas"]
    assert schemas["Thing"]["properties"]["object"] == {} and schemas["Thing"]["properties"]["status"] == {}
    assert schemas["Thing"]["required"] == ["id", "size"]
    assert schemas["Part"]["properties"]["object"] == {} and schemas["Part"]["required"] == []
    assert schemas["CreateThingRequest"]["properties"]["object"] == {"type": "string", "enum": ["a", "b"]}
    assert json.dumps(TINY_SPEC, sort_keys=True) == original


def test_shallow_members_keep_only_top_level_types() -> None:
    """A deep member is held to its JSON types; the request schema's allOf is merged; components stay as they were."""
    spec = {
        "paths": {"/things": {"post": {"requestBody": {"content": {"application/json": {
            "schema": {"allOf": [{"$ref": "#/components/schemas/Base"}, {
                "type": "object", "required": ["items"], "properties": {"items": {"anyOf": [
                    {"type": "string"}, {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}]}}}]}}}}}}},
        "components": {"schemas": {"Base": {"type": "object", "required": ["name"],
                                            "properties": {"name": {"type": "string"}}},
                                   "Item": {"type": "object", "properties": {"deep": {"type": "integer"}}}}},
    }
    original = json.dumps(spec, sort_keys=True)
    shallow = shallow_members(spec, ["POST /v1/things items"])
    schema = shallow["paths"]["/things"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"type": "object", "required": ["items", "name"],
                      "properties": {"name": {"type": "string"}, "items": {"type": ["array", "string"]}}}
    assert json.dumps(spec, sort_keys=True) == original
    assert shallow_members(spec, []) is spec


def test_unmapped_discriminators_are_dropped() -> None:
    spec = {"components": {"schemas": {
        "Unmapped": {"oneOf": [{"type": "object"}], "discriminator": {"propertyName": "type"}},
        "Mapped": {"oneOf": [{"type": "object"}], "discriminator": {"propertyName": "type", "mapping": {"a": "#/x"}}},
    }}}
    dropped = drop_unmapped_discriminators(spec)["components"]["schemas"]
    assert "discriminator" not in dropped["Unmapped"] and "discriminator" in dropped["Mapped"]
    assert "discriminator" in spec["components"]["schemas"]["Unmapped"]


def test_request_arguments_keep_cassettes_matching(tiny_spec: Path) -> None:
    """A JSON body goes out as JSON text; schemathesis' own headers stay home; a multipart boundary is the client's."""
    seen: list[dict[str, Any]] = []
    OpenApiSuite(tiny_spec).run(Endpoint.parse("POST /v1/things"), "positive",
                                lambda case: seen.append(request_arguments(case, "http://127.0.0.1:9/v1")))  # type: ignore[arg-type]
    arguments = next(item for item in seen if item.get("content"))
    assert json.loads(arguments["content"])["name"] is not None
    assert arguments["headers"] == {"Content-Type": "application/json"}
    assert arguments["path"] == "http://127.0.0.1:9/v1/things"

    from openai_rulebook.plugin.openapi_fuzz import _fixed_boundary

    headers = {"Content-Type": "multipart/form-data; boundary=abc123"}
    assert _fixed_boundary(b"--abc123--\r\n", headers) == f"--{MULTIPART_BOUNDARY}--\r\n".encode()
    assert headers["Content-Type"] == f"multipart/form-data; boundary={MULTIPART_BOUNDARY}"


def test_unknown_check_names_are_a_usage_error() -> None:
    from openai_rulebook.errors import UsageError

    with pytest.raises(UsageError, match="status_code_conformance.*choose from"):
        check_functions(["negative_data_rejection", "status_code_conformance"])


def test_served_endpoints_are_the_reference_servers_routes(tmp_path: Path) -> None:
    """Known for the reference server; None (ask everything) for any other API."""
    served = served_endpoints(resolve_target(name="reference", root=tmp_path))
    assert served is not None and "POST /v1/vector_stores" in served and "GET /v1/vector_stores/{vector_store_id}" in served
    url = resolve_target(name="url", base_url="http://127.0.0.1:9/v1", root=tmp_path, environ={"OPENAI_API_KEY": "k"})
    assert served_endpoints(url) is None


# -- end to end, on the official spec -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def official(request: pytest.FixtureRequest) -> OpenApiSuite:
    if not SPEC.is_file():
        pytest.skip(f"the official OpenAI spec is not at {SPEC}")
    return OpenApiSuite(SPEC, relaxed_members=("object", "status", "upload_id"))


@pytest.fixture
def server_with() -> Iterator[Any]:
    servers: list[ReferenceServer] = []

    def start(*faults: str) -> ApiClient:
        server = ReferenceServer(faults=faults)
        servers.append(server)
        return ApiClient(base_url=server.start(), api_key=REFERENCE_KEY, retries=0)

    yield start
    for server in servers:
        server.stop()


@pytest.mark.parametrize(("rule", "mode", "checks", "fault"), [
    ("openapi.response_schemas", "positive", ["response_schema_conformance"], "openapi.empty_expires_after"),
    ("openapi.negative_data_rejection", "negative", ["negative_data_rejection"], "openapi.accept_any_description"),
])
def test_a_fault_fails_the_rule_it_breaks(official: OpenApiSuite, server_with: Any, rule: str, mode: str,
                                          checks: list[str], fault: str) -> None:
    """The server as it is passes; with the rule's fault on, the run raises a RuleViolation of that rule."""
    endpoint = Endpoint.parse("POST /v1/vector_stores")
    official.run(endpoint, mode, CaseRunner(server_with(), rule, check_functions(checks)))
    with pytest.raises(RuleViolation) as raised:
        official.run(endpoint, mode, CaseRunner(server_with(fault), rule, check_functions(checks)))
    assert raised.value.rule == rule


def test_an_api_that_cannot_be_asked_is_inconclusive(official: OpenApiSuite) -> None:
    """A refused connection is Inconclusive, not a pass and not a violation."""
    api = ApiClient(base_url="http://127.0.0.1:9/v1", api_key=REFERENCE_KEY, retries=0)
    runner = CaseRunner(api, "openapi.response_schemas", check_functions(["response_schema_conformance"]))
    with pytest.raises(Inconclusive):
        official.run(Endpoint.parse("GET /v1/vector_stores"), "positive", runner)
    assert runner.sent == 0


def test_without_a_spec_the_module_skips_saying_how_to_set_one(pytester: pytest.Pytester) -> None:
    """No spec: every test of the module is skipped (collection is fine) with the path and the ways to set it."""
    copy_real_suites(pytester.path)
    result = pytester.runpytest("suites/test_openapi.py", "-o", "rulebook_spec=missing-spec.yaml", "-rs", "-p", "no:schemathesis")
    catalog = load_catalog(pytester.path / "specs" / "rules")
    expected = sum(len(catalog[rule].endpoints) for rule in ("openapi.response_schemas", "openapi.negative_data_rejection"))
    assert result.parseoutcomes() == {"skipped": expected}
    result.stdout.fnmatch_lines(["*no OpenAPI spec at *missing-spec.yaml: pass --spec PATH, set RULEBOOK_SPEC*"])
