"""File menu: Import…, Export package…, Export CSV…, Back up…, Restore….

Each action asks what and where, then runs the core job (shopper.exchange) on the task
runner, off the UI thread, with a progress dialog and Cancel. The outcome (or the error, in
plain words) is shown in a dialog, and an import or restore announces what changed.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QFileDialog, QMainWindow, QMenu, QMessageBox

from shopper.errors import ShopperError
from shopper.exchange.common import ImportSummary
from shopper.jobs import Cancelled, CancelledFn, ProgressFn
from shopper.storage.db import Database
from ui import operations, settings
from ui.context import AppContext
from ui.operations import Change

PACKAGE_FILES = "Shopper packages (*.json)"
IMPORT_FILES = "Shopper packages and rubrics (*.json);;All files (*)"
NOUNS = {
    "rubrics": Change.RUBRICS,
    "properties": Change.PROPERTIES,
    "agents": Change.AGENTS,
    "evaluations": Change.EVALUATIONS,
}
"""The kinds an import counts, and the change each announces."""
SCALE = 1000
CHECKING_SHARE = 300
"""Of each file's share of the bar: checking the file takes the first 30%."""


def install(window: QMainWindow, menu: QMenu) -> None:
    """Add the exchange actions to the File menu of `window` (which has `window.ctx`)."""
    actions = ExchangeActions(window)
    window.exchange_actions = actions  # type: ignore[attr-defined]
    menu.addAction(actions.import_action)
    menu.addSeparator()
    menu.addAction(actions.export_action)
    menu.addAction(actions.csv_action)
    menu.addSeparator()
    menu.addAction(actions.backup_action)
    menu.addAction(actions.restore_action)


@dataclass
class ImportOutcome:
    """What a run over several files did: summaries of the files imported, then the error
    that stopped it (the file with a problem is refused whole; those before it stay)."""

    summaries: list[ImportSummary] = field(default_factory=list)
    error: str | None = None
    cancelled: bool = False


