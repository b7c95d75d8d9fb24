"""`shopper rubric import|export|list`."""

from __future__ import annotations

import argparse
from pathlib import Path

from shopper.cli._common import check_output_file, open_db, print_json


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "rubric",
        help="import, export and list rubrics",
        description="Rubrics: the questions, points and sections that evaluations are scored "
        "with. Each rubric has a key and numbered versions; a version that evaluations use "
        "never changes.",
    )
    commands = parser.add_subparsers(dest="rubric_command", metavar="ACTION", required=True)

    imp = commands.add_parser(
        "import",
        help="add a rubric file to the database",
        description="Validate a rubric file and store it. A version already stored with the "
        "same content is left as is; changed content under a stored version becomes the "
        "next version, so evaluations keep the version they were scored with.",
    )
    imp.add_argument("file", type=Path, help="rubric JSON file (docs/FORMATS.md)")
    imp.add_argument("--default", action="store_true", help="use it for new evaluations")
    imp.set_defaults(handler=run_import)

    exp = commands.add_parser(
        "export",
        help="write a rubric version to a rubric file",
        description="Write one version of a rubric (the latest unless --version is given) to "
        "a rubric file (JSON, docs/FORMATS.md), e.g. to edit it and import it again or to "
        "share it. Keys and versions are listed by `shopper rubric list`.",
    )
    exp.add_argument("key", help="rubric key, e.g. leasing-tour (see `shopper rubric list`)")
    exp.add_argument("out", type=Path, help="file to write")
    exp.add_argument("--version", type=int, help="version number (default: the latest)")
    exp.set_defaults(handler=run_export)

    lst = commands.add_parser(
        "list",
        help="list rubrics with their versions and usage",
        description="List every rubric version with its key, name, how many evaluations use "
        "it and which rubric new evaluations get by default.",
    )
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(handler=run_list)


def run_import(args: argparse.Namespace) -> int:
    from shopper.rubric import load_rubric_file
    from shopper.services import rubrics

    rubric = load_rubric_file(args.file)
    db = open_db(args)
    try:
        result = rubrics.save_rubric(db, rubric)
        if args.default:
            rubrics.set_default(db, rubric.key)
    finally:
        db.close()
    info = result.info
    messages = {
        "added": f"Added {info.name} ({info.key} v{info.version})",
        "unchanged": f"{info.name} ({info.key} v{info.version}) is already stored; unchanged",
        "new_version": f"{info.key} v{rubric.version} is already stored with other content; "
        f"saved as v{info.version}",
        "updated": f"Updated {info.key} v{info.version}",
    }
    print(messages[result.outcome])
    return 0


def run_export(args: argparse.Namespace) -> int:
    from shopper.rubric import save_rubric_file
    from shopper.services import rubrics

    check_output_file(args.out, f"{args.key}.json")
    db = open_db(args)
    try:
        info = rubrics.find(db, args.key, args.version)
        save_rubric_file(rubrics.get_rubric(db, info.id), args.out)
    finally:
        db.close()
    print(f"Wrote {info.key} v{info.version} to {args.out}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from shopper.services import rubrics

    db = open_db(args)
    try:
        found = rubrics.list_rubrics(db)
    finally:
        db.close()
    if args.json:
        print_json(
            [
                {
                    "key": r.key,
                    "version": r.version,
                    "name": r.name,
                    "evaluations": r.evaluation_count,
                    "default": r.is_default,
                    "frozen": r.frozen,
                }
                for r in found
            ]
        )
        return 0
    if not found:
        print("No rubrics yet; run `shopper init` or `shopper rubric import FILE`.")
        return 0
    print(f"{'KEY':<24} {'VER':>3}  {'EVALUATIONS':>11}  NAME")
    for r in found:
        flags = " (default)" if r.is_default else ""
        print(f"{r.key:<24} {r.version:>3}  {r.evaluation_count:>11}  {r.name}{flags}")
    return 0
