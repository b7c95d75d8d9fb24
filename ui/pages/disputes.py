"""Disputes: the items of open disputes, oldest dispute first, with their age; a reviewer
resolves each item (upheld, accepted, or amended with another answer), always with a reason
(SCORING.md, *Disputes*). Enter resolves the current item; Ctrl+O opens its shop. "Open
dispute…" lets a trainer dispute a released shop within the window.

Resolutions run on the app's one writer and name the profile's person."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from shopper.errors import ShopperError
from shopper.rubric import Item
from shopper.scoring import AnswerValue
from shopper.services import disputes, evaluation_list, evaluations, rubrics
from shopper.services.disputes import DisputeData, DisputeItemData, DisputeStatistics
from shopper.services.evaluation_list import EvaluationFilter, EvaluationSummary
from shopper.storage.db import Database
from ui import operations
from ui.context import AppContext
from ui.dialogs.dispute import AnswerEditor, answer_text, open_dispute_for
from ui.dialogs.profile import require_your_name
from ui.geometry import fit_to_screen
from ui.keys import guard_text_fields
from ui.operations import Change
from ui.widgets.tables import row_table

AnyIndex = QModelIndex | QPersistentModelIndex

COLUMNS = ("Age", "Raised by", "Shop", "Item", "Answer", "Proposed", "Why", "Outcome")


@dataclass(frozen=True)
class DisputeRow:
    """One item of an open dispute, with what the page shows of its shop and rubric."""

    dispute: DisputeData
    entry: DisputeItemData
    shop: str
    prompt: str
    item: Item | None

    @property
    def resolved(self) -> bool:
        return self.entry.resolution is not None


def _cells(row: DisputeRow) -> tuple[str, ...]:
    age = row.dispute.age_days()
    entry = row.entry
    outcome = "open"
    if entry.resolution is not None:
        outcome = f"{entry.resolution} → {answer_text(entry.resolved_answer)}"
    return (
        "today" if age == 0 else f"{age} day{'s' if age != 1 else ''}",
        row.dispute.raised_by,
        row.shop,
        row.prompt,
        answer_text(entry.original),
        answer_text(entry.proposed),
        entry.reason,
        outcome,
    )


class DisputesModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[DisputeRow] = []
        self._cells: list[tuple[str, ...]] = []

    def set_rows(self, rows: Sequence[DisputeRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self._cells = [_cells(r) for r in self.rows]
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cells[index.row()][index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() in (3, 6):
            return self._cells[index.row()][index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and self.rows[index.row()].resolved:
            return QColor("#707070")
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


def _load(db: Database) -> tuple[list[DisputeRow], DisputeStatistics]:
    """Runs in the background: every item of the open disputes, and the statistics."""
    found = disputes.list_disputes(db, open_only=True)
    shops: dict[str, tuple[str, dict[str, Item], dict[str, str]]] = {}
    rows: list[DisputeRow] = []
    for dispute in found:
        if dispute.evaluation_id not in shops:
            shop = evaluations.get(db, dispute.evaluation_id)
            rubric = rubrics.get_rubric(db, shop.rubric_id)
            items = {f"{s.key}.{i.key}": i for s in rubric.sections for i in s.items}
            prompts = {path: item.prompt for path, item in items.items()}
            label = f"{shop.agent_name} · {shop.property_name} · {shop.visited_on:%Y-%m-%d}"
            shops[dispute.evaluation_id] = (label, items, prompts)
        label, items, prompts = shops[dispute.evaluation_id]
        for entry in dispute.items:
            rows.append(
                DisputeRow(
                    dispute,
                    entry,
                    label,
                    prompts.get(entry.item, entry.item),
                    items.get(entry.item),
                )
            )
    return rows, disputes.statistics(db)


def _next_open(rows: Sequence[DisputeRow], key: tuple[str, str] | None) -> int | None:
    """The row to make current after a reload: the one that was, unless it is resolved
    now; then the next open item after it (else the first open one, else the first)."""
    if not rows:
        return None
    at: int = next((i for i, r in enumerate(rows) if (r.dispute.id, r.entry.item) == key), 0)
    order: list[int] = [*range(at, len(rows)), *range(at)]
    for i in order:
        if not rows[i].resolved:
            return i
    return at


def _released(db: Database) -> list[EvaluationSummary]:
    """Released shops, the most recent visits first (what a trainer may dispute)."""
    return evaluation_list.list_summaries(
        db, EvaluationFilter(status="released"), descending=True, limit=300
    )


class ResolveDialog(QDialog):
    """Resolve one disputed item: upheld, accepted or amended (another answer), and why.
    `submit(resolution, answer, reason)` resolves it; a refusal is shown and the dialog stays."""

    RESOLUTIONS = (
        ("upheld", "&Upheld — the answer stands"),
        ("accepted", "&Accepted — the proposed answer replaces it"),
        ("amended", "A&mended — another answer replaces it"),
    )

    def __init__(
        self,
        row: DisputeRow,
        submit: Callable[[str, AnswerValue, str], DisputeData],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("resolveDisputeDialog")
        self.setWindowTitle("Resolve a disputed item")
        self._submit = submit
        self.result_dispute: DisputeData | None = None
        entry = row.entry
        layout = QVBoxLayout(self)
        about = QLabel(
            f"<b>{_escape(row.prompt)}</b> — {_escape(row.shop)}<br>"
            f"Answer: <b>{_escape(answer_text(entry.original))}</b> · proposed by "
            f"{_escape(row.dispute.raised_by)}: <b>{_escape(answer_text(entry.proposed))}</b>"
            f"<br>Why: {_escape(entry.reason)}"
        )
        about.setWordWrap(True)
        layout.addWidget(about)
        self.choice = QButtonGroup(self)
        self.buttons_by_key: dict[str, QRadioButton] = {}
        for key, text in self.RESOLUTIONS:
            radio = QRadioButton(text)
            radio.setObjectName(f"resolve_{key}")
            self.choice.addButton(radio)
            self.buttons_by_key[key] = radio
            layout.addWidget(radio)
        self.answer: AnswerEditor | None = None
        if row.item is not None:
            self.answer = AnswerEditor(row.item)
            self.answer.setEnabled(False)
            self.answer.on_change(self._changed)
            layout.addWidget(self.answer)
        else:
            self.buttons_by_key["amended"].setEnabled(False)
        layout.addWidget(QLabel("Why (kept in the history):"))
        self.reason = QPlainTextEdit()
        self.reason.setTabChangesFocus(True)
        self.reason.setAccessibleName("Reason")
        layout.addWidget(self.reason)
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.error)
        self.box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.box.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Resolve")
        self.box.accepted.connect(self.accept)
        self.box.rejected.connect(self.reject)
        layout.addWidget(self.box)
        self.choice.buttonToggled.connect(self._changed)
        self.reason.textChanged.connect(self._changed)
        guard_text_fields(self)
        self._changed()
        fit_to_screen(self, (520, 360))

    def resolution(self) -> str | None:
        return next((k for k, b in self.buttons_by_key.items() if b.isChecked()), None)

    def choose(self, resolution: str) -> None:
        self.buttons_by_key[resolution].setChecked(True)

    def _changed(self, *_args: object) -> None:
        resolution = self.resolution()
        amended = resolution == "amended"
        if self.answer is not None:
            self.answer.setEnabled(amended)
        ready = resolution is not None and bool(self.reason.toPlainText().strip())
        if amended and (self.answer is None or self.answer.value() is None):
            ready = False
        self.ok.setEnabled(ready)

    def accept(self) -> None:
        resolution = self.resolution()
        if not self.ok.isEnabled() or resolution is None:
            return
        answer = self.answer.value() if resolution == "amended" and self.answer else None
        try:
            self.result_dispute = self._submit(
                resolution, answer, self.reason.toPlainText().strip()
            )
        except ShopperError as error:
            self.error.setText(f"Not resolved: {error}")
            return
        super().accept()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class DisputesPage(QWidget):
    loaded = Signal()
    """The open disputes arrived from the background and are shown."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = DisputesModel(self)
        self.statistics: DisputeStatistics | None = None
        self._stale = True
        self._generation = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        self.summary = QLabel()
        self.summary.setObjectName("disputesSummary")
        self.summary.setStyleSheet("font-size: 11pt;")
        layout.addWidget(self.summary)
        self.table = row_table(
            self.model,
            "disputesTable",
            "Items of open disputes",
            (70, 120, 230, 180, 90, 90, 220),
        )
        self.table.doubleClicked.connect(lambda _index: self.resolve_current())
        self.table.installEventFilter(self)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.resolve_button = QPushButton("Resolve…")
        self.resolve_button.setToolTip("Enter")
        self.resolve_button.clicked.connect(self.resolve_current)
        self.open_button = QPushButton("Open shop")
        self.open_button.setToolTip("Ctrl+O")
        self.open_button.clicked.connect(self.open_current_shop)
        self.dispute_button = QPushButton("Open dispute…")
        self.dispute_button.setToolTip("Dispute items of a released shop (within the window)")
        self.dispute_button.clicked.connect(self.choose_and_open_dispute)
        for button in (self.resolve_button, self.open_button, self.dispute_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        hint = QLabel(
            "Enter resolves the current item (upheld, accepted or amended, with a reason) · "
            "Ctrl+O opens its shop"
        )
        hint.setObjectName("hint")
        layout.addWidget(hint)
        self.table.selectionModel().currentRowChanged.connect(self._update_buttons)
        ctx.changed.connect(self._data_changed)
        self._update_buttons()
        self.refresh()

    # loading ---------------------------------------------------------------

    def refresh(self) -> None:
        self._stale = False
        self._generation += 1
        generation = self._generation
        operations.query(
            self.ctx,
            _load,
            lambda found: self._loaded(generation, found),
            parent=self,
            title="The disputes could not be loaded",
        )

    def _loaded(self, generation: int, found: tuple[list[DisputeRow], DisputeStatistics]) -> None:
        if generation != self._generation:
            return
        rows, stats = found
        current = self.current_row()
        key = (current.dispute.id, current.entry.item) if current else None
        self.model.set_rows(rows)
        self.statistics = stats
        open_count = stats.open_disputes
        text = (
            "No disputes are open."
            if not open_count
            else f"{open_count} open dispute{'s' if open_count != 1 else ''}"
        )
        if stats.per_100_released is not None:
            text += (
                f" · {stats.per_100_released:.1f} disputes per 100 released shops"
                f" · {stats.items_changed} of {stats.items} disputed items changed"
            )
        self.summary.setText(text)
        wanted = _next_open(rows, key)
        if wanted is not None:
            self.table.setCurrentIndex(self.model.index(wanted, 0))
        self._update_buttons()
        self.loaded.emit()

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

    # current item ----------------------------------------------------------

    def current_row(self) -> DisputeRow | None:
        index = self.table.currentIndex()
        if not index.isValid() or index.row() >= len(self.model.rows):
            return None
        return self.model.rows[index.row()]

    def _update_buttons(self, *_args: object) -> None:
        row = self.current_row()
        self.resolve_button.setEnabled(row is not None and not row.resolved)
        self.open_button.setEnabled(row is not None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.table
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
        ):
            ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not ctrl:
                self.resolve_current()
                return True
            if event.key() == Qt.Key.Key_O and ctrl:
                self.open_current_shop()
                return True
        return super().eventFilter(watched, event)

    # actions ---------------------------------------------------------------

    def open_current_shop(self) -> None:
        row = self.current_row()
        if row is not None:
            self.ctx.open_evaluation_requested.emit(row.dispute.evaluation_id, "")

    def resolve_current(self) -> DisputeData | None:
        """Enter: the resolve dialog for the current item; the dispute after, or None."""
        row = self.current_row()
        if row is None or row.resolved:
            return None
        actor = require_your_name(self)
        if actor is None:
            return None
        dispute_id, item = row.dispute.id, row.entry.item

        def submit(resolution: str, answer: AnswerValue, reason: str) -> DisputeData:
            return operations.write_now(
                self.ctx,
                lambda db: disputes.resolve(
                    db, dispute_id, item, resolution, actor=actor, reason=reason, answer=answer
                ),
                Change.EVALUATIONS,
            )

        dialog = ResolveDialog(row, submit, self)
        try:
            dialog.exec()
            return dialog.result_dispute
        finally:
            dialog.deleteLater()

    def choose_and_open_dispute(self) -> DisputeData | None:
        """Open dispute…: pick a released shop, then its items."""
        shops = operations.read_now(self.ctx, _released)
        if not shops:
            self.summary.setText("No shop is released yet: only released shops can be disputed.")
            return None
        labels = [
            f"{s.visited_on:%Y-%m-%d} · {s.agent_name} · {s.property_name} · {s.shopper}"
            for s in shops
        ]
        label, ok = QInputDialog.getItem(
            self, "Open a dispute", "Released shop to dispute:", labels, 0, False
        )
        if not ok or label not in labels:
            return None
        return self.open_dispute_for(shops[labels.index(label)].id)

    def open_dispute_for(self, evaluation_id: str) -> DisputeData | None:
        return open_dispute_for(self.ctx, evaluation_id, self)


__all__ = ["COLUMNS", "DisputeRow", "DisputesModel", "DisputesPage", "ResolveDialog"]
