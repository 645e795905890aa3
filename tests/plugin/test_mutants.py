"""The fault campaign: the real suites detect every fault of the reference server, and no fault fails another rule."""

from __future__ import annotations

import pytest

from openai_rulebook.server import FAULTS, VARIANTS

from .conftest import Campaign


@pytest.mark.campaign
def test_every_fault_is_detected_and_no_variant_changes_a_verdict(campaign: Campaign,
                                                                     pytestconfig: pytest.Config) -> None:
    """``rulebook mutants`` over all faults and variants: detection rate 1.0, no imprecise fault, specificity 1.0,
    nothing failing at baseline."""
    capture = pytestconfig.pluginmanager.getplugin("capturemanager")

    def show(line: str) -> None:  # the campaign's lines as they come, not minutes of silence
        with capture.global_and_fixture_disabled():
            print(f"  campaign: {line}", flush=True)

    code, output, document = campaign.result(progress=show)
    assert document["run"]["tests"] > 3, "mutants.json counts the baseline's tests, not the last round's"
    assert document, f"no mutants.json was written; the campaign said:\n{output[-3000:]}"
    assert document["schema"] == "rulebook.mutants/1"
    assert document["run"]["baseline_failed"] == []
    assert {mutant["fault"] for mutant in document["mutants"]} == set(FAULTS)
    assert [m["fault"] for m in document["mutants"] if not m["detected"]] == []
    assert {m["fault"]: m["other_rules_failed"] for m in document["mutants"] if m["other_rules_failed"]} == {}
    assert document["detection_rate"] == 1.0
    # variants: legal liberties of the server; none may change a verdict (an unmounted area: exactly its rules
    # turn unsupported)
    assert {variant["variant"] for variant in document["variants"]} == set(VARIANTS)
    assert {v["variant"]: (v["changed"], v["not_unsupported"]) for v in document["variants"] if not v["specific"]} == {}
    assert document["specificity_rate"] == 1.0
    assert code == 0, output[-3000:]
