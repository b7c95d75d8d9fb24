"""Small dialogs for the Agents & properties page: a name, a property, an agent to merge into."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from shopper.services.agents import AgentInfo
from shopper.services.properties import PropertyInfo
from ui.dialogs.pickers import SearchCombo
from ui.geometry import fit_to_screen
from ui.keys import guard_text_fields


def shops(count: int) -> str:
    """ "All 3 evaluations", "The 1 evaluation", "No evaluations"."""
    if count == 0:
        return "No evaluations"
    return "The 1 evaluation" if count == 1 else f"All {count:,} evaluations"


class _Dialog(QDialog):
    def __init__(self, title: str, intro: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.layout_ = QVBoxLayout(self)
        if intro:
            label = QLabel(intro)
            label.setWordWrap(True)
            self.layout_.addWidget(label)
        self.form = QFormLayout()
        self.layout_.addLayout(self.form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.setMinimumWidth(420)

    def finish(self, ok_text: str) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
        self.layout_.addWidget(self.buttons)
        guard_text_fields(self)
        fit_to_screen(self, self.sizeHint())


def ask_agent(
    parent: QWidget | None, found: list[PropertyInfo], property_id: str | None
) -> tuple[str, str] | None:
    """(name, property id) for a new agent."""
    dialog = _Dialog("Add agent", "", parent)
    name = QLineEdit()
    prop = SearchCombo("Type to find a property")
    prop.set_choices([(p.name, p.id) for p in found], keep_current=False)
    prop.select_id(property_id)
    dialog.form.addRow("&Name", name)
    dialog.form.addRow("&Property", prop)
    dialog.finish("Add")
    name.setFocus()
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    chosen = prop.current_id()
    return (name.text(), chosen) if chosen else None


def ask_property(
    parent: QWidget | None, title: str, intro: str, found: list[PropertyInfo], ok_text: str
) -> str | None:
    dialog = _Dialog(title, intro, parent)
    prop = SearchCombo("Type to find a property")
    prop.set_choices([(p.name, p.id) for p in found], keep_current=False)
    dialog.form.addRow("&Property", prop)
    dialog.finish(ok_text)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return prop.current_id()


def ask_merge_target(
    parent: QWidget | None, duplicate: AgentInfo, candidates: list[AgentInfo]
) -> str | None:
    """The agent that keeps the evaluations when `duplicate` is merged into it."""
    others = [a for a in candidates if a.id != duplicate.id]
    others.sort(key=lambda a: (a.property_id != duplicate.property_id, a.name.casefold()))
    dialog = _Dialog(
        "Merge duplicate agents",
        f"{shops(duplicate.evaluation_count)} of “{duplicate.name}” "
        f"({duplicate.property_name}) move to the agent you choose, and “{duplicate.name}” "
        "is removed. This cannot be undone.",
        parent,
    )
    target = SearchCombo("Type to find the agent to keep")
    target.set_choices(
        [(f"{a.name} — {a.property_name}", a.id) for a in others], keep_current=False
    )
    dialog.form.addRow("&Keep", target)
    dialog.finish("Merge")
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return target.current_id()
