"""The rubric draft as a Qt tree: sections at the top, their items below.

The model is the only thing that changes the draft. Its mutating methods (`insert`,
`remove`, `move`, `set_field`) are called by the undo commands, never by widgets directly, so
every change can be undone. `field_changed(path, name)` tells the field panels which value
to refresh, at once. The draft is then validated again and `changed` emitted: at once after
a structural change or a click (type, points, check boxes), but after a pause in typing
(`VALIDATE_DELAY_MS`) for text fields, so that a keystroke costs only the repaint of its
own row. `validate_now()` does a pending check at once (saving and previewing call it).

A drop does not move anything by itself: it emits `move_requested(source, target)` and the
editor turns that into an undoable command, exactly like Ctrl+Up/Down.
"""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import QApplication, QStyle

from shopper import rubric_edit as edit
from shopper.rubric_edit import ItemDraft, NodePath, Problem, RubricDraft, SectionDraft

NODE_MIME = "application/x-shopper-rubric-node"
TYPE_LABELS = {"yes_no": "Yes / No", "scale": "Scale", "choice": "Choice", "text": "Text"}
COLUMNS = ("Section / item", "Type", "Points")
PATH_ROLE = Qt.ItemDataRole.UserRole + 1
TEXT_FIELDS = frozenset({"key", "name", "description", "title", "guidance", "prompt", "label"})
"""Fields typed a character at a time: checked after a pause, not on every key."""
VALIDATE_DELAY_MS = 400
"""The pause in typing after which the draft is checked again (and problems shown)."""
AnyIndex = QModelIndex | QPersistentModelIndex
ROOT = QModelIndex()


def format_points(value: Fraction) -> str:
    """`2`, `2.5`, `0.33` — points as people write them."""
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def type_label(item: ItemDraft) -> str:
    if item.type == "scale":
        return f"Scale 1–{item.max}"
    if item.type == "choice":
        return f"Choice ({len(item.options)})"
    return TYPE_LABELS.get(item.type, item.type)


