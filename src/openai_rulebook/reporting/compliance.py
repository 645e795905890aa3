"""``compliance.json``: a verdict per catalog rule, with the tests and the evidence behind it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from openai_rulebook.atomic import write_atomically
from openai_rulebook.catalog import Catalog
from openai_rulebook.verdicts import RuleVerdict, count

COMPLIANCE_SCHEMA = "rulebook.compliance/1"
FILE_NAME = "compliance.json"


def compliance_document(
    catalog: Catalog,
    verdicts: Iterable[RuleVerdict],
    *,
    run: Mapping[str, Any],
    spec_conformance: Mapping[str, Any] | None = None,
    probes: Mapping[str, Any] | None = None,
    not_served: Mapping[str, Any] | None = None,
    observations: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The whole report; ``probes`` and ``not_served`` (what the target lacks) make the capability table;
    ``observations`` is what the run saw per operation (``openai_rulebook.observations``), for drift reports."""
    from openai_rulebook.capabilities import capability_table

    verdicts = list(verdicts)
    rules = []
    for verdict in verdicts:
        rule = catalog[verdict.id]
        entry: dict[str, Any] = {
            "id": rule.id,
            "verdict": verdict.verdict,
            "kind": rule.kind,
            "tier": rule.tier,
            "area": rule.area,
            "seeds": list(rule.seeds),
            "source": rule.source,
            "statement": rule.statement,
            "endpoints": list(rule.endpoints),
            "tests": verdict.tests,
            "evidence": verdict.evidence,
        }
        if verdict.reason:
            entry["reason"] = verdict.reason
        if rule.disputed:
            entry["disputed"] = rule.disputed
        rules.append(entry)
    probes = probes or {}
    return {
        "schema": COMPLIANCE_SCHEMA,
        "run": dict(run),
        "summary": count(verdicts),
        "capabilities": capability_table(rules, probes, not_served or {}),
        "probes": {endpoint: {"supported": found.supported, "status": found.status, "evidence": dict(found.evidence)}
                   for endpoint, found in probes.items()},
        "spec_conformance": dict(spec_conformance or {}),
        "rules": rules,
        "observations": dict(observations or {}),
    }


def write_compliance(report_dir: Path, document: Mapping[str, Any]) -> Path:
    path = report_dir / FILE_NAME
    write_atomically(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return path
