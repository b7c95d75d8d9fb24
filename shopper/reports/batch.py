"""Scorecards for many agents: one PDF per agent in a folder, or one combined PDF.

Property and portfolio averages are computed once for the batch. Large batches render in
worker processes (spawned, so that a Qt parent is never forked), a few agents per task, so
that Cancel takes effect within a second or two. Every PDF is written to a temporary file
and renamed into place: a failure or a cancel never leaves half a file.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from shopper.errors import ShopperError
from shopper.fileio import atomic_writer
from shopper.jobs import CancelledFn, ProgressFn
from shopper.names import safe_file_name
from shopper.reports.pages import PageSize, default_page_size
from shopper.services import aggregates as ag
from shopper.storage.db import Database

PARALLEL_FROM = 24
"""Batches with at least this many agents use worker processes (when there are 2+ cores)."""
CHUNK = 8
"""The fewest agents in one job (a job is the unit of progress and of cancelling)."""
MAX_CHUNK = 32
"""The most agents in one job. Building a job's scorecard data costs a fixed ~0.3 s of
queries whatever its size (plus ~15 ms per agent), so a large batch takes larger jobs: 500
agents in jobs of 8 spent 27 s of CPU on queries, in jobs of 32 about 12 s."""
JOBS_PER_WORKER = 4
"""A large batch is cut into about this many jobs per worker (progress, cancel, balance)."""


def chunk_size(agents: int, workers: int) -> int:
    """Agents per job: CHUNK, larger for large batches (see MAX_CHUNK)."""
    return max(CHUNK, min(MAX_CHUNK, agents // max(1, workers * JOBS_PER_WORKER)))


MAX_NAME_BYTES = 180
RENDER_LOCK = threading.Lock()
"""ReportLab's fonts and styles are shared by the whole process: one PDF drawn at a time per
process (a preview and a shop report drawn by two background threads would clash)."""


@dataclass(frozen=True)
class BatchRequest:
    out_dir: Path | None = None
    """One PDF per agent in this folder..."""
    combined: Path | None = None
    """...or every scorecard in this one file (with a bookmark per agent)."""
    period: ag.Period = field(default_factory=ag.Period)
    property_name: str | None = None
    agent_names: tuple[str, ...] = ()
    agent_ids: tuple[str, ...] = ()
    size: PageSize | None = None
    bands: tuple[tuple[Fraction, str], ...] | None = None
    workers: int | None = None
    """None: all cores for large batches; 1: in this process."""


@dataclass(frozen=True)
class WrittenFile:
    agent_id: str
    agent_name: str
    property_name: str
    path: Path
    pages: int


@dataclass(frozen=True)
class BatchResult:
    written: tuple[WrittenFile, ...]
    skipped: tuple[ag.AgentRef, ...]
    """Agents with no submitted shop in the period."""
    pages: int
    seconds: float
    cancelled: bool = False
    combined: Path | None = None
    workers: int = 1
    unwritten: tuple[Path, ...] = ()
    """Files of the batch that were not written (after a cancel), in agent order."""

    def summary(self) -> str:
        where = f"to {self.combined}" if self.combined else ""
        done = (
            f"{len(self.written)} scorecard(s), {self.pages} page(s) {where}".rstrip()
            + f" in {self.seconds:.1f} s"
        )
        if self.cancelled:
            done = f"Cancelled after {done}"
        lines = [done]
        if self.unwritten:
            lines.append(f"Not written ({len(self.unwritten)}):")
            lines.extend(f"  {path.name}" for path in self.unwritten)
        if self.skipped:
            lines.append(
                f"Skipped {len(self.skipped)} agent(s) with no submitted shop in the period:"
            )
            lines.extend(f"  {a.name} ({a.property_name})" for a in self.skipped)
        return "\n".join(lines)


class BatchIncompleteError(ShopperError):
    """A batch stopped because a file could not be written (a full disk, a folder gone):
    `written` were written whole, `unwritten` were not (no half file is left)."""

    LISTED = 10

    def __init__(self, reason: str, written: Sequence[Path], unwritten: Sequence[Path]) -> None:
        self.reason = reason
        self.written = tuple(written)
        self.unwritten = tuple(unwritten)
        total = len(self.written) + len(self.unwritten)
        lines = [
            f"The scorecards stopped after {len(self.written)} of {total} files: {reason}",
            *self._listed("Written", self.written),
            *self._listed("Not written", self.unwritten),
            "Free some space (or choose another folder) and run the batch again; the files "
            "written are complete.",
        ]
        super().__init__("\n".join(lines))

    @classmethod
    def _listed(cls, label: str, paths: tuple[Path, ...]) -> list[str]:
        if not paths:
            return [f"{label}: none"]
        shown = [f"  {p.name}" for p in paths[: cls.LISTED]]
        more = len(paths) - cls.LISTED
        return [f"{label} ({len(paths)}):", *shown] + ([f"  … and {more} more"] if more > 0 else [])


def safe_filename(name: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """A file name made from a person's name, by the one rule of `shopper.names`: accents
    and scripts kept, separators, reserved, control and bidi characters removed, never a
    Windows device name, at most `max_bytes` bytes of UTF-8."""
    return safe_file_name(name, fallback="agent", max_len=max_bytes)


def unique_filenames(stems: Sequence[str], suffix: str = ".pdf") -> list[str]:
    """File names for `stems`, numbered " (2)", " (3)"... where two would clash (compared
    case-insensitively, as on Windows and macOS)."""
    used: set[str] = set()
    names: list[str] = []
    for stem in stems:
        candidate, number = f"{stem}{suffix}", 1
        while candidate.casefold() in used:
            number += 1
            candidate = f"{stem} ({number}){suffix}"
        used.add(candidate.casefold())
        names.append(candidate)
    return names


def agent_stem(agent: ag.AgentRef) -> str:
    return safe_filename(f"{agent.name} - {agent.property_name}")


@dataclass
class _Plan:
    agents: list[ag.AgentRef]
    skipped: list[ag.AgentRef]
    aggregates: ag.PeriodAggregates
    rubrics: dict[int, Any]
    bands: tuple[tuple[Fraction, str], ...]
    size: PageSize
    names: dict[str, str] = field(default_factory=dict)


def _plan(db: Database, request: BatchRequest) -> _Plan:
    refs = ag.list_agent_refs(
        db,
        property_name=request.property_name,
        agent_names=request.agent_names,
        agent_ids=request.agent_ids,
    )
    active = ag.agents_with_shops(db, [r.id for r in refs], request.period)
    rubrics = ag.load_rubrics(db)
    plan = _Plan(
        agents=[r for r in refs if r.id in active],
        skipped=[r for r in refs if r.id not in active],
        aggregates=ag.period_aggregates(db, request.period, rubrics),
        rubrics=rubrics,
        bands=request.bands or ag.bands_setting(db),
        size=request.size or default_page_size(),
    )
    names = unique_filenames([agent_stem(a) for a in plan.agents])
    plan.names = {a.id: n for a, n in zip(plan.agents, names, strict=True)}
    return plan


def export_scorecards(
    db: Database,
    request: BatchRequest,
    progress: ProgressFn | None = None,
    cancelled: CancelledFn | None = None,
) -> BatchResult:
    """Write the scorecards `request` asks for; see `BatchResult` for what happened."""
    if (request.out_dir is None) == (request.combined is None):
        raise ShopperError("choose either a folder (one PDF per agent) or one combined PDF")
    started = time.perf_counter()
    report = progress or (lambda _d, _t: None)
    is_cancelled = cancelled or (lambda: False)
    plan = _plan(db, request)
    report(0, len(plan.agents))
    if request.combined is not None:
        return _export_combined(db, request.combined, plan, report, is_cancelled, started)
    out_dir = request.out_dir
    assert out_dir is not None
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ShopperError(f"cannot create the folder {out_dir} ({exc.strerror})") from None
    workers = _worker_count(request.workers, len(plan.agents))
    size = chunk_size(len(plan.agents), workers)
    jobs = [
        [(a, str(out_dir / plan.names[a.id])) for a in plan.agents[i : i + size]]
        for i in range(0, len(plan.agents), size)
    ]
    outcome = _Outcome()
    if workers <= 1:
        for job in jobs:
            if is_cancelled():
                outcome.cancelled = True
                break
            outcome.add(
                _render_files(db, job, plan.aggregates, plan.rubrics, plan.bands, plan.size)
            )
            report(len(outcome.written), len(plan.agents))
            if outcome.failure is not None:
                break
    else:
        _render_parallel(db, jobs, plan, workers, outcome, report, is_cancelled)
    order = {a.id: i for i, a in enumerate(plan.agents)}
    written = sorted(outcome.written, key=lambda w: order[w.agent_id])
    done = {w.path for w in written}
    unwritten = tuple(Path(p) for job in jobs for _, p in job if Path(p) not in done)
    if outcome.failure is not None:
        raise BatchIncompleteError(outcome.failure, [w.path for w in written], unwritten)
    return BatchResult(
        tuple(written),
        tuple(plan.skipped),
        sum(w.pages for w in written),
        time.perf_counter() - started,
        cancelled=outcome.cancelled,
        workers=workers,
        unwritten=unwritten,
    )


@dataclass
class _JobResult:
    written: list[WrittenFile]
    failure: str | None = None
    """Why the job stopped early (the first file it could not write)."""


@dataclass
class _Outcome:
    written: list[WrittenFile] = field(default_factory=list)
    failure: str | None = None
    cancelled: bool = False

    def add(self, result: _JobResult) -> None:
        self.written.extend(result.written)
        if result.failure is not None and self.failure is None:
            self.failure = result.failure


def _ref_of(plan: _Plan, agent_id: str) -> ag.AgentRef:
    return next(a for a in plan.agents if a.id == agent_id)


def _worker_count(requested: int | None, agents: int) -> int:
    if requested is not None:
        return max(1, requested)
    if agents < PARALLEL_FROM:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


def _render_parallel(
    db: Database,
    jobs: list[list[tuple[ag.AgentRef, str]]],
    plan: _Plan,
    workers: int,
    outcome: _Outcome,
    report: ProgressFn,
    is_cancelled: CancelledFn,
) -> None:
    """Jobs in worker processes. A cancel or a file that cannot be written stops the jobs
    not yet started; those running finish (each file is written whole or not at all)."""
    import multiprocessing

    url = db.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(url, plan.aggregates, plan.rubrics, plan.bands, plan.size),
    ) as pool:
        pending: set[Future[_JobResult]] = {pool.submit(_worker_job, job) for job in jobs}
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in done:
                outcome.add(future.result())
            report(len(outcome.written), len(plan.agents))
            stop = outcome.failure is not None
            if not stop and is_cancelled():
                outcome.cancelled = stop = True
            if stop:
                for future in pending:
                    future.cancel()
                for future in pending:
                    if not future.cancelled():
                        outcome.add(future.result())
                return


_WORKER: dict[str, Any] = {}


def _init_worker(
    url: str,
    aggregates: ag.PeriodAggregates,
    rubrics: dict[int, Any],
    bands: tuple[tuple[Fraction, str], ...],
    size: PageSize,
) -> None:
    from shopper.processes import die_with_parent

    die_with_parent()  # first: a worker must not write PDFs for a parent that was killed
    import signal

    # Ctrl+C in a terminal reaches the whole process group: the parent decides (the CLI
    # cancels the batch, letting running files finish), a worker is not interrupted mid-file.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from shopper.storage.db import open_database

    _WORKER.update(
        db=open_database(url, migrate=False),
        aggregates=aggregates,
        rubrics=rubrics,
        bands=bands,
        size=size,
    )


def _worker_job(job: list[tuple[ag.AgentRef, str]]) -> _JobResult:
    w = _WORKER
    return _render_files(w["db"], job, w["aggregates"], w["rubrics"], w["bands"], w["size"])


def _render_files(
    db: Database,
    job: list[tuple[ag.AgentRef, str]],
    aggregates: ag.PeriodAggregates,
    rubrics: dict[int, Any],
    bands: tuple[tuple[Fraction, str], ...],
    size: PageSize,
) -> _JobResult:
    """Write the job's files in order; the first that cannot be written stops the job."""
    from shopper.reports.scorecard import render_scorecard

    paths = {agent.id: Path(path) for agent, path in job}
    cards, _ = ag.scorecards(db, [a for a, _ in job], aggregates, rubrics, bands=bands)
    result = _JobResult([])
    for card in cards:
        path = paths[card.agent_id]
        try:
            with atomic_writer(path, "wb") as handle:
                pages = render_scorecard(card, handle, size)  # type: ignore[arg-type]
        except (OSError, ShopperError) as exc:
            result.failure = str(exc) if isinstance(exc, ShopperError) else f"{path}: {exc}"
            break
        result.written.append(
            WrittenFile(card.agent_id, card.agent_name, card.property_name, path, pages)
        )
    return result


