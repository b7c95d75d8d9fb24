"""Scorecards: choose a property, agents (all by default) and a period; preview the current
agent's first page; export off the UI thread with progress and Cancel; open the folder; print.

The page only calls shopper.reports / shopper.services; rendering and rasterising run on the
task runner's worker thread, results come back to bound slots.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QDate, Qt, Signal, Slot
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from shopper.jobs import Cancelled, CancelledFn, ProgressFn
from shopper.reports import batch, raster
from shopper.reports.pages import default_page_size
from shopper.services import agents as agent_service
from shopper.services import properties as property_service
from shopper.services.agents import AgentInfo
from shopper.services.aggregates import Period
from shopper.services.properties import PropertyInfo
from shopper.storage.db import Database
from ui import operations, settings
from ui.context import AppContext
from ui.desktop import open_path
from ui.keys import guard_text_fields
from ui.operations import Change

ALL = ""
W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str) -> W:
    """`widget` with its object name (how tests and style sheets find it)."""
    widget.setObjectName(name)
    return widget


PREVIEW_DPI = 80


class ScorecardsPage(QWidget):
    loaded = Signal()
    """The property and agent choices arrived from the background and are shown."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._cache: tuple[Period, batch.PeriodCache] | None = None
        self._preview_pdf: bytes | None = None
        self._preview_agent: str | None = None
        self._last_folder: Path | None = None
        self._names_generation = 0
        self._build()
        ctx.changed.connect(self._data_changed)
        guard_text_fields(self)  # Alt+letter (the menus') never types into a field
        self.reload()

    # ------------------------------------------------------------------ layout --
    def _build(self) -> None:
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        controls = QWidget()
        form = QFormLayout()
        self.property_box = named(QComboBox(), "scorecardProperty")
        self.property_box.currentIndexChanged.connect(self._property_changed)
        form.addRow("&Property:", self.property_box)
        self.all_dates = named(QCheckBox("&All dates"), "scorecardAllDates")
        self.all_dates.toggled.connect(self._period_changed)
        form.addRow("Period:", self.all_dates)
        today = QDate.currentDate()
        self.date_from = named(QDateEdit(today.addMonths(-3)), "scorecardFrom")
        self.date_to = named(QDateEdit(today), "scorecardTo")
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.dateChanged.connect(self._period_changed)
        form.addRow("Fro&m:", self.date_from)
        form.addRow("T&o:", self.date_to)
        self.paper = named(QComboBox(), "scorecardPaper")
        self.paper.addItem("Letter", "letter")
        self.paper.addItem("A4", "a4")
        self.paper.setCurrentIndex(0 if default_page_size() == "letter" else 1)
        self.paper.currentIndexChanged.connect(self._refresh_preview)
        form.addRow("Pa&per:", self.paper)

        self.agent_list = named(QListWidget(), "scorecardAgents")
        self.agent_list.currentItemChanged.connect(self._refresh_preview)
        self.agent_list.itemChanged.connect(self._update_buttons)
        pick = QHBoxLayout()
        for label, state in (("Select all", True), ("Select none", False)):
            button = QPushButton(label)
            button.clicked.connect(lambda _=False, s=state: self._check_all(s))
            pick.addWidget(button)

        self.per_agent = QRadioButton("One PDF per agent, into a folder")
        self.per_agent.setChecked(True)
        self.combined = QRadioButton("One combined PDF (a bookmark per agent)")
        self.output_group = QButtonGroup(self)
        for choice in (self.per_agent, self.combined):
            self.output_group.addButton(choice)

        self.export_button = named(QPushButton("E&xport scorecards…"), "scorecardExport")
        self.export_button.clicked.connect(self.export)
        self.open_folder_button = named(QPushButton("Open fo&lder"), "scorecardOpenFolder")
        self.open_folder_button.setEnabled(False)
        self.open_folder_button.clicked.connect(self.open_folder)
        self.summary = named(QLabel(), "scorecardSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        left = QVBoxLayout(controls)
        left.addLayout(form)
        agents_label = QLabel("&Agents (checked ones are exported):")
        agents_label.setBuddy(self.agent_list)
        left.addWidget(agents_label)
        left.addWidget(self.agent_list, 1)
        left.addLayout(pick)
        left.addWidget(self.per_agent)
        left.addWidget(self.combined)
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.open_folder_button)
        left.addLayout(buttons)
        left.addWidget(self.summary)

        right = QWidget()
        preview_layout = QVBoxLayout(right)
        bar = QHBoxLayout()
        self.preview_title = named(QLabel("Preview"), "scorecardPreviewTitle")
        # A long agent name must not widen the page: it wraps instead.
        self.preview_title.setWordWrap(True)
        self.preview_title.setMinimumWidth(80)
        bar.addWidget(self.preview_title, 1)
        self.print_button = named(QPushButton("&Print…"), "scorecardPrint")
        self.print_button.clicked.connect(self.print_preview_agent)
        self.open_pdf_button = named(QPushButton("Open P&DF"), "scorecardOpenPdf")
        self.open_pdf_button.clicked.connect(self.open_preview_pdf)
        bar.addWidget(self.print_button)
        bar.addWidget(self.open_pdf_button)
        preview_layout.addLayout(bar)
        self.preview = QLabel("Choose an agent to see the first page of their scorecard.")
        self.preview.setObjectName("scorecardPreview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = named(QScrollArea(), "scorecardPreviewScroll")
        scroll.setWidget(self.preview)
        scroll.setWidgetResizable(True)
        preview_layout.addWidget(scroll, 1)

        splitter.addWidget(controls)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([360, 700])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addWidget(splitter)
        self._update_buttons()

    # ------------------------------------------------------------------ state --
    def period(self) -> Period:
        if self.all_dates.isChecked():
            return Period()
        start, end = self.date_from.date(), self.date_to.date()
        return Period(
            dt.date(start.year(), start.month(), start.day()),
            dt.date(end.year(), end.month(), end.day()),
        )

    def page_size(self) -> Any:
        return self.paper.currentData()

    def checked_agent_ids(self) -> list[str]:
        return [
            self.agent_list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.agent_list.count())
            if self.agent_list.item(i).checkState() == Qt.CheckState.Checked
        ]

    def reload(self) -> None:
        """Load the property choices in the background (the selection is kept), then the
        agents of the chosen property."""
        self._names_generation += 1
        generation = self._names_generation
        operations.query(
            self.ctx,
            property_service.list_properties,
            lambda found: self._properties_loaded(generation, found),
            parent=self,
            title="The properties could not be loaded",
        )

    def _properties_loaded(self, generation: int, found: list[PropertyInfo]) -> None:
        if generation != self._names_generation:
            return
        current = self.property_box.currentData()
        self.property_box.blockSignals(True)
        self.property_box.clear()
        self.property_box.addItem("All properties", ALL)
        for prop in found:
            self.property_box.addItem(prop.name, prop.id)
        index = self.property_box.findData(current) if current is not None else 0
        self.property_box.setCurrentIndex(max(index, 0))
        self.property_box.blockSignals(False)
        self._fill_agents()

    def _fill_agents(self) -> None:
        """Load the agents of the chosen property in the background."""
        property_id = self.property_box.currentData() or None
        self._names_generation += 1
        generation = self._names_generation
        operations.query(
            self.ctx,
            lambda db: agent_service.list_agents(db, property_id),
            lambda found: self._agents_loaded(generation, property_id, found),
            parent=self,
            title="The agents could not be loaded",
        )

    def _agents_loaded(
        self, generation: int, property_id: str | None, found: list[AgentInfo]
    ) -> None:
        if generation != self._names_generation:
            return
        self.agent_list.blockSignals(True)
        self.agent_list.clear()
        for agent in found:
            label = agent.name if property_id else f"{agent.name} — {agent.property_name}"
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, agent.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.agent_list.addItem(item)
        self.agent_list.blockSignals(False)
        if self.agent_list.count():
            self.agent_list.setCurrentRow(0)
        self._update_buttons()
        self.loaded.emit()

    def _check_all(self, checked: bool) -> None:
        state = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        for i in range(self.agent_list.count()):
            self.agent_list.item(i).setCheckState(state)

    @Slot()
    def _update_buttons(self) -> None:
        self.export_button.setEnabled(bool(self.checked_agent_ids()))
        has_preview = self._preview_pdf is not None
        self.print_button.setEnabled(has_preview)
        self.open_pdf_button.setEnabled(has_preview)

    @Slot()
    def _property_changed(self) -> None:
        self._fill_agents()

    @Slot()
    def _period_changed(self) -> None:
        for edit in (self.date_from, self.date_to):
            edit.setEnabled(not self.all_dates.isChecked())
        self._refresh_preview()

    @Slot(object)
    def _data_changed(self, change: Change) -> None:
        self._cache = None
        if change & (Change.AGENTS | Change.PROPERTIES):
            self.reload()
        else:
            self._refresh_preview()

    # ----------------------------------------------------------------- preview --
    @Slot()
    def _refresh_preview(self) -> None:
        item = self.agent_list.currentItem()
        self._preview_pdf = None
        self._update_buttons()
        if item is None:
            return
        agent_id = item.data(Qt.ItemDataRole.UserRole)
        self._preview_agent = agent_id
        self.preview_title.setText(f"Preview: {item.text()}")
        self.preview.setText("Drawing the preview…")
        size = self.page_size()
        cached = self._cache[1] if self._cache and self._cache[0] == self.period() else None
        period = self.period()

        def draw(db: Database) -> tuple[str, bytes | None, bytes | None, Any]:
            cache = cached or batch.period_cache(db, period)
            pdf = batch.scorecard_pdf(db, agent_id, cache, size)  # takes ReportLab's lock
            image = raster.page_png(pdf, 0, PREVIEW_DPI) if pdf is not None else None
            return agent_id, pdf, image, (period, cache)

        operations.query(
            self.ctx, draw, self._preview_ready, parent=self, title="Drawing the preview"
        )

    @Slot(object)
    def _preview_ready(self, result: tuple[str, bytes | None, bytes | None, Any]) -> None:
        agent_id, pdf, image, cache = result
        self._cache = cache
        if agent_id != self._preview_agent:
            return  # the user has moved on; a newer preview is coming
        self._preview_pdf = pdf
        if image is None:
            self.preview.setPixmap(QPixmap())
            self.preview.setText("No submitted shops for this agent in the period.")
        else:
            self.preview.setPixmap(QPixmap.fromImage(QImage.fromData(image)))
        self._update_buttons()

    # ------------------------------------------------------------------ export --
    @Slot()
    def export(self) -> None:
        ids = self.checked_agent_ids()
        if not ids:
            return
        start = settings.folder_or_home(settings.LAST_REPORT_FOLDER)
        if self.combined.isChecked():
            name = f"Scorecards {dt.date.today().isoformat()}.pdf"
            chosen, _ = QFileDialog.getSaveFileName(
                self, "Save the combined PDF", str(Path(start) / name), "PDF files (*.pdf)"
            )
            if not chosen:
                return
            request = batch.BatchRequest(
                combined=Path(chosen), period=self.period(), agent_ids=tuple(ids),
                size=self.page_size(),
            )  # fmt: skip
            folder = Path(chosen).parent
        else:
            chosen = QFileDialog.getExistingDirectory(self, "Folder for the scorecards", start)
            if not chosen:
                return
            request = batch.BatchRequest(
                out_dir=Path(chosen), period=self.period(), agent_ids=tuple(ids),
                size=self.page_size(),
            )  # fmt: skip
            folder = Path(chosen)
        settings.remember_folder(settings.LAST_REPORT_FOLDER, folder)
        self._last_folder = folder

        def job(db: Database, progress: ProgressFn, cancelled: CancelledFn) -> batch.BatchResult:
            result = batch.export_scorecards(db, request, progress=progress, cancelled=cancelled)
            if result.cancelled and not result.written:
                raise Cancelled("export cancelled; no file was written")
            return result

        self.summary.setText("Exporting…")
        operations.long_query(
            self.ctx, "Exporting scorecards", job, self._exported,
            on_error=self._export_failed, parent=self,
        )  # fmt: skip

    @Slot(object)
    def _exported(self, result: batch.BatchResult) -> None:
        self.summary.setText(result.summary())
        self.open_folder_button.setEnabled(self._last_folder is not None)

    @Slot(object)
    def _export_failed(self, error: Exception) -> None:
        from ui.errors import show_error

        self.summary.setText("The export did not finish.")
        show_error(self, "Exporting scorecards", error)

    @Slot()
    def open_folder(self) -> None:
        if self._last_folder is not None:
            open_path(self, self._last_folder)

    # ------------------------------------------------------------------- print --
    @Slot()
    def open_preview_pdf(self) -> None:
        """Hand the previewed scorecard to the system's PDF viewer (it can print too)."""
        if self._preview_pdf is None:
            return
        folder = Path(tempfile.mkdtemp(prefix="shopper-scorecard-"))
        path = folder / "scorecard.pdf"
        path.write_bytes(self._preview_pdf)
        open_path(self, path)

    @Slot()
    def print_preview_agent(self) -> None:
        if self._preview_pdf is None:
            return
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return
        try:
            print_pdf(self._preview_pdf, printer)
        except Exception as exc:
            from ui.errors import show_error

            show_error(self, "Printing the scorecard", exc)


def print_pdf(pdf: bytes, printer: Any, dpi: int = 200) -> int:
    """Paint every page of `pdf` on `printer` (a QPrinter or any QPagedPaintDevice)."""
    pages = raster.page_count(pdf)
    painter = QPainter()
    if not painter.begin(printer):
        raise RuntimeError("the printer could not be started")
    try:
        for index in range(pages):
            if index:
                printer.newPage()
            image = QImage.fromData(raster.page_png(pdf, index, dpi))
            target = painter.viewport()
            scaled = image.size().scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.setViewport(target.x(), target.y(), scaled.width(), scaled.height())
            painter.setWindow(image.rect())
            painter.drawImage(0, 0, image)
            painter.setViewport(target)
    finally:
        painter.end()
    return pages
