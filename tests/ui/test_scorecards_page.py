"""The Scorecards page driven as a trainer would: pick, preview, export, open the folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QImage, QPageSize
from PySide6.QtWidgets import QFileDialog

from shopper.demo import generate
from shopper.services import agents, evaluation_list, properties

END = dt.date(2026, 6, 30)


@pytest.fixture
def page(ctx, db, qtbot, monkeypatch):  # type: ignore[no-untyped-def]
    generate(db, properties=2, agents=5, evaluations=60, end_date=END)
    ctx.tasks.synchronous = True
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(opened.append))
    from ui.pages.scorecards import ScorecardsPage

    widget = ScorecardsPage(ctx)
    widget.opened = opened  # type: ignore[attr-defined]
    qtbot.addWidget(widget)
    widget.date_from.setDate(QDate(2025, 7, 1))
    widget.date_to.setDate(QDate(2026, 6, 30))
    return widget


def test_all_agents_are_chosen_by_default_and_a_property_narrows_them(page: Any, db: Any) -> None:
    assert page.agent_list.count() == 5
    assert len(page.checked_agent_ids()) == 5
    first = properties.list_properties(db)[0]
    page.property_box.setCurrentIndex(page.property_box.findData(first.id))
    assert page.agent_list.count() == len(agents.list_agents(db, first.id))
    assert page.export_button.isEnabled()
    page._check_all(False)
    assert not page.export_button.isEnabled()


def test_preview_shows_the_first_page_of_the_current_agent(page: Any) -> None:
    page.agent_list.setCurrentRow(1)
    pixmap = page.preview.pixmap()
    assert pixmap is not None and not pixmap.isNull()
    assert pixmap.height() > pixmap.width()  # a portrait page
    assert page.print_button.isEnabled() and page.open_pdf_button.isEnabled()
    page.paper.setCurrentIndex(page.paper.findData("a4"))
    a4 = page.preview.pixmap()
    assert abs(a4.height() / a4.width() - 842 / 595) < 0.02


def test_preview_of_an_agent_without_shops_in_the_period_says_so(page: Any) -> None:
    page.date_from.setDate(QDate(2030, 1, 1))
    page.date_to.setDate(QDate(2030, 1, 31))
    assert "No submitted shops" in page.preview.text()
    assert not page.print_button.isEnabled()


def test_export_to_a_folder_then_open_it(
    page: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "cards"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    page.all_dates.setChecked(True)
    page.export()
    files = sorted(out.glob("*.pdf"))
    assert len(files) == 5
    assert "5 scorecard(s)" in page.summary.text()
    assert page.open_folder_button.isEnabled()
    page.open_folder()
    assert page.opened[-1] == QUrl.fromLocalFile(str(out))


def leaf_bookmarks(outline: list[Any]) -> list[str]:
    """Titles of the bookmarks without children (agents; a summary page is not counted,
    and property bookmarks, if any, only group them)."""
    leaves: list[str] = []
    for position, entry in enumerate(outline):
        if isinstance(entry, list):
            leaves += leaf_bookmarks(entry)
            continue
        has_children = position + 1 < len(outline) and isinstance(outline[position + 1], list)
        if not has_children and entry["/Title"] != "Summary":
            leaves.append(entry["/Title"])
    return leaves


def test_export_combined(page: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "all.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    page.combined.setChecked(True)
    page.agent_list.item(0).setCheckState(Qt.CheckState.Unchecked)
    page.export()
    assert target.is_file()
    from pypdf import PdfReader

    assert len(leaf_bookmarks(PdfReader(target).outline)) == 4  # one per agent


def test_print_paints_every_page(page: Any, tmp_path: Path) -> None:
    from PySide6.QtGui import QPdfWriter

    from ui.pages.scorecards import print_pdf

    page.agent_list.setCurrentRow(0)
    pdf = page._preview_pdf
    assert pdf is not None
    writer = QPdfWriter(str(tmp_path / "printed.pdf"))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.Letter))
    from shopper.reports import raster

    assert print_pdf(pdf, writer, dpi=60) == raster.page_count(pdf)
    assert (tmp_path / "printed.pdf").stat().st_size > 1000


def test_shop_report_action(ctx: Any, db: Any, qtbot: Any, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    generate(db, properties=1, agents=2, evaluations=5, end_date=END)
    ctx.tasks.synchronous = True
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(opened.append))
    target = tmp_path / "shop"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    from ui.actions.reports import shop_report

    evaluation_id = evaluation_list.list_ids(db)[0]
    shop_report(ctx, None, evaluation_id)
    written = tmp_path / "shop.pdf"
    assert written.is_file() and written.read_bytes().startswith(b"%PDF")
    assert opened == [QUrl.fromLocalFile(str(written))]


def test_preview_image_is_a_real_page(page: Any) -> None:
    from shopper.reports import raster

    page.agent_list.setCurrentRow(0)
    image = QImage.fromData(raster.page_png(page._preview_pdf, 0, 30, gray=True))
    assert not image.isNull()
