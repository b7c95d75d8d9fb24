"""The open evaluation windows: one per evaluation, remembered so a restart reopens them.

The list of open ids is written to QSettings (and synced) whenever a window opens or
closes, so even after the process is killed the next start brings the drafts back on screen.
With each save, the item being worked on is remembered too; if the app stopped without
quitting, the windows come back there with a note that they were recovered.
"""

from __future__ import annotations

import functools
import json

from PySide6.QtCore import QObject, QSettings
from PySide6.QtWidgets import QWidget

from shopper.errors import NotFoundError
from shopper.rubric import Rubric
from shopper.services import evaluations, rubrics
from shopper.services.evaluations import EvaluationData
from shopper.storage.db import Database
from ui import operations, settings
from ui.context import AppContext
from ui.errors import show_error
from ui.form.evaluation_window import EvaluationWindow

POSITIONS = settings.Key("capture/positions", "")
"""JSON {evaluation id: item path} of the item last worked on in each open window."""
RUNNING = settings.Key("capture/windows_running", False)
"""True while evaluation windows are open and the app has not quit: still True at the next
start means the app stopped unexpectedly."""


def _load(db: Database, evaluation_id: str) -> tuple[EvaluationData, Rubric]:
    data = evaluations.get(db, evaluation_id)
    return data, rubrics.get_rubric(db, data.rubric_id)


def _exists(db: Database, evaluation_id: str) -> None:
    evaluations.get(db, evaluation_id)  # NotFoundError if it is gone


def _positions() -> dict[str, str]:
    try:
        found = json.loads(POSITIONS.get() or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


class EvaluationWindows(QObject):
    def __init__(self, ctx: AppContext, parent_widget: QWidget | None = None) -> None:
        super().__init__(ctx)
        self.ctx = ctx
        self.parent_widget = parent_widget
        self.windows: dict[str, EvaluationWindow] = {}
        self._quitting = False
        ctx.open_evaluation_requested.connect(self.open)

    def open(self, evaluation_id: str, section_key: str = "") -> EvaluationWindow | None:
        """Show the evaluation (raising its window if it is open); None if it cannot load."""
        window = self.windows.get(evaluation_id)
        if window is None:
            try:
                data, rubric = operations.read_now(self.ctx, lambda db: _load(db, evaluation_id))
                # Refused, e.g., to a calibration rater who has not submitted their own yet.
                window = EvaluationWindow(self.ctx, data, rubric)
            except Exception as exc:
                show_error(self.parent_widget, "The evaluation cannot be opened", exc)
                return None
            window.closed.connect(self._closed)
            window.saver.saved.connect(lambda _data, w=window: self._remember_position(w))
            self.windows[evaluation_id] = window
            self._remember()
            window.show()
            window.focus_start(section_key)
        else:
            if window.isMinimized():
                window.showNormal()
            window.show()
            if section_key:
                window.form.focus_section(section_key)
        window.raise_()
        window.activateWindow()
        return window

    def _closed(self, evaluation_id: str) -> None:
        window = self.windows.pop(evaluation_id, None)
        if window is not None:
            window.deleteLater()
        if not self._quitting:
            self._remember()

    def _remember(self) -> None:
        settings.OPEN_EVALUATIONS.set(",".join(self.windows))
        positions = {k: v for k, v in _positions().items() if k in self.windows}
        POSITIONS.set(json.dumps(positions))
        RUNNING.set(bool(self.windows))
        QSettings().sync()

    def _remember_position(self, window: EvaluationWindow) -> None:
        """Where the work is (saved with it, so a crash brings the cursor back there)."""
        path = window.form.current_path()
        positions = _positions()
        if path is None or positions.get(window.evaluation_id) == path:
            return
        positions[window.evaluation_id] = path
        POSITIONS.set(json.dumps(positions))
        QSettings().sync()

    def close_all(self) -> bool:
        """Save and close every window (at quit); False if one refused. They reopen next time."""
        self._quitting = True
        remembered = list(self.windows)
        for window in list(self.windows.values()):
            if not window.close():
                self._quitting = False
                self._remember()
                return False
        settings.OPEN_EVALUATIONS.set(",".join(remembered))
        RUNNING.set(False)  # a clean quit: nothing to recover next time
        QSettings().sync()
        return True

    def restore(self) -> None:
        """Reopen the windows that were open when the app last stopped (quit or crash).

        After a crash each comes back at the item last worked on, saying it was recovered."""
        crashed = RUNNING.get()
        positions = _positions()
        for evaluation_id in filter(None, settings.OPEN_EVALUATIONS.get().split(",")):
            try:
                operations.read_now(
                    self.ctx, functools.partial(_exists, evaluation_id=evaluation_id)
                )
            except NotFoundError:
                continue
            window = self.open(evaluation_id)
            if window is not None and crashed:
                window.show_recovered(positions.get(evaluation_id))
        self._remember()
