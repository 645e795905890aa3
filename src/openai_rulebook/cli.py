"""rulebook: contract tests and compliance reports for the OpenAI HTTP API, one documented rule at a time.

commands:
  rulebook run        run the suites against a target; writes REPORT_DIR/compliance.json
  rulebook catalog    what the catalog covers; --check gates on it
  rulebook serve      run the bundled reference server (optionally with faults on)
  rulebook mutants    the fault campaign: the suites once per reference-server fault
  rulebook drift      what changed: between two runs (drift runs), between catalog and spec (drift spec)
  rulebook gate       the CI decision on a compliance.json, with a baseline and expiring waivers
  rulebook report     reports for people (html, markdown) from a compliance.json; merge parallel shards
  rulebook plan       what a live run would cost, from the catalog's estimate per rule
  rulebook sdk-matrix the SDK suite once per openai SDK version: which rules each version passes

exit codes (every command):
  0  every rule that was checked passed (catalog --check: no problem found)
  1  a rule failed (catalog --check: a problem found; mutants: a fault missed or imprecise)
  2  usage or input error: a bad option, a missing file, an unwritable report directory, incomplete cassettes
  3  the harness erred
  4  nothing conclusive: the target did not answer, or no rule could be judged
  130 interrupted (Ctrl-C)

Run 'rulebook COMMAND --help' for the options of a command.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from openai_rulebook import __version__, exits
from openai_rulebook.errors import RulebookError, UsageError

DEFAULT_CATALOG = "specs/rules"
DEFAULT_SUITES = "suites"
DEFAULT_REPORT_DIR = "reports"
INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    """argparse with the one error prefix of the convention, and descriptions printed as written."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(exits.USAGE, f"{exits.error_line(message)} (see '{self.prog} --help')\n")


