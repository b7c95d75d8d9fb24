"""Follow-ups due: evaluations awaiting follow-up, soonest due first, overdue ones marked.
Opening one lands on its rubric's follow-up (deferred) section."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from shopper.services import evaluation_list, rubrics
from shopper.services.evaluation_list import EvaluationSummary
from shopper.storage.db import Database
from ui import operations, settings
from ui.context import AppContext
from ui.keys import is_enter_press
from ui.models.follow_ups_model import FollowUpsModel, fit_columns
from ui.operations import Change


def _load(
    db: Database, known: set[tuple[str, int]]
) -> tuple[list[EvaluationSummary], dict[tuple[str, int], str]]:
    """Runs in the background: the evaluations awaiting follow-up, and the first follow-up
    section of each rubric version among them not already `known`."""
    rows = evaluation_list.follow_ups_due(db)
    sections: dict[tuple[str, int], str] = {}
    for key in {(r.rubric_key, r.rubric_version) for r in rows} - known:
        info = rubrics.find(db, *key)
        rubric = rubrics.get_rubric(db, info.id)
        sections[key] = next((s.key for s in rubric.sections if s.deferred), "")
    return rows, sections


class FollowUpsPage(QWidget):
    loaded = Signal()
    """The list arrived from the background and is shown."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = FollowUpsModel(self)
        self._stale = True
        self._deferred_sections: dict[tuple[str, int], str] = {}
        self._generation = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        self.summary = QLabel()
        self.summary.setObjectName("followUpSummary")
        self.summary.setStyleSheet("font-size: 11pt;")
        layout.addWidget(self.summary)
        self.table = QTableView()
        self.table.setObjectName("followUpTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        fit_columns(self.table)
        state = settings.FOLLOW_UPS_HEADER.get()
        self._columns_fitted = not state.isEmpty()
        if self._columns_fitted:
            header.restoreState(state)
        self.table.doubleClicked.connect(self._open_index)
        self.table.installEventFilter(self)
        layout.addWidget(self.table, 1)
        hint = QLabel("Enter or double-click opens the evaluation at its follow-up section.")
        hint.setObjectName("hint")
        layout.addWidget(hint)
        ctx.changed.connect(self._data_changed)
        self.refresh()

    def refresh(self) -> None:
        """Load the list in the background; it is shown when it arrives."""
        self._stale = False
        self._generation += 1
        generation, known = self._generation, set(self._deferred_sections)
        operations.query(
            self.ctx,
            lambda db: _load(db, known),
            lambda found: self._loaded(generation, found),
            parent=self,
            title="The follow-ups could not be loaded",
        )

    def _loaded(
        self, generation: int, found: tuple[list[EvaluationSummary], dict[tuple[str, int], str]]
    ) -> None:
        rows, sections = found
        if generation != self._generation:
            return  # a newer load is on its way
        self._deferred_sections.update(sections)
        current = self._current_id()
        self.model.set_rows(rows)
        overdue = self.model.overdue_count
        if not rows:
            text = "No evaluations are waiting for a follow-up."
        else:
            text = f"{len(rows)} evaluation{'s' if len(rows) != 1 else ''} awaiting follow-up"
            if overdue:
                text += f" — <b style='color:#b00020'>{overdue} OVERDUE</b>"
        self.summary.setText(text)
        row = next((i for i, r in enumerate(rows) if r.id == current), 0 if rows else None)
        if row is not None:
            self.table.setCurrentIndex(self.model.index(row, 0))
        self.loaded.emit()

    def _current_id(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.rows[index.row()].id if index.isValid() else None

    def activated(self) -> None:
        if self._stale:
            self.refresh()
        self.table.setFocus()

    def _data_changed(self, _change: Change) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def deferred_section(self, rubric_key: str, version: int) -> str:
        """The first follow-up section of that rubric version ("" if it has none), as
        loaded with the list."""
        return self._deferred_sections.get((rubric_key, version), "")

    def _open_index(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        summary = self.model.rows[index.row()]
        section = self.deferred_section(summary.rubric_key, summary.rubric_version)
        self.ctx.open_evaluation_requested.emit(summary.id, section)

    def open_selected(self) -> None:
        self._open_index(self.table.currentIndex())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and is_enter_press(event):
            self.open_selected()
            return True
        return super().eventFilter(watched, event)

    def save_state(self) -> None:
        settings.FOLLOW_UPS_HEADER.set(self.table.horizontalHeader().saveState())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._columns_fitted:  # now on its screen, with its font and scale
            self._columns_fitted = True
            fit_columns(self.table)
