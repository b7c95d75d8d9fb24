"""Start an evaluation: property and agent with type-ahead (a new agent is added after one
question), the shopper (required, remembered), visit date and time (now by default), channel
and rubric (the default).

Fields are checked when you leave them and on Start, never while you type; each message sits
under its own field in a line kept for it, so the dialog never changes height.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QTime
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from shopper.limits import MAX_NAME_CHARS
from shopper.services import agents, evaluations, properties, rubrics
from shopper.services.evaluations import CHANNEL_LABELS, EvaluationData
from shopper.storage.db import Database
from ui import operations, profile, settings
from ui.context import AppContext
from ui.dialogs.pickers import OneTabDateEdit, OneTabTimeEdit, SearchCombo
from ui.dialogs.profile import require_your_name
from ui.errors import show_error
from ui.geometry import fit_to_screen
from ui.keys import guard_text_fields
from ui.operations import Change

MESSAGE_STYLE = """
QLabel[kind="error"] { color: #b00020; }
QLabel[kind="note"] { color: #4a5260; }
"""


def field_message() -> QLabel:
    """A one-line message under a field; it keeps its height when empty."""
    label = QLabel()
    label.setObjectName("fieldMessage")
    label.setWordWrap(False)
    label.setFixedHeight(label.fontMetrics().lineSpacing() + 2)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
    return label


class NewEvaluationDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.created_id: str | None = None
        self.new_agent_question: QMessageBox | None = None
        self.setWindowTitle("New evaluation")
        self.setStyleSheet(MESSAGE_STYLE)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.property_box = SearchCombo("Type to find a property")
        self.property_message = field_message()
        self.agent_box = SearchCombo("Type to find an agent, or a new name")
        self.agent_hint = field_message()
        self.shopper = QLineEdit(settings.SHOPPER_NAME.get() or profile.your_name())
        self.shopper.setPlaceholderText("Who did the visit (required; remembered)")
        self.shopper.setMaxLength(MAX_NAME_CHARS)
        self.shopper_message = field_message()
        now = dt.datetime.now()
        self.visit_date = OneTabDateEdit(QDate(now.year, now.month, now.day))
        self.visit_date.setCalendarPopup(True)
        self.visit_date.setDisplayFormat("ddd d MMM yyyy")
        self.visit_time = OneTabTimeEdit(QTime(now.hour, now.minute))
        self.visit_time.setDisplayFormat("HH:mm")
        self.channel = QComboBox()
        for key, label in CHANNEL_LABELS.items():
            self.channel.addItem(label, key)
        self.channel.setCurrentIndex(max(0, self.channel.findData(settings.LAST_CHANNEL.get())))
        self.rubric = QComboBox()
        # Reading order is tab order: who and where first, then the (prefilled) visit details.
        form.addRow("&Property", self.property_box)
        form.addRow("", self.property_message)
        form.addRow("&Agent", self.agent_box)
        form.addRow("", self.agent_hint)
        form.addRow("&Shopper", self.shopper)
        form.addRow("", self.shopper_message)
        form.addRow("&Visit date", self.visit_date)
        form.addRow("Visit &time", self.visit_time)
        form.addRow("&Channel", self.channel)
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
        for first, second in (
            (self.property_box, self.agent_box),
            (self.agent_box, self.shopper),
            (self.shopper, self.visit_date),
            (self.visit_date, self.visit_time),
            (self.visit_time, self.channel),
            (self.channel, self.rubric),
        ):
            QWidget.setTabOrder(first, second)

        self.property_box.set_choices(
            [(p.name, p.id) for p in operations.read_now(ctx, properties.list_properties)],
            keep_current=False,
        )
        self._load_rubrics()
        self.property_box.currentIndexChanged.connect(self._property_changed)
        for box in (self.property_box, self.agent_box):
            line = box.lineEdit()
            assert line is not None
            line.textEdited.connect(self._typing)
            line.editingFinished.connect(self._check_fields)
        self.shopper.textEdited.connect(lambda _t: self._say(self.shopper_message, ""))
        self.agent_box.currentIndexChanged.connect(lambda _i: self._check_agent())
        self._property_changed()
        guard_text_fields(self)  # Alt+letter never types into a field
        self.setMinimumWidth(520)
        fit_to_screen(self, self.sizeHint())

    def _load_rubrics(self) -> None:
        default, found = operations.read_now(
            self.ctx, lambda db: (rubrics.default_rubric(db), rubrics.list_rubrics(db))
        )
        for info in found:
            if info.is_latest:
                self.rubric.addItem(f"{info.name} (version {info.version})", info.id)
        if default is not None:
            self.rubric.setCurrentIndex(max(0, self.rubric.findData(default.id)))

    # ----------------------------------------------------------------- checking --
    def _say(self, label: QLabel, text: str, kind: str = "error") -> None:
        label.setText(text)
        label.setToolTip(text)
        label.setProperty("kind", kind)
        label.style().unpolish(label)
        label.style().polish(label)

    def _typing(self) -> None:
        """While typing, old messages go and nothing new is said; Start needs both names."""
        sender = self.sender()
        if sender is self.property_box.lineEdit():
            self._say(self.property_message, "")
        else:
            self._say(self.agent_hint, "")
        self._update_start()

    def _update_start(self) -> None:
        self.start_button.setEnabled(
            bool(self.property_box.currentText().strip() and self.agent_box.currentText().strip())
        )

    def _property_changed(self) -> None:
        property_id = self.property_box.current_id()
        if property_id is None:
            self.agent_box.set_choices([], keep_current=True)
        else:
            found = operations.read_now(
                self.ctx, lambda db: agents.list_agents(db, property_id, include_inactive=False)
            )
            self.agent_box.set_choices([(a.name, a.id) for a in found], keep_current=True)
        if property_id is not None:
            self._say(self.property_message, "")
        self._check_agent()
        self._update_start()

    def _check_fields(self) -> None:
        """On leaving a name field: say what is wrong with it, or what Start will do."""
        if self.sender() is self.property_box.lineEdit():
            self._check_property()
        self._check_agent()
        self._update_start()

    def _check_property(self) -> str | None:
        property_id = self.property_box.current_id()
        if property_id is None and self.property_box.currentText().strip():
            self._say(self.property_message, "No property has that name; pick one from the list.")
        elif property_id is None:
            self._say(self.property_message, "Pick the property that was visited.")
        else:
            self._say(self.property_message, "")
        return property_id

    def _check_agent(self) -> None:
        """A note under the agent when Start would add or reactivate one."""
        property_id = self.property_box.current_id()
        name = " ".join(self.agent_box.currentText().split())
        text = ""
        if property_id is not None and name and self.agent_box.current_id() is None:
            existing = operations.read_now(self.ctx, lambda db: agents.find(db, name, property_id))
            prop = self.property_box.currentText().strip()
            if existing is None:
                text = f"New agent: “{name}” will be added to {prop}."
            elif not existing.active:
                text = f"“{existing.name}” is inactive at {prop}; starting makes them active."
        self._say(self.agent_hint, text, "note")

    # ----------------------------------------------------------------- starting --
    def accept(self) -> None:
        property_id = self._check_property()
        agent_name = " ".join(self.agent_box.currentText().split())
        shopper = " ".join(self.shopper.text().split())
        self._say(
            self.agent_hint, "" if agent_name else "Type the agent's name, or pick one.", "error"
        )
        self._say(self.shopper_message, "" if shopper else "Type the shopper's name.")
        for ok, widget in (
            (property_id is not None, self.property_box),
            (bool(agent_name), self.agent_box),
            (bool(shopper), self.shopper),
        ):
            if not ok:
                widget.setFocus()
                return
        assert property_id is not None
        if self.agent_box.current_id() is None:
            existing = operations.read_now(
                self.ctx, lambda db: agents.find(db, agent_name, property_id)
            )
            if existing is None:
                self._ask_new_agent(agent_name)
                return
        self._start(property_id, agent_name, shopper)

    def _ask_new_agent(self, name: str) -> None:
        """One question before an agent is added (answered in `_new_agent_answered`)."""
        prop = self.property_box.currentText().strip()
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Add a new agent?",
            f"“{name}” is not an agent at {prop} yet.\n\n"
            f"Add “{name}” to {prop} and start the evaluation?",
            QMessageBox.StandardButton.NoButton,
            self,
        )
        box.setObjectName("newAgentQuestion")
        add = box.addButton("Add agent and start", QMessageBox.ButtonRole.AcceptRole)
        keep = box.addButton("Go back", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(add)  # the name is in the question: Enter adds, Esc goes back
        box.setEscapeButton(keep)
        box.buttonClicked.connect(self._new_agent_answered)
        self.new_agent_question = box
        box.open()

    def _new_agent_answered(self, button: QAbstractButton) -> None:
        box = self.new_agent_question
        self.new_agent_question = None
        if box is None:
            return
        box.deleteLater()
        if box.buttonRole(button) != QMessageBox.ButtonRole.AcceptRole:
            self.agent_box.setFocus()
            return
        property_id = self.property_box.current_id()
        agent_name = " ".join(self.agent_box.currentText().split())
        shopper = " ".join(self.shopper.text().split())
        if property_id is not None and agent_name and shopper:
            self._start(property_id, agent_name, shopper)

    def _start(self, property_id: str, agent_name: str, shopper: str) -> None:
        actor = require_your_name(self, suggestion=shopper)
        if actor is None:
            return
        agent_id = self.agent_box.current_id()
        qdate, qtime = self.visit_date.date(), self.visit_time.time()
        rubric_id, channel = int(self.rubric.currentData()), str(self.channel.currentData())

        def start(db: Database) -> tuple[EvaluationData, bool]:
            """On the writer: the agent found or added, then the draft (one job)."""
            new_agent = False
            chosen = agent_id
            if chosen is None:
                found = agents.find_or_create(db, agent_name, property_id)
                chosen, new_agent = found.agent.id, found.created or found.reactivated
            created = evaluations.create(
                db,
                rubric_id=rubric_id,
                agent_id=chosen,
                visited_on=dt.date(qdate.year(), qdate.month(), qdate.day()),
                visited_time=dt.time(qtime.hour(), qtime.minute()),
                channel=channel,
                shopper=shopper,
                actor=actor,
            )
            return created, new_agent

        def changed(result: tuple[EvaluationData, bool]) -> Change:
            return Change.EVALUATIONS | (Change.AGENTS if result[1] else Change.NOTHING)

        try:
            created, _new_agent = operations.write_now(self.ctx, start, changed)
        except Exception as exc:
            show_error(self, "The evaluation could not be started", exc)
            return
        settings.SHOPPER_NAME.set(shopper)
        settings.LAST_CHANNEL.set(str(self.channel.currentData()))
        self.created_id = created.id
        super().accept()


def start_new_evaluation(ctx: AppContext, parent: QWidget | None) -> str | None:
    """Ask for the visit details, create the draft; its id, or None if cancelled."""
    dialog = NewEvaluationDialog(ctx, parent)
    dialog.exec()
    return dialog.created_id


__all__ = ["NewEvaluationDialog", "start_new_evaluation"]
