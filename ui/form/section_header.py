"""A section's heading in the rubric form: number, title, badges, live score, guidance."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from shopper import scoring
from shopper.rubric import Section


class SectionHeader(QFrame):
    def __init__(self, number: int, section: Section, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sectionHeader")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 14, 4, 4)
        top = QHBoxLayout()
        title = QLabel(f"{number}   {section.title}")
        title.setObjectName("sectionTitle")
        title.setWordWrap(True)  # a narrow form wraps the title rather than scroll sideways
        top.addWidget(title, 1)
        for flag, text, tip in (
            (
                section.deferred,
                "FOLLOW-UP · may be left for later",
                "Answered after the visit; the evaluation can wait for follow-up without these",
            ),
            (
                not section.in_overall,
                "NOT IN OVERALL SCORE",
                "Scored on its own and reported beside the overall score",
            ),
        ):
            if flag:
                badge = QLabel(text)
                badge.setObjectName("sectionBadge")
                badge.setToolTip(tip)
                badge.setWordWrap(True)
                top.addWidget(badge)
        self.score_label = QLabel()
        self.score_label.setObjectName("sectionScore")
        top.addWidget(self.score_label)
        layout.addLayout(top)
        if section.guidance:
            guidance = QLabel(section.guidance)
            guidance.setObjectName("sectionGuidance")
            guidance.setWordWrap(True)
            layout.addWidget(guidance)


def score_text(result: scoring.SectionScore) -> str:
    return f"{scoring.format_pct(result.pct)}  ·  {result.answered} of {result.total} answered"
