"""CSV for spreadsheets, exactly as FORMATS.md says: UTF-8 with a byte-order mark, one row
per evaluation ordered by visit date then id, one decimal place from the exact stored
scores, and cells that a spreadsheet could run as a formula neutralised."""

from __future__ import annotations

import csv
import datetime as dt
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, func, select, true
from sqlalchemy.orm import Session

from shopper.errors import NotFoundError, ValidationError
from shopper.exchange.common import (
    Cancelled,
    CancelledFn,
    ProgressFn,
    make_shareable,
    never_cancelled,
    no_progress,
)
from shopper.fileio import atomic_writer
from shopper.names import clean_text
from shopper.rubric import rubric_from_stored
from shopper.scoring import parse_fraction, round_pct
from shopper.services.properties import normalize_name
from shopper.storage.db import Database
from shopper.storage.models import Agent, Evaluation, Property, RubricVersion, SectionScoreRow

BATCH = 5000
FIXED_COLUMNS = (
    "evaluation_id",
    "visited_on",
    "property",
    "agent",
    "shopper",
    "channel",
    "status",
    "rubric_key",
    "rubric_version",
    "overall_pct",
    "critical_failure",
)
TRAILING_COLUMNS = ("excluded", "excluded_reason", "released_at", "key_question_pct")
"""After the section columns (FORMATS.md, *CSV export*): `excluded` is `true` or `false`,
`released_at` the UTC time of the last release (empty if never released),
`key_question_pct` the stored key-question score (SCORING.md, *Key questions*; empty for
none), printed like `overall_pct`."""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CsvFilter:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    property_name: str | None = None
    agent_name: str | None = None