def _parser() -> argparse.ArgumentParser:
    from openai_rulebook.plugin.targets import SOURCES, TARGETS

    parser = _Parser(prog="rulebook", description=__doc__)
    parser.add_argument("--version", action="version", version=f"openai-rulebook {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    catalog = commands.add_parser(
        "catalog", help="print the catalog's coverage; --check to gate on it",
        description="Print what the catalog covers: seeds cited per rulebook section, rules per kind and tier, "
                    "tests and faults per rule.\nWith --check: exit 1 on a problem, 2 when the catalog cannot load.")
    catalog.add_argument("--catalog", default=DEFAULT_CATALOG, metavar="PATH",
                         help=f"the catalog (default: {DEFAULT_CATALOG})")
    catalog.add_argument("--seeds", default=None, metavar="PATH",
                         help="the seed rulebook TSV (default: the catalog's seeds_file)")
    catalog.add_argument("--suites", default=DEFAULT_SUITES, metavar="DIR",
                         help=f"the suites directory (default: {DEFAULT_SUITES})")
    catalog.add_argument("--check", action="store_true",
                         help="exit 1 on an uncited seed, a suite test naming no rule or an unknown one, a fault "
                              "naming an unknown rule; exit 2 when the catalog does not load (a duplicate id, a bad "
                              "entry) (default: off)")
    catalog.add_argument("--require-tests", action="store_true",
                         help="with --check: also exit 1 on a checkable rule no test checks (default: off)")
    catalog.add_argument("--json", action="store_true", help="print the coverage as JSON (default: tables)")

    def suite_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--suites", default=DEFAULT_SUITES, metavar="DIR",
                         help=f"the suites directory (default: {DEFAULT_SUITES})")
        sub.add_argument("--report-dir", default=DEFAULT_REPORT_DIR, metavar="DIR",
                         help=f"where reports go; checked writable before anything runs "
                              f"(default: {DEFAULT_REPORT_DIR})")
        sub.add_argument("--catalog", default=None, metavar="PATH",
                         help=f"the catalog (default: ini rulebook_catalog, else {DEFAULT_CATALOG})")
        sub.add_argument("--spec", default=None, metavar="PATH",
                         help="the official OpenAPI spec for the response-schema checks; must exist (default: "
                              "$RULEBOOK_SPEC, else ini rulebook_spec; if that default is absent the checks are "
                              "off, and the run says so)")
        sub.add_argument("pytest_args", nargs=argparse.REMAINDER, metavar="-- PYTEST_ARGS",
                         help="after --: more pytest options (-k, -x, --junitxml=..., --alluredir=...)")

    run = commands.add_parser(
        "run", help="run the suites against a target and write REPORT_DIR/compliance.json",
        description="Run the suites against a target, print a verdict per rule and write REPORT_DIR/compliance.json."
                    "\nBefore any test: the options, the report directory, the spec, the cassettes (replay) and "
                    "whether the target answers (url, live) are checked.")
    run.add_argument("--target", default="reference", metavar="TARGET",
                     help=f"where requests go: {', '.join(TARGETS)} (default: reference, the bundled server)")
    run.add_argument("--record-from", default=None, metavar="SOURCE",
                     help=f"with --target record: whose answers are recorded, {', '.join(SOURCES)} "
                          "(default: reference)")
    run.add_argument("--base-url", default=None, metavar="URL",
                     help="with --target url (or --record-from url): the API's base URL, e.g. "
                          "http://127.0.0.1:8000/v1 (default: none)")
    run.add_argument("--api-key-env", default=None, metavar="NAME",
                     help="environment variable holding the API key (default: OPENAI_API_KEY)")
    run.add_argument("--cassette-dir", default=None, metavar="DIR",
                     help="cassette set to record into or replay from (default: cassettes/<source>)")
    run.add_argument("--tiers", default=None, metavar="TIER,…",
                     help="tiers to run, comma-separated (default: all but heavy on the reference server, "
                          "free,cheap elsewhere)")
    run.add_argument("--areas", default=None, metavar="AREA,…",
                     help="only the tests of rules in these API areas, e.g. files,uploads; the others' rules are "
                          "reported skipped (default: all areas)")
    run.add_argument("--fault", action="append", default=[], metavar="NAME",
                     help="switch on a fault of the reference server, repeatable (default: none; "
                          "'rulebook serve --list-faults' lists them)")
    run.add_argument("--variant", action="append", default=[], metavar="NAME",
                     help="switch on a variant of the reference server (a legal liberty the suites must not "
                          "notice), repeatable (default: none; 'rulebook serve --list-variants' lists them)")
    run.add_argument("--model", action="append", default=[], metavar="ROLE=NAME",
                     help="the target's model for a model role (chat, reasoning, embeddings, moderation, completions, "
                          "responses, ...), repeatable or comma-separated: --model chat=my-llm,embeddings=e5 "
                          "(default: the catalog's _catalog.yaml 'models')")
    run.add_argument("--explore", action="store_true",
                     help="let hypothesis draw new values each run (default: derandomized, repeatable)")
    run.add_argument("--jobs", type=int, default=None, metavar="N",
                     help="worker processes (pytest-xdist), each with its own reference server; the rules are "
                          "judged once over all of them (default: one per core, at most 4, on the reference "
                          "server; 1 elsewhere: a real API is not to be hit twice as hard, and a recording or "
                          "replay reads one cassette set in order)")
    suite_options(run)

    mutants = commands.add_parser(
        "mutants", help="run the suites once per reference-server fault and variant; write REPORT_DIR/mutants.json",
        description="The two-sided campaign: the suites once without faults, then once per reference-server fault "
                    "(each must fail its rule and no other) and once per variant (none may change a verdict). "
                    "\nExit 1 when a fault is missed or fails another rule, a variant changes a verdict, or a rule "
                    "fails without faults.")
    mutants.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), metavar="N",
                         help="processes to share the rounds among, each running the baseline once "
                              f"(default: {min(2, os.cpu_count() or 1)}, the cores up to 2)")
    mutants.add_argument("--select", default=None, metavar="TEXT",
                         help="only faults and variants whose name (or a fault's rule) contains TEXT "
                              "(default: all)")
    suite_options(mutants)

    serve = commands.add_parser(
        "serve", help="run the reference server",
        description="Run the bundled reference server (in memory) until interrupted. It starts with one line giving "
                    "its base URL (with /v1), for 'rulebook run --target url --base-url URL', its clock and its "
                    "faults and variants. On the wall clock, timestamps are real time and processing (vector store "
                    "files, file batches, batches) completes in a fraction of a second (a quarter of the seconds it counts).")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on, 0 for a free one (default: 8000)")
    serve.add_argument("--clock", choices=("wall", "frozen"), default="wall",
                       help="wall: real time, processing completes in a fraction of a second; frozen: time stands still at "
                            "2025-01-01T00:00:00Z, so nothing in progress ever finishes (default: wall)")
    serve.add_argument("--fault", action="append", default=[], metavar="NAME",
                       help="switch on a fault, repeatable (default: none)")
    serve.add_argument("--list-faults", action="store_true",
                       help="print the faults and the rules they break, one a line, and exit (default: off)")
    serve.add_argument("--variant", action="append", default=[], metavar="NAME",
                       help="switch on a variant, a legal liberty the suites must not notice, repeatable "
                            "(default: none)")
    serve.add_argument("--list-variants", action="store_true",
                       help="print the variants and what they change, one a line, and exit (default: off)")
    _drift_and_gate_parsers(commands)
    _sdk_matrix_parser(commands)
    from openai_rulebook.reporting import command as report_command

    report_command.add_parser(commands, _Parser)
    from openai_rulebook import plan

    plan.add_parser(commands)
    from openai_rulebook.contracts import client_command

    client_command.add_parser(commands)
    return parser


