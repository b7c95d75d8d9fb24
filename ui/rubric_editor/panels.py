"""The fields of the rubric itself, of the selected section and of the selected item."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from shopper import rubric_edit as edit
from shopper.rubric_edit import ItemDraft, NodePath, SectionDraft
from ui.rubric_editor.fields import Binding, line_edit, points_box, problem_label, text_edit
from ui.rubric_editor.model import TYPE_LABELS, DraftModel, format_points
from ui.rubric_editor.options import OptionsEditor
from ui.rubric_editor.requests import Requests

KEY_HINT = "Lowercase letters, digits, '_' or '-'. Stored in every evaluation: keep it stable."


class NodePanel(QWidget):
    """Fields of one node; `refresh()` shows its values and problems.

    The node is held as a persistent index, not a path: when a node above it is removed or
    moved, the panel keeps showing the same node at its new place.
    """

    def __init__(self, model: DraftModel, requests: Requests) -> None:
        super().__init__()
        self.model, self.requests = model, requests
        self._index = QPersistentModelIndex()
        self.bindings: dict[str, Binding] = {}
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        model.field_changed.connect(self._field_changed)
        model.changed.connect(self._changed)

    def bind(self, name: str, widget: QWidget, label: str | None = None) -> Binding:
        binding = Binding(name, widget, self._edit, self.requests.undo_filter)
        self.bindings[name] = binding
        if label is not None:
            self.form.addRow(label, binding.container())
            widget.setAccessibleName(label.replace("&", "").rstrip(":"))
        return binding

    def _edit(self, name: str, value: Any) -> None:
        if self.path is not None:
            self.requests.set_field(self.path, name, value)

    def node(self) -> Any:
        assert self.path is not None
        return edit.node_at(self.model.draft, self.path)

    @property
    def path(self) -> NodePath | None:
        return self.model.path_of(self._index) if self._index.isValid() else None

    def set_index(self, index: QModelIndex) -> None:
        self._index = QPersistentModelIndex(index.siblingAtColumn(0))
        self.refresh()

    def refresh(self) -> None:
        if self.path is None:
            return
        node = self.node()
        for name, binding in self.bindings.items():
            binding.refresh(getattr(node, name))
        self._changed()

    def _field_changed(self, path: NodePath, name: str) -> None:
        if path == self.path and name in self.bindings:
            self.bindings[name].refresh(getattr(self.node(), name))

    def _changed(self) -> None:
        if self.path is None:
            return
        self.update_derived()
        found = [p for p in self.model.problems if p.path == self.path]
        for name, binding in self.bindings.items():
            binding.show_problems([p.message for p in found if p.field == name])

    def update_derived(self) -> None:
        """Totals, visibility: whatever follows from the values."""


class RubricFields(NodePanel):
    """Key, name and description of the rubric (always shown above the tree)."""

    def __init__(self, model: DraftModel, requests: Requests, key_editable: bool) -> None:
        super().__init__(model, requests)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        name = self.bind("name", line_edit("e.g. Leasing Tour", "rubricName"))
        name.widget.setAccessibleName("Rubric name")
        self.key_edit = line_edit("e.g. leasing-tour", "rubricKey")
        key = self.bind("key", self.key_edit)
        key.widget.setAccessibleName("Rubric key")
        self.key_edit.setReadOnly(not key_editable)
        key.widget.setToolTip(
            KEY_HINT
            if key_editable
            else "The key stays the same in every version. To copy this rubric under a new "
            "key, use Duplicate on the Rubrics page."
        )
        description = self.bind(
            "description", text_edit("Optional: what this rubric is for", "rubricDescription", 2)
        )
        description.widget.setAccessibleName("Rubric description")
        self.sections_problem = problem_label()
        # A grid, so that labels line up with their fields whether or not a problem shows.
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(2)
        self.name_label, self.key_label = QLabel("&Name:"), QLabel("K&ey:")
        self.name_label.setBuddy(name.widget)
        self.key_label.setBuddy(key.widget)
        description_label = QLabel("&Description:")
        description_label.setBuddy(description.widget)
        top = Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft
        grid.addWidget(self.name_label, 0, 0)
        grid.addWidget(name.widget, 0, 1)
        grid.addWidget(self.key_label, 0, 2)
        grid.addWidget(key.widget, 0, 3)
        grid.addWidget(name.problem, 1, 1)
        grid.addWidget(key.problem, 1, 3)
        grid.addWidget(description_label, 2, 0, top)
        grid.addWidget(description.widget, 2, 1, 1, 3)
        grid.addWidget(description.problem, 3, 1, 1, 3)
        grid.addWidget(self.sections_problem, 4, 0, 1, 4)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(3, 2)
        grid.setColumnMinimumWidth(2, 40)
        layout.addLayout(grid)

    @property
    def path(self) -> NodePath | None:
        return ()

    def _changed(self) -> None:
        super()._changed()
        found = [p.message for p in self.model.problems_at(()) if p.field == "sections"]
        self.sections_problem.setText("\n".join(f"⚠ {m}" for m in found))
        self.sections_problem.setVisible(bool(found))


class SectionPanel(NodePanel):
    def __init__(self, model: DraftModel, requests: Requests) -> None:
        super().__init__(model, requests)
        layout = QVBoxLayout(self)
        box = QGroupBox("Section")
        box.setLayout(self.form)
        layout.addWidget(box)
        self.bind("title", line_edit("Heading the shopper sees", "sectionTitle"), "&Title:")
        key = self.bind("key", line_edit("e.g. greeting", "sectionKey"), "&Key:")
        key.widget.setToolTip(KEY_HINT)
        self.bind(
            "guidance",
            text_edit("Optional: what good looks like in this section", "sectionGuidance", 4),
            "&Guidance:",
        )
        deferred = QCheckBox("Answered after the visit (follow-up)")
        deferred.setObjectName("sectionDeferred")
        deferred.setToolTip(
            "Items the shopper may leave unanswered until the follow-up arrives; the "
            "evaluation can wait as 'awaiting follow-up' without them."
        )
        self.bind("deferred", deferred, "")
        in_overall = QCheckBox("Counts in the overall score")
        in_overall.setObjectName("sectionInOverall")
        in_overall.setToolTip(
            "Untick for a section that is scored on its own and reported beside the overall "
            "score, e.g. a 'how likely would I be to lease here' rating."
        )
        self.bind("in_overall", in_overall, "")
        self.total = QLabel()
        self.total.setObjectName("sectionTotal")
        self.total.setProperty("role", "total")
        self.form.addRow("Possible:", self.total)
        self.items_problem = problem_label()
        self.form.addRow("", self.items_problem)
        layout.addStretch(1)

    def update_derived(self) -> None:
        section = self.node()
        assert isinstance(section, SectionDraft)
        count = len(section.items)
        text = f"{format_points(section.possible)} points from {count} item{'s' * (count != 1)}"
        if not section.in_overall:
            text += " (scored on its own, not in the overall score)"
        self.total.setText(text)
        found = [p.message for p in self.model.problems_at(self.path or ()) if p.field == "items"]
        self.items_problem.setText("\n".join(f"⚠ {m}" for m in found))
        self.items_problem.setVisible(bool(found))


class ItemPanel(NodePanel):
    def __init__(self, model: DraftModel, requests: Requests) -> None:
        super().__init__(model, requests)
        layout = QVBoxLayout(self)
        box = QGroupBox("Item")
        box.setLayout(self.form)
        layout.addWidget(box)
        prompt = line_edit("The question as the shopper sees it", "itemPrompt")
        self.bind("prompt", prompt, "&Prompt:")
        key = self.bind("key", line_edit("e.g. greeted_promptly", "itemKey"), "&Key:")
        key.widget.setToolTip(KEY_HINT)
        self.bind(
            "guidance",
            text_edit("Optional: what good looks like for this item", "itemGuidance", 3),
            "&Guidance:",
        )
        types = QComboBox()
        types.setObjectName("itemType")
        for value, label in TYPE_LABELS.items():
            types.addItem(label, value)
        self.bind("type", types, "T&ype:")
        self.bind("points", points_box("itemPoints"), "P&oints:")
        scale = QSpinBox()
        scale.setObjectName("itemScaleMax")
        scale.setRange(0, 99)
        scale.setPrefix("1 to ")
        scale.setMaximumWidth(140)
        self.bind("max", scale, "Scale &maximum:")
        self.options = OptionsEditor(model, requests, lambda: self.path)
        self.form.addRow("Op&tions:", self.options)
        allow_na = QCheckBox("The shopper may answer N/A (not applicable)")
        allow_na.setObjectName("itemAllowNa")
        self.bind("allow_na", allow_na, "")
        critical = QCheckBox("Critical: answering No sets the overall score to 0")
        critical.setObjectName("itemCritical")
        critical.setToolTip("For gates such as fair-housing breaches. Only yes/no items.")
        self.bind("critical", critical, "")
        key_question = QCheckBox("Key question: counts in the key-question score")
        key_question.setObjectName("itemKeyQuestion")
        key_question.setToolTip(
            "Key questions get their own score beside the overall. Only scored items."
        )
        self.bind("key_question", key_question, "")
        self.worth = QLabel()
        self.worth.setObjectName("itemWorth")
        self.worth.setProperty("role", "total")
        self.form.addRow("Worth:", self.worth)
        layout.addStretch(1)

    def set_index(self, index: QModelIndex) -> None:
        self._index = QPersistentModelIndex(index.siblingAtColumn(0))
        self.options.rebuild()
        self.refresh()

    def _field_changed(self, path: NodePath, name: str) -> None:
        super()._field_changed(path, name)
        if self.path is not None and path[:2] == self.path and len(path) == 3:
            self.options.refresh()
        elif path == self.path and name == "options":
            self.options.rebuild()

    def _show_row(self, name: str, visible: bool) -> None:
        container = self.bindings[name].widget.parentWidget()
        assert container is not None
        self.form.setRowVisible(container, visible)

    def update_derived(self) -> None:
        item = self.node()
        assert isinstance(item, ItemDraft)
        self._show_row("points", item.type in ("yes_no", "scale"))
        self._show_row("max", item.type == "scale")
        self.form.setRowVisible(self.options, item.type == "choice")
        self._show_row("allow_na", item.scored)
        self._show_row("critical", item.scored or item.critical)
        critical = self.bindings["critical"].widget
        critical.setEnabled(item.type == "yes_no" or item.critical)
        self._show_row("key_question", item.scored or item.key_question)
        self.bindings["key_question"].widget.setEnabled(item.scored or item.key_question)
        points = f"{format_points(item.possible)} point{'' if item.possible == 1 else 's'}"
        if item.type == "choice":
            self.options.refresh()
            worth = f"{points} (its best option)"
        elif item.scored:
            worth = points
        else:
            worth = "not scored (free text for the report)"
        if item.critical and item.type == "yes_no":
            worth += " · critical"
        if item.key_question and item.scored:
            worth += " · key question"
        self.worth.setText(worth)
