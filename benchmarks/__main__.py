"""`python -m benchmarks --scale small|large [--json OUT]`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from benchmarks.data import DEFAULT_OUT
from benchmarks.runner import merge, run, write_json
from benchmarks.scales import SCALES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure Shopper's speed and memory on generated demo data (issue 7). "
        "Generated databases are cached in bench-out/cache/ by scale.",
    )
    parser.add_argument("--scale", choices=("small", "large"), default="small")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the results here")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tiny data and one repetition: checks that every measurement still runs",
    )
    parser.add_argument("--repeat", type=int, metavar="N", help="runs per metric (default 3)")
    parser.add_argument(
        "--only", metavar="NAMES", help="comma-separated jobs or metric keys (for profiling)"
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="with --only and --json: replace only the selected jobs' figures in the existing "
        "JSON (the re-measurement is recorded in it, with its time and load)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="scratch and cache folder")
    args = parser.parse_args(argv)
    scale = SCALES["smoke" if args.smoke else args.scale]
    only = set(args.only.split(",")) if args.only else None
    if args.merge and not (only and args.json and args.json.exists()):
        parser.error("--merge needs --only and an existing --json file")
    result = run(scale, repeat=args.repeat, only=only, out=args.out)
    if args.merge:
        result = merge(json.loads(args.json.read_text(encoding="utf-8")), result)
    if args.json:
        write_json(result, args.json)
    json.dump(result["metrics"], sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
