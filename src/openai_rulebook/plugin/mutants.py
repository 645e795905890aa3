"""The campaign: the suites once per reference-server fault, then once per variant, in one pytest session.

Collection, the server and the spec are paid for once. A baseline round runs every rule test and notes which rules
the server consulted during each (``Rules`` records them); a fault's round then re-runs only the tests that reached
the rule the fault breaks, since no other test can see a difference, and takes the others' results from the
baseline. A fault is *detected* when the rule it breaks fails; every other rule that fails (and passed at baseline)
is a hole in the suites' precision. A variant (a legal liberty of the server) must change no verdict: every rule
whose verdict moves is a hole in the suites' specificity; an ``area.off.*`` variant must turn that area's rules
``unsupported``, and may turn others only ``unsupported`` (rules whose tests need the area's endpoints).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from _pytest.runner import runtestprotocol

from openai_rulebook.reporting import write_mutants
from openai_rulebook.verdicts import TestResult, rule_verdicts

if TYPE_CHECKING:
    from openai_rulebook.plugin.plugin import RulebookState


def _run(items: list[pytest.Item], state: RulebookState, *, last_next: pytest.Item | None,
         consulted: dict[str, set[str]] | None = None) -> None:
    """Run ``items`` once, silently, adding their results to ``state.results``; note what each one consulted.

    pytest tears fixtures down according to the item that runs next: ``last_next`` is the first item of the next
    round, so that fixtures both rounds share (the session's, a module's) stay up in between.
    """
    server_state = state.server.state if state.server else None
    assert server_state is not None
    for index, item in enumerate(items):
        following = items[index + 1] if index + 1 < len(items) else last_next
        if following is item:
            # the same test opens the next round: pytest would keep it set up (its node is in its own chain), and
            # the next run would find its function fixtures unset (KeyError in the call); tear everything down
            following = None
        server_state.consulted.clear()
        runtestprotocol(item, log=False, nextitem=following)
        if consulted is not None:
            consulted[item.nodeid] = set(server_state.consulted)


def _verdicts(state: RulebookState, results: list[TestResult]) -> dict[str, str]:
    assert state.catalog is not None
    return {verdict.id: verdict.verdict for verdict in rule_verdicts(state.catalog, results)}


def _failed(verdicts: dict[str, str]) -> set[str]:
    return {rule_id for rule_id, verdict in verdicts.items() if verdict in ("fail", "error")}


def _reached(items: list[pytest.Item], consulted: dict[str, set[str]], note: str) -> list[pytest.Item]:
    return [item for item in items if note in consulted.get(item.nodeid, ())]


def _area_rules(catalog: Any, area: str) -> set[str]:
    """The rules an unmounted area takes with it: those whose endpoints all lie in the area (a rule of the area with
    an endpoint elsewhere, a listing served by another area too, is still judged there)."""
    from openai_rulebook.server.areas import AREAS

    routes = {_shape(f"{method} /v1{route.path}") for route in AREAS[area].routes for method in route.methods}
    return {rule.id for rule in catalog.rules
            if rule.endpoints and all(_shape(endpoint) in routes for endpoint in rule.endpoints)}


def _shape(endpoint: str) -> str:
    """``GET /v1/files/{file_id}`` -> ``GET /v1/files/{}``: endpoints compared whatever their parameters' names."""
    return re.sub(r"\{[^}]*\}", "{}", endpoint)


