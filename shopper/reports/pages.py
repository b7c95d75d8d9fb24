"""Paper, the document template, and "Page X of Y" footers counted per agent.

The default paper follows the locale the way glibc's LC_PAPER does: Letter in the Americas
that use it (US, Canada, Mexico, Puerto Rico, the Philippines, Chile, Colombia, Venezuela,
Central America), A4 everywhere else, including when no locale is set (C/POSIX).
"""

from __future__ import annotations

import contextlib
import locale
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

from shopper.reports import fonts, styles

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import BaseDocTemplate, Flowable

PageSize = Literal["letter", "a4"]
PAGE_SIZES: tuple[PageSize, ...] = ("letter", "a4")
LETTER_TERRITORIES = frozenset(
    {"US", "CA", "MX", "PR", "PH", "CL", "CO", "VE", "CR", "GT", "SV", "HN", "NI", "PA", "DO"}
)
_WINDOWS_LETTER_NAMES = (
    "united states",
    "canada",
    "mexico",
    "philippines",
    "puerto rico",
    "chile",
    "colombia",
    "venezuela",
)
MARGIN_MM = 16
LANGUAGE = "en"
"""The document language (the PDF catalog's /Lang): the report's own words are English."""


def territory_page_size(locale_name: str | None) -> PageSize | None:
    """Letter or A4 for a locale name (`en_US.UTF-8`, `English_United States`), None when
    the name says nothing (C, POSIX, empty)."""
    if not locale_name:
        return None
    name = locale_name.split(".")[0].split("@")[0]
    if name.upper() in ("C", "POSIX", ""):
        return None
    if "_" in name:
        territory = name.split("_", 1)[1]
        if len(territory) == 2:
            return "letter" if territory.upper() in LETTER_TERRITORIES else "a4"
        lowered = territory.lower()
        return "letter" if any(n in lowered for n in _WINDOWS_LETTER_NAMES) else "a4"
    return None


def default_page_size(environ: Mapping[str, str] | None = None) -> PageSize:
    """Letter or A4 from the locale: the first of LC_ALL, LC_PAPER, LANG that is set decides
    (as POSIX orders them; C or POSIX says A4). Only when none is set (Windows) is the
    system locale asked: Python maps C.UTF-8 to en_US there, which would say Letter."""
    env = os.environ if environ is None else environ
    for variable in ("LC_ALL", "LC_PAPER", "LANG"):
        name = env.get(variable)
        if name:
            return territory_page_size(name) or "a4"
    if environ is None:
        with contextlib.suppress(ValueError):
            return territory_page_size(locale.getlocale()[0]) or "a4"
    return "a4"


def page_dimensions(size: PageSize) -> tuple[float, float]:
    from reportlab.lib.pagesizes import A4, letter

    width, height = letter if size == "letter" else A4
    return float(width), float(height)


def frame_width(size: PageSize) -> float:
    from reportlab.lib.units import mm

    return page_dimensions(size)[0] - 2 * MARGIN_MM * float(mm)


