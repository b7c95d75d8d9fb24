"""`shopper dashboard OUT.pdf`: the program dashboard as a one- or two-page PDF (the figures
of `shopper stats` and of the app's Dashboard page). ReportLab is imported in the handler."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from shopper.cli._common import check_output_file, open_db
from shopper.cli.stats import add_filter_arguments, dashboard_filter


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "dashboard",
        help="write the program dashboard as a PDF",
        description="The program at a glance on one or two pages: tiles against the period "
        "before, the monthly trend, section averages, the score distribution, leaderboards, "
        "key-question pass rates and follow-up performance (the figures of `shopper stats`).",
    )
    parser.add_argument("out", metavar="OUT.pdf", type=Path, help="PDF file to write")
    add_filter_arguments(parser)
    parser.add_argument("--page-size", choices=("letter", "a4"), help="paper (default: locale)")
    parser.set_defaults(handler=run_dashboard)


def run_dashboard(args: argparse.Namespace) -> int:
    from shopper.fileio import atomic_writer
    from shopper.reports.dashboard_pdf import render_dashboard
    from shopper.services import dashboard

    check_output_file(args.out, "dashboard.pdf")
    today = dt.date.today()
    db = open_db(args)
    try:
        flt = dashboard_filter(db, args, today)
        board = dashboard.build(db, flt, today=today, target=args.target)
    finally:
        db.close()
    scope = ", ".join(
        part
        for part in (
            args.property or "",
            f"{len(args.agents)} agent{'s' if len(args.agents) != 1 else ''}"
            if args.agents
            else "",
            f"rubric {args.rubric}" if args.rubric else "",
        )
        if part
    )
    with atomic_writer(args.out, "wb") as handle:
        count = render_dashboard(board, handle, args.page_size, scope=scope)  # type: ignore[arg-type]
    print(f"Wrote {args.out} ({count} page{'s' if count != 1 else ''})")
    return 0
