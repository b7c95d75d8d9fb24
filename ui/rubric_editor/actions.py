"""The editor's actions and their keys: undo/redo, and adding, removing and moving nodes.

Undo and redo act anywhere in the editor window (text fields hand Ctrl+Z over, see
`fields.UndoKeysToEditor`). Remove and the moves act on the tree, so that Delete and
Ctrl+Up/Down keep their usual meaning inside text fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QBoxLayout, QToolButton, QTreeView

if TYPE_CHECKING:
    from ui.rubric_editor.editor import RubricEditor


def build_undo_actions(editor: RubricEditor, stack: QUndoStack) -> tuple[QAction, QAction]:
    undo = QAction("&Undo", editor)
    undo.setObjectName("undo")
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    undo.triggered.connect(stack.undo)
    stack.canUndoChanged.connect(undo.setEnabled)
    stack.undoTextChanged.connect(
        lambda text: undo.setToolTip(f"Undo {text.lower()} (Ctrl+Z)" if text else "")
    )
    redo = QAction("&Redo", editor)
    redo.setObjectName("redo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    redo.triggered.connect(stack.redo)
    stack.canRedoChanged.connect(redo.setEnabled)
    stack.redoTextChanged.connect(
        lambda text: redo.setToolTip(f"Redo {text.lower()} (Ctrl+Shift+Z)" if text else "")
    )
    undo.setEnabled(stack.canUndo())
    redo.setEnabled(stack.canRedo())
    editor.addActions([undo, redo])
    return undo, redo


def build_tree_actions(
    editor: RubricEditor, tree: QTreeView, buttons: QBoxLayout
) -> dict[str, QAction]:
    """Add section/item (anywhere in the window), remove and move (on the tree), each with
    a button in `buttons`."""
    specs: list[tuple[str, str, str, Callable[[], object], bool]] = [
        ("Add section", "Ctrl+Shift+N", "addSection", editor.add_section, False),
        ("Add item", "Ctrl+N", "addItem", editor.add_item, False),
        ("Remove", "Delete", "removeNode", editor.remove_current, True),
        ("Move up", "Ctrl+Up", "moveUp", lambda: editor.step_current(-1), True),
        ("Move down", "Ctrl+Down", "moveDown", lambda: editor.step_current(1), True),
    ]
    actions: dict[str, QAction] = {}
    for text, keys, name, slot, on_tree in specs:
        action = QAction(text, editor)
        action.setObjectName(name)
        action.setShortcut(QKeySequence(keys))
        action.setToolTip(f"{text} ({QKeySequence(keys).toString()})")
        action.triggered.connect(slot)
        if on_tree:
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            tree.addAction(action)
        else:
            editor.addAction(action)
        button = QToolButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        buttons.addWidget(button)
        actions[name] = action
    buttons.addStretch(1)
    return actions
