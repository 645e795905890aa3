"""Fixtures for calibrating the harness on real traffic: the corpus, the catalog and the spec, once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from openai_rulebook.catalog import Catalog, load_catalog
from openai_rulebook.spec import ResponseValidator, load_spec
from openai_rulebook.traffic import Corpus, default_corpus_path

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT.parent / "shared" / "specs" / "openai-openapi.yaml"
#: the corpus files holding the API areas the harness tests (uploads and search were never recorded)
FAMILIES = ("vector_stores", "files", "batches", "chat", "images", "audio", "responses", "embeddings", "completions", "moderations", "models", "fine_tuning")


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    path = default_corpus_path(ROOT)
    if not path.is_dir():
        pytest.skip(f"no real-traffic corpus at {path}; set RULEBOOK_TRAFFIC to calibrate on it")
    return Corpus(path)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(ROOT / "specs" / "rules")


@pytest.fixture(scope="session")
def validator() -> ResponseValidator:
    if not SPEC_PATH.is_file():
        pytest.skip(f"the official OpenAI spec is not at {SPEC_PATH}")
    return ResponseValidator(load_spec(SPEC_PATH))


@pytest.fixture(scope="session")
def raw_validator(validator: ResponseValidator) -> ResponseValidator:
    """The spec as written: no known gap patched in."""
    return ResponseValidator(load_spec(SPEC_PATH), gaps=())
