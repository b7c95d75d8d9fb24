"""The answers of a choice item: one row per option (label, points), with their problems."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from shopper import rubric_edit as edit
from shopper.rubric_edit import ItemDraft, NodePath, OptionDraft
from ui.rubric_editor.fields import Binding, line_edit, points_box, problem_label
from ui.rubric_editor.model import DraftModel
from ui.rubric_editor.requests import Requests


class OptionRow:
    """The widgets of one option; `index` is its place in the item's options."""

    def __init__(self, editor: OptionsEditor, index: int) -> None:
        self.editor, self.index = editor, index
        undo_filter = editor.requests.undo_filter
        self.label = Binding(
            "label",
            line_edit("Answer as the shopper sees it", f"optionLabel{index}"),
            self._edit,
            undo_filter,
        )
        self.label.widget.setAccessibleName(f"Option {index + 1} label")
        self.points = Binding("points", points_box(f"optionPoints{index}"), self._edit, undo_filter)
        self.points.widget.setAccessibleName(f"Option {index + 1} points")
        style = editor.style()
        self.buttons: list[QToolButton] = []
        for icon, tip, slot in (
            (QStyle.StandardPixmap.SP_ArrowUp, "Move this option up", lambda: self._step(-1)),
            (QStyle.StandardPixmap.SP_ArrowDown, "Move this option down", lambda: self._step(1)),
            (QStyle.StandardPixmap.SP_DialogDiscardButton, "Remove this option", self._remove),
        ):
            button = QToolButton()
            button.setIcon(style.standardIcon(icon))
            button.setToolTip(tip)
            button.setAccessibleName(tip)
            button.clicked.connect(slot)
            self.buttons.append(button)

    def problem_host(self) -> QWidget:
        host = QWidget()
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.label.problem)
        layout.addWidget(self.points.problem)
        return host

    def path(self) -> NodePath:
        assert self.editor.path is not None
        return (*self.editor.path, self.index)

    def _edit(self, name: str, value: Any) -> None:
        self.editor.requests.set_field(self.path(), name, value)

    def _step(self, step: int) -> None:
        target = edit.step_target(self.editor.model.draft, self.path(), step)
        if target is not None:
            self.editor.requests.move(self.path(), target)

    def _remove(self) -> None:
        self.editor.requests.remove(self.path())

    def refresh(self, option: OptionDraft, count: int) -> None:
        self.label.refresh(option.label)
        self.points.refresh(option.points)
        self.buttons[0].setEnabled(self.index > 0)
        self.buttons[1].setEnabled(self.index < count - 1)


class OptionsEditor(QWidget):
    """Rows for the options of the item at `path`. Rebuilt when options come or go."""

    def __init__(
        self, model: DraftModel, requests: Requests, item_path: Callable[[], NodePath | None]
    ) -> None:
        super().__init__()
        self.model, self.requests, self._item_path = model, requests, item_path
        self.rows: list[OptionRow] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(6)
        self.grid.setVerticalSpacing(3)
        self.grid.setColumnStretch(0, 1)
        outer.addWidget(self.grid_host)
        self.problem = problem_label()
        outer.addWidget(self.problem)
        bottom = QHBoxLayout()
        self.add_button = QPushButton("Add option")
        self.add_button.setToolTip("Add an answer to this choice item")
        self.add_button.clicked.connect(self.add_option)
        bottom.addWidget(self.add_button)
        bottom.addStretch(1)
        outer.addLayout(bottom)

    def item(self) -> ItemDraft:
        assert self.path is not None
        node = edit.node_at(self.model.draft, self.path)
        assert isinstance(node, ItemDraft)
        return node

    @property
    def path(self) -> NodePath | None:
        """The item's path now (it changes when nodes above it come, go or move)."""
        return self._item_path()

    def rebuild(self) -> None:
        """Make one row per option (after options were added, removed or moved)."""
        focus_index = next((r.index for r in self.rows if r.label.widget.hasFocus()), None)
        while self.grid.count():
            taken = self.grid.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.deleteLater()
        self.rows = []
        if self.path is None:
            return
        options = self.item().options
        if options:
            for column, text in enumerate(("Answer", "Points")):
                header = QLabel(text)
                header.setProperty("role", "hint")
                self.grid.addWidget(header, 0, column)
        for index in range(len(options)):
            row = OptionRow(self, index)
            grid_row = 1 + index * 2
            self.grid.addWidget(row.label.widget, grid_row, 0)
            self.grid.addWidget(row.points.widget, grid_row, 1)
            for offset, button in enumerate(row.buttons):
                self.grid.addWidget(button, grid_row, 2 + offset)
            self.grid.addWidget(row.problem_host(), grid_row + 1, 0, 1, 5)
            self.rows.append(row)
        if self.isVisible():
            # New children of a visible widget are shown only later; focus needs them now.
            for row in self.rows:
                row.label.widget.show()
                row.points.widget.show()
        self.refresh()
        if focus_index is not None and self.rows:
            self.rows[min(focus_index, len(self.rows) - 1)].label.widget.setFocus()

    def refresh(self) -> None:
        if self.path is None:
            return
        options = self.item().options
        if len(options) != len(self.rows):
            self.rebuild()
            return
        for row, option in zip(self.rows, options, strict=True):
            row.refresh(option, len(options))
        self.show_problems()

    def show_problems(self) -> None:
        if self.path is None:
            return
        own = [p.message for p in self.model.problems_at(self.path) if p.field == "options"]
        self.problem.setText("\n".join(f"⚠ {m}" for m in own))
        self.problem.setVisible(bool(own))
        for row in self.rows:
            found = [p for p in self.model.problems if p.path == row.path()]
            row.label.show_problems([p.message for p in found if p.field == "label"])
            row.points.show_problems([p.message for p in found if p.field == "points"])

    def add_option(self) -> None:
        if self.path is None:
            return
        index = len(self.item().options)
        self.requests.insert((*self.path, index), OptionDraft())
        if index < len(self.rows):
            self.rows[index].label.widget.setFocus(Qt.FocusReason.OtherFocusReason)
