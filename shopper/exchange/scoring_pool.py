"""Scoring imported evaluations, on other processor cores when there are many.

Scores are computed as everywhere else, by `services.evaluations.apply_scores` and
`section_rows` over `shopper.scoring`; a big import only runs them in worker processes while
the main process reads the file and writes the database (scoring is about half the work of
importing 100,000 evaluations, and Python runs one thread at a time).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Any

from shopper.processes import die_with_parent
from shopper.rubric import Rubric, rubric_from_stored, stored_content
from shopper.scoring import AnswerValue

SCORE_COLUMNS = (
    "overall_pct",
    "overall_exact",
    "critical_failure",
    "answered_count",
    "total_count",
    "key_question_exact",
    "key_question_pct",
)
POOL_THRESHOLD = 4000
"""Fewer evaluations than this are scored in the importing process: starting workers costs
more than it saves."""
MAX_WORKERS = 3

ScoreRequest = tuple[str, str, dict[str, AnswerValue]]
"""(evaluation id, rubric content as stored, answer values)."""
Scored = tuple[dict[str, Any], list[tuple[Any, ...]]]
"""(score columns of the evaluation row, section score rows as `SECTION_COLUMNS` tuples)."""
SECTION_COLUMNS = ("evaluation_id", "section_key", "pct", "exact", "answered", "total")


def score_requests(requests: Sequence[ScoreRequest]) -> list[Scored]:
    """Score each evaluation with its rubric version (runs in a worker or inline)."""
    from shopper.services.evaluations import apply_scores, section_rows
    from shopper.storage.models import Evaluation

    out: list[Scored] = []
    for evaluation_id, content, values in requests:
        row = Evaluation()
        result = apply_scores(row, rubric_from_stored(content), values)
        columns = {name: getattr(row, name) for name in SCORE_COLUMNS}
        sections = [
            tuple(r[c] for c in SECTION_COLUMNS) for r in section_rows(evaluation_id, result)
        ]
        out.append((columns, sections))
    return out


class Scoring:
    """One submitted batch: `result()` waits for it. If the worker processes cannot run
    (e.g. the program that imports has no `if __name__ == "__main__"` guard, which spawned
    workers need), the batch is scored here instead: slower, never wrong."""

    def __init__(
        self, scorer: Scorer, requests: list[ScoreRequest], future: Future[list[Scored]] | None
    ) -> None:
        self.scorer, self.requests, self.future = scorer, requests, future
        self.value: list[Scored] | None = None if future is not None else score_requests(requests)

    def done(self) -> bool:
        return self.future is None or self.future.done()

    def result(self) -> list[Scored]:
        if self.value is None:
            assert self.future is not None
            try:
                self.value = self.future.result()
            except BrokenProcessPool:
                self.scorer.stop_workers()
                self.value = score_requests(self.requests)
        return self.value


class Scorer:
    """`submit(requests)` returns a `Scoring` whose `result()` is the scored list."""

    def __init__(self, evaluations: int) -> None:
        workers = min(MAX_WORKERS, (os.cpu_count() or 1) - 1)
        self._contents: dict[tuple[str, int], str] = {}
        self.pool: ProcessPoolExecutor | None = None
        if evaluations >= POOL_THRESHOLD and workers >= 1:
            # Each worker ends with this process (even after a kill -9): it holds the
            # resource tracker's pipe open, so once the workers are gone the tracker ends too.
            self.pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=die_with_parent,
            )

    def request(
        self, evaluation_id: str, rubric: Rubric, values: dict[str, AnswerValue]
    ) -> ScoreRequest:
        """What scoring one evaluation needs. The rubric travels in its stored form, the
        same string object for every evaluation, so a batch carries it once."""
        ident = (rubric.key, rubric.version)
        content = self._contents.get(ident)
        if content is None:
            content = self._contents[ident] = stored_content(rubric)
        return evaluation_id, content, values

    def submit(self, requests: list[ScoreRequest]) -> Scoring:
        if self.pool is None or not requests:
            return Scoring(self, requests, None)
        try:
            return Scoring(self, requests, self.pool.submit(score_requests, requests))
        except BrokenProcessPool:
            self.stop_workers()
            return Scoring(self, requests, None)

    def stop_workers(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None

    def __enter__(self) -> Scorer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=exc_type is None, cancel_futures=True)