def _canvas_class() -> type[Canvas]:
    from reportlab.lib.colors import HexColor
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        """Footers that say "Page X of Y", X and Y counting the pages of the same agent (a
        combined PDF restarts per agent). Y is a form XObject filled in when the group's
        length is known, so pages are written as they come (bookmarks stay right)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.shopper_group = 0
            self.shopper_page = 0
            self._group_pages: dict[int, int] = {}
            self.shopper_header: Flowable | None = None
            self.shopper_footer: Flowable | None = None

        def beginText(self, x: float = 0, y: float = 0, direction: Any = None) -> Any:
            """Text objects that draw bold CJK emboldened (see `fonts`)."""
            return fonts.synthetic_bold_text_class()(self, x, y, direction=direction)

        def start_group(self, header: Flowable, footer: Flowable) -> None:
            self.shopper_group += 1
            self.shopper_page = 0
            self.shopper_header, self.shopper_footer = header, footer

        def showPage(self) -> None:
            self.shopper_page += 1
            self._group_pages[self.shopper_group] = self.shopper_page
            self._footer(self.shopper_page, f"shopper-total-{self.shopper_group}")
            super().showPage()

        def save(self) -> None:
            for group, total in self._group_pages.items():
                self.beginForm(f"shopper-total-{group}")
                self.setFillColor(HexColor(styles.MUTED))
                self.setFont(fonts.FAMILY, 7.5)
                self.drawString(0, 0, str(total))
                self.endForm()
            super().save()

        def _footer(self, number: int, total_form: str) -> None:
            width, _ = self._pagesize
            margin = MARGIN_MM * mm
            self.saveState()
            self.setStrokeColor(HexColor(styles.RULE))
            self.setLineWidth(0.5)
            self.line(margin, 12 * mm, width - margin, 12 * mm)
            self.setFillColor(HexColor(styles.MUTED))
            self.setFont(fonts.FAMILY, 7.5)
            label = f"Page {number} of "
            x = width - margin - 62
            self.drawString(x, 8 * mm, label)
            self.translate(x + self.stringWidth(label, fonts.FAMILY, 7.5), 8 * mm)
            self.doForm(total_form)
            self.restoreState()
            usable = width - 2 * margin
            footer = self.shopper_footer
            if footer is not None:
                _, h = footer.wrapOn(self, usable - 70, 20 * mm)
                footer.drawOn(self, margin, 8 * mm + 7.5 - h + 1)
            header = self.shopper_header
            if header is not None and number > 1:
                _, h = header.wrapOn(self, usable, 20 * mm)
                top = self._pagesize[1] - margin + 8 * mm
                header.drawOn(self, margin, top - h)
                self.saveState()
                self.setStrokeColor(HexColor(styles.RULE))
                self.setLineWidth(0.5)
                self.line(margin, top - h - 2, width - margin, top - h - 2)
                self.restoreState()

    return NumberedCanvas


def group_marker(
    key: str,
    header: Flowable,
    footer: Flowable,
    bookmark: str | None = None,
    on_draw: Callable[[], None] | None = None,
    parent: str | None = None,
    level: int = 0,
) -> Flowable:
    """A zero-size flowable that starts a new page-numbering group (one agent) with its
    running header (pages 2 on) and footer, and a bookmark at `level`; `parent`, when given,
    is a bookmark one level up added first (a property above its agents)."""
    from reportlab.platypus import Flowable

    class GroupStart(Flowable):  # type: ignore[misc]
        def wrap(self, aw: float, ah: float) -> tuple[float, float]:
            return 0, 0

        def draw(self) -> None:
            if on_draw is not None:
                on_draw()
            canvas = self.canv
            canvas.start_group(header, footer)
            if bookmark is not None:
                canvas.bookmarkPage(key)
                if parent is not None:  # its own destination: one key, one entry
                    canvas.bookmarkPage(f"{key}/parent")
                    canvas.addOutlineEntry(parent, f"{key}/parent", level=level - 1, closed=False)
                canvas.addOutlineEntry(bookmark, key, level=level, closed=True)
                canvas.showOutline()

    return GroupStart()


def build_pdf(
    target: str | os.PathLike[str] | BinaryIO,
    story: list[Flowable],
    *,
    size: PageSize,
    title: str,
    author: str,
    subject: str,
    running_header: Callable[[Canvas, BaseDocTemplate], None] | None = None,
) -> int:
    """Lay out `story` on `size` paper with metadata; returns the number of pages."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Frame, PageTemplate

    from shopper.reports.flow import layout_doc_class

    fonts.register_fonts()
    margin = MARGIN_MM * mm
    width, height = page_dimensions(size)
    doc = layout_doc_class()(
        target if isinstance(target, str | bytes) or hasattr(target, "write") else str(target),
        pagesize=(width, height),
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin + 2 * mm,
        title=title,
        author=author,
        subject=subject,
        creator="Shopper",
        lang=LANGUAGE,
        initialFontName=fonts.FAMILY,
        initialFontSize=9,
    )
    frame = Frame(
        margin, margin + 2 * mm, width - 2 * margin, height - 2 * margin - 2 * mm, id="body",
        leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
    )  # fmt: skip
    doc.addPageTemplates(
        [PageTemplate(id="page", frames=[frame], onPage=running_header or _no_header)]
    )
    doc.build(story, canvasmaker=_canvas_class())
    return int(doc.page)


def _no_header(canvas: Canvas, doc: BaseDocTemplate) -> None:
    return None
