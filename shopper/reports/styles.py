"""The named styles of every report, and `para()`, the one way text becomes a Paragraph.

Colours are chosen to stay legible in grayscale: meaning is always carried by words or
marks as well (band names, "CRITICAL", the property-average tick), never by colour alone.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from shopper.reports import fonts, text

if TYPE_CHECKING:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

INK = "#1a1a1a"
MUTED = "#555555"
RULE = "#b0b0b0"
ACCENT = "#1f4e79"
ACCENT_LIGHT = "#dbe5f0"
SHADE = "#eeeeee"
ALERT = "#9c1c1c"
ALERT_LIGHT = "#f6dede"
PROPERTY_MARK = "#000000"
TABLE_FONT = [("FONTNAME", (0, 0), (-1, -1), fonts.FAMILY)]
"""Every table names DejaVu: a table sets its cells' font even around Paragraphs, and the
default (Helvetica) would otherwise be listed, unembedded, in the PDF."""


@functools.cache
def stylesheet() -> dict[str, ParagraphStyle]:
    from reportlab.lib.colors import HexColor
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    fonts.register_fonts()
    base = ParagraphStyle(
        "body",
        fontName=fonts.FAMILY,
        fontSize=9,
        leading=12,
        textColor=HexColor(INK),
        splitLongWords=1,
    )

    def derive(name: str, **kwargs: Any) -> ParagraphStyle:
        return ParagraphStyle(name, parent=base, **kwargs)

    return {
        "body": base,
        "title": derive("title", fontName=fonts.BOLD, fontSize=17, leading=21),
        "subtitle": derive("subtitle", fontSize=10.5, leading=14, textColor=HexColor(MUTED)),
        "h2": derive(
            "h2",
            fontName=fonts.BOLD,
            fontSize=11.5,
            leading=15,
            spaceBefore=10,
            spaceAfter=4,
            textColor=HexColor(ACCENT),
        ),
        "h3": derive("h3", fontName=fonts.BOLD, fontSize=9.5, leading=12.5, spaceBefore=5),
        "id": derive("id", fontSize=6, leading=10.5, textColor=HexColor(MUTED)),
        "small": derive("small", fontSize=7.5, leading=9.5, textColor=HexColor(MUTED)),
        "cell": derive("cell", fontSize=8.5, leading=10.5),
        "cell_bold": derive("cell_bold", fontName=fonts.BOLD, fontSize=8.5, leading=10.5),
        "cell_right": derive("cell_right", fontSize=8.5, leading=10.5, alignment=TA_RIGHT),
        "cell_center": derive("cell_center", fontSize=8.5, leading=10.5, alignment=TA_CENTER),
        "head": derive(
            "head", fontName=fonts.BOLD, fontSize=8, leading=10, textColor=HexColor(MUTED)
        ),
        "head_right": derive(
            "head_right",
            fontName=fonts.BOLD,
            fontSize=8,
            leading=10,
            textColor=HexColor(MUTED),
            alignment=TA_RIGHT,
        ),
        "metric": derive("metric", fontName=fonts.BOLD, fontSize=24, leading=28),
        "metric_label": derive("metric_label", fontSize=8, leading=10, textColor=HexColor(MUTED)),
        "band": derive("band", fontName=fonts.BOLD, fontSize=10.5, leading=13),
        "alert": derive("alert", fontName=fonts.BOLD, fontSize=10, leading=13),
        "comment": derive("comment", fontSize=8.5, leading=11, leftIndent=10),
        "comment_head": derive(
            "comment_head", fontSize=7.5, leading=9.5, leftIndent=10, textColor=HexColor(MUTED)
        ),
        "quote": derive("quote", fontName=fonts.OBLIQUE, fontSize=8.5, leading=11),
        "critical_item": derive(
            "critical_item", fontSize=8.5, leading=11, leftIndent=6, spaceAfter=2
        ),
        "quote_indented": derive(
            "quote_indented",
            fontName=fonts.OBLIQUE,
            fontSize=8.5,
            leading=11,
            leftIndent=14,
            spaceAfter=3,
            textColor=HexColor(MUTED),
        ),
    }


def style(name: str) -> ParagraphStyle:
    return stylesheet()[name]


@functools.cache
def _variant(name: str, shaped: bool, right: bool) -> ParagraphStyle:
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    base = style(name)
    options: dict[str, Any] = {}
    if shaped:
        options["shaping"] = 1
    if right:
        options["alignment"] = TA_RIGHT
    return ParagraphStyle(f"{name}-{int(shaped)}{int(right)}", parent=base, **options)


BOLD_OF = {fonts.FAMILY: fonts.BOLD, fonts.OBLIQUE: fonts.BOLD_OBLIQUE}


def para(
    value: str | None,
    style_name: str = "body",
    *,
    width: float | None = None,
    bold: bool = False,
    prefix: str = "",
    suffix: str = "",
    own_direction: bool = False,
) -> Paragraph:
    """A Paragraph of text in any script, whole (it wraps and splits across pages).

    The paragraph is left-to-right, the document's direction, and names put in it with
    `text.isolate()` are bidi isolates. `own_direction` is for a paragraph that is all one
    person's free text (a comment): it then takes its direction from its first strong letter,
    and an Arabic comment is right-to-left and right-aligned. `width`, when known, lets
    right-to-left text be broken into lines before its words are put in visual order;
    `prefix` and `suffix` are trusted markup (already escaped).
    """
    from reportlab.platypus import Paragraph

    cleaned = text.clean(value)
    chosen_style = style(style_name)
    face = BOLD_OF.get(chosen_style.fontName, chosen_style.fontName) if bold else None
    font_name = face or chosen_style.fontName
    shaped = text.needs_shaping(cleaned)
    rtl = text.has_rtl(cleaned)
    if not rtl:  # isolate markers come only with right-to-left text; others draw nothing
        cleaned = text.strip_isolates(cleaned)
    right = False
    base: text.Direction = "L"
    if rtl and own_direction and not prefix and text.base_is_rtl(cleaned):
        base, right = "R", True
    chosen = _variant(style_name, shaped, right) if (shaped or right) else chosen_style
    lines: list[str] | None = None
    wrap_here = rtl or len(cleaned) > LONG_TEXT or not fonts.covers(font_name, cleaned)
    if width is not None and not prefix and not suffix and wrap_here:
        lines = text.wrap_logical(cleaned, width, font_name, chosen_style.fontSize)
    elif rtl:
        lines = cleaned.split("\n")
    if lines is None:
        return Paragraph(prefix + _body(cleaned, shaped, face, font_name) + suffix, chosen)
    if rtl:
        lines = [text.visual_line(line, base) for line in lines]
    if len(lines) <= CHUNK_LINES:
        body = _body("\n".join(lines), shaped, face, font_name)
        return Paragraph(prefix + body + suffix, chosen)
    from shopper.reports.flow import long_text

    chunks = [
        "\n".join(line or "\u00a0" for line in lines[i : i + CHUNK_LINES])
        for i in range(0, len(lines), CHUNK_LINES)
    ]
    return long_text([Paragraph(_body(c, shaped, face, font_name), chosen) for c in chunks])


LONG_TEXT = 1500
"""Text longer than this (in characters) is broken into lines here, in chunks of
`CHUNK_LINES`, so that its layout takes linear time (see `flow.long_text`)."""
CHUNK_LINES = 12


def _body(cleaned: str, shaped: bool, face: str | None, font_name: str) -> str:
    body = text.markup(cleaned, shaped=shaped, font_name=font_name)
    return f'<font name="{face}">{body}</font>' if face is not None else body


def grid_style(rows: int) -> Any:
    """Plain table: a rule under the header row, every other row shaded."""
    from reportlab.lib.colors import HexColor
    from reportlab.platypus import TableStyle

    commands: list[tuple[Any, ...]] = [
        *TABLE_FONT,
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, HexColor(INK)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for row in range(2, rows, 2):
        commands.append(("BACKGROUND", (0, row), (-1, row), HexColor(SHADE)))
    return TableStyle(commands)


def plain_cell(value: str | None, width: float, style_name: str = "cell") -> str | None:
    """`value` as a plain table string when that prints right (one line that fits, only
    characters DejaVu draws, nothing to shape or reorder), else None. Tables draw strings
    several times faster than Paragraphs, which matters for hundreds of scorecards."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    cleaned = text.strip_isolates(text.clean(value))
    if "\n" in cleaned or text.needs_shaping(cleaned) or text.has_rtl(cleaned):
        return None
    chosen = style(style_name)
    if not fonts.covers(chosen.fontName, cleaned):
        return None
    if stringWidth(cleaned, chosen.fontName, chosen.fontSize) > width:
        return None
    return cleaned


def cell(value: str | None, width: float, style_name: str = "cell") -> Any:
    """A table cell: a plain string when it is safe (see `plain_cell`), else a Paragraph.
    The table's style must set the column's font to match `style_name`."""
    plain = plain_cell(value, width, style_name)
    return plain if plain is not None else para(value, style_name, width=width)


def text_columns(columns: list[tuple[int, str]], first_row: int = 1) -> list[tuple[Any, ...]]:
    """TableStyle commands giving plain-string cells of each column the look of a style:
    font, size, colour, alignment, and a top padding that lines strings up with Paragraphs."""
    from reportlab.lib.colors import HexColor
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT

    commands: list[tuple[Any, ...]] = []
    for column, name in columns:
        chosen = style(name)
        start, end = (column, first_row), (column, -1)
        align = {TA_RIGHT: "RIGHT", TA_CENTER: "CENTER"}.get(chosen.alignment, "LEFT")
        commands += [
            ("FONTNAME", start, end, chosen.fontName),
            ("FONTSIZE", start, end, chosen.fontSize),
            ("LEADING", start, end, chosen.leading),
            ("TEXTCOLOR", start, end, HexColor(INK)),
            ("ALIGN", start, end, align),
        ]
    return commands
