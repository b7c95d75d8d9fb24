"""Benchmark data on PostgreSQL: a throwaway cluster, generation with COPY, a dump cache.

The rows are the demo generator's own (`shopper.demo`'s row builders, called in the same
order with the same seed as `shopper demo-data`, so a scale holds the same properties,
agents and shops on SQLite and on PostgreSQL); only the way they go in differs: COPY, with
the secondary indexes and the two big primary keys built after the load, then
`VACUUM ANALYZE` (what autovacuum would have done to a shared database in use; done here
so that it does not start in the middle of a measurement).

A generated database is dumped once (`pg_dump` custom format) into bench-out/cache/ under
the same kind of key as the SQLite files, and later runs restore it with `pg_restore`.
"""

from __future__ import annotations

import glob
import os
import random
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url

from benchmarks.proc import ROOT
from benchmarks.scales import END_DATE, Scale

CLUSTER_SCRIPT = ROOT / "scripts" / "pg-test-cluster"


def pg_bin(name: str) -> str:
    """A PostgreSQL client program: the highest installed version, as the cluster uses."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version_key)
    if found:
        return found[-1]
    on_path = shutil.which(name)
    if on_path is None:
        raise RuntimeError(f"{name} not found; install the PostgreSQL client programs")
    return on_path


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.parent.name
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def libpq_url(url: URL) -> str:
    """The URL as pg_dump and pg_restore read it (no SQLAlchemy driver name)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class Cluster:
    """A throwaway local cluster started with scripts/pg-test-cluster (stopped by `stop`)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        env = dict(os.environ, SHOPPER_PG_DIR=str(folder))
        env.pop("SHOPPER_PG_PORT", None)
        done = subprocess.run(
            [str(CLUSTER_SCRIPT), "start"], env=env, capture_output=True, text=True, timeout=180
        )
        if done.returncode != 0:
            raise RuntimeError(f"scripts/pg-test-cluster start failed:\n{done.stderr[-2000:]}")
        self.url = done.stdout.strip().splitlines()[-1]

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    def stop(self) -> None:
        env = dict(os.environ, SHOPPER_PG_DIR=str(self.folder))
        subprocess.run(
            [str(CLUSTER_SCRIPT), "stop"], env=env, capture_output=True, text=True, timeout=180
        )


class Server:
    """Databases made by one benchmark run on one server, all dropped by `close`."""

    def __init__(self, url: str, cluster: Cluster | None = None) -> None:
        self.admin_url = make_url(url)
        self.cluster = cluster
        self.admin: Engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        self.prefix = f"bench{os.getpid()}"
        self.made: list[str] = []
        with self.admin.connect() as conn:
            self.version = int(conn.execute(text("SHOW server_version_num")).scalar_one())
            self.settings = {
                name: conn.execute(text(f"SHOW {name}")).scalar_one()
                for name in ("server_version", "shared_buffers", "work_mem", "fsync")
            }

    def url_of(self, name: str) -> str:
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def name_for(self, label: str) -> str:
        return f"{self.prefix}_{label}"[:63]

    def create(self, name: str, template: str | None = None) -> str:
        self.drop(name)
        clause = ""
        if template:
            clause = f' TEMPLATE "{template}"'
            if self.version >= 150000:  # one file copy, not every block through the WAL
                clause += " STRATEGY FILE_COPY"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        self.made.append(name)
        return self.url_of(name)

    def drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if name in self.made:
            self.made.remove(name)

    def folder_of(self, name: str) -> Path | None:
        """The database's files, when the cluster is this run's own (for the page cache)."""
        if self.cluster is None:
            return None
        with self.admin.connect() as conn:
            oid = conn.execute(
                text("SELECT oid FROM pg_database WHERE datname = :n"), {"n": name}
            ).scalar()
        return None if oid is None else self.cluster.data_dir / "base" / str(oid)

    def size_mb(self, name: str) -> float:
        with self.admin.connect() as conn:
            size = conn.execute(text("SELECT pg_database_size(:n)"), {"n": name}).scalar_one()
        return round(int(size) / 2**20, 1)

    def vacuum_analyze(self, name: str) -> None:
        engine = create_engine(make_url(self.url_of(name)), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text("VACUUM ANALYZE"))
        finally:
            engine.dispose()

    def close(self) -> None:
        """Drop this run's databases and stop its own cluster; a failure here is reported,
        never allowed to lose the figures already measured."""
        for name in list(self.made):
            try:
                self.drop(name)
            except Exception as exc:  # the server may be gone (disk full, crash)
                print(f"could not drop {name}: {exc}".splitlines()[0], flush=True)
        self.admin.dispose()
        if self.cluster is not None:
            self.cluster.stop()


# ------------------------------------------------------------------------- generation --
BIG_TABLES = ("evaluations", "answers", "section_scores")
"""Tables whose secondary indexes (and, for the two child tables, primary keys) are built
after the load rather than maintained row by row."""


def generate(url: str, scale: Scale, log: bool = True) -> dict[str, Any]:
    """Fill the empty database at `url` with the demo data of `scale`, by COPY."""
    from shopper import demo
    from shopper.paths import DEFAULT_RUBRIC
    from shopper.rubric import load_rubric_file
    from shopper.services import rubrics
    from shopper.storage.db import open_database
    from shopper.storage.models import Base, utcnow

    started = time.perf_counter()
    db = open_database(url)  # the app's own schema: create_all + stamp head
    try:
        rng = random.Random(scale.seed)
        info = rubrics.save_rubric(db, load_rubric_file(DEFAULT_RUBRIC)).info
        rubric = rubrics.get_rubric(db, info.id)
        now = utcnow()
        property_rows = demo._properties(rng, max(1, scale.properties), now)
        agent_rows, skills = demo._agents(
            rng, max(scale.properties, scale.agents), property_rows, now
        )
        tables = {name: Base.metadata.tables[name] for name in BIG_TABLES}
        answers = 0
        with _raw(db.engine) as conn:
            deferred = _drop_deferred(conn, tables)
            _copy(conn, "properties", property_rows)
            _copy(conn, "agents", agent_rows)
            step = max(1, scale.evaluations // 10)
            for first in range(0, scale.evaluations, 2000):
                n = min(2000, scale.evaluations - first)
                ev_rows, answer_rows, score_rows = demo._evaluations(
                    rng, n, rubric, info.id, agent_rows, skills, END_DATE, now
                )
                _copy(conn, "evaluations", ev_rows)
                _copy(conn, "answers", answer_rows)
                _copy(conn, "section_scores", score_rows)
                answers += len(answer_rows)
                if log and (first + n) // step != first // step:
                    elapsed = time.perf_counter() - started
                    print(f"  {first + n:,} shops by COPY ({elapsed:.0f} s)", flush=True)
            conn.commit()
            with conn.cursor() as cur:
                cur.execute("SET maintenance_work_mem = '512MB'")
                for statement in deferred:
                    cur.execute(statement)
            conn.commit()
    finally:
        db.close()
    return {"answers": answers, "load_s": round(time.perf_counter() - started, 1)}


@contextmanager
def _raw(engine: Engine) -> Iterator[Any]:
    """A psycopg connection with foreign-key triggers off (the rows are consistent by
    construction; the constraints stay declared and are checked for every later write)."""
    with engine.connect() as sa_conn:
        conn = sa_conn.connection.driver_connection
        assert conn is not None
        with conn.cursor() as cur:
            cur.execute("SET session_replication_role = replica")
        try:
            yield conn
        finally:
            with conn.cursor() as cur:
                cur.execute("SET session_replication_role = DEFAULT")
            conn.commit()


def _drop_deferred(conn: Any, tables: dict[str, Any]) -> list[str]:
    """Drop the big tables' secondary indexes and child primary keys; return the statements
    that build them again."""
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import CreateIndex

    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    again: list[str] = []
    with conn.cursor() as cur:
        for name, table in tables.items():
            for index in table.indexes:
                cur.execute(f'DROP INDEX IF EXISTS "{index.name}"')
                again.append(str(CreateIndex(index).compile(dialect=dialect)))
            if name != "evaluations":  # the children's FKs point at evaluations' key
                pk = table.primary_key
                columns = ", ".join(f'"{c.name}"' for c in pk.columns)
                cur.execute(f'ALTER TABLE "{name}" DROP CONSTRAINT "{pk.name}"')
                again.append(
                    f'ALTER TABLE "{name}" ADD CONSTRAINT "{pk.name}" PRIMARY KEY ({columns})'
                )
    conn.commit()
    return again


def _copy(conn: Any, table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    quoted = ", ".join(f'"{c}"' for c in columns)
    with conn.cursor() as cur, cur.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


# ------------------------------------------------------------------------------ dumps --
def dump(server: Server, name: str, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    command = [pg_bin("pg_dump"), "-Fc", "-Z", "1", "-f", str(partial)]
    _run([*command, "-d", libpq_url(make_url(server.url_of(name)))], "pg_dump")
    partial.rename(target)


def restore(server: Server, source: Path, name: str) -> None:
    server.create(name)
    jobs = str(max(1, min(4, len(os.sched_getaffinity(0)))))
    command = [pg_bin("pg_restore"), "--no-owner", "-j", jobs, str(source)]
    _run([*command, "-d", libpq_url(make_url(server.url_of(name)))], "pg_restore")


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=6 * 3600)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}):\n{done.stderr[-2000:]}")
