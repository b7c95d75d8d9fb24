"""The evaluation list as a table model that stays smooth at 100,000 rows.

The model holds the ids of the whole filtered, sorted set (`evaluation_list.list_ids`, run
in the background) and fetches rows a page at a time (`evaluation_list.summaries`) into a
small LRU cache, formatted once. `data()` only indexes into that cache: no query per cell.

While the ids load, the first page is fetched on its own (a LIMIT query that returns in
milliseconds), so rows appear at once; when the full id list arrives the rest is appended.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QTableView

from shopper import scoring
from shopper.services import evaluation_list
from shopper.services.evaluation_list import EvaluationFilter, EvaluationSummary, SortKey
from shopper.services.evaluations import CHANNEL_LABELS, STATUS_LABELS
from ui import operations
from ui.context import AppContext
from ui.geometry import fit_columns as fit_view_columns

PAGE_SIZE = 200
MAX_PAGES = 64
COLUMNS: tuple[tuple[str, SortKey], ...] = (
    ("Visited", "visited_on"),
    ("Property", "property"),
    ("Agent", "agent"),
    ("Shopper", "shopper"),
    ("Channel", "channel"),
    ("Status", "status"),
    ("Overall", "overall"),
    ("Critical", "critical"),
)
OVERALL_COLUMN, CRITICAL_COLUMN = 6, 7
ID_ROLE = Qt.ItemDataRole.UserRole
CRITICAL_BRUSH = QBrush(QColor("#b00020"))
BOLD = QFont()
BOLD.setBold(True)
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class ListRow:
    id: str
    texts: tuple[str, ...]
    critical: bool
    summary: EvaluationSummary | None


def format_row(s: EvaluationSummary) -> ListRow:
    status = STATUS_LABELS.get(s.status, s.status)
    if s.status != "submitted":
        status = f"{status} · {s.answered}/{s.total}"
    texts = (
        s.visited_on.isoformat(),
        s.property_name,
        s.agent_name,
        s.shopper,
        CHANNEL_LABELS.get(s.channel, s.channel),
        status,
        scoring.format_pct(s.overall_pct),
        "⚠ CRITICAL" if s.critical_failure else "",
    )
    return ListRow(s.id, texts, s.critical_failure, s)


NAME_COLUMNS = (1, 2, 3)
"""Property, agent, shopper: they share the width the fixed-content columns leave."""


def widest_texts() -> dict[int, list[str]]:
    """The longest text each fixed-content column can show (see `fit_columns`)."""
    statuses = [
        label if key == "submitted" else f"{label} · 888/888"
        for key, label in STATUS_LABELS.items()
    ]
    return {
        0: ["8888-88-88"],
        4: list(CHANNEL_LABELS.values()),
        5: statuses,
        OVERALL_COLUMN: ["100.0%", scoring.format_pct(None) or ""],
        CRITICAL_COLUMN: ["⚠ CRITICAL"],
    }


def fit_columns(view: QTableView) -> None:
    """Columns of the evaluation list sized to their content at the view's font and scale:
    dates, statuses and "⚠ CRITICAL" whole, names sharing the rest. Call after setModel()
    and before restoring a saved header state (which then wins)."""
    fit_view_columns(
        view, widest_texts(), flexible=NAME_COLUMNS, bold=(CRITICAL_COLUMN,), flexible_min_chars=8
    )


def _gone(evaluation_id: str) -> ListRow:
    return ListRow(evaluation_id, ("", "(deleted)", "", "", "", "", "", ""), False, None)


class EvaluationListModel(QAbstractTableModel):
    loading_changed = Signal(bool)
    """True while ids are being fetched in the background."""
    ids_loaded = Signal(int)
    """The full id list arrived; the number of matching evaluations."""

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.filter = EvaluationFilter()
        self.sort_key: SortKey = "visited_on"
        self.descending = True
        self._ids: list[str] = []
        self._complete = False
        self._pages: OrderedDict[int, list[ListRow]] = OrderedDict()
        self._generation = 0
        self._loaded_generation = -1
        self.loading = False
        self.page_fetches = 0

    # ----------------------------------------------------------------- loading --
    def set_filter(self, flt: EvaluationFilter) -> None:
        if flt != self.filter:
            self.filter = flt
            self.reload()

    def reload(self, quick_first_page: bool = True) -> None:
        """Fetch the ids again (filter, sort or data changed); rows appear when they arrive."""
        self._generation += 1
        generation = self._generation
        flt, key, descending = self.filter, self.sort_key, self.descending
        self._set_loading(True)
        # list_summaries orders "none" overall scores differently, so no quick page there.
        if quick_first_page and key != "overall":
            operations.query(
                self.ctx,
                lambda db: evaluation_list.list_summaries(
                    db, flt, key, descending, limit=PAGE_SIZE
                ),
                lambda rows: self._first_page_arrived(generation, rows),
                on_error=lambda _error: None,  # the id list reports it
            )
        operations.query(
            self.ctx,
            lambda db: evaluation_list.list_ids(db, flt, key, descending),
            lambda ids: self._ids_arrived(generation, ids),
            on_error=lambda error: self._failed(generation, error),
        )

    def _first_page_arrived(self, generation: int, rows: list[EvaluationSummary]) -> None:
        if generation != self._generation or generation == self._loaded_generation:
            return
        self.beginResetModel()
        self._ids = [r.id for r in rows]
        self._pages = OrderedDict({0: [format_row(r) for r in rows]})
        self._complete = False
        self.endResetModel()

    def _ids_arrived(self, generation: int, ids: list[str]) -> None:
        if generation != self._generation:
            return
        shown = len(self._ids)
        if ids == self._ids:
            self._pages.clear()  # same rows: only their contents may have changed
            if ids:
                last = self.index(len(ids) - 1, len(COLUMNS) - 1)
                self.dataChanged.emit(self.index(0, 0), last)
        elif not self._complete and ids[:shown] == self._ids:
            self.beginInsertRows(QModelIndex(), shown, len(ids) - 1)
            self._ids = ids
            self.endInsertRows()
        else:
            self.beginResetModel()
            self._ids = ids
            self._pages.clear()
            self.endResetModel()
        self._complete = True
        self._loaded_generation = generation
        self._set_loading(False)
        self.ids_loaded.emit(len(ids))

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self._set_loading(False)
        from ui.errors import show_error

        show_error(None, "The evaluation list could not be loaded", error)

    def _set_loading(self, loading: bool) -> None:
        if loading != self.loading:
            self.loading = loading
            self.loading_changed.emit(loading)

    @property
    def complete(self) -> bool:
        """The row count is final (the full id list has arrived)."""
        return self._complete

    # ----------------------------------------------------------------- rows --
    def _row(self, row: int) -> ListRow:
        page_number = row // PAGE_SIZE
        page = self._pages.get(page_number)
        if page is None:
            page = self._fetch_page(page_number)
        else:
            self._pages.move_to_end(page_number)
        offset = row - page_number * PAGE_SIZE
        return page[offset] if offset < len(page) else _gone(self._ids[row])

    def _fetch_page(self, page_number: int) -> list[ListRow]:
        ids = self._ids[page_number * PAGE_SIZE : (page_number + 1) * PAGE_SIZE]
        self.page_fetches += 1
        found = operations.read_now(self.ctx, lambda db: evaluation_list.summaries(db, ids))
        by_id = {s.id: s for s in found}
        page = [format_row(by_id[i]) if i in by_id else _gone(i) for i in ids]
        self._pages[page_number] = page
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        return page

    def evaluation_id(self, row: int) -> str:
        return self._ids[row]

    def summary(self, row: int) -> EvaluationSummary | None:
        return self._row(row).summary

    def row_of(self, evaluation_id: str) -> int | None:
        try:
            return self._ids.index(evaluation_id)
        except ValueError:
            return None

    # ----------------------------------------------------------------- Qt model --
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        column = index.column()
        if role == ID_ROLE:
            return self._ids[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._row(index.row()).texts[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column == OVERALL_COLUMN:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == CRITICAL_COLUMN:
            return CRITICAL_BRUSH if self._row(index.row()).critical else None
        if (
            role == Qt.ItemDataRole.FontRole
            and column == CRITICAL_COLUMN
            and self._row(index.row()).critical
        ):
            return BOLD
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        if role == Qt.ItemDataRole.TextAlignmentRole and section == OVERALL_COLUMN:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        key = COLUMNS[column][1]
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) != (self.sort_key, self.descending):
            self.sort_key, self.descending = key, descending
            self.reload()
