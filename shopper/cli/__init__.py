"""The `shopper` command. Each module in this package (not starting with `_`) adds
subcommands through `register(subparsers)`; heavy imports happen inside the handlers so that
`shopper --help` stays fast."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from shopper import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shopper",
        description="Mystery shopping of apartment leasing tours: rubrics, evaluations, "
        "packages, CSV and PDF scorecards.",
        epilog="The database is --db, else $SHOPPER_DB, else shopper.db in the user data "
        "folder. A value with :// is a URL, e.g. postgresql+psycopg://user@host/db.",
    )
    parser.add_argument("--version", action="version", version=f"shopper {__version__}")
    parser.add_argument(
        "--db", metavar="PATH_OR_URL", help="SQLite file path or SQLAlchemy database URL"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in sorted(
        m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")
    ):
        importlib.import_module(f"{__name__}.{module}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from shopper.cli._common import run_handler

    return run_handler(args)


if __name__ == "__main__":
    sys.exit(main())
