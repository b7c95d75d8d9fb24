"""Import a package: check the whole file first, then merge it in one transaction.

Two passes over the file, neither holding more than one batch of evaluations:
1. check: the header whole, then every evaluation (schema, answers, references...). A
   problem anywhere refuses the file before the database is touched.
2. merge, in one transaction (one importer at a time on PostgreSQL): rubrics by key and
   version, properties by id else name, agents by id else name within the property,
   evaluations by id where the later `updated_at` wins. Written evaluations are scored with
   their rubric version and stored with their scores, in bulk.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shopper.errors import ConflictError, ValidationError
from shopper.exchange.common import (
    Cancelled,
    CancelledFn,
    ImportSummary,
    never_cancelled,
    parse_timestamp,
)
from shopper.exchange.evaluation_check import EvaluationChecker
from shopper.exchange.merge import Merger, Prepared
from shopper.exchange.package_reader import (
    Fingerprint,
    iter_evaluations,
    iter_same_evaluations,
    read_header,
)
from shopper.exchange.package_validation import DatabaseFacts, check_format, check_header
from shopper.exchange.scoring_pool import Scorer, Scoring
from shopper.limits import MAX_EVALUATIONS
from shopper.services import settings
from shopper.storage.db import Database
from shopper.storage.models import (
    HISTORY_GUARD_DDL,
    Agent,
    Answer,
    CalibrationRater,
    CalibrationSession,
    Dispute,
    DisputeItem,
    Evaluation,
    EvaluationEvent,
    HistoryEvent,
    Person,
    Property,
    RubricVersion,
    SectionScoreRow,
    Setting,
)

BATCH = 1000
BATCH_BYTES = 8 * 1024 * 1024
"""A batch also ends once its evaluations took this much of the file, so a few batches of
the biggest evaluations the reader allows still fit in memory."""
IMPORT_LOCK = 0x53686F7070657231
"""PostgreSQL advisory lock held by the importing transaction: imports run one at a time, so
two people importing overlapping packages at once never insert the same record twice."""

PhaseProgress = Callable[[str, int, int], None]
"""`progress(phase, done, total)`: phase "checking" counts bytes read, "importing" counts
evaluations."""


def no_phase_progress(_phase: str, _done: int, _total: int) -> None:
    return None


def import_package(
    db: Database,
    path: Path,
    *,
    replace: bool = False,
    progress: PhaseProgress = no_phase_progress,
    cancelled: CancelledFn = never_cancelled,
) -> ImportSummary:
    """Merge the package at `path` into `db`; returns what was added, updated, unchanged.

    `replace` (restore --force) empties the database in the same transaction first and
    applies the package's settings. Raises ValidationError/ConflictError naming the file and
    the first problem; then nothing was written.
    """
    path = Path(path)
    before = _file_state(path)
    raw_header = read_header(path)
    with located(path):
        check_format(raw_header)
        facts = DatabaseFacts() if replace else DatabaseFacts.of(db)
        header = check_header(raw_header, facts)
        checker = EvaluationChecker(header, facts)
    size = max(before[0], 1)
    count = 0
    fingerprint: Fingerprint = []
    with located(path):
        reading = iter_evaluations(path, lambda pos: progress("checking", pos, size), fingerprint)
        for index, raw in reading:
            if index >= MAX_EVALUATIONS:
                raise ValidationError(
                    f"evaluations[{index}]: more than {MAX_EVALUATIONS:,} evaluations in one "
                    f"package; the limit is {MAX_EVALUATIONS:,}. Export in parts (e.g. "
                    "`shopper export --property`) and import each"
                )
            checker.check(raw, index)
            count += 1
            if count % 500 == 0 and cancelled():
                raise Cancelled("import cancelled; nothing was imported")
    expected = set(checker.seen)
    del checker
    merge = _MergePass(
        db, path, raw_header, expected, count, before, fingerprint, progress, cancelled
    )
    try:
        return merge.run(replace)
    except IntegrityError:
        # Something outside an import (e.g. another program adding the default rubric to a
        # new shared database) wrote the same record meanwhile. The merge is idempotent:
        # once more, now that it is there.
        pass
    try:
        return merge.run(replace)
    except IntegrityError:
        raise ConflictError(
            f"{path}: another program wrote the same records at the same moment; nothing "
            "was imported. Import the file again"
        ) from None


class _MergePass:
    """The second pass: merge the checked file in one transaction."""

    def __init__(
        self,
        db: Database,
        path: Path,
        raw_header: dict[str, Any],
        expected: set[str],
        count: int,
        before: tuple[int, int, int],
        fingerprint: Fingerprint,
        progress: PhaseProgress,
        cancelled: CancelledFn,
    ) -> None:
        self.db, self.path, self.raw_header = db, path, raw_header
        self.expected, self.count, self.before = expected, count, before
        self.fingerprint = fingerprint
        self.progress, self.cancelled = progress, cancelled

    def run(self, replace: bool) -> ImportSummary:
        db, path = self.db, self.path
        expected = set(self.expected)
        follow_up_days = settings.follow_up_days(db)
        with db.write() as session, _big_cache(db, session):
            lock_for_import(db, session)
            if replace:
                empty_database(session)
            facts = DatabaseFacts.load(session)
            with located(path), _unchanged_file(path, self.before):
                header = check_header(self.raw_header, facts)
                merger = Merger(session, header, facts, path, follow_up_days)
                merger.merge_header()
                self._merge_evaluations(merger, EvaluationChecker(header, facts), expected)
                if expected:
                    raise changed_while_importing(path)
            if replace:
                for key, value in header.settings.items():
                    session.merge(Setting(key=key, value=value))
        return merger.summary

    def _merge_evaluations(
        self, merger: Merger, checker: EvaluationChecker, expected: set[str]
    ) -> None:
        """Batches flow through: read and prepare, score (in worker processes for big files,
        a batch or two ahead), write."""
        path = self.path
        pending: deque[tuple[Prepared, Scoring, int]] = deque()
        done = 0
        with Scorer(self.count) as scorer:
            evaluations = iter_same_evaluations(path, self.fingerprint)
            for batch in _batches(evaluations, BATCH, BATCH_BYTES):
                keyed = [(index, raw, *_key(path, raw, expected)) for index, raw in batch]
                prepared = merger.prepare(keyed, checker)
                requests = [
                    scorer.request(e.id, e.rubric, e.values()) for e in prepared.evaluations()
                ]
                pending.append((prepared, scorer.submit(requests), len(batch)))
                while pending and (len(pending) > 2 or pending[0][1].done()):
                    done += self._write_oldest(merger, pending)
                    self.progress("importing", done, self.count)
                if self.cancelled():
                    raise Cancelled("import cancelled; nothing was imported")
            while pending:
                done += self._write_oldest(merger, pending)
                self.progress("importing", done, self.count)

    def _write_oldest(self, merger: Merger, pending: deque[tuple[Prepared, Scoring, int]]) -> int:
        prepared, scoring, size = pending.popleft()
        merger.write(prepared, scoring.result())
        return size


@contextlib.contextmanager
def _big_cache(db: Database, session: Session) -> Iterator[None]:
    """SQLite: a 64 MB page cache while importing, so millions of answer rows are written
    to the log in big steps instead of spilling a few pages at a time."""
    if not db.is_sqlite:
        yield
        return
    connection = session.connection()
    previous = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql("PRAGMA cache_size=-65536")
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            connection.exec_driver_sql(f"PRAGMA cache_size={int(previous or -2000)}")


def _file_state(path: Path) -> tuple[int, int, int]:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ValidationError(f"{path}: no such file; check the name and folder") from None
    except OSError as exc:
        raise ValidationError(f"{path}: cannot be read ({exc.strerror})") from None
    return info.st_size, info.st_mtime_ns, info.st_ino


@contextlib.contextmanager
def _unchanged_file(path: Path, before: tuple[int, int, int]) -> Iterator[None]:
    """The merge trusts what the first pass checked, so the file must not change between
    the passes; if it did, the transaction is rolled back and the user is told."""
    try:
        yield
    except Cancelled:
        raise
    except Exception:
        if _file_state(path) != before:
            raise changed_while_importing(path) from None
        raise
    if _file_state(path) != before:
        raise changed_while_importing(path)


def lock_for_import(db: Database, session: Session) -> None:
    """One importer at a time (SQLite writers already queue on BEGIN IMMEDIATE)."""
    if not db.is_sqlite:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK})


def empty_database(session: Session) -> None:
    """Everything deleted, in this transaction (a restore that replaces the database). The
    history's guard against deletion is lifted for this one statement and put back in the
    same transaction: only a whole replacement deletes history."""
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.exec_driver_sql("ALTER TABLE history_events DISABLE TRIGGER USER")
    elif dialect == "sqlite":
        for name in ("history_events_no_update", "history_events_no_delete"):
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    session.execute(delete(HistoryEvent))
    if dialect == "postgresql":
        connection.exec_driver_sql("ALTER TABLE history_events ENABLE TRIGGER USER")
    elif dialect == "sqlite":
        for statement in HISTORY_GUARD_DDL["sqlite"]:
            connection.exec_driver_sql(statement)
    for model in (
        CalibrationRater,
        CalibrationSession,
        DisputeItem,
        Dispute,
        SectionScoreRow,
        Answer,
        EvaluationEvent,
        Evaluation,
        Agent,
        Property,
        RubricVersion,
        Person,
        Setting,
    ):
        session.execute(delete(model))


def changed_while_importing(path: Path) -> ValidationError:
    return ValidationError(
        f"{path}: the file changed while it was being imported; nothing was imported. "
        "Import it again once it is complete"
    )


def _key(path: Path, raw: Any, expected: set[str]) -> tuple[str, dt.datetime]:
    """(id, updated_at) of an evaluation checked in the first pass."""
    try:
        evaluation_id, stamp = raw["id"], parse_timestamp(raw["updated_at"].upper())
    except (TypeError, KeyError, AttributeError, ValueError):
        raise changed_while_importing(path) from None
    if evaluation_id not in expected:
        raise changed_while_importing(path)
    expected.discard(evaluation_id)
    return evaluation_id, stamp


def _batches(
    items: Iterable[tuple[int, Any, int]], size: int, max_bytes: int
) -> Iterator[list[tuple[int, Any]]]:
    """Lists of (index, evaluation): `size` evaluations, or fewer that took `max_bytes`."""
    batch: list[tuple[int, Any]] = []
    taken = 0
    for index, raw, length in items:
        batch.append((index, raw))
        taken += length
        if len(batch) == size or taken >= max_bytes:
            yield batch
            batch = []
            taken = 0
    if batch:
        yield batch


@contextlib.contextmanager
def located(path: Path) -> Iterator[None]:
    """Prefix problems found inside the file with the file's name."""
    try:
        yield
    except (ValidationError, ConflictError) as exc:
        message = str(exc)
        if message.startswith(f"{path}: "):
            raise
        raise type(exc)(f"{path}: {message}") from None
