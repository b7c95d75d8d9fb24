"""`shopper review list|reviewed|release|return|reopen|exclude|include`: the reviewer's steps."""

from __future__ import annotations

import argparse
import sys

from shopper.cli._actors import actor, add_by, add_reason, evaluation_id, person_id
from shopper.cli._common import count_arg, open_db, print_json


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "review",
        help="review, release, return or exclude shops",
        description="The reviewer's steps: submitted → reviewed → released, or returned to "
        "the shopper with a reason; a released shop is frozen (a reviewer may reopen it with a "
        "reason). Any submitted-or-later shop may be excluded from every aggregate with a "
        "reason, and included again. Each step is kept in the history with who did it.",
    )
    commands = parser.add_subparsers(dest="review_command", metavar="ACTION", required=True)
    lst = commands.add_parser(
        "list",
        help="the review queue: submitted and reviewed shops, oldest first",
        description="Shops waiting for review (submitted or reviewed, not excluded), oldest "
        "submission first, with shopper, agent, score, critical failure and comment count.",
    )
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(handler=run_list)

    reviewed = commands.add_parser(
        "reviewed",
        help="mark submitted shops reviewed",
        description="Mark submitted shops as reviewed (not yet released).",
    )
    reviewed.add_argument("ids", nargs="+", metavar="ID", help="evaluation id")
    add_by(reviewed)
    reviewed.set_defaults(handler=run_step, step="reviewed")

    release = commands.add_parser(
        "release",
        help="release shops (they count when review is required; disputes may start)",
        description="Release submitted or reviewed shops. A shop that cannot be released is "
        "named with the reason, and the others are still released.",
    )
    release.add_argument("ids", nargs="+", metavar="ID", help="evaluation id")
    add_by(release)
    release.set_defaults(handler=run_step, step="release")

    ret = commands.add_parser(
        "return",
        help="send a shop back to its shopper, with a reason",
        description="Return a submitted or reviewed shop to its shopper, who edits it and "
        "submits it again.",
    )
    ret.add_argument("ids", nargs="+", metavar="ID", help="evaluation id")
    add_reason(ret, "what the shopper should fix (kept in the history)")
    add_by(ret)
    ret.set_defaults(handler=run_step, step="return")

    reopen = commands.add_parser(
        "reopen",
        help="reopen a released shop (back to reviewed), with a reason",
        description="Reopen a released shop: it goes back to reviewed, and can be edited "
        "with reasons and released again. Not while a dispute of it is open.",
    )
    reopen.add_argument("ids", nargs="+", metavar="ID", help="evaluation id")
    add_reason(reopen, "why it is reopened (kept in the history)")
    add_by(reopen)
    reopen.set_defaults(handler=run_step, step="reopen")

    for name, text in (
        ("exclude", "leave shops out of every aggregate"),
        ("include", "count excluded shops again"),
    ):
        step = commands.add_parser(
            name,
            help=f"{text}, with a reason",
            description=f"{text[0].upper()}{text[1:]} (a flag kept beside the status, with "
            "who, when and why).",
        )
        step.add_argument("ids", nargs="+", metavar="ID", help="evaluation id")
        add_reason(step, "why (kept in the history)")
        add_by(step)
        step.set_defaults(handler=run_step, step=name)

    conf = commands.add_parser(
        "settings",
        help="show or change review_required and dispute_days",
        description="The database settings of review: review_required (on: only released "
        "shops count in aggregates and scorecards; off, the default: submitted, reviewed and "
        "released shops count) and dispute_days (how long after its release a shop may be "
        "disputed; default 14). Without options, shows them.",
    )
    conf.add_argument("--required", choices=("on", "off"), help="whether only released shops count")
    conf.add_argument(
        "--dispute-days", type=count_arg, metavar="N", help="days a released shop may be disputed"
    )
    conf.set_defaults(handler=run_settings)


def run_list(args: argparse.Namespace) -> int:
    from shopper.scoring import format_pct, round_pct
    from shopper.services import review

    db = open_db(args)
    try:
        rows = review.queue(db)
    finally:
        db.close()
    if args.json:
        print_json(
            [
                {
                    "id": r.id,
                    "status": r.status,
                    "submitted_at": r.submitted_at.isoformat() + "Z" if r.submitted_at else None,
                    "visited_on": r.visited_on.isoformat(),
                    "shopper": r.shopper,
                    "agent": r.agent_name,
                    "property": r.property_name,
                    "overall_pct": (
                        float(p) if (p := round_pct(r.overall_pct)) is not None else None
                    ),
                    "critical_failure": r.critical_failure,
                    "comments": r.comment_count,
                }
                for r in rows
            ]
        )
        return 0
    if not rows:
        print("Nothing to review.")
        return 0
    print(
        f"{'SUBMITTED':<16}  {'STATUS':<9} {'SHOPPER':<16} {'AGENT':<20} {'OVERALL':>7}  "
        f"{'COMMENTS':>8}  ID"
    )
    for r in rows:
        flag = " !" if r.critical_failure else "  "
        when = f"{r.submitted_at:%Y-%m-%d %H:%M}" if r.submitted_at else "—"
        print(
            f"{when:<16}  {r.status:<9} {r.shopper[:16]:<16} {r.agent_name[:20]:<20} "
            f"{format_pct(r.overall_pct):>7}{flag}{r.comment_count:>8}  {r.id}"
        )
    print(f"{len(rows)} shop(s) to review; ! marks a critical failure")
    return 0


def run_step(args: argparse.Namespace) -> int:
    from shopper.errors import ShopperError
    from shopper.services import review

    actor(args)  # before opening the database: a missing --by is a usage problem
    db = open_db(args)
    failed = 0
    try:
        who = person_id(db, args)
        for given in args.ids:
            try:
                shop_id = evaluation_id(db, given)
                if args.step == "reviewed":
                    done = review.mark_reviewed(db, shop_id, actor=who)
                elif args.step == "release":
                    done = review.release(db, shop_id, actor=who)
                elif args.step == "return":
                    done = review.return_to_shopper(db, shop_id, actor=who, reason=args.reason)
                elif args.step == "reopen":
                    done = review.reopen(db, shop_id, actor=who, reason=args.reason)
                elif args.step == "exclude":
                    done = review.exclude(db, shop_id, actor=who, reason=args.reason)
                else:
                    done = review.include(db, shop_id, actor=who, reason=args.reason)
            except ShopperError as exc:
                if len(args.ids) == 1:
                    raise
                failed += 1
                print(f"shopper: error: {given}: {exc}", file=sys.stderr)
                continue
            flag = ", excluded" if done.excluded else ""
            print(f"{done.id}: {done.status}{flag}")
    finally:
        db.close()
    return 1 if failed else 0


def run_settings(args: argparse.Namespace) -> int:
    from shopper.domain import DISPUTE_DAYS
    from shopper.services import settings

    db = open_db(args)
    try:
        if args.required is not None:
            settings.set_review_required(db, args.required == "on")
        if args.dispute_days is not None:
            settings.put(db, DISPUTE_DAYS, str(args.dispute_days))
        required, days = settings.review_required(db), settings.dispute_days(db)
    finally:
        db.close()
    counted = "released shops only" if required else "submitted, reviewed and released shops"
    print(f"review_required: {'on' if required else 'off'} ({counted} count)")
    print(f"dispute_days: {days}")
    return 0
