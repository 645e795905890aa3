"""Fixtures for the plugin's own tests: small self-contained projects, run in-process with pytester.

A *tiny project* has a catalog of made-up ``demo.*`` rules and tests that never send anything, so that each run
proves one thing about markers, verdicts, targets or reports in well under a second. Tests that need the real
suites copy ``suites/`` and the catalog ``specs/rules/`` into a temporary project instead of running them in place.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO.parent / "shared" / "specs" / "openai-openapi.yaml"

#: rules named after the outcome a tiny project's test gives them
TINY_CATALOG = """\
rules:
  - id: demo.pass
    source: openapi
    statement: A request that keeps to the rule is served.
    kind: enforced
    tier: free
  - id: demo.violated
    source: openapi
    statement: The rule a RuleViolation names.
    kind: enforced
    tier: free
  - id: demo.bystander
    source: openapi
    statement: The other rule of a test that breaks demo.violated.
    kind: contract
    tier: free
  - id: demo.plain_a
    source: openapi
    statement: First rule of a test failing a plain assert.
    kind: enforced
    tier: cheap
  - id: demo.plain_b
    source: openapi
    statement: Second rule of a test failing a plain assert.
    kind: enforced
    tier: cheap
  - id: demo.inconclusive
    source: openapi
    statement: A rule whose test could not ask the API.
    kind: enforced
    tier: free
  - id: demo.error
    source: openapi
    statement: A rule whose test broke inside the harness.
    kind: enforced
    tier: free
  - id: demo.heavy
    source: openapi
    statement: A rule whose check is too costly to run by default.
    kind: enforced
    tier: heavy
  - id: demo.untested
    source: openapi
    statement: A checkable rule no test checks yet.
    kind: enforced
    tier: free
  - id: demo.advice
    source: openapi
    statement: Advice to clients that no request can show.
    kind: advisory
    tier: free
    why_not_checkable: It is about what clients should do, not what the API answers.
"""

TINY_INI = """\
[pytest]
rulebook_catalog = rules.yaml
rulebook_suites = suites
addopts = -p no:cacheprovider --import-mode=importlib
"""


@pytest.fixture(autouse=True)
def _keep_hypothesis_profile() -> Iterator[None]:
    """Inner runs load the plugin's hypothesis profile into this process; put the outer session's back."""
    from hypothesis import settings

    name = settings.get_current_profile_name()
    yield
    settings.load_profile(name)


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A tiny project: the demo catalog as ``rules.yaml``, tests go in ``suites/``."""
    pytester.makeini(TINY_INI)
    pytester.makefile(".yaml", rules=TINY_CATALOG)
    return pytester


def tiny_project(root: Path, suite: str) -> Path:
    """A tiny project in ``root`` (for module-scoped set-ups, which cannot use pytester): ini, catalog, one suite."""
    (root / "pytest.ini").write_text(TINY_INI, encoding="utf-8")
    (root / "rules.yaml").write_text(TINY_CATALOG, encoding="utf-8")
    (root / "suites").mkdir(exist_ok=True)
    (root / "suites" / "test_demo.py").write_text(textwrap.dedent(suite), encoding="utf-8")
    return root


def write_suite(pytester: pytest.Pytester, source: str, name: str = "test_demo") -> Path:
    """Write ``suites/<name>.py`` into the project."""
    return pytester.makepyfile(**{f"suites/{name}": source})


def read_compliance(report_dir: Path) -> dict[str, Any]:
    return json.loads((report_dir / "compliance.json").read_text(encoding="utf-8"))


def verdicts(document: dict[str, Any]) -> dict[str, str]:
    """Rule id -> verdict, from a compliance document."""
    return {rule["id"]: rule["verdict"] for rule in document["rules"]}


