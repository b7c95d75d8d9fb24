"""Agents & properties: add, rename, move an agent to another property, deactivate (hidden
from pickers, history kept) and merge duplicates (all their evaluations move)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from shopper.services import agents, properties
from shopper.services.agents import AgentInfo
from shopper.services.properties import PropertyInfo
from shopper.storage.db import Database
from ui import operations, settings
from ui.context import AppContext
from ui.dialogs.directory import ask_agent, ask_merge_target, ask_property
from ui.errors import show_error
from ui.keys import guard_text_fields
from ui.models.directory_models import AgentsModel, PropertiesModel
from ui.operations import Change


def _table(model: AgentsModel | PropertiesModel, widths: tuple[int, ...]) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(False)
    for column, width in enumerate(widths):
        table.setColumnWidth(column, width)
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    return table


class DirectoryPage(QWidget):
    loaded = Signal()
    """Properties and agents arrived from the background and are shown."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.properties_model = PropertiesModel(self)
        self.agents_model = AgentsModel(self)
        self._all_agents: list[AgentInfo] = []
        self._properties: list[PropertyInfo] = []
        self._generation = 0
        self._stale = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self._build_properties())
        self.splitter.addWidget(self._build_agents())
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([360, 700])
        state = settings.DIRECTORY_SPLITTER.get()
        if not state.isEmpty():
            self.splitter.restoreState(state)
        layout.addWidget(self.splitter, 1)
        hint = QLabel(
            "Ins adds an agent · F2 renames · Del deactivates or reactivates · "
            "deactivated agents keep their history but are hidden when starting an evaluation"
        )
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        for keys, slot in (
            ("Ins", self.add_agent),
            ("F2", self.rename_agent),
            ("Del", self.toggle_active),
        ):
            shortcut = QShortcut(QKeySequence(keys), self.agents_table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)
        ctx.changed.connect(self._data_changed)
        guard_text_fields(self)  # Alt+letter (the menus') never types into a field
        self.refresh()

    # ----------------------------------------------------------------- building --
    def _build_properties(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.addWidget(QLabel("<b>Properties</b>"))
        self.properties_table = _table(self.properties_model, (200, 60, 60))
        self.properties_table.setAccessibleName("Properties")
        layout.addWidget(self.properties_table, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self._button("Add property…", self.add_property))
        buttons.addWidget(self._button("Rename…", self.rename_property))
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.properties_table.selectionModel().currentRowChanged.connect(
            lambda *_: self._show_agents()
        )
        return box

    def _build_agents(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(4, 0, 0, 0)
        top = QHBoxLayout()
        self.agents_title = QLabel("<b>Agents</b>")
        top.addWidget(self.agents_title, 1)
        self.find_agent = QLineEdit()
        self.find_agent.setPlaceholderText("Find an agent")
        self.find_agent.setClearButtonEnabled(True)
        self.find_agent.textChanged.connect(lambda _t: self._show_agents())
        self.show_inactive = QCheckBox("Show &inactive")
        self.show_inactive.setChecked(True)
        self.show_inactive.toggled.connect(lambda _c: self._show_agents())
        top.addWidget(self.find_agent)
        top.addWidget(self.show_inactive)
        layout.addLayout(top)
        self.agents_table = _table(self.agents_model, (220, 200, 80, 60))
        self.agents_table.setAccessibleName("Agents")
        self.agents_table.selectionModel().currentRowChanged.connect(
            lambda *_: self._update_buttons()
        )
        layout.addWidget(self.agents_table, 1)
        buttons = QHBoxLayout()
        self.add_button = self._button("&Add agent…", self.add_agent)
        self.rename_button = self._button("&Rename…", self.rename_agent)
        self.move_button = self._button("&Move to property…", self.move_agent)
        self.active_button = self._button("&Deactivate", self.toggle_active)
        self.merge_button = self._button("Merge i&nto…", self.merge_agent)
        for button in (
            self.add_button,
            self.rename_button,
            self.move_button,
            self.active_button,
            self.merge_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        return box

    def _button(self, text: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text)
        button.clicked.connect(lambda _=False: slot())
        return button

    # ----------------------------------------------------------------- data --
    def refresh(self) -> None:
        """Load properties and agents in the background; shown when they arrive."""
        self._stale = False
        self._generation += 1
        generation = self._generation
        operations.query(
            self.ctx,
            lambda db: (properties.list_properties(db), agents.list_agents(db)),
            lambda found: self._loaded(generation, *found),
            parent=self,
            title="The agents and properties could not be loaded",
        )

    def _loaded(
        self, generation: int, found: list[PropertyInfo], all_agents: list[AgentInfo]
    ) -> None:
        if generation != self._generation:
            return  # a newer load is on its way
        current_property = self.selected_property_id()
        agent = self.selected_agent()
        current_agent = agent.id if agent is not None else None
        self._properties = found
        self.properties_model.set_properties(found)
        self._all_agents = all_agents
        self.properties_table.setCurrentIndex(
            self.properties_model.index(self.properties_model.row_of(current_property), 0)
        )
        self._show_agents(current_agent)
        self.loaded.emit()

    def _show_agents(self, keep_agent: str | None = None) -> None:
        if keep_agent is None:
            agent = self.selected_agent()
            keep_agent = agent.id if agent is not None else None
        property_id = self.selected_property_id()
        shown = [a for a in self._all_agents if property_id is None or a.property_id == property_id]
        self.agents_model.set_agents(shown, self.find_agent.text(), self.show_inactive.isChecked())
        prop = self.properties_model.property_at(self.properties_table.currentIndex().row())
        self.agents_title.setText(
            f"<b>Agents — {prop.name if prop else 'all properties'}</b> "
            f"({self.agents_model.rowCount()})"
        )
        row = self.agents_model.row_of(keep_agent)
        if row is not None:
            self.agents_table.setCurrentIndex(self.agents_model.index(row, 0))
        self._update_buttons()

    def _update_buttons(self) -> None:
        agent = self.selected_agent()
        for button in (self.rename_button, self.move_button, self.active_button):
            button.setEnabled(agent is not None)
        self.merge_button.setEnabled(agent is not None)
        self.active_button.setText("&Reactivate" if agent and not agent.active else "&Deactivate")

    def selected_property_id(self) -> str | None:
        prop = self.properties_model.property_at(self.properties_table.currentIndex().row())
        return prop.id if prop else None

    def selected_agent(self) -> AgentInfo | None:
        return self.agents_model.agent_at(self.agents_table.currentIndex().row())

    def _data_changed(self, change: Change) -> None:
        if change & (Change.AGENTS | Change.PROPERTIES | Change.EVALUATIONS):
            if self.isVisible():
                self.refresh()
            else:
                self._stale = True

    def activated(self) -> None:
        if self._stale:
            self.refresh()

    def _run(self, title: str, change: Change, command: Callable[[Database], object]) -> bool:
        """One directory command on the app's writer, waited for (the user just said OK)."""
        try:
            operations.write_now(self.ctx, command, change)
        except Exception as exc:
            show_error(self, title, exc)
            return False
        return True

    # ----------------------------------------------------------------- commands --
    def add_property(self) -> None:
        name, ok = QInputDialog.getText(self, "Add property", "Name of the property:")
        if ok and name.strip():
            self._run(
                "The property could not be added",
                Change.PROPERTIES,
                lambda db: properties.create_property(db, name),
            )

    def rename_property(self) -> None:
        prop = self.properties_model.property_at(self.properties_table.currentIndex().row())
        if prop is None:
            return
        name, ok = QInputDialog.getText(self, "Rename property", "New name:", text=prop.name)
        if ok and name.strip() and name != prop.name:
            self._run(
                "The property could not be renamed",
                Change.PROPERTIES,
                lambda db: properties.update_property(db, prop.id, name=name),
            )

    def add_agent(self) -> None:
        answer = ask_agent(self, self._properties, self.selected_property_id())
        if answer is not None:
            name, property_id = answer
            self._run(
                "The agent could not be added",
                Change.AGENTS,
                lambda db: agents.create_agent(db, name, property_id),
            )

    def rename_agent(self) -> None:
        agent = self.selected_agent()
        if agent is None:
            return
        name, ok = QInputDialog.getText(self, "Rename agent", "New name:", text=agent.name)
        if ok and name.strip() and name != agent.name:
            self._run(
                "The agent could not be renamed",
                Change.AGENTS,
                lambda db: agents.update_agent(db, agent.id, name=name),
            )

    def move_agent(self) -> None:
        agent = self.selected_agent()
        if agent is None:
            return
        others = [p for p in self._properties if p.id != agent.property_id]
        target = ask_property(
            self,
            "Move agent",
            f"Move “{agent.name}” from {agent.property_name} to another property. "
            "Their past evaluations stay with the property where each visit happened.",
            others,
            "Move",
        )
        if target:
            self._run(
                "The agent could not be moved",
                Change.AGENTS,
                lambda db: agents.update_agent(db, agent.id, property_id=target),
            )

    def toggle_active(self) -> None:
        agent = self.selected_agent()
        if agent is not None:
            self._run(
                "The agent could not be changed",
                Change.AGENTS,
                lambda db: agents.update_agent(db, agent.id, active=not agent.active),
            )

    def merge_agent(self) -> None:
        agent = self.selected_agent()
        if agent is None:
            return
        target = ask_merge_target(self, agent, self._all_agents)
        if not target:
            return
        keep = next(a for a in self._all_agents if a.id == target)
        confirm = QMessageBox.question(
            self,
            "Merge agents",
            f"Move all {agent.evaluation_count} evaluation(s) of “{agent.name}” to "
            f"“{keep.name}” ({keep.property_name}) and remove “{agent.name}”?",
        )
        if confirm == QMessageBox.StandardButton.Yes:
            self._run(
                "The agents could not be merged",
                Change.AGENTS | Change.EVALUATIONS,
                lambda db: agents.merge_agents(db, target, agent.id),
            )

    def save_state(self) -> None:
        settings.DIRECTORY_SPLITTER.set(self.splitter.saveState())
