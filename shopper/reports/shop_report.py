"""The shop report: one evaluation in full — every item with its answer, points and comment,
the section scores stored with it, the notes and the follow-up log."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, BinaryIO

from shopper import scoring
from shopper.reports import flow, pages, styles
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
    today: dt.date = field(default_factory=dt.date.today)
    """For "follow-up overdue by N days"."""

    @property
    def provisional(self) -> bool:
        """A draft or a shop awaiting follow-up: its score may still change."""
        return self.evaluation.status != "submitted"

    def answered(self) -> tuple[int, int]:
        """Items answered (N/A counts as an answer) and items in the rubric."""
        paths = [path for path, _section, _item in self.rubric.items()]
        done = sum(1 for p in paths if _value(self, p) is not None)
        return done, len(paths)


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
            bookmark=clean(f"Shop report — {e.agent_name} — {e.visited_on.isoformat()}"),
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
    story.extend(_unfinished(data, width))
    if e.critical_failure:
        failed = failed_items(data)
        named = "; ".join(f"“{isolate(p)}”" for p in failed) or "a critical item"
        story.append(
            para(
                f"CRITICAL FAILURE: {named} {'were' if len(failed) > 1 else 'was'} answered "
                "No, so the overall score is 0.",
                "alert",
                width=width,
            )
        )
    story.append(Spacer(1, 6))
    story.append(_scores_table(data, width))
    for section in data.rubric.sections:
        story.extend(_section(data, section.key, width))
    notes_heading = flow.tag(para("Notes", "h2"), flow.HEADING)
    story.append(flow.keep_room([notes_heading], 2 * 12 + 2))
    story.append(notes_heading)
    story.append(para(e.notes or "No notes.", "body", width=width, own_direction=True))
    story.extend(_events(data, width))
    return story


def _unfinished(data: ShopReportData, width: float) -> list[Any]:
    """What a draft or a shop awaiting follow-up still lacks: how many items are answered,
    that its score is provisional, and when the follow-up is due (or how overdue it is)."""
    e = data.evaluation
    if not data.provisional:
        return []
    done, total = data.answered()
    status = STATUS_LABELS.get(e.status, e.status).lower()
    lines = [
        f"PROVISIONAL: this shop is {status}; {done} of {total} items answered. "
        "Its score may change until it is submitted."
    ]
    if e.status == "awaiting_follow_up" and e.follow_up_due is not None:
        days = (data.today - e.follow_up_due).days
        if days > 0:
            lines.append(
                f"Follow-up due {e.follow_up_due.isoformat()}: OVERDUE by {days} "
                f"day{'' if days == 1 else 's'}."
            )
        elif days == 0:
            lines.append(f"Follow-up due today ({e.follow_up_due.isoformat()}).")
        else:
            lines.append(
                f"Follow-up due {e.follow_up_due.isoformat()} (in {-days} "
                f"day{'' if days == -1 else 's'})."
            )
    return [para(line, "alert", width=width) for line in lines]


def _scores_table(data: ShopReportData, width: float) -> Any:

    rows: list[list[Any]] = [
        [para("Section", "head"), para("Score", "head_right"), para("In overall", "head")]
    ]
    rows.append(
        [
            para("Overall (provisional)" if data.provisional else "Overall", "cell_bold"),
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
                para(section_score_text(data, section.key), "cell_right"),
                para("yes" if section.in_overall else "no (reported beside)", "cell"),
            ]
        )
    table = flow.table(rows, colWidths=[width * 0.5, width * 0.18, width * 0.32], repeatRows=1)
    table.setStyle(styles.grid_style(len(rows)))
    return table


def failed_items(data: ShopReportData, key: str | None = None) -> list[str]:
    """The prompts of the critical items answered No (in section `key`, or anywhere)."""
    return [
        item.prompt
        for section in data.rubric.sections
        if key is None or section.key == key
        for item in section.items
        if item.critical
        and scoring.is_critical_failure(item, _value(data, f"{section.key}.{item.key}"))
    ]


def _value(data: ShopReportData, path: str) -> scoring.AnswerValue:
    answer = data.evaluation.answers.get(path)
    return answer.value if answer else None


def section_score_text(data: ShopReportData, key: str) -> str:
    """A section's stored score, or "Failed" when one of its critical items was answered
    No (a section of 0-point critical items has no score of its own to show)."""
    if failed_items(data, key):
        return "Failed"
    return scoring.format_pct(data.sections.get(key))


def _section(data: ShopReportData, key: str, width: float) -> list[Any]:
    """The section's items as one-row tables, each with its comment as a flowing paragraph
    in one block (`flow.continued`): a long comment breaks across pages line by line, and
    its item row never ends a page without it."""
    from reportlab.platypus import Table

    section = data.rubric.section(key)
    assert section is not None
    scored = any(i.scored for i in section.items)
    failed = failed_items(data, key)
    heading_text = section.title
    if failed:
        count = len(failed)
        heading_text += f" — Failed ({count} critical item{'s' if count > 1 else ''} answered No)"
    elif scored:
        heading_text += f" — {section_score_text(data, key)}"
    heading = flow.tag(para(heading_text, "h2", width=width), flow.HEADING)
    narrative = all(i.type == "text" for i in section.items)
    if narrative:
        widths = [width]
        titles = [para("Question and answer", "head")]
    else:
        widths = [width * 0.56, width * 0.28, width * 0.16]
        titles = [para("Item", "head"), para("Answer", "head"), para("Points", "head_right")]
    header = Table([titles], colWidths=widths)
    header.setStyle(_row_style())
    flow.tag(header, flow.TABLE_HEADER)
    blocks: list[Any] = []
    for item in section.items:
        value = _value(data, f"{key}.{item.key}")
        answer = data.evaluation.answers.get(f"{key}.{item.key}")
        comment = answer.comment if answer else None
        if item.type == "text":
            cells: list[Any] = [para(item.prompt, "cell_bold")]
            cells += ["", ""] if not narrative else []
            row = _item_row(cells, widths)
            body = para(str(value) if value else "—", "comment", width=width - 12,
                        own_direction=True)  # fmt: skip
            blocks.append(_with_comment(row, body, item.prompt, width))
            continue
        points = scoring.item_points(item, value)
        earned = (
            f"{_num(points[0])} / {_num(points[1])}"
            if points is not None
            else ("not counted" if value is not None else "—")
        )
        critical = item.critical and scoring.is_critical_failure(item, value)
        row = _item_row(
            [
                para(item.prompt, "cell", prefix="<b>CRITICAL</b> " if critical else ""),
                para(answer_text(item, value), "cell_bold" if critical else "cell"),
                para(earned, "cell_right"),
            ],
            widths,
        )
        if comment and comment.strip():
            body = para(comment, "quote_indented", width=width - 14, own_direction=True)
            blocks.append(_with_comment(row, body, item.prompt, width))
        else:
            blocks.append(row)
    first = blocks[0] if blocks else None
    measure: list[Any] = [heading, header]
    extra = 0.0
    if first is not None and hasattr(first, "body"):
        measure.append(first.head)
        extra = 2 * float(first.body.style.leading) + 2
    elif first is not None:
        measure.append(first)
    return [flow.keep_room(measure, extra), heading, header, *blocks]


def _with_comment(row: Any, body: Any, prompt: str, width: float) -> Any:
    again = para(f"{isolate(prompt)} (continued)", "small", width=width)
    return flow.continued(flow.tag(row, flow.COMMENT_HEADER), body, again)


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


def local_time(at: dt.datetime) -> dt.datetime:
    """A stored time (naive UTC) in this computer's time zone, as the user reads clocks."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
    return aware.astimezone()


def _events(data: ShopReportData, width: float) -> list[Any]:

    events = data.evaluation.events
    out: list[Any] = [flow.tag(para("Follow-up log", "h2"), flow.HEADING)]
    if not events:
        return [flow.keep_room([out[0]], 14), *out, para("Nothing recorded.", "body")]
    zone = local_time(events[0].at).strftime("%Z") or "local time"
    rows: list[list[Any]] = [
        [para(f"When ({zone})", "head"), para("Who", "head"), para("What", "head")]
    ]
    widths = [width * 0.2, width * 0.2, width * 0.6]
    for event in events:
        what = EVENT_LABELS.get(event.kind, event.kind.replace("_", " ").capitalize())
        detail = f"{what}: {event.detail}" if event.detail else what
        rows.append(
            [
                para(local_time(event.at).strftime("%Y-%m-%d %H:%M"), "cell"),
                para(event.actor or "—", "cell", width=widths[1] - 6),
                para(detail, "cell", width=widths[2] - 6),
            ]
        )
    table = flow.table(rows, colWidths=widths, repeatRows=1, splitInRow=1)
    table.setStyle(_row_style())
    return [flow.keep_room([out[0], (table, 2)]), *out, table]
