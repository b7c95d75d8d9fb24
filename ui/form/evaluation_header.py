"""The top of an evaluation window: who and where, the visit details, status and save state."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from PySide6.QtCore import QDate, QTime, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from shopper import scoring
from shopper.limits import MAX_NAME_CHARS
from shopper.services.evaluations import CHANNEL_LABELS, STATUS_LABELS, EvaluationData
from ui.dialogs.pickers import OneTabDateEdit, OneTabTimeEdit
from ui.keys import shortcut_text

HEADER_STYLE = """
QLabel#evaluationTitle { font-size: 14pt; font-weight: bold; }
QLabel#statusBadge { font-weight: bold; padding: 2px 8px; border-radius: 3px; }
QLabel#statusBadge[status="draft"] { background: #e4e9f2; color: #1d2a3a; }
QLabel#statusBadge[status="awaiting_follow_up"] { background: #fff1c2; color: #5c4200; }
QLabel#statusBadge[status="submitted"] { background: #d9f2e0; color: #0f4d24; }
QLabel#statusDetail[overdue="true"] { color: #b00020; font-weight: bold; }
QLabel#saveState { color: #4a5260; }
QLabel#keyQuestionScore { font-weight: bold; color: #1d2a3a; }
QLabel#calibrationBadge {
    font-weight: bold; padding: 2px 8px; border-radius: 3px;
    background: #e8dcf7; color: #3b1a66;
}
QLabel#windowNote { background: #fff1c2; color: #5c4200; padding: 4px 8px; }
"""


def due_text(due: dt.date | None, today: dt.date | None = None) -> tuple[str, bool]:
    """("due Tue 14 May 2024 (overdue by 2 days)", overdue?) for a follow-up due date."""
    if due is None:
        return "", False
    today = today or dt.date.today()
    days = (due - today).days
    when = f"due {due:%a} {due.day} {due:%b %Y}"
    if days < 0:
        late = -days
        return f"{when} — OVERDUE by {late} day{'s' if late != 1 else ''}", True
    if days == 0:
        return f"{when} (today)", False
    return f"{when} (in {days} day{'s' if days != 1 else ''})", False


class EvaluationHeader(QFrame):
    changed = Signal()
    """A visit detail was edited by the user."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evaluationHeader")
        self.setStyleSheet(HEADER_STYLE)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 8, 10, 6)
        top = QHBoxLayout()
        self.title = QLabel()
        self.title.setObjectName("evaluationTitle")
        self.status_badge = QLabel()
        self.status_badge.setObjectName("statusBadge")
        self.save_state = QLabel()
        self.save_state.setObjectName("saveState")
        self.calibration_badge = QLabel("CALIBRATION")
        self.calibration_badge.setObjectName("calibrationBadge")
        self.calibration_badge.setToolTip(
            "A calibration evaluation: raters score the same shop to compare their scoring"
        )
        self.calibration_badge.setVisible(False)
        self.key_question_score = QLabel()
        self.key_question_score.setObjectName("keyQuestionScore")
        self.key_question_score.setToolTip(
            "The key-question score: points earned on the rubric's key questions "
            "(N/A when none is answered)"
        )
        top.addWidget(self.calibration_badge)
        top.addWidget(self.title, 1)
        top.addWidget(self.key_question_score)
        top.addSpacing(12)
        top.addWidget(self.save_state)
        top.addSpacing(12)
        top.addWidget(self.status_badge)
        outer.addLayout(top)

        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        self.visit_date = OneTabDateEdit()
        self.visit_date.setCalendarPopup(True)
        self.visit_date.setDisplayFormat("ddd d MMM yyyy")
        self.visit_time = OneTabTimeEdit()
        self.visit_time.setDisplayFormat("HH:mm")
        self.visit_time.setSpecialValueText("not set")
        self.channel = QComboBox()
        for key, label in CHANNEL_LABELS.items():
            self.channel.addItem(label, key)
        self.shopper = QLineEdit()
        self.shopper.setPlaceholderText("Shopper's name (required)")
        self.shopper.setMaxLength(MAX_NAME_CHARS)
        self.shopper.setMinimumWidth(160)
        fields: list[tuple[str, QWidget]] = [
            ("&Visited", self.visit_date),
            ("at", self.visit_time),
            ("&Channel", self.channel),
            ("Sho&pper", self.shopper),
        ]
        for column, (text, widget) in enumerate(fields):
            buddy_label = QLabel(text)
            buddy_label.setBuddy(widget)
            grid.addWidget(buddy_label, 0, column * 2)
            grid.addWidget(widget, 0, column * 2 + 1)
        grid.setColumnStretch(len(fields) * 2, 1)
        outer.addLayout(grid)
        self.status_detail = QLabel()
        self.status_detail.setObjectName("statusDetail")
        self.status_detail.setWordWrap(True)
        outer.addWidget(self.status_detail)
        self.note = QLabel()
        self.note.setObjectName("windowNote")
        self.note.setWordWrap(True)
        self.note.setVisible(False)
        outer.addWidget(self.note)

        self.visit_date.dateChanged.connect(self._edited)
        self.visit_time.timeChanged.connect(self._edited)
        self.channel.currentIndexChanged.connect(self._edited)
        self.shopper.textEdited.connect(self._edited)
        self._loading = False

    def _edited(self) -> None:
        if not self._loading:
            self.changed.emit()

    def show_evaluation(self, data: EvaluationData) -> None:
        self._loading = True
        try:
            self.title.setText(f"{data.property_name}  ·  {data.agent_name}")
            self.calibration_badge.setVisible(data.purpose == "calibration")
            self.set_key_question_pct(data.key_question_pct)
            visited = data.visited_on
            self.visit_date.setDate(QDate(visited.year, visited.month, visited.day))
            if data.visited_time is None:
                self.visit_time.setTime(self.visit_time.minimumTime())
            else:
                self.visit_time.setTime(QTime(data.visited_time.hour, data.visited_time.minute))
            index = self.channel.findData(data.channel)
            self.channel.setCurrentIndex(max(index, 0))
            if self.shopper.text() != data.shopper:
                self.shopper.setText(data.shopper)
        finally:
            self._loading = False
        self.show_status(data)

    def show_status(self, data: EvaluationData) -> None:
        self.status_badge.setText(STATUS_LABELS.get(data.status, data.status).upper())
        self.status_badge.setProperty("status", data.status)
        read_only = data.status == "submitted"
        for widget in (self.visit_date, self.visit_time, self.channel, self.shopper):
            widget.setEnabled(not read_only)
        overdue = False
        submit, wait, reopen = (
            shortcut_text("Ctrl+Enter"),
            shortcut_text("Ctrl+Shift+Enter"),
            shortcut_text("Ctrl+E"),
        )
        if data.status == "submitted":
            detail = f"Submitted: read-only. To change it, reopen it ({reopen}) and say why."
        elif data.status == "awaiting_follow_up":
            due, overdue = due_text(data.follow_up_due)
            detail = (
                f"Awaiting follow-up, {due}. Answer the follow-up items when it arrives, "
                f"then submit ({submit})."
            )
        else:
            detail = (
                f"Draft: saved automatically as you type. Submit with {submit}, or mark it "
                f"awaiting follow-up with {wait}."
            )
        reopened = [e for e in data.events if e.kind == "reopened"]
        if reopened and data.status != "submitted":
            last = reopened[-1]
            who = f" by {last.actor}" if last.actor else ""
            detail += f"  Reopened {last.at:%d %b %Y %H:%M} UTC{who}: “{last.detail}”."
        self.status_detail.setText(detail)
        self.status_detail.setProperty("overdue", overdue)
        for shown in (self.status_badge, self.status_detail):
            shown.style().unpolish(shown)
            shown.style().polish(shown)

    def set_key_question_pct(self, pct: Fraction | float | None) -> None:
        """The key-question score beside the overall (the form shows the overall)."""
        self.key_question_score.setText(f"Key questions {scoring.format_pct(pct)}")

    def show_note(self, text: str) -> None:
        """A note about this window (e.g. it was recovered after an unexpected exit)."""
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def set_save_state(self, text: str) -> None:
        self.save_state.setText(text)

    def visit_details(self) -> tuple[dt.date, dt.time | None, str, str]:
        """(visited_on, visited_time, channel, shopper) as edited."""
        qdate = self.visit_date.date()
        visited = dt.date(qdate.year(), qdate.month(), qdate.day())
        qtime = self.visit_time.time()
        at = (
            None
            if qtime == self.visit_time.minimumTime()
            else dt.time(qtime.hour(), qtime.minute())
        )
        return visited, at, str(self.channel.currentData()), self.shopper.text()
