"""What a session gathered for its reports, and the same from several pytest-xdist workers joined into one.

One process (``pytest suites``) gathers its results, controls, probes, schema checks and observations itself. Under
pytest-xdist (``-n 2``) each worker runs its share of the tests against its own reference server; at its end it
sends what it gathered to the controller as JSON (xdist's ``workeroutput``), and the controller joins the workers'
parts and judges the rules once, as if one process had run every test: a rule's verdict rolls up the results of
every worker, an endpoint that accepted a request on any worker is a control for every refusal, a test that no
worker finished is "not run" with its reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from openai_rulebook.capabilities import Probe
from openai_rulebook.reporting.merge import merge_observations, merge_probes, merge_spec
from openai_rulebook.verdicts import TestResult

#: the key of ``workeroutput`` a worker's part travels under
WORKER_KEY = "rulebook"


@dataclass
class Gathered:
    """Everything the reports of one run need beside the catalog."""

    results: list[TestResult] = field(default_factory=list)
    #: every rule test collected (node id, rule ids), to tell which never finished
    items: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    #: rules of tests that -k/-m deselected; rules outside --areas
    deselected: set[str] = field(default_factory=set)
    out_of_areas: set[str] = field(default_factory=set)
    #: catalog endpoints that answered 2xx at least once: the controls of every rejection
    accepted: set[str] = field(default_factory=set)
    probes: dict[str, Probe] = field(default_factory=dict)
    not_served: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the ``spec_conformance`` section; the observations without their per-rule part (made from ``results``)
    spec: dict[str, Any] = field(default_factory=dict)
    observations: dict[str, Any] | None = None
    leftovers: list[str] = field(default_factory=list)

    def not_run_reasons(self) -> dict[str, str]:
        """Why a rule that has tests got no result: deselected, or the session stopped before its tests."""
        reasons = {rule_id: "its tests were deselected in this run (-k, -m)" for rule_id in self.deselected}
        reasons.update({rule_id: "its area is not among --areas" for rule_id in self.out_of_areas})
        finished = {result.nodeid for result in self.results}
        for nodeid, rule_ids in self.items:
            if nodeid not in finished:
                for rule_id in rule_ids:
                    reasons.setdefault(rule_id, "its tests did not run: the session stopped early (-x, --maxfail, ^C)")
        return reasons

    # -- one worker's part, as JSON -------------------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps({
            "results": [asdict(result) for result in self.results],
            "items": [[nodeid, list(rule_ids)] for nodeid, rule_ids in self.items],
            "deselected": sorted(self.deselected),
            "out_of_areas": sorted(self.out_of_areas),
            "accepted": sorted(self.accepted),
            "probes": {endpoint: {"supported": probe.supported, "status": probe.status,
                                  "evidence": dict(probe.evidence)} for endpoint, probe in self.probes.items()},
            "not_served": self.not_served,
            "spec": self.spec,
            "observations": self.observations,
            "leftovers": self.leftovers,
        })


def _result(data: Mapping[str, Any]) -> TestResult:
    return TestResult(**{**data, "rules": tuple(data["rules"]), "violated": tuple(data["violated"]),
                         "refused": tuple(data["refused"])})


def join(parts: Iterable[str]) -> Gathered:
    """The parts the workers sent (``Gathered.to_json``), joined into what one process running them all gathers."""
    loaded = [json.loads(part) for part in parts]
    items: dict[str, tuple[str, ...]] = {}
    for part in loaded:  # every worker collects every test; each runs its share
        items.update((nodeid, tuple(rule_ids)) for nodeid, rule_ids in part["items"])
    observations = [part["observations"] for part in loaded if part["observations"]]
    return Gathered(
        results=[_result(result) for part in loaded for result in part["results"]],
        items=list(items.items()),
        deselected={rule_id for part in loaded for rule_id in part["deselected"]},
        out_of_areas={rule_id for part in loaded for rule_id in part["out_of_areas"]},
        accepted={endpoint for part in loaded for endpoint in part["accepted"]},
        probes={endpoint: Probe(endpoint, found["supported"], found["status"], found["evidence"])
                for endpoint, found in merge_probes([part["probes"] for part in loaded]).items()},
        not_served={endpoint: evidence for part in loaded for endpoint, evidence in part["not_served"].items()},
        spec=merge_spec([part["spec"] for part in loaded]),
        observations=merge_observations(observations) if observations else None,
        leftovers=[left for part in loaded for left in part["leftovers"]],
    )
