"""Exchange test helpers: small demo databases, packages, and a checksum of a database."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from shopper.demo import generate
from shopper.exchange.package_export import export_package
from shopper.storage.db import Database
from shopper.storage.models import Base

DEMO_END = __import__("datetime").date(2026, 11, 20)


def add_demo(db: Database, evaluations: int = 40, seed: int = 7, **kwargs: Any) -> None:
    generate(
        db,
        properties=kwargs.pop("properties", 3),
        agents=kwargs.pop("agents", 6),
        evaluations=evaluations,
        seed=seed,
        end_date=DEMO_END,
        **kwargs,
    )


def checksum(db: Database) -> str:
    """A hash over an ordered dump of every table: equal means nothing was written."""
    digest = hashlib.sha256()
    with db.read() as session:
        for table in Base.metadata.sorted_tables:
            digest.update(table.name.encode())
            order = list(table.primary_key.columns) or list(table.columns)
            for row in session.execute(select(table).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def comparable(package: dict[str, Any]) -> dict[str, Any]:
    """A package without what legitimately differs between two exports."""
    out = dict(package)
    out.pop("exported_at", None)
    return out


@pytest.fixture
def source_db(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A SQLite database with a little demo data, separate from `db`/`any_db`."""
    from shopper.storage.db import open_database

    database = open_database(tmp_path / "source.db")
    add_demo(database)
    yield database
    database.close()


@pytest.fixture
def package(source_db: Database, tmp_path: Path) -> Path:
    """The whole of `source_db` as a package file."""
    path = tmp_path / "package.json"
    export_package(source_db, path)
    return path
