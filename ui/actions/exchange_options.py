"""The small dialogs that choose what an export takes (the same filters as the CLI)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from shopper.exchange.common import PackageFilter
from shopper.exchange.csv_export import CsvFilter
from shopper.services import agents, properties
from shopper.services.evaluations import STATUS_LABELS
from shopper.storage.db import Database

ALL = "All"


def _date_row(label: str, start: dt.date) -> tuple[QCheckBox, QDateEdit, QWidget]:
    check = QCheckBox(label)
    edit = QDateEdit(QDate(start.year, start.month, start.day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setEnabled(False)
    check.toggled.connect(edit.setEnabled)
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(check)
    layout.addWidget(edit, 1)
    return check, edit, row


def _date(check: QCheckBox, edit: QDateEdit) -> dt.date | None:
    if not check.isChecked():
        return None
    value = edit.date()
    return dt.date(value.year(), value.month(), value.day())


def _combo(first: str, names: list[str]) -> QComboBox:
    combo = QComboBox()
    combo.addItem(first, None)
    for name in names:
        combo.addItem(name, name)
    return combo


class _OptionsDialog(QDialog):
    def __init__(self, title: str, intro: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Choose file…")
        ok.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        text = QLabel(intro)
        text.setWordWrap(True)
        layout.addWidget(text)
        layout.addLayout(self.form)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)


def names(db: Database) -> tuple[list[str], list[str]]:
    """The property names and the agent names the options offer (read through
    ui.operations before a dialog opens)."""
    agent_names = sorted({a.name for a in agents.list_agents(db)}, key=str.casefold)
    return [p.name for p in properties.list_properties(db)], agent_names


class PackageOptionsDialog(_OptionsDialog):
    """Which evaluations go into a package (all of them unless narrowed)."""

    def __init__(self, property_names: list[str], parent: QWidget | None = None) -> None:
        super().__init__(
            "Export package",
            "A package carries evaluations to another machine, with the rubrics, properties "
            "and agents they use. Importing it there merges them in.",
            parent,
        )
        today = dt.date.today()
        self.since_check, self.since_edit, row = _date_row(
            "Only evaluations changed since", today - dt.timedelta(days=7)
        )
        self.form.addRow("Changed:", row)
        self.property_combo = _combo(ALL, property_names)
        self.property_combo.setAccessibleName("Property")
        self.form.addRow("&Property:", self.property_combo)
        self.status_combo = QComboBox()
        self.status_combo.setAccessibleName("Status")
        self.status_combo.addItem(ALL, None)
        for status, label in STATUS_LABELS.items():
            self.status_combo.addItem(label, status)
        self.form.addRow("&Status:", self.status_combo)

    def choice(self) -> PackageFilter:
        return PackageFilter(
            since=_date(self.since_check, self.since_edit),
            property_name=self.property_combo.currentData(),
            status=self.status_combo.currentData(),
        )


class CsvOptionsDialog(_OptionsDialog):
    """Which evaluations go into a CSV file (every one, drafts included, unless narrowed)."""

    def __init__(
        self,
        property_names: list[str],
        agent_names: list[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "Export CSV",
            "One row per evaluation with its overall and section scores, for spreadsheets.",
            parent,
        )
        today = dt.date.today()
        self.from_check, self.from_edit, row = _date_row(
            "Visited on or after", today.replace(day=1)
        )
        self.form.addRow("From:", row)
        self.to_check, self.to_edit, row = _date_row("Visited on or before", today)
        self.form.addRow("To:", row)
        self.property_combo = _combo(ALL, property_names)
        self.property_combo.setAccessibleName("Property")
        self.form.addRow("&Property:", self.property_combo)
        self.agent_combo = _combo(ALL, agent_names)
        self.agent_combo.setAccessibleName("Agent")
        self.form.addRow("&Agent:", self.agent_combo)

    def choice(self) -> CsvFilter:
        return CsvFilter(
            date_from=_date(self.from_check, self.from_edit),
            date_to=_date(self.to_check, self.to_edit),
            property_name=self.property_combo.currentData(),
            agent_name=self.agent_combo.currentData(),
        )
