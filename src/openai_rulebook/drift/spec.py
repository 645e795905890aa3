"""``rulebook drift spec``: per catalog rule, what the catalog says against what the OpenAPI spec encodes, what
its description text says and (with a run or recordings) what was observed.

Compared, per rule and per endpoint it lists: the catalog's ``params`` ``min``, ``max``, ``max_length``,
``values``, ``default`` and ``required`` for the parameter the rule is about (``params.param``, else the rule id's
last part without ``_range``/``_default``/``_values``/...), against the spec's schema (``minimum``/``maximum``,
``minItems``/``maxItems``, ``maxProperties``, ``maxLength``, ``enum``, ``default``, ``required``) and against the
limits its description states in words. Each rule gets one status:

- ``agree``: every compared value is in the spec's schema and equal;
- ``differs``: some value differs (the report shows both, and which source says what);
- ``text-only``: the values agree, but some only in the description's prose (nothing a validator enforces);
- ``spec-silent``: the spec has the parameter but says nothing about some value the catalog states;
- ``not-in-spec``: the spec lacks the rule's endpoints or the parameter the catalog names.

A rule shows up only with evidence from a source: a compared value, an observation outside the catalog, or a
``disputed:`` note (every disputed rule shows up, with its text). A rule whose parameter is only guessed from its
id and that neither source knows is left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openai_rulebook.catalog import Catalog, Rule
from openai_rulebook.drift.spec_lookup import SpecIndex

DRIFT_SPEC_SCHEMA = "rulebook.drift-spec/1"
STATUSES = ("differs", "not-in-spec", "spec-silent", "text-only", "agree")  # worst first
COMPARED = ("min", "max", "max_length", "values", "default", "required")
_SUFFIXES = ("_range", "_default", "_values", "_required", "_min", "_max", "_length", "_bound", "_filter")


def spec_drift(catalog: Catalog, spec: dict[str, Any], *, observations: Mapping[str, Any] | None = None,
               spec_label: str = "") -> dict[str, Any]:
    index = SpecIndex(spec)
    rules = []
    for rule in catalog.rules:
        entry = _rule(rule, index, observations or {})
        if entry is not None:
            rules.append(entry)
    counts = {status: sum(1 for r in rules if r["status"] == status) for status in STATUSES}
    return {
        "schema": DRIFT_SPEC_SCHEMA,
        "spec": spec_label,
        "catalog": str(catalog.path),
        "observed": bool(observations),
        "summary": counts,
        "disputed": sum(1 for r in rules if r.get("disputed")),
        "rules": rules,
    }


def rule_param(rule: Rule) -> tuple[str | None, bool]:
    """The parameter a rule is about, and whether the catalog names it (``params.param``) or it is guessed."""
    named = rule.params.get("param")
    if isinstance(named, str):
        return named, True
    last = rule.id.rsplit(".", 1)[-1]
    for suffix in _SUFFIXES:
        if last.endswith(suffix) and len(last) > len(suffix):
            return last.removesuffix(suffix), False
    return None, False


def _catalog_values(rule: Rule) -> dict[str, Any]:
    values = {key: rule.params[key] for key in COMPARED if key in rule.params and key != "required"}
    last = rule.id.rsplit(".", 1)[-1]
    if isinstance(rule.params.get("required"), list):
        values["required"] = sorted(rule.params["required"])
    elif last.endswith("_required") and isinstance(rule.params.get("param"), str):
        values["required"] = True
    return values


def _rule(rule: Rule, index: SpecIndex, observations: Mapping[str, Any]) -> dict[str, Any] | None:
    param, named = rule_param(rule)
    wanted = _catalog_values(rule)
    comparisons: list[dict[str, Any]] = []
    endpoints_in_spec = [e for e in rule.endpoints if index.operation(e) is not None]
    param_found = False
    if wanted and rule.endpoints:
        for endpoint in rule.endpoints:
            if index.operation(endpoint) is None:
                continue
            if isinstance(wanted.get("required"), list):
                required = index.body_required(endpoint)
                if required is not None:
                    param_found = True
                    comparisons.append(_compare(endpoint, "required", wanted["required"],
                                                sorted(set(required) & set(wanted["required"])) or required, None))
            if param is None:
                continue
            facts = index.param(endpoint, param)
            if facts is None:
                continue
            param_found = True
            for key, value in wanted.items():
                if key == "required" and isinstance(value, list):
                    continue
                comparisons.append(_compare(endpoint, key, value, facts.structure.get(key), facts.text.get(key)))
    observed = _observed(rule, observations)
    status = _status(rule, comparisons, endpoints_in_spec, param, named, param_found, wanted, observed)
    if status is None and not rule.disputed:
        return None
    entry: dict[str, Any] = {"rule": rule.id, "status": status or _fallback(rule, endpoints_in_spec),
                             "param": param, "catalog": wanted}
    if comparisons:
        entry["comparisons"] = comparisons
    if observed:
        entry["observed"] = observed
    if rule.disputed:
        entry["disputed"] = rule.disputed.strip()
    return entry


def _compare(endpoint: str, key: str, catalog: Any, spec: Any, text: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"endpoint": endpoint, "key": key, "catalog": catalog}
    if spec is not None and not (key == "required" and spec is False and catalog is not True):
        item["spec"] = spec
    if text is not None:
        item["text"] = text
    if "spec" in item:
        item["status"] = "agree" if _same(catalog, spec) else "differs"
        if item["status"] == "agree" and text is not None and not _same(catalog, text):
            item["status"] = "differs"  # the schema agrees, its own prose does not
    elif text is not None:
        item["status"] = "text-only" if _same(catalog, text) else "differs"
    else:
        item["status"] = "spec-silent"
    return item


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return sorted(map(str, a)) == sorted(map(str, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(a) == float(b)
    return a == b


def _status(rule: Rule, comparisons: list[dict[str, Any]], in_spec: list[str], param: str | None, named: bool,
            found: bool, wanted: dict[str, Any], observed: dict[str, Any]) -> str | None:
    if observed.get("outside_catalog"):
        return "differs"
    if comparisons:
        return min((c["status"] for c in comparisons), key=STATUSES.index)
    if not wanted:
        return None
    if rule.endpoints and not in_spec:
        return "not-in-spec"
    if named and param is not None and not found and in_spec:
        return "not-in-spec"
    return None


def _fallback(rule: Rule, in_spec: list[str]) -> str:
    """A disputed rule with nothing to compare: the spec lacks its endpoints, or encodes nothing of its params."""
    return "not-in-spec" if rule.endpoints and not in_spec else "spec-silent"


def _observed(rule: Rule, observations: Mapping[str, Any]) -> dict[str, Any]:
    """What a run or recordings saw of the rule: the statuses its tests got, and for object-type and status rules
    the ``object``/``status`` values met on its endpoints, with those the catalog does not list."""
    if not observations:
        return {}
    found: dict[str, Any] = {}
    statuses = (observations.get("rules") or {}).get(rule.id, {}).get("statuses")
    if statuses:
        found["statuses"] = statuses
    operations = observations.get("operations") or {}
    for key, field in (("values", "object"), ("statuses", "status")):
        listed = rule.params.get(key)
        # "statuses" lists status *values* ("completed"); a list of numbers is HTTP statuses, another matter
        if not isinstance(listed, list) or not all(isinstance(v, str) for v in listed) or \
                (key == "values" and "param" in rule.params):
            continue
        seen = sorted({value for endpoint in rule.endpoints
                       for name, values in (operations.get(endpoint, {}).get("enums") or {}).items()
                       if name.removeprefix("data[].") == field for value in values})
        if seen:
            found[field] = seen
            outside = sorted(set(seen) - set(map(str, listed)))
            if outside:
                found.setdefault("outside_catalog", {})[field] = outside
    return found
