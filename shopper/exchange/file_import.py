"""`shopper import FILE`: a package or a rubric file, told apart by its `format` field."""

from __future__ import annotations

from pathlib import Path

from shopper.errors import ValidationError
from shopper.exchange.common import PACKAGE_FORMAT, CancelledFn, ImportSummary, never_cancelled
from shopper.exchange.package_import import PhaseProgress, import_package, no_phase_progress
from shopper.exchange.package_reader import read_format
from shopper.exchange.package_validation import show
from shopper.rubric import RUBRIC_FORMAT, load_rubric_file
from shopper.storage.db import Database


def import_file(
    db: Database,
    path: Path,
    *,
    progress: PhaseProgress = no_phase_progress,
    cancelled: CancelledFn = never_cancelled,
) -> ImportSummary:
    """Import one package or rubric file; ValidationError (naming the file) if it is neither."""
    path = Path(path)
    found, _ = read_format(path)
    if found == PACKAGE_FORMAT:
        return import_package(db, path, progress=progress, cancelled=cancelled)
    if found == RUBRIC_FORMAT:
        return import_rubric_file(db, path)
    if found is None:
        raise ValidationError(
            f'{path}: format: missing; not a Shopper file (expected "format": '
            f'"{PACKAGE_FORMAT}" or "{RUBRIC_FORMAT}")'
        )
    raise ValidationError(
        f'{path}: format: expected "{PACKAGE_FORMAT}" or "{RUBRIC_FORMAT}", found {show(found)}'
    )


def import_rubric_file(db: Database, path: Path) -> ImportSummary:
    """Store a rubric file like `shopper rubric import`: changed content under a version
    that is already stored becomes the next version, so nothing scored with it changes."""
    from shopper.services.rubrics import save_rubric

    rubric = load_rubric_file(path)
    result = save_rubric(db, rubric)
    summary = ImportSummary(path, kind="rubric")
    counts = summary.counts["rubrics"]
    info = result.info
    if result.outcome == "unchanged":
        counts.unchanged += 1
        summary.note = f"{info.name} ({info.key} v{info.version}) is already stored; unchanged"
    elif result.outcome == "new_version":
        counts.added += 1
        summary.note = (
            f"{info.key} v{rubric.version} is already stored with other content; "
            f"saved as v{info.version}"
        )
    elif result.outcome == "updated":
        counts.updated += 1
        summary.note = f"Updated {info.key} v{info.version}"
    else:
        counts.added += 1
        summary.note = f"Added {info.name} ({info.key} v{info.version})"
    return summary
