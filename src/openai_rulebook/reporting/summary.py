"""The summary printed at the end of ``rulebook run`` (rich): verdicts per area, capabilities, what went wrong.

Reads well anywhere: on a terminal it takes the terminal's width; into a file or a pipe it is never cut at rich's
default 80 columns. Areas where some rule was judged come first; areas where nothing was tested fold into one line.
Messages are printed as text, never as rich markup (a violation starts with ``[rule.id]``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

STYLES = {"pass": "green", "fail": "bold red", "error": "red", "inconclusive": "yellow", "unsupported": "magenta",
          "skipped": "dim", "not-checkable": "dim cyan"}
#: verdicts that say a rule's test ran and told something (an area with none of them was not tested)
TESTED = ("pass", "fail", "error", "inconclusive", "unsupported")
#: width when not writing to a terminal: wide enough for every table, so that nothing is cut or wrapped
PIPE_WIDTH = 200


def summary_console() -> Console:
    """A console whose width adapts: the terminal's, or ``$COLUMNS``, or wide when writing to a file or pipe."""
    console = Console(highlight=False, soft_wrap=True)
    if not console.is_terminal and not os.environ.get("COLUMNS"):
        console = Console(highlight=False, soft_wrap=True, width=PIPE_WIDTH)
    return console


def print_summary(document: Mapping[str, Any], console: Console | None = None) -> None:
    """Verdicts per area (tested first), capabilities, then every rule that failed, errored or stayed unjudged."""
    console = console or summary_console()
    per_area: dict[str, dict[str, int]] = {}
    for rule in document["rules"]:
        per_area.setdefault(rule["area"], dict.fromkeys(STYLES, 0))[rule["verdict"]] += 1
    tested = {area: counts for area, counts in per_area.items() if any(counts[name] for name in TESTED)}
    untested = sorted(set(per_area) - set(tested))
    shown = [name for name in STYLES if any(counts[name] for counts in per_area.values())] or ["pass"]

    table = Table(title=f"Rule verdicts ({escape(str(document['run'].get('target')))})", title_justify="left")
    table.add_column("area", no_wrap=True)
    for name in shown:
        table.add_column(name, justify="right", style=STYLES[name], no_wrap=True)
    for area, counts in sorted(tested.items()):
        table.add_row(escape(area), *(str(counts[name] or "") for name in shown))
    if untested:
        folded = {name: sum(per_area[area][name] for area in untested) for name in shown}
        table.add_row(f"{len(untested)} untested areas", *(str(folded[name] or "") for name in shown), style="dim")
    table.add_row("total", *(str(document["summary"].get(name, 0)) for name in shown), style="bold")
    console.print(table)
    if untested:
        console.print(f"untested areas: {escape(', '.join(untested))}", style="dim")

    _print_capabilities(document.get("capabilities") or [], console)
    _print_spec_status(document.get("spec_conformance") or {}, console)

    for rule in document["rules"]:
        if rule["verdict"] not in ("fail", "error", "inconclusive"):
            continue
        first = next((e for e in rule["evidence"] if e["outcome"] == rule["verdict"]), {})
        lines = [line for line in (first.get("message") or "").splitlines() if line.strip()]
        # a violation's first line is its "[rule.id]" tag, which repeats the id: show what was expected instead
        if lines and lines[0].strip() == f"[{rule['id']}]":
            lines = lines[1:]
        message = " ".join(line.strip() for line in lines[:2])
        console.print(f"[{STYLES[rule['verdict']]}]{rule['verdict'].upper()}[/] {escape(rule['id'])}: "
                      f"{escape(message)}")
        if rule["verdict"] == "fail" and first.get("reproduce"):
            console.print(f"  reproduce: {escape(first['reproduce'])}", style="dim", soft_wrap=True)


def _print_capabilities(capabilities: list[Mapping[str, Any]], console: Console) -> None:
    """One row per probed area: its status, endpoints served and missing, and the pass rate of judged rules."""
    probed = [area for area in capabilities if area.get("status") != "not probed"]
    if not probed:
        return
    table = Table(title="Capabilities (what the target serves)", title_justify="left")
    for column, justify in (("area", "left"), ("status", "left"), ("served", "right"), ("missing", "right"),
                            ("pass rate", "right")):
        table.add_column(column, justify=justify, no_wrap=True)
    styles = {"supported": "green", "partial": "yellow", "unsupported": "magenta"}
    for area in probed:
        rate = area.get("pass_rate")
        table.add_row(escape(area["area"]), f"[{styles.get(area['status'], '')}]{area['status']}[/]",
                      str(len(area.get("served", []))), str(len(area.get("missing", []))),
                      "" if rate is None else f"{rate:.0%}")
    console.print(table)
    not_probed = [area["area"] for area in capabilities if area.get("status") == "not probed"]
    if not_probed:
        console.print(f"not probed: {escape(', '.join(not_probed))}", style="dim")


def _print_spec_status(spec: Mapping[str, Any], console: Console) -> None:
    if spec.get("reason") and "no spec" in spec["reason"]:
        console.print(f"SCHEMA CHECKS OFF: {escape(spec['reason'])}", style="bold red")
