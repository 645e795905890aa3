"""Drift reports for people: text (rich, for a terminal or a CI log) and Markdown (jinja2, for a PR comment or
``$GITHUB_STEP_SUMMARY``). JSON is the document itself."""

from __future__ import annotations

import json
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from rich.console import Console
from rich.table import Table
from rich.text import Text

FORMATS = ("text", "markdown", "json")


def _environment() -> Environment:
    environment = Environment(loader=PackageLoader("openai_rulebook.drift", "templates"), undefined=StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=False)
    environment.filters["values"] = lambda items: ", ".join(f"`{item}`" for item in items) or "–"
    environment.filters["plain"] = lambda items: ", ".join(str(item) for item in items) or "–"
    return environment


def render(document: dict[str, Any], fmt: str, template: str) -> str:
    """``document`` in ``fmt`` ("markdown" uses ``templates/<template>.md.j2``; "json" is the document)."""
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return _environment().get_template(f"{template}.md.j2").render(
            d=document, shown=shown_spec_rules(document) if template == "spec" else [], findings=spec_findings)
    raise ValueError(fmt)


def print_runs(document: dict[str, Any], console: Console) -> None:
    """``drift runs`` as tables: verdict changes, rule statuses, operations."""
    a, b = document["a"]["label"], document["b"]["label"]
    console.print(f"[bold]drift[/bold] {a} → {b}: " + ("[red]changed[/red]" if document["changed"] else
                                                      "[green]nothing changed[/green]"))
    if not document["verdicts_compared"]:
        console.print("verdicts not compared: recordings judge no rule (give two compliance.json for verdicts)")
    if document["verdicts"]:
        table = Table(title="verdict changes", title_justify="left")
        for column in ("rule", "before", "after"):
            table.add_column(column)
        for change in document["verdicts"]:
            table.add_row(change["rule"], change["before"], change["after"])
        console.print(table)
    if document["rules"]:
        table = Table(title="statuses the rules' tests got", title_justify="left")
        for column in ("rule", "before", "after"):
            table.add_column(column)
        for change in document["rules"]:
            table.add_row(change["rule"], _join(change["before"]), _join(change["after"]))
        console.print(table)
    if document["operations"]:
        table = Table(title="operations", title_justify="left", show_lines=True)
        table.add_column("operation", no_wrap=True)
        table.add_column("what changed")
        for change in document["operations"]:
            table.add_row(change["operation"], Text("\n".join(_operation_lines(change))))
        console.print(table)
    for side, key in ((a, "operations_only_in_a"), (b, "operations_only_in_b")):
        if document[key]:
            console.print(f"seen only in {side}: {', '.join(document[key])}")


def _operation_lines(change: dict[str, Any]) -> list[str]:
    lines = []
    for key, label in (("new_fields", "new fields"), ("removed_fields", "removed fields"),
                       ("newly_null", "newly null"), ("new_content_types", "new media types")):
        if key in change:
            lines.append(f"{label}: {_join(change[key])}")
    for field, values in change.get("new_enum_values", {}).items():
        lines.append(f"new {field} values: {_join(values)}")
    for field, moved in change.get("error_codes", {}).items():
        lines.append(f"{field}: new {_join(moved['new'])}; gone {_join(moved['gone'])}")
    if "statuses" in change:
        lines.append(f"statuses: {_join(change['statuses']['before'])} → {_join(change['statuses']['after'])}")
    for header, moved in change.get("headers", {}).items():
        lines.append(f"header {header}: {moved['before']} → {moved['after']}")
    return lines


def _join(items: list[Any]) -> str:
    return ", ".join(str(item) for item in items) or "–"


def spec_findings(rule: dict[str, Any]) -> list[str]:
    """A rule's non-agreeing comparisons, one line per distinct finding (endpoints that say the same are merged)."""
    lines: dict[str, None] = {}
    for item in rule.get("comparisons", []):
        if item["status"] == "agree":
            continue
        said = [f"catalog {_value(item['catalog'])}"]
        said.append(f"spec {_value(item['spec'])}" if "spec" in item else "spec –")
        if "text" in item:
            said.append(f"text {_value(item['text'])}")
        lines[f"{item['key']} ({item['status']}): {', '.join(said)}"] = None
    observed = rule.get("observed") or {}
    for field, values in (observed.get("outside_catalog") or {}).items():
        lines[f"observed {field} outside the catalog: {_join(values)}"] = None
    return list(lines)


def _value(value: Any) -> str:
    return "[" + ", ".join(map(str, value)) + "]" if isinstance(value, list) else str(value)


def shown_spec_rules(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Rules a person needs to see: every one that does not simply agree, and every disputed one."""
    return [rule for rule in document["rules"] if rule["status"] != "agree" or rule.get("disputed")]


def print_spec(document: dict[str, Any], console: Console) -> None:
    summary = ", ".join(f"{count} {status}" for status, count in document["summary"].items())
    console.print(f"[bold]spec drift[/bold] catalog {document['catalog']} vs spec {document['spec']}: {summary}; "
                  f"{document['disputed']} disputed", highlight=False)
    table = Table(show_lines=True)
    for column in ("rule", "status", "what differs", "disputed"):
        table.add_column(column, overflow="fold")
    for rule in shown_spec_rules(document):
        table.add_row(rule["rule"], rule["status"], Text("\n".join(spec_findings(rule)) or "–"),
                      Text(_short(rule.get("disputed", ""))))
    console.print(table)
    changes = document.get("spec_changes")
    if changes is not None:
        console.print(f"[bold]spec changed[/bold] ({changes['against']} → {document['spec']}): "
                      f"{changes['operations_changed']} operation(s); these rules need a look: "
                      f"{_join(changes['rules_whose_param_changed'])}", highlight=False)
        for operation in changes["operations"]:
            direct = [r["rule"] for r in operation["rules"] if r["touches_param"]]
            console.print(f"  {operation['operation']}: {operation['change_count']} change(s); rules on its "
                          f"parameters: {_join(direct)}; {len(operation['rules']) - len(direct)} other rule(s) "
                          "on the operation", highlight=False, markup=False)


def _short(text: str, width: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
