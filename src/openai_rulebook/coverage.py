"""What the catalog covers: seeds cited per rulebook section, rules per kind and tier, tests and faults per rule."""

from __future__ import annotations

import contextlib
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from openai_rulebook.catalog import KINDS, TIERS, Catalog, Seed, load_catalog, load_seeds
from openai_rulebook.errors import CatalogError
from openai_rulebook.exits import nearest


class _RuleCollector:
    """Collects the rule ids of every suite test, before the plugin's own check can stop collection."""

    def __init__(self) -> None:
        self.tests: dict[str, tuple[str, ...]] = {}

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            ids: list[str] = []
            for marker in item.iter_markers("rule"):
                ids.extend(str(arg) for arg in marker.args)
            self.tests[item.nodeid] = tuple(ids)
        items.clear()  # nothing downstream needs them, and the plugin's checks would stop on the first bad id


def collect_rule_tests(suites: Path) -> dict[str, tuple[str, ...]]:
    """Rule ids per test id, collected by pytest itself (parametrized tests included)."""
    if not suites.is_dir():
        raise CatalogError(f"{suites}: no suites directory; pass --suites DIR")
    collector = _RuleCollector()
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        code = pytest.main([str(suites), "--collect-only", "-q", "-p", "no:cacheprovider"], plugins=[collector])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        raise CatalogError(f"collecting {suites} failed (pytest exit {int(code)}):\n{output.getvalue()[-2000:]}")
    return collector.tests


def _faults() -> dict[str, str]:
    from openai_rulebook.server import FAULTS

    return {fault.name: fault.rule for fault in FAULTS.values()}


@dataclass
class CoverageReport:
    catalog: Catalog
    seeds: dict[str, Seed]
    tests: dict[str, tuple[str, ...]]
    faults: dict[str, str]
    cited: dict[str, list[str]] = field(init=False)

    def __post_init__(self) -> None:
        self.cited = {}
        for rule in self.catalog.rules:
            for seed in rule.seeds:
                self.cited.setdefault(seed, []).append(rule.id)

    @property
    def tests_per_rule(self) -> Counter[str]:
        return Counter(rule_id for ids in self.tests.values() for rule_id in ids)

    @property
    def faults_per_rule(self) -> Counter[str]:
        return Counter(self.faults.values())

    def sections(self) -> list[tuple[str, int, int]]:
        """(section, seeds, seeds cited), in rulebook order."""
        rows: dict[str, list[int]] = {}
        for seed in self.seeds.values():
            row = rows.setdefault(seed.section, [0, 0])
            row[0] += 1
            row[1] += seed.id in self.cited
        return [(section, total, cited) for section, (total, cited) in rows.items()]

    def problems(self, *, require_tests: bool = False) -> list[str]:
        catalog = self.catalog
        found = [f"seed {seed_id} ({seed.section}) is cited by no rule"
                 for seed_id, seed in self.seeds.items() if seed_id not in self.cited]
        found += [f"{catalog.where(rule_ids[0])}: rule {rule_ids[0]!r} cites {seed_id}, which is not in the seed file"
                  for seed_id, rule_ids in self.cited.items() if seed_id not in self.seeds]
        found += [f"test {nodeid} names no rule: a suite test must say what it checks with @pytest.mark.rule(...)"
                  for nodeid, ids in self.tests.items() if not ids]
        found += [f"test {nodeid} names unknown rule {rule_id!r}{nearest(rule_id, (r.id for r in catalog.rules))}"
                  for nodeid, ids in self.tests.items() for rule_id in ids if rule_id not in catalog]
        found += [f"fault {name} names unknown rule {rule_id!r}"
                  for name, rule_id in self.faults.items() if rule_id not in catalog]
        if require_tests:
            tested = self.tests_per_rule
            found += [f"{catalog.where(rule.id)}: checkable rule {rule.id!r} has no test"
                      for rule in catalog.rules if rule.checkable and not tested[rule.id]]
        return found

    def as_dict(self) -> dict[str, Any]:
        tested, faulted = self.tests_per_rule, self.faults_per_rule
        checkable = [rule for rule in self.catalog.rules if rule.checkable]
        return {
            "catalog": str(self.catalog.path),
            "rules": len(self.catalog.rules),
            "seeds": {"total": len(self.seeds), "cited": sum(seed in self.cited for seed in self.seeds)},
            "sections": [{"section": s, "seeds": t, "cited": c} for s, t, c in self.sections()],
            "kinds": dict(Counter(rule.kind for rule in self.catalog.rules)),
            "tiers": dict(Counter(rule.tier for rule in self.catalog.rules)),
            "checkable": {
                "total": len(checkable),
                "with_tests": sum(1 for rule in checkable if tested[rule.id]),
                "with_faults": sum(1 for rule in checkable if faulted[rule.id]),
            },
            "per_rule": {rule.id: {"tests": tested[rule.id], "faults": faulted[rule.id]} for rule in checkable},
        }


def coverage(catalog_path: Path, *, seeds: Path | None = None, suites: Path) -> CoverageReport:
    catalog = load_catalog(catalog_path)
    seeds_path = seeds or catalog.seeds_file
    if seeds_path is None:
        raise CatalogError(f"{catalog_path}: no seeds_file in the catalog; pass --seeds PATH")
    return CoverageReport(catalog, load_seeds(seeds_path), collect_rule_tests(suites), _faults())


def print_coverage(report: CoverageReport) -> None:
    from rich.table import Table

    from openai_rulebook.reporting.summary import summary_console

    console = summary_console()
    data = report.as_dict()
    sections = Table(title=f"Seed rules cited, per rulebook section ({report.catalog.path})", title_justify="left")
    sections.add_column("section")
    sections.add_column("cited", justify="right")
    for section, total, cited in report.sections():
        style = "" if cited == total else "bold red"
        sections.add_row(section, f"[{style}]{cited}/{total}[/]" if style else f"{cited}/{total}")
    sections.add_row("total", f"{data['seeds']['cited']}/{data['seeds']['total']}", style="bold")
    console.print(sections)

    grid = Table(title=f"{data['rules']} rules by kind and tier", title_justify="left")
    grid.add_column("kind")
    for tier in TIERS:
        grid.add_column(tier, justify="right")
    grid.add_column("total", justify="right", style="bold")
    for kind in KINDS:
        counts = Counter(rule.tier for rule in report.catalog.rules if rule.kind == kind)
        grid.add_row(kind, *(str(counts[tier] or "") for tier in TIERS), str(sum(counts.values())))
    console.print(grid)

    checkable = data["checkable"]
    console.print(f"checkable rules: {checkable['total']}; with tests: {checkable['with_tests']}; "
                  f"with faults: {checkable['with_faults']}; tests collected: {len(report.tests)}; "
                  f"faults: {len(report.faults)}")
    areas: dict[str, list[int]] = {}
    for rule_id, row in data["per_rule"].items():
        counts = areas.setdefault(rule_id.split(".", 1)[0], [0, 0, 0])
        counts[0] += 1
        counts[1] += bool(row["tests"])
        counts[2] += bool(row["faults"])
    table = Table(title="Checkable rules per area", title_justify="left")
    for column in ("area", "rules", "with tests", "with faults"):
        table.add_column(column, justify="left" if column == "area" else "right")
    for area, (total, tests, faults) in sorted(areas.items()):
        table.add_row(area, str(total), str(tests), str(faults))
    console.print(table)