class DraftModel(QAbstractItemModel):
    field_changed = Signal(object, str)
    """(node path, field name) — also (item path, "options") when options are added/removed."""
    changed = Signal()
    """Anything changed; `problems` is up to date."""
    move_requested = Signal(object, object)
    """(source path, target path) from a drop."""

    def __init__(
        self,
        draft: RubricDraft,
        taken_keys: frozenset[str] = frozenset(),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.draft = draft
        self.taken_keys = taken_keys
        # Item indexes carry a stable token of their section (not its row), so that persistent
        # indexes of items stay right when whole sections are moved.
        self._sections_by_token: dict[int, SectionDraft] = {}
        self._token_by_id: dict[int, int] = {}
        self.problems: list[Problem] = []
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(VALIDATE_DELAY_MS)
        self._pending.timeout.connect(self.validate_now)
        self._validate()

    # ------------------------------------------------------------------- structure --
    def _token(self, section: SectionDraft) -> int:
        token = self._token_by_id.get(id(section))
        if token is None:
            token = len(self._sections_by_token) + 1
            self._sections_by_token[token] = section
            self._token_by_id[id(section)] = token
        return token

    def _section_row(self, section: SectionDraft) -> int:
        return next(i for i, s in enumerate(self.draft.sections) if s is section)

    def index(self, row: int, column: int, parent: AnyIndex = ROOT) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        section = self.draft.sections[parent.row()]
        return self.createIndex(row, column, self._token(section))

    def parent(self, index: AnyIndex | None = None) -> Any:
        if index is None:
            return super().parent()
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        section = self._sections_by_token[index.internalId()]
        return self.createIndex(self._section_row(section), 0, 0)

    def rowCount(self, parent: AnyIndex = ROOT) -> int:
        if not parent.isValid():
            return len(self.draft.sections)
        if parent.column() != 0 or parent.internalId() != 0:
            return 0
        return len(self.draft.sections[parent.row()].items)

    def columnCount(self, parent: AnyIndex = ROOT) -> int:
        return len(COLUMNS)

    def path_of(self, index: AnyIndex) -> NodePath:
        if not index.isValid():
            return ()
        if index.internalId() == 0:
            return (index.row(),)
        return (self._section_row(self._sections_by_token[index.internalId()]), index.row())

    def index_of(self, path: NodePath, column: int = 0) -> QModelIndex:
        """The tree index of a section or item (an option's item for option paths)."""
        if not path:
            return QModelIndex()
        section = self.index(path[0], 0 if len(path) > 1 else column)
        return section if len(path) == 1 else self.index(path[1], column, section)

    # ------------------------------------------------------------------------ data --
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        path = self.path_of(index)
        node = edit.node_at(self.draft, path)
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(node, column)
        if role == PATH_ROLE:
            return path
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if column == 0 and role in (Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.ToolTipRole):
            found = self.problems_under(path)
            if role == Qt.ItemDataRole.ToolTipRole:
                lines = [self._display(node, 0), *(f"⚠ {p.describe(self.draft)}" for p in found)]
                return "\n".join(lines)
            if not found:
                return None
            style = QApplication.style()
            return style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        if role == Qt.ItemDataRole.AccessibleDescriptionRole and column == 0:
            count = len(self.problems_under(path))
            return f"{count} problem{'s' if count != 1 else ''}" if count else None
        return None

    def _display(self, node: Any, column: int) -> str:
        if isinstance(node, SectionDraft):
            if column == 0:
                return node.title.strip() or f"(untitled section {node.key})"
            if column == 1:
                flags = ("follow-up", node.deferred), ("not in overall", not node.in_overall)
                return " · ".join(text for text, on in flags if on)
            return format_points(node.possible)
        assert isinstance(node, ItemDraft)
        if column == 0:
            return node.prompt.strip() or f"(no prompt yet: {node.key})"
        if column == 1:
            return type_label(node) + (" · critical" if node.critical else "")
        return format_points(node.possible) if node.scored else "–"

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        base |= Qt.ItemFlag.ItemIsDragEnabled
        if index.internalId() == 0:
            base |= Qt.ItemFlag.ItemIsDropEnabled
        else:
            base |= Qt.ItemFlag.ItemNeverHasChildren
        return base

    # -------------------------------------------------------------------- problems --
    def _validate(self) -> None:
        self._pending.stop()
        self.problems = edit.validate(self.draft, self.taken_keys)

    @property
    def validation_pending(self) -> bool:
        """A typed change is waiting for the pause before it is checked."""
        return self._pending.isActive()

    def validate_now(self) -> None:
        """Check the draft, repaint the rows whose problems changed, emit `changed`."""
        before = self.problems
        self._validate()
        touched = {p.path[:2] for p in set(before).symmetric_difference(self.problems)}
        for path in touched:
            for end in range(1, len(path) + 1):  # the node and its section (their icons)
                index = self.index_of(path[:end])
                if index.isValid():
                    self.dataChanged.emit(index, index)
        self.changed.emit()

    def problems_at(self, path: NodePath) -> list[Problem]:
        """Problems of exactly this node (an item's options count as the item's)."""
        return [p for p in self.problems if p.path[: max(len(path), 2)] == path]

    def problems_under(self, path: NodePath) -> list[Problem]:
        return [p for p in self.problems if p.path[: len(path)] == path]

    # ----------------------------------------------------------------- mutations --
    def insert(self, path: NodePath, node: edit.Node) -> None:
        if len(path) <= 2:
            parent = self.index_of(path[:-1])
            self.beginInsertRows(parent, path[-1], path[-1])
            edit.insert_node(self.draft, path, node)
            self.endInsertRows()
        else:
            edit.insert_node(self.draft, path, node)
            self.field_changed.emit(path[:2], "options")
        self._after_change(path[:-1])

    def remove(self, path: NodePath) -> edit.Node:
        if len(path) <= 2:
            self.beginRemoveRows(self.index_of(path[:-1]), path[-1], path[-1])
            node = edit.remove_node(self.draft, path)
            self.endRemoveRows()
        else:
            node = edit.remove_node(self.draft, path)
            self.field_changed.emit(path[:2], "options")
        self._after_change(path[:-1])
        return node

    def move(self, source: NodePath, target: NodePath) -> None:
        if len(source) <= 2:
            source_parent, target_parent = self.index_of(source[:-1]), self.index_of(target[:-1])
            destination = target[-1]
            if source[:-1] == target[:-1] and target[-1] > source[-1]:
                destination += 1  # Qt counts the destination before the row is taken out
            ok = self.beginMoveRows(
                source_parent, source[-1], source[-1], target_parent, destination
            )
            assert ok, f"cannot move {source} to {target}"
            edit.move_node(self.draft, source, target)
            self.endMoveRows()
        else:
            edit.move_node(self.draft, source, target)
            self.field_changed.emit(source[:2], "options")
        self._after_change(source[:-1])
        if target[:-1] != source[:-1]:
            self._after_change(target[:-1])

    def set_field(self, path: NodePath, name: str, value: Any, typed: bool = False) -> None:
        """Set one field. `typed`: a keystroke in a text field, checked after a pause."""
        edit.set_field(self.draft, path, name, value)
        self.field_changed.emit(path, name)
        # Repaint only what shows this field: the node's row and its section's (totals).
        for end in range(min(len(path), 2), 0, -1):
            first, last = self.index_of(path[:end]), self.index_of(path[:end], len(COLUMNS) - 1)
            if first.isValid():
                self.dataChanged.emit(first, last)
        if typed and name in TEXT_FIELDS:
            self._pending.start()  # (re)started by every key: runs once typing pauses
        else:
            self.validate_now()

    def _after_change(self, path: NodePath) -> None:
        """Revalidate and repaint: problems and totals can change anywhere above `path`."""
        self._validate()
        if self.draft.sections:
            last = self.index(len(self.draft.sections) - 1, len(COLUMNS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)
        for row, section in enumerate(self.draft.sections):
            if section.items:
                parent = self.index(row, 0)
                last_item = self.index(len(section.items) - 1, len(COLUMNS) - 1, parent)
                self.dataChanged.emit(self.index(0, 0, parent), last_item)
        self.changed.emit()

    # -------------------------------------------------------------- drag and drop --
    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [NODE_MIME]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:  # type: ignore[override]
        data = QMimeData()
        valid = [i for i in indexes if i.isValid()]
        if valid:
            data.setData(NODE_MIME, json.dumps(list(self.path_of(valid[0]))).encode())
        return data

    def drop_target(
        self, data: QMimeData, row: int, parent: AnyIndex
    ) -> tuple[NodePath, NodePath] | None:
        """(source, target) paths for dropping `data` at `row` under `parent`, or None."""
        if not data.hasFormat(NODE_MIME):
            return None
        try:
            source = tuple(int(i) for i in json.loads(bytes(data.data(NODE_MIME).data())))
        except (ValueError, TypeError):
            return None
        parent_path = self.path_of(parent)
        if len(source) != len(parent_path) + 1 or not 1 <= len(source) <= 2:
            return None  # sections go between sections, items into a section
        count = len(edit.children(edit.node_at(self.draft, parent_path)))
        index = count if row < 0 else min(row, count)
        if source[:-1] == parent_path and index > source[-1]:
            index -= 1  # the row counts the dragged node, which is taken out first
        target = (*parent_path, index)
        return None if target == source else (source, target)

    def canDropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: AnyIndex,
    ) -> bool:
        if action != Qt.DropAction.MoveAction:
            return False
        return self.drop_target(data, row, parent) is not None

    def dropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: AnyIndex,
    ) -> bool:
        found = self.drop_target(data, row, parent) if action == Qt.DropAction.MoveAction else None
        if found is None:
            return False
        self.move_requested.emit(*found)
        # The move is done; returning False keeps the view from removing the dragged row.
        return False
