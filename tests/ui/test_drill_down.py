"""A dashboard figure clicked in the main window lists exactly its shops on the Evaluations
page, and "Show all shops" (or clearing the filters) brings every shop back."""

from __future__ import annotations

import datetime as dt

from pytestqt.qtbot import QtBot

from shopper.demo import generate
from shopper.services import dashboard, evaluation_list
from shopper.storage.db import Database
from tests.ui.keyboard import show_and_focus
from ui.main_window import PAGES, MainWindow
from ui.pages.dashboard import DashboardPage
from ui.pages.evaluations import EvaluationsPage

END = dt.date(2026, 6, 30)


def test_a_dashboard_figure_opens_exactly_its_shops(db: Database, qtbot: QtBot) -> None:
    generate(db, properties=3, agents=8, evaluations=120, end_date=END)
    window = MainWindow(db)
    qtbot.addWidget(window)
    show_and_focus(qtbot, window)
    titles = [spec.title for spec in PAGES]
    assert {"Dashboard", "Calibration"} <= set(titles)
    board = dashboard.build(
        db, dashboard.DashboardFilter(start=END - dt.timedelta(days=364), end=END), today=END
    )
    drill = dashboard.drill_agent(board, board.agents[0].id)
    everything = len(evaluation_list.list_ids(db))
    page = window.page(titles.index("Dashboard"))
    assert isinstance(page, DashboardPage)
    page.drill_down_requested.emit(drill)
    evaluations_page = window.page(0)
    assert isinstance(evaluations_page, EvaluationsPage)
    assert window.stack.currentIndex() == 0
    expected = drill.count(db)
    assert 0 < expected < everything
    qtbot.waitUntil(lambda: evaluations_page.model.rowCount() == expected, timeout=10_000)
    assert evaluations_page.drill_label.isVisible()
    evaluations_page.drill_clear.click()
    qtbot.waitUntil(lambda: evaluations_page.model.rowCount() == everything, timeout=10_000)
    assert not evaluations_page.drill_label.isVisible()
