"""Schemathesis over the official spec, one catalog endpoint at a time, sent through the suites' client.

Schemathesis draws the cases: its coverage phase (the schema's edges, the same every run) and a few fuzzed ones
(derandomized like every hypothesis test here). Each case goes out through ``ApiClient``, so auth, retries,
evidence, clean-up and cassettes work as for any rule test, and its response is judged by the schemathesis checks
that the rule lists in ``params.checks``. A failed check is a ``RuleViolation`` of that rule; an API that cannot be
asked is ``Inconclusive``.

Some members have rules of their own (a list's ``limit``, a store's ``metadata``, every ``object``): a fault there
must fail that rule, not these. So a case that negates a request member another rule on the same endpoint names
(its ``params.param`` or ``params.required``) is not sent, and the response members a rule lists in
``params.relaxed_members`` accept anything in this suite's copy of the spec.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from openai_rulebook.catalog import Catalog, Rule
from openai_rulebook.client import MULTIPART_BOUNDARY, ApiClient
from openai_rulebook.endpoints import Endpoint
from openai_rulebook.errors import RuleViolation, UsageError
from openai_rulebook.plugin.targets import Target, read_cassette_meta

if TYPE_CHECKING:
    from schemathesis import APIOperation, BaseSchema, Case

#: the request body as a whole: a case that sends none, or one of another type than the schema's
NO_BODY = "(no body)"
WHOLE_BODY = "(body)"
#: the budget follows the hypothesis profile's max_examples (25 on the reference server, 10 elsewhere, 8 in a
#: fault campaign): the fuzzing phase gets a tenth of it, and the coverage phase, which sends several wrong types
#: per member, one negative case per scenario and schema location for every 8; positive cases, a few edge values
#: per member of which the server may refuse some (a limit of 0), always get three
FUZZ_SHARE = 10
COVERAGE_SHARE = 8
POSITIVE_VARIANTS = 3
#: headers the client sets itself (auth is the auth.* rules' business)
_DROPPED_HEADERS = frozenset({"authorization", "user-agent"})
_BODY_EXCERPT = 300


# -- what other rules judge ----------------------------------------------------------------------------------------
def members_left_to_other_rules(catalog: Catalog, rule: Rule, endpoint: str) -> frozenset[str]:
    """Request members of ``endpoint`` that a rule of another area judges: its ``param`` and ``required`` names.

    ``rule.params["left_to_other_rules"]`` adds ``"<endpoint> <member>"`` entries for a rule that judges a member on
    an endpoint its own entry does not list.
    """
    names = {member for where, _, member in (str(entry).rpartition(" ") for entry in
                                              rule.params.get("left_to_other_rules") or ()) if where == endpoint}
    for other in catalog.rules:
        if other.area == rule.area or not other.checkable or endpoint not in other.endpoints:
            continue
        param, required = other.params.get("param"), other.params.get("required")
        if isinstance(param, str):
            names.add(param)
        if isinstance(required, list):
            names.update(str(name) for name in required)
    return frozenset(names)


def negated_members(case: Case) -> frozenset[str]:
    """The top-level request members (query or header names, body properties) a negative case breaks.

    ``NO_BODY`` for a case without a body, ``WHOLE_BODY`` for a body of the wrong type; empty when schemathesis does
    not say (an unknown extra parameter, random bytes as a body).
    """
    from schemathesis.generation.meta import CoverageScenario

    meta = case.meta
    if meta is None:
        return frozenset()
    data = meta.phase.data
    names: set[str] = set()
    for mutation in data.mutations:
        if mutation.path:
            names.add(str(mutation.path[0]))
        elif mutation.parameter:
            names.add(mutation.parameter)
    location = getattr(data.parameter_location, "value", None)
    scenario = getattr(data, "scenario", None)
    if location == "body":
        if scenario == CoverageScenario.MISSING_PARAMETER:
            names.add(NO_BODY)
        elif data.location:
            parts = data.location.split("/")
            if "properties" in parts:
                names.add(parts[parts.index("properties") + 1])
            elif scenario != CoverageScenario.OBJECT_MISSING_REQUIRED_PROPERTY:  # that one is named below
                names.add(WHOLE_BODY)
    elif data.parameter:
        names.add(data.parameter)
    # a required member left out, whatever the case's metadata says; with no body at all, every one of them
    for body in case.operation.body:
        if NO_BODY in names or (isinstance(case.body, dict) and body.media_type == case.media_type):
            sent = case.body if isinstance(case.body, dict) else {}
            names.update(name for name in body.resolved_schema.get("required", []) if name not in sent)
    return frozenset(names)


# -- the spec, as this suite reads it ------------------------------------------------------------------------------
def relax_members(spec: dict[str, Any], operations: Iterable[tuple[str, str]], members: Iterable[str]) -> dict[str, Any]:
    """A copy of ``spec`` whose success responses for ``operations`` accept anything in ``members``.

    Every schema reachable from those responses (through ``$ref`` too) loses its constraints on the members and
    stops requiring them; nothing else changes, and ``spec`` itself is left as it was.
    """
    from openai_rulebook.spec._editor import SpecEditor

    members = frozenset(members)
    editor = SpecEditor(spec)
    seen: set[tuple[Any, ...]] = set()
    stack: list[tuple[Any, ...]] = []
    for spec_path, method in operations:
        for status, response in (spec["paths"][spec_path][method].get("responses") or {}).items():
            if str(status).startswith("2"):
                for media_type in (response.get("content") or {}):
                    stack.append(("paths", spec_path, method, "responses", status, "content", media_type, "schema"))
    while stack:
        parts = stack.pop()
        if parts in seen:
            continue
        seen.add(parts)
        node = editor.get(parts)
        if isinstance(node, list):
            stack.extend((*parts, index) for index in range(len(node)))
            continue
        if not isinstance(node, dict):
            continue
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            stack.append(tuple(part.replace("~1", "/").replace("~0", "~") for part in ref[2:].split("/")))
        properties = node.get("properties")
        if isinstance(properties, dict) and members & properties.keys():
            for member in sorted(members & properties.keys()):
                editor.set((*parts, "properties", member), {})
            if isinstance(node.get("required"), list):
                editor.set((*parts, "required"), [name for name in node["required"] if name not in members])
        for key, child in editor.get(parts).items():
            if key not in ("example", "examples", "default", "enum", "const", "required", "description") and \
                    isinstance(child, dict | list):
                stack.append((*parts, key))
    return editor.root


def shallow_members(spec: dict[str, Any], members: Iterable[str]) -> dict[str, Any]:
    """A copy of ``spec`` whose JSON request bodies hold each ``"<METHOD> /v1/path> <member>"`` only to its top-level
    JSON types (a string or an array, not what the array's items must be).

    For members whose schemas run to hundreds of nodes (Responses' ``input``, ``tools``): schemathesis' coverage
    phase draws cases for every node, thousands of them, where the area's own rules judge what the items hold. The
    request schema of such an operation becomes one flat object (its ``allOf`` merged); components stay as they
    were, since responses use them too.
    """
    by_operation: dict[tuple[str, str], list[str]] = {}
    for entry in members:
        where, _, member = str(entry).rpartition(" ")
        endpoint = Endpoint.parse(where)
        by_operation.setdefault((endpoint.template, endpoint.method.lower()), []).append(member)
    if not by_operation:
        return spec
    schemas = spec.get("components", {}).get("schemas", {})

    def resolve(node: Any) -> Any:
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            node = schemas[node["$ref"].rsplit("/", 1)[1]]
        return node

    def flat(node: Any) -> tuple[dict[str, Any], list[str]]:
        node = resolve(node)
        properties: dict[str, Any] = {}
        required: list[str] = []
        for part in node.get("allOf", []):
            more, needed = flat(part)
            properties.update(more)
            required += needed
        properties.update(node.get("properties") or {})
        return properties, required + list(node.get("required") or [])

    def top_types(node: Any) -> list[str]:
        node = resolve(node)
        alternatives = node.get("anyOf") or node.get("oneOf")
        if alternatives:
            return sorted({kind for alternative in alternatives for kind in top_types(alternative)})
        kind = node.get("type")
        return kind if isinstance(kind, list) else [kind] if isinstance(kind, str) else []

    paths = dict(spec["paths"])
    for (spec_path, method), names in by_operation.items():
        operation = dict(paths[spec_path][method])
        content = dict(operation["requestBody"]["content"])
        properties, required = flat(content["application/json"]["schema"])
        for name in names:
            kinds = top_types(properties[name])
            properties[name] = {"type": kinds[0] if len(kinds) == 1 else kinds}
        content["application/json"] = {**content["application/json"], "schema": {
            "type": "object", "properties": properties, "required": sorted(set(required))}}
        operation["requestBody"] = {**operation["requestBody"], "content": content}
        paths[spec_path] = {**paths[spec_path], method: operation}
    return {**spec, "paths": paths}


def drop_unmapped_discriminators(spec: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``spec`` without the discriminators that give no mapping (ItemResource, the input items list).

    Schemathesis reads such a discriminator as mapping ``type`` to schema names, and refuses the API's ``message``
    items; jsonschema ignores discriminators, and each alternative fixes its own ``type``, so the oneOf decides.
    """
    schemas = spec.get("components", {}).get("schemas", {})
    unmapped = {name for name, schema in schemas.items() if isinstance(schema, dict) and
                isinstance(schema.get("discriminator"), dict) and not schema["discriminator"].get("mapping")}
    if not unmapped:
        return spec
    schemas = {name: ({key: value for key, value in schema.items() if key != "discriminator"}
                      if name in unmapped else schema) for name, schema in schemas.items()}
    return {**spec, "components": {**spec["components"], "schemas": schemas}}


def served_endpoints(target: Target) -> frozenset[str] | None:
    """What the target serves, when that is known: the reference server's routes (also for a set recorded from it).

    None for any other API: every endpoint of the catalog is asked.
    """
    source = target.source
    if target.replaying and target.cassette_dir is not None:
        source = str(read_cassette_meta(target.cassette_dir).get("target"))
    if source != "reference":
        return None
    from fastapi.routing import APIRoute

    from openai_rulebook.server.areas import ROUTERS

    return frozenset(f"{method} /v1{route.path}" for router in ROUTERS for route in router.routes
                     if isinstance(route, APIRoute) for method in route.methods)


# -- sending a case and judging its response -----------------------------------------------------------------------
def check_functions(names: Iterable[str]) -> list[Callable[..., Any]]:
    """The schemathesis checks a rule names in ``params.checks``."""
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi import checks

    known = {
        "not_a_server_error": not_a_server_error,
        "response_schema_conformance": checks.response_schema_conformance,
        "content_type_conformance": checks.content_type_conformance,
        "negative_data_rejection": checks.negative_data_rejection,
    }
    names = list(names)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise UsageError(f"params.checks names {unknown[0]!r}, which this suite does not run; "
                         f"choose from {', '.join(sorted(known))}")
    return [known[name] for name in names]


def request_arguments(case: Case, base_url: str) -> dict[str, Any]:
    """The case as ``ApiClient.request`` arguments (schemathesis serializes it, as for ``requests``)."""
    sent = case.as_transport_kwargs(base_url=base_url)
    # the case's own header parameters and its media type; not what requests would add (Accept, User-Agent, …)
    generated = {name.lower() for name in case.headers or {}} | {"content-type"}
    headers = {name: str(value) for name, value in (sent.get("headers") or {}).items()
               if name.lower() in generated and name.lower() not in _DROPPED_HEADERS}
    arguments: dict[str, Any] = {"params": sent.get("params") or None}
    if "json" in sent:
        arguments["content"] = json.dumps(sent["json"], allow_nan=False)
        headers.setdefault("Content-Type", "application/json")
    elif sent.get("files"):  # multipart: the client's fixed boundary, so that cassettes match
        arguments["files"] = [(name, _part(value)) for name, value in sent["files"] if value is not None]
        arguments["data"] = sent.get("data")
        headers = {name: value for name, value in headers.items() if name.lower() != "content-type"}
    elif isinstance(sent.get("data"), dict):
        arguments["data"] = sent["data"]
    elif sent.get("data") is not None:
        arguments["content"] = _fixed_boundary(sent["data"], headers)
    arguments["headers"] = headers
    return {"method": sent["method"], "path": sent["url"], **arguments}


def _part(value: Any) -> Any:
    """A multipart part as httpx takes it: what ``requests`` would send for a number or a structure (its text)."""
    if isinstance(value, tuple):
        return (value[0], _part(value[1]), *value[2:])
    if isinstance(value, bytes | str) or hasattr(value, "read"):
        return value
    return json.dumps(value)


def _fixed_boundary(body: bytes | str, headers: dict[str, str]) -> bytes | str:
    """A multipart body serialized by schemathesis carries a random boundary: swap in the client's fixed one."""
    name = next((name for name in headers if name.lower() == "content-type"), None)
    _, found, boundary = (headers.get(name) or "").partition("boundary=") if name else ("", "", "")
    if not found or not boundary:
        return body
    boundary = boundary.split(";", 1)[0].strip().strip('"')
    assert name is not None
    headers[name] = headers[name].replace(boundary, MULTIPART_BOUNDARY)
    if isinstance(body, bytes):
        return body.replace(boundary.encode(), MULTIPART_BOUNDARY.encode())
    return body.replace(boundary, MULTIPART_BOUNDARY)


@dataclass
class CaseRunner:
    """Sends the cases of one test and judges each response for one rule.

    The same request is sent once: a case that repeats one (hypothesis replays a failing example; fixed path ids
    make many coverage cases alike) gets the first one's verdict again.
    """

    api: ApiClient
    rule: str
    checks: list[Callable[..., Any]]
    #: ids of real objects for the path, and body members that make a request valid (real ids, our names); a
    #: member the case breaks is never replaced, and a negative case gets no member it left out
    path_ids: dict[str, str] = field(default_factory=dict)
    body_values: dict[str, Any] = field(default_factory=dict)
    #: body members a positive case never sends: what would make a valid request cost more than the rule needs
    body_dropped: frozenset[str] = frozenset()
    left_to_other_rules: frozenset[str] = frozenset()
    #: the operation reads an explicit null for an optional body member as the member left out (the catalog's
    #: ``null_as_absent`` dispute): a negative case whose only fault is such a null is not sent
    null_as_absent: bool = False
    sent: int = 0  #: requests sent
    documented: int = 0  #: responses whose status the spec documents for the operation
    _verdicts: dict[str, RuleViolation | None] = field(default_factory=dict)
    _variants: dict[tuple[str, str | None, bool], list[str]] = field(default_factory=dict)
    _per_variant: int = field(default_factory=lambda: coverage_variants())

    def __call__(self, case: Case) -> None:
        from schemathesis.generation.meta import REQUEST_SHAPE_PROBES, coverage_scenario

        scenario = coverage_scenario(case)
        if scenario in REQUEST_SHAPE_PROBES:
            return  # another method, another media type: the requests.* rules' business, and undocumented
        negated = negated_members(case)
        negative = case.meta is not None and case.meta.generation.mode.is_negative
        if negative:
            if negated & self.left_to_other_rules:
                return
            if NO_BODY in negated and any(body.is_valid({}) for body in case.operation.body):
                return  # no body reads as {}: where {} is a valid body, "required: true" is a formality
            if self.null_as_absent and _optional_null(case, negated):
                return
        case.path_parameters = {**(case.path_parameters or {}),
                                **{name: value for name, value in self.path_ids.items() if name not in negated}}
        if isinstance(case.body, dict) and self.body_values:
            case.body = {**case.body, **{name: value for name, value in self.body_values.items()
                                         if name not in negated and (name in case.body or not negative)}}
        if isinstance(case.body, dict) and self.body_dropped and not negative:
            case.body = {name: value for name, value in case.body.items() if name not in self.body_dropped}
        arguments = request_arguments(case, self.api.base_url)
        key = json.dumps(arguments, sort_keys=True, default=repr)
        if scenario is not None and case.meta is not None:
            # a null gets a budget of its own: the wrong type a server most often lets through
            location = case.meta.phase.data.location
            variants = self._variants.setdefault((scenario, location, _sends_null(case, location)), [])
            if key not in variants:
                if len(variants) >= (self._per_variant if negative else POSITIVE_VARIANTS):
                    return
                variants.append(key)
        if key not in self._verdicts:
            self._verdicts[key] = self._judge(case, arguments)
        violation = self._verdicts[key]
        if violation is not None:
            raise violation

    def _judge(self, case: Case, arguments: dict[str, Any]) -> RuleViolation | None:
        from schemathesis.core.failures import FailureGroup

        response = self.api.request(**arguments)
        self.sent += 1
        if arguments["method"] == "DELETE" and response.is_success:
            self._deleted(response)
        if case.operation.responses.find_by_status_code(response.status_code) is not None:
            self.documented += 1
        checks = self.checks
        if _is_event_stream(response):
            # server-sent events are no JSON document: the stream rules (streams/ checkers) judge their events, so
            # here only the checks that need no parsed body
            checks = [check for check in checks if check.__name__ != "response_schema_conformance"]
        try:
            case.validate_response(response, checks=checks)
        except FailureGroup as group:
            return _violation(self.rule, self.checks, case, response, group)
        return None

    def _deleted(self, response: httpx.Response) -> None:
        """What a case deleted needs no clean-up: asking again would judge the unknown-id rules, not this one."""
        try:
            gone = response.json().get("id")
        except (ValueError, AttributeError):
            return
        self.api.created[:] = [(kind, object_id) for kind, object_id in self.api.created if object_id != gone]


def _optional_null(case: Case, negated: frozenset[str]) -> bool:
    """Whether the case breaks only top-level body members it sends as null, none of them required."""
    if not negated or not isinstance(case.body, dict):
        return False
    required = {name for body in case.operation.body if body.media_type == case.media_type
                for name in body.resolved_schema.get("required", [])}
    return all(name in case.body and case.body[name] is None and name not in required for name in negated)


def _is_event_stream(response: httpx.Response) -> bool:
    return response.headers.get("content-type", "").split(";", 1)[0].strip().lower() == "text/event-stream"


def _sends_null(case: Case, location: str | None) -> bool:
    """Whether the member at ``location`` (a schema pointer, ``/properties/a/properties/b/type``) is sent as null."""
    parts = (location or "").strip("/").split("/")
    names = [parts[index + 1] for index, part in enumerate(parts[:-1]) if part == "properties"]
    value: Any = case.body
    if case.meta is not None and getattr(case.meta.phase.data.parameter_location, "value", None) != "body":
        value, names = case.query or {}, [case.meta.phase.data.parameter or ""]
    for name in names:
        if not isinstance(value, dict) or name not in value:
            return False
        value = value[name]
    return bool(names) and value is None


def coverage_variants() -> int:
    """Coverage cases sent per scenario and schema location, from the loaded hypothesis profile."""
    import hypothesis

    return max(1, hypothesis.settings.default.max_examples // COVERAGE_SHARE)


def _violation(rule: str, checks: list[Callable[..., Any]], case: Case, response: httpx.Response,
               group: Any) -> RuleViolation:
    """A readable violation; built from the failures, never from schemathesis' report (its curl line has headers)."""
    failures = list(group.exceptions)
    request = f"{response.request.method} {response.request.url.path}"
    if response.request.url.query:
        request += f"?{response.request.url.query.decode()}"
    body = response.request.content[:_BODY_EXCERPT].decode("utf-8", "replace")
    meta = case.meta
    what = meta.phase.data.description if meta is not None and meta.phase.data.description else ""
    text = response.text
    return RuleViolation(
        rule,
        expected=f"a response that passes {', '.join(check.__name__ for check in checks)}",
        actual="; ".join(f"{failure.title}: {' '.join(failure.message.split())[:400]}" for failure in failures),
        detail="\n".join(line for line in (
            f"Request: {request}" + (f" {body}" if body else ""),
            f"Case: {what}" if what else "",
            f"Response: {response.status_code} {text[:_BODY_EXCERPT]}{'…' if len(text) > _BODY_EXCERPT else ''}",
        ) if line),
    )


# -- the schema, loaded once ---------------------------------------------------------------------------------------
@dataclass
class OpenApiSuite:
    """The official spec as schemathesis reads it, loaded on first use, and the tests built for each endpoint."""

    spec_path: Path
    #: response members other rules judge: a name (on every ``relaxed_for`` operation) or ``"<endpoint> <name>"``
    relaxed_members: tuple[str, ...] = ()
    relaxed_for: tuple[str, ...] = ()  #: catalog endpoints whose responses relax ``relaxed_members``
    shallow: tuple[str, ...] = ()  #: ``"<endpoint> <member>"`` request members held to their top-level types only
    _schema: BaseSchema | None = None
    _tests: dict[tuple[str, str], Callable[[], None]] = field(default_factory=dict)
    _runner: CaseRunner | None = None

    @property
    def schema(self) -> BaseSchema:
        if self._schema is None:
            import schemathesis
            from schemathesis.config import SchemathesisConfig

            from openai_rulebook.spec import ResponseValidator, load_spec

            spec = ResponseValidator(load_spec(self.spec_path)).spec  # the known gaps, as in spec_conformance
            operations = [(e.template, e.method.lower()) for e in map(Endpoint.parse, self.relaxed_for)]
            everywhere = [member for member in self.relaxed_members if " " not in member]
            spec = relax_members(spec, [op for op in operations if op[0] in spec["paths"]], everywhere)
            # "<METHOD> /v1/path member": a member another rule judges on that operation only
            for entry in (member for member in self.relaxed_members if " " in member):
                where, _, member = entry.rpartition(" ")
                endpoint = Endpoint.parse(where)
                spec = relax_members(spec, [(endpoint.template, endpoint.method.lower())], [member])
            spec = drop_unmapped_discriminators(shallow_members(spec, self.shallow))
            # built here, not discovered: a schemathesis.toml lying around must not change what this suite does
            schema = schemathesis.openapi.from_dict(spec, config=SchemathesisConfig())
            schema.config.phases.update(phases=["coverage", "fuzzing"])
            schema.config.phases.coverage.unexpected_methods = set()
            schema.config.generation.update(with_security_parameters=False)  # auth is the auth.* rules' business
            schema.config.checks.negative_data_rejection.expected_statuses = ["4XX"]
            self._schema = schema
        return self._schema

    def operation(self, endpoint: Endpoint) -> APIOperation:
        try:
            return self.schema[endpoint.template][endpoint.method]
        except LookupError:
            raise UsageError(f"{endpoint}: the catalog lists it, but {self.spec_path} has no such operation") from None

    def run(self, endpoint: Endpoint, mode: str, runner: CaseRunner) -> None:
        """Run the cases of ``endpoint`` in generation ``mode`` (positive or negative) through ``runner``."""
        key = (str(endpoint), mode)
        if key not in self._tests:
            self._tests[key] = self._build(endpoint, mode)
        self._runner = runner
        try:
            self._tests[key]()
        finally:
            self._runner = None

    def _build(self, endpoint: Endpoint, mode: str) -> Callable[[], None]:
        import hypothesis
        from schemathesis import GenerationMode
        from schemathesis.core.result import Ok
        from schemathesis.pytest.lazy import get_all_tests

        operation = self.operation(endpoint)
        schema = self.schema
        schema.config.generation.update(modes=[GenerationMode(mode)])

        def send(case: Case) -> None:
            assert self._runner is not None, "a case ran outside OpenApiSuite.run"
            self._runner(case)

        # the loaded profile (derandomized unless --explore) is the parent; no shrinking: a failing case is
        # reported as drawn, at the cost of no more requests
        fuzzed = hypothesis.settings.default.max_examples // FUZZ_SHARE
        settings = hypothesis.settings(
            max_examples=max(1, fuzzed),
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate] if fuzzed else [hypothesis.Phase.explicit],
            suppress_health_check=list(hypothesis.HealthCheck),
            report_multiple_bugs=False,
        )
        single = schema.include(method=operation.method.upper(), path=operation.path)
        built = list(get_all_tests(schema=single, test_func=send, settings=settings, given_kwargs={}))
        if len(built) != 1 or not isinstance(built[0], Ok):
            raise UsageError(f"{endpoint}: schemathesis could not build a test for it: {built}")
        return built[0].ok()[1]
