"""The calibration report: one session's results (SCORING.md, *Calibration*) for the trainer —
reliability, each rater against the reference, and the items raters agree on least with the
guidance beside them, so the guidance can be sharpened; then each rater's leaning across
sessions. Drawn from plain data (`CalibrationReportData`), never from ORM rows."""

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
from shopper.services.calibration import (
    ItemAgreement,
    RaterDeviation,
    RaterTrend,
    Reliability,
    SessionResults,
)

if TYPE_CHECKING:
    from shopper.storage.db import Database

BAND_POINTS = 5
"""A rater within ±5 points of the reference's overall is "in line"; beyond, lenient or
strict."""
LEVEL_LABELS = {
    "nominal": "Yes/no and choice items (nominal)",
    "interval": "Scale items (interval)",
}


@dataclass(frozen=True)
class CalibrationReportData:
    results: SessionResults
    rubric: Rubric
    trends: tuple[RaterTrend, ...] = ()
    generated_on: dt.date = field(default_factory=dt.date.today)


def calibration_report_data(
    db: Database, session_id: str, *, viewer: str | None
) -> CalibrationReportData:
    """Everything the report shows, through the services (blind rules apply to `viewer`)."""
    from shopper.services import calibration, rubrics

    results = calibration.results(db, session_id, viewer=viewer)
    raters = {r.person_id for r in results.raters}
    trends = tuple(t for t in calibration.rater_trends(db, viewer=viewer) if t.person_id in raters)
    return CalibrationReportData(
        results=results,
        rubric=rubrics.get_rubric(db, results.session.rubric_id),
        trends=trends,
    )


def reliability_reading(alpha: float | None) -> str:
    """Krippendorff's own rule of thumb: α ≥ 0.800 reliable; 0.667 ≤ α < 0.800 tentative
    conclusions only; below, unreliable."""
    if alpha is None:
        return "not defined (too few answers to compare, or all the same)"
    if alpha >= 0.8:
        return "reliable"
    if alpha >= 0.667:
        return "tentative: sharpen the guidance of the items below"
    return "unreliable: raters do not yet score alike"


def leaning(deviation: Fraction | float | None) -> str:
    if deviation is None:
        return "—"
    if deviation > BAND_POINTS:
        return "lenient"
    if deviation < -BAND_POINTS:
        return "strict"
    return "in line"


def signed_points(value: Fraction | float | None) -> str:
    if value is None:
        return "—"
    rounded = scoring.round_pct(value)
    assert rounded is not None
    return f"{'+' if rounded > 0 else '−' if rounded < 0 else '±'}{abs(rounded)} pts"


def share_text(matching: int, total: int) -> str:
    if not total:
        return "—"
    return f"{matching} of {total} ({scoring.format_pct(Fraction(100 * matching, total), 0)})"


def render_calibration_report(
    data: CalibrationReportData,
    target: str | os.PathLike[str] | BinaryIO,
    size: PageSize | None = None,
) -> int:
    """Write the PDF; returns its number of pages."""
    chosen = size or pages.default_page_size()
    session = data.results.session
    return pages.build_pdf(
        target,
        _story(data, pages.frame_width(chosen)),
        size=chosen,
        title=clean(f"Calibration report — {session.title}"),
        author="Shopper",
        subject=clean(f"Calibration session {session.title}: agreement and reliability"),
    )


def _story(data: CalibrationReportData, width: float) -> list[Any]:
    from reportlab.platypus import Spacer

    results = data.results
    session = results.session
    title = isolate(session.title)
    invited = sum(r.invited for r in session.raters)
    story: list[Any] = [
        pages.group_marker(
            session.id,
            header=para(f"Calibration report · {title}", "small", width=width),
            footer=para(f"Calibration session {session.id}", "small"),
            bookmark=clean(f"Calibration — {session.title}"),
        ),
        para("CALIBRATION REPORT", "small"),
        para(title, "title", width=width),
        para(
            f"{isolate(data.rubric.name)} v{data.rubric.version} · "
            f"{len(results.raters)} rater(s) submitted, {invited} invited · reference: "
            f"{isolate(results.reference_name or 'not yet marked')} · "
            f"created {session.created_at.date().isoformat()} · printed "
            f"{data.generated_on.isoformat()}",
            "subtitle",
            width=width,
        ),
    ]
    if session.recording:
        story.append(para(f"Tour scored: {session.recording}", "body", width=width))
    if session.notes:
        story.append(para(session.notes, "quote", width=width, own_direction=True))
    if results.reference_name is None:
        story.append(
            para(
                "No reference yet: mark the expert's evaluation as the reference to see "
                "agreement and deviations.",
                "alert",
                width=width,
            )
        )
    story.append(Spacer(1, 6))
    story.extend(_heading("Reliability (Krippendorff's alpha)"))
    story.append(_reliability_table(results.reliability, width))
    story.extend(_heading("Raters against the reference"))
    story.append(_raters_table(results, width))
    story.extend(_heading("Item agreement, least first"))
    story.append(
        para(
            "The share of raters whose answer equals the reference's (N/A is an answer; an "
            "unanswered item is left out). The guidance raters read is beside each item: "
            "sharpen it where agreement is low.",
            "small",
            width=width,
        )
    )
    story.append(_items_table(data, width))
    if data.trends:
        story.extend(_heading("Raters across sessions"))
        story.append(_trends_table(data.trends, width))
    return story


