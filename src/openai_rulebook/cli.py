"""rulebook: contract tests and compliance reports for the OpenAI HTTP API, one documented rule at a time.

commands:
  rulebook run        run the suites against a target; writes REPORT_DIR/compliance.json
  rulebook catalog    what the catalog covers; --check gates on it
  rulebook serve      run the bundled reference server (optionally with faults on)
  rulebook mutants    the fault campaign: the suites once per reference-server fault

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

DEFAULT_CATALOG = "specs/rules.yaml"
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
    run.add_argument("--explore", action="store_true",
                     help="let hypothesis draw new values each run (default: derandomized, repeatable)")
    suite_options(run)

    mutants = commands.add_parser(
        "mutants", help="run the suites once per reference-server fault and variant; write REPORT_DIR/mutants.json",
        description="The two-sided campaign: the suites once without faults, then once per reference-server fault "
                    "(each must fail its rule and no other) and once per variant (none may change a verdict). "
                    "\nExit 1 when a fault is missed or fails another rule, a variant changes a verdict, or a rule "
                    "fails without faults.")
    mutants.add_argument("--select", default=None, metavar="TEXT",
                         help="only faults and variants whose name (or a fault's rule) contains TEXT "
                              "(default: all)")
    suite_options(mutants)

    serve = commands.add_parser(
        "serve", help="run the reference server",
        description="Run the bundled reference server (in memory) until interrupted. It starts with one line giving "
                    "its base URL (with /v1), for 'rulebook run --target url --base-url URL', its clock and its "
                    "faults and variants. On the wall clock, timestamps are real time and processing (vector store "
                    "files, file batches, batches) completes in a second or two.")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on, 0 for a free one (default: 8000)")
    serve.add_argument("--clock", choices=("wall", "frozen"), default="wall",
                       help="wall: real time, processing completes in a second or two; frozen: time stands still at "
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
    return parser


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


def cmd_run(args: argparse.Namespace) -> int:
    extra = ["--target", args.target, "--report-dir", args.report_dir]
    for option in ("record_from", "base_url", "api_key_env", "cassette_dir", "tiers", "areas"):
        value = getattr(args, option)
        if value:
            extra += [f"--{option.replace('_', '-')}", value]
    extra += [arg for fault in args.fault for arg in ("--fault", fault)]
    extra += [arg for variant in args.variant for arg in ("--variant", variant)]
    if args.explore:
        extra.append("--explore")
    report = Path(args.report_dir) / "compliance.json"
    before = report.stat().st_mtime_ns if report.is_file() else None
    code = _pytest(args, extra)
    # only a report this run wrote: an old one would describe another run
    if report.is_file() and report.stat().st_mtime_ns != before:
        from openai_rulebook.reporting import print_summary

        document = json.loads(report.read_text(encoding="utf-8"))
        print_summary(document)
    return code


def cmd_mutants(args: argparse.Namespace) -> int:
    extra = ["--mutants", args.report_dir, "-q"]
    if args.select:
        extra += ["--mutants-select", args.select]
    return _pytest(args, extra)


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


COMMANDS = {"run": cmd_run, "mutants": cmd_mutants, "serve": cmd_serve, "catalog": cmd_catalog}


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
