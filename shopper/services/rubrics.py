"""Rubric versions: list, load, save (a changed rubric in use becomes the next version)."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shopper.errors import NotFoundError, ShopperError
from shopper.paths import DEFAULT_RUBRIC
from shopper.rubric import Rubric, load_rubric_file, rubric_from_stored, stored_content
from shopper.services import settings
from shopper.storage.db import AccessDeniedError, Database
from shopper.storage.models import Evaluation, RubricVersion

SaveOutcome = Literal["added", "unchanged", "new_version", "updated"]


@dataclass(frozen=True)
class RubricInfo:
    id: int
    key: str
    version: int
    name: str
    content_hash: str
    created_at: dt.datetime
    evaluation_count: int
    is_default: bool
    is_latest: bool

    @property
    def frozen(self) -> bool:
        """A version that has evaluations can no longer change."""
        return self.evaluation_count > 0


@dataclass(frozen=True)
class SaveResult:
    info: RubricInfo
    outcome: SaveOutcome


def list_rubrics(db: Database, key: str | None = None) -> list[RubricInfo]:
    """Every rubric version, by key then version."""
    with db.read() as session:
        return _infos(session, key)


def _infos(
    session: Session, key: str | None = None, rubric_id: int | None = None
) -> list[RubricInfo]:
    counts = (
        select(Evaluation.rubric_id, func.count().label("n"))
        .group_by(Evaluation.rubric_id)
        .subquery()
    )
    latest = (
        select(RubricVersion.key, func.max(RubricVersion.version).label("v"))
        .group_by(RubricVersion.key)
        .subquery()
    )
    query = (
        select(RubricVersion, func.coalesce(counts.c.n, 0), latest.c.v)
        .outerjoin(counts, counts.c.rubric_id == RubricVersion.id)
        .join(latest, latest.c.key == RubricVersion.key)
        .order_by(RubricVersion.key, RubricVersion.version)
    )
    if key is not None:
        query = query.where(RubricVersion.key == key)
    if rubric_id is not None:
        query = query.where(RubricVersion.id == rubric_id)
    default_key = settings.get_in(session, settings.DEFAULT_RUBRIC_KEY)
    return [
        RubricInfo(
            id=row.id,
            key=row.key,
            version=row.version,
            name=row.name,
            content_hash=row.content_hash,
            created_at=row.created_at,
            evaluation_count=count,
            is_default=row.key == default_key and row.version == latest_version,
            is_latest=row.version == latest_version,
        )
        for row, count, latest_version in session.execute(query)
    ]


def info(db: Database, rubric_id: int) -> RubricInfo:
    with db.read() as session:
        found = _infos(session, rubric_id=rubric_id)
    if not found:
        raise NotFoundError(f"rubric #{rubric_id} does not exist")
    return found[0]


def get_rubric(db: Database, rubric_id: int) -> Rubric:
    with db.read() as session:
        content = session.scalar(select(RubricVersion.content).where(RubricVersion.id == rubric_id))
    if content is None:
        raise NotFoundError(f"rubric #{rubric_id} does not exist")
    return rubric_from_stored(content)


def find(db: Database, key: str, version: int | None = None) -> RubricInfo:
    """A version of the rubric `key` (the latest when `version` is None)."""
    candidates = list_rubrics(db, key)
    if not candidates:
        raise NotFoundError(f"there is no rubric {key!r}; see `shopper rubric list`")
    if version is None:
        return candidates[-1]
    for candidate in candidates:
        if candidate.version == version:
            return candidate
    raise NotFoundError(f"rubric {key!r} has no version {version}")


def default_rubric(db: Database) -> RubricInfo | None:
    """The rubric preselected for new evaluations: latest version of the default key."""
    key = settings.get(db, settings.DEFAULT_RUBRIC_KEY)
    found = list_rubrics(db, key)
    if found:
        return found[-1]
    everything = list_rubrics(db)
    return everything[-1] if everything else None


def set_default(db: Database, key: str) -> None:
    find(db, key)
    settings.put(db, settings.DEFAULT_RUBRIC_KEY, key)


def save_rubric(db: Database, rubric: Rubric, *, edit_unused_in_place: bool = False) -> SaveResult:
    """Store `rubric` under its key (see `_save`). When another program stores the same
    key and version at the same moment (a shared database), the save is decided again
    against what it stored."""
    try:
        return _save(db, rubric, edit_unused_in_place)
    except IntegrityError:
        return _save(db, rubric, edit_unused_in_place)


def _save(db: Database, rubric: Rubric, edit_unused_in_place: bool) -> SaveResult:
    """Store `rubric` under its key.

    - the same key and version with the same content: unchanged;
    - a version number not stored yet: added as that version (numbers stay the same
      on every machine);
    - the same version with other content: a new version after the latest, unless
      `edit_unused_in_place` and no evaluation uses that version yet.
    """
    content = stored_content(rubric)
    content_hash = rubric.content_hash()
    with db.write() as session:
        existing = {
            row.version: row
            for row in session.scalars(select(RubricVersion).where(RubricVersion.key == rubric.key))
        }
        same = existing.get(rubric.version)
        outcome: SaveOutcome
        if same is not None and same.content_hash == content_hash and same.name == rubric.name:
            row, outcome = same, "unchanged"
        elif same is None:
            row, outcome = _add(session, rubric, content, content_hash), "added"
        elif edit_unused_in_place and not _used(session, same.id):
            same.content, same.content_hash, same.name = content, content_hash, rubric.name
            row, outcome = same, "updated"
        else:
            renumbered = rubric.with_version(max(existing) + 1)
            row = _add(session, renumbered, stored_content(renumbered), content_hash)
            outcome = "new_version"
        session.flush()
        return SaveResult(_infos(session, rubric_id=row.id)[0], outcome)


def _used(session: Session, rubric_id: int) -> bool:
    return (
        session.scalar(select(Evaluation.id).where(Evaluation.rubric_id == rubric_id).limit(1))
        is not None
    )


def _add(session: Session, rubric: Rubric, content: str, content_hash: str) -> RubricVersion:
    row = RubricVersion(
        key=rubric.key,
        version=rubric.version,
        name=rubric.name,
        content=content,
        content_hash=content_hash,
    )
    session.add(row)
    return row


BUNDLED_HISTORY = (DEFAULT_RUBRIC.with_name("leasing-tour.v1.json"),)
"""Earlier versions of the bundled default rubric, oldest first; the newest is DEFAULT_RUBRIC.
A database still on one of them, untouched, gets the bundled versions after it."""


@functools.cache
def _bundled() -> tuple[Rubric, ...]:
    """Every version of the bundled default rubric, oldest first (read once)."""
    return tuple(load_rubric_file(path) for path in (*BUNDLED_HISTORY, DEFAULT_RUBRIC))


@functools.cache
def _bundled_head() -> tuple[str, int]:
    """Key and version of the newest bundled rubric, read without validating the file (that
    is done only when a database needs the upgrade)."""
    data = json.loads(DEFAULT_RUBRIC.read_text(encoding="utf-8"))
    return str(data["key"]), int(data["version"])


def ensure_default_rubric(db: Database) -> RubricInfo | None:
    """On a database with no rubric yet, load the bundled default rubric; on one whose latest
    version of the bundled rubric's key is an earlier bundled version, unchanged, add the
    newer bundled versions (their own version numbers, so every machine numbers them alike):
    the newest becomes the default for new shops, and old shops keep the version they were
    scored with. A database whose owner made their own versions is left as it is. Cheap
    otherwise."""
    with db.read() as session:
        has_rubric = session.scalar(select(RubricVersion.id).limit(1)) is not None
    if has_rubric:
        if not db.read_only:
            # A login that may not change rubrics opens with the stored default; an admin's
            # next open adds the newer bundled version.
            with contextlib.suppress(AccessDeniedError):
                _upgrade_bundled(db)
        return default_rubric(db)
    if db.read_only:  # reading works without one; nothing can be stored
        return None
    try:
        return save_rubric(db, load_rubric_file(DEFAULT_RUBRIC)).info
    except ShopperError as exc:
        if not db.created:
            raise
        # A database made by this open is not left without its rubric (half made).
        db.discard_created()
        raise ShopperError(
            f"{exc}; the default rubric could not be stored, so no database was created at "
            f"{db.describe()} (reinstalling Shopper restores the rubric)"
        ) from None
    except BaseException:
        db.discard_created()
        raise


def _upgrade_bundled(db: Database) -> None:
    key, newest_version = _bundled_head()
    with db.read() as session:
        latest = session.execute(
            select(RubricVersion.version, RubricVersion.content_hash, RubricVersion.name)
            .where(RubricVersion.key == key)
            .order_by(RubricVersion.version.desc())
            .limit(1)
        ).first()
    if latest is None or latest.version >= newest_version:
        return
    bundled = _bundled()
    position = next(
        (
            i
            for i, rubric in enumerate(bundled)
            if rubric.version == latest.version
            and rubric.content_hash() == latest.content_hash
            and rubric.name == latest.name
        ),
        None,
    )
    if position is None:
        return  # the owner's own version: theirs to upgrade
    for rubric in bundled[position + 1 :]:
        save_rubric(db, rubric)
