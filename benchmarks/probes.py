"""Measurements that run inside a child process: `python -m benchmarks.probes NAME --db PATH`.

Each probe times only the operation itself (the process start and the database opening are
not part of e.g. a rescore) and prints one JSON line: {"values": {...}, "notes": {...}} or
{"missing": "why the feature cannot be measured yet"}.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

Result = dict[str, Any]
PROBES: dict[str, Callable[[argparse.Namespace], Result]] = {}


def probe(name: str) -> Callable[[Callable[[argparse.Namespace], Result]], Any]:
    def register(func: Callable[[argparse.Namespace], Result]) -> Any:
        PROBES[name] = func
        return func

    return register


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = func()
    return time.perf_counter() - started, value


def open_db(path: str) -> Any:
    from shopper.storage.db import open_database

    return open_database(path)


@probe("help_imports")
def help_imports(_args: argparse.Namespace) -> Result:
    """Which heavy packages `shopper --help` imports (it should import none)."""
    import contextlib
    import io

    from shopper.cli import main

    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
        main(["--help"])
    heavy = sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in HEAVY_PACKAGES})
    return {"values": {}, "notes": {"heavy_imports": heavy}}


HEAVY_PACKAGES = {"PySide6", "shiboken6", "reportlab", "sqlalchemy", "alembic", "jsonschema"}


@probe("open")
def open_only(args: argparse.Namespace) -> Result:
    """Open the database as the app does (migrating it to the head revision), untimed."""
    open_db(args.db).close()
    return {"values": {}, "notes": {}}


@probe("rescore")
def rescore(args: argparse.Namespace) -> Result:
    """The worst case: a scoring fix that changes every stored score (they are blanked
    first, untimed), so every evaluation and section score row is rewritten. The cheap
    case, nothing changed, is in the notes."""
    from sqlalchemy import update

    from shopper.services.evaluations import rescore_all
    from shopper.storage.models import Evaluation, SectionScoreRow

    db = open_db(args.db)
    try:
        unchanged_seconds, unchanged = timed(lambda: rescore_all(db))
        with db.write() as session:
            session.execute(
                update(Evaluation).values(overall_exact=None, overall_pct=None),
                execution_options={"synchronize_session": False},
            )
            session.execute(
                update(SectionScoreRow).values(exact=None, pct=None),
                execution_options={"synchronize_session": False},
            )
        seconds, count = timed(lambda: rescore_all(db))
    finally:
        db.close()
    return {
        "values": {"rescore_all_s": seconds},
        "notes": {
            "evaluations_rewritten": count,
            "nothing_changed_s": round(unchanged_seconds, 3),
            "nothing_changed_rewritten": unchanged,
        },
    }


def draft_ids(db: Any, count: int) -> list[str]:
    from shopper.services import evaluation_list

    flt = evaluation_list.EvaluationFilter(status="draft")
    return evaluation_list.list_ids(db, flt, sort="visited_on")[:count]


@probe("form")
def form(args: argparse.Namespace) -> Result:
    """Open drafts into the rubric form, then change one answer and save it (the autosave).

    The first open in the process (imports, style sheet) is reported apart; the metric is
    the median of the opens and saves after it, as a shopper moving between evaluations.
    """
    from PySide6.QtWidgets import QApplication

    from benchmarks import gui_probes

    app: Any = QApplication.instance() or QApplication(["bench"])
    db = open_db(args.db)
    try:
        ids = draft_ids(db, 6)
        if len(ids) < 2:
            return {"missing": "the database has fewer than two draft evaluations"}
        opener = gui_probes.FormOpener(db, app)
        first_open, _ = timed(lambda: opener.open(ids[0]))
        opens, saves = [], []
        for evaluation_id in ids[1:]:
            opener.close_current()
            opens.append(timed(partial(opener.open, evaluation_id))[0])
            saves.append(opener.change_one_answer_and_save())
        opener.close()
    finally:
        db.close()
    return {
        "values": {
            "open_evaluation_s": statistics.median(opens),
            "autosave_s": statistics.median(saves),
        },
        "notes": {"first_open_s": first_open, "open_path": opener.describe()},
    }


@probe("list")
def evaluation_list(args: argparse.Namespace) -> Result:
    """Filter the evaluation list model by agent text, and sort it by overall score."""
    try:
        from benchmarks import list_probe
    except ImportError as exc:
        return {"missing": f"the evaluation list model is not there yet ({exc})"}
    return list_probe.measure(args.db)


@probe("floor")
def floor(args: argparse.Namespace) -> Result:
    """The floor of `scorecards_all_s`: every agent's scorecard rendered by ReportLab from
    data already in memory, with as many processes as `shopper scorecards` uses.

    The rendering function is `_render_many` of benchmarks/scorecards_bench.py (the
    scorecards helper's own definition of the floor); this probe feeds it the benchmark's
    database, warms the pool up the same way and times the same map.
    """
    from concurrent.futures import ProcessPoolExecutor

    try:
        from benchmarks import scorecards_bench as bench
    except ImportError as exc:
        return {"missing": f"benchmarks/scorecards_bench.py cannot be imported ({exc})"}
    from shopper.services import aggregates as ag

    db = open_db(args.db)
    try:
        rubrics = ag.load_rubrics(db)
        data_s, (cards, _skipped) = timed(
            lambda: ag.scorecards(
                db,
                ag.list_agent_refs(db),
                ag.period_aggregates(db, ag.Period(), rubrics),
                rubrics,
            )
        )
    finally:
        db.close()
    workers = len(os.sched_getaffinity(0))
    chunks = [cards[i::workers] for i in range(workers)]
    sizes = [SCORECARD_PAGE_SIZE] * workers
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(bench._render_many, [c[:1] for c in chunks], sizes))
        seconds, pages = timed(lambda: sum(pool.map(bench._render_many, chunks, sizes)))
    return {
        "values": {"scorecard_floor_s": seconds},
        "notes": {"floor_pages": pages, "workers": workers, "data_in_memory_s": data_s},
    }


SCORECARD_PAGE_SIZE = "letter"
"""Passed to `shopper scorecards --page-size` too, so both render the same pages."""


@probe("exchange")
def exchange(args: argparse.Namespace) -> Result:
    """Stand-in for `shopper export-csv|export|import` while those commands do not exist:
    the service call alone, timed in its own process. `--out` is `ACTION:PATH`."""
    action, _, target = args.out.partition(":")
    path = Path(target)
    db = open_db(args.db)
    try:
        if action == "csv":
            from shopper.exchange.csv_export import export_csv

            seconds, _ = timed(lambda: export_csv(db, path))
        elif action == "export":
            from shopper.exchange.package_export import export_package

            seconds, _ = timed(lambda: export_package(db, path))
        else:
            from shopper.exchange.package_import import import_package

            seconds, _ = timed(lambda: import_package(db, path))
    finally:
        db.close()
    return {"values": {"seconds": seconds}, "notes": {}}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.probes")
    parser.add_argument("name", choices=sorted(PROBES))
    parser.add_argument("--db", default="")
    parser.add_argument("--out", default="")
    args = parser.parse_args(argv)
    if args.out and args.name != "exchange":
        Path(args.out).mkdir(parents=True, exist_ok=True)
    result = PROBES[args.name](args)
    print(json.dumps(result, default=str), flush=True)
    sys.stderr.flush()
    # Skip interpreter teardown: PySide6 can abort while collecting widgets at exit, and
    # nothing is left to clean up (the database was closed, the figures are printed).
    os._exit(0)


if __name__ == "__main__":
    main()