def _sdk_matrix_parser(commands: Any) -> None:
    matrix = commands.add_parser(
        "sdk-matrix", help="the SDK suite once per openai SDK version; writes REPORT_DIR/sdk-matrix.json",
        description="Run the SDK suite (suites/sdk) once per openai SDK version, each in an environment of its own "
                    "(made once under --env-dir, then reused), on the same target or cassettes; print per rule the "
                    "verdict per version and what each upgrade (in the order given) breaks.\nExit 0 when every "
                    "rule checked passed in every version, 1 when one failed in some version, 2 on a bad option or "
                    "a version that does not install, 3 on a harness error, 4 when nothing was judged.")
    matrix.add_argument("--versions", required=True, metavar="A,B,…",
                        help="openai releases to compare, oldest first (e.g. 3.56.0,3.57.0); 'current' is the one "
                             "installed here")
    matrix.add_argument("--target", default="reference", metavar="TARGET",
                        help="reference (default), url, live or replay: as for 'rulebook run'")
    matrix.add_argument("--base-url", default=None, metavar="URL", help="with --target url: the API's base URL")
    matrix.add_argument("--api-key-env", default=None, metavar="NAME",
                        help="environment variable holding the key (default: OPENAI_API_KEY)")
    matrix.add_argument("--cassette-dir", default=None, metavar="DIR", help="with --target replay: the cassette set")
    matrix.add_argument("--tiers", default=None, metavar="TIER,…", help="as for 'rulebook run'")
    matrix.add_argument("--model", action="append", default=[], metavar="ROLE=NAME", help="as for 'rulebook run'")
    matrix.add_argument("--suites", default="suites/sdk", metavar="DIR",
                        help="the SDK suite (default: suites/sdk)")
    matrix.add_argument("--report-dir", default="reports/sdk-matrix", metavar="DIR",
                        help="where VERSION/compliance.json, VERSION/pytest.log and sdk-matrix.json go "
                             "(default: reports/sdk-matrix)")
    matrix.add_argument("--env-dir", default=".rulebook/sdk-envs", metavar="DIR",
                        help="where the per-version environments are kept and reused (default: .rulebook/sdk-envs)")
    matrix.add_argument("--json", action="store_true", help="print sdk-matrix.json instead of the table")
    matrix.add_argument("pytest_args", nargs=argparse.REMAINDER, metavar="-- PYTEST_ARGS",
                        help="anything after -- goes to pytest in every version (e.g. -- -k retries)")


