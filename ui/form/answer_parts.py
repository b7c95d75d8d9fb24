"""The pieces of an item row: which answers it offers (and their keys), which answers are
"low" (worth a note), and the plain-text box used for comments and text answers."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QWidget

from shopper.limits import COMMENT_COUNT_FROM, MAX_COMMENT_CHARS
from shopper.rubric import Item
from shopper.scoring import NA, AnswerValue
from ui.keys import is_alt_text

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
    """A plain-text box where Tab moves on and Esc hands focus back to the form.

    It holds at most `max_chars` characters (longer typing or pasting is cut at the limit),
    and Alt+letter (a menu letter) never becomes text."""

    escaped = Signal()

    def __init__(
        self, lines: int, parent: QWidget | None = None, max_chars: int = MAX_COMMENT_CHARS
    ) -> None:
        super().__init__(parent)
        self.max_chars = max_chars
        self.setTabChangesFocus(True)
        line = self.fontMetrics().lineSpacing()
        self.setFixedHeight(line * lines + 14)
        self.textChanged.connect(self._keep_to_limit)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.escaped.emit()
            return
        if is_alt_text(event):
            event.accept()
            return
        super().keyPressEvent(event)

    def _keep_to_limit(self) -> None:
        excess = len(self.toPlainText()) - self.max_chars
        if excess <= 0:
            return
        cursor = self.textCursor()
        end = cursor.position()
        cursor.setPosition(max(0, end - excess))
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()  # what was just typed or pasted past the limit
        while len(self.toPlainText()) > self.max_chars:  # characters outside the BMP
            cursor.deletePreviousChar()
        self.setTextCursor(cursor)


def count_text(length: int, limit: int = MAX_COMMENT_CHARS) -> str:
    """ "18,500 / 20,000" near the limit; "" before COMMENT_COUNT_FROM."""
    if length < COMMENT_COUNT_FROM:
        return ""
    if length >= limit:
        return f"{length:,} / {limit:,}: the limit; shorten it to add more"
    return f"{length:,} / {limit:,}"


class CountLabel(QLabel):
    """The character count under a box, shown only near the limit."""

    def __init__(self, edit: NoteEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("commentCount")
        self.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.setVisible(False)
        self._edit = edit
        edit.textChanged.connect(self.refresh)

    def refresh(self) -> None:
        text = count_text(len(self._edit.toPlainText()), self._edit.max_chars)
        self.setText(text)
        self.setVisible(bool(text) and not self._edit.isHidden())
