"""The summary table printed at the end of a run (rich)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.table import Table

STYLES = {"pass": "green", "fail": "bold red", "error": "red", "inconclusive": "yellow", "skipped": "dim",
          "not-checkable": "dim cyan"}


def print_summary(document: Mapping[str, Any], console: Console | None = None) -> None:
    """Verdicts per area, then every rule that failed, errored or stayed inconclusive."""
    console = console or Console(stderr=False, highlight=False)
    verdict_names = list(STYLES)
    per_area: dict[str, dict[str, int]] = {}
    for rule in document["rules"]:
        per_area.setdefault(rule["area"], dict.fromkeys(verdict_names, 0))[rule["verdict"]] += 1
    table = Table(title=f"Rule verdicts ({document['run'].get('target')})", title_justify="left")
    table.add_column("area", no_wrap=True, min_width=26)
    for name in verdict_names:
        table.add_column(name, justify="right", style=STYLES[name])
    for area, counts in sorted(per_area.items()):
        table.add_row(area, *(str(counts[name] or "") for name in verdict_names))
    table.add_row("total", *(str(document["summary"].get(name, 0)) for name in verdict_names), style="bold")
    console.print(table)
    bad = [rule for rule in document["rules"] if rule["verdict"] in ("fail", "error", "inconclusive")]
    for rule in bad:
        first = next((e for e in rule["evidence"] if e["outcome"] == rule["verdict"]), {})
        message = (first.get("message") or "").splitlines()
        console.print(f"[{STYLES[rule['verdict']]}]{rule['verdict'].upper()}[/] {rule['id']}: "
                      f"{message[0] if message else ''}")