def _drift_and_gate_parsers(commands: Any) -> None:
    """``drift runs``, ``drift spec`` and ``gate``: commands that read reports, never run the suites."""
    from openai_rulebook.drift.render import FORMATS

    drift = commands.add_parser("drift", help="drift reports: two runs compared, or the catalog against the spec",
                                description="Drift reports. 'rulebook drift runs A B' compares two runs; "
                                            "'rulebook drift spec' compares the catalog with the OpenAPI spec.")
    kinds = drift.add_subparsers(dest="drift_command", required=True, metavar="KIND", parser_class=_Parser)
    runs = kinds.add_parser(
        "runs", help="what changed between two runs (compliance.json) or two cassette sets",
        description="Per rule: verdict changes and the statuses its tests got; per operation: new and removed "
                    "response fields, newly null fields, new enum values, changed statuses and error codes, "
                    "headers of interest. A and B: a compliance.json (or its directory), a cassette set "
                    "(observations only) or a directory of real-traffic JSONL recordings."
                    "\nExit 0 when nothing changed, 1 when something did, 2 on a bad input.")
    runs.add_argument("a", metavar="A", help="the earlier run (baseline)")
    runs.add_argument("b", metavar="B", help="the later run")
    runs.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    runs.add_argument("--catalog", default=DEFAULT_CATALOG, metavar="PATH",
                      help=f"the catalog, to match recordings to operations (default: {DEFAULT_CATALOG})")
    runs.add_argument("--output", default=None, metavar="FILE", help="write the report there (default: stdout)")
    spec = kinds.add_parser(
        "spec", help="per rule: catalog params vs the spec's schema vs its description text (vs a run)",
        description="Per rule: the catalog's params (min/max, values, default, required) against what the OpenAPI "
                    "spec encodes for that parameter on the rule's endpoints and what its description says in "
                    "words; with --run, against what was observed. Each rule is agree, differs, text-only, "
                    "spec-silent or not-in-spec; every disputed rule is listed. With --against OLD_SPEC, the "
                    "spec-to-spec diff is mapped to the rules it touches.\nExit 0 always (it reports, it does "
                    "not judge), 2 on a bad input.")
    spec.add_argument("--spec", default=None, metavar="PATH",
                      help="the OpenAPI spec (default: $RULEBOOK_SPEC, else ../shared/specs/openai-openapi.yaml)")
    spec.add_argument("--against", default=None, metavar="OLD_SPEC",
                      help="an older spec: map what changed since to the rules it touches (default: none)")
    spec.add_argument("--run", default=None, metavar="REPORT",
                      help="a compliance.json, cassette set or recordings directory: add what was observed "
                           "(default: none)")
    spec.add_argument("--catalog", default=DEFAULT_CATALOG, metavar="PATH",
                      help=f"the catalog (default: {DEFAULT_CATALOG})")
    spec.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    spec.add_argument("--output", default=None, metavar="FILE", help="write the report there (default: stdout)")

    gate = commands.add_parser(
        "gate", help="the CI decision on a compliance.json: baseline, expiring waivers, bounded inconclusives",
        description="Decide CI on a compliance.json.\n"
                    "exit 0  nothing new is broken (failures are known from the baseline, or waived)\n"
                    "exit 1  a rule newly fails (with no baseline: any rule fails), or a waiver has expired\n"
                    "exit 2  usage or input error (a bad report, a bad waivers file, a waiver for an unknown rule)\n"
                    "exit 3  the harness erred (a rule's verdict is error)\n"
                    "exit 4  more inconclusive+unsupported rules than --max-inconclusive, or no rule passed\n"
                    "Inconclusive and unsupported rules are always counted and shown; they are bounded only with "
                    "--max-inconclusive.")
    gate.add_argument("--report", required=True, metavar="REPORT", help="the run's compliance.json (or its dir)")
    gate.add_argument("--baseline", default=None, metavar="OLD",
                      help="an earlier compliance.json: its failures are known, not new (default: none, every "
                           "failure counts)")
    gate.add_argument("--waivers", default=None, metavar="FILE",
                      help="YAML list of waivers (rule, reason, owner, expires: YYYY-MM-DD) (default: none)")
    gate.add_argument("--max-inconclusive", type=int, default=None, metavar="N",
                      help="exit 4 when more than N rules are inconclusive or unsupported (default: not bounded, "
                           "but counted and shown)")
    gate.add_argument("--today", default=None, metavar="YYYY-MM-DD",
                      help="the date waivers expire against (default: today, UTC)")
    gate.add_argument("--json", action="store_true", help="print the decision as JSON (default: text)")


