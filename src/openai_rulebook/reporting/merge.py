"""``rulebook report merge``: the ``compliance.json`` of shards run in parallel CI jobs, joined into one.

Per rule the worst verdict by the roll-up of ``verdicts`` (a rule passed in one shard and skipped in the others
passed; failed anywhere, it failed), its tests and evidence concatenated; the summary and the capability table
recomputed; probes, observations and schema checks joined. Shards must come from the same catalog: a rule present in
one shard and absent from another is an input error, not something to paper over.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import Any

from openai_rulebook.errors import UsageError
from openai_rulebook.reporting.compliance import COMPLIANCE_SCHEMA
from openai_rulebook.verdicts import SEVERITY, VERDICTS


def merge_reports(documents: Sequence[tuple[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """``documents``: (label, compliance.json) per shard, in order; one compliance document."""
    if not documents:
        raise UsageError("report merge: no report given")
    label0, first = documents[0]
    order = [rule["id"] for rule in first["rules"]]
    for label, document in documents[1:]:
        ids = [rule["id"] for rule in document["rules"]]
        if set(ids) != set(order):
            extra = sorted(set(ids) ^ set(order))
            raise UsageError(f"{label}: its rules differ from {label0}'s ({len(extra)} rule(s) in one only, e.g. "
                             f"{extra[0]!r}); shards must run the same catalog")
    rules = [_merge_rule([_by_id(d)[rule_id] for _, d in documents]) for rule_id in order]
    from openai_rulebook.capabilities import capability_table

    probes = merge_probes([d.get("probes") or {} for _, d in documents])
    not_served = {e: True for _, d in documents for area in d.get("capabilities") or []
                  for e in area.get("missing", [])}
    found = {e: SimpleNamespace(supported=p["supported"]) for e, p in probes.items()}
    summary = dict.fromkeys(VERDICTS, 0)
    for rule in rules:
        summary[rule["verdict"]] += 1
    return {
        "schema": COMPLIANCE_SCHEMA,
        "run": _merge_run([d["run"] for _, d in documents], [label for label, _ in documents]),
        "summary": summary,
        "capabilities": capability_table(rules, found, not_served),
        "probes": probes,
        "spec_conformance": merge_spec([d.get("spec_conformance") or {} for _, d in documents]),
        "rules": rules,
        "observations": merge_observations([d.get("observations") or {} for _, d in documents]),
    }


def _by_id(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {rule["id"]: rule for rule in document["rules"]}


def _rank(verdict: str) -> int:
    # not-checkable is the catalog's word, the same in every shard; below every verdict a test gave
    return SEVERITY.get(verdict, -1)


def _merge_rule(entries: list[dict[str, Any]]) -> dict[str, Any]:
    worst = max(entries, key=lambda rule: _rank(rule["verdict"]))
    merged = {key: value for key, value in worst.items() if key not in ("tests", "evidence", "reason")}
    merged["tests"] = [test for rule in entries for test in rule.get("tests", [])]
    merged["evidence"] = [item for rule in entries for item in rule.get("evidence", [])]
    if worst["verdict"] in ("skipped", "not-checkable"):
        reasons = dict.fromkeys(r["reason"] for r in entries if r["verdict"] == worst["verdict"] and r.get("reason"))
        if reasons:
            merged["reason"] = "; ".join(reasons)
    elif worst.get("reason"):
        merged["reason"] = worst["reason"]
    # keep the key order of compliance_document: reason before disputed
    if "disputed" in merged:
        merged["disputed"] = merged.pop("disputed")
    return merged


def _merge_run(runs: list[Mapping[str, Any]], labels: list[str]) -> dict[str, Any]:
    run = dict(runs[0])
    starts = [r["started_at"] for r in runs if r.get("started_at")]
    ends = [r["finished_at"] for r in runs if r.get("finished_at")]
    if starts:
        run["started_at"] = min(starts)
    if ends:
        run["finished_at"] = max(ends)
    if all(isinstance(r.get("tests"), int) for r in runs):
        run["tests"] = sum(r["tests"] for r in runs)
    for key in ("tiers", "faults", "areas"):
        values = [r.get(key) for r in runs if isinstance(r.get(key), list)]
        if values:
            run[key] = sorted({value for items in values for value in items})
    targets = sorted({str(r.get("target")) for r in runs})
    if len(targets) > 1:  # shards of one run share a target; say so when they did not
        run["target"] = ",".join(targets)
    run["shards"] = labels
    return run


def merge_probes(probes: list[Mapping[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for shard in probes:
        for endpoint, found in shard.items():
            # a shard that found the endpoint served wins over one that did not probe it right
            if endpoint not in merged or (found.get("supported") and not merged[endpoint].get("supported")):
                merged[endpoint] = found
    return dict(sorted(merged.items()))


def merge_spec(specs: list[Mapping[str, Any]]) -> dict[str, Any]:
    specs = [spec for spec in specs if spec]
    if not specs:
        return {}
    merged = dict(specs[0])
    for key in ("responses_checked", "mismatch_count", "drift_count"):
        if any(key in spec for spec in specs):
            merged[key] = sum(spec.get(key, 0) for spec in specs)
    merged["mismatches"] = [m for spec in specs for m in spec.get("mismatches", [])]
    drift: dict[tuple[str, str, str], dict[str, Any]] = {}
    for spec in specs:
        for item in spec.get("spec_drift", []):
            key = (item.get("gap", ""), item.get("operation", ""), item.get("at", ""))
            if key in drift:
                drift[key] = {**drift[key], "count": drift[key].get("count", 0) + item.get("count", 0)}
            else:
                drift[key] = dict(item)
    if drift:
        merged["spec_drift"] = sorted(drift.values(), key=lambda item: -item.get("count", 0))
    gaps = {gap for spec in specs for gap in spec.get("known_gaps_applied", [])}
    if gaps:
        merged["known_gaps_applied"] = sorted(gaps)
    return merged


_PRESENCE = {"always": {True}, "never": {False}, "sometimes": {True, False}}


def merge_observations(shards: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Observations of several runs as if one run had seen everything: sets joined, header presence combined."""
    shards = [shard for shard in shards if shard]
    if not shards:
        return {}
    operations: dict[str, dict[str, Any]] = {}
    for shard in shards:
        for name, seen in (shard.get("operations") or {}).items():
            if name not in operations:
                operations[name] = {key: (dict(value) if isinstance(value, dict) else list(value))
                                    for key, value in seen.items()}
                continue
            into = operations[name]
            for key in ("statuses", "fields", "null_fields", "error_fields", "content_types"):
                into[key] = sorted({*into.get(key, []), *seen.get(key, [])})
            enums = into.setdefault("enums", {})
            for field, values in (seen.get("enums") or {}).items():
                enums[field] = sorted({*enums.get(field, []), *values})
            into["enums"] = dict(sorted(enums.items()))
            headers = into.setdefault("headers", {})
            for header, presence in (seen.get("headers") or {}).items():
                both = _PRESENCE.get(headers.get(header, presence), set()) | _PRESENCE.get(presence, set())
                headers[header] = "always" if both == {True} else "never" if both == {False} else "sometimes"
    rules: dict[str, dict[str, Any]] = {}
    for shard in shards:
        for rule_id, seen in (shard.get("rules") or {}).items():
            statuses = {*rules.get(rule_id, {}).get("statuses", []), *seen.get("statuses", [])}
            rules[rule_id] = {"statuses": sorted(statuses)}
    merged = {key: value for key, value in shards[0].items() if key not in ("operations", "rules",
                                                                             "unmatched_exchanges")}
    merged["operations"] = dict(sorted(operations.items()))
    merged["rules"] = dict(sorted(rules.items()))
    if any("unmatched_exchanges" in shard for shard in shards):
        merged["unmatched_exchanges"] = sum(shard.get("unmatched_exchanges", 0) for shard in shards)
    return merged
