"""The ``rulebook`` command: catalog coverage, runs, the reference server and fault campaigns."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from openai_rulebook import __version__
from openai_rulebook.errors import RulebookError

DEFAULT_CATALOG = "specs/rules.yaml"
DEFAULT_SUITES = "suites"


def _parser() -> argparse.ArgumentParser:
    from openai_rulebook.plugin.targets import SOURCES, TARGETS

    parser = argparse.ArgumentParser(prog="rulebook", description=__doc__)
    parser.add_argument("--version", action="version", version=f"openai-rulebook {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    catalog = commands.add_parser("catalog", help="print the catalog's coverage; --check to gate on it")
    catalog.add_argument("--catalog", default=DEFAULT_CATALOG, help=f"the catalog (default {DEFAULT_CATALOG})")
    catalog.add_argument("--seeds", default=None, help="the seed rulebook TSV (default: the catalog's seeds_file)")
    catalog.add_argument("--suites", default=DEFAULT_SUITES, help=f"the suites directory (default {DEFAULT_SUITES})")
    catalog.add_argument("--check", action="store_true",
                         help="exit 1 on an uncited seed, a test or fault naming an unknown rule; exit 2 when the "
                              "catalog does not load (a duplicate id, a bad entry)")
    catalog.add_argument("--require-tests", action="store_true",
                         help="with --check: also exit 1 on a checkable rule no test checks")
    catalog.add_argument("--json", action="store_true", help="print the coverage as JSON")

    def run_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--suites", default=DEFAULT_SUITES, help=f"the suites directory (default {DEFAULT_SUITES})")
        sub.add_argument("--report-dir", default="reports", help="where reports go (default reports)")
        sub.add_argument("pytest_args", nargs=argparse.REMAINDER,
                         help="after --: more pytest options (-k, -x, --junitxml=..., --alluredir=...)")

    run = commands.add_parser("run", help="run the suites against a target and write DIR/compliance.json")
    run.add_argument("--target", choices=TARGETS, default="reference")
    run.add_argument("--record-from", choices=SOURCES, default=None)
    run.add_argument("--base-url", default=None)
    run.add_argument("--api-key-env", default=None)
    run.add_argument("--cassette-dir", default=None)
    run.add_argument("--tiers", default=None)
    run.add_argument("--fault", action="append", default=[])
    run.add_argument("--variant", action="append", default=[])
    run.add_argument("--explore", action="store_true", help="let hypothesis draw new values each run")
    run_options(run)

    mutants = commands.add_parser("mutants", help="run the suites once per reference-server fault, then variant")
    mutants.add_argument("--select", default=None,
                         help="only faults and variants whose name (or a fault's rule) contains this text")
    run_options(mutants)

    serve = commands.add_parser("serve", help="run the reference server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--fault", action="append", default=[], help="switch on a fault (repeatable)")
    serve.add_argument("--list-faults", action="store_true", help="print the faults and the rules they break")
    serve.add_argument("--variant", action="append", default=[],
                       help="switch on a variant, a legal liberty the suites must not notice (repeatable)")
    serve.add_argument("--list-variants", action="store_true", help="print the variants and what they change")
    return parser


def _pytest(args: argparse.Namespace, extra: list[str]) -> int:
    import pytest

    suites = Path(args.suites)
    if not suites.is_dir():
        raise RulebookError(f"no suites directory at {suites.resolve()}; run from the project root or pass --suites")
    passthrough = [arg for arg in args.pytest_args if arg != "--"]
    # the CLI imported the package before pytest could rewrite its asserts; the suites' own asserts are rewritten
    quiet = ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    return int(pytest.main([str(suites), "-p", "no:cacheprovider", *quiet, *extra, *passthrough]))


def cmd_run(args: argparse.Namespace) -> int:
    extra = ["--target", args.target, "--report-dir", args.report_dir]
    for option in ("record_from", "base_url", "api_key_env", "cassette_dir", "tiers"):
        value = getattr(args, option)
        if value:
            extra += [f"--{option.replace('_', '-')}", value]
    extra += [arg for fault in args.fault for arg in ("--fault", fault)]
    extra += [arg for variant in args.variant for arg in ("--variant", variant)]
    if args.explore:
        extra.append("--explore")
    code = _pytest(args, extra)
    report = Path(args.report_dir) / "compliance.json"
    if code in (0, 1) and report.is_file():
        from openai_rulebook.reporting import print_summary

        document = json.loads(report.read_text(encoding="utf-8"))
        print_summary(document)
        if document["summary"].get("fail") or document["summary"].get("error"):
            return max(code, 1)
    return code


def cmd_mutants(args: argparse.Namespace) -> int:
    extra = ["--mutants", args.report_dir, "-q"]
    if args.select:
        extra += ["--mutants-select", args.select]
    return _pytest(args, extra)


def cmd_serve(args: argparse.Namespace) -> int:
    from openai_rulebook.server import FAULTS, VARIANTS, serve
    from openai_rulebook.server.variants import check_variant_names

    if args.list_faults:
        for fault in FAULTS.values():
            print(f"{fault.name}\t{fault.rule}\t{fault.description}")
        return 0
    if args.list_variants:
        for variant in VARIANTS.values():
            print(f"{variant.name}\t{variant.description}")
        return 0
    check_variant_names(args.variant)
    serve(host=args.host, port=args.port, faults=tuple(args.fault), variants=tuple(args.variant))
    return 0


def cmd_catalog(args: argparse.Namespace) -> int:
    from openai_rulebook.coverage import coverage, print_coverage

    report = coverage(Path(args.catalog), seeds=Path(args.seeds) if args.seeds else None, suites=Path(args.suites))
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print_coverage(report)
    if not args.check:
        return 0
    problems = report.problems(require_tests=args.require_tests)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


COMMANDS = {"run": cmd_run, "mutants": cmd_mutants, "serve": cmd_serve, "catalog": cmd_catalog}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except RulebookError as exc:
        print(f"rulebook: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