def _pytest_code(code: int) -> int:
    """pytest's own exit codes, in the convention of ``exits`` (for what the plugin did not decide)."""
    import pytest

    return {
        pytest.ExitCode.OK: exits.OK,
        pytest.ExitCode.TESTS_FAILED: exits.RULE_FAILED,
        pytest.ExitCode.INTERRUPTED: INTERRUPTED,
        pytest.ExitCode.INTERNAL_ERROR: exits.HARNESS,
        pytest.ExitCode.USAGE_ERROR: exits.USAGE,
        pytest.ExitCode.NO_TESTS_COLLECTED: exits.NOTHING_CONCLUSIVE,
    }.get(code, exits.HARNESS)


def _pytest(args: argparse.Namespace, extra: list[str]) -> int:
    import pytest

    suites = Path(args.suites)
    if not suites.is_dir():
        raise UsageError(f"--suites {args.suites}: no such directory ({suites.resolve()}); run from the project "
                         "root or pass --suites")
    for option in ("catalog", "spec"):
        value = getattr(args, option)
        if value:
            extra = [*extra, f"--{option}", value]
    passthrough = [arg for arg in args.pytest_args if arg != "--"]
    # the CLI imported the package before pytest could rewrite its asserts; the suites' own asserts are rewritten
    quiet = ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    from openai_rulebook.plugin.plugin import EXIT_CODE

    class Outcome:  # sees the session's config, to read the exit code the rulebook plugin decided, if it did
        config: pytest.Config | None = None

        @pytest.hookimpl(tryfirst=True)
        def pytest_cmdline_main(self, config: pytest.Config) -> None:
            self.config = config

    outcome = Outcome()
    code = int(pytest.main([str(suites), "-p", "no:cacheprovider", *quiet, *extra, *passthrough], plugins=[outcome]))
    decided = outcome.config.stash.get(EXIT_CODE, None) if outcome.config is not None else None
    return decided if decided is not None else _pytest_code(code)


def _run_jobs(args: argparse.Namespace) -> int:
    """How many worker processes ``rulebook run`` uses (``--jobs``, else the default for the target)."""
    if args.jobs is not None:
        if args.jobs < 1:
            raise UsageError(f"--jobs {args.jobs}: give 1 or more worker processes")
        if args.jobs > 1 and args.target in ("record", "replay"):
            raise UsageError(f"--jobs {args.jobs}: --target {args.target} runs in one process (one cassette set, "
                             "written or read in test order); leave out --jobs")
        return args.jobs
    passthrough = [arg for arg in args.pytest_args if arg != "--"]
    if args.target != "reference" or any(arg in ("-n", "--numprocesses") or arg.startswith(("-n", "--numprocesses="))
                                         for arg in passthrough):
        return 1
    import importlib.util

    if importlib.util.find_spec("xdist") is None:
        return 1
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def cmd_run(args: argparse.Namespace) -> int:
    extra = ["--target", args.target, "--report-dir", args.report_dir]
    for option in ("record_from", "base_url", "api_key_env", "cassette_dir", "tiers", "areas"):
        value = getattr(args, option)
        if value:
            extra += [f"--{option.replace('_', '-')}", value]
    extra += [arg for fault in args.fault for arg in ("--fault", fault)]
    extra += [arg for variant in args.variant for arg in ("--variant", variant)]
    extra += [arg for model in args.model for arg in ("--model", model)]
    if args.explore:
        extra.append("--explore")
    jobs = _run_jobs(args)
    if jobs > 1:
        extra += ["-n", str(jobs)]
    report = Path(args.report_dir) / "compliance.json"
    before = report.stat().st_mtime_ns if report.is_file() else None
    code = _pytest(args, extra)
    # only a report this run wrote: an old one would describe another run
    if report.is_file() and report.stat().st_mtime_ns != before:
        from openai_rulebook.reporting import print_summary

        document = json.loads(report.read_text(encoding="utf-8"))
        print_summary(document)
        from openai_rulebook.reporting.command import after_run

        after_run(report, document)
    return code


