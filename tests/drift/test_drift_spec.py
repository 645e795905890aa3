"""``drift spec``: every disputed rule shows up; nothing shows up without evidence; prose limits are read;
``--against`` maps a spec change to the rules it touches."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from openai_rulebook.catalog import load_catalog
from openai_rulebook.cli import main
from openai_rulebook.drift.spec import STATUSES, spec_drift
from openai_rulebook.drift.spec_diff import spec_changes
from openai_rulebook.drift.spec_lookup import prose_limits

from .conftest import REPO, SPEC

CATALOG = REPO / "specs" / "rules"


@pytest.fixture(scope="module")
def report(spec_document: dict[str, Any]) -> dict[str, Any]:
    return spec_drift(load_catalog(CATALOG), spec_document, spec_label=str(SPEC))


def test_every_disputed_rule_shows_up_with_its_dispute(report: dict[str, Any]) -> None:
    catalog = load_catalog(CATALOG)
    disputed = {rule.id: rule.disputed.strip() for rule in catalog.rules if rule.disputed}
    shown = {rule["rule"]: rule.get("disputed") for rule in report["rules"]}
    assert disputed, "the catalog has no disputed rule: the test proves nothing"
    assert {rule_id: shown.get(rule_id) for rule_id in disputed} == disputed
    assert report["disputed"] == len(disputed)


def test_nothing_shows_up_that_no_source_supports(report: dict[str, Any]) -> None:
    for rule in report["rules"]:
        assert rule["status"] in STATUSES
        if rule.get("disputed"):
            continue
        if rule["status"] in ("agree", "differs", "text-only"):
            assert rule.get("comparisons") or rule.get("observed"), rule
        for item in rule.get("comparisons", []):
            if item["status"] == "differs":  # both values shown, one of them from the spec or its text
                assert "spec" in item or "text" in item, item


@pytest.mark.parametrize(("rule_id", "status"), [
    ("vector_stores.list.limit_range", "text-only"),  # 1..100 only in the description
    ("vector_stores.list.order_values", "agree"),  # enum [asc, desc]
    ("vector_stores.expires_after_range", "agree"),  # days: minimum 1, maximum 365
    ("batches.endpoint_values", "differs"),  # the spec lists more endpoints than the rulebook
])
def test_known_rules_get_their_status(report: dict[str, Any], rule_id: str, status: str) -> None:
    assert next(rule for rule in report["rules"] if rule["rule"] == rule_id)["status"] == status


def test_prose_limits() -> None:
    assert prose_limits("Limit can range between 1 and 100, and the default is 20.") == \
        {"min": 1, "max": 100, "default": 20}
    assert prose_limits("Sampling temperature, limited to [0.6, 1.2]. Defaults to 0.8.") == \
        {"min": 0.6, "max": 1.2, "default": 0.8}
    assert prose_limits("a maximum of 300,000 tokens summed across all inputs") == {}  # tokens bound no value
    assert prose_limits("between 1 and 10,000, and the default is 10,000.") == \
        {"min": 1, "max": 10000, "default": 10000}


def test_observations_outside_the_catalog_are_a_difference(spec_document: dict[str, Any]) -> None:
    observed = {"operations": {"GET /v1/vector_stores": {"enums": {"data[].object": ["vector_store", "vs"]}}},
                "rules": {"vector_stores.object_type": {"statuses": [200]}}}
    report = spec_drift(load_catalog(CATALOG), spec_document, observations=observed)
    rule = next(rule for rule in report["rules"] if rule["rule"] == "vector_stores.object_type")
    assert rule["status"] == "differs"
    assert rule["observed"]["outside_catalog"] == {"object": ["vs"]}


def test_a_spec_change_names_the_rules_on_that_parameter(spec_document: dict[str, Any]) -> None:
    old = copy.deepcopy(spec_document)
    old["paths"]["/vector_stores"]["get"]["parameters"][0]["schema"]["maximum"] = 50
    changes = spec_changes(load_catalog(CATALOG), old, spec_document)
    assert changes["operations_changed"] == 1
    assert changes["rules_whose_param_changed"] == ["vector_stores.list.limit_default",
                                                    "vector_stores.list.limit_range"]
    [operation] = changes["operations"]
    assert operation["changes"] == [{"at": "params.limit:maximum", "before": 50, "after": None}]
    assert spec_changes(load_catalog(CATALOG), spec_document, spec_document)["operations"] == []


def test_the_command_writes_json_and_markdown(spec_document: dict[str, Any], tmp_path: Path, capsys: Any) -> None:
    assert main(["drift", "spec", "--spec", str(SPEC), "--catalog", str(CATALOG), "--format", "json",
                 "--output", str(tmp_path / "d.json")]) == 0
    document = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert document["schema"] == "rulebook.drift-spec/1" and document["rules"]
    assert main(["drift", "spec", "--spec", str(SPEC), "--catalog", str(CATALOG), "--against", str(SPEC),
                 "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "| `batches.endpoint_values` | differs |" in out and "0 operation(s) changed" in out
