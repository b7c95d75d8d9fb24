"""`shopper demo-data`."""

from __future__ import annotations

import argparse

from shopper.cli._common import count_arg, date_arg, open_db


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo-data",
        help="add reproducible, realistic demo data",
        description="Add properties, agents and a year of evaluations on the default rubric, "
        "with names from many cultures, per-agent skill, drafts, follow-ups, critical "
        "failures and comments. The same --seed and --end-date give the same data. --db may "
        "name a SQLite file that does not exist yet: it is created.",
    )
    parser.add_argument("--properties", type=count_arg, default=8, metavar="N", help="default 8")
    parser.add_argument("--agents", type=count_arg, default=40, metavar="N", help="default 40")
    parser.add_argument(
        "--evaluations", type=count_arg, default=500, metavar="N", help="default 500"
    )
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="default 1")
    parser.add_argument(
        "--end-date", type=date_arg, metavar="DATE", help="last visit date (default today)"
    )
    parser.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    from shopper.cli._progress import Progress
    from shopper.demo import generate

    db = open_db(args, create=True)
    try:
        with Progress("Generating evaluations") as progress:
            summary = generate(
                db,
                properties=args.properties,
                agents=args.agents,
                evaluations=args.evaluations,
                seed=args.seed,
                end_date=args.end_date,
                progress=progress.update,
            )
    finally:
        db.close()
    print(
        f"Added {summary.properties} properties, {summary.agents} agents, "
        f"{summary.evaluations} evaluations ({summary.answers} answers) to {db.describe()}"
    )
    return 0
