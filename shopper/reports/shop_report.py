"""The shop report: one evaluation in full — every item with its answer, points and comment,
the section scores stored with it, the notes and the follow-up log."""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, BinaryIO

from shopper import scoring
from shopper.reports import pages, styles
from shopper.reports.pages import PageSize
from shopper.reports.styles import para
from shopper.reports.text import clean, isolate
from shopper.rubric import Rubric
from shopper.services.aggregates import answer_text
from shopper.services.evaluations import CHANNEL_LABELS, STATUS_LABELS, EvaluationData

if TYPE_CHECKING:
    from shopper.storage.db import Database

EVENT_LABELS = {
    "created": "Created",
    "draft": "Back to draft",
    "awaiting_follow_up": "Visit scored, awaiting follow-up",
    "submitted": "Submitted",
    "reopened": "Reopened",
}


@dataclass(frozen=True)
class ShopReportData:
    evaluation: EvaluationData
    rubric: Rubric
    overall: Fraction | None
    sections: dict[str, Fraction | None]


def shop_report_data(db: Database, evaluation_id: str) -> ShopReportData:
    """Everything the report shows, through the services (scores as stored)."""
    from shopper.services import aggregates, evaluations, rubrics

    evaluation = evaluations.get(db, evaluation_id)
    return ShopReportData(
        evaluation=evaluation,
        rubric=rubrics.get_rubric(db, evaluation.rubric_id),
        overall=aggregates.stored_overall(db, evaluation_id),
        sections=aggregates.stored_section_scores(db, evaluation_id),
    )


def render_shop_report(
    data: ShopReportData,
    target: str | os.PathLike[str] | BinaryIO,
    size: PageSize | None = None,
) -> int:
    chosen = size or pages.default_page_size()
    e = data.evaluation
    return pages.build_pdf(
        target,
        _story(data, pages.frame_width(chosen)),
        size=chosen,
        title=clean(f"Shop report — {e.agent_name} — {e.visited_on}"),
        author="Shopper",
        subject=clean(f"Mystery shop of {e.agent_name} at {e.property_name}"),
    )


def _story(data: ShopReportData, width: float) -> list[Any]:
    from reportlab.platypus import Spacer

    e = data.evaluation
    visited = e.visited_on.isoformat() + (
        f" {e.visited_time.strftime('%H:%M')}" if e.visited_time else ""
    )
    name, place = isolate(e.agent_name), isolate(e.property_name)
    story: list[Any] = [
        pages.group_marker(
            e.id,
            header=para(f"Shop report · {name} · {place} · {visited}", "small", width=width),
            footer=para(f"Shop report · evaluation {e.id}", "small"),
        ),
        para("SHOP REPORT", "small"),
        para(f"{name} — {place}", "title", width=width),
        para(
            f"Visited {visited} · {CHANNEL_LABELS.get(e.channel, e.channel)} · shopper "
            f"{isolate(e.shopper or '—')} · {STATUS_LABELS.get(e.status, e.status)} · "
            f"{isolate(data.rubric.name)} v{data.rubric.version}",
            "subtitle",
            width=width,
        ),
    ]
    if e.critical_failure:
        story.append(
            para(
                "CRITICAL FAILURE: a critical item was answered No, so the overall score is 0.",
                "alert",
            )
        )
    story.append(Spacer(1, 6))
    story.append(_scores_table(data, width))
    for section in data.rubric.sections:
        story.extend(_section(data, section.key, width))
    story.append(para("Notes", "h2"))
    story.append(para(e.notes or "No notes.", "body", width=width, own_direction=True))
    story.extend(_events(data, width))
    return story


