"""What the exchange modules share: format constants, timestamps as packages write them,
the filter of an export, and the summaries the CLI and the UI show."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

# Progress and cancellation are defined once, in shopper.jobs (re-exported here).
from shopper.jobs import Cancelled as Cancelled
from shopper.jobs import CancelledFn as CancelledFn
from shopper.jobs import ProgressFn as ProgressFn
from shopper.jobs import never_cancelled as never_cancelled
from shopper.jobs import no_progress as no_progress

PACKAGE_FORMAT = "shopper-package"
PACKAGE_FORMAT_VERSION = 2
SUPPORTED_PACKAGE_VERSIONS = (1, 2)
"""Version 2 adds people, review state, exclusion, history events and disputes; version 1
files still import (their shops as they are, with no history)."""
KINDS = ("rubrics", "properties", "agents", "evaluations")


def timestamp_text(value: dt.datetime) -> str:
    """A stored (naive UTC) timestamp as packages write it: `2026-11-20T16:02:11Z`."""
    text = value.replace(tzinfo=None).isoformat(timespec="seconds")
    if value.microsecond:
        text = value.replace(tzinfo=None).isoformat(timespec="microseconds")
    return f"{text}Z"


def parse_timestamp(text: str) -> dt.datetime:
    """An RFC 3339 date-time (already checked by the schema) as naive UTC, the stored form."""
    value = dt.datetime.fromisoformat(text.replace("z", "Z"))
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def time_text(value: dt.time) -> str:
    return value.isoformat(timespec="minutes" if value.second == 0 else "seconds")


@dataclass(frozen=True)
class PackageFilter:
    """Which evaluations an export takes. Empty: everything in the database."""

    since: dt.date | None = None
    """Evaluations changed (updated_at) on or after this date."""
    property_name: str | None = None
    status: str | None = None
    calibration_kit: str | None = None
    """A calibration session's kit for raters: the session with its rubric version, agent,
    property and people, and no evaluations, so that nobody's answers travel with it."""

    @property
    def everything(self) -> bool:
        return (
            self.since is None
            and self.property_name is None
            and self.status is None
            and self.calibration_kit is None
        )


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    rubrics: int
    properties: int
    agents: int
    evaluations: int

    def describe(self) -> str:
        return (
            f"Wrote {self.evaluations} evaluation(s), {self.agents} agent(s), "
            f"{self.properties} propert{'y' if self.properties == 1 else 'ies'} and "
            f"{self.rubrics} rubric version(s) to {self.path}"
        )


@dataclass
class KindCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged


@dataclass
class ImportSummary:
    """What an import did, per kind of record."""

    path: Path
    kind: str = "package"
    """"package" or "rubric" (a rubric file)."""
    counts: dict[str, KindCounts] = field(default_factory=lambda: {k: KindCounts() for k in KINDS})
    note: str = ""
    """One sentence for a rubric file (e.g. "saved as v3")."""

    def describe(self) -> str:
        if self.kind == "rubric":
            return f"{self.path.name}: {self.note}"
        lines = [f"Imported {self.path.name}:"]
        for kind, counts in self.counts.items():
            lines.append(
                f"  {kind:<12} {counts.added:>7} added {counts.updated:>7} updated "
                f"{counts.unchanged:>7} unchanged"
            )
        return "\n".join(lines)

    @property
    def changed(self) -> bool:
        return any(c.added or c.updated for c in self.counts.values())


def make_shareable(handle: IO[str]) -> None:
    """Exports are meant to be passed on: readable by others like any saved document
    (the temporary file behind an atomic write is created private)."""
    if hasattr(os, "fchmod"):
        with contextlib.suppress(OSError):
            os.fchmod(handle.fileno(), 0o644)