def rule_entry(document: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(rule for rule in document["rules"] if rule["id"] == rule_id)


def copy_real_suites(root: Path, *, spec: bool = False) -> Path:
    """Copy the real ``suites/`` and catalog (``specs/rules/``) into ``root`` with an ini pointing at them."""
    shutil.copytree(REPO / "suites", root / "suites", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "specs" / "rules", root / "specs" / "rules")
    lines = ["[pytest]", "rulebook_catalog = specs/rules", "rulebook_suites = suites",
             "addopts = -p no:cacheprovider --import-mode=importlib"]
    if spec:
        lines.append(f"rulebook_spec = {SPEC}")
    (root / "pytest.ini").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def run_inline(root: Path, *args: str) -> int:
    """Run pytest in-process in ``root``, for set-ups shared by several tests (pytester is per test).

    The working directory and ``sys.path`` are put back afterwards, and the modules imported from ``root`` are
    dropped, so that one copy of the suites is never found again by a run over another copy.
    """
    modules, path = set(sys.modules), list(sys.path)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        try:
            return int(pytest.main([*args, "-q", "-p", "no:cacheprovider", "--rootdir", str(root)]))
        finally:
            for name in set(sys.modules) - modules:
                file = getattr(sys.modules[name], "__file__", None) or ""
                if name == "suites" or name.startswith("suites.") or file.startswith(str(root)):
                    del sys.modules[name]
            sys.path[:] = path


@pytest.fixture(scope="session", autouse=True)
def _server_imported() -> None:
    """Import the reference server (FastAPI, uvicorn) once: pytester drops what an inner run imported, so without
    this every tiny run would import it again when it starts the server."""
    import openai_rulebook.server  # noqa: F401


@pytest.fixture(scope="session")
def spec_loaded() -> Path:
    """The official spec, parsed once for the whole session (about two seconds) and cached by ``load_spec``."""
    if not SPEC.is_file():
        pytest.skip(f"the official OpenAI spec is not at {SPEC}")
    from openai_rulebook.spec import load_spec

    load_spec(SPEC)
    return SPEC


# -- the fault campaign, in the background ------------------------------------------------------------------------
def _die_with_parent() -> None:
    """In the child: be killed when this pytest dies, even by a signal that skips its clean-up (PR_SET_PDEATHSIG)."""
    import ctypes
    import signal

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


class Campaign:
    """``rulebook mutants`` over a copy of the real suites, in a process of its own.

    It runs every suite test once per fault, so it takes longer than all the other tests together (15 s with
    15 faults and 93 tests, minutes with a hundred faults). Started as soon as collection ends, it runs on a second
    core while the rest of this set runs here; its one test only waits for the result.
    """

    def __init__(self) -> None:
        self.root = copy_real_suites(Path(tempfile.mkdtemp(prefix="rulebook-campaign-")), spec=True)
        self.log = self.root / "campaign.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "openai_rulebook.cli", "mutants", "--report-dir", "mutants"],
                cwd=self.root, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )

    def result(self, timeout: float = 1200, progress: Any = None) -> tuple[int, str, dict[str, Any]]:
        """Exit code, output and ``mutants.json`` of the finished campaign (it runs every test once per fault).

        ``progress`` (a callable) gets each line of the campaign's output as it comes, so that the wait is not silent.
        """
        deadline, shown = time.monotonic() + timeout, 0
        while True:
            try:
                code = self.process.wait(1.0)
            except subprocess.TimeoutExpired:
                code = None
            if progress is not None:
                lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
                complete = [line for line in lines if line.endswith("\n")]
                for line in complete[shown:]:
                    progress(line.rstrip("\n"))
                shown = len(complete)
            if code is not None:
                break
            if time.monotonic() > deadline:
                output = self.log.read_text(encoding="utf-8", errors="replace")
                pytest.fail(f"the fault campaign did not finish within {timeout:.0f} s; so far it said:\n"
                            f"{output[-3000:]}")
        output = self.log.read_text(encoding="utf-8", errors="replace")
        report = self.root / "mutants" / "mutants.json"
        document = json.loads(report.read_text(encoding="utf-8")) if report.is_file() else {}
        return code, output, document

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


CAMPAIGN = pytest.StashKey[Campaign]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "campaign: the full fault campaign (slow; leave it out with -m 'not campaign')")


CAMPAIGN_TESTS = Path(__file__).parent / "test_mutants.py"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The campaign's test goes last, so that it waits least for the campaign."""
    items.sort(key=lambda item: item.path == CAMPAIGN_TESTS)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the campaign at once if its test is going to run."""
    if not session.config.option.collectonly and any(item.path == CAMPAIGN_TESTS for item in session.items):
        session.config.stash[CAMPAIGN] = Campaign()


def pytest_unconfigure(config: pytest.Config) -> None:
    campaign = config.stash.get(CAMPAIGN, None)
    if campaign is not None:
        campaign.close()


@pytest.fixture(scope="session")
def campaign(request: pytest.FixtureRequest) -> Campaign:
    """The fault campaign started when collection ended (or now, if it was not)."""
    if CAMPAIGN not in request.config.stash:
        request.config.stash[CAMPAIGN] = Campaign()
    return request.config.stash[CAMPAIGN]
