"""An evaluation's history as a timeline (SCORING.md, *History*): every status change, edit
after the first submission, exclusion, reopen and dispute step, oldest first, with who, what,
from → to and why. Read-only: the history is append-only.

Embed it in the evaluation window with `timeline_widget(ctx, evaluation_id, parent)` (a dock
or a tab); it loads in the background and reloads itself when evaluations change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import QAbstractItemView, QLabel, QTreeView, QVBoxLayout, QWidget

from shopper.services import history
from shopper.services.history import HistoryEntry, JsonValue
from ui import operations
from ui.context import AppContext
from ui.operations import Change

AnyIndex = QModelIndex | QPersistentModelIndex

COLUMNS = ("When", "Who", "What", "Item", "From → to", "Why")


def local_time(at: dt.datetime) -> str:
    """A stored UTC time (naive) in this computer's time zone."""
    return f"{at.replace(tzinfo=dt.UTC).astimezone():%Y-%m-%d %H:%M}"


def _value(value: JsonValue) -> str:
    if value is None:
        return "—"
    if value == "na":
        return "N/A"
    return str(value)


def change_text(entry: HistoryEntry) -> str:
    if entry.from_value is None and entry.to_value is None:
        return ""
    return f"{_value(entry.from_value)} → {_value(entry.to_value)}"


def cells(entry: HistoryEntry) -> tuple[str, ...]:
    field = "" if entry.field in (None, "status", "excluded") else str(entry.field)
    return (
        local_time(entry.at),
        entry.by_name or "—",
        entry.label,
        field,
        change_text(entry),
        entry.reason or "",
    )


class TimelineModel(QAbstractTableModel):
    """The timeline's events (plain `HistoryEntry` values), oldest first, read-only."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.entries: list[HistoryEntry] = []
        self._cells: list[tuple[str, ...]] = []

    def set_entries(self, entries: Sequence[HistoryEntry]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self._cells = [cells(e) for e in self.entries]
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.entries)):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cells[index.row()][index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            entry = self.entries[index.row()]
            text = " · ".join(t for t in self._cells[index.row()][1:] if t)
            return f"{local_time(entry.at)} (UTC {entry.at:%H:%M:%S}) — {text}"
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section]
        return None

    def lines(self) -> list[str]:
        """Each event as one line of text (what a reader or a test sees)."""
        return [" | ".join(row) for row in self._cells]


class TimelineWidget(QWidget):
    loaded = Signal()
    """The events arrived from the background and are shown."""

    def __init__(self, ctx: AppContext, evaluation_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyTimeline")
        self.ctx = ctx
        self.evaluation_id = evaluation_id
        self.model = TimelineModel(self)
        self._stale = True
        self._generation = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.empty = QLabel("No history yet: events are kept from the first submission on.")
        self.empty.setObjectName("hint")
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)
        self.view = QTreeView()
        self.view.setObjectName("historyView")
        self.view.setRootIsDecorated(False)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setAccessibleName("History")
        self.view.setModel(self.model)
        for column, width in enumerate((125, 120, 170, 130, 170)):
            self.view.setColumnWidth(column, width)
        layout.addWidget(self.view, 1)
        ctx.changed.connect(self._data_changed)
        self.refresh()

    def refresh(self) -> None:
        """Load the history in the background; it is shown when it arrives."""
        self._stale = False
        self._generation += 1
        generation, evaluation_id = self._generation, self.evaluation_id
        operations.query(
            self.ctx,
            lambda db: history.timeline(db, evaluation_id),
            lambda entries: self._loaded(generation, entries),
            parent=self,
            title="The history could not be loaded",
        )

    def _loaded(self, generation: int, entries: tuple[HistoryEntry, ...]) -> None:
        if generation != self._generation:
            return
        self.model.set_entries(entries)
        self.empty.setVisible(not entries)
        if entries:
            self.view.scrollToBottom()
        self.loaded.emit()

    def _data_changed(self, change: Change) -> None:
        if not (change & Change.EVALUATIONS):
            return
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()


def timeline_widget(
    ctx: AppContext, evaluation_id: str, parent: QWidget | None = None
) -> TimelineWidget:
    """The history timeline of one evaluation, ready to put in a dock or a tab."""
    return TimelineWidget(ctx, evaluation_id, parent)


__all__ = ["COLUMNS", "TimelineModel", "TimelineWidget", "timeline_widget"]
