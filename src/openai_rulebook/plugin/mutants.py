"""The fault campaign: the suites once per reference-server fault, in one pytest session.

Collection, the server and the spec are paid for once. A baseline round runs every rule test and notes which rules
the server consulted during each (``Rules`` records them); a fault's round then re-runs only the tests that reached
the rule the fault breaks, since no other test can see a difference, and takes the others' results from the
baseline. A fault is *detected* when the rule it breaks fails; every other rule that fails (and passed at baseline)
is a hole in the suites' precision.
"""

from __future__ import annotations

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
        server_state.consulted.clear()
        runtestprotocol(item, log=False, nextitem=following)
        if consulted is not None:
            consulted[item.nodeid] = set(server_state.consulted)


def _verdicts(state: RulebookState, results: list[TestResult]) -> dict[str, str]:
    assert state.catalog is not None
    return {verdict.id: verdict.verdict for verdict in rule_verdicts(state.catalog, results)}


def _failed(verdicts: dict[str, str]) -> set[str]:
    return {rule_id for rule_id, verdict in verdicts.items() if verdict in ("fail", "error")}


def run_mutants(session: pytest.Session, state: RulebookState) -> None:
    from openai_rulebook.server import FAULTS

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
    baseline_failed = _failed(_verdicts(state, baseline_results))
    write(f"baseline: {len(baseline_results)} tests in {time.monotonic() - started:.1f} s, "
          f"{len(baseline_failed)} rule(s) failing without faults"
          + (f": {', '.join(sorted(baseline_failed))}" if baseline_failed else ""))
    # only tests during which the server consulted the fault's rule can behave differently with the fault on
    rounds = [(fault, [item for item in items if fault.rule in consulted.get(item.nodeid, ())]) for fault in faults]
    firsts = [reached[0] for _, reached in rounds if reached]
    mutants: list[dict[str, Any]] = []
    for fault, reached in rounds:
        server_state.reset()
        server_state.set_faults({fault.name})
        round_started = time.monotonic()
        state.results = []
        if reached:
            firsts.pop(0)
            _run(reached, state, last_next=firsts[0] if firsts else None)
        rerun = {result.nodeid for result in state.results}
        results = [r for r in baseline_results if r.nodeid not in rerun] + state.results
        verdicts = _verdicts(state, results)
        failed = _failed(verdicts) - baseline_failed
        detected = verdicts.get(fault.rule) == "fail"
        others = sorted(failed - {fault.rule})
        evidence = [{"test": r.nodeid, "outcome": r.outcome, "message": r.message.splitlines()[0] if r.message else ""}
                    for r in state.results if r.outcome in ("fail", "error") and set(r.rules) & set(others)]
        mutants.append({
            "fault": fault.name,
            "rule": fault.rule,
            "description": fault.description,
            "detected": detected,
            "rule_verdict": verdicts.get(fault.rule, "skipped"),
            "other_rules_failed": others,
            "tests_run": len(reached),
            "other_failures": evidence,
            "seconds": round(time.monotonic() - round_started, 3),
        })
        mark = "detected" if detected else ("NOT DETECTED" if reached else "NOT DETECTED (no test reaches it)")
        write(f"{fault.name:55} {mark}{'' if not others else '; also failed: ' + ', '.join(others)}")
    server_state.set_faults(set())
    server_state.reset()

    run = state.run_info()
    # the baseline ran every test once; state.results holds only the last fault's round
    run.update(tests=len(baseline_results), seconds=round(time.monotonic() - started, 2),
               baseline_failed=sorted(baseline_failed))
    path = write_mutants(Path(config.getoption("mutants")), mutants, run=run)
    missed = [m for m in mutants if not m["detected"]]
    imprecise = [m for m in mutants if m["other_rules_failed"]]
    write(f"rulebook: {len(mutants) - len(missed)}/{len(mutants)} faults detected, {len(imprecise)} imprecise, "
          f"{len(baseline_failed)} rule(s) failing at baseline; wrote {path}")
    session.testsfailed = len(missed) + len(imprecise) + len(baseline_failed)

