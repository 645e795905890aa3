"""``rulebook gate``: the CI decision on a ``compliance.json``, against a baseline and a list of waivers.

Exit codes (the convention of ``exits``; a fail outweighs an error, an error outweighs too many inconclusives):

- 0: nothing new is broken: every failing rule failed in the baseline too, or is waived;
- 1: a rule newly fails (fails now and did not in the baseline; with no baseline, any failing rule), or a waiver
  has expired (renew it or remove it);
- 2: usage or input error: a missing or malformed report, a bad waivers file (file and line), a waiver naming a rule
  the report does not know;
- 3: the harness erred: a rule's verdict is ``error`` (a harness bug, never a verdict on the API; not waivable);
- 4: more rules inconclusive or unsupported than ``--max-inconclusive`` allows, or no rule passed at all.

Inconclusive and unsupported rules are never silently green: the gate always counts them and lists those that passed
in the baseline. Without ``--max-inconclusive`` they are reported and not bounded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from openai_rulebook import exits
from openai_rulebook.errors import UsageError

_SHOWN = 8  # rules listed per section: the decision fits on one screen, the JSON report has them all


class Waiver(BaseModel):
    """One accepted failure: which rule, why, who answers for it, until when."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str = Field(min_length=3)
    reason: str = Field(min_length=3)
    owner: str = Field(min_length=1)
    expires: date


@dataclass(frozen=True)
class LoadedWaiver:
    waiver: Waiver
    line: int  #: where it starts in its file, for messages


