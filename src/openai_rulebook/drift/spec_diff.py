"""``rulebook drift spec --against OLD_SPEC``: a spec-to-spec diff, mapped to the catalog rules it touches.

Each catalog endpoint's operation is flattened in both documents (``$ref`` resolved, cycles cut): its parameters,
its request body and its 2xx response schemas become ``where -> value`` entries (``body.expires_after.days:maximum``
-> 365; descriptions too, for limits kept in prose). A changed, added or removed entry is a change of that
operation; the rules listing the operation need a look, first those whose parameter the change names.
"""

from __future__ import annotations

from typing import Any

from openai_rulebook.catalog import Catalog
from openai_rulebook.drift.spec import rule_param
from openai_rulebook.drift.spec_lookup import SpecIndex

_MAX_DEPTH = 7
_SHOWN = 12  # changes listed per operation; the count says how many there were
_SKIPPED = ("example", "examples", "title")


def spec_changes(catalog: Catalog, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    before, after = SpecIndex(old), SpecIndex(new)
    endpoints = sorted({e for rule in catalog.rules for e in rule.endpoints})
    operations = []
    to_review: dict[str, bool] = {}
    for endpoint in endpoints:
        was, now = _flat(before, endpoint), _flat(after, endpoint)
        if was == now:
            continue
        changes = [{"at": key, "before": was.get(key), "after": now.get(key)}
                   for key in sorted(set(was) | set(now)) if was.get(key) != now.get(key)]
        if was and not now:
            changes = [{"at": "(operation)", "before": "present", "after": "absent"}]
        elif now and not was:
            changes = [{"at": "(operation)", "before": "absent", "after": "present"}]
        rules = []
        for rule in catalog.rules:
            if endpoint not in rule.endpoints:
                continue
            param, _ = rule_param(rule)
            direct = param is not None and any(_names(change["at"], param) for change in changes)
            rules.append({"rule": rule.id, "touches_param": direct})
            to_review[rule.id] = to_review.get(rule.id, False) or direct
        operations.append({"operation": endpoint, "change_count": len(changes), "changes": changes[:_SHOWN],
                           "rules": sorted(rules, key=lambda r: (not r["touches_param"], r["rule"]))})
    return {
        "operations_changed": len(operations),
        "operations": operations,
        "rules_to_review": sorted(to_review, key=lambda rule_id: (not to_review[rule_id], rule_id)),
        "rules_whose_param_changed": sorted(rule_id for rule_id, direct in to_review.items() if direct),
    }


def _names(at: str, param: str) -> bool:
    """Whether the flattened location ``at`` is about parameter ``param`` (``params.limit:maximum``)."""
    head = at.split(":", 1)[0]
    parts = head.replace("[]", "").split(".")
    first = param.split(".")[0]
    return len(parts) > 1 and parts[0] in ("params", "body") and parts[1] == first


def _flat(index: SpecIndex, endpoint: str) -> dict[str, Any]:
    found = index.operation(endpoint)
    if found is None:
        return {}
    _, item, operation = found
    entries: dict[str, Any] = {}
    for parameter in [*(item.get("parameters") or ()), *(operation.get("parameters") or ())]:
        parameter = index.resolve(parameter)
        if isinstance(parameter, dict) and "name" in parameter:
            name = f"params.{parameter['name']}"
            for key in ("required", "description", "in"):
                if key in parameter:
                    entries[f"{name}:{key}"] = parameter[key]
            _walk(index, parameter.get("schema"), name, entries, frozenset(), 0)
    content = (index.resolve(operation.get("requestBody") or {}).get("content") or {})
    for media, body in sorted(content.items()):
        _walk(index, (body or {}).get("schema"), "body", entries, frozenset(), 0)
    for status, response in sorted((operation.get("responses") or {}).items()):
        if str(status).startswith("2"):
            for media, body in sorted((index.resolve(response).get("content") or {}).items()):
                _walk(index, (body or {}).get("schema"), f"response.{status}", entries, frozenset(), 0)
    return entries


def _walk(index: SpecIndex, node: Any, at: str, entries: dict[str, Any], refs: frozenset[str], depth: int) -> None:
    if not isinstance(node, dict) or depth > _MAX_DEPTH:
        return
    ref = node.get("$ref")
    if isinstance(ref, str):
        if ref not in refs:
            _walk(index, index.resolve(node), at, entries, refs | {ref}, depth + 1)
        return
    for key, value in node.items():
        if key in _SKIPPED or key.startswith("x-"):
            continue
        if key == "properties" and isinstance(value, dict):
            for name, child in value.items():
                _walk(index, child, f"{at}.{name}", entries, refs, depth + 1)
        elif key == "items":
            _walk(index, value, f"{at}[]", entries, refs, depth + 1)
        elif key in ("allOf", "anyOf", "oneOf") and isinstance(value, list):
            for member in value:
                _walk(index, member, at, entries, refs, depth + 1)
        elif key == "additionalProperties" and isinstance(value, dict):
            _walk(index, value, f"{at}.*", entries, refs, depth + 1)
        elif key == "required" and isinstance(value, list):
            entries[f"{at}:required"] = sorted(map(str, value))
        elif not isinstance(value, (dict, list)) or all(not isinstance(v, (dict, list)) for v in value):
            entries[f"{at}:{key}"] = sorted(value, key=str) if key == "enum" and isinstance(value, list) else value
