"""Time a full scorecard batch against a "floor": the same scorecards rendered by ReportLab
from data already in memory (no queries, no files), with the same number of processes.

    .venv/bin/python benchmarks/scorecards_bench.py --agents 500 --evaluations 25000

The database is made with `shopper demo-data` settings (end date fixed, so runs compare) and
kept in --work for the next run. Target: full run <= 1.3 x floor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shopper.reports import batch
from shopper.services import aggregates as ag
from shopper.storage.db import open_database

END = dt.date(2026, 6, 30)


def _render_many(cards: list[ag.ScorecardData], size: str) -> int:
    from shopper.reports.scorecard import render_scorecard

    pages = 0
    for card in cards:
        pages += render_scorecard(card, io.BytesIO(), size)  # type: ignore[arg-type]
    return pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--properties", type=int, default=50)
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--evaluations", type=int, default=25000)
    parser.add_argument("--work", type=Path, default=Path("bench-out"))
    parser.add_argument("--size", choices=("letter", "a4"), default="letter")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    args = parser.parse_args()

    args.work.mkdir(parents=True, exist_ok=True)
    db_path = args.work / f"bench-{args.properties}-{args.agents}-{args.evaluations}.db"
    db = open_database(str(db_path))
    if not ag.list_agent_refs(db):
        from shopper.demo import generate

        started = time.perf_counter()
        generate(
            db,
            properties=args.properties,
            agents=args.agents,
            evaluations=args.evaluations,
            end_date=END,
        )
        print(f"generated the database in {time.perf_counter() - started:.1f} s")

    out = args.work / "cards"
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    result = batch.export_scorecards(
        db,
        batch.BatchRequest(out_dir=out, size=args.size, workers=args.workers),
    )
    full = time.perf_counter() - started
    print(
        f"full run: {len(result.written)} scorecards, {result.pages} pages, "
        f"{full:.1f} s, {result.pages / full:.1f} pages/s, {result.workers} processes, "
        f"{len(result.skipped)} skipped"
    )

    started = time.perf_counter()
    rubrics = ag.load_rubrics(db)
    aggregates = ag.period_aggregates(db, ag.Period(), rubrics)
    cards, _ = ag.scorecards(db, ag.list_agent_refs(db), aggregates, rubrics)
    print(f"data only (queries + aggregates, 1 process): {time.perf_counter() - started:.1f} s")

    chunks = [cards[i :: args.workers] for i in range(args.workers)]
    with ProcessPoolExecutor(args.workers) as pool:
        list(pool.map(_render_many, [c[:1] for c in chunks], [args.size] * args.workers))
        started = time.perf_counter()
        pages = sum(pool.map(_render_many, chunks, [args.size] * args.workers))
        floor = time.perf_counter() - started
    print(
        f"floor (ReportLab from memory, {args.workers} processes, warm): {pages} pages, "
        f"{floor:.1f} s, {pages / floor:.1f} pages/s"
    )
    started = time.perf_counter()
    single = _render_many(cards[:50], args.size)
    one = time.perf_counter() - started
    print(f"floor, 1 process, first 50 scorecards: {single} pages, {single / one:.1f} pages/s")
    print(f"full / floor = {full / floor:.2f}")
    db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
