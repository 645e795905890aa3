"""``rulebook sdk-matrix``: the SDK suite once per ``openai`` SDK version, and which rules each version passes.

Each version gets an environment of its own under ``--env-dir`` (default ``.rulebook/sdk-envs/<version>``), made
once and reused: a venv without pip whose ``site-packages`` holds only that ``openai`` release (and whatever of its
dependencies this environment lacks or holds in a version it refuses), and a ``.pth`` file that then adds this
environment's ``site-packages``, so the harness, pytest and the rest come from here, unchanged. The venv's own
directory comes first on ``sys.path``: its ``openai`` wins. pip installs through ``pip --python``, so an
environment is ready in the time of one download. ``current`` names the ``openai`` installed here (no new env).

Every version runs the same suite (``suites/sdk``) on the same target (the reference server by default, a URL,
live, or a cassette set), writing ``<report dir>/<version>/compliance.json``; the matrix reads the verdicts of the
rules the suite's tests name and writes ``sdk-matrix.json``: per rule, the verdict per version, and for each step
from one version to the next (in the order given), the rules it breaks (passed before; fail, error or
inconclusive after) and fixes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openai_rulebook import exits
from openai_rulebook.atomic import write_atomically
from openai_rulebook.errors import RulebookError, UsageError

SCHEMA = "rulebook.sdk-matrix/1"
CURRENT = "current"
VERSION = re.compile(r"^\d+(\.\d+){0,3}([a-z]+\d*)?(\.post\d+)?$")
MARKER = "rulebook-sdk-env.json"
PARENT_PTH = "_rulebook_parent.pth"
#: verdicts that count as "works in this version", and those that count as "broken in this version": on the same
#: target, a rule that passed and now cannot be judged (inconclusive: a request the new SDK builds is refused) broke
GOOD, BROKEN = frozenset({"pass"}), frozenset({"fail", "error", "inconclusive"})


class InstallError(RulebookError):
    """A version could not be installed (a typo, no such release, no registry): an input error, exit 2."""

    exit_code = exits.USAGE


def parse_versions(text: str) -> list[str]:
    versions = [part.strip() for part in text.split(",") if part.strip()]
    if not versions:
        raise UsageError("--versions needs at least one version, e.g. --versions 3.56.0,3.57.0")
    for version in versions:
        if version != CURRENT and not VERSION.match(version):
            raise UsageError(f"--versions: {version!r} is not a release number such as 3.57.0 (or '{CURRENT}')")
    if len(set(versions)) != len(versions):
        raise UsageError(f"--versions names a version twice: {text}")
    return versions


@dataclass
class VersionRun:
    version: str
    installed: str | None = None
    python: str = ""
    exit_code: int | None = None
    seconds: float = 0.0
    env_reused: bool = False
    report: str | None = None
    verdicts: dict[str, str] = field(default_factory=dict)
    summary: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version, "installed": self.installed, "exit_code": self.exit_code,
                "seconds": round(self.seconds, 1), "env_reused": self.env_reused, "report": self.report,
                "summary": self.summary}


# -- environments ------------------------------------------------------------------------------------------------------
def _here_site_packages() -> str:
    return sysconfig.get_paths()["purelib"]


def _env_python(env: Path) -> Path:
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _env_site_packages(python: Path) -> str:
    out = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def ensure_env(version: str, env_dir: Path, *, log: Callable[[str], None]) -> tuple[Path, bool]:
    """The python of ``version``'s environment, made if needed; and whether it was reused."""
    if version == CURRENT:
        return Path(sys.executable), True
    env = env_dir / version
    python = _env_python(env)
    parent = _here_site_packages()
    marker = env / MARKER
    wanted = {"openai": version, "parent": parent, "python": sys.version.split()[0]}
    try:
        if python.is_file() and json.loads(marker.read_text(encoding="utf-8")) == wanted:
            return python, True
    except (OSError, ValueError):
        pass
    log(f"sdk-matrix: making the environment of openai {version} in {env}")
    subprocess.run([sys.executable, "-m", "venv", "--clear", "--without-pip", str(env)], check=True,
                   capture_output=True)
    site = Path(_env_site_packages(python))
    site.mkdir(parents=True, exist_ok=True)
    # after the env's own site-packages: the harness and its dependencies, from this environment
    (site / PARENT_PTH).write_text(f"import site; site.addsitedir({parent!r})\n", encoding="utf-8")
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                              "--disable-pip-version-check", f"openai=={version}"], capture_output=True, text=True)
    if install.returncode != 0:
        problem = [line for line in install.stderr.splitlines() if "ERROR" in line] or install.stderr.splitlines()
        raise InstallError(f"--versions: openai {version} could not be installed into {env}: "
                           f"{(problem or ['pip failed'])[-1].strip()}")
    write_atomically(marker, json.dumps(wanted) + "\n")
    return python, False


def installed_version(python: Path) -> str | None:
    out = subprocess.run([str(python), "-c", "import openai; print(openai.__version__)"], capture_output=True,
                         text=True)
    return out.stdout.strip() or None if out.returncode == 0 else None


