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
    assert {variant["variant"] for variant in document["variants"]} == {v.name for v in VARIANTS.values() if v.legal}
    assert {v["variant"]: (v["changed"], v["not_unsupported"]) for v in document["variants"] if not v["specific"]} == {}
    assert document["specificity_rate"] == 1.0
    assert code == 0, output[-3000:]


def test_shards_split_the_rounds_once_each_and_balance_their_cost() -> None:
    """Each round goes to exactly one shard; the costliest rounds spread over the shards first."""
    from openai_rulebook.plugin.mutants import _balanced

    rounds = [("a", 500), ("b", 400), ("c", 100), ("d", 90), ("e", 10), ("f", 0)]
    shards = [_balanced(rounds, index, 2) for index in range(2)]
    assert shards[0] | shards[1] == {name for name, _ in rounds} and not shards[0] & shards[1]
    cost = [sum(c for name, c in rounds if name in shard) for shard in shards]
    assert abs(cost[0] - cost[1]) <= 100


def test_a_bad_shard_is_a_usage_error() -> None:
    from openai_rulebook.plugin.mutants import _shard

    assert _shard("1/2") == (1, 2)
    for text in ("2/2", "x", "1/0", "-1/2"):
        with pytest.raises(pytest.UsageError, match="I/N"):
            _shard(text)


def test_merged_shards_recompute_the_rates(tmp_path) -> None:
    """Two shards' mutants.json make one, in registry order, with rates over all of them."""
    import json

    from openai_rulebook.reporting import merge_mutants

    def shard(mutants, variants, failed=()):
        return {"run": {"tests": 10, "baseline_failed": list(failed), "faults_seconds": 1, "variants_seconds": 2},
                "mutants": mutants, "variants": variants}

    fault = lambda name, ok: {"fault": name, "detected": ok, "other_rules_failed": []}  # noqa: E731
    variant = lambda name, ok: {"variant": name, "specific": ok}  # noqa: E731
    path = merge_mutants(tmp_path, [shard([fault("f2", True)], [variant("v1", True)]),
                                    shard([fault("f1", False)], [variant("v2", False)], ["r"])],
                         seconds=3.0, order=["f1", "f2", "v1", "v2"])
    document = json.loads(path.read_text())
    assert [m["fault"] for m in document["mutants"]] == ["f1", "f2"]
    assert document["detection_rate"] == 0.5 and document["specificity_rate"] == 0.5
    assert document["run"]["baseline_failed"] == ["r"] and document["run"]["shards"] == 2
