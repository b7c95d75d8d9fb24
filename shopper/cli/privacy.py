"""`shopper agents erase NAME`, `shopper purge`, `shopper retention`: erasure of an agent's
name and deletion of shops older than the retention period (admins; both recorded)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shopper.cli._actors import actor, add_by
from shopper.cli._common import Handler, date_arg, open_db, property_id_of


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    _register_erase(subparsers)
    _register_package_keys(subparsers)
    purge = subparsers.add_parser(
        "purge",
        help="delete shops older than a date (or the retention period) with their history",
        description="Delete the shops visited before --before (default: today less the "
        "retention_months setting) with their answers, scores, history and disputes, in one "
        "transaction; a SQLite database is backed up first into backups/. Recorded as an "
        "admin event.",
    )
    purge.add_argument("--before", type=date_arg, metavar="DATE", help="e.g. 2024-01-01")
    purge.add_argument("--dry-run", action="store_true", help="only say what would be deleted")
    purge.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    add_by(purge)
    purge.set_defaults(handler=run_purge)
    retention = subparsers.add_parser(
        "retention",
        help="show or set how many months shops are kept (retention_months)",
        description="Without MONTHS, show the retention period; with it, set it (none: keep "
        "shops for ever). `shopper purge` deletes shops older than this.",
    )
    retention.add_argument(
        "months", nargs="?", metavar="MONTHS|none", help="months to keep shops, or none"
    )
    retention.set_defaults(handler=run_retention)


def _register_erase(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    agents = subparsers.choices.get("agents")
    actions = (
        [a for a in agents._actions if isinstance(a, argparse._SubParsersAction)]
        if agents is not None
        else []
    )
    if not actions:  # no `shopper agents` command: erase stands on its own
        parent: argparse._SubParsersAction[argparse.ArgumentParser] = subparsers
        name = "erase-agent"
    else:
        parent, name = actions[0], "erase"
    erase = parent.add_parser(
        name,
        help="replace an agent's name everywhere by a pseudonym and remove texts naming them",
        description="Replace the agent's name everywhere (the agent, shops' history, "
        "disputes, and so every export made afterwards) by a stable pseudonym, and remove "
        "every comment, note or reason that names them, after showing them. Backups made "
        "before still hold the name. Recorded as an admin event without the name.",
    )
    erase.add_argument("name", metavar="NAME", help="the agent's name (or id)")
    erase.add_argument("--property", metavar="NAME", help="only the agent of this property")
    erase.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    add_by(erase)
    erase.set_defaults(handler=run_erase)


def _register_package_keys(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """`shopper package-key KEYFILE`, `export --to-key KEYFILE`, `import --identity KEYFILE`:
    packages only the holder of a private key can import (age). The two options are added
    to the exchange commands here, wrapping their handlers."""
    keys = subparsers.add_parser(
        "package-key",
        help="make a key pair for encrypted packages",
        description="Write a new private key to KEYFILE (readable by you only) and its public "
        "key to KEYFILE.pub. Publish the public key: `shopper export --to-key KEYFILE.pub` "
        "writes a package only `shopper import --identity KEYFILE` can read.",
    )
    keys.add_argument(
        "keyfile", type=Path, metavar="KEYFILE", help="file to write the private key to"
    )
    keys.set_defaults(handler=run_new_key)
    export = subparsers.choices.get("export")
    if export is not None:
        export.add_argument(
            "--to-key",
            type=Path,
            metavar="KEYFILE",
            help="encrypt the package for the holder of this public key (age1…, e.g. "
            "KEYFILE.pub from `shopper package-key`)",
        )
        original_export: Handler = export.get_default("handler")
        export.set_defaults(handler=lambda args: _export_to_key(args, original_export))
    imp = subparsers.choices.get("import")
    if imp is not None:
        imp.add_argument(
            "--identity",
            type=Path,
            metavar="KEYFILE",
            help="the private key that encrypted packages were made for",
        )
        original_import: Handler = imp.get_default("handler")
        imp.set_defaults(handler=lambda args: _import_with_identity(args, original_import))


def _export_to_key(args: argparse.Namespace, original: Handler) -> int:
    import tempfile

    from shopper.services import privacy

    keyfile = getattr(args, "to_key", None)
    if keyfile is None:
        return original(args)
    out = args.out
    with tempfile.TemporaryDirectory(prefix="shopper-package-") as folder:
        args.out = Path(folder) / "package.json"
        code = original(args)
        if code == 0:
            privacy.encrypt_package(args.out, out, keyfile)
            print(f"Encrypted for {keyfile}: {out}")
    args.out = out
    return code


def _import_with_identity(args: argparse.Namespace, original: Handler) -> int:
    import tempfile

    from shopper.services import privacy

    files = list(args.files)
    if not any(privacy.is_encrypted_package(path) for path in files):
        return original(args)
    with tempfile.TemporaryDirectory(prefix="shopper-package-") as folder:
        args.files = [
            privacy.decrypt_package(path, getattr(args, "identity", None), Path(folder))
            if privacy.is_encrypted_package(path)
            else path
            for path in files
        ]
        try:
            return original(args)
        finally:
            args.files = files


def run_new_key(args: argparse.Namespace) -> int:
    from shopper.services import privacy

    public = privacy.new_key(args.keyfile)
    print(f"Private key: {args.keyfile} (keep it; readable by you only)")
    print(f"Public key:  {public} (also in {args.keyfile}.pub)")
    return 0


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        return sys.stdin.readline().strip().lower() in ("y", "yes")
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def run_erase(args: argparse.Namespace) -> int:
    from shopper.services import privacy

    db = open_db(args)
    try:
        property_id = property_id_of(db, args.property) if args.property else None
        who = actor(args)
        plan = privacy.erasure_plan(db, args.name, property_id)
        print(
            f"{plan.name} ({len(plan.agent_ids)} agent record(s), {plan.shops} shop(s)) "
            f"becomes {', '.join(plan.pseudonyms)}."
        )
        if plan.texts:
            print(f"These {len(plan.texts)} text(s) name them and will be removed:")
            for named in plan.texts:
                print(f"  {named.where}: {named.text}")
        else:
            print("No comment, note or reason names them.")
        if not args.yes and not _confirm("Erase?"):
            print("Nothing was changed.")
            return 1
        done = privacy.erase_agent(db, args.name, actor=who, property_id=property_id)
        backups = _backups(db)
    finally:
        db.close()
    print(f"Erased: now {', '.join(done.pseudonyms)}; {len(done.texts)} text(s) removed.")
    if backups:
        print(f"{backups} backup(s) in backups/ made before still hold the name.")
    return 0


def _backups(db: object) -> int:
    from shopper.storage.backup import list_backups

    path = getattr(db, "path", None)
    return len(list_backups(path)) if path is not None else 0


def run_purge(args: argparse.Namespace) -> int:
    from shopper.services import privacy

    db = open_db(args)
    try:
        before = args.before or privacy.retention_cutoff(db)
        plan = privacy.purge_plan(db, before)
        print(
            f"Shops visited before {before.isoformat()}: {plan.shops} shop(s), "
            f"{plan.history_events} history event(s), {plan.disputes} dispute(s)."
        )
        if args.dry_run:
            print("Dry run: nothing was deleted.")
            return 0
        if not plan.shops:
            print("Nothing to delete.")
            return 0
        who = actor(args)
        if not args.yes and not _confirm("Delete them for good?"):
            print("Nothing was deleted.")
            return 1
        done = privacy.purge(db, before, actor=who)
    finally:
        db.close()
    print(f"Deleted {done.shops} shop(s) with their history.")
    if done.backup:
        print(f"Backup made first: {done.backup}")
    return 0


def run_retention(args: argparse.Namespace) -> int:
    from shopper.errors import ValidationError
    from shopper.services import privacy

    db = open_db(args)
    try:
        if args.months is None:
            months = privacy.retention_months(db)
            print(f"Shops are kept {months} months." if months else "Shops are kept for ever.")
            return 0
        if args.months.strip().lower() in ("none", "never", "0"):
            privacy.set_retention_months(db, None)
            print("Shops are kept for ever.")
            return 0
        try:
            months = int(args.months)
        except ValueError:
            raise ValidationError(f"{args.months!r} is not a number of months") from None
        privacy.set_retention_months(db, months)
        print(f"Shops are kept {months} months; `shopper purge` deletes older ones.")
    finally:
        db.close()
    return 0
