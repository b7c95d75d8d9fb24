"""What the figures were measured on."""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any


def _first(path: str, prefix: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _version_of(command: str) -> str | None:
    if shutil.which(command) is None:
        return None
    try:
        out = subprocess.run([command, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _package(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def describe() -> dict[str, Any]:
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "memory_mb": int(_first("/proc/meminfo", "MemTotal").split()[0]) // 1024,
        "cpu_model": _first("/proc/cpuinfo", "model name"),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": _version_of("postgres") or _version_of("psql"),
        "sqlalchemy": _package("SQLAlchemy"),
        "pyside6": _package("PySide6-Essentials") or _package("PySide6"),
        "reportlab": _package("reportlab"),
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def dirty_mb() -> float | None:
    """Page-cache data not yet written to disk (Dirty + Writeback in /proc/meminfo): a
    measurement that starts right after a database was generated or copied shares the disk
    with its write-back."""
    try:
        fields = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
        kb = int(fields["Dirty"].split()[0]) + int(fields["Writeback"].split()[0])
    except (OSError, KeyError, ValueError):
        return None
    return round(kb / 1024, 1)
