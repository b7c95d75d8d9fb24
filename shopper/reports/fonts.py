"""Fonts for every PDF: DejaVu Sans (bundled, with its licence) as one family, plus a fallback
for scripts DejaVu lacks (Chinese, Japanese, Korean): WenQuanYi Micro Hei, bundled too (a
TrueType-outline CJK font, Apache 2.0), so a wheel or the desktop bundle prints CJK on a
computer that has no CJK font.

ReportLab has no automatic font fallback: `shopper.reports.text` splits text into runs and
wraps the runs DejaVu cannot draw in `<font name="ShopperFallback">`. DejaVu Sans itself covers
Latin (Vietnamese included), Greek, Cyrillic and Arabic.

There is no bold CJK face ReportLab can read (Noto Sans CJK is CFF-based), so bold CJK is
synthetic: `ShopperFallback-Bold` is the same font under another name, and the page canvas
(`SyntheticBoldText`, used by `shopper.reports.pages`) draws its runs filled and stroked
(text render mode 2) with a line width of `SYNTHETIC_BOLD_STROKE` of the font size. The text
is drawn once, so copying or searching it finds each name once.
"""

from __future__ import annotations

import copy
import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shopper.paths import FONTS

FAMILY = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
OBLIQUE = "DejaVuSans-Oblique"
BOLD_OBLIQUE = "DejaVuSans-BoldOblique"
FALLBACK = "ShopperFallback"
FALLBACK_BOLD = "ShopperFallback-Bold"
SYNTHETIC_BOLD = frozenset({FALLBACK_BOLD})
"""Faces drawn emboldened (filled and stroked) by `SyntheticBoldText`."""
SYNTHETIC_BOLD_STROKE = 0.04
"""The stroke width of synthetic bold, as a share of the font size (both sides of the outline
grow by half of it: DejaVu Bold's stems are about 1.4 times the regular's)."""
BUNDLED_FALLBACK = "WenQuanYiMicroHei.ttf"

FAMILY_FILES = {
    FAMILY: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    OBLIQUE: "DejaVuSans-Oblique.ttf",
    BOLD_OBLIQUE: "DejaVuSans-BoldOblique.ttf",
}

FALLBACK_ENV = "SHOPPER_FALLBACK_FONT"
"""A .ttf (or .ttc, first face) to use for CJK instead of the fonts searched below."""

# Fonts ReportLab's TTFont can read (Noto CJK .ttc files are CFF-based and are refused), after
# the bundled one (a checkout or an install that lost it still finds one on the system).
FALLBACK_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simsun.ttc",
    "C:/Windows/Fonts/arialuni.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
    "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
)


@dataclass(frozen=True)
class FontSetup:
    family: str
    bold: str
    fallback: str | None
    fallback_path: Path | None


def font_files() -> dict[str, Path]:
    return {name: FONTS / filename for name, filename in FAMILY_FILES.items()}


