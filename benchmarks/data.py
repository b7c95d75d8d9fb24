"""Generated databases, cached in bench-out/ (git-ignored) by scale, and working copies.

A cached database is made once with `shopper demo-data` and reused while its key (the scale,
the seed, the last visit date, the schema revisions and the demo generator's source) is the
same. Every measurement works on a copy; the cached file is never opened by the app.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import time
from pathlib import Path

from benchmarks.proc import ROOT, child_env, run_child, shopper_cmd
from benchmarks.scales import END_DATE, Scale

DEFAULT_OUT = ROOT / "bench-out"


def cache_key(scale: Scale) -> str:
    digest = hashlib.sha256()
    digest.update(repr((scale.properties, scale.agents, scale.evaluations, scale.seed)).encode())
    digest.update(END_DATE.isoformat().encode())
    versions = ROOT / "shopper" / "storage" / "migrations" / "versions"
    for path in sorted(versions.glob("*.py")):
        digest.update(path.name.encode())
    for source in ("shopper/demo.py", "resources/rubrics"):
        target = ROOT / source
        files = sorted(target.rglob("*.json")) if target.is_dir() else [target]
        for path in files:
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def cached_database(scale: Scale, out: Path = DEFAULT_OUT, log: bool = True) -> tuple[Path, float]:
    """The generated database of `scale` and how long generating it took (0 if cached)."""
    folder = out / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{scale.name}-{cache_key(scale)}.db"
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
    return path, time.perf_counter() - started


def checkpoint(path: Path) -> None:
    """Fold the WAL into the main file so that the file alone is the whole database."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA optimize")
    conn.close()


def copy_database(source: Path, target: Path) -> Path:
    """A private copy of `source` for a measurement.

    The cached databases are checkpointed and closed, so when no WAL content is pending the
    file alone is the whole database and a plain copy is safe (and 20 times faster than
    SQLite's backup, which is used otherwise).
    """
    remove_database(target)
    target.parent.mkdir(parents=True, exist_ok=True)
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


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def fresh_folder(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path
