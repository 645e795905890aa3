"""Benchmark: how long the suites take against the reference server, in total and per area.

    .venv/bin/python benchmarks/bench_suites.py [--runs 3] [--jobs 1,2] [--target reference] [extra pytest args]

Each run is a fresh ``pytest suites`` process (start-up, collection and the server included, as a user sees it),
once per worker count of ``--jobs`` (1: one process; N: ``-n N``, pytest-xdist, as ``rulebook run`` does by default).
Prints, per worker count, the median, the fastest and the slowest wall time, and the median time spent per suite
module (summed over the workers).
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DURATION = re.compile(r"^\s*([\d.]+)s\s+(?:setup|call|teardown)\s+suites/([\w/]+)\.py::")


def one_run(target: str, jobs: int, extra: list[str]) -> tuple[float, dict[str, float], str]:
    command = [sys.executable, "-m", "pytest", "suites", "-q", "-p", "no:cacheprovider", "--durations=0",
               "--durations-min=0", "--target", target, *(["-n", str(jobs)] if jobs > 1 else []), *extra]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"pytest exited {result.returncode}:\n{result.stdout[-3000:]}{result.stderr[-2000:]}")
    per_module: dict[str, float] = defaultdict(float)
    for line in result.stdout.splitlines():
        match = DURATION.match(line)
        if match:
            per_module[match.group(2)] += float(match.group(1))
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    return wall, dict(per_module), summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", default="1,2", help="worker counts to time, comma-separated (default 1,2)")
    parser.add_argument("--target", default="reference")
    args, extra = parser.parse_known_args()
    for jobs in (int(text) for text in args.jobs.split(",")):
        walls: list[float] = []
        modules: dict[str, list[float]] = defaultdict(list)
        print(f"== {jobs} process(es)" + (f" (-n {jobs})" if jobs > 1 else ""))
        for index in range(args.runs):
            wall, per_module, summary = one_run(args.target, jobs, extra)
            walls.append(wall)
            for module, seconds in per_module.items():
                modules[module].append(seconds)
            print(f"run {index + 1}: {wall:6.2f} s wall   {summary}")
        print(f"wall time over {args.runs} runs: median {statistics.median(walls):.2f} s, "
              f"min {min(walls):.2f} s, max {max(walls):.2f} s")
        print("median test time per suite module (setup + call + teardown):")
        for module, times in sorted(modules.items(), key=lambda kv: -statistics.median(kv[1]))[:12]:
            print(f"  {module:40} {statistics.median(times):6.2f} s")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
