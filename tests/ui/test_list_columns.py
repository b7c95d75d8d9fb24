"""The evaluation list's names get the room of a wider window (not the last column), until
the user drags a column: from then on their layout is kept."""

from __future__ import annotations

from PySide6.QtCore import QByteArray
from pytestqt.qtbot import QtBot

from shopper.storage.db import Database
from tests.ui.keyboard import show_and_focus
from ui import settings
from ui.main_window import MainWindow
from ui.pages.evaluations import EvaluationsPage

NAME_COLUMNS = (1, 2, 3)
CRITICAL = 7


def test_a_wider_window_widens_the_names(db: Database, qtbot: QtBot) -> None:
    settings.EVALUATION_LIST_HEADER.set(QByteArray())  # no layout saved by an earlier window
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.resize(1024, 600)
    show_and_focus(qtbot, window)
    page = window.page(0)
    assert isinstance(page, EvaluationsPage)
    table = page.table
    qtbot.waitUntil(lambda: table.viewport().width() > 0)
    narrow = [table.columnWidth(c) for c in NAME_COLUMNS]
    critical = table.columnWidth(CRITICAL)
    window.show_page(4)  # resized behind another page, as when the user works elsewhere
    window.resize(1366, 768)
    window.show_page(0)
    qtbot.waitUntil(lambda: table.columnWidth(1) > narrow[0] + 50, timeout=5000)
    assert all(table.columnWidth(c) > w + 50 for c, w in zip(NAME_COLUMNS, narrow, strict=True))
    assert table.columnWidth(CRITICAL) == critical
