"""Erasure and retention of personal data (issue 15).

- `erasure_plan` / `erase_agent`: an agent's name is replaced everywhere (the agent, shops'
  history, disputes) by a stable pseudonym made from the agent's id ("Agent 3F9A1C2B": the
  same on every machine sharing the data), and every comment, note or reason that names
  them is removed, after the caller has shown them (`ErasurePlan.texts`). On SQLite the
  file is vacuumed afterwards, so the old text is not left in free pages or the log.
- `purge_plan` / `purge`: shops visited before a date are deleted with their answers,
  scores, events, history and disputes, in one transaction, after a backup (SQLite).

History events are never changed or deleted otherwise; these two admin paths lift the
guard for their own statements only (SQLite: the triggers are dropped and made again in
the same transaction; PostgreSQL: the admin-only functions of `shopper.storage.access`,
or, on a database without them, its owner disables the triggers inside the transaction).
Each is recorded as an admin event, which never holds the erased name.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from shopper.errors import NotFoundError, ValidationError
from shopper.services import people
from shopper.services.agents import name_key
from shopper.storage.db import Database
from shopper.storage.folding import fold_text
from shopper.storage.models import (
    HISTORY_GUARD_DDL,
    AdminEvent,
    Agent,
    Answer,
    CalibrationSession,
    Dispute,
    DisputeItem,
    Evaluation,
    EvaluationEvent,
    HistoryEvent,
    SectionScoreRow,
    Setting,
    utcnow,
)

RETENTION_MONTHS = "retention_months"
"""Setting: shops older than this many months are what `shopper purge` deletes by default
(empty: kept for ever)."""
REMOVED = "[removed: named an erased person]"
"""What a comment, note or reason naming an erased agent becomes."""


def pseudonym(agent_id: str) -> str:
    """The stable pseudonym of an agent: the same id gives the same name everywhere."""
    return "Agent " + hashlib.sha256(f"shopper-agent:{agent_id}".encode()).hexdigest()[:8].upper()


class _Namer:
    """Finds a name in free text: the whole name or any part of three letters or more, as
    whole words, ignoring case and accents."""

    def __init__(self, name: str) -> None:
        parts = [p for p in (fold_text(name) or "").split() if len(p) >= 3]
        whole = fold_text(name) or name.casefold()
        words = sorted({whole, *parts}, key=len, reverse=True)
        self.pattern = re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)"
        )

    def names(self, value: str | None) -> bool:
        return bool(value) and bool(self.pattern.search(fold_text(value or "") or ""))


@dataclass(frozen=True)
class NamedText:
    """A comment, note or reason naming the agent: where it is, and the text to show."""

    where: str
    text: str


@dataclass(frozen=True)
class ErasurePlan:
    agent_ids: tuple[str, ...]
    name: str
    pseudonyms: tuple[str, ...]
    shops: int
    texts: tuple[NamedText, ...] = field(default=())


def _agents(session: Session, name: str, property_id: str | None) -> list[Agent]:
    wanted = name_key(name)
    query = select(Agent)
    if property_id is not None:
        query = query.where(Agent.property_id == property_id)
    found = [
        a for a in session.scalars(query) if a.id == name.strip() or name_key(a.name) == wanted
    ]
    if not found:
        raise NotFoundError(f"there is no agent called {name!r}; see `shopper agents list`")
    return found


def _decoded(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return value


def _walk(session: Session, agents: list[Agent], namer: _Namer) -> list[tuple[str, str, Any, str]]:
    """(table, column, key, text) of every free text naming the agent."""
    del agents  # texts anywhere may name them, not only in their own shops
    found: list[tuple[str, str, Any, str]] = []

    def check(table: str, column: str, key: Any, value: str | None) -> None:
        if value is not None and namer.names(value):
            found.append((table, column, key, value))

    for shop_id, notes, excluded_reason in session.execute(
        select(Evaluation.id, Evaluation.notes, Evaluation.excluded_reason)
    ):
        check("evaluations", "notes", shop_id, notes)
        check("evaluations", "excluded_reason", shop_id, excluded_reason)
    for shop_id, path, comment, value in session.execute(
        select(Answer.evaluation_id, Answer.item_path, Answer.comment, Answer.value)
    ):
        check("answers", "comment", (shop_id, path), comment)
        decoded = _decoded(value)
        if isinstance(decoded, str):
            check("answers", "value", (shop_id, path), decoded)
    for event_number, detail in session.execute(select(EvaluationEvent.id, EvaluationEvent.detail)):
        check("evaluation_events", "detail", event_number, detail)
    for event_id, before, after, reason in session.execute(
        select(HistoryEvent.id, HistoryEvent.from_value, HistoryEvent.to_value, HistoryEvent.reason)
    ):
        for column, stored in (("from_value", before), ("to_value", after)):
            decoded = _decoded(stored)
            if isinstance(decoded, str):
                check("history_events", column, event_id, decoded)
            elif stored is not None and namer.names(stored):
                found.append(("history_events", column, event_id, stored))
        check("history_events", "reason", event_id, reason)
    for session_id, title, recording, notes in session.execute(
        select(
            CalibrationSession.id,
            CalibrationSession.title,
            CalibrationSession.recording,
            CalibrationSession.notes,
        )
    ):
        check("calibration_sessions", "title", session_id, title)
        check("calibration_sessions", "recording", session_id, recording)
        check("calibration_sessions", "notes", session_id, notes)
    for item in session.scalars(select(DisputeItem)):
        key = (item.dispute_id, item.item_path)
        check("dispute_items", "reason", key, item.reason)
        check("dispute_items", "resolution_reason", key, item.resolution_reason)
        for column in ("proposed", "original", "resolved_answer"):
            decoded = _decoded(getattr(item, column))
            if isinstance(decoded, str):
                check("dispute_items", column, key, decoded)
    return found


def erasure_plan(db: Database, name: str, property_id: str | None = None) -> ErasurePlan:
    """What `erase_agent` would do: the agents called `name`, their pseudonyms, their shops
    and the texts naming them (to be shown before anything is removed)."""
    with db.read() as session:
        agents = _agents(session, name, property_id)
        namer = _Namer(agents[0].name)
        texts = _walk(session, agents, namer)
        shops = session.scalar(
            select(func.count())
            .select_from(Evaluation)
            .where(Evaluation.agent_id.in_([a.id for a in agents]))
        )
    return ErasurePlan(
        tuple(a.id for a in agents),
        agents[0].name,
        tuple(pseudonym(a.id) for a in agents),
        int(shops or 0),
        tuple(
            NamedText(f"{table}.{column} {_where(key)}", value)
            for table, column, key, value in texts
        ),
    )


def _where(key: Any) -> str:
    return "/".join(str(k) for k in key) if isinstance(key, tuple) else str(key)


def erase_agent(
    db: Database, name: str, *, actor: str, property_id: str | None = None
) -> ErasurePlan:
    """Replace the agent's name by its pseudonym everywhere and remove the texts naming
    them; one transaction, recorded as an admin event (without the name)."""
    with db.write() as session:
        by = people.require_actor(session, actor, "erases an agent")
        agents = _agents(session, name, property_id)
        original = agents[0].name
        namer = _Namer(original)
        texts = _walk(session, agents, namer)
        names = {name_key(a.name) for a in agents}
        for agent in agents:
            agent.name = pseudonym(agent.id)
            agent.updated_at = utcnow()
        history_rows: dict[str, dict[str, Any]] = {}
        for table, column, key, value in texts:
            exact = name_key(value) in names if isinstance(value, str) else False
            replacement = pseudonym(agents[0].id) if exact else REMOVED
            if table == "evaluations":
                session.execute(
                    update(Evaluation).where(Evaluation.id == key).values({column: replacement})
                )
            elif table == "answers":
                new = None if column == "comment" else json.dumps(replacement, ensure_ascii=False)
                session.execute(
                    update(Answer)
                    .where(Answer.evaluation_id == key[0], Answer.item_path == key[1])
                    .values({column: new})
                )
            elif table == "evaluation_events":
                session.execute(
                    update(EvaluationEvent).where(EvaluationEvent.id == key).values(detail=REMOVED)
                )
            elif table == "calibration_sessions":
                new_text = (
                    f"Calibration of {pseudonym(agents[0].id)}" if column == "title" else REMOVED
                )
                session.execute(
                    update(CalibrationSession)
                    .where(CalibrationSession.id == key)
                    .values({column: new_text})
                )
            elif table == "dispute_items":
                encoded = (
                    replacement
                    if column in ("reason", "resolution_reason")
                    else json.dumps(replacement, ensure_ascii=False)
                )
                session.execute(
                    update(DisputeItem)
                    .where(DisputeItem.dispute_id == key[0], DisputeItem.item_path == key[1])
                    .values({column: encoded})
                )
            elif table == "history_events":
                row = history_rows.setdefault(key, {})
                row[column] = (
                    replacement
                    if column == "reason"
                    else json.dumps(replacement, ensure_ascii=False)
                )
        if history_rows:
            _redact_history(session, history_rows)
        session.flush()
        _record(
            session,
            by,
            "erase_agent",
            f"agents {', '.join(a.id for a in agents)} renamed "
            f"{', '.join(pseudonym(a.id) for a in agents)}; {len(texts)} text(s) removed",
        )
        plan = ErasurePlan(
            tuple(a.id for a in agents),
            original,
            tuple(pseudonym(a.id) for a in agents),
            0,
            tuple(NamedText(f"{t}.{c} {_where(k)}", v) for t, c, k, v in texts),
        )
    _compact(db)
    return plan


def _record(session: Session, by: people.Actor, action: str, detail: str) -> None:
    session.add(
        AdminEvent(id=str(uuid.uuid4()), by_id=by.id, by_name=by.name, action=action, detail=detail)
    )


# --- the history guard, lifted for one admin path -----------------------------------------


def _history_functions(session: Session) -> bool:
    return bool(
        session.execute(text("SELECT to_regproc('shopper_history_delete') IS NOT NULL")).scalar()
    )


def _without_guard_sqlite(session: Session) -> None:
    for name in ("history_events_no_update", "history_events_no_delete"):
        session.connection().exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def _guard_back_sqlite(session: Session) -> None:
    for statement in HISTORY_GUARD_DDL["sqlite"]:
        session.connection().exec_driver_sql(statement)


def _redact_history(session: Session, rows: dict[str, dict[str, Any]]) -> None:
    current = {
        r.id: r
        for r in session.scalars(select(HistoryEvent).where(HistoryEvent.id.in_(list(rows))))
    }
    values = []
    for event_id, change in rows.items():
        old = current[event_id]
        values.append(
            (
                event_id,
                old.by_name,
                change.get("from_value", old.from_value),
                change.get("to_value", old.to_value),
                change.get("reason", old.reason),
            )
        )
    dialect = session.connection().dialect.name
    if dialect == "postgresql" and _history_functions(session):
        session.execute(
            text("SELECT shopper_history_redact(:i, :b, :f, :t, :r)"),
            {
                "i": [v[0] for v in values],
                "b": [v[1] for v in values],
                "f": [v[2] for v in values],
                "t": [v[3] for v in values],
                "r": [v[4] for v in values],
            },
        )
        return
    _lift(session)
    for event_id, by_name, from_value, to_value, reason in values:
        session.execute(
            update(HistoryEvent)
            .where(HistoryEvent.id == event_id)
            .values(by_name=by_name, from_value=from_value, to_value=to_value, reason=reason)
        )
    _restore(session)


def _lift(session: Session) -> None:
    if session.connection().dialect.name == "postgresql":
        session.connection().exec_driver_sql("ALTER TABLE history_events DISABLE TRIGGER USER")
    else:
        _without_guard_sqlite(session)


def _restore(session: Session) -> None:
    if session.connection().dialect.name == "postgresql":
        session.connection().exec_driver_sql("ALTER TABLE history_events ENABLE TRIGGER USER")
    else:
        _guard_back_sqlite(session)


def _compact(db: Database) -> None:
    """Leave no old text behind: SQLite rewrites the file (free pages, the log); PostgreSQL
    vacuums the tables (needs the owner; otherwise left to autovacuum)."""
    if db.is_sqlite:
        with db.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            raw.execute("VACUUM")
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    try:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in (
                "agents",
                "evaluations",
                "answers",
                "history_events",
                "evaluation_events",
                "dispute_items",
            ):
                conn.exec_driver_sql(f"VACUUM {table}")
    except Exception:  # not the owner: autovacuum will get there
        pass


# --- retention ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurgePlan:
    before: dt.date
    shops: int
    history_events: int
    disputes: int
    backup: str | None = None


def retention_months(db: Database) -> int | None:
    with db.read() as session:
        value = session.scalar(select(Setting.value).where(Setting.key == RETENTION_MONTHS))
    if value is None or not value.strip():
        return None
    return int(value)


def set_retention_months(db: Database, months: int | None) -> None:
    if months is not None and not 1 <= months <= 1200:
        raise ValidationError("keep shops between 1 and 1200 months, or say none")
    with db.write() as session:
        session.execute(delete(Setting).where(Setting.key == RETENTION_MONTHS))
        if months is not None:
            session.add(Setting(key=RETENTION_MONTHS, value=str(months)))


def retention_cutoff(db: Database, today: dt.date | None = None) -> dt.date:
    months = retention_months(db)
    if months is None:
        raise ValidationError(
            "no retention period is set; give --before DATE, or set one with "
            "`shopper retention MONTHS`"
        )
    today = today or dt.date.today()
    month_index = today.year * 12 + today.month - 1 - months
    year, month = divmod(month_index, 12)
    import calendar

    day = min(today.day, calendar.monthrange(year, month + 1)[1])
    return dt.date(year, month + 1, day)


def _old_shops(before: dt.date) -> Any:
    return select(Evaluation.id).where(Evaluation.visited_on < before)


def _count_purge(session: Session, before: dt.date) -> tuple[int, int, int]:
    old = _old_shops(before)
    shops = session.scalar(select(func.count()).select_from(old.subquery()))
    events = session.scalar(
        select(func.count()).select_from(HistoryEvent).where(HistoryEvent.evaluation_id.in_(old))
    )
    disputes = session.scalar(
        select(func.count()).select_from(Dispute).where(Dispute.evaluation_id.in_(old))
    )
    return int(shops or 0), int(events or 0), int(disputes or 0)


def purge_plan(db: Database, before: dt.date) -> PurgePlan:
    """What `purge` would delete (a dry run: nothing is written)."""
    with db.read() as session:
        shops, events, disputes = _count_purge(session, before)
    return PurgePlan(before, shops, events, disputes)


def purge(db: Database, before: dt.date, *, actor: str) -> PurgePlan:
    """Delete the shops visited before `before` with everything of theirs, in one
    transaction, after a backup (SQLite); recorded as an admin event."""
    backup_path: str | None = None
    if db.path is not None and purge_plan(db, before).shops:
        from shopper.storage.backup import rotating_backup

        backup_path = str(rotating_backup(db.path, "before-purge"))
    with db.write() as session:
        by = people.require_actor(session, actor, "purges old shops")
        shops, events, disputes = _count_purge(session, before)
        if shops:
            ids = list(session.scalars(_old_shops(before)))
            _delete_shops(session, ids)
            _record(
                session,
                by,
                "purge",
                f"shops visited before {before.isoformat()}: {shops} shop(s), {events} history "
                f"event(s), {disputes} dispute(s) deleted",
            )
    if shops:
        _compact(db)
    return PurgePlan(before, shops, events, disputes, backup_path)


def _chunks(ids: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _delete_shops(session: Session, ids: list[str]) -> None:
    dialect = session.connection().dialect.name
    if dialect == "postgresql" and _history_functions(session):
        session.execute(text("SELECT shopper_history_delete(:ids)"), {"ids": ids})
    else:
        _lift(session)
        for chunk in _chunks(ids):
            session.execute(delete(HistoryEvent).where(HistoryEvent.evaluation_id.in_(chunk)))
        _restore(session)
    for chunk in _chunks(ids):
        disputes = select(Dispute.id).where(Dispute.evaluation_id.in_(chunk))
        session.execute(delete(DisputeItem).where(DisputeItem.dispute_id.in_(disputes)))
        session.execute(delete(Dispute).where(Dispute.evaluation_id.in_(chunk)))
        session.execute(delete(Answer).where(Answer.evaluation_id.in_(chunk)))
        session.execute(delete(SectionScoreRow).where(SectionScoreRow.evaluation_id.in_(chunk)))
        session.execute(delete(EvaluationEvent).where(EvaluationEvent.evaluation_id.in_(chunk)))
        session.execute(delete(Evaluation).where(Evaluation.id.in_(chunk)))


# --- encrypted packages (age) ----------------------------------------------------------------

AGE_HEADER = b"age-encryption.org/v1"
"""How an age-encrypted file starts."""


def _pyrage() -> Any:
    import importlib

    try:
        return importlib.import_module("pyrage")
    except ImportError:
        raise ValidationError("encrypted packages need age support: pip install pyrage") from None


def is_encrypted_package(path: Path) -> bool:
    try:
        with Path(path).open("rb") as handle:
            return handle.read(len(AGE_HEADER)) == AGE_HEADER
    except OSError:
        return False


def _key_lines(keyfile: Path) -> list[str]:
    try:
        content = Path(keyfile).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ValidationError(f"{keyfile} cannot be read as a key file ({error})") from None
    return [
        line.strip() for line in content.splitlines() if line.strip() and not line.startswith("#")
    ]


def new_key(keyfile: Path) -> str:
    """Write a new private key (age identity) to `keyfile`, readable by its owner only, and
    its public key to `keyfile`.pub; returns the public key (age1…) to publish."""
    from shopper.fileio import atomic_write_text, atomic_writer

    x25519 = _pyrage().x25519
    identity = x25519.Identity.generate()
    public = str(identity.to_public())
    if Path(keyfile).exists():
        raise ValidationError(f"{keyfile} exists; a key file is never overwritten")
    with atomic_writer(Path(keyfile), private=True, encoding="utf-8") as handle:
        handle.write(f"# Shopper package key; public key: {public}\n{identity}\n")
    atomic_write_text(Path(f"{keyfile}.pub"), f"{public}\n")
    return public


def _recipient(keyfile: Path) -> Any:
    x25519 = _pyrage().x25519
    for line in _key_lines(keyfile):
        if line.startswith("age1"):
            return x25519.Recipient.from_str(line)
        if line.startswith("AGE-SECRET-KEY-"):
            return x25519.Identity.from_str(line).to_public()
    raise ValidationError(f"{keyfile} holds no public key (age1…); ask for the program's key")


def _identity(keyfile: Path) -> Any:
    x25519 = _pyrage().x25519
    for line in _key_lines(keyfile):
        if line.startswith("AGE-SECRET-KEY-"):
            return x25519.Identity.from_str(line)
    raise ValidationError(f"{keyfile} holds no private key (AGE-SECRET-KEY-…)")


def encrypt_package(plain: Path, out: Path, keyfile: Path) -> None:
    """Encrypt the package `plain` into `out` for the holder of the key in `keyfile`."""
    from shopper.fileio import create_private_file, temp_path

    pyrage = _pyrage()
    recipient = _recipient(keyfile)
    tmp = temp_path(Path(out))
    try:
        create_private_file(tmp)
        pyrage.encrypt_file(str(plain), str(tmp), [recipient])
        os.replace(tmp, out)
    except OSError as error:
        raise ValidationError(f"cannot write {out} ({error.strerror})") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def decrypt_package(path: Path, keyfile: Path | None, folder: Path) -> Path:
    """The package `path` decrypted into the private folder `folder` (the caller removes
    it); refused when no key, or not the right one, is given."""
    if keyfile is None:
        raise ValidationError(
            f"{path} is an encrypted package: give --identity KEYFILE (the private key it was "
            "made for); nothing was imported"
        )
    pyrage = _pyrage()
    identity = _identity(keyfile)
    out = Path(folder) / (Path(path).name + ".json")
    try:
        pyrage.decrypt_file(str(path), str(out), [identity])
    except pyrage.DecryptError:
        with contextlib.suppress(OSError):
            os.unlink(out)
        raise ValidationError(
            f"{path} was not encrypted for the key in {keyfile}; nothing was imported"
        ) from None
    return out
