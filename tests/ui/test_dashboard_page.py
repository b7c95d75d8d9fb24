"""The Dashboard page used as a regional manager would: figures arrive in the background,
the tiles say what the core computed, leaderboards sort by value, and clicking a row, a
point or a bar asks for exactly the shops behind it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt

from shopper.demo import generate
from shopper.services import dashboard

END = dt.date(2026, 6, 30)


@pytest.fixture
def page(ctx, db, qtbot):  # type: ignore[no-untyped-def]
    generate(db, properties=3, agents=8, evaluations=120, end_date=END)
    ctx.tasks.synchronous = True
    from ui.pages.dashboard import DashboardPage

    widget = DashboardPage(ctx, today=lambda: END)
    qtbot.addWidget(widget)
    widget.resize(1300, 1300)
    widget.show()
    qtbot.waitUntil(lambda: widget.board is not None)
    return widget


def test_tiles_show_the_core_figures_for_the_last_twelve_months(page: Any, db: Any) -> None:
    flt = page.current_filter()
    assert (flt.start, flt.end) == (dt.date(2025, 7, 1), END)
    board = dashboard.build(db, flt, today=END)
    for tile in board.tiles():
        shown = page.tiles[tile.key]
        assert shown.value.text() == tile.value
        assert shown.detail.text() == tile.detail
    assert page.agent_model.rowCount() == len(board.agents)
    assert page.key_questions.count() == len(board.key_questions) == 10
    assert page.trend.count() == len(board.months)


def test_leaderboard_passes_the_model_tester_and_sorts_by_value(page: Any, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    qtmodeltester.check(page.agent_model)
    table = page.agent_table
    shops_column = page.agent_model.headers.index("Shops")
    table.sortByColumn(shops_column, Qt.SortOrder.DescendingOrder)
    proxy = table.model()
    shown = [
        int(proxy.index(r, shops_column).data().replace(",", "")) for r in range(proxy.rowCount())
    ]
    assert shown == sorted(shown, reverse=True)


def test_clicking_a_row_asks_for_exactly_its_shops(page: Any, db: Any, qtbot) -> None:  # type: ignore[no-untyped-def]
    asked: list[dashboard.DrillDown] = []
    page.drill_down_requested.connect(asked.append)
    table = page.agent_table
    index = table.model().index(2, 0)
    rect = table.visualRect(index)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert asked, "a click on a leaderboard row asks for its shops"
    row = next(r for r in page.board.agents if r.id == asked[-1].agent_id)
    assert asked[-1].count(db) == row.shops


def test_clicking_a_month_and_a_tile_drill_down(page: Any, db: Any, qtbot) -> None:  # type: ignore[no-untyped-def]
    asked: list[dashboard.DrillDown] = []
    page.drill_down_requested.connect(asked.append)
    chart = page.trend
    plot = chart._plot()
    step = plot.width() / chart.count()
    x = int(plot.left() + step * 1.5)
    qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=QPoint(x, int(plot.center().y())))
    assert asked[-1].count(db) == page.board.months[1].shops
    qtbot.mouseClick(page.tiles["critical"], Qt.MouseButton.LeftButton)
    assert asked[-1].count(db) == page.board.headline.critical.count
    page.key_questions.setFocus()
    qtbot.keyClick(page.key_questions, Qt.Key.Key_Down)
    qtbot.keyClick(page.key_questions, Qt.Key.Key_Return)
    worst = page.board.key_questions[0]
    assert asked[-1].count(db) == worst.rate.counted - worst.rate.passed


def test_a_property_filter_reloads_the_figures(page: Any, db: Any) -> None:
    first = page.property_box.itemData(1)
    page.property_box.setCurrentIndex(1)
    assert page.board.filter.property_id == first
    assert {r.id for r in page.board.properties} == {first}
    assert page.board.headline.shops == sum(r.shops for r in page.board.agents)


def test_each_chart_saves_as_png_and_svg(page: Any, tmp_path: Any) -> None:
    for chart in (page.trend, page.distribution, page.sections, page.key_questions):
        png, svg = tmp_path / f"{chart.objectName()}.png", tmp_path / f"{chart.objectName()}.svg"
        assert chart.save_image(str(png)) and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert chart.save_image(str(svg))
        text = svg.read_text(encoding="utf-8")
        assert "<svg" in text and chart.accessibleName() in text


def test_the_target_line_is_chosen_on_the_page_and_kept(page: Any) -> None:
    assert page.target_box.value() == 80 and page.sections.target == 80
    page.target_box.setValue(72)
    assert page.sections.target == 72 and page.board.target == 72
    dims = [bar.dim for bar in page.sections.bars]
    assert dims == [
        s.average.value is not None and s.average.value < 72 for s in page.board.sections
    ]
    page.rubric_box.setCurrentIndex(1)  # reloaded: the chosen target stays
    assert page.sections.target == 72
