"""Fixtures for the spec tests: the real OpenAI spec, loaded once per session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from openai_rulebook.spec import ResponseValidator, load_spec

SPEC_PATH = Path(__file__).resolve().parents[3] / "shared" / "specs" / "openai-openapi.yaml"


@pytest.fixture(scope="session")
def spec_path() -> Path:
    """The official OpenAPI spec; the tests that need it are skipped when it is absent."""
    if not SPEC_PATH.is_file():
        pytest.skip(f"the official OpenAI spec is not at {SPEC_PATH}; these tests need it")
    return SPEC_PATH


@pytest.fixture(scope="session")
def spec(spec_path: Path) -> dict[str, Any]:
    return load_spec(spec_path)


@pytest.fixture(scope="session")
def validator(spec: dict[str, Any]) -> ResponseValidator:
    return ResponseValidator(spec)


@pytest.fixture(scope="session")
def raw_validator(spec: dict[str, Any]) -> ResponseValidator:
    """The spec as written: no known gap patched in."""
    return ResponseValidator(spec, gaps=())


@pytest.fixture
def vector_store() -> dict[str, Any]:
    return {
        "id": "vs_abc123",
        "object": "vector_store",
        "created_at": 1699061776,
        "name": "Support FAQ",
        "usage_bytes": 139920,
        "file_counts": {"in_progress": 0, "completed": 3, "failed": 0, "cancelled": 0, "total": 3},
        "status": "completed",
        "expires_at": None,
        "last_active_at": 1699061776,
        "metadata": {},
    }
