"""File menu: import, export, CSV, back up and restore, driven through the real main window
with the file dialogs answered by the test; the jobs run on real worker threads."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox
from sqlalchemy import func, select

from shopper.demo import generate
from shopper.exchange.csv_export import CsvFilter
from shopper.exchange.package_export import export_package
from shopper.storage.db import Database, open_database
from shopper.storage.models import Evaluation
from ui import settings
from ui.actions import exchange_options
from ui.main_window import MainWindow
from ui.operations import Change, finish


@pytest.fixture
def package(tmp_path: Path) -> Path:
    source = open_database(tmp_path / "source.db")
    try:
        generate(
            source, properties=2, agents=4, evaluations=25, seed=5, end_date=dt.date(2026, 11, 1)
        )
        path = tmp_path / "package.json"
        export_package(source, path)
    finally:
        source.close()
    return path


class Dialogs:
    """Answers the file dialogs and records the message boxes."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.shown: list[tuple[str, str, str]] = []
        self.open_files: list[str] = []
        self.save_file = ""
        self.confirm = QMessageBox.StandardButton.Yes
        monkeypatch.setattr(
            QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: (self.open_files, ""))
        )
        monkeypatch.setattr(
            QFileDialog,
            "getOpenFileName",
            staticmethod(lambda *a, **k: (self.open_files[0] if self.open_files else "", "")),
        )
        monkeypatch.setattr(
            QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (self.save_file, ""))
        )
        for kind in ("information", "warning", "critical"):
            monkeypatch.setattr(QMessageBox, kind, staticmethod(self._recorder(kind)))
        monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: self.confirm))

    def _recorder(self, kind: str) -> Any:
        def record(_parent: Any, title: str, text: str, *_args: Any) -> QMessageBox.StandardButton:
            self.shown.append((kind, title, text))
            return QMessageBox.StandardButton.Ok

        return record


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    return Dialogs(monkeypatch)


@pytest.fixture
def window(db: Database, qtbot: Any) -> Iterator[MainWindow]:
    main = MainWindow(db)
    qtbot.addWidget(main)
    yield main
    finish(main.ctx)


def evaluation_count(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Evaluation)) or 0


def test_the_file_menu_lists_the_actions(window: MainWindow) -> None:
    texts = [a.text().replace("&", "") for a in window.file_menu.actions() if a.text()]
    assert texts == ["Import…", "Export package…", "Export CSV…", "Back up…", "Restore…", "Quit"]


def test_import_shows_the_summary_and_announces(
    window: MainWindow, db: Database, package: Path, dialogs: Dialogs, qtbot: Any
) -> None:
    changed: list[Change] = []
    window.ctx.changed.connect(changed.append)
    dialogs.open_files = [str(package)]
    window.exchange_actions.import_action.trigger()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: bool(dialogs.shown), timeout=20000)
    kind, title, text = dialogs.shown[0]
    assert (kind, title) == ("information", "Import finished")
    assert "Imported <b>package.json</b>" in text
    assert "<tr><td>Evaluations</td><td align=right>25</td>" in text
    assert evaluation_count(db) == 25
    wanted = Change.EVALUATIONS | Change.AGENTS | Change.PROPERTIES
    assert len(changed) == 1 and changed[0] & wanted == wanted  # announced once
    assert settings.LAST_IMPORT_FOLDER.get() == str(package.parent)


def test_a_refused_import_says_why_and_changes_nothing(
    window: MainWindow, db: Database, package: Path, tmp_path: Path, dialogs: Dialogs, qtbot: Any
) -> None:
    text = package.read_text(encoding="utf-8").replace(
        '"visited_on": "2026-', '"visited_on": "2026-13', 1
    )
    bad = tmp_path / "bad.json"
    bad.write_text(text, encoding="utf-8")
    dialogs.open_files = [str(package), str(bad)]
    window.exchange_actions.import_action.trigger()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: bool(dialogs.shown), timeout=20000)
    kind, title, message = dialogs.shown[0]
    assert (kind, title) == ("warning", "Import refused")
    assert "Imported <b>package.json</b>" in message  # the first file went in
    assert f"<b>Refused:</b> {bad}: evaluations[0].visited_on: " in message
    assert "Nothing from that file was imported." in message
    assert evaluation_count(db) == 25


def test_export_package_with_a_status_filter(
    window: MainWindow,
    db: Database,
    package: Path,
    tmp_path: Path,
    dialogs: Dialogs,
    qtbot: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from shopper.exchange.file_import import import_file

    import_file(db, package)

    def choose_submitted(dialog: exchange_options.PackageOptionsDialog) -> int:
        dialog.status_combo.setCurrentIndex(dialog.status_combo.findData("submitted"))
        return QDialog.DialogCode.Accepted.value

    monkeypatch.setattr(exchange_options.PackageOptionsDialog, "exec", choose_submitted)
    dialogs.save_file = str(tmp_path / "out" / "for the office")
    (tmp_path / "out").mkdir()
    window.exchange_actions.export_action.trigger()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: bool(dialogs.shown), timeout=20000)
    kind, title, text = dialogs.shown[0]
    written = tmp_path / "out" / "for the office.json"
    assert (kind, title) == ("information", "Package exported")
    assert text.endswith(f"to {written}")
    import json

    data = json.loads(written.read_text(encoding="utf-8"))
    assert data["evaluations"] and {e["status"] for e in data["evaluations"]} == {"submitted"}
    assert settings.LAST_EXPORT_FOLDER.get() == str(tmp_path / "out")


