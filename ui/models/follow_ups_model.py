"""Evaluations awaiting follow-up, soonest due first, with overdue ones marked in words."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from shopper.services.evaluation_list import EvaluationSummary
from shopper.services.evaluations import CHANNEL_LABELS

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


class FollowUpsModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[EvaluationSummary] = []
        self._texts: list[tuple[tuple[str, ...], bool]] = []
        self.today = dt.date.today()

    def set_rows(self, rows: list[EvaluationSummary], today: dt.date | None = None) -> None:
        self.beginResetModel()
        self.today = today or dt.date.today()
        self.rows = rows
        self._texts = [self._format(r) for r in rows]
        self.endResetModel()

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
