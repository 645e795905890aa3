"""Fixtures for the drift reports' tests: real suite runs (a subset, in-process) and the official spec."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO.parent / "shared" / "specs" / "openai-openapi.yaml"
#: the suites subset the run-drift tests run: vector store list rules, fast and deterministic
SUBSET = ("-k", "test_vector_stores and (limit or order or object_type)")
#: a fault of the reference server, and the one rule it breaks
FAULT, FAULT_RULE = "vector_stores.list.accept_limit_out_of_range", "vector_stores.list.limit_range"


def copy_real_suites(root: Path) -> Path:
    shutil.copytree(REPO / "suites", root / "suites", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "specs" / "rules", root / "specs" / "rules")
    (root / "pytest.ini").write_text("[pytest]\nrulebook_catalog = specs/rules\nrulebook_suites = suites\n"
                                     "addopts = -p no:cacheprovider --import-mode=importlib\n"
                                     f"rulebook_spec = {SPEC}\n", encoding="utf-8")
    return root


def run_inline(root: Path, *args: str) -> int:
    """pytest in-process in ``root``; the modules it imported from ``root`` are dropped afterwards."""
    modules, path = set(sys.modules), list(sys.path)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        try:
            return int(pytest.main([*args, "-q", "-p", "no:cacheprovider", "--rootdir", str(root)]))
        finally:
            for name in set(sys.modules) - modules:
                file = getattr(sys.modules[name], "__file__", None) or ""
                if name == "suites" or name.startswith("suites.") or file.startswith(str(root)):
                    del sys.modules[name]
            sys.path[:] = path


@pytest.fixture(scope="session")
def three_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The subset run twice as it is, and once with ``FAULT`` on: reports under ``root/<name>/compliance.json``."""
    root = copy_real_suites(tmp_path_factory.mktemp("drift-runs"))
    codes = {
        "first": run_inline(root, *SUBSET, "suites", "--report-dir", "first"),
        "again": run_inline(root, *SUBSET, "suites", "--report-dir", "again"),
        "fault": run_inline(root, *SUBSET, "suites", "--fault", FAULT, "--report-dir", "fault"),
    }
    return {"root": root, "codes": codes,
            **{name: json.loads((root / name / "compliance.json").read_text(encoding="utf-8")) for name in codes}}


@pytest.fixture(scope="session")
def spec_document() -> dict[str, Any]:
    if not SPEC.is_file():
        pytest.skip(f"the official OpenAI spec is not at {SPEC}")
    from openai_rulebook.spec import load_spec

    return load_spec(SPEC)
