"""Undoable edits of a rubric draft. Each command changes the draft through the model only.

Consecutive edits of the same field in one editing session merge into one undo step, so
Ctrl+Z takes back a typed word or a whole prompt rather than one letter. Every command asks
the editor to show the node it touched (`focus`), so undoing a change made elsewhere first
brings that place into view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand

from shopper import rubric_edit as edit
from shopper.rubric_edit import NodePath
from ui.rubric_editor.model import DraftModel

FocusFn = Callable[[NodePath], None]
SET_FIELD_ID = 1001
UNMERGED_FIELDS = frozenset(
    {"type", "critical", "allow_na", "deferred", "in_overall", "key_question"}
)

FIELD_LABELS = {
    "key": "key",
    "name": "name",
    "description": "description",
    "title": "title",
    "guidance": "guidance",
    "deferred": "follow-up",
    "in_overall": "in overall",
    "prompt": "prompt",
    "type": "type",
    "points": "points",
    "max": "scale maximum",
    "critical": "critical",
    "allow_na": "N/A allowed",
    "key_question": "key question",
    "label": "option label",
}


def _kind(path: NodePath) -> str:
    return ("rubric", "section", "item", "option")[len(path)]


class SetFieldCommand(QUndoCommand):
    def __init__(
        self,
        model: DraftModel,
        focus: FocusFn,
        path: NodePath,
        name: str,
        value: Any,
        session: int,
        key: str | None = None,
    ) -> None:
        super().__init__(f"Change {_kind(path)} {FIELD_LABELS.get(name, name)}")
        self.model, self.focus = model, focus
        self.path, self.name, self.new, self.session = path, name, value, session
        node = edit.node_at(model.draft, path)
        self.old = getattr(node, name)
        self.new_key = key
        """A key derived from the new title (see ui.rubric_editor.keys), set with it."""
        self.old_key: str = str(getattr(node, "key", "")) if key is not None else ""
        self._typing = True
        """The first redo is the edit itself (typed: checked after a pause); undo and redo
        later are single steps, checked at once."""

    def id(self) -> int:
        return SET_FIELD_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not (
            isinstance(other, SetFieldCommand)
            and (other.path, other.name, other.session) == (self.path, self.name, self.session)
            and self.name not in UNMERGED_FIELDS
        ):
            return False
        self.new = other.new
        if other.new_key is not None:
            if self.new_key is None:
                self.old_key = other.old_key
            self.new_key = other.new_key
        self.setObsolete(self.new == self.old and self.new_key in (None, self.old_key))
        return True

    def redo(self) -> None:
        self.focus(self.path)
        self.model.set_field(self.path, self.name, self.new, typed=self._typing)
        if self.new_key is not None:
            self.model.set_field(self.path, "key", self.new_key, typed=self._typing)
        self._typing = False

    def undo(self) -> None:
        self.focus(self.path)
        if self.new_key is not None:
            self.model.set_field(self.path, "key", self.old_key, typed=False)
        self.model.set_field(self.path, self.name, self.old, typed=False)


class InsertCommand(QUndoCommand):
    def __init__(self, model: DraftModel, focus: FocusFn, path: NodePath, node: edit.Node) -> None:
        super().__init__(f"Add {_kind(path)}")
        self.model, self.focus, self.path, self.node = model, focus, path, node

    def redo(self) -> None:
        self.model.insert(self.path, self.node)
        self.focus(self.path)

    def undo(self) -> None:
        self.model.remove(self.path)
        self.focus(_neighbour(self.model, self.path))


class RemoveCommand(QUndoCommand):
    def __init__(self, model: DraftModel, focus: FocusFn, path: NodePath) -> None:
        super().__init__(f"Remove {_kind(path)}")
        self.model, self.focus, self.path = model, focus, path
        self.node: edit.Node | None = None

    def redo(self) -> None:
        self.node = self.model.remove(self.path)
        self.focus(_neighbour(self.model, self.path))

    def undo(self) -> None:
        assert self.node is not None
        self.model.insert(self.path, self.node)
        self.focus(self.path)


class MoveCommand(QUndoCommand):
    def __init__(
        self, model: DraftModel, focus: FocusFn, source: NodePath, target: NodePath
    ) -> None:
        super().__init__(f"Move {_kind(source)}")
        self.model, self.focus, self.source, self.target = model, focus, source, target

    def redo(self) -> None:
        self.model.move(self.source, self.target)
        self.focus(self.target)

    def undo(self) -> None:
        self.model.move(self.target, self.source)
        self.focus(self.source)


def _neighbour(model: DraftModel, path: NodePath) -> NodePath:
    """What to show after the node at `path` went away: the one now in its place, the one
    before it, else its parent."""
    siblings = edit.children(edit.node_at(model.draft, path[:-1]))
    if not siblings:
        return path[:-1]
    return (*path[:-1], min(path[-1], len(siblings) - 1))
