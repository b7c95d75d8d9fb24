"""Charts drawn with ReportLab graphics, every label in DejaVu Sans (graphics default to
Times-Roman otherwise). Meaning never rests on colour alone: the property average is a black
tick with a legend, critical failures are crosses, values are printed beside the bars."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING

from shopper import scoring
from shopper.reports import fonts, styles, text

if TYPE_CHECKING:
    from reportlab.graphics.shapes import Drawing

    from shopper.services.aggregates import SectionAverage, Shop

LABEL_SIZE = 7.5


def _label(value: str) -> str:
    """Chart strings cannot fall back to another font; names never go in charts, and titles
    are put in visual order if they are right-to-left."""
    cleaned = text.clean(value).replace("\n", " ")
    return text.visual_line(cleaned) if text.has_rtl(cleaned) else cleaned


def _fit(value: str, width: float, size: float) -> str:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(value, fonts.FAMILY, size) <= width:
        return value
    while value and stringWidth(value + "…", fonts.FAMILY, size) > width:
        value = value[:-1]
    return value.rstrip() + "…"


def section_bars(sections: Sequence[SectionAverage], width: float) -> Drawing:
    """One horizontal bar per section (the agent's average), with the property average
    marked by a black tick, and the values written out at the right."""
    from reportlab.graphics.shapes import Drawing, Line, Rect, String
    from reportlab.lib.colors import HexColor, white

    fonts.register_fonts()
    row, top_pad, legend = 15.0, 4.0, 16.0
    label_w, value_w = width * 0.27, 118.0
    bar_x, bar_w = label_w + 6, width - label_w - 6 - value_w
    height = top_pad + legend + row * len(sections) + 14
    drawing = Drawing(width, height)
    accent, rule, ink = HexColor(styles.ACCENT), HexColor(styles.RULE), HexColor(styles.INK)
    axis_y = 12.0
    for tick in range(0, 101, 25):
        x = bar_x + bar_w * tick / 100
        drawing.add(Line(x, axis_y, x, height - legend - top_pad + 2, strokeColor=rule))
        drawing.add(
            String(x, 2, f"{tick}", fontName=fonts.FAMILY, fontSize=6.5, textAnchor="middle")
        )
    for index, section in enumerate(sections):
        y = height - legend - top_pad - row * (index + 1) + 3
        title = _fit(_label(section.title), label_w, LABEL_SIZE)
        drawing.add(String(0, y + 3, title, fontName=fonts.FAMILY, fontSize=LABEL_SIZE))
        agent = section.agent.value
        if agent is not None:
            length = bar_w * float(min(max(agent, Fraction(0)), Fraction(100))) / 100
            drawing.add(Rect(bar_x, y, length, 10, fillColor=accent, strokeColor=None))
        prop = section.property.value
        if prop is not None:
            x = bar_x + bar_w * float(min(prop, Fraction(100))) / 100
            drawing.add(Line(x, y - 2.5, x, y + 12.5, strokeColor=white, strokeWidth=3.2))
            drawing.add(Line(x, y - 2.5, x, y + 12.5, strokeColor=ink, strokeWidth=1.6))
        value = f"{section.agent.text} (n={section.agent.count})"
        drawing.add(
            String(
                width,
                y + 2,
                value,
                fontName=fonts.BOLD if agent is not None else fonts.FAMILY,
                fontSize=LABEL_SIZE,
                textAnchor="end",
            )
        )
    legend_y = height - legend + 3
    drawing.add(Rect(bar_x, legend_y, 14, 7, fillColor=accent, strokeColor=None))
    drawing.add(String(bar_x + 18, legend_y, "Agent average", fontName=fonts.FAMILY, fontSize=7))
    mark_x = bar_x + 100
    drawing.add(Line(mark_x, legend_y - 2, mark_x, legend_y + 9, strokeColor=ink, strokeWidth=1.6))
    drawing.add(String(mark_x + 5, legend_y, "Property average", fontName=fonts.FAMILY, fontSize=7))
    return drawing


def trend(
    shops: Sequence[Shop],
    width: float,
    property_average: Fraction | None,
    height: float = 120,
) -> Drawing:
    """Each shop's overall score by visit date, joined by a line; the property average as a
    dashed line; critical failures (scored 0) as crosses."""
    from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, String
    from reportlab.lib.colors import HexColor, white

    fonts.register_fonts()
    drawing = Drawing(width, height)
    left, right, bottom, top = 28.0, 8.0, 16.0, 18.0
    plot_w, plot_h = width - left - right, height - bottom - top
    rule, accent, ink = HexColor(styles.RULE), HexColor(styles.ACCENT), HexColor(styles.INK)
    for tick in range(0, 101, 25):
        y = bottom + plot_h * tick / 100
        drawing.add(Line(left, y, left + plot_w, y, strokeColor=rule, strokeWidth=0.5))
        drawing.add(
            String(left - 4, y - 2.5, f"{tick}%", fontName=fonts.FAMILY, fontSize=6.5,
                   textAnchor="end")
        )  # fmt: skip
    scored = [(s.visited_on, s.overall, s.critical_failure) for s in shops if s.overall is not None]
    if not scored:
        drawing.add(
            String(left + plot_w / 2, bottom + plot_h / 2, "No scored shops",
                   fontName=fonts.FAMILY, fontSize=8, textAnchor="middle")
        )  # fmt: skip
        return drawing
    first, last = scored[0][0], scored[-1][0]
    span = max((last - first).days, 1)

    def x_of(day: dt.date) -> float:
        if first == last:
            return left + plot_w / 2
        return left + plot_w * (day - first).days / span

    def y_of(value: Fraction) -> float:
        return bottom + plot_h * float(min(max(value, Fraction(0)), Fraction(100))) / 100

    legend_y = height - 8
    drawing.add(Circle(left + 4, legend_y + 2.5, 2.2, fillColor=white, strokeColor=accent))
    drawing.add(String(left + 10, legend_y, "Overall score of a shop", fontName=fonts.FAMILY,
                       fontSize=6.5))  # fmt: skip
    cross_x = left + 110
    for dx in (-2.6, 2.6):
        drawing.add(Line(cross_x - dx, legend_y, cross_x + dx, legend_y + 5.2, strokeColor=ink,
                         strokeWidth=1.4))  # fmt: skip
    drawing.add(String(cross_x + 6, legend_y, "Critical failure (scored 0)",
                       fontName=fonts.FAMILY, fontSize=6.5))  # fmt: skip
    if property_average is not None:
        y = y_of(property_average)
        drawing.add(
            Line(left, y, left + plot_w, y, strokeColor=ink, strokeWidth=0.9,
                 strokeDashArray=[3, 2])
        )  # fmt: skip
        dash_x = cross_x + 110
        drawing.add(Line(dash_x, legend_y + 2.5, dash_x + 16, legend_y + 2.5, strokeColor=ink,
                         strokeWidth=0.9, strokeDashArray=[3, 2]))  # fmt: skip
        label = f"Property average {scoring.format_pct(property_average)}"
        drawing.add(String(dash_x + 20, legend_y, label, fontName=fonts.FAMILY, fontSize=6.5))
    points = [(x_of(d), y_of(v)) for d, v, _ in scored]
    if len(points) > 1:
        flat = [c for p in points for c in p]
        drawing.add(PolyLine(flat, strokeColor=accent, strokeWidth=1.2))
    for (x, y), (_, _, critical) in zip(points, scored, strict=True):
        if critical:
            for dx in (-3.2, 3.2):
                drawing.add(
                    Line(x - dx, y - 3.2, x + dx, y + 3.2, strokeColor=ink, strokeWidth=1.6)
                )
        else:
            drawing.add(Circle(x, y, 2.2, fillColor=white, strokeColor=accent, strokeWidth=1.1))
    for day in _date_ticks(first, last):
        drawing.add(
            String(x_of(day), 3, day.strftime("%b %Y") if span > 62 else day.isoformat(),
                   fontName=fonts.FAMILY, fontSize=6.5, textAnchor="middle")
        )  # fmt: skip
    return drawing


def _date_ticks(first: dt.date, last: dt.date) -> list[dt.date]:
    if first == last:
        return [first]
    if (last - first).days <= 62:
        return [first, last]
    ticks: list[dt.date] = []
    month = dt.date(first.year, first.month, 1)
    step = max(1, ((last.year - first.year) * 12 + last.month - first.month) // 6)
    while month <= last:
        if month >= first:
            ticks.append(month)
        total = month.month - 1 + step
        month = dt.date(month.year + total // 12, total % 12 + 1, 1)
    return ticks or [first]
