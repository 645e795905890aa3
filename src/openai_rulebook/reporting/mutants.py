"""``mutants.json``: for each fault of the reference server, whether the suites noticed it, and what else broke;
for each variant (a legal liberty of the server), the rules whose verdict it changed (``specificity_rate``: the share
of variants that changed nothing, or for an unmounted area exactly its rules to ``unsupported``)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openai_rulebook.atomic import write_atomically

MUTANTS_SCHEMA = "rulebook.mutants/1"
FILE_NAME = "mutants.json"


def write_mutants(report_dir: Path, mutants: Sequence[Mapping[str, Any]], *, run: Mapping[str, Any],
                  variants: Sequence[Mapping[str, Any]] = ()) -> Path:
    detected = sum(1 for mutant in mutants if mutant["detected"])
    precise = sum(1 for mutant in mutants if mutant["detected"] and not mutant["other_rules_failed"])
    specific = sum(1 for variant in variants if variant["specific"])
    document = {
        "schema": MUTANTS_SCHEMA,
        "run": dict(run),
        "faults": len(mutants),
        "detected": detected,
        "detection_rate": round(detected / len(mutants), 4) if mutants else None,
        "precise": precise,
        "precision_rate": round(precise / detected, 4) if detected else None,
        "specificity_rate": round(specific / len(variants), 4) if variants else None,
        "mutants": list(mutants),
        "variants": list(variants),
    }
    path = report_dir / FILE_NAME
    write_atomically(path, json.dumps(document, indent=2) + "\n")
    return path


def merge_mutants(report_dir: Path, documents: Sequence[Mapping[str, Any]], *, seconds: float,
                  order: Sequence[str] = ()) -> Path:
    """Join the ``mutants.json`` of parallel shards (``rulebook mutants --jobs N``) into one, rates recomputed;
    faults and variants in ``order`` (their names as registered)."""
    run = dict(documents[0]["run"]) if documents else {}
    run.update(seconds=round(seconds, 2), shards=len(documents),
               baseline_failed=sorted({rule for d in documents for rule in d["run"].get("baseline_failed", [])}),
               faults_seconds=round(sum(d["run"].get("faults_seconds", 0) for d in documents), 2),
               variants_seconds=round(sum(d["run"].get("variants_seconds", 0) for d in documents), 2))
    position = {name: index for index, name in enumerate(order)}
    mutants = sorted((m for d in documents for m in d["mutants"]), key=lambda m: position.get(m["fault"], 0))
    variants = sorted((v for d in documents for v in d["variants"]), key=lambda v: position.get(v["variant"], 0))
    return write_mutants(report_dir, mutants, run=run, variants=variants)
