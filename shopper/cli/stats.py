"""`shopper stats`: the program dashboard's figures as text or JSON (the same figures as the
Dashboard page and `shopper dashboard`)."""

from __future__ import annotations

import argparse
import datetime as dt
from fractions import Fraction
from typing import TYPE_CHECKING

from shopper.cli._common import check_names, date_arg, open_db, print_json

if TYPE_CHECKING:
    from shopper.services.dashboard import Dashboard, DashboardFilter
    from shopper.storage.db import Database


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    """The dashboard's filters, shared by `stats` and `dashboard`."""
    parser.add_argument(
        "--from",
        dest="date_from",
        type=date_arg,
        metavar="DATE",
        help="visited on or after (default: a year before --to)",
    )
    parser.add_argument(
        "--to",
        dest="date_to",
        type=date_arg,
        metavar="DATE",
        help="visited on or before (default: today)",
    )
    parser.add_argument("--property", metavar="NAME", help="only this property")
    parser.add_argument(
        "--agent",
        dest="agents",
        action="append",
        default=[],
        metavar="NAME",
        help="only these agents (repeat for a group; exact name, any case)",
    )
    parser.add_argument("--rubric", metavar="KEY", help="only shops scored with this rubric")
    parser.add_argument(
        "--target",
        type=target_arg,
        metavar="PCT",
        help="the section target, 0 to 100 (default: the setting dashboard_target, else 80)",
    )


def target_arg(text: str) -> Fraction:
    try:
        value = Fraction(text.strip().rstrip("%"))
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage (e.g. 85)") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text} is not from 0 to 100")
    return value


def period_of(args: argparse.Namespace, today: dt.date) -> tuple[dt.date, dt.date]:
    """The period asked for: by default the year up to today (compared with the year before)."""
    from shopper.errors import ShopperError

    end = args.date_to or today
    start = args.date_from or _year_before(end)
    if start > end:
        raise ShopperError(f"--from {start} is after --to {end}")
    return start, end


def _year_before(end: dt.date) -> dt.date:
    """The day after the same date a year before: `end` ends a period of one year."""
    try:
        back = end.replace(year=end.year - 1)
    except ValueError:  # 29 February
        back = end.replace(year=end.year - 1, day=28)
    return back + dt.timedelta(days=1)


def dashboard_filter(db: Database, args: argparse.Namespace, today: dt.date) -> DashboardFilter:
    from shopper.services import aggregates, rubrics
    from shopper.services.dashboard import DashboardFilter

    check_names(db, args.property, args.agents)
    property_id = None
    if args.property:
        from shopper.services.properties import find_property

        property_id = find_property(db, args.property).id
    agent_ids: tuple[str, ...] = ()
    if args.agents:
        refs = aggregates.list_agent_refs(db, property_name=args.property, agent_names=args.agents)
        agent_ids = tuple(r.id for r in refs)
    if args.rubric:
        rubrics.find(db, args.rubric)  # an unknown key is refused with advice
    start, end = period_of(args, today)
    return DashboardFilter(
        start=start,
        end=end,
        property_id=property_id,
        agent_ids=agent_ids,
        rubric_key=args.rubric,
    )


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "stats",
        help="print the program dashboard's figures",
        description="The program at a glance: shops, overall average and band, key-question "
        "score, critical failures, follow-up compliance, shops awaiting follow-up, each "
        "against the period of the same length before; monthly trend, section averages, "
        "score distribution, agent and property leaderboards, key-question pass rates. Only "
        "the shops that count (see `shopper review`) are used.",
    )
    add_filter_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run_stats)


def run_stats(args: argparse.Namespace) -> int:
    from shopper.services import dashboard

    today = dt.date.today()
    db = open_db(args)
    try:
        board = dashboard.build(
            db, dashboard_filter(db, args, today), today=today, target=args.target
        )
    finally:
        db.close()
    if args.json:
        print_json(dashboard.as_json(board))
    else:
        print(text_report(board))
    return 0


def text_report(board: Dashboard) -> str:
    from shopper import scoring

    flt = board.filter
    lines = [f"Period: {flt.start} – {flt.end}"]
    if board.previous_period is not None:
        before = board.previous_period
        lines[0] += f" (compared with {before.start} – {before.end})"
    lines.append("")
    for tile in board.tiles():
        change = f"  ({tile.change})" if tile.change else ""
        lines.append(f"{tile.label:<22} {tile.value:>8}{change}  {tile.detail}")
    if board.months:
        lines += ["", f"{'MONTH':<9} {'SHOPS':>6} {'OVERALL':>8} {'KEY Q.':>8}"]
        for m in board.months:
            lines.append(f"{m.month:<9} {m.shops:>6} {m.overall.text:>8} {m.key_questions.text:>8}")
    if board.sections:
        lines += ["", f"{'SECTION':<30} {'AVERAGE':>8} {'SHOPS':>6}"]
        for s in board.sections:
            lines.append(f"{s.title[:30]:<30} {s.average.text:>8} {s.average.count:>6}")
        lines.append(f"(target {scoring.format_pct(board.target)})")
    if board.bands:
        lines += ["", "DISTRIBUTION"]
        lines += [f"{b.label:<20} {b.count:>6}" for b in board.bands]
    for title, rows in (("AGENT", board.agents), ("PROPERTY", board.properties)):
        if not rows:
            continue
        lines += ["", f"{title:<28} {'SHOPS':>6} {'AVERAGE':>8} {'BAND':<15} {'TREND':<5} CRIT"]
        for r in rows:
            arrow = {"up": "▲", "down": "▼", "same": "=", None: ""}[r.trend]
            small = " (few shops)" if r.small_sample else ""
            where = f"  {r.property_name}" if title == "AGENT" else ""
            lines.append(
                f"{r.name[:28]:<28} {r.shops:>6} {r.average.text:>8} {r.band[:15]:<15} "
                f"{arrow:<5} {r.critical:>4}{small}{where}"
            )
    if board.key_questions:
        lines += ["", f"{'KEY QUESTION':<60} {'PASSED':>7} {'OF':>6} {'RATE':>7}"]
        for k in board.key_questions:
            lines.append(
                f"{k.prompt[:60]:<60} {k.rate.passed:>7} {k.rate.counted:>6} "
                f"{scoring.format_pct(k.rate.pct):>7}"
            )
    for timing in board.timings:
        lines += ["", timing.prompt]
        lines += [f"  {label:<40} {n:>6}" for label, n in timing.counts]
    return "\n".join(lines)
