"""`shopper people list|add`: the people the history names."""

from __future__ import annotations

import argparse

from shopper.cli._common import open_db, print_json
from shopper.domain import ROLES


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "people",
        help="list or add people (shoppers, reviewers, trainers, admins)",
        description="People who use Shopper. The history names a person for every step, "
        "never a computer login; --by in other commands takes a person's name or id.",
    )
    commands = parser.add_subparsers(dest="people_command", metavar="ACTION", required=True)
    lst = commands.add_parser(
        "list", help="list people with their roles", description="List people by name."
    )
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(handler=run_list)
    add = commands.add_parser(
        "add",
        help="add a person, or roles to a person",
        description="Add a person with roles; a name already known (ignoring case and "
        "accents) gets the roles added instead.",
    )
    add.add_argument("name", metavar="NAME", help="the person's name")
    add.add_argument(
        "--role", dest="roles", action="append", choices=ROLES, default=[], help="a role"
    )
    add.set_defaults(handler=run_add)


def run_list(args: argparse.Namespace) -> int:
    from shopper.services import people

    db = open_db(args)
    try:
        found = people.list_people(db)
    finally:
        db.close()
    if args.json:
        print_json([{"id": p.id, "name": p.name, "roles": list(p.roles)} for p in found])
        return 0
    if not found:
        print("No people yet; add one with `shopper people add NAME --role reviewer`.")
        return 0
    print(f"{'NAME':<30} {'ROLES':<34} ID")
    for p in found:
        print(f"{p.name[:30]:<30} {', '.join(p.roles) or '—':<34} {p.id}")
    print(f"{len(found)} person(s)" if len(found) == 1 else f"{len(found)} people")
    return 0


def run_add(args: argparse.Namespace) -> int:
    from shopper.services import people

    db = open_db(args)
    try:
        person = people.add(db, args.name, args.roles)
    finally:
        db.close()
    print(f"{person.name} ({', '.join(person.roles) or 'no roles'}): {person.id}")
    return 0
