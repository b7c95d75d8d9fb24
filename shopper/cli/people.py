"""`shopper people list|add|set-roles|deactivate`: the people the history names; on a shared
PostgreSQL database, `add --login` also makes their database login (admins only)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from shopper.cli._common import open_db, print_json, property_id_of
from shopper.domain import ROLES

if TYPE_CHECKING:
    from shopper.storage.db import Database


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
    add.add_argument(
        "--login",
        metavar="LOGIN",
        help="PostgreSQL only: create this database login for them (the password is asked; "
        "admins only)",
    )
    add.add_argument(
        "--property",
        dest="properties",
        action="append",
        default=[],
        metavar="NAME",
        help="a property assigned to them (a trainer reads its counted shops); repeatable",
    )
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the new login's password from the first line of standard input",
    )
    add.set_defaults(handler=run_add)
    roles = commands.add_parser(
        "set-roles",
        help="set a person's roles (and their login's groups)",
        description="Replace a person's roles; on a shared database their login's groups "
        "follow (admins only).",
    )
    roles.add_argument("person", metavar="PERSON", help="a person's name or id")
    roles.add_argument(
        "--role", dest="roles", action="append", choices=ROLES, default=[], help="a role"
    )
    roles.set_defaults(handler=run_set_roles)
    off = commands.add_parser(
        "deactivate",
        help="deactivate a person (their login can no longer connect)",
        description="The person stays in the history; their database login is disabled.",
    )
    off.add_argument("person", metavar="PERSON", help="a person's name or id")
    off.set_defaults(handler=run_deactivate)


def run_list(args: argparse.Namespace) -> int:
    from shopper.services import people

    db = open_db(args)
    try:
        found = people.list_people(db)
    finally:
        db.close()
    if args.json:
        print_json(
            [
                {
                    "id": p.id,
                    "name": p.name,
                    "roles": list(p.roles),
                    "login": p.login,
                    "active": p.active,
                    "properties": list(p.properties),
                }
                for p in found
            ]
        )
        return 0
    if not found:
        print("No people yet; add one with `shopper people add NAME --role reviewer`.")
        return 0
    print(f"{'NAME':<30} {'ROLES':<34} {'LOGIN':<20} ID")
    for p in found:
        name = p.name[:30] if p.active else f"{p.name[:19]} (inactive)"
        print(f"{name:<30} {', '.join(p.roles) or '—':<34} {p.login or '—':<20} {p.id}")
    print(f"{len(found)} person(s)" if len(found) == 1 else f"{len(found)} people")
    return 0


def run_add(args: argparse.Namespace) -> int:
    from shopper.services import people

    db = open_db(args)
    try:
        if args.login:
            property_ids = [property_id_of(db, name) for name in args.properties]
            person = people.add_with_login(
                db,
                args.name,
                login=args.login,
                password=_new_password(args),
                roles=args.roles,
                properties=property_ids,
            )
        else:
            person = people.add(db, args.name, args.roles)
            if args.properties:
                property_ids = [property_id_of(db, name) for name in args.properties]
                person = people.assign_properties(db, person.id, property_ids)
    finally:
        db.close()
    login = f", login {person.login}" if person.login else ""
    print(f"{person.name} ({', '.join(person.roles) or 'no roles'}{login}): {person.id}")
    return 0


def _new_password(args: argparse.Namespace) -> str:
    import getpass
    import sys

    from shopper.errors import ValidationError

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for {args.login}: ")
        if getpass.getpass("Again: ") != password:
            raise ValidationError("the two passwords differ; nothing was created")
    if len(password) < 8:
        raise ValidationError("a login password has at least 8 characters; nothing was created")
    return password


def _person(db: Database, given: str) -> str:
    from shopper.errors import NotFoundError
    from shopper.services import people

    found = people.find(db, given)
    if found is None:
        raise NotFoundError(f"nobody is called {given!r}; see `shopper people list`")
    return found.id


def run_set_roles(args: argparse.Namespace) -> int:
    from shopper.services import people

    db = open_db(args)
    try:
        person = people.set_roles(db, _person(db, args.person), args.roles)
    finally:
        db.close()
    print(f"{person.name}: {', '.join(person.roles) or 'no roles'}")
    return 0


def run_deactivate(args: argparse.Namespace) -> int:
    from shopper.services import people

    db = open_db(args)
    try:
        person = people.deactivate(db, _person(db, args.person))
    finally:
        db.close()
    print(
        f"{person.name} is inactive" + (f"; login {person.login} disabled" if person.login else "")
    )
    return 0