def test_export_csv_and_back_up(
    window: MainWindow,
    db: Database,
    package: Path,
    tmp_path: Path,
    dialogs: Dialogs,
    qtbot: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from shopper.exchange.file_import import import_file

    import_file(db, package)
    monkeypatch.setattr(
        exchange_options.CsvOptionsDialog, "exec", lambda _self: QDialog.DialogCode.Accepted.value
    )
    dialogs.save_file = str(tmp_path / "scores.csv")
    window.exchange_actions.csv_action.trigger()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: bool(dialogs.shown), timeout=20000)
    assert dialogs.shown[-1][1:] == (
        "CSV exported",
        f"Wrote 25 evaluation(s) to {tmp_path / 'scores.csv'}",
    )
    assert (tmp_path / "scores.csv").read_bytes().startswith(b"\xef\xbb\xbfevaluation_id,")

    dialogs.save_file = str(tmp_path / "copy")
    window.exchange_actions.backup_action.trigger()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: len(dialogs.shown) == 2, timeout=20000)
    assert dialogs.shown[-1][1] == "Backup saved"
    conn = sqlite3.connect(tmp_path / "copy.db")
    try:
        assert conn.execute("SELECT count(*) FROM evaluations").fetchone() == (25,)
    finally:
        conn.close()


def test_restore_after_confirmation(
    window: MainWindow, db: Database, package: Path, dialogs: Dialogs, qtbot: Any
) -> None:
    changed: list[Change] = []
    window.ctx.changed.connect(changed.append)
    dialogs.open_files = [str(package)]
    dialogs.confirm = QMessageBox.StandardButton.No
    window.exchange_actions.restore_action.trigger()  # type: ignore[attr-defined]
    assert evaluation_count(db) == 0 and not dialogs.shown

    dialogs.confirm = QMessageBox.StandardButton.Yes
    window.exchange_actions.restore_action.trigger()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: bool(dialogs.shown), timeout=20000)
    assert dialogs.shown[0][1] == "Restore finished"
    assert "25 evaluation(s)" in dialogs.shown[0][2]
    assert evaluation_count(db) == 25
    assert changed == [Change.EVERYTHING]


def test_cancelled_file_dialogs_do_nothing(
    window: MainWindow, db: Database, dialogs: Dialogs, monkeypatch: pytest.MonkeyPatch
) -> None:
    accept = QDialog.DialogCode.Accepted.value
    monkeypatch.setattr(exchange_options.PackageOptionsDialog, "exec", lambda _self: accept)
    started: list[str] = []
    monkeypatch.setattr(window.ctx.tasks, "run", lambda title, *a, **k: started.append(title))
    for action in ("import_action", "export_action", "backup_action", "restore_action"):
        getattr(window.exchange_actions, action).trigger()  # type: ignore[attr-defined]
    assert not started and not dialogs.shown


def test_options_dialogs_build_the_filters(db: Database, package: Path, qtbot: Any) -> None:
    from shopper.exchange.file_import import import_file

    import_file(db, package)
    property_names, agent_names = exchange_options.names(db)
    dialog = exchange_options.CsvOptionsDialog(property_names, agent_names)
    qtbot.addWidget(dialog)
    assert dialog.choice() == CsvFilter()
    dialog.from_check.setChecked(True)
    dialog.agent_combo.setCurrentIndex(1)
    choice = dialog.choice()
    assert choice.date_from == dt.date.today().replace(day=1)
    assert choice.agent_name == dialog.agent_combo.itemText(1)
    package_dialog = exchange_options.PackageOptionsDialog(property_names)
    qtbot.addWidget(package_dialog)
    package_dialog.since_check.setChecked(True)
    assert package_dialog.choice().since == dt.date.today() - dt.timedelta(days=7)


def test_restore_closes_open_evaluations_first(
    window: MainWindow, db: Database, package: Path, dialogs: Dialogs, qtbot: Any
) -> None:
    from shopper.exchange.file_import import import_file

    import_file(db, package)
    with db.read() as session:
        evaluation_id = session.scalars(select(Evaluation.id).limit(1)).one()
    opened = window.evaluation_windows.open(evaluation_id)
    assert opened is not None and opened.isVisible()  # closed and deleted by the restore
    dialogs.open_files = [str(package)]
    window.exchange_actions.restore_action.trigger()  # type: ignore[attr-defined]
    assert window.evaluation_windows.windows == {}
    qtbot.waitUntil(lambda: bool(dialogs.shown), timeout=20000)
    assert dialogs.shown[0][1] == "Restore finished"
    assert evaluation_count(db) == 25
