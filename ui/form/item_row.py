"""One rubric item in the form: prompt, answer buttons, guidance, comment box.

The row itself takes keyboard focus (the buttons never do), so one key answers the item:
Y / N / A, or a digit for scale values and choice options. Text items hand focus to their
editor instead. The row never decides where focus goes next: it asks the form through
`move_requested`, so the form stays the one place that knows the order of items.

A low answer (No, the lowest value, a zero-point choice) opens the comment box but keeps the
keyboard on the items: C or Enter goes into the box, and the next answer key answers the
next item, so an answer key never becomes comment text.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from shopper import scoring
from shopper.rubric import Item, Section
from shopper.scoring import NA, AnswerValue
from shopper.services.evaluations import AnswerData
from ui.form.answer_parts import (
    COMMENT_HINT,
    LOW_NOTE_HINT,
    Choice,
    CountLabel,
    NoteEdit,
    choices_for,
    is_low,
)


class WrappingButton(QPushButton):
    """A push button whose text wraps onto more lines when the form is narrow (a choice's
    long text would otherwise make the whole form scroll sideways)."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._label = QLabel(text)
        self._label.setWordWrap(True)
        self._label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._label.setTextFormat(Qt.TextFormat.PlainText)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self._label)
        self.setAccessibleName(text)
        self.toggled.connect(self._show_checked)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def _show_checked(self, checked: bool) -> None:
        self._label.setStyleSheet("color: white;" if checked else "")  # as form style's

    def text(self) -> str:  # what the button shows (drawn by its label)
        return self._label.text()

    def sizeHint(self) -> QSize:
        return self._layout().sizeHint()

    def minimumSizeHint(self) -> QSize:
        return self._layout().minimumSize()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._layout().totalHeightForWidth(width)

    def _layout(self) -> QLayout:
        layout = self.layout()
        assert layout is not None
        return layout