@functools.cache
def register_fonts() -> FontSetup:
    """Register DejaVu Sans (four faces, one family) and a CJK fallback, once per process."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name, path in font_files().items():
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(
        FAMILY, normal=FAMILY, bold=BOLD, italic=OBLIQUE, boldItalic=BOLD_OBLIQUE
    )
    # ReportLab graphics start every drawing in Times-Roman/Helvetica (an unembedded font
    # listed in the PDF even when no label uses it): make DejaVu their default.
    from reportlab.graphics import shapes

    shapes.STATE_DEFAULTS["fontName"] = FAMILY
    _no_discretionary_ligatures()
    fallback_path = _register_fallback()
    if fallback_path is not None:
        # A fallback run inside <b> is drawn in the synthetic bold; italic keeps the upright
        # (CJK has no italic).
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(FALLBACK, bold, italic, FALLBACK_BOLD if bold else FALLBACK)
    return FontSetup(FAMILY, BOLD, FALLBACK if fallback_path else None, fallback_path)


def _no_discretionary_ligatures() -> None:
    """ReportLab shapes text (Arabic, combining marks) with HarfBuzz's discretionary
    ligatures on, so "stated" in an Arabic comment's paragraph prints with DejaVu's ﬆ
    ligature, and copies or searches as "ﬆated". Those are for display type: turned off
    (its default features are a dict shared by every call)."""
    from reportlab.pdfbase import ttfonts

    defaults = getattr(ttfonts.shapeFragWord, "__defaults__", None) or ()
    for value in defaults:
        if isinstance(value, dict) and "dlig" in value:
            value["dlig"] = False


def _register_fallback() -> Path | None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    for path in fallback_candidates():
        if not path.is_file():
            continue
        try:
            options = {"subfontIndex": 0} if path.suffix.lower() == ".ttc" else {}
            regular = TTFont(FALLBACK, str(path), **options)
        except (TTFError, OSError, ValueError):
            continue
        pdfmetrics.registerFont(regular)
        pdfmetrics.registerFont(_renamed(regular, FALLBACK_BOLD))
        return path
    return None


def fallback_candidates() -> list[Path]:
    """Where the CJK fallback is looked for, in order: the file named by
    $SHOPPER_FALLBACK_FONT, the bundled WenQuanYi Micro Hei, then fonts of the system."""
    wanted = os.environ.get(FALLBACK_ENV)
    return [
        *([Path(wanted)] if wanted else []),
        FONTS / BUNDLED_FALLBACK,
        *map(Path, FALLBACK_CANDIDATES),
    ]


def _renamed(font: Any, name: str) -> Any:
    """The same TrueType font under another name, sharing the parsed file (a CJK font is
    several MB: parsing it twice would double the start-up time of every batch worker).
    ReportLab keeps one font object per typeface, so both names draw with one embedded
    subset; only the text object tells them apart (by name)."""
    twin = copy.copy(font)
    twin.fontName = name
    return twin


@functools.cache
def _coverage(font_name: str) -> frozenset[str]:
    """The characters `font_name` has a glyph for, plus those that draw nothing (line breaks,
    zero-width space, the internal isolate markers)."""
    from reportlab.pdfbase import pdfmetrics

    font = pdfmetrics.getFont(font_name)
    return frozenset(map(chr, font.face.charToGlyph)) | frozenset("\n\u200b\ufdd0\ufdd1")


def has_glyph(font_name: str, char: str) -> bool:
    """Whether `font_name` (a registered TrueType font) can draw `char`."""
    return char in _coverage(font_name)


def covers(font_name: str, text: str) -> bool:
    """Whether `font_name` can draw every character of `text` (a set test, linear)."""
    return _coverage(font_name).issuperset(text)


def fallback_for(bold: bool) -> str:
    """The fallback face for a run in bold or not (bold is synthetic, see the module)."""
    return FALLBACK_BOLD if bold else FALLBACK


@functools.cache
def synthetic_bold_text_class() -> type[Any]:
    """ReportLab's text object, drawing runs in a `SYNTHETIC_BOLD` face emboldened: filled
    and stroked in the fill colour (render mode 2), then the line width, join, stroke colour
    and render mode are put back as the canvas knows them. A canvas returns it from
    `beginText` (Paragraphs and `drawString` both draw through it)."""
    from reportlab.lib.colors import toColor
    from reportlab.lib.rl_accel import fp_str
    from reportlab.pdfgen.textobject import PDFTextObject

    def rgb(color: Any) -> str:
        try:
            red, green, blue = toColor(color).rgb()
        except (ValueError, AttributeError, TypeError):
            red = green = blue = 0
        return f"{fp_str(red, green, blue)}"

    class SyntheticBoldText(PDFTextObject):  # type: ignore[misc]
        def _formatText(self, text: str) -> str:
            code: str = super()._formatText(text)
            if self._fontname not in SYNTHETIC_BOLD or not code:
                return code
            canvas = self._canvas
            fill = getattr(self, "_fillColorObj", None) or canvas._fillColorObj
            width = fp_str(self._fontsize * SYNTHETIC_BOLD_STROKE)
            restore = (
                f"{self._textRenderMode} Tr {fp_str(canvas._lineWidth)} w "
                f"{canvas._lineJoin} j {rgb(canvas._strokeColorObj)} RG"
            )
            return f"2 Tr {width} w 1 j {rgb(fill)} RG {code} {restore}"

    return SyntheticBoldText
