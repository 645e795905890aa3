"""``rulebook client-check PATH...``: the client rules over an application's own recordings.

Reads corpus-format ``.jsonl`` files (one exchange a line, the real-traffic README's format) and vcrpy ``.yaml``
cassettes, files or directories; prints per client rule how many exchanges it judged and how many broke it (with
samples), and exits 1 when any did (0 when none, 2 on a usage error). The findings are the application's: the API
is not judged here.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from openai_rulebook import exits


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "client-check", help="judge recorded traffic (cassettes, .jsonl) by the client rules", description=__doc__)
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="recordings: corpus-format .jsonl files, vcrpy .yaml cassettes, or directories of them")
    parser.add_argument("--catalog", default="specs/rules", metavar="PATH",
                        help="the catalog (default: specs/rules)")
    parser.add_argument("--json", action="store_true", help="print the findings as JSON (default: a table)")


def run(args: argparse.Namespace) -> int:
    from openai_rulebook.catalog import load_catalog
    from openai_rulebook.contracts.client import Tally, read_recordings
    from openai_rulebook.traffic import EndpointMatcher

    catalog = load_catalog(Path(args.catalog))
    matcher = EndpointMatcher(endpoint for rule in catalog.rules for endpoint in rule.endpoints)
    tally = Tally()
    for sent in read_recordings([Path(path) for path in args.paths], matcher.match):
        tally.add(catalog, sent)
    rows = tally.table()
    if args.json:
        print(json.dumps([{"rule": rule_id, "judged": judged, "findings": found, "samples": tally.samples[rule_id]}
                          for rule_id, judged, found, _ in rows], indent=2))
    else:
        if not rows:
            print("no exchange any client rule applies to")
        for rule_id, judged, found, _ in rows:
            print(f"{rule_id:45} {judged:6} judged {found:6} finding(s)")
            for sample in tally.samples[rule_id]:
                print(f"    {sample}")
    return exits.RULE_FAILED if any(found for _, _, found, _ in rows) else exits.OK