class ItemRow(QFrame):
    changed = Signal()
    """The answer or the comment changed (every keystroke)."""
    move_requested = Signal(int)
    """+1: go to the next item, -1: the previous one."""
    refused = Signal(str)
    """A key could not be applied; the text says why (shown in the status line)."""
    reveal_requested = Signal(QWidget)
    """A part of the row just appeared (the comment box): scroll it into view."""
    forward_requested = Signal(QKeyEvent)
    """An answer key meant for the next item (after a low answer left this one's box open)."""

    def __init__(
        self,
        path: str,
        number: str,
        section: Section,
        item: Item,
        read_only: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.path, self.section, self.item = path, section, item
        self.read_only = read_only
        self.clear_allowed = True
        self._value: AnswerValue = None
        self._note_offered = False
        self._choices = choices_for(item)
        self.setObjectName("itemRow")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(f"{number} {item.prompt}")

        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 8, 10, 8)
        outer.setSpacing(6)
        outer.addLayout(self._build_heading(number))
        self.buttons: dict[str, QPushButton] = {}
        self.text_edit: NoteEdit | None = None
        if item.type == "text":
            self.text_edit = NoteEdit(4)
            self.text_edit.setPlaceholderText("Type here (Tab to go on)")
            self.text_edit.textChanged.connect(self._text_changed)
            self.text_edit.escaped.connect(lambda: self.move_requested.emit(1))
            self.setFocusProxy(self.text_edit)
            outer.addWidget(self.text_edit)
            self.comment_count = CountLabel(self.text_edit)
            outer.addWidget(self.comment_count)
        elif self.item.type == "choice":
            options = QWidget()
            options.setMaximumWidth(760)
            options.setLayout(self._build_buttons())
            outer.addWidget(options)
        else:
            outer.addLayout(self._build_buttons())
        self.status_label = QLabel()
        self.status_label.setObjectName("itemStatus")
        self.status_label.setVisible(False)
        outer.addWidget(self.status_label)
        self.guidance_label = QLabel(item.guidance or "No guidance for this item.")
        self.guidance_label.setObjectName("guidance")
        self.guidance_label.setWordWrap(True)
        self.guidance_label.setVisible(False)
        outer.addWidget(self.guidance_label)
        self.comment_edit: NoteEdit | None = None
        if item.type != "text":
            self.comment_edit = NoteEdit(2)
            self.comment_edit.setPlaceholderText(COMMENT_HINT)
            self.comment_edit.setAccessibleName(f"Comment on {number}")
            self.comment_edit.textChanged.connect(self._comment_changed)
            self.comment_edit.escaped.connect(lambda: self.move_requested.emit(1))
            self.comment_edit.setVisible(False)
            # Tab moves between items; C or Enter is the way into the box.
            self.comment_edit.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
            outer.addWidget(self.comment_edit)
            self.comment_count = CountLabel(self.comment_edit)
            outer.addWidget(self.comment_count)
        self.set_read_only(read_only)

    # ----------------------------------------------------------------- building --
    def _build_heading(self, number: str) -> QHBoxLayout:
        heading = QHBoxLayout()
        heading.setSpacing(8)
        number_label = QLabel(number)
        number_label.setObjectName("itemNumber")
        number_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        prompt = QLabel(self.item.prompt)
        prompt.setObjectName("prompt")
        prompt.setWordWrap(True)
        prompt.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        heading.addWidget(number_label, 0, Qt.AlignmentFlag.AlignTop)
        heading.addWidget(prompt, 1)
        if self.item.critical:
            badge = QLabel("CRITICAL")
            badge.setObjectName("criticalBadge")
            badge.setToolTip("Answering No is a critical failure: the overall score becomes 0%")
            heading.addWidget(badge, 0, Qt.AlignmentFlag.AlignTop)
        meta = self._meta_text()
        if meta:
            meta_label = QLabel(meta)
            meta_label.setObjectName("itemMeta")
            heading.addWidget(meta_label, 0, Qt.AlignmentFlag.AlignTop)
        return heading

    def _meta_text(self) -> str:
        if self.item.type == "text" or self.item.possible == 0:
            return ""
        points = self.item.possible
        shown = str(points.numerator) if points.denominator == 1 else f"{float(points):g}"
        return f"{shown} pt" if points == 1 else f"{shown} pts"

    def _build_buttons(self) -> QBoxLayout:
        vertical = self.item.type == "choice"
        layout: QBoxLayout = QVBoxLayout() if vertical else QHBoxLayout()
        layout.setSpacing(4)
        layout.setContentsMargins(26, 0, 0, 0)
        for choice in self._choices:
            text = self._button_text(choice, vertical)
            button = WrappingButton(text) if vertical else QPushButton(text)
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setObjectName("answerButton")
            button.setToolTip(f"Key: {choice.key_hint}" if choice.key_hint else "")
            button.clicked.connect(lambda _=False, v=choice.value: self._clicked(v))
            if not vertical and self.item.type == "scale" and choice.value != NA:
                button.setMinimumWidth(40)
            self.buttons[str(choice.value)] = button
            layout.addWidget(button)
        if self.item.type == "scale":
            ends = QLabel(f"1 = lowest, {self.item.max} = highest")
            ends.setObjectName("itemMeta")
            layout.addSpacing(8)
            layout.addWidget(ends)
        if not vertical:
            layout.addStretch(1)
        return layout

    def _button_text(self, choice: Choice, vertical: bool) -> str:
        if vertical:
            return f"{choice.key_hint or ' '}    {choice.text}"
        if self.item.type == "scale" and choice.value != NA:
            return choice.text
        return f"{choice.text}  ({choice.key_hint})"

    # ----------------------------------------------------------------- state --
    def value(self) -> AnswerValue:
        if self.text_edit is not None:
            text = self.text_edit.toPlainText()
            return text if text.strip() else None
        return self._value

    def comment(self) -> str:
        return self.comment_edit.toPlainText() if self.comment_edit is not None else ""

    def answer(self) -> AnswerData | None:
        value, comment = self.value(), self.comment()
        if value is None and not comment.strip():
            return None
        return AnswerData(value, comment if comment.strip() else None)

    def set_answer(self, answer: AnswerData | None) -> None:
        """Show a stored answer without announcing a change."""
        self.blockSignals(True)
        try:
            if self.text_edit is not None:
                text = answer.value if answer and isinstance(answer.value, str) else ""
                self.text_edit.setPlainText(text)
            else:
                self._value = answer.value if answer else None
                if self.comment_edit is not None:
                    self.comment_edit.setPlainText((answer.comment if answer else None) or "")
        finally:
            self.blockSignals(False)
        self._refresh()

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        for button in self.buttons.values():
            button.setEnabled(not read_only)
        for editor in (self.text_edit, self.comment_edit):
            if editor is not None:
                editor.setReadOnly(read_only)
        self._refresh()

    def set_current(self, current: bool) -> None:
        if self.property("current") != current:
            self.setProperty("current", current)
            self._restyle()

    def set_missing(self, missing: bool) -> None:
        if self.property("missing") != missing:
            self.setProperty("missing", missing)
            self._refresh()

    @property
    def critical_failure(self) -> bool:
        return scoring.is_critical_failure(self.item, self.value())

    def toggle_guidance(self) -> None:
        self.guidance_label.setVisible(not self.guidance_label.isVisible())

    def open_comment(self) -> None:
        """Show the comment box and put the cursor in it (C or Enter)."""
        if self.comment_edit is None:
            return
        self._note_offered = False
        self.comment_edit.setVisible(True)
        self.comment_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.comment_edit.moveCursor(self.comment_edit.textCursor().MoveOperation.End)
        self.comment_count.refresh()
        self.reveal_requested.emit(self.comment_edit)

    def offer_comment(self) -> None:
        """Show the comment box after a low answer, keeping the keyboard on the items."""
        if self.comment_edit is None or self.read_only:
            return
        self.comment_edit.setVisible(True)
        self.comment_count.refresh()
        self._note_offered = True
        self.reveal_requested.emit(self.comment_edit)

    # ----------------------------------------------------------------- changes --
    def _clicked(self, value: AnswerValue) -> None:
        if self.read_only:
            return
        self.setFocus(Qt.FocusReason.MouseFocusReason)  # keys go on from the clicked item
        self._apply(None if value == self._value else value, advance=False)

    def _apply(self, value: AnswerValue, advance: bool) -> None:
        if value is None and self._value is not None and not self.clear_allowed:
            self.refused.emit("This answer is needed while the evaluation awaits follow-up.")
            self._refresh()
            return
        self._value = value
        self._note_offered = False
        self._refresh()
        self.changed.emit()
        if value is not None and is_low(self.item, value) and self.comment_edit is not None:
            self.comment_edit.setPlaceholderText(LOW_NOTE_HINT)
            self.offer_comment()
        elif advance:
            self.move_requested.emit(1)

    def _text_changed(self) -> None:
        self._refresh()
        self.changed.emit()

    def _comment_changed(self) -> None:
        self.changed.emit()

    def _refresh(self) -> None:
        value = self.value()
        for key, button in self.buttons.items():
            button.setChecked(value is not None and key == str(value))
        if self.comment_edit is not None:
            low = is_low(self.item, value)
            has_text = bool(self.comment_edit.toPlainText())
            self.comment_edit.setPlaceholderText(LOW_NOTE_HINT if low else COMMENT_HINT)
            self.comment_edit.setVisible(
                has_text or self.comment_edit.hasFocus() or (low and not self.read_only)
            )
            self.comment_count.refresh()
        critical = self.critical_failure
        missing = bool(self.property("missing")) and not scoring.is_answered(self.item, value)
        if critical:
            self.status_label.setText("✖  CRITICAL FAILURE: the overall score is 0%")
        elif missing:
            self.status_label.setText("●  Needs an answer before this evaluation can move on")
        self.status_label.setProperty("kind", "critical" if critical else "missing")
        self.status_label.setVisible(critical or missing)
        self.setProperty("critical", critical)
        self.setProperty("answered", scoring.is_answered(self.item, value))
        self._restyle()

    def _restyle(self) -> None:
        for widget in (self, self.status_label):
            widget.style().unpolish(widget)
            widget.style().polish(widget)

    # ----------------------------------------------------------------- keys --
    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.set_current(True)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self._note_offered = False
        super().focusOutEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = Qt.Key(event.key())
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if modifiers & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
            super().keyPressEvent(event)
            return
        if self._note_offered and self._is_answer_key(event):
            # The box stays open for later; this key answers the next item.
            self._note_offered = False
            self.forward_requested.emit(event)
            return
        if self._note_offered and key == Qt.Key.Key_Escape:
            self._note_offered = False  # no note this time: go on
            self.move_requested.emit(1)
            return
        self._note_offered = False
        if key in (Qt.Key.Key_Down, Qt.Key.Key_J):
            self.move_requested.emit(1)
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_K):
            self.move_requested.emit(-1)
        elif key == Qt.Key.Key_F1 or event.text() == "?":
            self.toggle_guidance()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_C):
            self.open_comment()
        elif self.read_only:
            super().keyPressEvent(event)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self._step(-1 if key == Qt.Key.Key_Left else 1)
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            if self._value is not None:
                self._apply(None, advance=False)
        elif not self._answer_key(event):
            super().keyPressEvent(event)

    def _is_answer_key(self, event: QKeyEvent) -> bool:
        text = event.text().upper()
        return bool(text) and (
            text in ("Y", "N", "A")
            or text.isdigit()
            or any(c.key_hint == text for c in self._choices)
        )

    def _answer_key(self, event: QKeyEvent) -> bool:
        text = event.text().upper()
        if not text:
            return False
        for choice in self._choices:
            if choice.key_hint == text:
                self._apply(choice.value, advance=True)
                return True
        if text == "A" and self.item.scored:
            self.refused.emit("N/A is not allowed for this item.")
            return True
        if text in ("Y", "N") or text.isdigit():
            self.refused.emit(f"{text} is not an answer to this item; see the keys on its buttons.")
            return True
        return False

    def _step(self, delta: int) -> None:
        """Left/Right: move the answer along the buttons without leaving the item."""
        values = [c.value for c in self._choices if c.value != NA]
        if not values:
            return
        if self._value in values:
            index = values.index(self._value) + delta
        else:
            index = 0 if delta > 0 else len(values) - 1
        index = max(0, min(len(values) - 1, index))
        if values[index] != self._value:
            self._value = values[index]
            self._refresh()
            self.changed.emit()
