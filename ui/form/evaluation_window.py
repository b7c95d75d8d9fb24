"""One evaluation in its own window: header, rubric form, autosave and the status workflow.

Each evaluation opens in a separate top-level window (the list stays usable beside it, and
several can be open). Changes are saved in the background as you type and on close; there
is no Save question. Submitted evaluations are read-only until reopened with a reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QShowEvent
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMessageBox, QVBoxLayout, QWidget

from shopper import scoring
from shopper.domain import EDITABLE_STATUSES
from shopper.errors import ConflictError, IncompleteError, ReadOnlyError, ValidationError
from shopper.rubric import Rubric
from shopper.services import calibration, evaluations
from shopper.services.evaluations import AnswerData, EvaluationData
from ui import operations, profile, settings
from ui.autosave import AutoSaver
from ui.context import AppContext
from ui.dialogs.conflict import ask_keep_mine
from ui.dialogs.missing import ask_about_missing
from ui.dialogs.profile import ask_profile_name, require_your_name
from ui.dialogs.reopen import ask_reopen_reason
from ui.errors import show_error
from ui.form.evaluation_header import EvaluationHeader
from ui.form.rubric_form import RubricForm
from ui.form.timeline import timeline_widget
from ui.form.window_menus import build_menus
from ui.geometry import clamp_to_screen, fit_to_screen, restore_clamped
from ui.keys import guard_text_fields, shortcut_text
from ui.operations import Change
from ui.operations.writer import Writer

RETRY_MS = 5000
GOALS = {"submitted": "submitted", "awaiting_follow_up": "marked awaiting follow-up"}
RECOVERED_NOTE = (
    "Recovered after an unexpected exit: everything typed up to about a second before it is "
    "here, and the cursor is back where you were."
)


def editable(status: str) -> bool:
    """Drafts, shops awaiting follow-up and shops returned to their shopper are edited in
    the form; submitted and later ones change through review and disputes (with reasons)."""
    return status in EDITABLE_STATUSES


@dataclass(frozen=True)
class EditSnapshot:
    """Everything the user can change, read on the UI thread and saved on the writer's."""

    answers: dict[str, AnswerData]
    visited_on: dt.date
    visited_time: dt.time | None
    channel: str
    shopper: str
    actor: str
    """Who made the change: the profile's name ("" if none is set yet), never the OS login."""


def actor_name() -> str:
    """Who is doing this, for the history: the person in this machine's profile."""
    return profile.your_name()


def refuse_if_blind(ctx: AppContext, data: EvaluationData) -> None:
    """Raise BlindError (its message is `calibration.BLIND_MESSAGE`) when this machine's
    person is a rater of the calibration session who has not yet submitted their own
    evaluation and this one is someone else's: their answers stay hidden until then."""
    if data.purpose != "calibration":
        return
    viewer = actor_name() or None
    allowed = operations.read_now(ctx, lambda db: calibration.may_open(db, data.id, viewer))
    if not allowed:
        raise calibration.BlindError(calibration.BLIND_MESSAGE)


