"""Evaluations awaiting follow-up, soonest due first, with overdue ones marked in words."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QTableView

from shopper.services.evaluation_list import EvaluationSummary
from shopper.services.evaluations import CHANNEL_LABELS
from ui.geometry import fit_columns as fit_view_columns

COLUMNS = ("Due", "When", "Property", "Agent", "Visited", "Shopper", "Channel", "Answered")
OVERDUE_BRUSH = QBrush(QColor("#b00020"))
Index = QModelIndex | QPersistentModelIndex


def when_text(due: dt.date | None, today: dt.date) -> tuple[str, bool]:
    """("OVERDUE 2 days", True), ("today", False), ("in 3 days", False)…"""
    if due is None:
        return "no due date", False
    days = (due - today).days
    if days < 0:
        return f"OVERDUE {-days} day{'s' if days != -1 else ''}", True
    if days == 0:
        return "today", False
    if days == 1:
        return "tomorrow", False
    return f"in {days} days", False


def fit_columns(view: QTableView) -> None:
    """Columns of the follow-ups list sized to their content (see ui.geometry.fit_columns);
    call after setModel() and before restoring a saved header state."""
    fit_view_columns(
        view,
        {
            0: ["8888-88-88"],
            1: ["OVERDUE 888 days", "no due date", "tomorrow"],
            4: ["8888-88-88"],
            6: list(CHANNEL_LABELS.values()),
            7: ["888/888"],
        },
        flexible=(2, 3, 5),
        bold=(0, 1),
    )


class FollowUpsModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[EvaluationSummary] = []
        self._texts: list[tuple[tuple[str, ...], bool]] = []
        self.today = dt.date.today()

    def set_rows(self, rows: list[EvaluationSummary], today: dt.date | None = None) -> None:
        """Show `rows`. Rows are matched by evaluation id and moved, removed or inserted
        (never a model reset), so the view keeps its selection and current row across a
        refresh."""
        self.today = today or dt.date.today()
        wanted = {r.id for r in rows}
        # 1. Rows that went away (from the bottom, so the row numbers stay right).
        for row in range(len(self.rows) - 1, -1, -1):
            if self.rows[row].id not in wanted:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self.rows[row], self._texts[row]
                self.endRemoveRows()
        # 2. The rows that stay, in their new order with their new values.
        order = {r.id: n for n, r in enumerate(rows)}
        kept = sorted(range(len(self.rows)), key=lambda row: order[self.rows[row].id])
        if kept != list(range(len(self.rows))):
            self.layoutAboutToBeChanged.emit()
            old_ids = [r.id for r in self.rows]
            self.rows = [self.rows[row] for row in kept]
            self._texts = [self._texts[row] for row in kept]
            new_place = {r.id: n for n, r in enumerate(self.rows)}
            moved_from = self.persistentIndexList()
            moved_to = [
                self.index(new_place[old_ids[index.row()]], index.column()) for index in moved_from
            ]
            self.changePersistentIndexList(moved_from, moved_to)
            self.layoutChanged.emit()
        fresh = {r.id: r for r in rows}
        for row, old in enumerate(self.rows):
            self.rows[row] = fresh[old.id]
            self._texts[row] = self._format(fresh[old.id])
        if self.rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self.rows) - 1, len(COLUMNS) - 1)
            )
        # 3. New rows, at their places (the kept ones are in order already).
        for row, summary in enumerate(rows):
            if row >= len(self.rows) or self.rows[row].id != summary.id:
                self.beginInsertRows(QModelIndex(), row, row)
                self.rows.insert(row, summary)
                self._texts.insert(row, self._format(summary))
                self.endInsertRows()

    def _format(self, s: EvaluationSummary) -> tuple[tuple[str, ...], bool]:
        when, overdue = when_text(s.follow_up_due, self.today)
        texts = (
            s.follow_up_due.isoformat() if s.follow_up_due else "",
            when,
            s.property_name,
            s.agent_name,
            s.visited_on.isoformat(),
            s.shopper,
            CHANNEL_LABELS.get(s.channel, s.channel),
            f"{s.answered}/{s.total}",
        )
        return texts, overdue

    @property
    def overdue_count(self) -> int:
        return sum(1 for _t, overdue in self._texts if overdue)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        texts, overdue = self._texts[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return texts[index.column()]
        if role == Qt.ItemDataRole.UserRole:
            return self.rows[index.row()].id
        if overdue and index.column() in (0, 1):
            if role == Qt.ItemDataRole.ForegroundRole:
                return OVERDUE_BRUSH
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section]
        return None