def cmd_mutants(args: argparse.Namespace) -> int:
    extra = ["--mutants", args.report_dir, "-q"]
    if args.select:
        extra += ["--mutants-select", args.select]
    if args.jobs <= 1:
        return _pytest(args, extra)
    return _mutants_in_parallel(args)


def _mutants_in_parallel(args: argparse.Namespace) -> int:
    """``--jobs N``: N pytest processes, each with the baseline and its share of the rounds, then one mutants.json.

    Every process computes the same balanced split from the same deterministic baseline (``--mutants-shard``); their
    lines are passed through as they come, prefixed with the shard.
    """
    import subprocess
    import tempfile
    import threading
    import time

    from openai_rulebook.reporting import merge_mutants
    from openai_rulebook.server import FAULTS, VARIANTS

    report_dir = Path(args.report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rulebook-shards-", dir=report_dir) as scratch:
        processes = []
        for index in range(args.jobs):
            command = [sys.executable, "-m", "pytest", args.suites, "-p", "no:cacheprovider", "-q",
                       "-W", "ignore::pytest.PytestAssertRewriteWarning",
                       "--mutants", str(Path(scratch) / str(index)), "--mutants-shard", f"{index}/{args.jobs}"]
            command += ["--mutants-select", args.select] if args.select else []
            command += [arg for option in ("catalog", "spec") if getattr(args, option)
                        for arg in (f"--{option}", getattr(args, option))]
            command += [arg for arg in args.pytest_args if arg != "--"]
            processes.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                              stdin=subprocess.DEVNULL, text=True, bufsize=1,
                                              env={**os.environ, "PYTHONUNBUFFERED": "1"}))

        def relay(index: int, stream: Any) -> None:
            for line in stream:
                if line.strip() and not line.startswith(("no tests ran", "=")):
                    print(f"[{index}] {line.rstrip()}", flush=True)

        relays = [threading.Thread(target=relay, args=(i, p.stdout), daemon=True) for i, p in enumerate(processes)]
        for thread in relays:
            thread.start()
        codes = [process.wait() for process in processes]
        for thread in relays:
            thread.join()
        documents = []
        for index in range(args.jobs):
            shard = Path(scratch) / str(index) / "mutants.json"
            if not shard.is_file():
                raise RulebookError(f"campaign shard {index} wrote no mutants.json (exit {codes[index]}); "
                                    f"its lines above say why")
            documents.append(json.loads(shard.read_text(encoding="utf-8")))
        path = merge_mutants(report_dir, documents, seconds=time.monotonic() - started,
                             order=[*FAULTS, *VARIANTS])
    document = json.loads(path.read_text(encoding="utf-8"))
    missed = [m["fault"] for m in document["mutants"] if not m["detected"]]
    imprecise = [m["fault"] for m in document["mutants"] if m["other_rules_failed"]]
    unspecific = [v["variant"] for v in document["variants"] if not v["specific"]]
    print(f"rulebook: {document['detected']}/{document['faults']} faults detected, {len(imprecise)} imprecise; "
          f"{len(document['variants']) - len(unspecific)}/{len(document['variants'])} variants passed unchanged; "
          f"{len(document['run']['baseline_failed'])} rule(s) failing at baseline; {document['run']['seconds']:.0f} s "
          f"with {args.jobs} jobs; wrote {path}", flush=True)
    if missed or imprecise or unspecific or document["run"]["baseline_failed"]:
        return exits.RULE_FAILED
    return max(codes) if any(code not in (0, 5) for code in codes) else exits.OK