class EvaluationWindow(QMainWindow):
    closed = Signal(str)
    """The evaluation id, once the window has saved and closed."""

    def __init__(
        self,
        ctx: AppContext,
        data: EvaluationData,
        rubric: Rubric,
        writer: Writer | None = None,
        parent: QWidget | None = None,
    ) -> None:
        refuse_if_blind(ctx, data)  # before any of its answers is on screen
        super().__init__(parent)
        self.ctx, self.data, self.rubric = ctx, data, rubric
        self.evaluation_id = data.id
        self._error_shown = False
        self.header = EvaluationHeader()
        self.header.show_evaluation(data)
        self.form = RubricForm(rubric, data.answers, read_only=not editable(data.status))
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.form, 1)
        self.setCentralWidget(central)
        # The shop's history (every step after its first submission: who, what, why).
        self.timeline = timeline_widget(ctx, data.id, self)
        self.history_dock = QDockWidget("History", self)
        self.history_dock.setObjectName("historyDock")
        self.history_dock.setWidget(self.timeline)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.history_dock)
        self.history_dock.hide()  # View it from Evaluation ▸ History
        self.saver = AutoSaver(writer or ctx.writer, self._snapshot, self._write, data.row_version)
        self.saver.saved.connect(self._saved)
        self.saver.failed.connect(self._autosave_failed)
        self.saver.state_changed.connect(self._save_state_changed)
        self.form.answers_changed.connect(self.saver.mark_dirty)
        self.form.answers_changed.connect(self._rescore_key_questions)
        self._rescore_key_questions()
        self.header.changed.connect(self.saver.mark_dirty)
        self.form.message.connect(lambda text: self.statusBar().showMessage(text, 4000))
        self.actions_by_name: dict[str, QAction] = build_menus(self)
        guard_text_fields(self)  # menu letters never become text in a field
        self._apply_status(data)
        self.header.set_save_state("All changes saved")
        self._restore_layout()

    def _rescore_key_questions(self) -> None:
        """The header's key-question score, live as the overall is in the form."""
        live = scoring.key_question_score(self.rubric, self.form.values())
        self.header.set_key_question_pct(live.pct)

    # ----------------------------------------------------------------- saving --
    def _snapshot(self) -> EditSnapshot:
        visited_on, visited_time, channel, shopper = self.header.visit_details()
        return EditSnapshot(
            self.form.answers(), visited_on, visited_time, channel, shopper, actor_name()
        )

    def _write(self, snapshot: EditSnapshot, row_version: int) -> EvaluationData:
        """Runs on the writer thread: services only, no widgets."""
        return evaluations.save(
            self.ctx.db,
            self.evaluation_id,
            row_version,
            answers=snapshot.answers,
            visited_on=snapshot.visited_on,
            visited_time=snapshot.visited_time,
            channel=snapshot.channel,
            shopper=snapshot.shopper,
            actor=snapshot.actor,
        )

    def _saved(self, data: EvaluationData) -> None:
        self.data = data
        self._error_shown = False
        self.ctx.announce(Change.EVALUATIONS)

    def _save_state_changed(self, state: str) -> None:
        now = dt.datetime.now()
        text = {
            "saving": "Saving…",
            "saved": f"All changes saved {now:%H:%M:%S}",
            "unsaved": "Saving soon…",
            "paused": "NOT SAVED YET",
        }.get(state, state)
        self.header.set_save_state(text)

    def _autosave_failed(self, error: Exception) -> None:
        if isinstance(error, ConflictError):
            self._resolve_conflict()
        elif isinstance(error, ReadOnlyError):
            self._taken_elsewhere()
        elif isinstance(error, ValidationError):
            # Retrying cannot help: the text as it is cannot be stored. Say so once, and
            # save again as soon as the user changes something.
            self.saver.hold_until_changed()
            self.statusBar().showMessage("Not saved: " + str(error))
            if not self._error_shown:
                self._error_shown = True
                show_error(self, "This change cannot be saved as it is", error)
        else:
            if not self._error_shown:
                self._error_shown = True
                show_error(self, "Your changes could not be saved yet", error)
            self.statusBar().showMessage("Not saved yet; trying again in a few seconds.")
            QTimer.singleShot(RETRY_MS, self.saver, self.saver.resume)

    def _fresh(self) -> EvaluationData:
        """The evaluation as stored now (a small read the next step needs at once)."""
        evaluation_id = self.evaluation_id
        return operations.read_now(self.ctx, lambda db: evaluations.get(db, evaluation_id))

    def _resolve_conflict(self) -> None:
        fresh = self._fresh()
        if fresh.status == "submitted":
            self._taken_elsewhere(fresh)
        elif ask_keep_mine(self):
            self.saver.resume(fresh.row_version)
        else:
            self._reload(fresh)

    def _taken_elsewhere(self, fresh: EvaluationData | None = None) -> None:
        fresh = fresh or self._fresh()
        QMessageBox.information(
            self,
            "Submitted elsewhere",
            "This evaluation was submitted somewhere else while you had it open, so it is "
            "read-only now. Its submitted version is shown. To change it, reopen it "
            f"({shortcut_text('Ctrl+E')}).",
        )
        self._reload(fresh)

    def _reload(self, fresh: EvaluationData) -> None:
        self.saver.discard(fresh.row_version)
        self.data = fresh
        self.form.set_answers(fresh.answers)
        self.header.show_evaluation(fresh)
        self._rescore_key_questions()
        self._apply_status(fresh)

    def save_now(self) -> bool:
        """Save whatever is unsaved, on this thread. False if it could not be saved."""
        for _attempt in range(3):
            try:
                data = self.saver.flush()
            except ConflictError:
                fresh = self._fresh()
                if fresh.status == "submitted":
                    self._taken_elsewhere(fresh)
                    return True
                if not ask_keep_mine(self):
                    self._reload(fresh)
                    return True
                self.saver.row_version = fresh.row_version
                continue
            except ReadOnlyError:
                self._taken_elsewhere()
                return True
            except Exception as exc:
                show_error(self, "Your changes could not be saved", exc)
                return False
            if data is not None:
                self.statusBar().showMessage("Saved.", 3000)
            return True
        return False

    # ----------------------------------------------------------------- status --
    def submit(self) -> bool:
        return self.change_status("submitted")

    def await_follow_up(self) -> bool:
        return self.change_status("awaiting_follow_up")

    def reopen(self) -> bool:
        if self.data.status != "submitted":
            self.statusBar().showMessage("Only a submitted evaluation needs reopening.", 4000)
            return False
        reason = ask_reopen_reason(self)
        if reason is None:
            return False
        return self.change_status("draft", reason)

    def edit_your_name(self) -> None:
        """Settings: your name (what this window's history records as who acted)."""
        if ask_profile_name(self) is not None:
            self.statusBar().showMessage(f"Your name is now {profile.your_name()}.", 4000)

    def change_status(self, status: str, reason: str | None = None) -> bool:
        if self.data.status == status:
            return True
        if status != "draft" and not self.header.visit_details()[3].strip():
            self.statusBar().showMessage("Type the shopper's name first.", 5000)
            self.header.shopper.setFocus()
            return False
        actor = require_your_name(self, suggestion=self.header.visit_details()[3])
        if actor is None:
            self.statusBar().showMessage("Nothing changed: your name is needed for the history.")
            return False
        if not self.save_now():
            return False
        evaluation_id, row_version = self.evaluation_id, self.saver.row_version
        try:
            data = operations.write_now(
                self.ctx,
                lambda db: evaluations.set_status(
                    db,
                    evaluation_id,
                    status,  # type: ignore[arg-type]
                    row_version,
                    actor=actor,
                    reason=reason,
                ),
                Change.EVALUATIONS,
            )
        except IncompleteError as exc:
            return self._show_missing(exc.missing, status)
        except ConflictError:
            self._resolve_conflict()
            return False
        except Exception as exc:
            show_error(self, "The status could not be changed", exc)
            return False
        self.data = data
        self.saver.row_version = data.row_version
        self.header.show_status(data)
        self._apply_status(data)
        self.statusBar().showMessage(f"Evaluation {GOALS.get(status, 'reopened')}.", 5000)
        return True

    def _show_missing(self, missing: list[str], status: str) -> bool:
        deferred = {s.key for s in self.rubric.sections if s.deferred}
        can_wait = (
            status == "submitted"
            and self.data.status == "draft"
            and all(path.split(".", 1)[0] in deferred for path in missing)
        )
        choice = ask_about_missing(self, self.rubric, missing, GOALS[status], can_wait)
        if choice == "wait":
            return self.change_status("awaiting_follow_up")
        self.form.show_missing(missing)
        self.form.focus_item(missing[0])
        return False

    def _apply_status(self, data: EvaluationData) -> None:
        submitted = data.status == "submitted"
        self.form.set_read_only(not editable(data.status))
        if data.status == "awaiting_follow_up":
            deferred = {s.key for s in self.rubric.sections if s.deferred}
            self.form.set_required(
                p for p, s, i in self.rubric.items() if i.scored and s.key not in deferred
            )
        else:
            self.form.set_required(())
        if data.status != "draft":
            self.form.show_missing(())
        prefix = "Calibration · " if data.purpose == "calibration" else ""
        self.setWindowTitle(
            f"{prefix}{data.property_name} · {data.agent_name} · "
            f"{data.visited_on:%d %b %Y} — Shopper"
        )
        if self.actions_by_name:
            self.actions_by_name["reopen"].setEnabled(submitted)
            self.actions_by_name["submit"].setEnabled(editable(data.status))
            self.actions_by_name["await"].setEnabled(data.status == "draft")
            if "dispute" in self.actions_by_name:
                self.actions_by_name["dispute"].setEnabled(data.status == "released")

    # ----------------------------------------------------------------- focus --
    def focus_start(self, section_key: str = "") -> None:
        """Put the cursor where work continues: a section, else the first unanswered item."""
        if section_key and self.rubric.section(section_key) is not None:
            self.form.focus_section(section_key)
            return
        values = self.form.values()
        for path, _section, item in self.rubric.items():
            if path not in values and (item.scored or self.data.status == "draft"):
                self.form.focus_item(path)
                return
        self.form.focus_item(self.form.rows[0].path)

    def show_recovered(self, path: str | None) -> None:
        """After an unexpected exit: say so, and put the cursor back where it was."""
        if path and self.form.row(path) is not None:
            self.form.focus_item(path)
        self.header.show_note(RECOVERED_NOTE)

    # ----------------------------------------------------------------- window --
    def _restore_layout(self) -> None:
        if not restore_clamped(self, settings.EVALUATION_GEOMETRY.get()):
            fit_to_screen(self, QSize(1200, 860))
        splitter = settings.EVALUATION_SPLITTER.get()
        if not splitter.isEmpty():
            self.form.splitter.restoreState(splitter)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        clamp_to_screen(self)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.save_now():
            answer = QMessageBox.question(
                self,
                "Close without the latest changes?",
                "Your latest changes could not be saved. Stay to try again (they are still on "
                "screen), or close and lose them?",
                QMessageBox.StandardButton.Retry | QMessageBox.StandardButton.Discard,
                QMessageBox.StandardButton.Retry,
            )
            if answer != QMessageBox.StandardButton.Discard:
                event.ignore()
                return
        settings.EVALUATION_GEOMETRY.set(self.saveGeometry())
        settings.EVALUATION_SPLITTER.set(self.form.splitter.saveState())
        self.closed.emit(self.evaluation_id)
        super().closeEvent(event)
