"""The operating system's page cache: how much of a database file is in memory, and making
that the same before every measurement.

Why this matters here: the benchmark machines are virtual machines whose kernel runs DAMON
with a `pageout` scheme (/sys/kernel/mm/damon/admin/kdamonds/*): any page not touched for
about a minute is evicted, file cache included. A database copied just before a measurement
is fully in memory; the same file left idle while another job ran (the shared copy used by
several jobs) is partly or wholly read from disk again. Left alone, whether a figure is
"warm" or "cold" depends on how long the jobs before it took.

So every measurement starts from a stated state (`--page-cache warm|cold`, default warm:
the file read once just before the measurement, as after a copy) and the JSON records the
resident fraction measured at that moment.
"""

from __future__ import annotations

import ctypes
import mmap
import os
from pathlib import Path

MODES = ("warm", "cold")


def _files(path: Path) -> list[Path]:
    """The file and its WAL, whichever exist; every file under a folder (a PostgreSQL
    database directory)."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file())
    return [p for p in (path, Path(f"{path}-wal")) if p.exists()]


def resident_fraction(path: Path) -> float | None:
    """The fraction of `path`'s bytes in the page cache now (mincore), or None if unknown."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.mmap.restype = ctypes.c_void_p
        libc.mmap.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_long,
        ]
        libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
        page = mmap.PAGESIZE
        total = resident = 0
        for file in _files(path):
            size = file.stat().st_size
            if size == 0:
                continue
            pages = (size + page - 1) // page
            fd = os.open(file, os.O_RDONLY)
            try:
                addr = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
                if addr in (None, ctypes.c_void_p(-1).value):
                    return None
                try:
                    vec = (ctypes.c_ubyte * pages)()
                    if libc.mincore(addr, size, vec) != 0:
                        return None
                    resident += (pages - bytes(vec).count(0)) * page
                finally:
                    libc.munmap(addr, size)
            finally:
                os.close(fd)
            total += pages * page
        return round(resident / total, 3) if total else None
    except (OSError, AttributeError):
        return None


def warm(path: Path) -> None:
    """Read every byte once, so the whole file is in the page cache."""
    for file in _files(path):
        with open(file, "rb", buffering=0) as f:
            while f.read(1 << 23):
                pass


def evict(path: Path) -> None:
    """Drop the file's pages from the page cache (written back first), as after a reboot."""
    for file in _files(path):
        fd = os.open(file, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def prepare(path: Path | None, mode: str) -> float | None:
    """Put `path` in the page-cache state `mode`; return the resident fraction after it."""
    if path is None or not path.exists():
        return None
    try:
        if mode == "cold":
            evict(path)
        else:
            warm(path)
    except PermissionError:
        return resident_fraction(path)
    return resident_fraction(path)
