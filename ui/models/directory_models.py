"""Table models for the Agents & properties page (a few thousand rows at most)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from shopper.services.agents import AgentInfo
from shopper.services.properties import PropertyInfo
from shopper.storage.folding import fold_text

Index = QModelIndex | QPersistentModelIndex
INACTIVE_BRUSH = QBrush(QColor("#6b7280"))


class _ListModel(QAbstractTableModel):
    columns: tuple[str, ...] = ()
    right_aligned: tuple[int, ...] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._texts: list[tuple[str, ...]] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._texts)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section in self.right_aligned:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _data(self, index: Index, role: int) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._texts):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._texts[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self.right_aligned:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class PropertiesModel(_ListModel):
    """Row 0 is "All properties"; the others are properties by name."""

    columns = ("Property", "Agents", "Shops")
    right_aligned = (1, 2)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.properties: list[PropertyInfo] = []

    def set_properties(self, found: list[PropertyInfo]) -> None:
        self.beginResetModel()
        self.properties = found
        texts: list[tuple[str, ...]] = [
            (
                "All properties",
                str(sum(p.agent_count for p in found)),
                str(sum(p.evaluation_count for p in found)),
            )
        ]
        texts += [(p.name, str(p.agent_count), str(p.evaluation_count)) for p in found]
        self._texts = texts
        self.endResetModel()

    def property_at(self, row: int) -> PropertyInfo | None:
        return self.properties[row - 1] if 1 <= row <= len(self.properties) else None

    def row_of(self, property_id: str | None) -> int:
        for row, prop in enumerate(self.properties, start=1):
            if prop.id == property_id:
                return row
        return 0

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return self._data(index, role)


class AgentsModel(_ListModel):
    columns = ("Agent", "Property", "Status", "Shops")
    right_aligned = (3,)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.agents: list[AgentInfo] = []

    def set_agents(
        self, found: list[AgentInfo], text: str = "", show_inactive: bool = True
    ) -> None:
        wanted = fold_text(" ".join(text.split())) or ""
        shown = [
            a
            for a in found
            if (show_inactive or a.active) and (not wanted or wanted in (fold_text(a.name) or ""))
        ]
        self.beginResetModel()
        self.agents = shown
        self._texts = [
            (a.name, a.property_name, "Active" if a.active else "Inactive", str(a.evaluation_count))
            for a in shown
        ]
        self.endResetModel()

    def agent_at(self, row: int) -> AgentInfo | None:
        return self.agents[row] if 0 <= row < len(self.agents) else None

    def row_of(self, agent_id: str | None) -> int | None:
        return next((i for i, a in enumerate(self.agents) if a.id == agent_id), None)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and index.isValid()
            and 0 <= index.row() < len(self.agents)
            and not self.agents[index.row()].active
        ):
            return INACTIVE_BRUSH
        return self._data(index, role)