def load_waivers(path: Path) -> list[LoadedWaiver]:
    """Waivers from ``path``: a list of entries, or a mapping with ``waivers:``; a bad entry stops with file:line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the waivers file ({exc.strerror})") from exc
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise UsageError(f"{where}: the waivers file is not valid YAML ({getattr(exc, 'problem', None) or exc})") \
            from exc
    if root is None:
        return []
    if isinstance(root, yaml.MappingNode):
        keys = {key.value: value for key, value in root.value}
        if set(keys) != {"waivers"}:
            raise UsageError(f"{path}:{root.start_mark.line + 1}: expected 'waivers:' and a list of waivers "
                             f"(rule, reason, owner, expires), found keys {sorted(keys)}")
        root = keys["waivers"]
    if not isinstance(root, yaml.SequenceNode):
        raise UsageError(f"{path}:{root.start_mark.line + 1}: expected a list of waivers (rule, reason, owner, "
                         "expires)")
    loaded = []
    for number, node in enumerate(root.value, start=1):
        line = node.start_mark.line + 1
        data = yaml.safe_load(yaml.serialize(node))
        try:
            loaded.append(LoadedWaiver(Waiver.model_validate(data), line))
        except ValidationError as exc:
            first = exc.errors()[0]
            field_name = ".".join(str(part) for part in first["loc"]) or "entry"
            raise UsageError(f"{path}:{line}: waiver {number}: {field_name}: {first['msg']} (a waiver has rule, "
                             "reason, owner and expires: YYYY-MM-DD)") from exc
    return loaded


def load_report(path: Path, what: str) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{what} {path}: cannot read it ({exc.strerror})") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"{what} {path}: not JSON ({exc})") from exc
    if not isinstance(document, dict) or not str(document.get("schema", "")).startswith("rulebook.compliance/") \
            or not isinstance(document.get("rules"), list):
        raise UsageError(f"{what} {path}: not a compliance report (no \"schema\": \"rulebook.compliance/1\"); "
                         "'rulebook run --report-dir DIR' writes one")
    return document


@dataclass
class Decision:
    code: int
    headline: str
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"exit_code": self.code, "headline": self.headline, "counts": self.counts,
                "sections": {title: lines for title, lines in self.sections}}


def decide(report: Mapping[str, Any], *, baseline: Mapping[str, Any] | None = None,
           waivers: list[LoadedWaiver] | None = None, waivers_file: str = "", today: date,
           max_inconclusive: int | None = None) -> Decision:
    verdicts = {rule["id"]: rule["verdict"] for rule in report["rules"]}
    messages = {rule["id"]: _message(rule) for rule in report["rules"]}
    before = {rule["id"]: rule["verdict"] for rule in baseline["rules"]} if baseline is not None else None
    waivers = waivers or []
    for loaded in waivers:
        if loaded.waiver.rule not in verdicts:
            from openai_rulebook.exits import nearest

            raise UsageError(f"{waivers_file}:{loaded.line}: waiver names {loaded.waiver.rule!r}, a rule the report "
                             f"does not know{nearest(loaded.waiver.rule, verdicts)}")
    waived = {w.waiver.rule: w for w in waivers if w.waiver.expires >= today}
    expired = [w for w in waivers if w.waiver.expires < today]
    stale = [w for w in waivers if verdicts[w.waiver.rule] == "pass"]

    failing = sorted(rule_id for rule_id, verdict in verdicts.items() if verdict == "fail")
    known = [r for r in failing if before is not None and before.get(r) == "fail"]
    new = [r for r in failing if r not in known and r not in waived]
    covered = [r for r in failing if r in waived]
    errors = sorted(rule_id for rule_id, verdict in verdicts.items() if verdict == "error")
    unsure = sorted(r for r, v in verdicts.items() if v in ("inconclusive", "unsupported"))
    lost = [r for r in unsure if before is not None and before.get(r) == "pass"]
    counts = {verdict: sum(1 for v in verdicts.values() if v == verdict)
              for verdict in ("pass", "fail", "error", "inconclusive", "unsupported", "skipped", "not-checkable")}

    sections: list[tuple[str, list[str]]] = []
    what = "newly failing" if before is not None else "failing (no baseline: every failure counts)"
    _section(sections, f"{what}", [f"{r}: {messages[r]}" if messages[r] else r for r in new])
    _section(sections, "expired waivers (renew or remove them)",
             [f"{w.waiver.rule}: expired {w.waiver.expires} (owner {w.waiver.owner}; {waivers_file}:{w.line})"
              for w in expired])
    _section(sections, "harness errors (not waivable: report them)",
             [f"{r}: {messages[r]}" if messages[r] else r for r in errors])
    _section(sections, "waived failures", [f"{r}: until {waived[r].waiver.expires}, {waived[r].waiver.owner}: "
                                          f"{waived[r].waiver.reason}" for r in covered])
    _section(sections, "still failing, as in the baseline", known)
    _section(sections, "stale waivers (the rule passes now: remove them)",
             [f"{w.waiver.rule} ({waivers_file}:{w.line})" for w in stale])
    _section(sections, "passed in the baseline, now inconclusive or unsupported",
             [f"{r}: {verdicts[r]}" for r in lost])

    bound = "not bounded (--max-inconclusive N to bound them)" if max_inconclusive is None \
        else f"at most {max_inconclusive} allowed"
    unsure_line = f"{counts['inconclusive']} inconclusive and {counts['unsupported']} unsupported rule(s), {bound}"
    if new or expired:
        reasons = [f"{len(new)} rule(s) {'newly failing' if before is not None else 'failing'}"] if new else []
        reasons += [f"{len(expired)} waiver(s) expired"] if expired else []
        code, headline = exits.RULE_FAILED, "; ".join(reasons)
    elif errors:
        code, headline = exits.HARNESS, f"the harness erred on {len(errors)} rule(s)"
    elif max_inconclusive is not None and len(unsure) > max_inconclusive:
        code, headline = exits.NOTHING_CONCLUSIVE, f"too little was conclusive: {unsure_line}"
    elif not counts["pass"] and not failing:
        code, headline = exits.NOTHING_CONCLUSIVE, "no rule passed: nothing was judged"
    else:
        code, headline = exits.OK, "nothing new is broken"
    sections.append(("counted", [unsure_line, ", ".join(f"{n} {v}" for v, n in counts.items())]))
    return Decision(code, headline, sections, counts)


def _message(rule: Mapping[str, Any]) -> str:
    for item in rule.get("evidence") or ():
        if item.get("message"):
            return str(item["message"]).splitlines()[0][:140]
    return ""


def _section(sections: list[tuple[str, list[str]]], title: str, lines: list[str]) -> None:
    if lines:
        sections.append((f"{title} ({len(lines)})", lines))


def print_decision(decision: Decision, console: Any) -> None:
    word = {exits.OK: "[green]PASS[/green]", exits.RULE_FAILED: "[red]FAIL[/red]",
            exits.HARNESS: "[red]HARNESS ERROR[/red]"}.get(decision.code, "[yellow]INCONCLUSIVE[/yellow]")
    console.print(f"[bold]gate: {word}[/bold] (exit {decision.code}): {decision.headline}", highlight=False)
    for title, lines in decision.sections:
        console.print(f"[bold]{title}[/bold]", highlight=False)
        for line in lines[:_SHOWN]:
            console.print(f"  {line}", highlight=False, markup=False)
        if len(lines) > _SHOWN:
            console.print(f"  … and {len(lines) - _SHOWN} more (--json lists them all)", highlight=False)
