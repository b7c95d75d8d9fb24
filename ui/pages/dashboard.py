"""The program dashboard: where a regional manager sees the whole program at a glance.

Filters (period, property, rubric) at the top; tiles with the change against the period of
the same length before; the monthly trend; the score distribution; section averages against
the target; key-question pass rates worst first; agent and property leaderboards (sortable);
first response and follow-up. Every figure is computed in the background
(`shopper.services.dashboard.build`) and the page never blocks.

Drilling down: clicking a tile, a point, a bar or a leaderboard row emits
`drill_down_requested(DrillDown)`: the exact shops behind the figure, for the Evaluations
list (`DrillDown.conditions()` is the WHERE clause; `count`/`ids` run it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from shopper import scoring
from shopper.rubric import Rubric
from shopper.services import aggregates, dashboard, properties, rubrics
from shopper.services.dashboard import Dashboard, DashboardFilter, DrillDown, LeaderRow, Tile
from shopper.storage.db import Database
from ui import operations
from ui.context import AppContext
from ui.keys import guard_text_fields
from ui.operations import Change
from ui.widgets.charts import Bar, BarChart, ColumnChart, LineChart, Point

PRESETS: tuple[tuple[str, int | None], ...] = (
    ("Last 30 days", 30),
    ("Last 90 days", 90),
    ("Last 12 months", 365),
    ("Year to date", None),
    ("Custom", -1),
)
DEFAULT_PRESET = 2
Loaded = tuple[Dashboard, dict[int, Rubric]]


def load(db: Database, flt: DashboardFilter, today: dt.date) -> Loaded:
    """Runs in the background: the dashboard and the rubrics its drill-downs need."""
    found = aggregates.load_rubrics(db)
    return dashboard.build(db, flt, today=today, rubrics=found), found


def _pickers(db: Database) -> tuple[list[tuple[str, str]], list[str]]:
    props = [(p.id, p.name) for p in properties.list_properties(db)]
    keys = sorted({r.key for r in rubrics.list_rubrics(db)})
    return props, keys


def preset_period(days: int | None, today: dt.date) -> tuple[dt.date, dt.date]:
    if days is None:
        return dt.date(today.year, 1, 1), today
    return today - dt.timedelta(days=days - 1), today


TILES_PER_ROW = 4


class TileWidget(QFrame):
    clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("dashboardTile")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(1)
        self.label = QLabel()
        self.value = QLabel()
        font = self.value.font()
        font.setPointSizeF(font.pointSizeF() * 1.7)
        font.setBold(True)
        self.value.setFont(font)
        self.detail = QLabel()
        self.change = QLabel()
        for widget in (self.label, self.value, self.detail, self.change):
            layout.addWidget(widget)
        self.detail.setWordWrap(True)
        self.label.setWordWrap(True)
        self.change.setWordWrap(True)

    def show_tile(self, tile: Tile) -> None:
        self.label.setText(tile.label)
        self.value.setText(tile.value)
        self.detail.setText(tile.detail)
        if tile.change:
            arrow = {True: "▲ better", False: "▼ worse", None: ""}[tile.better]
            color = {True: "#1b6e20", False: "#b00020", None: ""}[tile.better]
            style = f" style='color:{color}'" if color else ""
            self.change.setText(f"<span{style}>{tile.change} {arrow}</span> vs. period before")
        else:
            self.change.setText("")
        self.setAccessibleName(f"{tile.label}: {tile.value}. {tile.detail}. {tile.change or ''}")

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.clicked.emit()
        super().mousePressEvent(event)

    def keyPressEvent(self, event: Any) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit()
            return
        super().keyPressEvent(event)


class LeaderboardModel(QAbstractTableModel):
    """Agents or properties with shops, average, band, trend, critical failures; sorting
    by a column sorts by its value (not its text)."""

    SORT_ROLE = Qt.ItemDataRole.UserRole + 1
    ID_ROLE = Qt.ItemDataRole.UserRole + 2

    def __init__(self, agents: bool, parent: Any = None) -> None:
        super().__init__(parent)
        self.agents = agents
        self.rows: tuple[LeaderRow, ...] = ()
        self.headers = ["Agent" if agents else "Property"]
        if agents:
            self.headers.append("Property")
        self.headers += ["Shops", "Average", "Band", "Trend", "Critical"]

    def set_rows(self, rows: Sequence[LeaderRow]) -> None:
        self.beginResetModel()
        self.rows = tuple(rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def _column(self, column: int) -> str:
        return self.headers[column]

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        name = self._column(index.column())
        if role == self.ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, name)
        if role == self.SORT_ROLE:
            return self._sort_value(row, name)
        if role == Qt.ItemDataRole.TextAlignmentRole and name in ("Shops", "Average", "Critical"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if name == "Trend" and row.previous is not None:
                return f"Period before: {row.previous.text} over {row.previous.count} shops"
            if row.small_sample:
                return "Fewer than 5 shops: a small sample"
        return None

    def _text(self, row: LeaderRow, name: str) -> str:
        if name in ("Agent", "Property") and name == self.headers[0]:
            return row.name + (" †" if row.small_sample else "")
        if name == "Property":
            return row.property_name
        if name == "Shops":
            return f"{row.shops:,}"
        if name == "Average":
            return row.average.text
        if name == "Band":
            return row.band
        if name == "Trend":
            return {"up": "▲ up", "down": "▼ down", "same": "= same", None: "—"}[row.trend]
        return str(row.critical) if row.critical else "—"

    def _sort_value(self, row: LeaderRow, name: str) -> Any:
        if name in ("Agent", "Property") and name == self.headers[0]:
            return row.name.casefold()
        if name == "Property":
            return row.property_name.casefold()
        if name == "Shops":
            return row.shops
        if name in ("Average", "Band"):
            return float(row.average.value) if row.average.value is not None else -1.0
        if name == "Trend":
            return {"up": 1, "same": 0, "down": -1, None: -2}[row.trend]
        return row.critical


class DashboardPage(QWidget):
    loaded = Signal()
    """New figures are shown."""
    drill_down_requested = Signal(object)
    """A `DrillDown`: show the Evaluations list filtered to exactly these shops."""

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._today = today
        self.board: Dashboard | None = None
        self.rubrics: dict[int, Rubric] = {}
        self._generation = 0
        self._stale = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        for row in self._build_filters():
            layout.addLayout(row)
        self.status = QLabel("Loading…")
        self.status.setObjectName("dashboardStatus")
        self.status.setWordWrap(True)
        second = QHBoxLayout()
        second.addWidget(self.status, 1)
        caption = QLabel("Section target")
        caption.setBuddy(self.target_box)
        second.addWidget(caption)
        second.addWidget(self.target_box)
        second.addWidget(self.pdf_button)
        layout.addLayout(second)
        self.tiles: dict[str, TileWidget] = {}
        tiles = QGridLayout()
        tiles.setSpacing(6)
        for index, key in enumerate(
            ("shops", "overall", "key_questions", "critical", "follow_up", "awaiting", "overdue")
        ):
            tile = TileWidget()
            tile.clicked.connect(lambda k=key: self._drill_tile(k))
            self.tiles[key] = tile
            # Two rows of tiles: seven side by side scroll sideways on a 1024-px screen.
            tiles.addWidget(tile, index // TILES_PER_ROW, index % TILES_PER_ROW)
            tiles.setColumnStretch(index % TILES_PER_ROW, 1)
        layout.addLayout(tiles)

        self.trend = LineChart(("Overall average", "Key-question average"))
        self.trend.setObjectName("trendChart")
        self.trend.clicked.connect(self._drill_month)
        self.distribution = ColumnChart()
        self.distribution.setObjectName("distributionChart")
        self.distribution.clicked.connect(self._drill_band)
        layout.addLayout(
            self._row(
                (self._box("Monthly trend (click a month for its shops)", self.trend), 3),
                (self._box("Score distribution", self.distribution), 2),
            )
        )
        self.sections = BarChart()
        self.sections.setObjectName("sectionChart")
        self.sections.clicked.connect(self._drill_section)
        self.key_questions = BarChart()
        self.key_questions.setObjectName("keyQuestionChart")
        self.key_questions.clicked.connect(self._drill_key_question)
        layout.addLayout(
            self._row(
                (self._box("Section averages (click: the shops behind one)", self.sections), 1),
                (
                    self._box(
                        "Key questions, worst first (click: shops that missed)", self.key_questions
                    ),
                    1,
                ),
            )
        )
        self.agent_model = LeaderboardModel(agents=True, parent=self)
        self.property_model = LeaderboardModel(agents=False, parent=self)
        self.agent_table = self._table(self.agent_model, "agentLeaderboard", self._drill_agent)
        self.property_table = self._table(
            self.property_model, "propertyLeaderboard", self._drill_property
        )
        layout.addLayout(
            self._row(
                (self._box("Agents († fewer than 5 shops)", self.agent_table), 4),
                (self._box("Properties", self.property_table), 3),
            )
        )
        self.timings = BarChart()
        self.timings.setObjectName("timingChart")
        self.timings.clicked.connect(self._drill_timing)
        self._timing_index: list[tuple[str, str]] = []
        layout.addWidget(self._box("First response and follow-up (share of shops)", self.timings))
        layout.addStretch(1)
        ctx.changed.connect(self._data_changed)
        guard_text_fields(self)
        self._load_pickers()
        self.refresh()

    # ----------------------------------------------------------------- building --
    def _build_filters(self) -> tuple[QHBoxLayout, QHBoxLayout]:
        row = QHBoxLayout()
        second = QHBoxLayout()
        self.preset = QComboBox()
        self.preset.setObjectName("periodPreset")
        for label, days in PRESETS:
            self.preset.addItem(label, days)
        self.preset.setCurrentIndex(DEFAULT_PRESET)
        self.date_from = QDateEdit()
        self.date_to = QDateEdit()
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self._apply_preset()
        self.property_box = QComboBox()
        self.property_box.setObjectName("propertyFilter")
        # Long names must not widen the page past a small screen.
        for box in (self.preset, self.property_box):
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            box.setMinimumContentsLength(14)
        self.property_box.addItem("All properties", None)
        self.rubric_box = QComboBox()
        self.rubric_box.setObjectName("rubricFilter")
        self.rubric_box.addItem("All rubrics", None)
        self.target_box = QSpinBox()
        self.target_box.setObjectName("sectionTarget")
        self.target_box.setRange(0, 100)
        self.target_box.setSuffix(" %")
        self.target_box.setToolTip("The target line of the section averages")
        self.target_box.valueChanged.connect(self._target_changed)
        self._target_from_board = True
        self.pdf_button = QPushButton("Save as PDF…")
        self.pdf_button.clicked.connect(self.save_pdf)
        self.rubric_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.rubric_box.setMinimumContentsLength(14)
        for target, label, widget in (
            (row, "Period", self.preset),
            (row, "from", self.date_from),
            (row, "to", self.date_to),
            (second, "Property", self.property_box),
            (second, "Rubric", self.rubric_box),
        ):
            caption = QLabel(label)
            caption.setBuddy(widget)
            target.addWidget(caption)
            target.addWidget(widget)
        row.addStretch(1)
        second.addStretch(1)
        self.preset.currentIndexChanged.connect(self._preset_chosen)
        self.date_from.dateChanged.connect(self._dates_edited)
        self.date_to.dateChanged.connect(self._dates_edited)
        self.property_box.currentIndexChanged.connect(self.refresh)
        self.rubric_box.currentIndexChanged.connect(self.refresh)
        return row, second

    def _box(self, title: str, widget: QWidget) -> QGroupBox:
        box = QGroupBox(title)
        if not widget.accessibleName():
            widget.setAccessibleName(title.split(" (")[0])
        inner = QVBoxLayout(box)
        inner.setContentsMargins(6, 6, 6, 6)
        inner.addWidget(widget)
        return box

    def _row(self, *parts: tuple[QWidget, int]) -> QHBoxLayout:
        row = QHBoxLayout()
        for widget, stretch in parts:
            row.addWidget(widget, stretch)
        return row

    def _table(
        self, model: LeaderboardModel, name: str, on_row: Callable[[str], None]
    ) -> QTableView:
        proxy = QSortFilterProxyModel(self)
        proxy.setSourceModel(model)
        proxy.setSortRole(LeaderboardModel.SORT_ROLE)
        table = QTableView()
        table.setObjectName(name)
        table.setModel(proxy)
        table.setSortingEnabled(True)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        metrics = table.fontMetrics()
        header.setMinimumSectionSize(metrics.horizontalAdvance("Shops") + 12)
        widest = {
            "Property": "Sequoia Residences",
            "Shops": "Shops",
            "Average": "Average",
            "Band": "Needs coaching",
            "Trend": "▼ down",
            "Critical": "Critical",
        }
        for column, name in enumerate(model.headers[1:], start=1):
            header.resizeSection(column, metrics.horizontalAdvance(widest.get(name, name)) + 16)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the service's order
        table.setMinimumHeight(table.verticalHeader().defaultSectionSize() * 9)

        def activated(index: QModelIndex) -> None:
            on_row(str(index.data(LeaderboardModel.ID_ROLE)))

        table.activated.connect(activated)
        table.clicked.connect(activated)
        return table

    # ----------------------------------------------------------------- filters --
    def _apply_preset(self) -> None:
        days = self.preset.currentData()
        if days == -1:
            return
        start, end = preset_period(days, self._today())
        for edit, day in ((self.date_from, start), (self.date_to, end)):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)

    def _preset_chosen(self) -> None:
        self._apply_preset()
        self.refresh()

    def _dates_edited(self) -> None:
        custom = self.preset.findData(-1)
        if self.preset.currentIndex() != custom:
            self.preset.blockSignals(True)
            self.preset.setCurrentIndex(custom)
            self.preset.blockSignals(False)
        self.refresh()

    def current_filter(self) -> DashboardFilter:
        start = _day(self.date_from.date())
        end = _day(self.date_to.date())
        if start > end:
            start, end = end, start
        return DashboardFilter(
            start=start,
            end=end,
            property_id=self.property_box.currentData(),
            rubric_key=self.rubric_box.currentData(),
        )

    def _load_pickers(self) -> None:
        operations.query(
            self.ctx, _pickers, self._pickers_loaded, parent=self, title="Loading the filters"
        )

    def _pickers_loaded(self, found: tuple[list[tuple[str, str]], list[str]]) -> None:
        props, keys = found
        for box, items in (
            (self.property_box, [(name, pid) for pid, name in props]),
            (self.rubric_box, [(key, key) for key in keys]),
        ):
            current = box.currentData()
            box.blockSignals(True)
            while box.count() > 1:
                box.removeItem(1)
            for text, data in items:
                box.addItem(text, data)
            index = box.findData(current) if current is not None else 0
            box.setCurrentIndex(max(0, index))
            box.blockSignals(False)

    # ----------------------------------------------------------------- loading --
    def refresh(self) -> None:
        """Compute the figures in the background; they are shown when they arrive."""
        self._generation += 1
        generation, flt, today = self._generation, self.current_filter(), self._today()
        self.status.setText("Loading…")
        operations.query(
            self.ctx,
            lambda db: load(db, flt, today),
            lambda found: self._loaded(generation, found),
            parent=self,
            title="The dashboard could not be loaded",
        )

    def _data_changed(self, change: Change) -> None:
        if change & (Change.PROPERTIES | Change.RUBRICS):
            self._load_pickers()
        if change & (Change.EVALUATIONS | Change.SETTINGS | Change.RUBRICS):
            if self.isVisible():
                self.refresh()
            else:
                self._stale = True

    def activated(self) -> None:
        """Called by the main window when the page is shown."""
        if self._stale:
            self._stale = False
            self.refresh()

    def _loaded(self, generation: int, found: Loaded) -> None:
        if generation != self._generation:
            return  # a newer load is on its way
        board, found_rubrics = found
        self.board, self.rubrics = board, found_rubrics
        period = f"{board.filter.start} – {board.filter.end}"
        if board.previous_period is not None:
            before = board.previous_period
            period += f", compared with {before.start} – {before.end}"
        self.status.setText(
            f"{period}. Only the shops that count (see Review). Click any figure for its shops."
        )
        for tile in board.tiles():
            self.tiles[tile.key].show_tile(tile)
        self.trend.set_points(
            [
                Point(
                    p.month,
                    (_float(p.overall.value), _float(p.key_questions.value)),
                    f"n={p.shops}",
                )
                for p in board.months
            ]
        )
        total = sum(b.count for b in board.bands) or 1
        self.distribution.set_bars(
            [
                Bar(b.label, b.count, f"{b.count} ({scoring.format_pct(100 * b.count / total)})")
                for b in reversed(board.bands)
            ]
        )
        if self._target_from_board:
            self.target_box.blockSignals(True)
            self.target_box.setValue(round(board.target))
            self.target_box.blockSignals(False)
        else:
            self.board = replace(board, target=Fraction(self.target_box.value()))
        self._show_sections()
        self._show_rest(board)

    def _target_changed(self) -> None:
        """A target chosen here is kept for this page and redraws the sections at once."""
        self._target_from_board = False
        if self.board is not None:
            self.board = replace(self.board, target=Fraction(self.target_box.value()))
            self._show_sections()

    def _show_sections(self) -> None:
        board = self.board
        if board is None:
            return
        target = board.target
        self.sections.set_bars(
            [
                Bar(
                    s.title + ("" if s.in_overall else " *"),
                    _float(s.average.value),
                    f"{s.average.text} (n={s.average.count})",
                    dim=s.average.value is not None and s.average.value < target,
                )
                for s in board.sections
            ],
            float(target),
            f"Target {scoring.format_pct(target)} (dashed)",
        )

    def _show_rest(self, board: Dashboard) -> None:
        self.key_questions.set_bars(
            [
                Bar(
                    k.prompt,
                    _float(k.rate.pct),
                    f"{scoring.format_pct(k.rate.pct)} of {k.rate.counted:,}",
                )
                for k in board.key_questions
            ]
        )
        self.agent_model.set_rows(board.agents)
        self.property_model.set_rows(board.properties)
        for table in (self.agent_table, self.property_table):
            table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
            table.model().sort(-1)
        bars, self._timing_index = [], []
        for timing in board.timings:
            short = "Follow-up" if timing.deferred else "First response"
            for label, n in timing.counts:
                share = 100 * n / timing.total if timing.total else None
                text = f"{n:,} of {timing.total:,}" + (
                    f" ({scoring.format_pct(share)})" if share is not None else ""
                )
                bars.append(Bar(f"{short}: {label}", share, text))
                self._timing_index.append((timing.path, label))
        self.timings.set_bars(bars)
        self.pdf_button.setEnabled(True)
        self.loaded.emit()

    # ----------------------------------------------------------------- drilling --
    def _emit(self, drill: DrillDown) -> None:
        self.drill_down_requested.emit(drill)
        request = getattr(self.ctx, "show_evaluations_requested", None)
        if request is not None:
            request.emit(drill)

    def _drill_tile(self, key: str) -> None:
        board = self.board
        if board is None:
            return
        makers: Mapping[str, Callable[[], DrillDown]] = {
            "shops": lambda: dashboard.drill_shops(board),
            "overall": lambda: dashboard.drill_scored(board),
            "key_questions": lambda: dashboard.drill_key_question_scored(board, self.rubrics),
            "critical": lambda: dashboard.drill_shops(board, critical=True),
            "follow_up": lambda: dashboard.drill_follow_up(board, self.rubrics, False),
            "awaiting": lambda: dashboard.drill_waiting(board),
            "overdue": lambda: dashboard.drill_waiting(board, overdue=True),
        }
        self._emit(makers[key]())

    def _drill_month(self, index: int) -> None:
        if self.board is not None and 0 <= index < len(self.board.months):
            self._emit(dashboard.drill_month(self.board, self.board.months[index].month))

    def _drill_band(self, index: int) -> None:
        if self.board is not None:
            bands = list(reversed(self.board.bands))
            if 0 <= index < len(bands):
                self._emit(dashboard.drill_band(self.board, bands[index].label))

    def _drill_section(self, index: int) -> None:
        if self.board is not None and 0 <= index < len(self.board.sections):
            self._emit(dashboard.drill_section(self.board, self.board.sections[index].key))

    def _drill_key_question(self, index: int) -> None:
        if self.board is not None and 0 <= index < len(self.board.key_questions):
            path = self.board.key_questions[index].path
            self._emit(dashboard.drill_key_question(self.board, self.rubrics, path, False))

    def _drill_timing(self, index: int) -> None:
        if self.board is not None and 0 <= index < len(self._timing_index):
            path, label = self._timing_index[index]
            self._emit(dashboard.drill_timing(self.board, self.rubrics, path, label))

    def _drill_agent(self, agent_id: str) -> None:
        if self.board is not None:
            self._emit(dashboard.drill_agent(self.board, agent_id))

    def _drill_property(self, property_id: str) -> None:
        if self.board is not None:
            self._emit(dashboard.drill_property(self.board, property_id))

    # ----------------------------------------------------------------- export --
    def save_pdf(self) -> None:
        """Save the figures shown as the dashboard PDF (written in the background)."""
        from PySide6.QtWidgets import QFileDialog

        board = self.board
        if board is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the dashboard as PDF", "dashboard.pdf", "PDF files (*.pdf)"
        )
        if not path:
            return
        scope = self.property_box.currentText() if self.property_box.currentIndex() else ""

        def write(_db: Database) -> int:
            from shopper.fileio import atomic_writer
            from shopper.reports.dashboard_pdf import render_dashboard

            with atomic_writer(Path(path), "wb") as handle:
                return render_dashboard(board, handle, scope=scope)  # type: ignore[arg-type]

        operations.query(
            self.ctx,
            write,
            lambda pages: self.status.setText(f"Saved {path} ({pages} page(s))"),
            parent=self,
            title="The dashboard PDF could not be written",
        )


def _day(date: QDate) -> dt.date:
    return dt.date(date.year(), date.month(), date.day())


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