def cmd_serve(args: argparse.Namespace) -> int:
    from openai_rulebook.server import FAULTS, VARIANTS, serve

    if args.list_faults:
        for fault in FAULTS.values():
            print(f"{fault.name}\t{fault.rule}\t{fault.description}")
        return exits.OK
    if args.list_variants:
        for variant in VARIANTS.values():
            print(f"{variant.name}\t{variant.description}")
        return exits.OK
    for name in args.fault:
        if name not in FAULTS:
            raise UsageError(f"--fault {name!r} is not a fault of the reference server"
                             f"{exits.nearest(name, FAULTS)} ('rulebook serve --list-faults' lists them)")
    for name in args.variant:
        if name not in VARIANTS:
            raise UsageError(f"--variant {name!r} is not a variant of the reference server"
                             f"{exits.nearest(name, VARIANTS)} ('rulebook serve --list-variants' lists them)")
    try:
        serve(host=args.host, port=args.port, faults=tuple(args.fault), variants=tuple(args.variant),
              clock=args.clock, announce=lambda line: print(line, flush=True))  # flushed: a script may be reading
    except OSError as exc:  # binding: the port is taken, the address is not this machine's
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}"
                         f"{' (--port 0 picks a free port)' if exc.errno == errno.EADDRINUSE else ''}") from exc
    return exits.OK


def cmd_catalog(args: argparse.Namespace) -> int:
    from openai_rulebook.coverage import coverage, print_coverage

    report = coverage(Path(args.catalog), seeds=Path(args.seeds) if args.seeds else None, suites=Path(args.suites))
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print_coverage(report)
    if not args.check:
        return exits.OK
    problems = report.problems(require_tests=args.require_tests)
    for problem in problems:
        print(exits.error_line(problem), file=sys.stderr)
    return exits.RULE_FAILED if problems else exits.OK


def _route_index(catalog: str) -> Any:
    from openai_rulebook.catalog import load_catalog
    from openai_rulebook.routes import RouteIndex

    return RouteIndex(e for rule in load_catalog(Path(catalog)).rules for e in rule.endpoints)


