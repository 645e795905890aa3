"""``report.html``: one self-contained page for people (no network, no external asset: CSS and JS inline).

Summary and per-area compliance, the capability table, a rule table filterable by text, verdict, area, kind, tier
and disputed, each rule's statement, seeds and evidence (requests and responses as ``compliance.json`` keeps them,
already redacted), and a drift panel when a baseline is given. Rendered by jinja2 with autoescaping on: evidence is
whatever the target sent, and must never become markup.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from openai_rulebook.atomic import write_atomically

FILE_NAME = "report.html"
#: verdicts in the order a reader wants them: what went wrong first
ORDER = ("fail", "error", "inconclusive", "unsupported", "pass", "skipped", "not-checkable")
#: a response body longer than this is cut in the page (compliance.json keeps what it keeps)
BODY_LIMIT = 4000


def _environment() -> Environment:
    environment = Environment(loader=PackageLoader("openai_rulebook.reporting", "templates"),
                              undefined=StrictUndefined, autoescape=True, trim_blocks=True, lstrip_blocks=True)
    environment.filters["body"] = _body
    environment.filters["pct"] = lambda rate: "–" if rate is None else f"{rate:.0%}"
    return environment


def _body(text: Any) -> str:
    """A body as a person reads it: JSON indented, anything long cut with a note."""
    if text is None or text == "":
        return ""
    if not isinstance(text, str):
        text = json.dumps(text, indent=2, ensure_ascii=False)
    else:
        try:
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            pass
    if len(text) > BODY_LIMIT:
        return text[:BODY_LIMIT] + f"\n… ({len(text) - BODY_LIMIT} more characters)"
    return text


def per_area(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rules per verdict in each area, areas with something judged first, then by name."""
    areas: dict[str, dict[str, int]] = {}
    for rule in document["rules"]:
        counts = areas.setdefault(rule["area"], dict.fromkeys(ORDER, 0))
        counts[rule["verdict"]] = counts.get(rule["verdict"], 0) + 1
    rows = []
    for area, counts in areas.items():
        judged = counts["pass"] + counts["fail"]
        rows.append({"area": area, "counts": counts, "total": sum(counts.values()),
                     "tested": any(counts[v] for v in ("pass", "fail", "error", "inconclusive", "unsupported")),
                     "pass_rate": counts["pass"] / judged if judged else None})
    return sorted(rows, key=lambda row: (not row["tested"], row["area"]))


def html_report(document: Mapping[str, Any], *, drift: Mapping[str, Any] | None = None,
                source: str = "compliance.json") -> str:
    """The page for ``document`` (a compliance.json); ``drift`` is ``compare_runs(baseline, document)``."""
    rules = sorted(document["rules"], key=lambda rule: (ORDER.index(rule["verdict"])
                                                        if rule["verdict"] in ORDER else len(ORDER)))
    choices = {key: sorted({str(rule[key]) for rule in rules}) for key in ("area", "kind", "tier")}
    choices["verdict"] = [v for v in ORDER if any(rule["verdict"] == v for rule in rules)]
    return _environment().get_template("report.html.j2").render(
        d=document, rules=rules, areas=per_area(document), choices=choices, order=ORDER, drift=drift,
        source=source, summary=document.get("summary") or {},
        capabilities=[c for c in document.get("capabilities") or [] if c.get("status") != "not probed"],
        not_probed=[c["area"] for c in document.get("capabilities") or [] if c.get("status") == "not probed"],
        spec=document.get("spec_conformance") or {})


def write_html(path: Path, document: Mapping[str, Any], *, drift: Mapping[str, Any] | None = None,
               source: str = "compliance.json") -> Path:
    write_atomically(path, html_report(document, drift=drift, source=source))
    return path
