"""``rulebook report html|markdown|merge``: reports for people, and shards joined, from ``compliance.json`` files.

Kept apart from ``cli.py`` so that the command's options and its work live together; ``cli.py`` only mounts it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from openai_rulebook import exits
from openai_rulebook.errors import UsageError


def add_parser(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Mount ``report`` on the CLI's subcommands, its kinds made with ``parser_class`` (the CLI's error style)."""
    report = commands.add_parser(
        "report", help="reports for people from compliance.json: html, markdown; merge shards into one",
        description="Reports from a compliance.json (or the directory holding it).\n"
                    "  rulebook report html --report R [--baseline OLD] --output report.html\n"
                    "  rulebook report markdown --report R [--baseline OLD] [--output F]\n"
                    "  rulebook report merge A.json B.json … --output merged.json\n"
                    "Exit 0 when written, 2 on a bad input.")
    kinds = report.add_subparsers(dest="report_command", required=True, metavar="KIND",
                                  parser_class=parser_class)
    html = kinds.add_parser("html", help="one self-contained HTML page (no network, no external asset)",
                            description="One HTML file: summary, per-area compliance, capabilities, a filterable "
                                        "rule table with each rule's statement, seeds and evidence, and the drift "
                                        "since --baseline.")
    markdown = kinds.add_parser("markdown", help="a Markdown summary for a PR comment or $GITHUB_STEP_SUMMARY",
                                description="Verdict counts, the tested areas, the rules that failed, erred or "
                                            "stayed inconclusive, and the drift since --baseline; short enough for "
                                            "a PR comment.")
    for sub in (html, markdown):
        sub.add_argument("--report", required=True, metavar="REPORT", help="the run's compliance.json (or its dir)")
        sub.add_argument("--baseline", default=None, metavar="OLD",
                         help="an earlier compliance.json: add the drift since it (default: none)")
    html.add_argument("--output", required=True, metavar="FILE", help="where the page goes, e.g. report.html")
    markdown.add_argument("--output", default=None, metavar="FILE", help="write it there (default: stdout)")
    merge = kinds.add_parser("merge", help="join the compliance.json of parallel shards into one",
                             description="Per rule the worst verdict of the shards (fail > error > inconclusive > "
                                         "pass > unsupported > skipped), tests and evidence concatenated, summary and "
                                         "capabilities recomputed, probes and observations joined.\nExit 0 when "
                                         "written, 2 when a shard is not a report or shards ran different catalogs.")
    merge.add_argument("reports", nargs="+", metavar="REPORT", help="the shards' compliance.json (or their dirs)")
    merge.add_argument("--output", required=True, metavar="FILE", help="the merged compliance.json")


def report_path(text: str) -> Path:
    path = Path(text)
    return path / "compliance.json" if path.is_dir() else path


def _drift(report: str, baseline: str | None) -> dict[str, Any] | None:
    if not baseline:
        return None
    from openai_rulebook.drift.inputs import load_side
    from openai_rulebook.drift.runs import compare_runs

    def no_routes() -> Any:  # both sides are reports: recordings (which need the catalog) are not accepted here
        raise UsageError(f"--baseline {baseline}: expected a compliance.json, not recordings")

    return compare_runs(load_side(str(report_path(baseline)), no_routes), load_side(str(report_path(report)),
                                                                                    no_routes))


def run(args: argparse.Namespace) -> int:
    from openai_rulebook.gate import load_report

    if args.report_command == "merge":
        from openai_rulebook.atomic import write_atomically
        from openai_rulebook.reporting.merge import merge_reports

        documents = [(text, load_report(report_path(text), "report")) for text in args.reports]
        merged = merge_reports(documents)
        write_atomically(Path(args.output), json.dumps(merged, indent=2, ensure_ascii=False) + "\n")
        print(f"rulebook: merged {len(documents)} report(s) into {args.output}: "
              + ", ".join(f"{n} {v}" for v, n in merged["summary"].items() if n))
        return exits.OK
    document = load_report(report_path(args.report), "--report")
    drift = _drift(args.report, args.baseline)
    if args.report_command == "html":
        from openai_rulebook.reporting.html import write_html

        write_html(Path(args.output), document, drift=drift, source=str(report_path(args.report)))
        print(f"rulebook: wrote {args.output}")
        return exits.OK
    from openai_rulebook.reporting.markdown import markdown_summary

    text = markdown_summary(document, drift=drift)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"rulebook: wrote {args.output}")
    else:
        sys.stdout.write(text)
    return exits.OK


def after_run(report: Path, document: dict[str, Any]) -> None:
    """What ``rulebook run`` adds to compliance.json: report.html beside it, and the Markdown summary appended to
    ``$GITHUB_STEP_SUMMARY`` when GitHub Actions set it."""
    from openai_rulebook.reporting.html import FILE_NAME, write_html

    page = write_html(report.parent / FILE_NAME, document, source=str(report))
    print(f"rulebook: wrote {page}")
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        from openai_rulebook.reporting.markdown import markdown_summary

        try:
            with open(step_summary, "a", encoding="utf-8") as out:
                out.write(markdown_summary(document) + "\n")
        except OSError as exc:  # the run's verdicts stand; say why the summary is missing
            print(exits.error_line(f"$GITHUB_STEP_SUMMARY {step_summary}: cannot append to it ({exc.strerror})"),
                  file=sys.stderr)
