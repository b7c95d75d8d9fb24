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
from shopper.cli._common import DB_HELP, run_handler


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shopper",
        description="Mystery shopping of apartment leasing tours: rubrics, evaluations, "
        "packages, CSV and PDF scorecards.",
        epilog="The database is --db (before or after the command), else $SHOPPER_DB, else "
        "shopper.db in the user data folder. A value with :// is a URL, e.g. "
        "postgresql+psycopg://user@host/db. A SQLite file named by --db or $SHOPPER_DB must "
        "exist, except for init, restore and demo-data, which create it.",
    )
    parser.add_argument("--version", action="version", version=f"shopper {__version__}")
    parser.add_argument("--db", metavar="PATH_OR_URL", help=DB_HELP)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    modules = [m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")]
    for module in sorted(modules, key=_help_order):
        importlib.import_module(f"{__name__}.{module}").register(subparsers)
    _accept_db_after_the_command(parser)
    return parser


# The order commands are listed in `shopper --help`: setting up, looking, moving, printing.
HELP_ORDER = (
    "database",
    "demo",
    "properties",
    "agents",
    "evaluations",
    "review",
    "disputes",
    "history",
    "people",
    "calibration",
    "rubric",
    "exchange",
    "reports",
)


def _help_order(module: str) -> tuple[int, str]:
    return (HELP_ORDER.index(module) if module in HELP_ORDER else len(HELP_ORDER), module)


def subcommand_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parsers of `parser`'s subcommands, one level down."""
    found: list[argparse.ArgumentParser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                if sub not in found:
                    found.append(sub)
    return found


def _accept_db_after_the_command(parser: argparse.ArgumentParser) -> None:
    """`shopper init --db x.db` works like `shopper --db x.db init`.

    The copy on each subcommand defaults to SUPPRESS, so it never overwrites a --db given
    before the command.
    """
    for sub in subcommand_parsers(parser):
        sub.add_argument("--db", metavar="PATH_OR_URL", default=argparse.SUPPRESS, help=DB_HELP)
        _accept_db_after_the_command(sub)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return run_handler(args)


if __name__ == "__main__":
    sys.exit(main())
