"""Generated databases, cached in bench-out/ (git-ignored) by scale, and working copies.

A cached database is made once and reused while its key is the same. The key is what makes
the data and its physical form: the scale (counts, seed, last visit date), the schema as
the app creates it (the DDL of every table and index for that database, and the head
revision), the generator (`shopper/demo.py`, the bundled rubric, and `GENERATOR_VERSION`
for the benchmark's own way of loading), and the database engine (the SQLite library
version; the PostgreSQL major version, which the dump format follows). So a cached
database is the one a fresh clone would generate: nothing is added to it that a fresh one
lacks (no ANALYZE statistics, no VACUUM), and nothing made by older code is reused.

Every measurement works on a copy; the cached file is never opened by the app.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

from benchmarks import pagecache
from benchmarks.proc import ROOT, child_env, run_child, shopper_cmd
from benchmarks.scales import END_DATE, Scale

DEFAULT_OUT = ROOT / "bench-out"
GENERATOR_VERSION = 2
"""Bump when the benchmark's own way of making a cached database changes.
1: the first cache (key: counts, seed, migration file names, demo.py, rubric; PRAGMA
   optimize after the checkpoint). 2: key on the schema DDL and engine version."""


def schema_fingerprint(dialect_name: str) -> str:
    """The DDL the app would run to create a new database, and the revision it stamps."""
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable

    from shopper.storage.migrate import HEAD_REVISION
    from shopper.storage.models import Base

    dialect: Any = (
        postgresql.dialect() if dialect_name == "postgresql" else sqlite.dialect()  # type: ignore[no-untyped-call]
    )
    parts = [f"head={HEAD_REVISION}"]
    for table in Base.metadata.sorted_tables:
        parts.append(str(CreateTable(table).compile(dialect=dialect)))
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            parts.append(str(CreateIndex(index).compile(dialect=dialect)))
    return "\n".join(parts)


def cache_key(scale: Scale, engine: str = f"sqlite {sqlite3.sqlite_version}") -> str:
    digest = hashlib.sha256()
    digest.update(f"generator {GENERATOR_VERSION}; {engine}".encode())
    digest.update(repr((scale.properties, scale.agents, scale.evaluations, scale.seed)).encode())
    digest.update(END_DATE.isoformat().encode())
    digest.update(schema_fingerprint(engine.split()[0]).encode())
    sources = ["shopper/demo.py", "resources/rubrics"]
    if engine.startswith("postgresql"):
        sources.append("benchmarks/pg_data.py")
    for source in sources:
        target = ROOT / source
        files = sorted(target.rglob("*.json")) if target.is_dir() else [target]
        for path in files:
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def git_state() -> dict[str, Any]:
    """The commit measured, and which tracked files of the app differ from it."""

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout.strip()

    changed = git("status", "--porcelain", "--", "shopper", "ui", "main.py").splitlines()
    return {"commit": git("rev-parse", "--short=12", "HEAD") or None, "changed_files": changed}


def _write_provenance(path: Path, scale: Scale, key: str, seconds: float, **extra: Any) -> None:
    """What made the cached `path`: written beside it as `<name>.json`."""
    record = {
        "scale": scale.name,
        "key": key,
        "generator_version": GENERATOR_VERSION,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "generated_s": round(seconds, 1),
        "sqlite": sqlite3.sqlite_version,
        **git_state(),
        **extra,
    }
    side = path.with_name(path.name + ".json")
    side.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def provenance(path: Path) -> dict[str, Any] | None:
    side = path.with_name(path.name + ".json")
    if not side.exists():
        return None
    value: dict[str, Any] = json.loads(side.read_text(encoding="utf-8"))
    return value


def cached_database(scale: Scale, out: Path = DEFAULT_OUT, log: bool = True) -> tuple[Path, float]:
    """The generated SQLite database of `scale` and how long generating it took (0 if
    cached)."""
    folder = out / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    key = cache_key(scale)
    path = folder / f"{scale.name}-{key}.db"
    if path.exists():
        return path, 0.0
    for stale in folder.glob(f"{scale.name}-*.db*"):
        stale.unlink()
    partial = folder / f"{scale.name}.partial.db"
    for leftover in folder.glob(f"{partial.name}*"):
        leftover.unlink()
    if log:
        print(
            f"generating {scale.name} data: {scale.properties} properties, {scale.agents} "
            f"agents, {scale.evaluations} evaluations (once; cached in {folder})",
            flush=True,
        )
    started = time.perf_counter()
    home = out / "home" / "generate"
    run_child(shopper_cmd(partial, *scale.demo_args()), child_env(home), timeout=3600)
    checkpoint(partial)
    partial.rename(path)
    seconds = time.perf_counter() - started
    _write_provenance(path, scale, key, seconds, how="shopper demo-data")
    return path, seconds


def checkpoint(path: Path) -> None:
    """Fold the WAL into the main file so that the file alone is the whole database.

    Nothing else: no ANALYZE or `PRAGMA optimize` (the app runs neither, so the planner
    sees what it sees in a fresh database) and no VACUUM."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def copy_database(source: Path, target: Path) -> Path:
    """A private copy of `source` for a measurement.

    The cached databases are checkpointed and closed, so when no WAL content is pending the
    file alone is the whole database and a plain copy is safe (and 20 times faster than
    SQLite's backup, which is used otherwise).
    """
    remove_database(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    require_free_space(target.parent, source.stat().st_size, f"a copy of {source.name}")
    wal = Path(f"{source}-wal")
    if not wal.exists() or wal.stat().st_size == 0:
        shutil.copyfile(source, target)
        return target
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=WAL")
    src.close()
    dst.close()
    return target


def require_free_space(folder: Path, needed_bytes: int, what: str) -> None:
    """Refuse to fill the disk: the machine is shared, and a full disk breaks everyone's
    work (an xl run once did: three 10 GB PostgreSQL copies). Keeps 5 GB spare."""
    folder.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(folder).free
    spare = 5 * 2**30
    if free < needed_bytes + spare:
        raise DiskSpaceError(
            f"not enough disk for {what}: needs {needed_bytes / 2**30:.1f} GiB plus 5 GiB "
            f"spare, {free / 2**30:.1f} GiB free in {folder}"
        )


class DiskSpaceError(RuntimeError):
    pass


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def fresh_folder(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


# --------------------------------------------------------------------------- backends --
class SqliteData:
    """The cached SQLite file of a scale, and copies of it for measurements."""

    kind = "sqlite"

    def __init__(self, scale: Scale, out: Path, work: Path) -> None:
        self.base, self.generated_s = cached_database(scale, out)
        self.work = work

    def describe(self) -> dict[str, Any]:
        return {
            "database": "sqlite",
            "database_mb": round(self.base.stat().st_size / 2**20, 1),
            "cache": {"file": self.base.name, **(provenance(self.base) or {})},
        }

    def copy(self, name: str) -> str:
        return str(copy_database(self.base, self.work / f"{name}.db"))

    def empty(self, name: str) -> str:
        path = self.work / f"{name}.db"
        remove_database(path)
        return str(path)

    def drop(self, target: str) -> None:
        remove_database(Path(target))

    def files(self, target: str) -> Path | None:
        return Path(target)

    def close(self) -> None:
        pass


class PostgresData:
    """The scale's data in a database of a PostgreSQL server (this run's own throwaway
    cluster, or `--pg-url`), restored from the cached dump or generated and dumped once;
    copies for measurements are `CREATE DATABASE ... TEMPLATE` of it."""

    kind = "postgresql"

    def __init__(self, scale: Scale, out: Path, work: Path, pg_url: str | None) -> None:
        from benchmarks import pg_data

        self.scale = scale
        cluster = None
        if pg_url is None:
            print("starting a throwaway PostgreSQL cluster (scripts/pg-test-cluster)", flush=True)
            cluster = pg_data.Cluster(Path(fresh_folder(work / "pg")))
            pg_url = cluster.url
        self.server = pg_data.Server(pg_url, cluster)
        try:
            self._prepare(out)
        except BaseException:
            self.server.close()
            raise

    def _prepare(self, out: Path) -> None:
        from benchmarks import pg_data

        folder = out / "cache"
        folder.mkdir(parents=True, exist_ok=True)
        major = self.server.version // 10000
        self.key = cache_key(self.scale, f"postgresql {major}")
        dump = folder / f"{self.scale.name}-pg{major}-{self.key}.pgdump"
        self.dump_file = dump
        self.base = self.server.name_for(f"{self.scale.name}_base")
        started = time.perf_counter()
        self.generated_s = 0.0
        self.restored_s: float | None = None
        if dump.exists():
            print(f"restoring {dump.name} (pg_restore)", flush=True)
            pg_data.restore(self.server, dump, self.base)
            self.server.vacuum_analyze(self.base)
            self.restored_s = round(time.perf_counter() - started, 1)
            return
        for stale in folder.glob(f"{self.scale.name}-pg*.pgdump*"):
            stale.unlink()
        print(
            f"generating {self.scale.name} data on PostgreSQL by COPY: "
            f"{self.scale.properties} properties, {self.scale.agents} agents, "
            f"{self.scale.evaluations:,} evaluations (once; dumped to {dump})",
            flush=True,
        )
        url = self.server.create(self.base)
        loaded = pg_data.generate(url, self.scale)
        self.server.vacuum_analyze(self.base)
        self.generated_s = time.perf_counter() - started
        dump_started = time.perf_counter()
        pg_data.dump(self.server, self.base, dump)
        _write_provenance(
            dump,
            self.scale,
            self.key,
            self.generated_s,
            how="COPY (benchmarks/pg_data.py)",
            dump_s=round(time.perf_counter() - dump_started, 1),
            postgresql=self.server.settings["server_version"],
            **loaded,
        )

    def describe(self) -> dict[str, Any]:
        return {
            "database": "postgresql",
            "database_mb": self.server.size_mb(self.base),
            "server": self.server.settings,
            "own_cluster": self.server.cluster is not None,
            "databases_prefix": self.server.prefix,
            "restored_s": self.restored_s,
            "cache": {"file": self.dump_file.name, **(provenance(self.dump_file) or {})},
        }

    def copy(self, name: str) -> str:
        folder = self.server.folder_of(self.base)
        if folder is not None:  # this run's own cluster: the copy lands on this disk
            size = int(self.server.size_mb(self.base) * 2**20)
            require_free_space(folder, size, f"a copy of the {self.scale.name} database")
        return self.server.create(self.server.name_for(name), template=self.base)

    def empty(self, name: str) -> str:
        return self.server.create(self.server.name_for(name))

    def drop(self, target: str) -> None:
        from sqlalchemy.engine import make_url

        name = make_url(target).database
        if name and name != self.base:
            self.server.drop(name)

    def files(self, target: str) -> Path | None:
        from sqlalchemy.engine import make_url

        name = make_url(target).database
        return self.server.folder_of(name) if name else None

    def close(self) -> None:
        self.server.close()


Data = SqliteData | PostgresData


def prepare_page_cache(data: Data, target: str, mode: str) -> float | None:
    """Put `target`'s files in the page-cache state `mode`; the resident fraction after."""
    return pagecache.prepare(data.files(target), mode)
