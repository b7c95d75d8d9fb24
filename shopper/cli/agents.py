"""`shopper agents list`: the names `--agent` accepts."""

from __future__ import annotations

import argparse

from shopper.cli._common import open_db, print_json, property_id_of


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "agents",
        help="list leasing agents",
        description="Leasing agents, the names that --agent accepts in other commands.",
    )
    commands = parser.add_subparsers(dest="agents_command", metavar="ACTION", required=True)
    lst = commands.add_parser(
        "list",
        help="list agents by property, with their number of evaluations",
        description="List agents by property then name, with whether they are active "
        "(deactivated agents keep their history and still match --agent) and how many "
        "evaluations each has.",
    )
    lst.add_argument("--property", metavar="NAME", help="only the agents of this property")
    lst.add_argument("--active", action="store_true", help="only active agents")
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(handler=run_list)


def run_list(args: argparse.Namespace) -> int:
    from shopper.services.agents import list_agents

    db = open_db(args)
    try:
        property_id = property_id_of(db, args.property) if args.property is not None else None
        found = list_agents(db, property_id, include_inactive=not args.active)
    finally:
        db.close()
    if args.json:
        print_json(
            [
                {
                    "id": a.id,
                    "name": a.name,
                    "property": a.property_name,
                    "property_id": a.property_id,
                    "active": a.active,
                    "evaluations": a.evaluation_count,
                }
                for a in found
            ]
        )
        return 0
    if not found:
        print("No agents yet; they are added with evaluations (in the app or by `shopper import`).")
        return 0
    print(f"{'PROPERTY':<28} {'AGENT':<28} {'EVALUATIONS':>11}")
    for a in found:
        flag = "  (inactive)" if not a.active else ""
        print(f"{a.property_name[:28]:<28} {a.name[:28]:<28} {a.evaluation_count:>11}{flag}")
    print(f"{len(found)} agent(s)")
    return 0
