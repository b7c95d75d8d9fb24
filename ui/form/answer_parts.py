"""The pieces of an item row: which answers it offers (and their keys), which answers are
"low" (worth a note), and the plain-text box used for comments and text answers."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from shopper.rubric import Item
from shopper.scoring import NA, AnswerValue

LOW_NOTE_HINT = "What happened? A short note helps the agent improve (Tab or Esc to go on)"
COMMENT_HINT = "Comment (optional; Tab or Esc to go on)"


@dataclass(frozen=True)
class Choice:
    value: AnswerValue
    text: str
    key_hint: str


def choices_for(item: Item) -> list[Choice]:
    """The answer buttons of an item, in order, with the key that picks each."""
    found: list[Choice] = []
    if item.type == "yes_no":
        found = [Choice("yes", "Yes", "Y"), Choice("no", "No", "N")]
    elif item.type == "scale":
        found = [Choice(v, str(v), str(v % 10)) for v in range(1, item.max + 1)]
    elif item.type == "choice":
        found = [
            Choice(o.label, o.label, str((i + 1) % 10) if i < 10 else "")
            for i, o in enumerate(item.options)
        ]
    if item.scored and item.allow_na:
        found.append(Choice(NA, "N/A", "A"))
    return found


def is_low(item: Item, value: AnswerValue) -> bool:
    """A No, the lowest scale value or a zero-point choice: worth a note."""
    if value is None or value == NA:
        return False
    if item.type == "yes_no":
        return value == "no"
    if item.type == "scale":
        return value == 1
    if item.type == "choice":
        option = item.option(str(value))
        return option is not None and option.points == 0
    return False


class NoteEdit(QPlainTextEdit):
    """A plain-text box where Tab moves on and Esc hands focus back to the form."""

    escaped = Signal()

    def __init__(self, lines: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        line = self.fontMetrics().lineSpacing()
        self.setFixedHeight(line * lines + 14)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.escaped.emit()
            return
        super().keyPressEvent(event)
