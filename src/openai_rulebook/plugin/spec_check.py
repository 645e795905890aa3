"""Check every response the suites see against the official spec's response schemas.

A mismatch is not a verdict on a catalog rule (the rule tests judge those); it is drift between the API and the
spec, reported in ``compliance.json`` under ``spec_conformance``. Against the reference server it must be empty:
the harness's own tests hold it to that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

_MAX_MISMATCHES = 200


@dataclass
class SpecCheck:
    path: Path | None
    current_test: str = ""
    checked: int = 0
    mismatches: list[dict[str, Any]] = field(default_factory=list)
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
        problems = self._validator.validate(method=request.method, path=request.url.path,
                                            status=response.status_code, content_type=content_type, body=body)
        self.checked += 1
        for problem in problems:
            if len(self.mismatches) < _MAX_MISMATCHES:
                self.mismatches.append({
                    "test": self.current_test,
                    "operation": problem.operation_id,
                    "request": f"{problem.method} {problem.path}",
                    "status": problem.status,
                    "at": problem.instance_path,
                    "message": problem.message,
                })

    def summary(self) -> dict[str, Any]:
        if self._validator is None:
            return {"checked": 0, "spec": str(self.path) if self.path else None,
                    "reason": self._problem or "no response was checked"}
        return {"spec": str(self.path), "responses_checked": self.checked, "mismatches": self.mismatches,
                "known_gaps_applied": list(getattr(self._validator, "gaps_applied", []))}
