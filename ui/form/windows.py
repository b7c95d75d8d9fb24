"""The open evaluation windows: one per evaluation, remembered so a restart reopens them.

The list of open ids is written to QSettings (and synced) whenever a window opens or
closes, so even after the process is killed the next start brings the drafts back on screen.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings
from PySide6.QtWidgets import QWidget

from shopper.errors import NotFoundError
from shopper.services import evaluations, rubrics
from ui import settings
from ui.context import AppContext
from ui.errors import show_error
from ui.form.evaluation_window import EvaluationWindow


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
                data = evaluations.get(self.ctx.db, evaluation_id)
                rubric = rubrics.get_rubric(self.ctx.db, data.rubric_id)
            except Exception as exc:
                show_error(self.parent_widget, "The evaluation cannot be opened", exc)
                return None
            window = EvaluationWindow(self.ctx, data, rubric)
            window.closed.connect(self._closed)
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
        QSettings().sync()
        return True

    def restore(self) -> None:
        """Reopen the windows that were open when the app last stopped (quit or crash)."""
        for evaluation_id in filter(None, settings.OPEN_EVALUATIONS.get().split(",")):
            try:
                evaluations.get(self.ctx.db, evaluation_id)
            except NotFoundError:
                continue
            self.open(evaluation_id)
        self._remember()
