"""`shopper init`: create or upgrade the database and load the default rubric."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

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
    parser.add_argument(
        "--encrypt",
        action="store_true",
        help="SQLite: create the database encrypted (SQLCipher), or encrypt an existing one "
        "(backed up first, row counts checked); the passphrase comes from $SHOPPER_DB_KEY "
        "or is asked",
    )
    parser.add_argument(
        "--decrypt",
        action="store_true",
        help="SQLite: turn an encrypted database back into a plain one (backed up first)",
    )
    parser.set_defaults(handler=run_init)


def run_init(args: argparse.Namespace) -> int:
    from shopper.services.rubrics import default_rubric

    if args.encrypt or args.decrypt:
        _convert(args)
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


def _convert(args: argparse.Namespace) -> None:
    """`--encrypt` / `--decrypt`: make, encrypt or decrypt the SQLite file."""
    from shopper.errors import ValidationError
    from shopper.storage.backup import convert_sqlite
    from shopper.storage.db import SQLITE_MAGIC, open_database, resolve_url

    if args.encrypt and args.decrypt:
        raise ValidationError("choose --encrypt or --decrypt, not both")
    url = resolve_url(args.db)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise ValidationError(
            "--encrypt and --decrypt are for SQLite files; protect a PostgreSQL server's "
            "disks on the server"
        )
    path = Path(url.database)
    size = path.stat().st_size if path.exists() else 0
    encrypted = False
    if size:
        with path.open("rb") as handle:
            encrypted = handle.read(16) != SQLITE_MAGIC
    if args.encrypt:
        if encrypted:
            print(f"{path} is already encrypted.")
            _passphrase(new=False, path=path)
            return
        key = _passphrase(new=True, path=path)
        if size == 0:
            open_database(path, encrypt_key=key).close()
            print(f"Created {path} encrypted (SQLCipher).")
            return
        saved, counts = convert_sqlite(path, key_from=None, key_to=key)
        print(
            f"Encrypted {path} ({sum(counts.values())} rows in {len(counts)} tables, counts "
            f"checked). The backup made first is NOT encrypted: {saved}; delete it once you "
            "have checked the encrypted database."
        )
        return
    if not encrypted:
        print(f"{path} is not encrypted.")
        return
    key = _passphrase(new=False, path=path)
    saved, counts = convert_sqlite(path, key_from=key, key_to=None)
    print(
        f"Decrypted {path} ({sum(counts.values())} rows in {len(counts)} tables, counts "
        f"checked); encrypted backup: {saved}"
    )


def _passphrase(*, new: bool, path: object) -> str:
    import getpass

    from shopper.errors import ValidationError
    from shopper.storage.db import KEY_ENV, remember_key

    key = os.environ.get(KEY_ENV)
    if not key:
        key = getpass.getpass(f"Passphrase for {path}: ")
        if new and getpass.getpass("Again: ") != key:
            raise ValidationError("the two passphrases differ; nothing was changed")
    if not key:
        raise ValidationError(f"give a passphrase (or set ${KEY_ENV}); nothing was changed")
    remember_key(Path(str(path)), key)
    return key
