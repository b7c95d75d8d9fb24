"""The Qt side of the probes: opening an evaluation into its window, and autosaving it.

Kept apart from probes.py so that probes which do not need Qt never import it. Uses the
app's own path (ui.form.windows.EvaluationWindows.open and the window's AutoSaver); only
the debounce delay of the autosave is left out of the time, as it is a deliberate wait.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtWidgets import QApplication


class FormOpener:
    """Opens evaluations the way the app does, one window at a time."""

    def __init__(self, db: Any, app: QApplication) -> None:
        from ui.context import AppContext
        from ui.form.windows import EvaluationWindows

        self.app = app
        self.ctx = AppContext(db)
        self.windows = EvaluationWindows(self.ctx)
        self.window: Any = None

    def describe(self) -> str:
        return "ui.form.windows.EvaluationWindows.open(id), window shown, events processed"

    def close_current(self) -> None:
        """Close the open window (not timed: a shopper closes one before opening another)."""
        if self.window is not None:
            self.window.close()
            self.window = None
        self.app.processEvents()

    def open(self, evaluation_id: str) -> None:
        self.window = self.windows.open(evaluation_id)
        assert self.window is not None, f"evaluation {evaluation_id} did not open"
        self.app.processEvents()

    def change_one_answer_and_save(self) -> float:
        """Change one yes/no answer in the form, then time the save the autosave makes."""
        window = self.window
        before = window.saver.row_version
        form = window.form
        for path, _section, item in form.rubric.items():
            if item.type == "yes_no" and not item.critical:
                current = form.answers().get(path)
                value = "no" if current is not None and current.value == "yes" else "yes"
                form.row(path).buttons[value].click()  # as a user would: marks it unsaved
                break
        assert window.saver.dirty, "the answer change did not reach the autosave"
        started = time.perf_counter()
        saved = window.saver.flush()
        seconds = time.perf_counter() - started
        assert saved is not None and saved.row_version == before + 1, "nothing was saved"
        return seconds

    def close(self) -> None:
        self.close_current()
        try:  # the app-wide autosave writer thread, before it moved into the app context
            from ui.autosave import stop_app_writer  # type: ignore[attr-defined]
        except ImportError:
            stop_app_writer = None
        if stop_app_writer is not None:
            stop_app_writer()
        if hasattr(self.ctx, "stop"):
            self.ctx.stop()
