"""``rulebook drift runs A B``: what changed between two runs (or two sets of recordings).

Per rule: verdict changes (both sides must be reports) and changes in the statuses its tests got. Per operation:
new and removed response fields, fields newly null, new enum values (``status``, ``object``, ...), new and gone
error codes and types, changed statuses, headers of interest that came or went, new media types, and operations
seen on one side only. Counts of requests never count: they move with retries, not with the API.
"""

from __future__ import annotations

from typing import Any

from openai_rulebook.drift.inputs import Side

DRIFT_RUNS_SCHEMA = "rulebook.drift-runs/1"
_ERROR_ENUMS = ("error.code", "error.type")


def compare_runs(a: Side, b: Side) -> dict[str, Any]:
    """The drift from ``a`` (before) to ``b`` (after), as a JSON-ready document; ``changed`` says if anything did."""
    verdicts = _verdicts(a, b)
    rules = _rule_statuses(a.observations.get("rules") or {}, b.observations.get("rules") or {})
    before, after = a.observations.get("operations") or {}, b.observations.get("operations") or {}
    operations = [change for name in sorted(set(before) & set(after))
                  if (change := _operation(name, before[name], after[name]))]
    only_a, only_b = sorted(set(before) - set(after)), sorted(set(after) - set(before))
    changed = bool(verdicts or rules or operations or only_a or only_b)
    return {
        "schema": DRIFT_RUNS_SCHEMA,
        "a": {"label": a.label, "kind": a.kind},
        "b": {"label": b.label, "kind": b.kind},
        "changed": changed,
        "verdicts_compared": a.verdicts is not None and b.verdicts is not None,
        "verdicts": verdicts,
        "rules": rules,
        "operations": operations,
        "operations_only_in_a": only_a,
        "operations_only_in_b": only_b,
    }


def _verdicts(a: Side, b: Side) -> list[dict[str, Any]]:
    if a.verdicts is None or b.verdicts is None:
        return []
    changes = []
    for rule_id in sorted(set(a.verdicts) | set(b.verdicts)):
        before, after = a.verdicts.get(rule_id, "absent"), b.verdicts.get(rule_id, "absent")
        if before != after:
            changes.append({"rule": rule_id, "before": before, "after": after})
    return changes


def _rule_statuses(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Rules judged on both sides whose tests got other statuses (a rule run on one side only is not drift)."""
    changes = []
    for rule_id in sorted(set(before) & set(after)):
        old, new = before[rule_id].get("statuses", []), after[rule_id].get("statuses", [])
        if old != new:
            changes.append({"rule": rule_id, "before": old, "after": new})
    return changes


def _operation(name: str, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any] | None:
    change: dict[str, Any] = {"operation": name}
    old_fields, new_fields = set(old.get("fields", [])), set(new.get("fields", []))
    _put(change, "new_fields", sorted(new_fields - old_fields))
    _put(change, "removed_fields", sorted(old_fields - new_fields))
    # newly null: null now, and seen before but never null (a field new on this side is already "new")
    _put(change, "newly_null", sorted((set(new.get("null_fields", [])) - set(old.get("null_fields", [])))
                                      & old_fields))
    old_enums, new_enums = old.get("enums", {}), new.get("enums", {})
    fresh = {field: sorted(set(values) - set(old_enums.get(field, [])))
             for field, values in new_enums.items() if not field.endswith(_ERROR_ENUMS)}
    _put(change, "new_enum_values", {field: values for field, values in sorted(fresh.items()) if values})
    errors = {}
    for field in sorted({f for f in (*old_enums, *new_enums) if f.endswith(_ERROR_ENUMS)}):
        was, now = set(old_enums.get(field, [])), set(new_enums.get(field, []))
        if was != now:
            errors[field] = {"new": sorted(now - was), "gone": sorted(was - now)}
    _put(change, "error_codes", errors)
    if old.get("statuses", []) != new.get("statuses", []):
        change["statuses"] = {"before": old.get("statuses", []), "after": new.get("statuses", [])}
    headers = {header: {"before": presence, "after": new.get("headers", {}).get(header, "never")}
               for header, presence in old.get("headers", {}).items()
               if presence != new.get("headers", {}).get(header, "never")}
    _put(change, "headers", headers)
    _put(change, "new_content_types", sorted(set(new.get("content_types", [])) - set(old.get("content_types", []))))
    return change if len(change) > 1 else None


def _put(change: dict[str, Any], key: str, value: Any) -> None:
    if value:
        change[key] = value
