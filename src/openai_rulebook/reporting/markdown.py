"""A Markdown summary of a ``compliance.json``, short enough for a PR comment (GitHub keeps 65,536 characters) or
``$GITHUB_STEP_SUMMARY``: the verdict counts, a table of the tested areas, then the rules that went wrong (with what
was found and the curl line to reproduce it), and the drift since a baseline when one is given."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from openai_rulebook.reporting.html import ORDER, per_area

#: rules listed one by one at most; the rest are counted
MAX_PROBLEMS = 60
#: characters of a finding's message kept in its table cell
MESSAGE_WIDTH = 300
ICONS = {"pass": "✅", "fail": "❌", "error": "💥", "inconclusive": "❔", "unsupported": "🚫", "skipped": "⏭️",
         "not-checkable": "📝"}


def _cell(text: Any) -> str:
    """One table cell: one line, pipes escaped, cut to a readable length."""
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if len(text) <= MESSAGE_WIDTH else text[: MESSAGE_WIDTH - 1] + "…"


def _problem(rule: Mapping[str, Any]) -> dict[str, Any]:
    first = next((e for e in rule.get("evidence", []) if e.get("outcome") == rule["verdict"]), {})
    lines = [line.strip() for line in (first.get("message") or rule.get("reason") or "").splitlines() if line.strip()]
    if lines and lines[0] == f"[{rule['id']}]":  # a violation's first line repeats the rule id
        lines = lines[1:]
    return {"id": rule["id"], "verdict": rule["verdict"], "message": " ".join(lines[:3]) or "–",
            "reproduce": first.get("reproduce", "") if rule["verdict"] == "fail" else ""}


def markdown_summary(document: Mapping[str, Any], *, drift: Mapping[str, Any] | None = None) -> str:
    environment = Environment(loader=PackageLoader("openai_rulebook.reporting", "templates"),
                              undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True)
    environment.filters["cell"] = _cell
    environment.filters["pct"] = lambda rate: "–" if rate is None else f"{rate:.0%}"
    areas = per_area(document)
    summary = document.get("summary") or {}
    shown = [v for v in ORDER if any(row["counts"][v] for row in areas if row["tested"])] or ["pass"]
    problems = [_problem(rule) for verdict in ("fail", "error", "inconclusive")
                for rule in document["rules"] if rule["verdict"] == verdict]
    drift_text = ""
    if drift is not None:
        from openai_rulebook.drift.render import render

        drift_text = render(dict(drift), "markdown", "runs").replace("## Drift", "### Drift", 1)
    return environment.get_template("summary.md.j2").render(
        d=document, summary=summary, order=ORDER, icons=ICONS, areas=areas, shown=shown,
        untested=[row["area"] for row in areas if not row["tested"]], problems=problems[:MAX_PROBLEMS],
        more=max(0, len(problems) - MAX_PROBLEMS), drift=drift_text)
