"""``rulebook plan``: what a live run would cost, before it runs, from the catalog's estimate per rule.

Each rule whose tests spend money (tiers ``cheap``, ``paid``, ``realtime``, ``heavy``) carries ``cost_usd``: one
live run of its tests with the catalog's default models (the cheapest that show the rule, the smallest bounds). The
plan sums them over the rules a run would select (its tiers and areas), per area and tier, and names the paying
rules that have no estimate, so a nightly job can be bounded (``--budget``) before it sends anything.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openai_rulebook import exits
from openai_rulebook.catalog import TIERS, Rule, load_catalog
from openai_rulebook.errors import UsageError

#: tiers whose rules spend tokens or media; the others (free, admin, destructive) call endpoints that cost nothing
PAYING_TIERS = ("cheap", "paid", "realtime", "heavy")


@dataclass
class Plan:
    tiers: frozenset[str]
    areas: frozenset[str] | None
    #: (area, tier) -> [rules, estimated USD]
    rows: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(lambda: [0, 0.0]))
    #: paying rules with no ``cost_usd``: their cost is unknown, so the total is a lower bound
    unestimated: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(cost for _, cost in self.rows.values())

    @property
    def rules(self) -> int:
        return int(sum(count for count, _ in self.rows.values()))

    def as_dict(self) -> dict[str, Any]:
        return {
            "schema": "rulebook.plan/1",
            "tiers": sorted(self.tiers),
            "areas": sorted(self.areas) if self.areas is not None else None,
            "rules": self.rules,
            "total_usd": round(self.total, 6),
            "complete": not self.unestimated,
            "unestimated": sorted(self.unestimated),
            "rows": [{"area": area, "tier": tier, "rules": int(count), "usd": round(cost, 6)}
                     for (area, tier), (count, cost) in sorted(self.rows.items())],
        }


def make_plan(rules: Iterable[Rule], tiers: frozenset[str], areas: frozenset[str] | None = None) -> Plan:
    """The plan of a run selecting ``tiers`` (and ``areas``, all when None): checkable rules only."""
    plan = Plan(tiers, areas)
    for rule in rules:
        if not rule.checkable or rule.tier not in tiers or (areas is not None and rule.area not in areas):
            continue
        row = plan.rows[(rule.area, rule.tier)]
        row[0] += 1
        if rule.cost_usd is not None:
            row[1] += rule.cost_usd
        elif rule.tier in PAYING_TIERS:
            plan.unestimated.append(rule.id)
    return plan


def _names(text: str | None, option: str, known: Iterable[str]) -> frozenset[str] | None:
    if text is None:
        return None
    from openai_rulebook.exits import nearest

    names = frozenset(part.strip() for part in text.split(",") if part.strip())
    known = sorted(set(known))
    unknown = sorted(names - set(known))
    if unknown:
        raise UsageError(f"{option}: unknown {', '.join(unknown)}{nearest(unknown[0], known)} "
                         f"(known: {', '.join(known)})")
    return names


def add_parser(commands: Any) -> None:
    """Mount ``plan`` on the CLI's subcommands (their parser class gives it the CLI's error style)."""
    plan = commands.add_parser(
        "plan", help="what a live run would cost: the catalog's estimate per rule, summed per area and tier",
        description="Sum the catalog's cost_usd over the checkable rules a run would select.\n"
                    "exit 0  the plan is within --budget (or no budget was given)\n"
                    "exit 1  the plan is over --budget, or a paying rule has no estimate with --budget\n"
                    "exit 2  usage or input error (an unknown tier or area, a catalog that does not load)")
    plan.add_argument("--catalog", default="specs/rules", metavar="PATH", help="the catalog (default: specs/rules)")
    plan.add_argument("--target", default="live", choices=("reference", "url", "live"),
                      help="whose default tiers to plan for (default: live, i.e. free and cheap)")
    plan.add_argument("--tiers", default=None, metavar="TIER,…",
                      help="the tiers to plan for (default: the target's default tiers)")
    plan.add_argument("--areas", default=None, metavar="AREA,…", help="only these areas (default: all)")
    plan.add_argument("--budget", type=float, default=None, metavar="USD",
                      help="exit 1 when the estimate is over USD or incomplete (default: no bound)")
    plan.add_argument("--json", action="store_true", help="print the plan as JSON (default: a table)")
    plan.add_argument("--measure-from", default=None, metavar="CASSETTES",
                      help="price each paying rule's tests on this cassette set (recorded from the reference server "
                           "with every tier) instead of reading cost_usd: usage at its model's rates, media at flat "
                           "rates, rejections free (default: read the catalog)")
    plan.add_argument("--suites", default="suites", metavar="DIR",
                      help="with --measure-from: the suites whose tests name the rules (default: suites)")
    plan.add_argument("--write", action="store_true",
                      help="with --measure-from: write the measured estimates into the catalog files as cost_usd "
                           "(default: off)")


def run(args: argparse.Namespace) -> int:
    from openai_rulebook.plugin.targets import DEFAULT_TIERS

    catalog = load_catalog(Path(args.catalog))
    tiers = _names(args.tiers, "--tiers", TIERS) or DEFAULT_TIERS[args.target]
    areas = _names(args.areas, "--areas", {rule.area for rule in catalog.rules})
    rules = list(catalog.rules)
    if args.measure_from:
        rules = _measured(catalog, args)
    elif args.write:
        raise UsageError("--write needs --measure-from CASSETTES: the estimates it writes are measured there")
    plan = make_plan(rules, frozenset(tiers), areas)
    if args.json:
        import json

        print(json.dumps(plan.as_dict(), indent=2))
    else:
        _print(plan)
    if args.budget is None:
        return exits.OK
    return exits.RULE_FAILED if plan.total > args.budget or plan.unestimated else exits.OK


def _measured(catalog: Any, args: argparse.Namespace) -> list[Rule]:
    """The catalog's rules with ``cost_usd`` measured on a cassette set (paying tiers only); written with --write."""
    from openai_rulebook.costs import rounded, rule_costs, write_costs
    from openai_rulebook.coverage import collect_rule_tests
    from openai_rulebook.plugin.recording import cassette_path

    cassettes, suites = Path(args.measure_from), Path(args.suites)
    if not cassettes.is_dir():
        raise UsageError(f"--measure-from: {cassettes} is not a cassette set (a directory of recorded tests)")
    tests = collect_rule_tests(suites)

    def cassette_of(nodeid: str) -> Path:
        file, _, name = nodeid.partition("::")
        try:
            module = Path(file).resolve().relative_to(suites.resolve()).with_suffix("")
        except ValueError:
            module = Path(Path(file).stem)
        return cassette_path(cassettes, module.as_posix(), name)

    measured = rule_costs(tests, {nodeid: cassette_of(nodeid) for nodeid in tests})
    # a rule is measured only when some test of it was recorded: a set recorded for a few areas (or tiers) says
    # nothing of the others, whose estimates stay as they are
    recorded = {rule_id for nodeid, ids in tests.items() if cassette_of(nodeid).is_file() for rule_id in ids}
    paying = {rule.id: rounded(measured.get(rule.id, 0.0)) for rule in catalog.rules
              if rule.checkable and rule.tier in PAYING_TIERS and rule.id in recorded}
    if args.write:
        files = sorted({Path(catalog.files.get(rule_id, catalog.path)) for rule_id in paying})
        written = write_costs(files, paying)
        print(f"rulebook: wrote cost_usd of {len(written)} rules into {len(files)} catalog files")
    return [rule.model_copy(update={"cost_usd": paying[rule.id]}) if rule.id in paying else rule
            for rule in catalog.rules]


def _print(plan: Plan) -> None:
    import sys

    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 200)
    table = Table(title=f"Estimated cost of one live run (tiers: {', '.join(sorted(plan.tiers))})")
    for column in ("area", "tier", "rules", "USD"):
        table.add_column(column, justify="right" if column in ("rules", "USD") else "left")
    for (area, tier), (count, cost) in sorted(plan.rows.items()):
        table.add_row(area, tier, str(int(count)), f"{cost:.4f}")
    console.print(table)
    bound = "at least " if plan.unestimated else ""
    console.print(f"total: {bound}${plan.total:.4f} over {plan.rules} rules", markup=False)
    if plan.unestimated:
        console.print(f"no estimate for {len(plan.unestimated)} paying rule(s): {', '.join(sorted(plan.unestimated))}",
                      markup=False)
