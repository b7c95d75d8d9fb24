"""`shopper history ID`: a shop's history, oldest first."""

from __future__ import annotations

import argparse

from shopper.cli._common import open_db, print_json


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "history",
        help="show the history of an evaluation",
        description="Every step of an evaluation since its first submission, oldest first: "
        "when (UTC), who, what, from, to and why. Events are never changed or deleted.",
    )
    parser.add_argument("id", metavar="ID", help="evaluation id (or its first 8+ characters)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run_history)


def run_history(args: argparse.Namespace) -> int:
    from shopper.cli._actors import evaluation_id
    from shopper.services import history

    db = open_db(args)
    try:
        events = history.timeline(db, evaluation_id(db, args.id))
    finally:
        db.close()
    if args.json:
        print_json(
            [
                {
                    "id": e.id,
                    "at": e.at.isoformat() + "Z",
                    "by": e.by_name,
                    "by_id": e.by_id,
                    "action": e.action,
                    "field": e.field,
                    "from": e.from_value,
                    "to": e.to_value,
                    "reason": e.reason,
                }
                for e in events
            ]
        )
        return 0
    if not events:
        print("No history yet: it starts when the evaluation is first submitted.")
        return 0
    for e in events:
        change = f" {e.field}: {_show(e.from_value)} → {_show(e.to_value)}" if e.field else ""
        why = f" — {e.reason}" if e.reason else ""
        print(
            f"{e.at:%Y-%m-%d %H:%M:%S} UTC  {e.by_name or '(nobody named)'}: {e.label}{change}{why}"
        )
    print(f"{len(events)} event(s)")
    return 0


def _show(value: object) -> str:
    return "—" if value is None else str(value)
