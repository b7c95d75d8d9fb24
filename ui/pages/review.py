"""Review queue: submitted (and reviewed) shops waiting for a reviewer, oldest submission
first (SCORING.md, *Review and release*). Keyboard-first, like the form:

- Enter opens the shop (to read it beside its guidance, and edit answers with reasons);
- Ctrl+Enter releases every selected shop (bulk release);
- Ctrl+R returns the current shop to its shopper, with a reason;
- Ctrl+M marks it reviewed; Ctrl+E excludes it from every figure, with a reason (and
  "Include again…" takes back the last exclusion made here, also with a reason).

Every step runs on the app's one writer (ui.operations) and names the profile's person."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shopper.services import evaluations, review
from shopper.services.review import BulkResult, QueueEntry
from shopper.storage.db import Database
from ui import operations
from ui.context import AppContext
from ui.dialogs import review_reason
from ui.dialogs.profile import require_your_name
from ui.operations import Change
from ui.widgets.tables import row_table

AnyIndex = QModelIndex | QPersistentModelIndex

COLUMNS = (
    "Submitted",
    "Visit",
    "Shopper",
    "Agent",
    "Property",
    "Score",
    "Critical",
    "Comments",
    "Status",
)
_RIGHT = frozenset((5, 7))


def _cell(entry: QueueEntry, column: int) -> str:
    if column == 0:
        return f"{entry.submitted_at:%Y-%m-%d %H:%M}" if entry.submitted_at else "—"
    if column == 1:
        return entry.visited_on.isoformat()
    if column == 2:
        return entry.shopper
    if column == 3:
        return entry.agent_name
    if column == 4:
        return entry.property_name
    if column == 5:
        return "—" if entry.overall_pct is None else f"{entry.overall_pct:.1f}%"
    if column == 6:
        return "⚠ CRITICAL" if entry.critical_failure else ""
    if column == 7:
        return str(entry.comment_count)
    return evaluations.STATUS_LABELS.get(entry.status, entry.status)


class QueueModel(QAbstractTableModel):
    """The queue's rows (plain `QueueEntry` values), read-only."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[QueueEntry] = []
        self.total = 0
        """How many shops wait in all (rows beyond those loaded come with `fetchMore`)."""
        self.fetch: Callable[[int], None] | None = None
        """Asks for the page of rows from an offset (set by the page); they arrive through
        `append_rows`."""
        self.fetching = False

    def set_rows(self, rows: Sequence[QueueEntry], total: int | None = None) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.total = len(self.rows) if total is None else max(total, len(self.rows))
        self.fetching = False
        self.endResetModel()

    def append_rows(self, rows: Sequence[QueueEntry]) -> None:
        """The next page arrived: add the shops not already listed."""
        self.fetching = False
        known = {entry.id for entry in self.rows}
        fresh = [entry for entry in rows if entry.id not in known]
        if not fresh:
            self.total = len(self.rows)  # the queue shrank meanwhile
            return
        start = len(self.rows)
        self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
        self.rows.extend(fresh)
        self.endInsertRows()

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return (
            not parent.isValid()
            and self.fetch is not None
            and not self.fetching
            and len(self.rows) < self.total
        )

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent) and self.fetch is not None:
            self.fetching = True
            self.fetch(len(self.rows))

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        entry = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return _cell(entry, index.column())
        if role == Qt.ItemDataRole.UserRole:
            return entry.id
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in _RIGHT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and entry.critical_failure:
            return "A critical item failed: the shop scores 0"
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


PAGE_SIZE = 500
"""Shops loaded at a time; more come as the list is scrolled to its end."""


def _load(db: Database, limit: int) -> tuple[list[QueueEntry], int]:
    """Runs in the background: the oldest `limit` shops of the queue and how many wait."""
    return review.queue(db, limit=limit), review.queue_count(db)


def _key_is(event: QKeyEvent, ctrl: bool, *keys: Qt.Key) -> bool:
    has_ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
    return has_ctrl == ctrl and event.key() in keys


