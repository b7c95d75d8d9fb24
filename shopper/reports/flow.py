"""Page breaks that read well: a heading never ends a page, a comment's header line stays
with the first lines of its text, and a comment split across pages says "(continued)".

- `keep_room(...)`: a conditional page break sized, at layout time, to a heading plus the
  first rows under it (ReportLab's `keepWithNext`/`KeepTogether` keep a heading with the
  *whole* next flowable, which for a long table or comment is either a wasted page or no
  help at all).
- `Continued`: a head (the "date · shopper · answered No" line, an item row) and a body
  paragraph as one flowable: it splits only inside the body, never before its first lines,
  and the part on the next page starts with a "(continued)" line.
- `table(...)`: a table that never leaves a widowed tail: when it splits, the part carried
  to the next page has at least `MIN_TAIL_ROWS` rows (rows are moved over from the page
  before, which keeps at least `MIN_HEAD_ROWS`), so a scorecard does not end on a page of
  two or three rows.
- `ROLE`: headings, table headers and comment headers are tagged so that a test can walk
  every page break and check that none of them is the last thing on a page.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

ROLE = "shopper_role"
HEADING, TABLE_HEADER, COMMENT_HEADER = "heading", "table header", "comment header"


def tag(flowable: Any, role: str) -> Any:
    """Mark `flowable` with its role (see the module docstring) and return it."""
    setattr(flowable, ROLE, role)
    return flowable


def role_of(flowable: Any) -> str | None:
    return getattr(flowable, ROLE, None)


MIN_TAIL_ROWS = 5
"""The fewest body rows (after the repeated header) a split table carries to the next page."""
MIN_HEAD_ROWS = 2
"""The fewest body rows a split table leaves on the page where it starts (`keep_room` with
`(table, 1 + MIN_HEAD_ROWS)` makes room for them)."""


def table(rows: list[list[Any]], **options: Any) -> Any:
    """A ReportLab `Table` of `rows` (options as Table's) with widow control, see the module."""
    return _table_class()(rows, **options)


@functools.cache
def _table_class() -> type[Any]:
    from reportlab.platypus import Table

    class WidowlessTable(Table):  # type: ignore[misc]
        def split(self, available_width: float, available_height: float) -> list[Any]:
            parts: list[Any] = super().split(available_width, available_height)
            if len(parts) != 2:
                return parts
            header = self.repeatRows if isinstance(self.repeatRows, int) else 0
            first_rows = len(parts[0]._cellvalues) - header
            tail_rows = len(parts[1]._cellvalues) - header
            keep = max(MIN_HEAD_ROWS, first_rows - max(0, MIN_TAIL_ROWS - tail_rows))
            if keep >= first_rows:
                return parts
            # The same split, `first_rows - keep` rows earlier: ReportLab splits at the last
            # row boundary that fits, so ask for the height of the rows kept (plus a hair).
            height = sum(self._rowHeights[: header + keep]) + 0.01
            shorter: list[Any] = super().split(available_width, height)
            return shorter if len(shorter) == 2 else parts

    return WidowlessTable


def keep_room(measure: Sequence[Any], extra: float = 0.0) -> Any:
    """A page break taken only when `measure` plus `extra` points does not fit: flowables
    (the heading), and `(table, n)` for the first `n` rows of a table (its header and
    first rows), measured when the page is laid out."""
    from reportlab.platypus import CondPageBreak

    class KeepRoom(CondPageBreak):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(0)

        def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
            height = extra
            for f in measure:
                if isinstance(f, tuple):
                    table, rows = f
                    table.wrap(available_width, 10**6)
                    height += sum(table._rowHeights[:rows])
                else:
                    height += f.wrap(available_width, 10**6)[1]
                    height += f.getSpaceBefore() + f.getSpaceAfter()
            self.height = height
            return super().wrap(available_width, available_height)  # type: ignore[no-any-return]

    return KeepRoom()


def continued(head: Any, body: Any, continued_head: Any, min_lines: int = 2) -> Any:
    """`head` then `body` (a Paragraph) as one flowable; see the module docstring.
    `continued_head` heads the part of the body on the next page."""
    from reportlab.platypus import Flowable

    class Continued(Flowable):  # type: ignore[misc]
        def __init__(self, head: Any, body: Any) -> None:
            super().__init__()
            self.head, self.body = head, body
            self._sizes = (0.0, 0.0)

        def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
            _, head_h = self.head.wrap(available_width, available_height)
            _, body_h = self.body.wrap(available_width, available_height)
            self._sizes = (head_h, body_h)
            self.width = available_width
            self.height = head_h + self._gap() + body_h
            return available_width, self.height

        def _gap(self) -> float:
            return float(self.head.getSpaceAfter() + self.body.getSpaceBefore())

        def getSpaceBefore(self) -> float:
            return float(self.head.getSpaceBefore())

        def getSpaceAfter(self) -> float:
            return float(self.body.getSpaceAfter())

        def split(self, available_width: float, available_height: float) -> list[Any]:
            _, head_h = self.head.wrap(available_width, available_height)
            room = available_height - head_h - self._gap()
            leading = float(getattr(getattr(self.body, "style", None), "leading", 11))
            if room < min_lines * leading:
                return []
            parts = self.body.split(available_width, room)
            if len(parts) < 2:
                return []
            first, *rest = parts
            return [Continued(self.head, first), *(continued_of(p) for p in rest)]

        def draw(self) -> None:
            body_h = self._sizes[1]
            self.head.drawOn(self.canv, 0, body_h + self._gap())
            self.body.drawOn(self.canv, 0, 0)

    def continued_of(part: Any) -> Any:
        return Continued(continued_head, part)

    return Continued(head, body)


def long_text(chunks: Sequence[Any]) -> Any:
    """Paragraphs of a few lines each, drawn as one paragraph: a 20,000-character comment
    lays out in linear time (ReportLab re-breaks a whole Paragraph each time it is wrapped
    or split, once per page, which is quadratic), and splits between or inside chunks."""
    from reportlab.platypus import Flowable

    class LongText(Flowable):  # type: ignore[misc]
        def __init__(self, chunks: Sequence[Any], heights: dict[Any, float] | None = None) -> None:
            super().__init__()
            self.chunks = list(chunks)
            self.style = self.chunks[0].style
            self._heights = {} if heights is None else heights
            """(chunk, width) → height, shared with the parts split from this text."""

        def _measure(self, width: float) -> list[float]:
            out = []
            for chunk in self.chunks:
                key = (chunk, width)  # the chunk itself: an id could be reused
                if key not in self._heights:
                    self._heights[key] = chunk.wrap(width, 10**6)[1]
                out.append(self._heights[key])
            return out

        def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
            self.width = available_width
            self.height = sum(self._measure(available_width))
            return available_width, self.height

        def getSpaceBefore(self) -> float:
            return float(self.style.spaceBefore)

        def getSpaceAfter(self) -> float:
            return float(self.style.spaceAfter)

        def split(self, available_width: float, available_height: float) -> list[Any]:
            heights = self._measure(available_width)
            used, index = 0.0, 0
            while index < len(self.chunks) and used + heights[index] <= available_height:
                used += heights[index]
                index += 1
            head, tail = self.chunks[:index], self.chunks[index:]
            if tail:
                parts = tail[0].split(available_width, available_height - used)
                if len(parts) == 2:
                    head, tail = [*head, parts[0]], [parts[1], *tail[1:]]
            if not head or not tail:
                return [] if not head else [self]
            return [LongText(head, self._heights), LongText(tail, self._heights)]

        def draw(self) -> None:
            y = self.height
            for chunk, height in zip(self.chunks, self._measure(self.width), strict=True):
                y -= height
                if getattr(chunk, "blPara", None) is None or chunk.width != self.width:
                    chunk.wrap(self.width, 10**6)  # lay out the lines again for this width
                chunk.drawOn(self.canv, 0, y)

    return LongText(chunks)


_UNSEEN = frozenset({"KeepRoom", "CondPageBreak", "PageBreak", "GroupStart", "Spacer"})
"""Flowables that draw nothing: the last *visible* flowable of a page is what counts."""


@functools.cache
def layout_doc_class() -> type[Any]:
    """ReportLab's document template, reporting the last visible flowable drawn on each page
    to `page_end_observer` when it is set (tests use it to check page breaks)."""
    from reportlab.platypus import BaseDocTemplate

    class LayoutDoc(BaseDocTemplate):  # type: ignore[misc]
        page_end_observer: Any = None
        _shopper_last: Any = None

        def afterFlowable(self, flowable: Any) -> None:
            if type(flowable).__name__ not in _UNSEEN:
                self._shopper_last = flowable

        def afterPage(self) -> None:
            observer = type(self).page_end_observer
            if observer is not None:
                observer(self._shopper_last)
            self._shopper_last = None

    return LayoutDoc