class ExchangeActions(QObject):
    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.ctx: AppContext = window.ctx  # type: ignore[attr-defined]
        self.import_action = self._action(
            "&Import…", self.import_files, "Merge packages from other machines, or add rubrics"
        )
        self.export_action = self._action(
            "&Export package…", self.export_package, "Write evaluations to a package file"
        )
        self.csv_action = self._action(
            "Export &CSV…", self.export_csv, "Write evaluations and scores for a spreadsheet"
        )
        self.backup_action = self._action(
            "&Back up…", self.backup, "Save a copy of the whole database (safe while open)"
        )
        self.restore_action = self._action(
            "&Restore…", self.restore, "Replace the database with a backup or a package"
        )

    def _action(self, text: str, slot: Callable[[], None], tip: str) -> QAction:
        action = QAction(text, self.window)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    # ----------------------------------------------------------------- import --
    def import_files(self) -> None:
        chosen, _ = QFileDialog.getOpenFileNames(
            self.window,
            "Import packages or rubrics",
            settings.folder_or_home(settings.LAST_IMPORT_FOLDER),
            IMPORT_FILES,
        )
        if chosen:
            settings.remember_folder(settings.LAST_IMPORT_FOLDER, chosen[0])
            self.run_import([Path(c) for c in chosen])

    def run_import(self, paths: list[Path]) -> None:
        from shopper.exchange.file_import import import_file

        def job(db: Database, progress: ProgressFn, cancelled: CancelledFn) -> ImportOutcome:
            outcome = ImportOutcome()
            share = SCALE // len(paths)
            for number, path in enumerate(paths):
                base = number * share

                def phase(name: str, done: int, total: int, base: int = base) -> None:
                    fraction = done / total if total else 0.0
                    checked = share * CHECKING_SHARE // SCALE
                    if name == "checking":
                        progress(base + int(checked * fraction), SCALE)
                    else:
                        progress(base + checked + int((share - checked) * fraction), SCALE)

                try:
                    outcome.summaries.append(
                        import_file(db, path, progress=phase, cancelled=cancelled)
                    )
                except Cancelled:
                    outcome.cancelled = True
                    break
                except ShopperError as exc:
                    outcome.error = str(exc)
                    break
            progress(SCALE, SCALE)
            return outcome

        operations.long_write(  # on the app's one writer, with progress and Cancel
            self.ctx,
            "Importing",
            job,
            lambda outcome: changes_of(outcome.summaries),
            self._import_done,
            on_error=self._import_failed,
            parent=self.window,
        )

    def _import_done(self, outcome: ImportOutcome) -> None:
        if outcome.cancelled and not outcome.summaries:
            self.window.statusBar().showMessage("Import cancelled; nothing was imported.", 5000)
            return
        parts = [summary_html(s) for s in outcome.summaries]
        if outcome.error is not None:
            parts.append(f"<p><b>Refused:</b> {html.escape(outcome.error)}</p>")
            parts.append("<p>Nothing from that file was imported.</p>")
            QMessageBox.warning(self.window, "Import refused", "".join(parts))
            return
        if outcome.cancelled:
            parts.append("<p>The import was cancelled; the remaining files were not imported.</p>")
        QMessageBox.information(self.window, "Import finished", "".join(parts))

    def _import_failed(self, error: Exception) -> None:
        self.ctx.announce(Change.EVERYTHING)  # some files may have gone in before the failure
        from ui.errors import show_error

        show_error(self.window, "Import", error)

    # ----------------------------------------------------------------- exports --
    def export_package(self) -> None:
        from ui.actions.exchange_options import PackageOptionsDialog, names

        property_names, _agents = operations.read_now(self.ctx, names)
        dialog = PackageOptionsDialog(property_names, self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        choice = dialog.choice()
        target = self._save_path(
            "Export package", f"Shopper package {dt.date.today()}.json", PACKAGE_FILES, ".json"
        )
        if target is None:
            return
        from shopper.exchange.package_export import export_package

        self._run(
            "Exporting the package",
            lambda db, progress, cancelled: export_package(
                db, target, choice, progress=progress, cancelled=cancelled
            ).describe(),
            "Package exported",
        )

    def export_csv(self) -> None:
        from ui.actions.exchange_options import CsvOptionsDialog, names

        property_names, agent_names = operations.read_now(self.ctx, names)
        dialog = CsvOptionsDialog(property_names, agent_names, self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        choice = dialog.choice()
        target = self._save_path(
            "Export CSV", f"Shopper evaluations {dt.date.today()}.csv", "CSV files (*.csv)", ".csv"
        )
        if target is None:
            return
        from shopper.exchange.csv_export import export_csv

        self._run(
            "Writing the CSV file",
            lambda db, progress, cancelled: (
                f"Wrote {export_csv(db, target, choice, progress=progress, cancelled=cancelled)}"
                f" evaluation(s) to {target}"
            ),
            "CSV exported",
        )

    def backup(self) -> None:
        sqlite = self.ctx.db.is_sqlite
        suffix, files = (".db", "Database backups (*.db)") if sqlite else (".json", PACKAGE_FILES)
        target = self._save_path(
            "Back up the database", f"Shopper backup {dt.date.today()}{suffix}", files, suffix
        )
        if target is None:
            return
        from shopper.exchange.backup import backup

        self._run(
            "Backing up",
            lambda db, progress, _cancelled: backup(db, target, progress=progress),
            "Backup saved",
        )

    def _save_path(self, title: str, name: str, files: str, suffix: str) -> Path | None:
        start = Path(settings.folder_or_home(settings.LAST_EXPORT_FOLDER)) / name
        chosen, _ = QFileDialog.getSaveFileName(self.window, title, str(start), files)
        if not chosen:
            return None
        target = Path(chosen)
        if not target.suffix:
            target = target.with_suffix(suffix)
        settings.remember_folder(settings.LAST_EXPORT_FOLDER, target)
        return target

    def _run(
        self,
        title: str,
        work: Callable[[Database, ProgressFn, CancelledFn], str],
        done_title: str,
    ) -> None:
        """A read-only job (an export, a backup) in the background, with progress and Cancel."""

        def done(message: str) -> None:
            QMessageBox.information(self.window, done_title, message)

        operations.long_query(self.ctx, title, work, done, parent=self.window)

    # ----------------------------------------------------------------- restore --
    def restore(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self.window,
            "Restore from a backup",
            settings.folder_or_home(settings.LAST_EXPORT_FOLDER),
            "Backups and packages (*.db *.json);;All files (*)",
        )
        if not chosen:
            return
        source = Path(chosen)
        saved_first = (
            " The current database is saved into the backups folder beside it first."
            if self.ctx.db.is_sqlite
            else ""
        )
        answer = QMessageBox.question(
            self.window,
            "Restore",
            f"Replace everything in {self.ctx.db.describe()} with the contents of "
            f"{source.name}?{saved_first}",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        windows = getattr(self.window, "evaluation_windows", None)
        for window in list(getattr(windows, "windows", {}).values()):
            if not window.close():  # each saves first; one may refuse (e.g. a conflict)
                return
        from shopper.exchange.backup import restore

        def job(db: Database, progress: ProgressFn, _cancelled: CancelledFn) -> str:
            def phase(name: str, done: int, total: int) -> None:
                progress(done, total)

            return restore(db, source, force=True, progress=phase)

        def done(message: str) -> None:
            QMessageBox.information(self.window, "Restore finished", message)

        operations.long_write(
            self.ctx, "Restoring", job, Change.EVERYTHING, done, parent=self.window
        )


def changes_of(summaries: list[ImportSummary]) -> Change:
    """What the imported files changed: the kinds with anything added or updated."""
    changed = Change.NOTHING
    for noun, change in NOUNS.items():
        if any(s.counts[noun].added or s.counts[noun].updated for s in summaries):
            changed |= change
    return changed


def summary_html(summary: ImportSummary) -> str:
    """An import summary as a small table: added, updated, unchanged per kind."""
    name = html.escape(summary.path.name)
    if summary.kind == "rubric":
        return f"<p><b>{name}</b>: {html.escape(summary.note)}</p>"
    rows = "".join(
        f"<tr><td>{noun.capitalize()}</td>"
        + "".join(f"<td align=right>{value}</td>" for value in (c.added, c.updated, c.unchanged))
        + "</tr>"
        for noun, c in summary.counts.items()
    )
    header = "<tr><th></th><th>added</th><th>updated</th><th>unchanged</th></tr>"
    return f"<p>Imported <b>{name}</b>:</p><table cellspacing=6>{header}{rows}</table>"
