"""`shopper disputes list|open|resolve|stats`: disputes of released shops."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from shopper.cli._actors import actor, add_by, add_reason, evaluation_id, person_id
from shopper.cli._common import open_db, print_json

if TYPE_CHECKING:
    from shopper.services.disputes import DisputeData

RESOLUTIONS = ("upheld", "accepted", "amended")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "disputes",
        help="dispute released shops and resolve disputes",
        description="A released shop may be disputed within dispute_days (default 14) of its "
        "release: items, each with a proposed answer and a reason. A reviewer resolves each "
        "item as upheld, accepted (the proposed answer replaces it) or amended (another "
        "answer); the shop is rescored and stays released. A closed dispute stays closed.",
    )
    commands = parser.add_subparsers(dest="disputes_command", metavar="ACTION", required=True)
    lst = commands.add_parser(
        "list",
        help="list open disputes with their age (--all: closed ones too)",
        description="Disputes, oldest first, with their items and resolutions.",
    )
    lst.add_argument("--all", action="store_true", help="closed disputes too")
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(handler=run_list)

    opened = commands.add_parser(
        "open",
        help="dispute items of a released shop",
        description="Open a dispute on a released shop, within the dispute window. Each "
        "--item names an item (section_key.item_key), the proposed answer (yes, no, na, a "
        "number or an option's label) and why.",
    )
    opened.add_argument("id", metavar="ID", help="evaluation id")
    opened.add_argument(
        "--item",
        dest="items",
        nargs=3,
        action="append",
        required=True,
        metavar=("ITEM", "PROPOSED", "REASON"),
        help="a disputed item, its proposed answer and the reason (repeat for more)",
    )
    add_by(opened)
    opened.set_defaults(handler=run_open)

    resolve = commands.add_parser(
        "resolve",
        help="resolve one item of an open dispute",
        description="Resolve an item: upheld (the answer stands), accepted (the proposed "
        "answer replaces it) or amended (--answer replaces it). The dispute closes when its "
        "last item is resolved.",
    )
    resolve.add_argument("dispute", metavar="DISPUTE_ID", help="dispute id")
    resolve.add_argument("item", metavar="ITEM", help="section_key.item_key")
    resolve.add_argument("resolution", choices=RESOLUTIONS, help="how it is resolved")
    resolve.add_argument("--answer", metavar="VALUE", help="the new answer (amended)")
    add_reason(resolve, "why (kept in the history)")
    add_by(resolve)
    resolve.set_defaults(handler=run_resolve)

    stats = commands.add_parser(
        "stats",
        help="disputes per 100 released shops, items changed",
        description="Dispute statistics over the whole database.",
    )
    stats.add_argument("--json", action="store_true", help="print JSON")
    stats.set_defaults(handler=run_stats)


def _answer(text: str | None) -> str | int | None:
    if text is None:
        return None
    stripped = text.strip()
    return int(stripped) if stripped.isdigit() else stripped


def _as_json(d: DisputeData) -> dict[str, object]:
    return {
        "id": d.id,
        "evaluation_id": d.evaluation_id,
        "raised_by": d.raised_by,
        "raised_at": d.raised_at.isoformat() + "Z",
        "closed_at": d.closed_at.isoformat() + "Z" if d.closed_at else None,
        "age_days": d.age_days(),
        "items": [
            {
                "item": i.item,
                "original": i.original,
                "proposed": i.proposed,
                "reason": i.reason,
                "resolution": i.resolution,
                "resolved_answer": i.resolved_answer,
                "resolved_by": i.resolved_by,
                "resolved_at": i.resolved_at.isoformat() + "Z" if i.resolved_at else None,
                "resolution_reason": i.resolution_reason,
            }
            for i in d.items
        ],
    }


def run_list(args: argparse.Namespace) -> int:
    from shopper.services import disputes

    db = open_db(args)
    try:
        found = disputes.list_disputes(db, open_only=not args.all)
    finally:
        db.close()
    if args.json:
        print_json([_as_json(d) for d in found])
        return 0
    if not found:
        print("No open disputes." if not args.all else "No disputes.")
        return 0
    for d in found:
        state = f"closed {d.closed_at:%Y-%m-%d}" if d.closed_at else f"open {d.age_days()} day(s)"
        print(f"{d.id}  shop {d.evaluation_id}  by {d.raised_by}  {state}")
        for i in d.items:
            outcome = f"{i.resolution} → {i.resolved_answer}" if i.resolution else "unresolved"
            print(f"    {i.item}: {i.original} → proposed {i.proposed} ({i.reason}); {outcome}")
    print(f"{len(found)} dispute(s)")
    return 0


def run_open(args: argparse.Namespace) -> int:
    from shopper.services import disputes

    actor(args)
    db = open_db(args)
    try:
        who = person_id(db, args)
        items = [
            disputes.ProposedItem(item, _answer(proposed), reason)
            for item, proposed, reason in args.items
        ]
        opened = disputes.open_dispute(db, evaluation_id(db, args.id), items, actor=who)
    finally:
        db.close()
    print(f"dispute {opened.id} opened on {len(opened.items)} item(s)")
    return 0


def run_resolve(args: argparse.Namespace) -> int:
    from shopper.services import disputes

    actor(args)
    db = open_db(args)
    try:
        who = person_id(db, args)
        done = disputes.resolve(
            db,
            args.dispute,
            args.item,
            args.resolution,
            actor=who,
            reason=args.reason,
            answer=_answer(args.answer),
        )
    finally:
        db.close()
    left = sum(1 for i in done.items if i.resolution is None)
    print(f"{args.item}: {args.resolution}; " + (f"{left} item(s) left" if left else "closed"))
    return 0


def run_stats(args: argparse.Namespace) -> int:
    from shopper.services import disputes

    db = open_db(args)
    try:
        stats = disputes.statistics(db)
    finally:
        db.close()
    per_100 = stats.per_100_released
    if args.json:
        print_json(
            {
                "released_shops": stats.released_shops,
                "disputes": stats.disputes,
                "open_disputes": stats.open_disputes,
                "disputes_per_100_released": per_100,
                "items": stats.items,
                "items_changed": stats.items_changed,
            }
        )
        return 0
    rate = "—" if per_100 is None else f"{per_100:.1f}"
    print(
        f"{stats.disputes} dispute(s) ({stats.open_disputes} open) over "
        f"{stats.released_shops} released shop(s): {rate} per 100; "
        f"{stats.items_changed} of {stats.items} item(s) changed"
    )
    return 0