def _heading(title: str) -> list[Any]:
    heading = flow.tag(para(title, "h2"), flow.HEADING)
    return [flow.keep_room([heading], 3 * 12 + 2), heading]


def _table(rows: list[list[Any]], widths: list[float]) -> Any:
    from reportlab.platypus import Table

    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(styles.grid_style(len(rows)))
    return table


def _reliability_table(reliability: tuple[Reliability, ...], width: float) -> Any:
    rows: list[list[Any]] = [
        [
            para("Items", "head"),
            para("Alpha (α)", "head_right"),
            para("Raters", "head_right"),
            para("Items", "head_right"),
            para("Reading", "head"),
        ]
    ]
    for r in reliability:
        rows.append(
            [
                para(LEVEL_LABELS[r.level], "cell"),
                para("—" if r.alpha is None else f"{r.alpha:.3f}", "cell_right", bold=True),
                para(str(r.raters), "cell_right"),
                para(str(r.items), "cell_right"),
                para(reliability_reading(r.alpha), "cell", width=width * 0.38),
            ]
        )
    return _table(rows, [width * f for f in (0.32, 0.12, 0.09, 0.09, 0.38)])


def _raters_table(results: SessionResults, width: float) -> Any:
    rows: list[list[Any]] = [
        [
            para("Rater", "head"),
            para("Overall", "head_right"),
            para("Deviation", "head_right"),
            para("Items matching", "head_right"),
            para("Leaning", "head"),
        ]
    ]
    if results.reference_name is not None:
        rows.append(
            [
                para(f"{isolate(results.reference_name)} (reference)", "cell_bold"),
                para(scoring.format_pct(results.reference_overall_pct), "cell_right"),
                para("", "cell"),
                para("", "cell"),
                para("", "cell"),
            ]
        )
    ordered: list[RaterDeviation] = sorted(
        results.raters, key=lambda r: (-(r.deviation or 0), r.name.casefold())
    )
    for r in ordered:
        rows.append(
            [
                para(r.name, "cell", width=width * 0.34),
                para(scoring.format_pct(r.overall_pct), "cell_right"),
                para(signed_points(r.deviation), "cell_right"),
                para(share_text(r.matching, r.compared), "cell_right"),
                para(leaning(r.deviation), "cell"),
            ]
        )
    return _table(rows, [width * f for f in (0.34, 0.13, 0.15, 0.22, 0.16)])


def _items_table(data: CalibrationReportData, width: float) -> Any:
    rows: list[list[Any]] = [
        [
            para("Item", "head"),
            para("Reference", "head"),
            para("Agreement", "head_right"),
            para("Guidance", "head"),
        ]
    ]
    for item in data.results.items:
        rows.append(
            [
                _item_cell(data.rubric, item, width * 0.34),
                para(_answer(data.rubric, item.path, item.reference), "cell"),
                para(share_text(item.matching, item.rated), "cell_right"),
                para(item.guidance or "No guidance written.", "cell", width=width * 0.34),
            ]
        )
    return _table(rows, [width * f for f in (0.34, 0.13, 0.19, 0.34)])


def _item_cell(rubric: Rubric, item: ItemAgreement, width: float) -> Any:
    """The item, and beneath it the other answers raters gave."""
    cell = [para(f"{item.section_title} › {item.prompt}", "cell", width=width)]
    given = {v for _, v in item.answers if v != item.reference and v is not None}
    others = sorted(_answer(rubric, item.path, v) for v in given)
    if others:
        cell.append(para(f"Also answered: {', '.join(others)}", "small", width=width))
    return cell


def _short(value: scoring.AnswerValue) -> str:
    return "N/A" if value == scoring.NA else str(value)


def _answer(rubric: Rubric, path: str, value: scoring.AnswerValue) -> str:
    found = rubric.find(path)
    if found is None:
        return _short(value)
    return answer_text(found[1], value)


def _trends_table(trends: tuple[RaterTrend, ...], width: float) -> Any:
    rows: list[list[Any]] = [
        [
            para("Rater", "head"),
            para("Sessions", "head_right"),
            para("Mean deviation", "head_right"),
            para("Mean items matching", "head_right"),
            para("Leaning", "head"),
        ]
    ]
    for t in trends:
        rows.append(
            [
                para(t.name, "cell", width=width * 0.34),
                para(str(t.sessions), "cell_right"),
                para(signed_points(t.mean_deviation), "cell_right"),
                para(
                    "—" if t.mean_share is None else scoring.format_pct(100 * t.mean_share, 0),
                    "cell_right",
                ),
                para(leaning(t.mean_deviation), "cell"),
            ]
        )
    return _table(rows, [width * f for f in (0.34, 0.12, 0.18, 0.2, 0.16)])