def _emit(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
        print(f"rulebook: wrote {output}")
    else:
        sys.stdout.write(text)


def _console() -> Any:
    from rich.console import Console

    # never cut: a CI log or a file keeps every rule id whole
    return Console(width=None if sys.stdout.isatty() else 200, soft_wrap=not sys.stdout.isatty())


def cmd_drift(args: argparse.Namespace) -> int:
    from openai_rulebook.drift.render import print_runs, print_spec, render

    if args.drift_command == "runs":
        from openai_rulebook.drift.inputs import load_side
        from openai_rulebook.drift.runs import compare_runs

        routes = lambda: _route_index(args.catalog)  # noqa: E731 - only recordings need the catalog
        document = compare_runs(load_side(args.a, routes), load_side(args.b, routes))
        if args.format == "text" and not args.output:
            print_runs(document, _console())
        else:
            _emit(render(document, "markdown" if args.format == "text" else args.format, "runs"), args.output)
        return exits.RULE_FAILED if document["changed"] else exits.OK
    from openai_rulebook.catalog import load_catalog
    from openai_rulebook.drift.spec import spec_drift
    from openai_rulebook.spec import load_spec

    spec_path = Path(args.spec or os.environ.get("RULEBOOK_SPEC") or "../shared/specs/openai-openapi.yaml")
    catalog = load_catalog(Path(args.catalog))
    observations = None
    if args.run:
        from openai_rulebook.drift.inputs import load_side

        observations = load_side(args.run, lambda: _route_index(args.catalog)).observations
    spec = load_spec(spec_path)
    document = spec_drift(catalog, spec, observations=observations, spec_label=str(spec_path))
    if args.against:
        from openai_rulebook.drift.spec_diff import spec_changes

        document["spec_changes"] = {"against": args.against, **spec_changes(catalog, load_spec(args.against), spec)}
    if args.format == "text" and not args.output:
        print_spec(document, _console())
    else:
        _emit(render(document, "markdown" if args.format == "text" else args.format, "spec"), args.output)
    return exits.OK


def cmd_gate(args: argparse.Namespace) -> int:
    from datetime import UTC, date, datetime

    from openai_rulebook.gate import decide, load_report, load_waivers, print_decision

    def report_path(text: str) -> Path:
        path = Path(text)
        return path / "compliance.json" if path.is_dir() else path

    if args.max_inconclusive is not None and args.max_inconclusive < 0:
        raise UsageError(f"--max-inconclusive {args.max_inconclusive}: must be 0 or more")
    try:
        today = date.fromisoformat(args.today) if args.today else datetime.now(UTC).date()
    except ValueError as exc:
        raise UsageError(f"--today {args.today!r}: not a date of the form YYYY-MM-DD") from exc
    report = load_report(report_path(args.report), "--report")
    baseline = load_report(report_path(args.baseline), "--baseline") if args.baseline else None
    waivers = load_waivers(Path(args.waivers)) if args.waivers else []
    decision = decide(report, baseline=baseline, waivers=waivers, waivers_file=args.waivers or "", today=today,
                      max_inconclusive=args.max_inconclusive)
    if args.json:
        print(json.dumps(decision.as_dict(), indent=2))
    else:
        print_decision(decision, _console())
    return decision.code


def cmd_sdk_matrix(args: argparse.Namespace) -> int:
    from openai_rulebook.plugin.targets import TARGETS
    from openai_rulebook.sdk.matrix import parse_versions, render_text, run_matrix

    versions = parse_versions(args.versions)
    if args.target not in TARGETS or args.target == "record":
        raise UsageError(f"--target {args.target!r}: the matrix runs on reference, url, live or replay"
                         f"{exits.nearest(args.target, ('reference', 'url', 'live', 'replay'))}")
    if not Path(args.suites).is_dir():
        raise UsageError(f"--suites {args.suites}: no such directory; run from the project root or pass --suites")
    extra = ["--target", args.target]
    for option in ("base_url", "api_key_env", "cassette_dir", "tiers"):
        value = getattr(args, option)
        if value:
            extra += [f"--{option.replace('_', '-')}", value]
    extra += [arg for model in args.model for arg in ("--model", model)]
    extra += [arg for arg in args.pytest_args if arg != "--"]
    target = {"target": args.target, "base_url": args.base_url, "cassette_dir": args.cassette_dir}
    document, code = run_matrix(versions, env_dir=Path(args.env_dir), report_dir=Path(args.report_dir),
                                suites=args.suites, pytest_args=extra, target=target, cwd=Path.cwd(),
                                log=lambda line: print(line, file=sys.stderr))
    print(json.dumps(document, indent=2) if args.json else render_text(document))
    print(f"rulebook: wrote {Path(args.report_dir) / 'sdk-matrix.json'}", file=sys.stderr)
    return code


def cmd_report(args: argparse.Namespace) -> int:
    from openai_rulebook.reporting.command import run

    return run(args)


def cmd_plan(args: argparse.Namespace) -> int:
    from openai_rulebook.plan import run

    return run(args)


def cmd_client_check(args: argparse.Namespace) -> int:
    from openai_rulebook.contracts.client_command import run

    return run(args)


COMMANDS = {"plan": cmd_plan, "run": cmd_run, "mutants": cmd_mutants, "serve": cmd_serve, "catalog": cmd_catalog,
            "drift": cmd_drift, "gate": cmd_gate, "report": cmd_report, "client-check": cmd_client_check,
            "sdk-matrix": cmd_sdk_matrix}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except RulebookError as exc:
        print(exits.error_line(str(exc)), file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # the reader went away (rulebook serve --list-faults | head): end quietly, and let Python's own flush at
        # exit write into nothing rather than raise again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return exits.OK
    except KeyboardInterrupt:
        return INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
