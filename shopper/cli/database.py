"""`shopper init`: create or upgrade the database and load the default rubric."""

from __future__ import annotations

import argparse

from shopper.cli._common import open_db


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "init",
        help="create or upgrade the database and load the default rubric",
        description="Create the database if it does not exist, upgrade an older one (after a "
        "backup into backups/ beside a SQLite file), and load the default rubric.",
    )
    parser.add_argument(
        "--role-prefix",
        metavar="PREFIX",
        help="PostgreSQL only: start of the group roles' names (default shopper_, giving "
        "shopper_admin, shopper_reviewer, shopper_trainer, shopper_shopper)",
    )
    parser.set_defaults(handler=run_init)


def run_init(args: argparse.Namespace) -> int:
    from shopper.services.rubrics import default_rubric

    db = open_db(args, create=True)
    try:
        from shopper.domain import ROLES
        from shopper.storage.access import group_role, install_roles

        rubric = default_rubric(db)
        print(f"Database ready: {db.describe()}")
        prefix = install_roles(db, getattr(args, "role_prefix", None))
        if prefix is not None:
            print(f"Roles: {', '.join(group_role(r, prefix) for r in ROLES)}")
        if rubric is not None:
            print(f"Default rubric: {rubric.name} ({rubric.key} v{rubric.version})")
    finally:
        db.close()
    return 0