def _scores_table(data: ShopReportData, width: float) -> Any:
    from reportlab.platypus import Table

    rows: list[list[Any]] = [
        [para("Section", "head"), para("Score", "head_right"), para("In overall", "head")]
    ]
    rows.append(
        [
            para("Overall", "cell_bold"),
            para(scoring.format_pct(data.overall), "cell_right", bold=True),
            para("", "cell"),
        ]
    )
    for section in data.rubric.sections:
        if not any(i.scored for i in section.items):
            continue
        rows.append(
            [
                para(section.title, "cell"),
                para(scoring.format_pct(data.sections.get(section.key)), "cell_right"),
                para("yes" if section.in_overall else "no (reported beside)", "cell"),
            ]
        )
    table = Table(rows, colWidths=[width * 0.5, width * 0.18, width * 0.32], repeatRows=1)
    table.setStyle(styles.grid_style(len(rows)))
    return table


def _section(data: ShopReportData, key: str, width: float) -> list[Any]:
    """The section's items as one-row tables, each followed by its comment as a flowing
    paragraph: a long comment then breaks across pages line by line (a table row would
    have to move or split as a block)."""
    from reportlab.platypus import KeepTogether, Table

    section = data.rubric.section(key)
    assert section is not None
    answers = data.evaluation.answers
    score = data.sections.get(key)
    scored = any(i.scored for i in section.items)
    heading = f"{section.title} — {scoring.format_pct(score)}" if scored else section.title
    widths = [width * 0.56, width * 0.28, width * 0.16]
    header = Table(
        [[para("Item", "head"), para("Answer", "head"), para("Points", "head_right")]],
        colWidths=widths,
    )
    header.setStyle(_row_style())
    out: list[Any] = [KeepTogether([para(heading, "h2"), header])]
    for item in section.items:
        answer = answers.get(f"{key}.{item.key}")
        value = answer.value if answer else None
        comment = answer.comment if answer else None
        if item.type == "text":
            out.append(_item_row([para(item.prompt, "cell"), "", ""], widths))
            out.append(
                para(str(value) if value else "—", "comment", width=width - 12, own_direction=True)
            )
            continue
        points = scoring.item_points(item, value)
        earned = (
            f"{_num(points[0])} / {_num(points[1])}"
            if points is not None
            else ("not counted" if value is not None else "—")
        )
        critical = item.critical and scoring.is_critical_failure(item, value)
        out.append(
            _item_row(
                [
                    para(item.prompt, "cell", prefix="<b>CRITICAL</b> " if critical else ""),
                    para(answer_text(item, value), "cell_bold" if critical else "cell"),
                    para(earned, "cell_right"),
                ],
                widths,
            )
        )
        if comment and comment.strip():
            out.append(para(comment, "quote_indented", width=width - 14, own_direction=True))
    return out


def _item_row(cells: list[Any], widths: list[float]) -> Any:
    from reportlab.platypus import Table, TableStyle

    table = Table([cells], colWidths=widths)
    table.setStyle(
        TableStyle(
            [
                *styles.TABLE_FONT,
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _row_style() -> Any:
    from reportlab.lib.colors import HexColor
    from reportlab.platypus import TableStyle

    return TableStyle(
        [
            *styles.TABLE_FONT,
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, HexColor(styles.INK)),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]
    )


def _num(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    rounded = scoring.round_pct(value, 2)
    return str(rounded).rstrip("0").rstrip(".")


def _events(data: ShopReportData, width: float) -> list[Any]:
    from reportlab.platypus import Table

    events = data.evaluation.events
    out: list[Any] = [para("Follow-up log", "h2")]
    if not events:
        return [*out, para("Nothing recorded.", "body")]
    rows: list[list[Any]] = [
        [para("When (UTC)", "head"), para("Who", "head"), para("What", "head")]
    ]
    widths = [width * 0.2, width * 0.2, width * 0.6]
    for event in events:
        what = EVENT_LABELS.get(event.kind, event.kind.replace("_", " ").capitalize())
        detail = f"{what}: {event.detail}" if event.detail else what
        rows.append(
            [
                para(event.at.strftime("%Y-%m-%d %H:%M"), "cell"),
                para(event.actor or "—", "cell", width=widths[1] - 6),
                para(detail, "cell", width=widths[2] - 6),
            ]
        )
    table = Table(rows, colWidths=widths, repeatRows=1, splitInRow=1)
    table.setStyle(_row_style())
    return [*out, table]