def neutralise(cell: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def text_cell(text: str) -> str:
    """A name as a spreadsheet should show it: control and bidi characters dropped by the
    rule names are cleaned with (names stored before that rule may still hold them), line
    breaks and tabs made spaces, then neutralised (after cleaning, so that a hidden
    character cannot shield a formula from it)."""
    if not (text.isascii() and text.isprintable()):
        text = " ".join(clean_text(text, "cell", sys.maxsize).split())
    return neutralise(text)


def pct_cell(exact: str | None) -> str:
    """`87.3` from the exact stored score ("349/4" is 87.25, printed 87.3); empty for none."""
    rounded = round_pct(parse_fraction(exact))
    return "" if rounded is None else str(rounded)


def export_csv(
    db: Database,
    path: Path,
    flt: CsvFilter | None = None,
    *,
    progress: ProgressFn = no_progress,
    cancelled: CancelledFn = never_cancelled,
) -> int:
    """Write the evaluations chosen by `flt` to `path`; returns how many rows."""
    flt = flt or CsvFilter()
    if flt.date_from and flt.date_to and flt.date_from > flt.date_to:
        raise ValidationError(f"--from {flt.date_from} is after --to {flt.date_to}; swap them")
    with db.read() as session:
        if not db.is_sqlite:
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        condition = _condition(session, flt)
        sections = _section_columns(session, condition)
        total = session.scalar(select(func.count()).select_from(Evaluation).where(condition)) or 0
        written = 0
        with atomic_writer(path, "w", encoding="utf-8-sig", newline="") as out:
            make_shareable(out)
            writer = csv.writer(out)
            writer.writerow(
                [*FIXED_COLUMNS, *(f"{key}_pct" for key in sections), *TRAILING_COLUMNS]
            )
            for rows in _batches(session, condition, sections, total):
                writer.writerows(rows)
                written += len(rows)
                progress(written, total)
                if cancelled():
                    raise Cancelled("CSV export cancelled; no file was written")
    return written


def _condition(session: Session, flt: CsvFilter) -> ColumnElement[bool]:
    condition: ColumnElement[bool] = true()
    if flt.date_from is not None:
        condition = condition & (Evaluation.visited_on >= flt.date_from)
    if flt.date_to is not None:
        condition = condition & (Evaluation.visited_on <= flt.date_to)
    if flt.property_name is not None:
        wanted = normalize_name(flt.property_name)
        ids = [
            i
            for i, n in session.execute(select(Property.id, Property.name))
            if normalize_name(n) == wanted
        ]
        if not ids:
            raise NotFoundError(f"there is no property called {flt.property_name!r}")
        condition = condition & Evaluation.property_id.in_(ids)
    if flt.agent_name is not None:
        wanted = normalize_name(flt.agent_name)
        ids = [
            i
            for i, n in session.execute(select(Agent.id, Agent.name))
            if normalize_name(n) == wanted
        ]
        if not ids:
            raise NotFoundError(f"there is no agent called {flt.agent_name!r}")
        condition = condition & Evaluation.agent_id.in_(ids)
    return condition


def _section_columns(session: Session, condition: ColumnElement[bool]) -> list[str]:
    """Section keys of the rubric versions the chosen evaluations use, in rubric order
    (by rubric key and version; a section new in a later version comes after the others)."""
    used = select(Evaluation.rubric_id).where(condition).distinct()
    keys: dict[str, None] = {}
    for content in session.scalars(
        select(RubricVersion.content)
        .where(RubricVersion.id.in_(used))
        .order_by(RubricVersion.key, RubricVersion.version)
    ):
        for section in rubric_from_stored(content).sections:
            keys.setdefault(section.key, None)
    return list(keys)


def _batches(
    session: Session, condition: ColumnElement[bool], sections: list[str], total: int
) -> Iterator[list[list[str]]]:
    """Rows in (visited_on, id) order, `BATCH` at a time, from one streamed query."""
    query = (
        select(
            Evaluation.id,
            Evaluation.visited_on,
            Property.name,
            Agent.name,
            Evaluation.shopper,
            Evaluation.channel,
            Evaluation.status,
            RubricVersion.key,
            RubricVersion.version,
            Evaluation.overall_exact,
            Evaluation.critical_failure,
            Evaluation.excluded_at,
            Evaluation.excluded_reason,
            Evaluation.released_at,
            Evaluation.key_question_exact,
        )
        .join(Property, Property.id == Evaluation.property_id)
        .join(Agent, Agent.id == Evaluation.agent_id)
        .join(RubricVersion, RubricVersion.id == Evaluation.rubric_id)
        .where(condition)
        .order_by(Evaluation.visited_on, Evaluation.id)
    )
    connection = session.connection()
    cells_of = _all_section_cells(connection, condition, sections) if total > SCAN_FROM else None
    result = connection.execution_options(stream_results=True, yield_per=BATCH).execute(query)
    empty = [""] * len(sections)
    for rows in result.partitions():
        found = cells_of or _section_cells(connection, [row[0] for row in rows], sections)
        yield [[*_cells(row), *found.get(row[0], empty), *_trailing(row)] for row in rows]


SCAN_FROM = 20_000
"""From this many rows on, the section scores are read in one pass over their table (in
storage order, much faster than looking each evaluation up) instead of a batch at a time."""
_SCORES = select(SectionScoreRow.evaluation_id, SectionScoreRow.section_key, SectionScoreRow.exact)


def _section_cells(
    connection: Connection, ids: list[str], sections: list[str]
) -> dict[str, list[str]]:
    """The section cells of the evaluations `ids`, in column order."""
    return _collect(
        connection.execute(_SCORES.where(SectionScoreRow.evaluation_id.in_(ids))).all(),
        set(ids),
        sections,
    )


def _all_section_cells(
    connection: Connection, condition: ColumnElement[bool], sections: list[str]
) -> dict[str, list[str]]:
    wanted = set(connection.execute(select(Evaluation.id).where(condition)).scalars())
    if connection.dialect.name == "sqlite":  # the driver's own cursor streams plain tuples
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute("SELECT evaluation_id, section_key, exact FROM section_scores")
            return _collect(cast(Iterable[Any], cursor), wanted, sections)
        finally:
            cursor.close()
    streamed = connection.execution_options(stream_results=True, yield_per=20_000)
    chunks = streamed.execute(_SCORES).partitions()
    return _collect((row for chunk in chunks for row in chunk), wanted, sections)


def _collect(rows: Iterable[Any], wanted: set[str], sections: list[str]) -> dict[str, list[str]]:
    position = {key: index for index, key in enumerate(sections)}
    cells: dict[str, list[str]] = {}
    width = len(sections)
    for evaluation_id, key, exact in rows:
        if evaluation_id not in wanted:
            continue
        row = cells.get(evaluation_id)
        if row is None:
            row = cells[evaluation_id] = [""] * width
        cell = _PCT.get(exact)
        row[position[key]] = cell if cell is not None else _pct(exact)
    return cells


_PCT: dict[str | None, str] = {None: ""}


def _pct(exact: str | None) -> str:
    found = _PCT.get(exact)
    if found is None:
        found = pct_cell(exact)
        if len(_PCT) < 100_000:
            _PCT[exact] = found
    return found


def _cells(row: Any) -> list[str]:
    (evaluation_id, visited_on, prop, agent, shopper, channel, status, key, version,
     overall, critical, *_) = row  # fmt: skip
    return [
        text_cell(evaluation_id),
        visited_on.isoformat(),
        text_cell(prop),
        text_cell(agent),
        text_cell(shopper),
        text_cell(channel),
        text_cell(status),
        text_cell(key),
        str(version),
        _pct(overall),
        "true" if critical else "false",
    ]


def _trailing(row: Any) -> list[str]:
    excluded_at, reason, released_at, key_questions = row[-4:]
    return [
        "true" if excluded_at is not None else "false",
        text_cell(reason or ""),
        released_at.isoformat(timespec="seconds") + "Z" if released_at is not None else "",
        _pct(key_questions),
    ]
