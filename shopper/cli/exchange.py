"""`shopper import|export|export-csv|backup|restore`: moving data between machines."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from shopper.cli._common import check_names, check_output_file, date_arg, open_db
from shopper.domain import STATUSES

if TYPE_CHECKING:
    from shopper.cli._progress import Progress
    from shopper.exchange.common import ImportSummary
    from shopper.storage.db import Database

MB = 1_000_000
PHASE_LABELS = {
    "checking": "Checking {} (MB)",
    "importing": "Importing {}",
    "copying": "Copying {}",
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    imp = subparsers.add_parser(
        "import",
        help="merge package files (or add rubric files) into the database",
        description="Import package files (evaluations from another machine) or rubric files; "
        'each file is told apart by its "format". A package is checked whole first, then '
        "merged in one transaction: evaluations by id (the later updated_at wins), properties "
        "by id else name, agents by id else name within the property, rubrics by key and "
        "version. Importing the same file twice changes nothing the second time. A file with "
        "a problem is refused whole and stops the command (files before it stay imported). "
        "The database must exist (`shopper init` creates one).",
    )
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE", help="package or rubric file")
    imp.set_defaults(handler=run_import)

    exp = subparsers.add_parser(
        "export",
        help="write evaluations to a package file for another machine",
        description="Write a package file: the chosen evaluations with the rubric versions, "
        "properties and agents they use. Without filters: the whole database.",
    )
    exp.add_argument("out", type=Path, metavar="OUT", help="package file to write (.json)")
    exp.add_argument(
        "--since", type=date_arg, metavar="DATE", help="only evaluations changed on or after"
    )
    exp.add_argument("--property", metavar="NAME", help="only this property")
    exp.add_argument("--status", choices=STATUSES, help="only this status")
    exp.set_defaults(handler=run_export)

    csv = subparsers.add_parser(
        "export-csv",
        help="write evaluations with their scores to a CSV file for spreadsheets",
        description="One row per evaluation (drafts included), ordered by visit date: ids, "
        "names, status, rubric, overall and section scores with one decimal place.",
    )
    csv.add_argument("out", type=Path, metavar="OUT", help="CSV file to write")
    csv.add_argument(
        "--from", dest="date_from", type=date_arg, metavar="DATE", help="visited on or after"
    )
    csv.add_argument(
        "--to", dest="date_to", type=date_arg, metavar="DATE", help="visited on or before"
    )
    csv.add_argument("--property", metavar="NAME", help="only this property")
    csv.add_argument("--agent", metavar="NAME", help="only agents with this name")
    csv.set_defaults(handler=run_export_csv)

    backup = subparsers.add_parser(
        "backup",
        help="back up the whole database to a file (safe while the app is open)",
        description="SQLite: a copy of the database file made with SQLite's online backup "
        "(safe while the app is open). PostgreSQL: a package file of everything, settings "
        "included.",
    )
    backup.add_argument("out", type=Path, metavar="OUT", help="backup file to write")
    backup.set_defaults(handler=run_backup)

    restore = subparsers.add_parser(
        "restore",
        help="replace the database with a backup (or a package)",
        description="Restore from a SQLite backup file or a package file. A database that "
        "already has data is refused unless --force is given; with --force its contents are "
        "replaced (a SQLite database is first backed up into backups/ beside it). --db may "
        "name a SQLite file that does not exist yet: the backup becomes that database.",
    )
    restore.add_argument("source", type=Path, metavar="IN", help="backup or package file")
    restore.add_argument("--force", action="store_true", help="replace what the database holds now")
    restore.set_defaults(handler=run_restore)


class _PhaseBars:
    """A terminal bar per phase of a long job: "checking" (MB read), then "importing"
    (evaluations) or "copying" (database pages)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.phase: str | None = None
        self.bar: Progress | None = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        from shopper.cli._progress import Progress

        if phase != self.phase or self.bar is None:
            self.close()
            self.phase = phase
            self.bar = Progress(PHASE_LABELS.get(phase, "{}").format(self.name))
        if phase == "checking":
            self.bar.update(done // MB, max(total // MB, 1))
        else:
            self.bar.update(done, total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def run_import(args: argparse.Namespace) -> int:
    from shopper.exchange.file_import import import_file

    db = open_db(args)
    try:
        for path in args.files:
            bars = _PhaseBars(path.name)
            try:
                summary = import_file(db, path, progress=bars)
            finally:
                bars.close()
            _print_summary(summary)
    finally:
        db.close()
    return 0


def _print_summary(summary: ImportSummary) -> None:
    print(summary.describe())


def run_export(args: argparse.Namespace) -> int:
    from shopper.cli._progress import Progress
    from shopper.exchange.common import PackageFilter
    from shopper.exchange.package_export import export_package

    flt = PackageFilter(since=args.since, property_name=args.property, status=args.status)
    check_output_file(args.out, "package.json")
    db = open_db(args)
    try:
        if args.property is not None:
            check_names(db, args.property)
        with Progress("Exporting") as progress:
            summary = export_package(db, args.out, flt, progress=progress.update)
    finally:
        db.close()
    print(summary.describe())
    return 0


def run_export_csv(args: argparse.Namespace) -> int:
    from shopper.cli._progress import Progress
    from shopper.exchange.csv_export import CsvFilter, export_csv

    flt = CsvFilter(args.date_from, args.date_to, args.property, args.agent)
    check_output_file(args.out, "evaluations.csv")
    db = open_db(args)
    try:
        if args.property is not None or args.agent is not None:
            check_names(db, args.property, [args.agent] if args.agent is not None else [])
        with Progress("Writing CSV") as progress:
            rows = export_csv(db, args.out, flt, progress=progress.update)
    finally:
        db.close()
    print(f"Wrote {rows} evaluation(s) to {args.out}")
    return 0


def run_backup(args: argparse.Namespace) -> int:
    from shopper.cli._progress import Progress
    from shopper.exchange.backup import backup

    target = args.db or os.environ.get("SHOPPER_DB") or ""
    on_server = "://" in target and not target.lower().startswith("sqlite")
    check_output_file(args.out, "shopper-backup.json" if on_server else "shopper-backup.db")
    db = open_db(args)
    try:
        with Progress("Backing up") as progress:
            result = backup(db, args.out, progress=progress.update)
    finally:
        db.close()
    print(result)
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from shopper.exchange.backup import restore

    db: Database = open_db(args, create=True)
    try:
        bars = _PhaseBars(args.source.name)
        try:
            result = restore(db, args.source, force=args.force, progress=bars)
        finally:
            bars.close()
    finally:
        db.close()
    print(result)
    return 0