# -- running -----------------------------------------------------------------------------------------------------------
def run_version(version: str, python: Path, *, suites: str, report_dir: Path, pytest_args: Sequence[str],
                cwd: Path) -> VersionRun:
    """The SDK suite with ``python`` (``version``'s environment); its output goes to ``<dir>/pytest.log``."""
    out = report_dir / version
    out.mkdir(parents=True, exist_ok=True)
    run = VersionRun(version, installed=installed_version(python), python=str(python))
    command = [str(python), "-m", "pytest", suites, "-p", "no:cacheprovider", "-q",
               "-W", "ignore::pytest.PytestAssertRewriteWarning", "--report-dir", str(out), *pytest_args]
    environ = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.monotonic()
    with (out / "pytest.log").open("w", encoding="utf-8") as log:
        done = subprocess.run(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env=environ)
    run.seconds = time.monotonic() - started
    run.exit_code = done.returncode
    report = out / "compliance.json"
    if report.is_file():
        document = json.loads(report.read_text(encoding="utf-8"))
        run.report = str(report)
        run.summary = dict(document.get("summary") or {})
        rules = document.get("rules") or []
        items = rules.items() if isinstance(rules, dict) else ((r.get("id"), r) for r in rules)
        # the rules this suite judges: those its tests name (the others are 'skipped' in every version)
        run.verdicts = {rule_id: entry.get("verdict") for rule_id, entry in items
                        if entry.get("tests") and entry.get("verdict") != "skipped"}
    return run


def upgrades(runs: Sequence[VersionRun]) -> list[dict[str, Any]]:
    """For each step from one version to the next: the rules it breaks and the rules it fixes."""
    steps = []
    for before, after in zip(runs, runs[1:]):
        rules = sorted(set(before.verdicts) | set(after.verdicts))
        breaks = [r for r in rules if before.verdicts.get(r) in GOOD and after.verdicts.get(r) in BROKEN]
        fixes = [r for r in rules if before.verdicts.get(r) in BROKEN and after.verdicts.get(r) in GOOD]
        changed = [r for r in rules if before.verdicts.get(r) != after.verdicts.get(r)]
        steps.append({"from": before.version, "to": after.version, "breaks": breaks, "fixes": fixes,
                      "changed": {r: [before.verdicts.get(r), after.verdicts.get(r)] for r in changed}})
    return steps


def matrix_document(runs: Sequence[VersionRun], *, target: Mapping[str, Any]) -> dict[str, Any]:
    rules = sorted({rule_id for run in runs for rule_id in run.verdicts})
    return {
        "schema": SCHEMA,
        "target": dict(target),
        "versions": [run.as_dict() for run in runs],
        "rules": {rule_id: {run.version: run.verdicts.get(rule_id, "not-run") for run in runs} for rule_id in rules},
        "upgrades": upgrades(runs),
    }


def exit_code(runs: Sequence[VersionRun]) -> int:
    """The convention of ``exits`` over every version's verdicts; a version whose run wrote no report is an error."""
    if any(run.report is None for run in runs):
        return exits.HARNESS if not any(run.exit_code == exits.USAGE for run in runs) else exits.USAGE
    total: dict[str, int] = {}
    for run in runs:
        for verdict in run.verdicts.values():
            total[verdict] = total.get(verdict, 0) + 1
    return exits.for_verdicts(total)


def run_matrix(versions: Sequence[str], *, env_dir: Path, report_dir: Path, suites: str,
               pytest_args: Sequence[str], target: Mapping[str, Any], cwd: Path,
               log: Callable[[str], None] = print) -> tuple[dict[str, Any], int]:
    runs = []
    for version in versions:
        python, reused = ensure_env(version, env_dir, log=log)
        run = run_version(version, python, suites=suites, report_dir=report_dir, pytest_args=pytest_args, cwd=cwd)
        run.env_reused = reused
        counts = ", ".join(f"{n} {verdict}" for verdict, n in sorted(_counts(run.verdicts).items()))
        log(f"sdk-matrix: openai {run.installed or version}: {counts or 'no report'} "
            f"({run.seconds:.1f} s, exit {run.exit_code}; {report_dir / version / 'pytest.log'})")
        runs.append(run)
    document = matrix_document(runs, target=target)
    write_atomically(report_dir / "sdk-matrix.json", json.dumps(document, indent=2) + "\n")
    return document, exit_code(runs)


def _counts(verdicts: Mapping[str, str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for verdict in verdicts.values():
        counts[verdict] = counts.get(verdict, 0) + 1
    return counts


def render_text(document: Mapping[str, Any]) -> str:
    """The table (rule x version) and, per upgrade step, what it breaks and fixes."""
    versions = [entry["version"] for entry in document["versions"]]
    rules = document["rules"]
    width = max([len("rule"), *(len(rule_id) for rule_id in rules)])
    columns = [max(len(v), 12) for v in versions]
    lines = ["  ".join(["rule".ljust(width), *(v.ljust(w) for v, w in zip(versions, columns))])]
    lines.append("  ".join(["-" * width, *("-" * w for w in columns)]))
    for rule_id, per_version in rules.items():
        lines.append("  ".join([rule_id.ljust(width),
                                *(str(per_version.get(v)).ljust(w) for v, w in zip(versions, columns))]))
    for step in document["upgrades"]:
        head = f"upgrading from {step['from']} to {step['to']}"
        if step["breaks"]:
            lines.append(f"{head} breaks these rules: {', '.join(step['breaks'])}")
        else:
            lines.append(f"{head} breaks no rule")
        if step["fixes"]:
            lines.append(f"  ... and fixes: {', '.join(step['fixes'])}")
    return "\n".join(lines)
