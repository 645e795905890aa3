"""Check every response the suites see against the official spec's response schemas.

A mismatch is not a verdict on a catalog rule (the rule tests judge those); it is drift between the API and the
spec, reported in ``compliance.json`` under ``spec_conformance``, grouped by operation, kind, schema location and
body location (array indices folded to ``*``), with a count and one sample each. Nulls the real API sends where
the spec's types forbid them are known spec drift (``null-drift-*`` gaps, with their real-traffic evidence):
counted under ``spec_drift``, never as mismatches. Against the reference server ``mismatches`` must be empty:
the harness's own tests hold it to that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

_INDEX = re.compile(r"/\d+(?=/|$)")


def _fold(instance_path: str) -> str:
    """``/data/3/expires_at`` -> ``/data/*/expires_at``: one group for every item of a list."""
    return _INDEX.sub("/*", instance_path)


@dataclass
class SpecCheck:
    path: Path | None
    current_test: str = ""
    checked: int = 0
    _mismatches: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)
    _drift: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)
    _validator: Any = None
    _problem: str = ""

    def _ready(self) -> bool:
        if self._validator is not None:
            return True
        if self._problem:
            return False
        if self.path is None or not self.path.is_file():
            self._problem = (f"no spec at {self.path}" if self.path else "no spec configured") + \
                "; pass --spec PATH or set RULEBOOK_SPEC to check responses against it"
            return False
        from openai_rulebook.spec import ResponseValidator, load_spec

        self._validator = ResponseValidator(load_spec(self.path))
        return True

    def check(self, request: httpx.Request, response: httpx.Response) -> None:
        if not self._ready():
            return
        content_type = response.headers.get("content-type", "")
        body = None
        if "json" in content_type:
            try:
                body = response.json()
            except ValueError:
                body = None
        checked = self._validator.check(method=request.method, path=request.url.path,
                                        status=response.status_code, content_type=content_type, body=body)
        self.checked += 1
        for problem in checked.mismatches:
            at = _fold(problem.instance_path)
            key = (problem.operation_id, problem.kind, problem.schema_path, at)
            self._count(self._mismatches, key, {
                "operation": problem.operation_id, "kind": problem.kind, "schema_path": problem.schema_path,
                "at": at,
            }, problem, message=problem.message)
        for drift in checked.drift:
            at = _fold(drift.instance_path)
            key = (drift.gap, drift.operation_id, drift.schema_path, at)
            self._count(self._drift, key, {
                "gap": drift.gap, "operation": drift.operation_id, "schema_path": drift.schema_path, "at": at,
            }, drift, message="null")

    def _count(self, groups: dict[tuple[Any, ...], dict[str, Any]], key: tuple[Any, ...], head: dict[str, Any],
               finding: Any, *, message: str) -> None:
        group = groups.get(key)
        if group is None:
            group = groups[key] = {**head, "count": 0, "sample": {
                "test": self.current_test, "request": f"{finding.method} {finding.path}", "status": finding.status,
                "at": finding.instance_path, "message": message,
            }}
        group["count"] += 1

    def summary(self) -> dict[str, Any]:
        if self._validator is None:
            return {"checked": 0, "spec": str(self.path) if self.path else None,
                    "reason": self._problem or "no response was checked"}
        evidence = {gap.id: list(gap.evidence) for gap in _gaps()}
        drift = [{**group, "evidence": evidence.get(group["gap"], [])} for group in _ordered(self._drift)]
        return {
            "spec": str(self.path),
            "responses_checked": self.checked,
            "mismatch_count": sum(group["count"] for group in self._mismatches.values()),
            "mismatches": _ordered(self._mismatches),
            "drift_count": sum(group["count"] for group in self._drift.values()),
            "spec_drift": drift,
            "known_gaps_applied": list(getattr(self._validator, "gaps_applied", [])),
        }


def _ordered(groups: dict[tuple[Any, ...], dict[str, Any]]) -> list[dict[str, Any]]:
    """Most frequent first; ties by operation and location, so that reports diff well."""
    return sorted(groups.values(), key=lambda g: (-g["count"], str(g["operation"]), g["schema_path"], g["at"]))


def _gaps() -> tuple[Any, ...]:
    from openai_rulebook.spec import KNOWN_GAPS

    return KNOWN_GAPS
