"""Where the evaluation list's time goes, on either database: the plans and timings of the
queries behind `list_first_rows_s`, `list_load_s`, `list_filter_s` and `list_sort_s`.

    python -m benchmarks.explain --db PATH_OR_URL [--text kowalski] [--analyze]

For each query of `shopper.services.evaluation_list` that the list model runs (the quick
first page, the whole id list newest first, sorted by overall score, filtered by text) it
prints the plan (`EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN (ANALYZE, BUFFERS)` on PostgreSQL
with --analyze) and the median time of the service call against the same SQL read as bare
tuples through the driver, so the ORM's share is visible.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any


def timed(func: Callable[[], Any], repeat: int = 3) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main(argv: list[str] | None = None) -> None:
    from sqlalchemy import Select, select

    from shopper.services import evaluation_list as el
    from shopper.services.evaluation_list import EvaluationFilter, SortKey
    from shopper.storage.db import open_database
    from shopper.storage.models import Evaluation

    parser = argparse.ArgumentParser(prog="python -m benchmarks.explain")
    parser.add_argument("--db", required=True)
    parser.add_argument("--text", default="kowalski")
    parser.add_argument("--analyze", action="store_true", help="PostgreSQL: EXPLAIN ANALYZE")
    args = parser.parse_args(argv)
    db = open_database(args.db)
    flt_text = EvaluationFilter(text=args.text)
    cases: list[tuple[str, Callable[[], Any], Select[Any]]] = []

    def ids_query(flt: EvaluationFilter, sort: SortKey, descending: bool) -> Select[Any]:
        column = el._SORT_COLUMNS[sort]
        order = [column.desc() if descending else column.asc(), Evaluation.id]
        if sort == "overall":
            order.insert(0, Evaluation.overall_pct.is_(None))
        return el._filtered(el._joined(select(Evaluation.id)), flt).order_by(*order)

    first_page = (
        el._filtered(el._summary_query(), EvaluationFilter())
        .order_by(Evaluation.visited_on.desc(), Evaluation.id)
        .limit(200)
    )
    cases.append(
        (
            "first page (list_summaries LIMIT 200)",
            lambda: el.list_summaries(db, EvaluationFilter(), "visited_on", True, limit=200),
            first_page,
        )
    )
    lists: list[tuple[str, EvaluationFilter, SortKey, bool]] = [
        ("all ids, newest visit first", EvaluationFilter(), "visited_on", True),
        ("all ids, by overall score", EvaluationFilter(), "overall", True),
        (f"ids matching {args.text!r}", flt_text, "visited_on", True),
    ]
    for title, flt, sort, desc in lists:
        cases.append(
            (
                title,
                lambda f=flt, s=sort, d=desc: el.list_ids(db, f, s, d),  # type: ignore[misc]
                ids_query(flt, sort, desc),
            )
        )
    try:
        for title, call, query in cases:
            with db.engine.connect() as conn:
                compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
                sql = str(compiled)
                if db.is_sqlite:
                    plan = [str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
                else:
                    how = "(ANALYZE, BUFFERS)" if args.analyze else ""
                    plan = [str(r[0]) for r in conn.exec_driver_sql(f"EXPLAIN {how} {sql}")]

                def driver(c: Any = conn, q: str = sql) -> None:
                    c.exec_driver_sql(q).fetchall()

                service_s = timed(call)
                driver_s = timed(driver)
            print(f"== {title}: service {service_s:.3f} s, same SQL as tuples {driver_s:.3f} s")
            for line in plan:
                print(f"   {line}")
    finally:
        db.close()


if __name__ == "__main__":
    main()