def run_mutants(session: pytest.Session, state: RulebookState) -> None:
    from openai_rulebook.server import FAULTS, VARIANTS
    from openai_rulebook.server.core.variants import NOTE_PREFIX

    config = session.config
    reporter = config.pluginmanager.get_plugin("terminalreporter")

    def write(line: str) -> None:  # flushed, so that a campaign's progress shows as it happens, even into a pipe
        if reporter is None:
            print(line, flush=True)
            return
        reporter.write_line(line)
        reporter.flush()
    select = config.getoption("mutants_select")
    assert state.catalog is not None
    faults = [fault for fault in FAULTS.values() if not select or select in fault.name or select in fault.rule]
    variants = [variant for variant in VARIANTS.values()
                if variant.legal and (not select or select in variant.name)]
    unknown = [f"{fault.name} -> {fault.rule}" for fault in faults if fault.rule not in state.catalog]
    if unknown:
        raise pytest.UsageError("faults naming rules that are not in the catalog: " + ", ".join(unknown))
    state.api()
    server_state = state.server.state if state.server else None
    assert server_state is not None

    started = time.monotonic()
    items = [item for item in session.items if item in state.items]
    consulted: dict[str, set[str]] = {}
    state.results = []
    write(f"baseline: running {len(items)} tests once without faults, then {len(faults)} fault(s)…")
    _run(items, state, last_next=None, consulted=consulted)  # None: nothing is known yet of what runs next
    baseline_results = list(state.results)
    baseline = _verdicts(state, baseline_results)
    baseline_failed = _failed(baseline)
    write(f"baseline: {len(baseline_results)} tests in {time.monotonic() - started:.1f} s, "
          f"{len(baseline_failed)} rule(s) failing without faults"
          + (f": {', '.join(sorted(baseline_failed))}" if baseline_failed else ""))
    # a test can behave differently under a fault (a variant) only if the server, during it, answered some request
    # in a way the fault (the variant) would have changed: only those tests are run again
    fault_rounds = [(fault, _reached(items, consulted, fault.rule)) for fault in faults]
    variant_rounds = [(variant, _reached(items, consulted, NOTE_PREFIX + variant.name)) for variant in variants]
    shard = _shard(config.getoption("mutants_shard"))
    if shard is not None:
        # a round's cost: the requests its tests sent at baseline (deterministic on the reference server, so every
        # shard computes the same split; test counts alone weigh a one-request test like a fifty-request one)
        sent = {result.nodeid: len(result.exchanges) + 1 for result in baseline_results}
        cost = lambda reached: sum(sent.get(item.nodeid, 1) for item in reached)  # noqa: E731
        mine = _balanced([(f.name, cost(r)) for f, r in fault_rounds] + [(v.name, cost(r)) for v, r in variant_rounds],
                         *shard)
        fault_rounds = [(f, r) for f, r in fault_rounds if f.name in mine]
        variant_rounds = [(v, r) for v, r in variant_rounds if v.name in mine]
        write(f"shard {shard[0]}/{shard[1]}: {len(fault_rounds)} fault(s), {len(variant_rounds)} variant(s)")
    firsts = [reached[0] for _, reached in fault_rounds + variant_rounds if reached]

    def play(reached: list[pytest.Item], *, faults: set[str], variants: set[str]) -> list[TestResult]:
        """One round from a fresh server; the results of the tests not run are the baseline's."""
        server_state.set_faults(faults)
        server_state.set_variants(variants)
        server_state.reset()
        state.results = []
        if reached:
            firsts.pop(0)
            _run(reached, state, last_next=firsts[0] if firsts else None)
        rerun = {result.nodeid for result in state.results}
        return [r for r in baseline_results if r.nodeid not in rerun] + state.results

    mutants: list[dict[str, Any]] = []
    faults_started = time.monotonic()
    for fault, reached in fault_rounds:
        round_started = time.monotonic()
        verdicts = _verdicts(state, play(reached, faults={fault.name}, variants=set()))
        failed = _failed(verdicts) - baseline_failed
        detected = verdicts.get(fault.rule) == "fail"
        others = sorted(failed - {fault.rule})
        mutants.append({
            "fault": fault.name,
            "rule": fault.rule,
            "description": fault.description,
            "detected": detected,
            "rule_verdict": verdicts.get(fault.rule, "skipped"),
            "other_rules_failed": others,
            "tests_run": len(reached),
            "other_failures": _evidence(state.results, set(others)),
            "seconds": round(time.monotonic() - round_started, 3),
        })
        mark = "detected" if detected else ("NOT DETECTED" if reached else "NOT DETECTED (no test reaches it)")
        write(f"{fault.name:55} {mark}{'' if not others else '; also failed: ' + ', '.join(others)}")
    faults_seconds = time.monotonic() - faults_started

    outcomes: list[dict[str, Any]] = []
    variants_started = time.monotonic()
    for variant, reached in variant_rounds:
        round_started = time.monotonic()
        verdicts = _verdicts(state, play(reached, faults=set(), variants={variant.name}))
        changed = {rule_id: {"baseline": baseline.get(rule_id), "verdict": verdict}
                   for rule_id, verdict in verdicts.items() if verdict != baseline.get(rule_id)}
        expected = _area_rules(state.catalog, variant.area) if variant.area else set()
        # with an area off, its rules turn unsupported; so may rules of other areas whose tests need the area's
        # endpoints (a vector store made of files, with files off): "the target lacks what it takes", never a
        # failure, an error or an inconclusive
        holes = sorted(rule_id for rule_id, change in changed.items()
                       if not (variant.area and change["verdict"] == "unsupported"))
        # an unmounted area's rules that still have a verdict of their own: the harness did not see it go
        missing = sorted(rule_id for rule_id in expected if baseline.get(rule_id) in ("pass", "fail", "error")
                         and verdicts.get(rule_id) != "unsupported")
        outcomes.append({
            "variant": variant.name,
            "description": variant.description,
            "area": variant.area,
            "specific": not holes and not missing,
            "changed": [{"rule": rule_id, **changed[rule_id]} for rule_id in holes],
            "unsupported": sorted(rule_id for rule_id in changed if rule_id not in holes),
            "not_unsupported": missing,
            "tests_run": len(reached),
            "failures": _evidence(state.results, set(holes)),
            "seconds": round(time.monotonic() - round_started, 3),
        })
        if variant.area:
            mark = (f"{len(expected) - len(missing)}/{len(expected)} area rules unsupported"
                    + (f"; not unsupported: {', '.join(missing[:6])}{' …' if len(missing) > 6 else ''}"
                       if missing else ""))
        else:
            mark = "passed unchanged" if not holes else ""
        if holes:
            mark += ("; " if variant.area else "") + "CHANGED: " + ", ".join(
                f"{rule_id} {changed[rule_id]['baseline']}->{changed[rule_id]['verdict']}" for rule_id in holes)
        write(f"{variant.name:55} {mark}")
    variants_seconds = time.monotonic() - variants_started
    server_state.set_faults(set())
    server_state.set_variants(set())
    server_state.reset()

    run = state.run_info()
    # the baseline ran every test once; state.results holds only the last round's
    run.update(tests=len(baseline_results), seconds=round(time.monotonic() - started, 2),
               faults_seconds=round(faults_seconds, 2), variants_seconds=round(variants_seconds, 2),
               baseline_failed=sorted(baseline_failed))
    path = write_mutants(Path(config.getoption("mutants")), mutants, run=run, variants=outcomes)
    missed = [m for m in mutants if not m["detected"]]
    imprecise = [m for m in mutants if m["other_rules_failed"]]
    unspecific = [v for v in outcomes if not v["specific"]]
    write(f"rulebook: {len(mutants) - len(missed)}/{len(mutants)} faults detected, {len(imprecise)} imprecise; "
          f"{len(outcomes) - len(unspecific)}/{len(outcomes)} variants passed unchanged; "
          f"{len(baseline_failed)} rule(s) failing at baseline; {time.monotonic() - started:.0f} s "
          f"(faults {faults_seconds:.0f} s, variants {variants_seconds:.0f} s); wrote {path}")
    session.testsfailed = len(missed) + len(imprecise) + len(unspecific) + len(baseline_failed)


def _shard(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        index, count = -1, 0
    if not 0 <= index < count:
        raise pytest.UsageError(f"--mutants-shard {text!r}: expected I/N with 0 <= I < N, e.g. 0/2")
    return index, count


def _balanced(rounds: list[tuple[str, int]], index: int, count: int) -> set[str]:
    """The names of the rounds shard ``index`` of ``count`` plays: the costliest round (most tests re-run) goes to the
    least loaded shard, in turn. Every shard computes the same split from the same (deterministic) baseline."""
    loads = [0] * count
    mine: set[str] = set()
    for name, cost in sorted(rounds, key=lambda item: (-item[1], item[0])):
        target = loads.index(min(loads))
        loads[target] += cost + 1  # a round costs its tests, and a little for the round itself
        if target == index:
            mine.add(name)
    return mine


def _evidence(results: list[TestResult], rules: set[str]) -> list[dict[str, str]]:
    """The failing tests of ``rules`` in one round, with the first line of what they said."""
    return [{"test": r.nodeid, "outcome": r.outcome, "message": r.message.splitlines()[0] if r.message else ""}
            for r in results if r.outcome != "pass" and set(r.rules) & rules]
