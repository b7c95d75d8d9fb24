"""Fonts for every PDF: DejaVu Sans (bundled, with its licence) as one family, plus a fallback
found on the system for scripts DejaVu lacks (Chinese, Japanese, Korean).

ReportLab has no automatic font fallback: `shopper.reports.text` splits text into runs and
wraps the runs DejaVu cannot draw in `<font name="ShopperFallback">`. DejaVu Sans itself covers
Latin (Vietnamese included), Greek, Cyrillic and Arabic.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from shopper.paths import FONTS

FAMILY = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
OBLIQUE = "DejaVuSans-Oblique"
BOLD_OBLIQUE = "DejaVuSans-BoldOblique"
FALLBACK = "ShopperFallback"

FAMILY_FILES = {
    FAMILY: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    OBLIQUE: "DejaVuSans-Oblique.ttf",
    BOLD_OBLIQUE: "DejaVuSans-BoldOblique.ttf",
}

FALLBACK_ENV = "SHOPPER_FALLBACK_FONT"
"""A .ttf (or .ttc, first face) to use for CJK instead of the fonts searched below."""

# Fonts ReportLab's TTFont can read (Noto CJK .ttc files are CFF-based and are refused).
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
    fallback_path = _register_fallback()
    if fallback_path is not None:
        # A fallback run inside <b> or <i> keeps the fallback face (there is only one).
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(FALLBACK, bold, italic, FALLBACK)
    return FontSetup(FAMILY, BOLD, FALLBACK if fallback_path else None, fallback_path)


def _register_fallback() -> Path | None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    wanted = os.environ.get(FALLBACK_ENV)
    for candidate in ([wanted] if wanted else []) + list(FALLBACK_CANDIDATES):
        path = Path(candidate)
        if not path.is_file():
            continue
        try:
            options = {"subfontIndex": 0} if path.suffix.lower() == ".ttc" else {}
            pdfmetrics.registerFont(TTFont(FALLBACK, str(path), **options))
        except (TTFError, OSError, ValueError):
            continue
        return path
    return None


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
    """The fallback face for a run in bold or not. There is one CJK face (no bold CJK font
    ReportLab can read is installed), so bold CJK prints regular."""
    return FALLBACK
