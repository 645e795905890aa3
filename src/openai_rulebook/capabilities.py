"""What the target serves: a probe of every catalog endpoint the run needs, and the per-area capability table.

The probe runs once, before the first test (and is recorded like a test, so that replay sees the same answers). It
asks the target for a URL that exists nowhere, to learn its route-not-found answer (``routes.RouteCheck``), then
sends each endpoint one harmless request: ids that name nothing, ``{}`` as the body of a POST (whatever it creates is
deleted at once). An endpoint whose answer is the route-not-found answer (or a 405/501) is *unsupported*; anything
else (200, 400, 401, 404 "no such object", 415, ...) says the route is there.

A rule whose endpoints are all unsupported is ``unsupported``; a rule with some endpoints unsupported is checked on
the others. The capability table says, per API area, which endpoints are served and how the served ones fare.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from openai_rulebook.client import ApiClient
from openai_rulebook.endpoints import Endpoint
from openai_rulebook.errors import Inconclusive

#: what fills a path placeholder in a probe: an id that names nothing on any server
PROBE_ID = "rulebook-probe-0"


@dataclass(frozen=True)
class Probe:
    """What the probe found for one catalog endpoint."""

    endpoint: str
    supported: bool
    status: int | None
    #: the request and the answer, as evidence for an ``unsupported`` verdict
    evidence: Mapping[str, Any]


def probe(client: ApiClient, endpoints: Iterable[str]) -> dict[str, Probe]:
    """Probe each endpoint once; the client learns the target's route-not-found answer first."""
    check = client.route_check or client.learn_routes()
    found: dict[str, Probe] = {}
    for text in dict.fromkeys(endpoints):
        endpoint = Endpoint.parse(text)
        path = endpoint.path(**dict.fromkeys(endpoint.placeholders, PROBE_ID))
        try:
            response = client.request(endpoint.method, path, json_body=endpoint.empty_body(), probing=True)
        except Inconclusive as exc:  # unanswered: not evidence of a missing route, so the tests will find out
            found[text] = Probe(text, True, None, {"request": f"{endpoint.method} {path}", "error": str(exc)})
            continue
        found[text] = Probe(text, not check.not_served(response), response.status_code,
                            client.exchanges[-1].summary())
    return found


def unsupported_reason(endpoints: Iterable[str], probes: Mapping[str, Probe]) -> str | None:
    """Why a test about ``endpoints`` cannot run, when the probe found every one of them unsupported; else None."""
    wanted = [endpoint for endpoint in dict.fromkeys(endpoints) if endpoint in probes]
    if not wanted or any(probes[endpoint].supported for endpoint in wanted):
        return None
    shown = ", ".join(f"{e} ({probes[e].status})" for e in wanted[:3]) + (" …" if len(wanted) > 3 else "")
    return f"the target does not serve {shown}: it answers as it answers a URL that exists nowhere"


def capability_table(rules: Iterable[Mapping[str, Any]], probes: Mapping[str, Probe],
                     not_served: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per area: endpoints served, missing and unprobed; status supported/partial/unsupported; pass rate.

    ``rules`` are compliance.json rule entries (id, area, endpoints, verdict); ``not_served`` are endpoints the tests
    found missing after the probe. The pass rate counts rules that were judged (pass or fail) on served endpoints.
    """
    areas: dict[str, dict[str, Any]] = {}
    for rule in rules:
        area = areas.setdefault(rule["area"], {"area": rule["area"], "endpoints": {}, "verdicts": {}})
        for endpoint in rule["endpoints"]:
            area["endpoints"].setdefault(endpoint, None)
        area["verdicts"][rule["verdict"]] = area["verdicts"].get(rule["verdict"], 0) + 1
    table = []
    for name in sorted(areas):
        area = areas[name]
        served, missing, unknown = [], [], []
        for endpoint in area["endpoints"]:
            if endpoint in not_served or (endpoint in probes and not probes[endpoint].supported):
                missing.append(endpoint)
            elif endpoint in probes:
                served.append(endpoint)
            else:
                unknown.append(endpoint)
        if not served and not missing:
            status = "not probed"
        elif not missing:
            status = "supported"
        elif not served:
            status = "unsupported"
        else:
            status = "partial"
        verdicts = area["verdicts"]
        judged = verdicts.get("pass", 0) + verdicts.get("fail", 0)
        table.append({
            "area": name,
            "status": status,
            "served": served,
            "missing": missing,
            "not_probed": unknown,
            "verdicts": dict(sorted(verdicts.items())),
            "pass_rate": round(verdicts.get("pass", 0) / judged, 4) if judged else None,
        })
    return table
