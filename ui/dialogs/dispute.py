"""A trainer's "Open dispute…" (SCORING.md, *Disputes*): on a released shop, within the
dispute window, tick one or more items and give for each a proposed answer and a reason.

`open_dispute_for(ctx, evaluation_id, parent)` reads the shop, shows the dialog, and raises
the dispute on the app's one writer as the profile's person; a refusal (outside the window,
not released) is said in the dialog, which stays open. `AnswerEditor` (an answer chosen the
way its item allows) is shared with the Disputes page's resolve dialog."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from shopper.errors import ShopperError
from shopper.limits import MAX_NOTE_CHARS
from shopper.rubric import Item, Rubric
from shopper.scoring import NA, AnswerValue
from shopper.services import disputes, evaluations, rubrics, settings
from shopper.services.disputes import DisputeData, ProposedItem
from shopper.services.evaluations import EvaluationData
from shopper.storage.db import Database
from ui import operations
from ui.context import AppContext
from ui.dialogs.profile import require_your_name
from ui.geometry import fit_to_screen
from ui.keys import guard_text_fields
from ui.operations import Change


def answer_text(value: AnswerValue) -> str:
    if value is None:
        return "—"
    if value == NA:
        return "N/A"
    return str(value)


class AnswerEditor(QWidget):
    """One answer to `item`: a list of the allowed answers (yes/no, 1…max, the options, N/A
    where allowed), or a line of text for a text item. `value()` is None until chosen."""

    def __init__(self, item: Item, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item = item
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.combo: QComboBox | None = None
        self.line: QLineEdit | None = None
        if item.type == "text":
            self.line = QLineEdit()
            self.line.setMaxLength(MAX_NOTE_CHARS)
            self.line.setAccessibleName(f"Answer to {item.prompt}")
            layout.addWidget(self.line)
            return
        self.combo = QComboBox()
        self.combo.setAccessibleName(f"Answer to {item.prompt}")
        self.combo.addItem("Choose…", None)
        choices: list[tuple[str, AnswerValue]] = []
        if item.type == "yes_no":
            choices = [("Yes", "yes"), ("No", "no")]
        elif item.type == "scale":
            choices = [(str(n), n) for n in range(1, item.max + 1)]
        else:
            choices = [(option.label, option.label) for option in item.options]
        if item.allow_na:
            choices.append(("N/A", NA))
        for label, value in choices:
            self.combo.addItem(label, value)
        layout.addWidget(self.combo)

    def value(self) -> AnswerValue:
        if self.line is not None:
            text = self.line.text().strip()
            return text or None
        assert self.combo is not None
        data = self.combo.currentData()
        return data if isinstance(data, str | int) else None

    def set_value(self, value: AnswerValue) -> bool:
        """Choose `value` (False if it is not one of the answers offered)."""
        if self.line is not None:
            self.line.setText("" if value is None else str(value))
            return True
        assert self.combo is not None
        for i in range(self.combo.count()):
            if self.combo.itemData(i) == value:
                self.combo.setCurrentIndex(i)
                return True
        return False

    def on_change(self, slot: Callable[[], None]) -> None:
        if self.line is not None:
            self.line.textChanged.connect(slot)
        elif self.combo is not None:
            self.combo.currentIndexChanged.connect(slot)


class _ItemRow:
    def __init__(self, path: str, item: Item, current: AnswerValue) -> None:
        self.path = path
        self.item = item
        self.current = current
        self.check = QCheckBox(item.prompt)
        self.check.setToolTip(path)
        self.answer = QLabel(answer_text(current))
        self.proposed = AnswerEditor(item)
        self.reason = QLineEdit()
        self.reason.setMaxLength(MAX_NOTE_CHARS)
        self.reason.setPlaceholderText("Why (kept in the history)")
        self.reason.setAccessibleName(f"Reason for disputing {item.prompt}")
        self.proposed.setEnabled(False)
        self.reason.setEnabled(False)
        self.check.toggled.connect(self.proposed.setEnabled)
        self.check.toggled.connect(self.reason.setEnabled)

    def problem(self) -> str | None:
        if not self.check.isChecked():
            return None
        value = self.proposed.value()
        if value is None:
            return f"choose the proposed answer for “{self.item.prompt}”"
        if value == self.current:
            return f"the proposed answer for “{self.item.prompt}” is the answer it has"
        if not self.reason.text().strip():
            return f"say why “{self.item.prompt}” is disputed"
        return None


class OpenDisputeDialog(QDialog):
    """Choose the items of `shop` to dispute; `submit(items)` raises the dispute (its
    refusal is shown here and the dialog stays open)."""

    def __init__(
        self,
        shop: EvaluationData,
        rubric: Rubric,
        submit: Callable[[Sequence[ProposedItem]], DisputeData],
        parent: QWidget | None = None,
        window_days: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("openDisputeDialog")
        self.setWindowTitle("Open a dispute")
        self.shop = shop
        self._submit = submit
        self.result_dispute: DisputeData | None = None
        layout = QVBoxLayout(self)
        self.intro = intro = QLabel(
            f"Dispute items of the shop of {shop.agent_name} ({shop.property_name}, "
            f"{shop.visited_on:%Y-%m-%d}). Tick each item you dispute, propose its answer and "
            "say why; a reviewer upholds, accepts or amends each one."
            + _window_text(shop, window_days)
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        grid_host = QWidget()
        grid = QGridLayout(grid_host)
        for column, title in enumerate(("Item", "Answer", "Proposed", "Reason")):
            heading = QLabel(f"<b>{title}</b>")
            grid.addWidget(heading, 0, column)
        values = shop.values()
        self.rows: list[_ItemRow] = []
        for section in rubric.sections:
            for item in section.items:
                path = f"{section.key}.{item.key}"
                row = _ItemRow(path, item, values.get(path))
                line = len(self.rows) + 1
                grid.addWidget(row.check, line, 0)
                grid.addWidget(row.answer, line, 1)
                grid.addWidget(row.proposed, line, 2)
                grid.addWidget(row.reason, line, 3)
                row.check.toggled.connect(self._changed)
                row.proposed.on_change(self._changed)
                row.reason.textChanged.connect(self._changed)
                self.rows.append(row)
        grid.setColumnStretch(3, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(grid_host)
        layout.addWidget(scroll, 1)
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Open dispute")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        guard_text_fields(self)
        self._changed()
        fit_to_screen(self, (860, 520))

    def row(self, path: str) -> _ItemRow:
        return next(r for r in self.rows if r.path == path)

    def proposed_items(self) -> list[ProposedItem]:
        return [
            ProposedItem(r.path, r.proposed.value(), r.reason.text().strip())
            for r in self.rows
            if r.check.isChecked()
        ]

    def _changed(self) -> None:
        problems = [p for r in self.rows if (p := r.problem())]
        chosen = any(r.check.isChecked() for r in self.rows)
        self.ok.setEnabled(chosen and not problems)
        self.error.setText(problems[0][0].upper() + problems[0][1:] + "." if problems else "")

    def accept(self) -> None:
        if not self.ok.isEnabled():
            return
        try:
            self.result_dispute = self._submit(self.proposed_items())
        except ShopperError as error:
            self.error.setText(f"Not opened: {error}")
            return
        super().accept()


def _window_text(shop: EvaluationData, days: int | None) -> str:
    """When the dispute window closes (the core decides; this only tells)."""
    if shop.status != "released" or shop.released_at is None:
        status = evaluations.STATUS_LABELS.get(shop.status, shop.status).lower()
        return f" Only a released shop can be disputed; this one is {status}."
    if days is None:
        return ""
    end = disputes.window_end(shop.released_at, days)
    local = end.replace(tzinfo=dt.UTC).astimezone()
    return f" Released {shop.released_at:%Y-%m-%d}; disputes close {local:%Y-%m-%d %H:%M}."


def _read_shop(ctx: AppContext, evaluation_id: str) -> tuple[EvaluationData, Rubric, int]:
    def read(db: Database) -> tuple[EvaluationData, Rubric, int]:
        shop = evaluations.get(db, evaluation_id)
        return shop, rubrics.get_rubric(db, shop.rubric_id), settings.dispute_days(db)

    return operations.read_now(ctx, read)


def open_dispute_for(
    ctx: AppContext, evaluation_id: str, parent: QWidget | None = None
) -> DisputeData | None:
    """Evaluation window or Disputes page ▸ Open dispute…: the dispute raised, or None."""
    shop, rubric, days = _read_shop(ctx, evaluation_id)
    actor = require_your_name(parent)
    if actor is None:
        return None

    def submit(items: Sequence[ProposedItem]) -> DisputeData:
        chosen = list(items)
        return operations.write_now(
            ctx,
            lambda db: disputes.open_dispute(db, evaluation_id, chosen, actor=actor),
            Change.EVALUATIONS,
        )

    dialog = OpenDisputeDialog(shop, rubric, submit, parent, window_days=days)
    try:
        dialog.exec()
        return dialog.result_dispute
    finally:
        dialog.deleteLater()


__all__ = ["AnswerEditor", "OpenDisputeDialog", "answer_text", "open_dispute_for"]
