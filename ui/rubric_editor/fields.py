"""Field widgets bound to one field of a draft node, each with its own inline problem label.

A binding turns the user's edits into `edit(path, name, value)` requests (the editor makes
them undoable commands) and shows the node's current value when told to `refresh()`, without
echoing that back as an edit. Problems appear right under the field, in words with a warning
mark (never by colour alone), and the field gets `invalid="true"` for a red frame.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from shopper.rubric import to_fraction

EditFn = Callable[[str, Any], None]
"""(field name, new value) — the panel adds the node path."""

EDITOR_STYLE = """
QLabel[role="problem"] { color: #a00018; font-weight: bold; }
QLineEdit[invalid="true"], QPlainTextEdit[invalid="true"] { border: 2px solid #c00020; }
QCheckBox[invalid="true"] { color: #a00018; }
QLabel[role="hint"] { color: #505866; }
QLabel[role="total"] { font-weight: bold; }
QFrame#versionBanner { background: #fff4d6; border: 1px solid #d9b44a; border-radius: 3px; }
QFrame#versionBanner[kind="free"] { background: #e8f2ff; border-color: #8fb3e6; }
QLabel#saveMessage { color: #1d5e20; font-weight: bold; }
QLabel#problemSummary { color: #a00018; font-weight: bold; }
"""


class UndoKeysToEditor(QObject):
    """Text fields keep Ctrl+Z / Ctrl+Shift+Z for their own little undo history. Refusing the
    shortcut override lets the keys reach the editor's undo stack, the single history."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            for standard in (QKeySequence.StandardKey.Undo, QKeySequence.StandardKey.Redo):
                if event.matches(standard):
                    event.ignore()
                    return True
        return False


def problem_label() -> QLabel:
    label = QLabel()
    label.setProperty("role", "problem")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def set_invalid(widget: QWidget, invalid: bool) -> None:
    if widget.property("invalid") != invalid:
        widget.setProperty("invalid", invalid)
        widget.style().unpolish(widget)
        widget.style().polish(widget)


class Binding:
    """One field: its widget, its problem label, and the two directions of data."""

    def __init__(self, name: str, widget: QWidget, edit: EditFn, undo_filter: QObject) -> None:
        self.name, self.widget, self._edit = name, widget, edit
        self.problem = problem_label()
        self._refreshing = False
        widget.installEventFilter(undo_filter)
        if isinstance(widget, QLineEdit):
            widget.textEdited.connect(lambda text: self._emit(text))
        elif isinstance(widget, QPlainTextEdit):
            widget.textChanged.connect(lambda: self._emit(widget.toPlainText()))
        elif isinstance(widget, QCheckBox):
            widget.clicked.connect(lambda checked: self._emit(bool(checked)))
        elif isinstance(widget, QDoubleSpinBox):
            widget.valueChanged.connect(lambda value: self._emit(to_fraction(round(value, 2))))
        elif isinstance(widget, QSpinBox):
            widget.valueChanged.connect(lambda value: self._emit(int(value)))
        elif isinstance(widget, QComboBox):
            widget.activated.connect(lambda index: self._emit(widget.itemData(index)))
        else:
            raise TypeError(f"no binding for {type(widget).__name__}")

    def _emit(self, value: Any) -> None:
        if not self._refreshing:
            self._edit(self.name, value)

    def container(self) -> QWidget:
        """The field with its problem label underneath, for a form layout."""
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.widget)
        layout.addWidget(self.problem)
        return box

    def refresh(self, value: Any) -> None:
        self._refreshing = True
        try:
            widget = self.widget
            if isinstance(widget, QLineEdit):
                if widget.text() != value:
                    widget.setText(value)
                    if not widget.hasFocus():
                        widget.setCursorPosition(0)  # show the start of a long prompt
            elif isinstance(widget, QPlainTextEdit):
                if widget.toPlainText() != value:
                    widget.setPlainText(value)
            elif isinstance(widget, QCheckBox):
                widget.setChecked(bool(value))
            elif isinstance(widget, QDoubleSpinBox):
                if to_fraction(round(widget.value(), 2)) != Fraction(value):
                    widget.setValue(float(value))
            elif isinstance(widget, QSpinBox):
                widget.setValue(int(value))
            elif isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(widget.findData(value), 0))
        finally:
            self._refreshing = False

    def show_problems(self, messages: list[str]) -> None:
        self.problem.setText("\n".join(f"⚠ {m}" for m in messages))
        self.problem.setVisible(bool(messages))
        set_invalid(self.widget, bool(messages))
        description = "; ".join(messages)
        self.widget.setAccessibleDescription(description)
        self.widget.setToolTip(description)


def line_edit(placeholder: str = "", name: str = "") -> QLineEdit:
    widget = QLineEdit()
    widget.setPlaceholderText(placeholder)
    widget.setObjectName(name)
    return widget


class GrowingTextEdit(QPlainTextEdit):
    """Plain text that grows with its content (between `lines` and `max_lines` lines), so
    guidance is read whole instead of through a small scrolling window."""

    def __init__(self, lines: int, max_lines: int = 10) -> None:
        super().__init__()
        self.min_lines, self.max_lines = lines, max_lines
        self.textChanged.connect(self._fit)
        self._fit()

    def _fit(self) -> None:
        layout = self.document().documentLayout()
        visual_lines = int(layout.documentSize().height()) if layout is not None else 1
        lines = max(self.min_lines, min(self.max_lines, visual_lines))
        frame = int(self.document().documentMargin() * 2 + self.frameWidth() * 2)
        height = self.fontMetrics().lineSpacing() * lines + frame + 4
        if self.height() != height:
            self.setFixedHeight(height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()


def text_edit(placeholder: str = "", name: str = "", lines: int = 3) -> QPlainTextEdit:
    widget = GrowingTextEdit(lines)
    widget.setPlaceholderText(placeholder)
    widget.setObjectName(name)
    widget.setTabChangesFocus(True)
    widget.setUndoRedoEnabled(False)
    return widget


class PointsBox(QDoubleSpinBox):
    """Points with up to two decimals, shown as people write them (2, 2.5 — not 2.00)."""

    def textFromValue(self, value: float) -> str:
        return f"{value:.2f}".rstrip("0").rstrip(".")


def points_box(name: str = "") -> QDoubleSpinBox:
    widget = PointsBox()
    widget.setObjectName(name)
    widget.setRange(0, 1000)
    widget.setDecimals(2)
    widget.setSingleStep(1)
    widget.setKeyboardTracking(True)
    widget.setMinimumWidth(90)
    widget.setMaximumWidth(140)
    return widget
