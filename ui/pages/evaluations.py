"""The evaluation list: filters above a paged table; Enter or double-click opens one.

Evaluations open in their own window (see ui.form.windows), so the list stays usable beside
them. The list refreshes itself when evaluations change: at most once a second (every five
seconds while its window is inactive), and a hidden list catches up when it is shown again.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, Qt, QTimer
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from shopper.services import agents, properties
from shopper.services.agents import AgentInfo
from shopper.services.dashboard import DrillDown
from shopper.services.evaluation_list import EvaluationFilter
from shopper.services.evaluations import STATUS_LABELS
from shopper.services.properties import PropertyInfo
from shopper.storage.db import Database
from shopper.storage.folding import fold_text
from ui import operations, settings
from ui.context import AppContext
from ui.dialogs.pickers import OptionalDateEdit, SearchCombo
from ui.keys import guard_text_fields, is_enter_press
from ui.models.evaluation_list_model import COLUMNS, EvaluationListModel, fit_columns
from ui.operations import Change

REFRESH_MS = 1000
INACTIVE_REFRESH_MS = 5000
TEXT_DELAY_MS = 250


class EvaluationsPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = EvaluationListModel(ctx, self)
        self._stale = False
        self._pickers_stale = False
        self._selected_id: str | None = None
        self._properties: list[PropertyInfo] = []
        self._agents: list[AgentInfo] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addLayout(self._build_filters())
        self.table = self._build_table()
        layout.addWidget(self.table, 1)
        self._drill: DrillDown | None = None
        drill_row = QHBoxLayout()
        self.drill_label = QLabel()
        self.drill_label.setObjectName("drillDown")
        self.drill_label.setWordWrap(True)
        self.drill_clear = QPushButton("Show all shops")
        self.drill_clear.clicked.connect(self.clear_drill)
        drill_row.addWidget(self.drill_label, 1)
        drill_row.addWidget(self.drill_clear)
        self.drill_label.hide()
        self.drill_clear.hide()
        layout.addLayout(drill_row)
        bottom = QHBoxLayout()
        self.count_label = QLabel("Loading…")
        self.count_label.setObjectName("listCount")
        bottom.addWidget(self.count_label, 1)
        hint = QLabel("Enter or double-click opens · Ctrl+F finds · Ctrl+N starts a new one")
        hint.setObjectName("hint")
        bottom.addWidget(hint)
        layout.addLayout(bottom)

        self._text_timer = QTimer(self)
        self._text_timer.setSingleShot(True)
        self._text_timer.setInterval(TEXT_DELAY_MS)
        self._text_timer.timeout.connect(self.apply_filter)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.timeout.connect(self._refresh_now)
        self.model.loading_changed.connect(self._loading_changed)
        self.model.ids_loaded.connect(self._ids_loaded)
        self.model.modelAboutToBeReset.connect(self._remember_selection)
        ctx.changed.connect(self._data_changed)
        self._load_pickers()
        guard_text_fields(self)  # Alt+letter (the menus') never types into a filter
        self.model.reload()

    # ----------------------------------------------------------------- building --
    def _build_filters(self) -> QVBoxLayout:
        rows = QVBoxLayout()
        rows.setSpacing(4)
        self.find_edit = QLineEdit()
        self.find_edit.setPlaceholderText("Find a property, agent or shopper (Ctrl+F)")
        self.find_edit.setClearButtonEnabled(True)
        self.find_edit.setAccessibleName("Find")
        self.property_filter = SearchCombo("All properties", all_label="All properties")
        self.property_filter.setMinimumWidth(140)
        self.agent_filter = SearchCombo("All agents", all_label="All agents")
        self.agent_filter.setMinimumWidth(140)
        self.status_filter = QComboBox()
        self.status_filter.addItem("Any status", None)
        for key, label in STATUS_LABELS.items():
            self.status_filter.addItem(label, key)
        self.date_from = OptionalDateEdit()
        self.date_to = OptionalDateEdit()
        clear = QPushButton("Clear filters")
        clear.setToolTip("Show every evaluation again")
        clear.clicked.connect(self.clear_filters)
        top = QHBoxLayout()
        top.addWidget(self.find_edit, 1)
        status_label = QLabel("&Status")
        status_label.setBuddy(self.status_filter)
        top.addWidget(status_label)
        top.addWidget(self.status_filter)
        top.addWidget(clear)
        second = QHBoxLayout()
        for label_text, widget in (
            ("&Property", self.property_filter),
            ("&Agent", self.agent_filter),
            ("&Visited from", self.date_from),
            ("t&o", self.date_to),
        ):
            buddy_label = QLabel(label_text)
            buddy_label.setBuddy(widget)
            second.addWidget(buddy_label)
            second.addWidget(widget, 1 if isinstance(widget, SearchCombo) else 0)
        rows.addLayout(top)
        rows.addLayout(second)
        self.find_edit.textChanged.connect(lambda _t: self._text_timer.start())
        self.property_filter.currentIndexChanged.connect(self._property_chosen)
        self.property_filter.lineEdit().editingFinished.connect(self.apply_filter)  # type: ignore[union-attr]
        self.agent_filter.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.agent_filter.lineEdit().editingFinished.connect(self.apply_filter)  # type: ignore[union-attr]
        self.status_filter.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.date_from.dateChanged.connect(lambda _d: self.apply_filter())
        self.date_to.dateChanged.connect(lambda _d: self.apply_filter())
        return rows

    def _build_table(self) -> QTableView:
        table = QTableView()
        table.setObjectName("evaluationTable")
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setHighlightSections(False)
        # Until the user drags a column (or a saved layout is restored), the columns follow
        # the view's width: names share what dates, statuses and flags leave over. A
        # stretched last column took all the room of a wider window from the names.
        self._fitting = False
        fit_columns(table)
        state = settings.EVALUATION_LIST_HEADER.get()
        self._user_sized = not state.isEmpty()
        if self._user_sized:
            header.restoreState(state)
        header.setStretchLastSection(False)
        header.sectionResized.connect(self._section_resized)
        table.viewport().installEventFilter(self)
        header.setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        table.setSortingEnabled(True)
        table.doubleClicked.connect(self._open_index)
        table.installEventFilter(self)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._context_menu)
        return table

    # ----------------------------------------------------------------- filters --
    def _load_pickers(self) -> None:
        """Load the property and agent names in the background (thousands at 100k shops)."""

        def load(db: Database) -> tuple[list[PropertyInfo], list[AgentInfo]]:
            found = properties.list_properties(db), agents.list_agents(db)
            for name in [p.name for p in found[0]] + [a.name for a in found[1]]:
                fold_text(name)  # warm the cache the pickers match with
            return found

        operations.query(self.ctx, load, self._pickers_loaded, title="Loading names")

    def _pickers_loaded(self, found: tuple[list[PropertyInfo], list[AgentInfo]]) -> None:
        self._properties, self._agents = found
        self.property_filter.set_choices([(p.name, p.id) for p in self._properties])
        self._load_agents()

    def _load_agents(self) -> None:
        property_id = self.property_filter.current_id()
        self.agent_filter.set_choices(
            [
                (
                    a.name
                    + ("" if property_id else f" — {a.property_name}")
                    + ("" if a.active else " (inactive)"),
                    a.id,
                )
                for a in self._agents
                if property_id is None or a.property_id == property_id
            ]
        )

    def _property_chosen(self) -> None:
        self._load_agents()
        self.apply_filter()

    def current_filter(self) -> EvaluationFilter:
        return EvaluationFilter(
            text=self.find_edit.text(),
            property_id=self.property_filter.current_id(),
            agent_id=self.agent_filter.current_id(),
            status=self.status_filter.currentData(),
            date_from=self.date_from.value(),
            date_to=self.date_to.value(),
            drill=self._drill,
        )

    def show_drill(self, drill: DrillDown) -> None:
        """List exactly the shops behind one dashboard figure (on top of the filters)."""
        self._drill = drill
        self.drill_label.setText(f"Shops behind the dashboard figure: {drill.label}")
        self.drill_label.show()
        self.drill_clear.show()
        self.apply_filter()

    def clear_drill(self) -> None:
        self._drill = None
        self.drill_label.hide()
        self.drill_clear.hide()
        self.apply_filter()

    def apply_filter(self) -> None:
        self._text_timer.stop()
        self.model.set_filter(self.current_filter())

    def clear_filters(self) -> None:
        for widget in (self.find_edit,):
            widget.clear()
        self.property_filter.select_id(None)
        self._load_agents()
        self.agent_filter.select_id(None)
        self.status_filter.setCurrentIndex(0)
        self.date_from.set_value(None)
        self.date_to.set_value(None)
        self._drill = None
        self.drill_label.hide()
        self.drill_clear.hide()
        self.apply_filter()

    def focus_find(self) -> None:
        self.find_edit.setFocus()
        self.find_edit.selectAll()

    # ----------------------------------------------------------------- refresh --
    def _data_changed(self, change: Change) -> None:
        if change & (Change.AGENTS | Change.PROPERTIES):
            if self.isVisible():
                self._load_pickers()
            else:
                self._pickers_stale = True
        if not self.isVisible():
            self._stale = True
        elif not self._refresh_timer.isActive():
            # While the shopper types in an evaluation window, every autosave announces a
            # change; a list in an inactive window catches up less often (ids of 100,000
            # evaluations take about half a second to fetch, in the background).
            active = self.window().isActiveWindow()
            self._refresh_timer.start(REFRESH_MS if active else INACTIVE_REFRESH_MS)

    def _refresh_now(self) -> None:
        if not self.isVisible():  # closed or switched away meanwhile: catch up when shown
            self._stale = True
            return
        if self.model.loading:
            self._refresh_timer.start(REFRESH_MS)  # one load at a time; try again shortly
            return
        self._remember_selection()
        self.model.reload(quick_first_page=False)

    def activated(self) -> None:
        """Called by the main window when the page is shown."""
        if self._pickers_stale:
            self._pickers_stale = False
            self._load_pickers()
        if self._stale:
            self._stale = False
            if self.current_filter() != self.model.filter:
                self.apply_filter()  # typed just before the page was hidden
            else:
                self._refresh_now()

    def _loading_changed(self, loading: bool) -> None:
        if loading:
            self.count_label.setText("Loading…")

    def _ids_loaded(self, count: int) -> None:
        noun = "evaluation" if count == 1 else "evaluations"
        self.count_label.setText(f"{count:,} {noun}")
        self._restore_selection()

    def _remember_selection(self) -> None:
        evaluation_id = self.selected_id()
        if evaluation_id is not None:
            self._selected_id = evaluation_id

    def _restore_selection(self) -> None:
        if self._selected_id is None:
            return
        row = self.model.row_of(self._selected_id)
        if row is not None:
            index = self.model.index(row, 0)
            if self.table.currentIndex().row() != row:
                self.table.setCurrentIndex(index)
                self.table.scrollTo(index)

    # ----------------------------------------------------------------- opening --
    def selected_id(self) -> str | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.evaluation_id(index.row())

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.ctx.open_evaluation_requested.emit(self.model.evaluation_id(index.row()), "")

    def open_selected(self) -> None:
        self._open_index(self.table.currentIndex())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and is_enter_press(event):
            self.open_selected()
            return True
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._refit_columns()
        return super().eventFilter(watched, event)

    def _section_resized(self, _index: int, _old: int, _new: int) -> None:
        # Only a drag with the mouse is the user's own layout (model resets resize too).
        if not self._fitting and QApplication.mouseButtons() != Qt.MouseButton.NoButton:
            self._user_sized = True  # kept from now on

    def _refit_columns(self) -> None:
        if self._user_sized:
            return
        self._fitting = True
        try:
            fit_columns(self.table)
        finally:
            self._fitting = False

    def _context_menu(self, position: QPoint) -> None:
        index = self.table.indexAt(position)
        if not index.isValid():
            return
        evaluation_id = self.model.evaluation_id(index.row())
        menu = QMenu(self)
        menu.addAction("Open", lambda: self.ctx.open_evaluation_requested.emit(evaluation_id, ""))
        try:
            from ui.actions import reports
        except ImportError:
            pass
        else:
            menu.addAction(
                "Shop report (PDF)…", lambda: reports.shop_report(self.ctx, self, evaluation_id)
            )
        menu.exec(self.table.viewport().mapToGlobal(position))

    def save_state(self) -> None:
        settings.EVALUATION_LIST_HEADER.set(self.table.horizontalHeader().saveState())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._refit_columns()  # now on its screen, with its font and scale
        # A page shown again after the window was resized behind it gets its final size
        # only after this event: fit once more then.
        QTimer.singleShot(0, self, self._refit_columns)
        self.activated()  # e.g. the main window restored after being minimised

    def hideEvent(self, event: QHideEvent) -> None:
        # No loading behind a hidden (or closed) page: it catches up when shown again.
        if self._refresh_timer.isActive() or self._text_timer.isActive():
            self._refresh_timer.stop()
            self._text_timer.stop()
            self._stale = True
        self.save_state()
        super().hideEvent(event)


__all__ = ["COLUMNS", "EvaluationsPage"]
