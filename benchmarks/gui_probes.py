"""The Qt side of the probes: opening an evaluation into the rubric form, and autosaving it.

Kept apart from probes.py so that probes which do not need Qt never import it.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtWidgets import QApplication

from shopper.services import evaluations, rubrics
from shopper.services.evaluations import AnswerData, EvaluationData


class FormOpener:
    """Opens evaluations the way the capture page does: load, then show in a RubricForm."""

    def __init__(self, db: Any, app: QApplication) -> None:
        self.db = db
        self.app = app
        self.form: Any = None
        self.data: EvaluationData | None = None

    def describe(self) -> str:
        return (
            "evaluations.get + rubrics.get_rubric + a new ui.form.RubricForm shown, "
            "events processed"
        )

    def open(self, evaluation_id: str) -> None:
        from ui.form.rubric_form import RubricForm

        data = evaluations.get(self.db, evaluation_id)
        rubric = rubrics.get_rubric(self.db, data.rubric_id)
        if self.form is not None:
            self.form.close()
            self.form.deleteLater()
        self.form = RubricForm(rubric, data.answers)
        self.form.resize(1200, 800)
        self.form.show()
        self.app.processEvents()
        self.data = data

    def change_one_answer_and_save(self) -> float:
        """Change one yes/no answer in the form, then time the save the autosave makes."""
        assert self.form is not None and self.data is not None
        answers = dict(self.form.answers())
        for path, _section, item in self.form.rubric.items():
            if item.type == "yes_no" and not item.critical:
                current = answers.get(path)
                value = "no" if current is not None and current.value == "yes" else "yes"
                row = self.form.row(path)
                row.set_answer(AnswerData(value, current.comment if current else None))
                break
        self.app.processEvents()
        saver = self._autosaver()
        started = time.perf_counter()
        if saver is not None:
            saver.mark_dirty()
            saved = saver.flush()
        else:
            saved = evaluations.save(
                self.db, self.data.id, self.data.row_version, answers=self.form.answers()
            )
        seconds = time.perf_counter() - started
        assert saved is not None and saved.row_version == self.data.row_version + 1
        self.data = saved
        return seconds

    def _autosaver(self) -> Any:
        try:
            from ui.autosave import AutoSaver, app_writer
        except ImportError:
            return None
        data = self.data
        assert data is not None
        db, form = self.db, self.form
        return AutoSaver(
            app_writer(),
            snapshot=form.answers,
            save=lambda answers, version: evaluations.save(db, data.id, version, answers=answers),
            row_version=data.row_version,
        )

    def close(self) -> None:
        if self.form is not None:
            self.form.close()
        try:
            from ui.autosave import stop_app_writer
        except ImportError:
            return
        stop_app_writer()
