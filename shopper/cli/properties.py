"""`shopper properties list`: the names `--property` accepts."""

from __future__ import annotations

import argparse

from shopper.cli._common import open_db, print_json


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "properties",
        help="list properties (apartment communities)",
        description="Properties, the names that --property accepts in other commands.",
    )
    commands = parser.add_subparsers(dest="properties_command", metavar="ACTION", required=True)
    lst = commands.add_parser(
        "list",
        help="list properties with their numbers of agents and evaluations",
        description="List properties by name, with their address and how many agents and "
        "evaluations each has.",
    )
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(handler=run_list)


def run_list(args: argparse.Namespace) -> int:
    from shopper.services.properties import list_properties

    db = open_db(args)
    try:
        found = list_properties(db)
    finally:
        db.close()
    if args.json:
        print_json(
            [
                {
                    "id": p.id,
                    "name": p.name,
                    "address": p.address,
                    "agents": p.agent_count,
                    "evaluations": p.evaluation_count,
                }
                for p in found
            ]
        )
        return 0
    if not found:
        print("No properties yet; add one in the app or bring some in with `shopper import`.")
        return 0
    print(f"{'PROPERTY':<32} {'AGENTS':>6} {'EVALUATIONS':>11}  ADDRESS")
    for p in found:
        print(f"{p.name[:32]:<32} {p.agent_count:>6} {p.evaluation_count:>11}  {p.address or ''}")
    print(f"{len(found)} propert{'y' if len(found) == 1 else 'ies'}")
    return 0
