"""A malformed response is a finding, never a harness error.

The real suites run against the reference server under its two illegal variants, which null, or drop, every member
of every JSON object but ``id`` and ``object``. Every test must end as a rule violation, an inconclusive or a skip:
a ``TypeError`` or ``KeyError`` in a test (verdict ``error``) would tell the user "the harness broke" where the
truth is "the server sent X".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import copy_real_suites, read_compliance, run_inline

VARIANTS = ("responses.malformed_nulls", "responses.malformed_missing")


@pytest.mark.parametrize("variant", VARIANTS)
def test_malformed_responses_are_violations_not_harness_errors(tmp_path: Path, variant: str) -> None:
    root = copy_real_suites(tmp_path, spec=True)
    run_inline(root, "suites", "--variant", variant, "--report-dir", "reports")
    document = read_compliance(root / "reports")
    errors = {evidence["test"]: evidence.get("message", "").splitlines()[0]
              for rule in document["rules"] for evidence in rule["evidence"] if evidence["outcome"] == "error"}
    assert errors == {}
    assert document["summary"]["fail"] > 0, "the variant broke nothing: it no longer malforms responses"


def test_a_list_with_duplicates_fails_only_list_rules(tmp_path: Path) -> None:
    """Under ``lists.duplicates`` (every list page repeats an item) only the rules of lists fail: a test that reads a
    list to check another rule (a store's files, a batch's files) holds the list to its own rules first and ends
    inconclusive, with the broken list as evidence."""
    root = copy_real_suites(tmp_path, spec=True)
    run_inline(root, "suites", "--variant", "lists.duplicates", "--report-dir", "reports", "-k", "not openapi")
    document = read_compliance(root / "reports")
    failed = {rule["id"] for rule in document["rules"] if rule["verdict"] in ("fail", "error")}
    assert failed and all(".list." in rule_id for rule_id in failed), sorted(failed)
    inconclusive = {rule["id"]: rule for rule in document["rules"] if rule["verdict"] == "inconclusive"}
    assert "vector_stores.file_ids_range" in inconclusive
    assert any("more than once" in e.get("message", "") for e in inconclusive["vector_stores.file_ids_range"]["evidence"])