class ReviewPage(QWidget):
    loaded = Signal()
    """The queue arrived from the background and is shown."""
    acted = Signal(str)
    """A review step finished (or was refused): the message shown in the status line."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = QueueModel(self)
        self.model.fetch = self._fetch
        self.total = 0
        self.excluded_here: list[str] = []
        """Shops excluded from this page, most recent last (for "Include again…")."""
        self._stale = True
        self._generation = 0
        self._want: set[str] | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        self.summary = QLabel()
        self.summary.setObjectName("reviewSummary")
        self.summary.setStyleSheet("font-size: 11pt;")
        layout.addWidget(self.summary)
        self.table = row_table(
            self.model,
            "reviewTable",
            "Shops waiting for review",
            (130, 90, 140, 140, 160, 70, 90, 80),
            many=True,
        )
        self.table.doubleClicked.connect(self._open_index)
        self.table.installEventFilter(self)
        layout.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        self.open_button = self._button(buttons, "Open", "Enter", self.open_selected)
        self.release_button = self._button(buttons, "Release", "Ctrl+Enter", self.release_selected)
        self.return_button = self._button(
            buttons, "Return to shopper…", "Ctrl+R", self.return_selected
        )
        buttons.addStretch(1)
        layout.addLayout(buttons)
        # A second row: six buttons side by side scroll sideways on a small screen.
        more = QHBoxLayout()
        self.reviewed_button = self._button(
            more, "Mark reviewed", "Ctrl+M", self.mark_selected_reviewed
        )
        self.exclude_button = self._button(more, "Exclude…", "Ctrl+E", self.exclude_selected)
        self.include_button = self._button(more, "Include again…", "", self.include_last_excluded)
        more.addStretch(1)
        layout.addLayout(more)
        self.status = QLabel()
        self.status.setObjectName("reviewStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        hint = QLabel(
            "Enter opens the shop · Ctrl+Enter releases the selection · Ctrl+R returns it "
            "with a reason · Ctrl+M marks it reviewed · Ctrl+E excludes it"
        )
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        ctx.changed.connect(self._data_changed)
        self._update_buttons()
        self.refresh()

    def _button(
        self, row: QHBoxLayout, text: str, keys: str, slot: Callable[[], None]
    ) -> QPushButton:
        button = QPushButton(text)
        if keys:
            button.setToolTip(keys)
        button.clicked.connect(slot)
        row.addWidget(button)
        return button

    # loading ---------------------------------------------------------------

    def refresh(self) -> None:
        """Load the queue in the background; it is shown when it arrives."""
        self._stale = False
        self._generation += 1
        generation = self._generation
        limit = max(PAGE_SIZE, len(self.model.rows))  # keep what was scrolled into view
        operations.query(
            self.ctx,
            lambda db: _load(db, limit),
            lambda found: self._loaded(generation, found),
            parent=self,
            title="The review queue could not be loaded",
        )

    def _loaded(self, generation: int, found: tuple[list[QueueEntry], int]) -> None:
        if generation != self._generation:
            return  # a newer load is on its way
        rows, total = found
        keep = self._want if self._want is not None else set(self.selected_ids())
        current = self._current_id()
        self._want = None
        self.model.set_rows(rows, total)
        self.total = total
        if not rows:
            self.summary.setText("No shops are waiting for review.")
        else:
            self.summary.setText(
                f"{total:,} shop{'s' if total != 1 else ''} waiting for review, "
                "oldest submission first"
            )
        self._restore_selection(keep, current)
        self._update_buttons()
        self.loaded.emit()

    def _fetch(self, offset: int) -> None:
        """The list was scrolled to its end: load the next page in the background."""
        generation = self._generation
        operations.query(
            self.ctx,
            lambda db: review.queue(db, limit=PAGE_SIZE, offset=offset),
            lambda rows: self._more(generation, rows),
            on_error=self._fetch_failed,
            parent=self,
            title="The review queue could not be loaded",
        )

    def _fetch_failed(self, error: Exception) -> None:
        self.model.fetching = False
        self._refused(error)

    def _more(self, generation: int, rows: list[QueueEntry]) -> None:
        if generation == self._generation:  # else a reload replaced the list meanwhile
            self.model.append_rows(rows)

    def _restore_selection(self, keep: set[str], current: str | None) -> None:
        selection = self.table.selectionModel()
        selection.clear()
        rows = [i for i, entry in enumerate(self.model.rows) if entry.id in keep]
        if not rows and self.model.rows:
            index = next(
                (i for i, e in enumerate(self.model.rows) if e.id == current),
                0,
            )
            rows = [index]
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for row in rows:
            selection.select(self.model.index(row, 0), flags)
        if rows:
            selection.setCurrentIndex(
                self.model.index(rows[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate
            )

    def activated(self) -> None:
        if self._stale:
            self.refresh()
        self.table.setFocus()

    def _data_changed(self, change: Change) -> None:
        if not (change & Change.EVALUATIONS):
            return
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    # selection -------------------------------------------------------------

    def _current_id(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.rows[index.row()].id if index.isValid() else None

    def selected_entries(self) -> list[QueueEntry]:
        """The selected shops, in queue order (the current one if nothing is selected)."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        if not rows and self.table.currentIndex().isValid():
            rows = [self.table.currentIndex().row()]
        return [self.model.rows[r] for r in rows if r < len(self.model.rows)]

    def selected_ids(self) -> list[str]:
        return [entry.id for entry in self.selected_entries()]

    def _update_buttons(self) -> None:
        count = len(self.selected_entries())
        for button in (self.open_button, self.return_button, self.exclude_button):
            button.setEnabled(count == 1)
        self.release_button.setEnabled(count > 0)
        self.release_button.setText(f"Release {count} shops" if count > 1 else "Release")
        self.reviewed_button.setEnabled(
            count > 0 and any(e.status == "submitted" for e in self.selected_entries())
        )
        self.include_button.setEnabled(bool(self.excluded_here))

    # keyboard --------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.table
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
        ):
            enter = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            if _key_is(event, False, *enter):
                self.open_selected()
                return True
            if _key_is(event, True, *enter):
                self.release_selected()
                return True
            for key, action in (
                (Qt.Key.Key_R, self.return_selected),
                (Qt.Key.Key_M, self.mark_selected_reviewed),
                (Qt.Key.Key_E, self.exclude_selected),
            ):
                if _key_is(event, True, key):
                    action()
                    return True
        return super().eventFilter(watched, event)

    # actions ---------------------------------------------------------------

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.ctx.open_evaluation_requested.emit(self.model.rows[index.row()].id, "")

    def open_selected(self) -> None:
        """Open the current shop (the one with the focus frame)."""
        self._open_index(self.table.currentIndex())

    def _actor(self) -> str | None:
        return require_your_name(self)

    def _say(self, message: str, error: bool = False) -> None:
        self.status.setStyleSheet("color: #b00020;" if error else "")
        self.status.setText(message)
        self.acted.emit(message)

    def _refused(self, error: Exception) -> None:
        from shopper.errors import ShopperError

        self.refresh()  # what was refused may have changed elsewhere (a newer version)
        if isinstance(error, ShopperError):
            self._say(f"Not done: {error}", error=True)
        else:
            from ui.errors import show_unexpected

            self._say("Not done: an unexpected problem (see the log).", error=True)
            show_unexpected(self, error)

    def _write(self, op: Callable[[Database], Any], done: Callable[[Any], None]) -> None:
        operations.write(
            self.ctx,
            op,
            Change.EVALUATIONS,
            done,
            on_error=self._refused,
            parent=self,
            title="The review step could not be saved",
        )

    def release_selected(self) -> None:
        entries = self.selected_entries()
        actor = self._actor() if entries else None
        if not entries or actor is None:
            return
        ids = [e.id for e in entries]
        if len(entries) == 1:
            entry = entries[0]
            self._write(
                lambda db: review.release(
                    db, entry.id, actor=actor, expected_row_version=entry.row_version
                ),
                lambda _shop: self._say(f"Released the shop of {_label(entry)}."),
            )
            return
        self._write(
            lambda db: review.release_many(db, ids, actor=actor),
            self._released_many,
        )

    def _released_many(self, result: BulkResult) -> None:
        message = f"Released {len(result.done)} shop{'s' if len(result.done) != 1 else ''}."
        if result.refused:
            message += f" {len(result.refused)} left as they were: " + "; ".join(
                why for _id, why in result.refused[:3]
            )
        self._say(message, error=bool(result.refused))

    def return_selected(self) -> None:
        entries = self.selected_entries()
        if len(entries) != 1:
            return
        entry = entries[0]
        reason = review_reason.ask_reason(
            self,
            "Return to the shopper",
            f"Why is the shop of {_label(entry)} returned? The shopper sees this reason, "
            "fixes the shop and submits it again.",
            ok_text="Return",
        )
        actor = self._actor() if reason else None
        if reason is None or actor is None:
            return
        self._write(
            lambda db: review.return_to_shopper(
                db, entry.id, actor=actor, reason=reason, expected_row_version=entry.row_version
            ),
            lambda _shop: self._say(f"Returned the shop of {_label(entry)} to its shopper."),
        )

    def mark_selected_reviewed(self) -> None:
        entries = [e for e in self.selected_entries() if e.status == "submitted"]
        actor = self._actor() if entries else None
        if not entries or actor is None:
            return
        self._want = {e.id for e in entries}

        def mark(db: Database) -> int:
            for entry in entries:
                review.mark_reviewed(
                    db, entry.id, actor=actor, expected_row_version=entry.row_version
                )
            return len(entries)

        self._write(mark, lambda n: self._say(f"Marked {n} shop{'s' if n != 1 else ''} reviewed."))

    def exclude_selected(self) -> None:
        entries = self.selected_entries()
        if len(entries) != 1:
            return
        entry = entries[0]
        reason = review_reason.ask_reason(
            self,
            "Exclude from every figure",
            f"Why is the shop of {_label(entry)} left out of reports and scorecards? "
            "It can be included again later.",
            ok_text="Exclude",
        )
        actor = self._actor() if reason else None
        if reason is None or actor is None:
            return

        def excluded(_shop: object) -> None:
            self.excluded_here.append(entry.id)
            self._say(f"Excluded the shop of {_label(entry)}.")
            self._update_buttons()

        self._write(lambda db: review.exclude(db, entry.id, actor=actor, reason=reason), excluded)

    def include_last_excluded(self) -> None:
        if not self.excluded_here:
            return
        evaluation_id = self.excluded_here[-1]
        reason = review_reason.ask_reason(
            self,
            "Include again",
            "Why does the shop you excluded count again?",
            ok_text="Include",
        )
        actor = self._actor() if reason else None
        if reason is None or actor is None:
            return

        def included(_shop: object) -> None:
            if evaluation_id in self.excluded_here:
                self.excluded_here.remove(evaluation_id)
            self._say("The shop counts again.")
            self._update_buttons()

        self._write(
            lambda db: review.include(db, evaluation_id, actor=actor, reason=reason), included
        )


def _label(entry: QueueEntry) -> str:
    return f"{entry.agent_name} ({entry.property_name}, {entry.visited_on:%Y-%m-%d})"


__all__ = ["COLUMNS", "QueueModel", "ReviewPage"]
