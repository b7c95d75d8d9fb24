"""`shopper scorecards` and `shopper shop-report`. ReportLab is imported only in handlers."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from shopper.cli._common import (
    check_names,
    check_output_file,
    date_arg,
    error,
    open_db,
    positive_int,
)

if TYPE_CHECKING:
    from shopper.reports.batch import BatchRequest
    from shopper.storage.db import Database


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cards = subparsers.add_parser(
        "scorecards",
        help="write PDF scorecards, one per agent (or one combined PDF)",
        description="Write one PDF scorecard per agent into OUTDIR (file names made from the "
        "agent and property names), or every scorecard into one PDF with --combined. Only "
        "submitted shops visited in the period count; agents with none are skipped and "
        "listed. Large batches use every core.",
    )
    cards.add_argument("outdir", metavar="OUTDIR", nargs="?", type=Path, help="folder to fill")
    cards.add_argument(
        "--agent",
        dest="agents",
        action="append",
        default=[],
        metavar="NAME",
        help="only this agent (repeat for several; exact name, any case)",
    )
    cards.add_argument("--property", metavar="NAME", help="only the agents of this property")
    cards.add_argument(
        "--from", dest="date_from", type=date_arg, metavar="DATE", help="visited on or after"
    )
    cards.add_argument(
        "--to", dest="date_to", type=date_arg, metavar="DATE", help="visited on or before"
    )
    cards.add_argument(
        "--combined", type=Path, metavar="FILE.pdf", help="one PDF with a bookmark per agent"
    )
    cards.add_argument(
        "--page-size",
        choices=("letter", "a4"),
        help="paper (default from the locale: Letter in the US, Canada, Mexico...; else A4)",
    )
    cards.add_argument(
        "--bands",
        metavar="SPEC",
        help="score bands, e.g. 'Excellent=90,Good=80,Fair=70,Needs coaching=0' "
        "(default: the database setting scorecard_bands, else those)",
    )
    cards.add_argument(
        "--workers",
        type=positive_int,
        metavar="N",
        help="processes to use, 1 or more (default: all cores for large batches)",
    )
    cards.set_defaults(handler=run_scorecards)

    shop = subparsers.add_parser(
        "shop-report",
        help="write the PDF report of one evaluation",
        description="Every item with its answer, points and comment, the section scores, "
        "the notes and the follow-up log of one evaluation. Its id is in the ID column of "
        "`shopper evaluations list` (or --json), in the CSV export (evaluation_id) and in "
        "package files.",
    )
    shop.add_argument(
        "evaluation_id",
        metavar="EVALUATION_ID",
        help="the evaluation's id, e.g. from `shopper evaluations list`",
    )
    shop.add_argument("out", metavar="OUT.pdf", type=Path, help="PDF file to write")
    shop.add_argument("--page-size", choices=("letter", "a4"), help="paper (default: locale)")
    shop.set_defaults(handler=run_shop_report)


def run_scorecards(args: argparse.Namespace) -> int:
    from shopper.cli._progress import Progress
    from shopper.errors import ShopperError
    from shopper.reports.batch import BatchIncompleteError, BatchRequest, export_scorecards
    from shopper.services.aggregates import Period, parse_bands

    if (args.outdir is None) == (args.combined is None):
        raise ShopperError("give either OUTDIR (one PDF per agent) or --combined FILE.pdf")
    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise ShopperError(f"--from {args.date_from} is after --to {args.date_to}")
    if args.combined is not None:
        check_output_file(args.combined, "scorecards.pdf")
    request = BatchRequest(
        out_dir=args.outdir,
        combined=args.combined,
        period=Period(args.date_from, args.date_to),
        property_name=args.property,
        agent_names=tuple(args.agents),
        size=args.page_size,
        bands=parse_bands(args.bands) if args.bands else None,
        workers=args.workers,
    )
    db = open_db(args)
    try:
        check_names(db, args.property, args.agents)
        if not _anything_to_print(db, request):
            return error(
                "no agent has a submitted shop visited in this period; nothing was written "
                "(see `shopper evaluations list --status submitted`)"
            )
        with Progress("Writing scorecards") as progress, _interrupt_cancels() as cancelled:
            result = export_scorecards(db, request, progress=progress.update, cancelled=cancelled)
    except BatchIncompleteError as exc:  # a full disk, a folder gone: what was written
        return error(str(exc))
    finally:
        db.close()
    print(result.summary())  # after a cancel it lists the files not written
    if result.cancelled:
        return error(
            f"cancelled; {len(result.unwritten)} scorecard file(s) were not written "
            "(listed above), the others are complete"
        )
    if not result.written:
        return 1
    if args.outdir is not None:
        print(f"Folder: {args.outdir.resolve()}")
    return 0


@contextlib.contextmanager
def _interrupt_cancels() -> Iterator[Callable[[], bool]]:
    """The first Ctrl+C cancels the batch (the files being written are finished, the rest
    are listed as not written); a second one interrupts at once. Only in the main thread,
    where Python delivers signals."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop.is_set
        return

    def on_interrupt(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        notice = "Cancelling: finishing the files being written (Ctrl+C again to stop now)"
        print(f"\n{notice}", file=sys.stderr)

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield stop.is_set
    finally:
        signal.signal(signal.SIGINT, previous)


def _anything_to_print(db: Database, request: BatchRequest) -> bool:
    """Whether any chosen agent has a submitted shop in the period: checked before the batch
    so that nothing (not even an empty folder) is created when there is nothing to print."""
    from shopper.services import aggregates

    refs = aggregates.list_agent_refs(
        db, property_name=request.property_name, agent_names=request.agent_names
    )
    return bool(aggregates.agents_with_shops(db, [r.id for r in refs], request.period))


def run_shop_report(args: argparse.Namespace) -> int:
    from shopper.fileio import atomic_writer
    from shopper.reports.shop_report import render_shop_report, shop_report_data

    check_output_file(args.out, "shop.pdf")
    db = open_db(args)
    try:
        data = shop_report_data(db, args.evaluation_id)
    finally:
        db.close()
    with atomic_writer(args.out, "wb") as handle:
        pages = render_shop_report(data, handle, args.page_size)  # type: ignore[arg-type]
    print(f"Wrote {args.out} ({pages} page{'s' if pages != 1 else ''})")
    return 0