class _Stop(Exception):
    pass


def _export_combined(
    db: Database,
    target: Path,
    plan: _Plan,
    report: ProgressFn,
    is_cancelled: CancelledFn,
    started: float,
) -> BatchResult:
    """One PDF: built in this process (one shared font subset keeps the file small)."""
    from shopper.reports.scorecard import render_combined

    cards: list[ag.ScorecardData] = []
    total = len(plan.agents)
    for i in range(0, total, 100):
        if is_cancelled():
            return BatchResult((), tuple(plan.skipped), 0, time.perf_counter() - started, True)
        chunk, _ = ag.scorecards(
            db, plan.agents[i : i + 100], plan.aggregates, plan.rubrics, bands=plan.bands
        )
        cards.extend(chunk)
    drawn = [0]

    def on_agent() -> None:
        if is_cancelled():
            raise _Stop
        drawn[0] += 1
        report(drawn[0], total)

    if not cards:
        raise ShopperError(
            "no agent has a submitted shop in this period; nothing to put in the combined PDF"
        )
    try:
        with atomic_writer(target, "wb") as handle:
            pages = render_combined(
                cards,
                handle,  # type: ignore[arg-type]
                plan.size,
                title=f"Scorecards — {plan.aggregates.period.label()}",
                on_agent=on_agent,
            )
    except _Stop:
        return BatchResult((), tuple(plan.skipped), 0, time.perf_counter() - started, True)
    written = tuple(
        WrittenFile(c.agent_id, c.agent_name, c.property_name, target, 0) for c in cards
    )
    return BatchResult(
        written, tuple(plan.skipped), pages, time.perf_counter() - started, combined=target
    )


@dataclass(frozen=True)
class PeriodCache:
    """What every scorecard of a period shares; keep one while the period is unchanged."""

    aggregates: ag.PeriodAggregates
    rubrics: dict[int, Any]
    bands: tuple[tuple[Fraction, str], ...]


def period_cache(db: Database, period: ag.Period) -> PeriodCache:
    rubrics = ag.load_rubrics(db)
    return PeriodCache(ag.period_aggregates(db, period, rubrics), rubrics, ag.bands_setting(db))


def scorecard_pdf(
    db: Database, agent_id: str, cache: PeriodCache, size: PageSize | None = None
) -> bytes | None:
    """One agent's scorecard as PDF bytes (for a preview or printing), or None when the agent
    has no submitted shop in the period."""
    import io

    from shopper.reports.scorecard import render_scorecard

    refs = ag.list_agent_refs(db, agent_ids=[agent_id])
    cards, _ = ag.scorecards(db, refs, cache.aggregates, cache.rubrics, bands=cache.bands)
    if not cards:
        return None
    out = io.BytesIO()
    with RENDER_LOCK:
        render_scorecard(cards[0], out, size or default_page_size())
    return out.getvalue()
