"""Report actions other views call, e.g. the evaluation list's context menu."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget

from shopper.jobs import CancelledFn, ProgressFn
from shopper.storage.db import Database
from ui import operations, settings
from ui.context import AppContext
from ui.desktop import open_path


def shop_report(ctx: AppContext, parent: QWidget | None, evaluation_id: str) -> None:
    """Ask where to save, then write the shop report of one evaluation off the UI thread."""
    from PySide6.QtWidgets import QFileDialog

    from shopper.reports.batch import safe_filename
    from shopper.services import evaluations

    evaluation = operations.read_now(ctx, lambda db: evaluations.get(db, evaluation_id))
    name = safe_filename(f"Shop {evaluation.visited_on} {evaluation.agent_name}") + ".pdf"
    start = Path(settings.folder_or_home(settings.LAST_REPORT_FOLDER)) / name
    chosen, _ = QFileDialog.getSaveFileName(
        parent, "Save the shop report", str(start), "PDF files (*.pdf)"
    )
    if not chosen:
        return
    target = Path(chosen) if chosen.lower().endswith(".pdf") else Path(chosen + ".pdf")
    settings.remember_folder(settings.LAST_REPORT_FOLDER, target)

    def job(db: Database, _progress: ProgressFn, _cancelled: CancelledFn) -> Path:
        from shopper.fileio import atomic_writer
        from shopper.reports.batch import RENDER_LOCK
        from shopper.reports.shop_report import render_shop_report, shop_report_data

        data = shop_report_data(db, evaluation_id)
        with RENDER_LOCK, atomic_writer(target, "wb") as handle:  # one PDF drawn at a time
            render_shop_report(data, handle)  # type: ignore[arg-type]
        return target

    def written(path: Path) -> None:  # called on the UI thread
        open_path(parent, path)

    operations.long_query(ctx, "Writing the shop report", job, written, parent=parent)
