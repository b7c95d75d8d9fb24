"""Start an evaluation: property and agent with type-ahead (a new agent is added inline),
visit date and time (now by default), channel, shopper (remembered) and rubric (the default).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from shopper.services import agents, evaluations, properties, rubrics
from shopper.services.evaluations import CHANNEL_LABELS
from shopper.storage.folding import fold_text
from ui import settings
from ui.context import AppContext
from ui.dialogs.pickers import SearchCombo
from ui.errors import show_error


class NewEvaluationDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.created_id: str | None = None
        self.setWindowTitle("New evaluation")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.property_box = SearchCombo("Type to find a property")
        self.agent_box = SearchCombo("Type to find an agent, or a new name")
        self.agent_hint = QLabel()
        self.agent_hint.setObjectName("hint")
        self.agent_hint.setWordWrap(True)
        now = dt.datetime.now()
        self.visit_date = QDateEdit(QDate(now.year, now.month, now.day))
        self.visit_date.setCalendarPopup(True)
        self.visit_date.setDisplayFormat("ddd d MMM yyyy")
        self.visit_time = QTimeEdit(QTime(now.hour, now.minute))
        self.visit_time.setDisplayFormat("HH:mm")
        self.channel = QComboBox()
        for key, label in CHANNEL_LABELS.items():
            self.channel.addItem(label, key)
        self.channel.setCurrentIndex(max(0, self.channel.findData(settings.LAST_CHANNEL.get())))
        self.shopper = QLineEdit(settings.SHOPPER_NAME.get())
        self.shopper.setPlaceholderText("Your name (remembered)")
        self.rubric = QComboBox()
        form.addRow("&Property", self.property_box)
        form.addRow("&Agent", self.agent_box)
        form.addRow("", self.agent_hint)
        form.addRow("&Visit date", self.visit_date)
        form.addRow("Visit &time", self.visit_time)
        form.addRow("&Channel", self.channel)
        form.addRow("&Shopper", self.shopper)
        form.addRow("&Rubric", self.rubric)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.start_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.start_button.setText("Start")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.property_box.set_choices(
            [(p.name, p.id) for p in properties.list_properties(ctx.db)], keep_current=False
        )
        self._load_rubrics()
        self.property_box.currentIndexChanged.connect(self._property_changed)
        self.property_box.editTextChanged.connect(self._update_hint)
        self.agent_box.editTextChanged.connect(self._update_hint)
        self._property_changed()
        self.setMinimumWidth(520)

    def _load_rubrics(self) -> None:
        default = rubrics.default_rubric(self.ctx.db)
        for info in rubrics.list_rubrics(self.ctx.db):
            if info.is_latest:
                self.rubric.addItem(f"{info.name} (version {info.version})", info.id)
        if default is not None:
            self.rubric.setCurrentIndex(max(0, self.rubric.findData(default.id)))

    def _property_changed(self) -> None:
        property_id = self.property_box.current_id()
        if property_id is None:
            self.agent_box.set_choices([], keep_current=False)
        else:
            found = agents.list_agents(self.ctx.db, property_id, include_inactive=False)
            self.agent_box.set_choices([(a.name, a.id) for a in found], keep_current=False)
        self._update_hint()

    def _update_hint(self) -> None:
        property_id = self.property_box.current_id()
        agent_text = " ".join(self.agent_box.currentText().split())
        if self.property_box.currentText().strip() and property_id is None:
            hint = "No property has that name; pick one from the list."
        elif property_id is not None and agent_text and self.agent_box.current_id() is None:
            hint = f"New agent: “{agent_text}” will be added to this property."
        else:
            hint = ""
        self.agent_hint.setText(hint)
        self.agent_hint.setVisible(bool(hint))
        self.adjustSize()
        self.start_button.setEnabled(property_id is not None and bool(agent_text))

    def accept(self) -> None:
        property_id = self.property_box.current_id()
        agent_name = " ".join(self.agent_box.currentText().split())
        if property_id is None or not agent_name:
            return
        try:
            agent_id = self.agent_box.current_id()
            if agent_id is None:
                agent_id = self._find_or_add_agent(agent_name, property_id)
            qdate, qtime = self.visit_date.date(), self.visit_time.time()
            created = evaluations.create(
                self.ctx.db,
                rubric_id=int(self.rubric.currentData()),
                agent_id=agent_id,
                visited_on=dt.date(qdate.year(), qdate.month(), qdate.day()),
                visited_time=dt.time(qtime.hour(), qtime.minute()),
                channel=str(self.channel.currentData()),
                shopper=self.shopper.text(),
                actor=self.shopper.text().strip(),
            )
        except Exception as exc:
            show_error(self, "The evaluation could not be started", exc)
            return
        settings.SHOPPER_NAME.set(self.shopper.text().strip())
        settings.LAST_CHANNEL.set(str(self.channel.currentData()))
        self.created_id = created.id
        self.ctx.announce("evaluations")
        super().accept()

    def _find_or_add_agent(self, name: str, property_id: str) -> str:
        """An existing agent of that name (even inactive), else a new one."""
        for agent in agents.list_agents(self.ctx.db, property_id):
            if fold_text(agent.name) == fold_text(name):
                if not agent.active:
                    agents.update_agent(self.ctx.db, agent.id, active=True)
                    self.ctx.announce("agents")
                return agent.id
        added = agents.create_agent(self.ctx.db, name, property_id)
        self.ctx.announce("agents")
        return added.id


def start_new_evaluation(ctx: AppContext, parent: QWidget | None) -> str | None:
    """Ask for the visit details, create the draft; its id, or None if cancelled."""
    dialog = NewEvaluationDialog(ctx, parent)
    dialog.exec()
    return dialog.created_id
