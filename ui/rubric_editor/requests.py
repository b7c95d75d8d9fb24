"""What panels may ask the editor to do. Every request becomes one undoable command."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject

from shopper import rubric_edit as edit
from shopper.rubric_edit import NodePath


@dataclass(frozen=True)
class Requests:
    set_field: Callable[[NodePath, str, Any], None]
    insert: Callable[[NodePath, edit.Node], None]
    remove: Callable[[NodePath], None]
    move: Callable[[NodePath, NodePath], None]
    undo_filter: QObject
    """Installed on every text field so Ctrl+Z reaches the editor's undo stack."""
