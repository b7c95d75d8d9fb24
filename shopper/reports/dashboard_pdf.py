"""The program dashboard as a PDF of one or two pages, drawn from a `Dashboard` (plain data,
never ORM rows), with the scorecards' fonts, styles and page furniture.

Page 1: the tiles, the monthly trend of the overall and key-question averages, section
averages against the target, the score distribution. Page 2: the leaderboards (best and
weakest agents, properties), key-question pass rates worst first, follow-up performance.
Meaning never rests on colour alone: lines differ by dash and marker, values are printed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any, BinaryIO

from shopper import scoring
from shopper.reports import fonts, pages, styles, text
from shopper.reports.pages import PageSize
from shopper.reports.styles import para

if TYPE_CHECKING:
    from reportlab.graphics.shapes import Drawing

    from shopper.services.dashboard import Dashboard, LeaderRow, MonthPoint, SectionRow

AUTHOR = "Shopper"
LEADERS = 8
"""Agents shown at each end of the agent leaderboard (the whole list is in `shopper stats`)."""
LABEL = 7.0


def title_of(board: Dashboard, scope: str = "") -> str:
    flt = board.filter
    period = f"{flt.start} – {flt.end}" if flt.start and flt.end else flt.period.label()
    return text.clean(f"Program dashboard{' — ' + scope if scope else ''} — {period}")


def render_dashboard(
    board: Dashboard,
    target: str | os.PathLike[str] | BinaryIO,
    size: PageSize | None = None,
    scope: str = "",
) -> int:
    """Write the dashboard PDF to `target`; returns its number of pages. `scope` names the
    filter in words ("Birch Park", "3 agents")."""
    chosen = size or pages.default_page_size()
    title = title_of(board, scope)
    return pages.build_pdf(
        target,
        dashboard_story(board, chosen, title),
        size=chosen,
        title=title,
        author=AUTHOR,
        subject="Mystery-shop program dashboard",
    )


def dashboard_story(board: Dashboard, size: PageSize, title: str) -> list[Any]:
    from reportlab.platypus import PageBreak, Spacer

    width = pages.frame_width(size)
    story: list[Any] = [
        pages.group_marker(
            "dashboard",
            header=para(title, "small", width=width),
            footer=para(title, "small", width=width - 70),
            bookmark="Program dashboard",
        ),
        para("PROGRAM DASHBOARD", "small"),
        para(title.removeprefix("Program dashboard — "), "title", width=width),
        para(_subtitle(board), "subtitle", width=width),
        Spacer(0, 6),
        _tiles(board, width),
    ]
    if board.headline.shops == 0:
        story.append(para("No shop counts in this period and filter.", "body"))
        return story
    story += [
        _titled("Monthly trend", month_chart(board.months, width)),
        _titled("Section averages", section_chart(board.sections, board.target, width)),
        _titled("Score distribution", distribution_chart(board, width)),
    ]
    if board.timings:
        story.append(_titled("First response and follow-up", _timings(board, width)))
    story += [
        PageBreak(),
        _titled("Leaderboard — agents", _leaders(board.agents, width, agents=True)),
        _titled("Leaderboard — properties", _leaders(board.properties, width, agents=False)),
    ]
    if board.key_questions:
        story.append(_titled("Key questions, worst first", _key_questions(board, width)))
    return story


def _titled(heading: str, body: Any) -> Any:
    """A heading kept on the page of what it heads."""
    from reportlab.platypus import KeepTogether

    return KeepTogether([para(heading, "h2"), *(body if isinstance(body, list) else [body])])


def _subtitle(board: Dashboard) -> str:
    parts = []
    if board.previous_period is not None:
        before = board.previous_period
        parts.append(f"changes against {before.start} – {before.end}")
    parts.append("only the shops that count (submitted or later, not excluded)")
    return "; ".join(parts).capitalize() + "."


# --- tiles ------------------------------------------------------------------------------------


def _tiles(board: Dashboard, width: float) -> Any:
    from reportlab.lib.colors import HexColor
    from reportlab.platypus import Table, TableStyle

    tiles = board.tiles()
    per_row = 4
    column = width / per_row
    cells: list[list[Any]] = []
    for start in range(0, len(tiles), per_row):
        row: list[Any] = []
        for tile in tiles[start : start + per_row]:
            change = ""
            if tile.change:
                arrow = {True: " ▲", False: " ▼", None: ""}[tile.better]
                word = {True: " better", False: " worse", None: ""}[tile.better]
                change = f"{tile.change}{arrow}{word}"
            row.append(
                [
                    para(tile.label, "metric_label"),
                    para(tile.value, "band"),
                    para(tile.detail, "small", width=column - 8),
                    para(change or "\u00a0", "small", width=column - 8),
                ]
            )
        row += [""] * (per_row - len(row))
        cells.append(row)
    table = Table(cells, colWidths=[column] * per_row)
    table.setStyle(
        TableStyle(
            [
                *styles.TABLE_FONT,
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (0, 0), (-1, -1), 0.6, HexColor(styles.RULE)),
                ("INNERGRID", (0, 0), (-1, -1), 0.6, HexColor(styles.RULE)),
                ("BACKGROUND", (0, 0), (-1, -1), HexColor(styles.ACCENT_LIGHT)),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


# --- charts -------------------------------------------------------------------------------


def _string(x: float, y: float, value: str, size: float = LABEL, **kw: Any) -> Any:
    from reportlab.graphics.shapes import String

    return String(x, y, _label(value), fontName=kw.pop("font", fonts.FAMILY), fontSize=size, **kw)


def _label(value: str) -> str:
    cleaned = text.clean(value).replace("\n", " ")
    return text.visual_line(cleaned) if text.has_rtl(cleaned) else cleaned


def _fit(value: str, width: float, size: float = LABEL) -> str:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    value = _label(value)
    if stringWidth(value, fonts.FAMILY, size) <= width:
        return value
    while value and stringWidth(value + "…", fonts.FAMILY, size) > width:
        value = value[:-1]
    return value.rstrip() + "…"


def _clamp(value: Fraction) -> float:
    return float(min(max(value, Fraction(0)), Fraction(100)))


def month_chart(months: Sequence[MonthPoint], width: float, height: float = 125) -> Drawing:
    """Overall (solid line, circles) and key-question (dashed line, squares) averages by
    month, with each month's number of shops under its label."""
    from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect
    from reportlab.lib.colors import HexColor, white

    fonts.register_fonts()
    drawing = Drawing(width, height)
    left, right, bottom, top = 30.0, 8.0, 28.0, 18.0
    plot_w, plot_h = width - left - right, height - bottom - top
    rule, accent, ink = HexColor(styles.RULE), HexColor(styles.ACCENT), HexColor(styles.INK)
    for tick in range(0, 101, 25):
        y = bottom + plot_h * tick / 100
        drawing.add(Line(left, y, left + plot_w, y, strokeColor=rule, strokeWidth=0.5))
        drawing.add(_string(left - 4, y - 2.5, f"{tick}%", 6.5, textAnchor="end"))
    if not months:
        return drawing
    step = plot_w / len(months)

    def x_of(index: int) -> float:
        return left + step * (index + 0.5)

    def y_of(value: Fraction) -> float:
        return bottom + plot_h * _clamp(value) / 100

    every = max(1, len(months) // 12)
    for index, point in enumerate(months):
        if index % every == 0:
            drawing.add(_string(x_of(index), 14, point.month, 6.5, textAnchor="middle"))
        drawing.add(_string(x_of(index), 4, f"n={point.shops}", 6, textAnchor="middle"))
    for attr, dash, color in (("overall", None, accent), ("key_questions", [3, 2], ink)):
        points = [
            (x_of(i), y_of(avg.value))
            for i, p in enumerate(months)
            if (avg := getattr(p, attr)).value is not None
        ]
        if len(points) > 1:
            drawing.add(
                PolyLine(
                    [c for p in points for c in p],
                    strokeColor=color,
                    strokeWidth=1.3,
                    strokeDashArray=dash,
                )
            )
        for x, y in points:
            if attr == "overall":
                drawing.add(Circle(x, y, 2.4, fillColor=white, strokeColor=color, strokeWidth=1.1))
            else:
                drawing.add(Rect(x - 2.2, y - 2.2, 4.4, 4.4, fillColor=color, strokeColor=None))
    legend_y = height - 9
    drawing.add(Line(left, legend_y + 2.5, left + 16, legend_y + 2.5, strokeColor=accent))
    drawing.add(Circle(left + 8, legend_y + 2.5, 2.4, fillColor=white, strokeColor=accent))
    drawing.add(_string(left + 20, legend_y, "Overall average", 6.5))
    kx = left + 100
    drawing.add(
        Line(kx, legend_y + 2.5, kx + 16, legend_y + 2.5, strokeColor=ink, strokeDashArray=[3, 2])
    )
    drawing.add(Rect(kx + 6, legend_y + 0.3, 4.4, 4.4, fillColor=ink, strokeColor=None))
    drawing.add(_string(kx + 20, legend_y, "Key-question average", 6.5))
    return drawing


def section_chart(sections: Sequence[SectionRow], target: Fraction, width: float) -> Drawing:
    """One bar per section with its average and count; the target as a dashed line."""
    from reportlab.graphics.shapes import Drawing, Line, Rect
    from reportlab.lib.colors import HexColor

    fonts.register_fonts()
    row, legend = 14.0, 14.0
    label_w, value_w = width * 0.27, 90.0
    bar_x, bar_w = label_w + 6, width - label_w - 6 - value_w
    height = legend + row * len(sections) + 14
    drawing = Drawing(width, height)
    accent, light, rule, ink = (
        HexColor(styles.ACCENT),
        HexColor(styles.ACCENT_LIGHT),
        HexColor(styles.RULE),
        HexColor(styles.INK),
    )
    for tick in range(0, 101, 25):
        x = bar_x + bar_w * tick / 100
        drawing.add(Line(x, 12, x, height - legend, strokeColor=rule, strokeWidth=0.5))
        drawing.add(_string(x, 2, f"{tick}", 6.5, textAnchor="middle"))
    for index, section in enumerate(sections):
        y = height - legend - row * (index + 1) + 2
        title = section.title + ("" if section.in_overall else " *")
        drawing.add(_string(0, y + 2.5, _fit(title, label_w)))
        value = section.average.value
        if value is not None:
            fill = accent if value >= target else light
            drawing.add(
                Rect(bar_x, y, bar_w * _clamp(value) / 100, 9, fillColor=fill, strokeColor=accent)
            )
        drawing.add(
            _string(
                width,
                y + 1.5,
                f"{section.average.text} (n={section.average.count})",
                font=fonts.BOLD,
                textAnchor="end",
            )
        )
    tx = bar_x + bar_w * _clamp(target) / 100
    drawing.add(
        Line(
            tx,
            12,
            tx,
            height - legend + 2,
            strokeColor=ink,
            strokeWidth=1.2,
            strokeDashArray=[3, 2],
        )
    )
    legend_y = height - 9
    drawing.add(
        Line(bar_x, legend_y + 2.5, bar_x + 16, legend_y + 2.5, strokeColor=ink,
             strokeWidth=1.2, strokeDashArray=[3, 2])
    )  # fmt: skip
    note = f"Target {scoring.format_pct(target)}: dark bars meet it, light bars fall short"
    if any(not s.in_overall for s in sections):
        note += "; * not part of the overall score"
    drawing.add(_string(bar_x + 20, legend_y, note, 6.5))
    return drawing


def distribution_chart(board: Dashboard, width: float, height: float = 75) -> Drawing:
    """Shops per score band, as vertical bars with the count and share written on top."""
    from reportlab.graphics.shapes import Drawing, Line, Rect
    from reportlab.lib.colors import HexColor

    fonts.register_fonts()
    bands = list(reversed(board.bands))  # lowest band on the left
    drawing = Drawing(width, height)
    total = sum(b.count for b in bands) or 1
    top = max((b.count for b in bands), default=0) or 1
    bottom, head = 14.0, 14.0
    slot = width / max(len(bands), 1)
    accent = HexColor(styles.ACCENT)
    drawing.add(Line(0, bottom, width, bottom, strokeColor=HexColor(styles.INK), strokeWidth=0.6))
    for index, band in enumerate(bands):
        x = slot * index + slot * 0.2
        h = (height - bottom - head) * band.count / top
        drawing.add(Rect(x, bottom, slot * 0.6, h, fillColor=accent, strokeColor=None))
        share = scoring.format_pct(Fraction(100 * band.count, total))
        drawing.add(
            _string(x + slot * 0.3, bottom + h + 3, f"{band.count} ({share})", textAnchor="middle")
        )
        label = f"{band.label} (from {scoring.format_pct(band.low)})" if band.low else band.label
        drawing.add(_string(x + slot * 0.3, 3, _fit(label, slot - 4), textAnchor="middle"))
    return drawing


# --- tables -------------------------------------------------------------------------------


def _leaders(rows: Sequence[LeaderRow], width: float, *, agents: bool) -> Any:
    from reportlab.platypus import Table

    shown: list[LeaderRow | None] = list(rows)
    if agents and len(rows) > 2 * LEADERS:
        shown = [*rows[:LEADERS], None, *rows[-LEADERS:]]
    widths = [0.0, 110.0 if agents else 0.0, 38.0, 52.0, 86.0, 44.0, 44.0]
    widths[0] = width - sum(widths)
    head = ["Agent" if agents else "Property", "Property" if agents else "", "Shops"]
    head += ["Average", "Band", "Trend", "Critical"]
    table_rows: list[list[Any]] = [
        [
            para(h, "head_right" if i in (2, 3, 5, 6) else "head") if h else ""
            for i, h in enumerate(head)
        ]
    ]
    for row in shown:
        if row is None:
            skipped = len(rows) - 2 * LEADERS
            table_rows.append([para(f"… {skipped} more agents …", "small"), "", "", "", "", "", ""])
            continue
        trend = {"up": "▲ up", "down": "▼ down", "same": "= same", None: "—"}[row.trend]
        table_rows.append(
            [
                styles.cell(row.name + (" †" if row.small_sample else ""), widths[0] - 6),
                styles.cell(row.property_name, widths[1] - 6) if agents else "",
                f"{row.shops:,}",
                row.average.text,
                styles.cell(row.band, widths[4] - 6),
                trend,
                str(row.critical) if row.critical else "—",
            ]
        )
    table = Table(table_rows, colWidths=widths, repeatRows=1)
    style = styles.grid_style(len(table_rows))
    columns = [(0, "cell"), (1, "cell"), (2, "cell_right"), (3, "cell_right"), (4, "cell")]
    columns += [(5, "cell_right"), (6, "cell_right")]
    for command in styles.text_columns(columns):
        style.add(*command)
    table.setStyle(style)
    if any(r.small_sample for r in rows):
        from reportlab.platypus import KeepTogether

        note = para(
            "† fewer than 5 shops: a small sample. Trend: the average against the period "
            "before, as displayed.",
            "small",
            width=width,
        )
        return KeepTogether([table, note])
    return table


def _key_questions(board: Dashboard, width: float) -> Any:
    from reportlab.platypus import Table

    widths = [0.0, 50.0, 58.0, 56.0]
    widths[0] = width - sum(widths)
    rows: list[list[Any]] = [
        [
            para("Key question", "head"),
            para("Passed", "head_right"),
            para("Answered", "head_right"),
            para("Pass rate", "head_right"),
        ]
    ]
    for k in board.key_questions:
        rows.append(
            [
                styles.cell(k.prompt, widths[0] - 6),
                f"{k.rate.passed:,}",
                f"{k.rate.counted:,}",
                scoring.format_pct(k.rate.pct),
            ]
        )
    table = Table(rows, colWidths=widths, repeatRows=1)
    style = styles.grid_style(len(rows))
    for command in styles.text_columns(
        [(0, "cell"), (1, "cell_right"), (2, "cell_right"), (3, "cell_right")]
    ):
        style.add(*command)
    table.setStyle(style)
    return table


def _timings(board: Dashboard, width: float) -> Any:
    """Each timing item on two lines: its question, then every answer with its shops."""
    lines: list[Any] = []
    for timing in board.timings:
        parts = []
        for label, n in timing.counts:
            share = scoring.format_pct(Fraction(100 * n, timing.total)) if timing.total else "—"
            parts.append(f"{label} {n:,} ({share})")
        lines.append(para(timing.prompt + f" (n={timing.total:,})", "h3", width=width))
        lines.append(para(" · ".join(parts), "cell", width=width))
    return lines
