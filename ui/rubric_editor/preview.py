"""Preview: fill the form as a shopper would, with the live score, and nothing is saved."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from shopper.rubric import Rubric
from ui.form.rubric_form import RubricForm
from ui.geometry import fit_to_screen


class PreviewDialog(QDialog):
    def __init__(self, rubric: Rubric, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rubricPreview")
        self.setWindowTitle(f"Preview: {rubric.name}")
        layout = QVBoxLayout(self)
        note = QLabel(
            "Preview of the rubric as it is in the editor now. Answer the items as a shopper "
            "would to check the flow and the scoring; nothing you enter here is saved."
        )
        note.setWordWrap(True)
        note.setObjectName("previewNote")
        layout.addWidget(note)
        self.form = RubricForm(rubric)
        layout.addWidget(self.form, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        fit_to_screen(self, (1100, 800))
        if rubric.sections:
            self.form.focus_section(rubric.sections[0].key)
