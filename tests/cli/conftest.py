"""Fixtures for the ``rulebook`` command's tests: small projects (catalog, seed TSV, suites) in a temporary dir."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

CATALOG = """\
seeds_file: seeds.tsv
rules:
  - id: demo.tested
    seeds: [R01.1]
    statement: A checkable rule that the suites check.
    kind: enforced
    tier: free
  - id: demo.untested
    seeds: [R01.2]
    statement: A checkable rule that no suite test checks.
    kind: contract
    tier: cheap
  - id: demo.advice
    seeds: [R01.2, H.1]
    statement: Advice that no request can show.
    kind: advisory
    tier: free
    why_not_checkable: Only clients can keep it.
"""
SEEDS = "id\tsection\tcontext\trule\nR01.1\tAuth\t\tOne.\nR01.2\tAuth\t\tTwo.\nH.1\tHighlights\t\tThree.\n"
SUITE = """\
import pytest

@pytest.mark.rule("demo.tested")
def test_tested():
    pass
"""


@pytest.fixture(autouse=True)
def _isolated_imports(tmp_path: Path) -> Iterator[None]:
    """``rulebook catalog`` collects suites with pytest in this process: forget the test modules it imported, so
    that one project's ``test_demo.py`` (or the real ``suites.test_auth``) is never taken for another's.

    Only those: dropping a submodule of the package under test would leave its parent pointing at a copy that
    ``monkeypatch`` patches while the code imports a fresh one.
    """
    modules, path = set(sys.modules), list(sys.path)
    yield
    for name in set(sys.modules) - modules:
        file = getattr(sys.modules[name], "__file__", None) or ""
        if name == "suites" or name.startswith("suites.") or file.startswith(str(tmp_path)):
            del sys.modules[name]
    sys.path[:] = path


class Project:
    """A small catalog project: ``rules.yaml``, ``seeds.tsv`` and ``suites/`` under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.catalog = self.write("rules.yaml", CATALOG)
        self.seeds = self.write("seeds.tsv", SEEDS)
        self.suites = root / "suites"
        self.write("suites/test_demo.py", SUITE)

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def args(self, *extra: str) -> list[str]:
        return ["catalog", "--catalog", str(self.catalog), "--suites", str(self.suites), *extra]


@pytest.fixture
def small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A small project whose only fault breaks ``demo.tested`` (the reference server's faults name real rules)."""
    monkeypatch.setattr("openai_rulebook.coverage._faults", lambda: {"demo.break_it": "demo.tested"})
    monkeypatch.chdir(tmp_path)
    return Project(tmp_path)
