"""``rulebook plan``: the catalog's cost estimates summed over what a run would select, bounded by ``--budget``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openai_rulebook import exits
from openai_rulebook.catalog import load_catalog
from openai_rulebook.cli import main
from openai_rulebook.plan import make_plan

CATALOG = """\
rules:
  - id: demo.free_list
    source: openapi
    statement: A free rule, which costs nothing.
    kind: enforced
    tier: free
  - id: demo.cheap_chat
    source: openapi
    statement: A cheap rule with its estimate.
    kind: contract
    tier: cheap
    cost_usd: 0.0004
  - id: demo.paid_image
    source: openapi
    statement: A paid rule with its estimate.
    kind: enforced
    tier: paid
    cost_usd: 0.02
  - id: other.cheap_unknown
    source: openapi
    statement: A cheap rule nobody estimated.
    kind: enforced
    tier: cheap
  - id: other.advice
    source: openapi
    statement: An advisory rule is never run.
    kind: advisory
    tier: paid
    why_not_checkable: it is advice
"""


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(CATALOG, encoding="utf-8")
    return path


def test_the_plan_sums_the_selected_tiers_and_names_rules_without_an_estimate(catalog: Path) -> None:
    rules = load_catalog(catalog).rules
    plan = make_plan(rules, frozenset({"free", "cheap"}))
    assert plan.total == pytest.approx(0.0004) and plan.rules == 3
    assert plan.unestimated == ["other.cheap_unknown"]
    everything = make_plan(rules, frozenset({"free", "cheap", "paid"}), frozenset({"demo"}))
    assert everything.total == pytest.approx(0.0204) and everything.unestimated == []


def test_the_command_prints_json_and_bounds_the_budget(catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--catalog", str(catalog), "--tiers", "free,cheap,paid", "--areas", "demo", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["total_usd"] == pytest.approx(0.0204) and plan["complete"] is True
    assert {(row["area"], row["tier"]) for row in plan["rows"]} == {("demo", "free"), ("demo", "cheap"),
                                                                     ("demo", "paid")}
    assert main(["plan", "--catalog", str(catalog), "--tiers", "paid", "--budget", "0.01"]) == exits.RULE_FAILED
    assert main(["plan", "--catalog", str(catalog), "--tiers", "paid", "--budget", "1"]) == exits.OK
    # an estimate that is only a lower bound never passes a budget
    assert main(["plan", "--catalog", str(catalog), "--budget", "1"]) == exits.RULE_FAILED
    out = capsys.readouterr().out
    assert "no estimate for 1 paying rule(s): other.cheap_unknown" in out and "at least $" in out


def test_an_unknown_area_is_a_usage_error_with_the_nearest_name(catalog: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--catalog", str(catalog), "--areas", "dmo"]) == exits.USAGE
    assert "did you mean 'demo'" in capsys.readouterr().err


def test_an_exchange_costs_its_usage_at_its_models_rates_and_a_rejection_nothing() -> None:
    from openai_rulebook.costs import exchange_cost

    chat = json.dumps({"model": "gpt-4o-mini-2024-07-18", "usage": {"prompt_tokens": 1000, "completion_tokens": 100}})
    assert exchange_cost("/v1/chat/completions", 200, None, chat) == pytest.approx((1000 * 0.15 + 100 * 0.6) / 1e6)
    assert exchange_cost("/v1/chat/completions", 400, None, chat) == 0.0
    stream = ('data: {"model":"gpt-4o-mini","choices":[]}\n\n'
              'data: {"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":2}}\n\n'
              "data: [DONE]\n\n")
    assert exchange_cost("/v1/chat/completions", 200, None, stream) == pytest.approx((10 * 0.15 + 2 * 0.6) / 1e6)
    assert exchange_cost("/v1/images/generations", 200, '{"model": "dall-e-2"}', '{"data": []}') == 0.016
    # a stream without a usage chunk: a token per chunk with text, the request's words by the bundled tokenizer
    chunks = "".join(f'data: {{"model":"gpt-4o-mini","choices":[{{"index":0,"delta":{{"content":"{word}"}}}}]}}\n\n'
                     for word in ("Hi", " there"))
    sent = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hi."}]})
    assert exchange_cost("/v1/chat/completions", 200, sent, chunks + "data: [DONE]\n\n") == pytest.approx(
        (3 * 0.15 + 2 * 0.6) / 1e6)
    assert exchange_cost("/v1/vector_stores", 200, None, '{"object": "vector_store"}') == 0.0


def test_measured_estimates_are_written_after_the_tier_keeping_the_rest(tmp_path: Path, catalog: Path) -> None:
    from openai_rulebook.costs import rule_costs, write_costs

    cassette = tmp_path / "test_demo" / "test_chat.yaml"
    cassette.parent.mkdir()
    usage = json.dumps({"model": "gpt-4o-mini", "usage": {"prompt_tokens": 2000, "completion_tokens": 0}})
    cassette.write_text(
        "interactions:\n"
        "- request: {uri: 'http://127.0.0.1:1/v1/chat/completions', body: '{}', method: POST}\n"
        f"  response: {{status: {{code: 200}}, body: {{string: '{usage}'}}}}\n", encoding="utf-8")
    costs = rule_costs({"suites/test_demo.py::test_chat": ["demo.cheap_chat", "other.cheap_unknown"]},
                       {"suites/test_demo.py::test_chat": cassette})
    assert costs == {"demo.cheap_chat": pytest.approx(0.00015), "other.cheap_unknown": pytest.approx(0.00015)}
    before = catalog.read_text(encoding="utf-8")
    assert write_costs([catalog], {"demo.cheap_chat": 0.00015, "other.cheap_unknown": 0.00000012}) == [
        "demo.cheap_chat", "other.cheap_unknown"]
    rules = {rule.id: rule for rule in load_catalog(catalog).rules}
    assert rules["demo.cheap_chat"].cost_usd == 0.00015 and rules["other.cheap_unknown"].cost_usd == 0.000001
    assert catalog.read_text(encoding="utf-8").count("cost_usd") == before.count("cost_usd") + 1
