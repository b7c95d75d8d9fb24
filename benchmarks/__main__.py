"""`python -m benchmarks --scale small|large|xl [--db sqlite|postgresql] [--json OUT]`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from benchmarks.data import DEFAULT_OUT
from benchmarks.pagecache import MODES
from benchmarks.runner import merge, run, write_json
from benchmarks.scales import POSTGRESQL_ONLY, SCALES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure Shopper's speed and memory on generated demo data (issues 7, 18). "
        "Generated databases are cached in bench-out/cache/ by scale (SQLite files; "
        "PostgreSQL dumps).",
    )
    parser.add_argument("--scale", choices=("small", "large", "xl"), default="small")
    parser.add_argument(
        "--db",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="database to measure (default sqlite); postgresql starts a throwaway local "
        "cluster with scripts/pg-test-cluster unless --pg-url is given",
    )
    parser.add_argument(
        "--pg-url",
        metavar="URL",
        help="an existing PostgreSQL server to use (a role that may CREATE DATABASE); the "
        "benchmark's databases are made on it and dropped at the end",
    )
    parser.add_argument(
        "--page-cache",
        choices=MODES,
        default="warm",
        help="the database files' page-cache state at the start of every measurement: warm "
        "(read once just before, the default) or cold (evicted, as after a reboot)",
    )
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
    if args.smoke:
        scale = SCALES["xl-smoke" if args.scale == "xl" else "smoke"]
    else:
        scale = SCALES[args.scale]
    if args.pg_url and args.db != "postgresql":
        parser.error("--pg-url needs --db postgresql")
    if scale.name in POSTGRESQL_ONLY and args.db != "postgresql":
        parser.error("--scale xl is measured on PostgreSQL only: add --db postgresql")
    only = set(args.only.split(",")) if args.only else None
    if args.merge and not (only and args.json and args.json.exists()):
        parser.error("--merge needs --only and an existing --json file")
    result = run(
        scale,
        repeat=args.repeat,
        only=only,
        out=args.out,
        db=args.db,
        pg_url=args.pg_url,
        page_cache=args.page_cache,
        # figures so far after each job (not over a file that --merge reads at the end)
        partial=args.json if args.json and not args.merge else None,
    )
    if args.merge:
        result = merge(json.loads(args.json.read_text(encoding="utf-8")), result)
    if args.json:
        write_json(result, args.json)
    json.dump(result["metrics"], sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
