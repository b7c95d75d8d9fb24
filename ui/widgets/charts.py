"""Small charts drawn with QPainter: a monthly line chart, horizontal bars with an optional
target line, and columns. No chart library: they draw plain data in a few milliseconds and
say which point or bar was clicked (`clicked(int)`, the index of the point or bar).

Meaning never rests on colour alone: the second line is dashed with square markers, values
are written beside the bars, and each chart has an accessible description of its data.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

ACCENT = QColor("#1f4e79")
ACCENT_LIGHT = QColor("#9fb9d6")
GRID = QColor("#c8c8c8")


@dataclass(frozen=True)
class Point:
    label: str
    """The x-axis label ("2026-03")."""
    values: tuple[float | None, ...]
    """One value per series (0..100), None where the series has no value."""
    note: str = ""
    """Written under the label (e.g. "n=42")."""


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    """0..100 (percent), or for columns any count."""
    text: str
    """Written beside the bar ("73.4% (n=215)")."""
    dim: bool = False
    """Drawn light (e.g. below the target)."""


class _Chart(QWidget):
    clicked = Signal(int)
    """The index of the point or bar clicked (or chosen with the arrow keys and Enter)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.current = -1

    def count(self) -> int:
        raise NotImplementedError

    def save_image(self, path: str) -> bool:
        """Write the chart as it is drawn: SVG (vector) when `path` ends in .svg, else a
        bitmap (PNG) at the screen's pixel ratio."""
        if path.lower().endswith(".svg"):
            from PySide6.QtSvg import QSvgGenerator

            generator = QSvgGenerator()
            generator.setFileName(path)
            generator.setSize(self.size())
            generator.setViewBox(self.rect())
            generator.setTitle(self.accessibleName() or "Chart")
            generator.setDescription(self.accessibleDescription())
            self.render(generator)
            return True
        return bool(self.grab().save(path))

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        from PySide6.QtWidgets import QFileDialog, QMenu

        menu = QMenu(self)
        png = menu.addAction("Save chart as PNG…")
        svg = menu.addAction("Save chart as SVG…")
        chosen = menu.exec(event.globalPos())
        if chosen not in (png, svg):
            return
        suffix = "svg" if chosen is svg else "png"
        name = (self.accessibleName() or "chart").lower().replace(" ", "-")
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the chart", f"{name}.{suffix}", f"{suffix.upper()} images (*.{suffix})"
        )
        if path:
            self.save_image(path)

    def index_at(self, x: float, y: float) -> int:
        raise NotImplementedError

    def describe(self, index: int) -> str:
        raise NotImplementedError

    def _text_color(self) -> QColor:
        return self.palette().color(QPalette.ColorRole.WindowText)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        index = self.index_at(event.position().x(), event.position().y())
        if index >= 0:
            self.current = index
            self.update()
            self.clicked.emit(index)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        index = self.index_at(event.position().x(), event.position().y())
        if index >= 0:
            QToolTip.showText(event.globalPosition().toPoint(), self.describe(index), self)
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            QToolTip.hideText()
            self.unsetCursor()
        super().mouseMoveEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        n = self.count()
        key = event.key()
        if n and key in (Qt.Key.Key_Right, Qt.Key.Key_Down):
            self.current = min(n - 1, self.current + 1)
        elif n and key in (Qt.Key.Key_Left, Qt.Key.Key_Up):
            self.current = max(0, self.current - 1)
        elif n and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            if self.current >= 0:
                self.clicked.emit(self.current)
            return
        else:
            super().keyPressEvent(event)
            return
        self.setAccessibleDescription(self.describe(self.current))
        self.update()

    def _focus_ring(self, painter: QPainter, rect: QRectF) -> None:
        if self.hasFocus():
            painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), 1.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(-2, -2, 2, 2))


class LineChart(_Chart):
    """Monthly points of up to two series: the first solid with circles, the second dashed
    with squares; the y axis runs 0–100 %."""

    def __init__(self, series: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series = tuple(series)
        self.points: tuple[Point, ...] = ()
        self.setMinimumHeight(180)

    def set_points(self, points: Sequence[Point]) -> None:
        self.points = tuple(points)
        self.current = -1
        self.setAccessibleDescription(
            "; ".join(self.describe(i) for i in range(len(self.points))) or "No data"
        )
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(480, 220)

    def count(self) -> int:
        return len(self.points)

    def _plot(self) -> QRectF:
        fm = QFontMetrics(self.font())
        left = fm.horizontalAdvance("100%") + 10
        return QRectF(
            left, fm.height() + 10, self.width() - left - 10, self.height() - 3 * fm.height() - 18
        )

    def _x(self, index: int) -> float:
        plot = self._plot()
        step = plot.width() / max(1, len(self.points))
        return plot.left() + step * (index + 0.5)

    def _y(self, value: float) -> float:
        plot = self._plot()
        return plot.bottom() - plot.height() * max(0.0, min(100.0, value)) / 100

    def index_at(self, x: float, y: float) -> int:
        if not self.points:
            return -1
        plot = self._plot()
        if not plot.left() <= x <= plot.right():
            return -1
        step = plot.width() / len(self.points)
        return min(len(self.points) - 1, int((x - plot.left()) // step))

    def describe(self, index: int) -> str:
        point = self.points[index]
        values = ", ".join(
            f"{name} {'—' if v is None else f'{v:.1f}%'}"
            for name, v in zip(self.series, point.values, strict=False)
        )
        return f"{point.label}: {values} {point.note}".strip()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = QFontMetrics(self.font())
        plot = self._plot()
        ink = self._text_color()
        for tick in range(0, 101, 25):
            y = self._y(tick)
            painter.setPen(QPen(GRID, 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(ink)
            painter.drawText(
                QRectF(0, y - fm.height() / 2, plot.left() - 6, fm.height()),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                f"{tick}%",
            )
        if not self.points:
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, "No shops in this period")
            return
        if 0 <= self.current < len(self.points):
            step = plot.width() / len(self.points)
            band = QRectF(plot.left() + step * self.current, plot.top(), step, plot.height())
            painter.fillRect(band, self.palette().color(QPalette.ColorRole.AlternateBase))
            self._focus_ring(painter, band)
        every = max(
            1, int(len(self.points) * fm.horizontalAdvance("2026-10  ") // plot.width()) + 1
        )
        for index, point in enumerate(self.points):
            x = self._x(index)
            painter.setPen(ink)
            if index % every == 0:
                painter.drawText(
                    QRectF(x - 50, plot.bottom() + 4, 100, fm.height()),
                    Qt.AlignmentFlag.AlignHCenter,
                    point.label,
                )
                painter.drawText(
                    QRectF(x - 50, plot.bottom() + 4 + fm.height(), 100, fm.height()),
                    Qt.AlignmentFlag.AlignHCenter,
                    point.note,
                )
        for series in range(len(self.series)):
            pen = QPen(ACCENT if series == 0 else ink, 2)
            if series:
                pen.setStyle(Qt.PenStyle.DashLine)
            coords = [
                QPointF(self._x(i), self._y(v))
                for i, p in enumerate(self.points)
                if series < len(p.values) and (v := p.values[series]) is not None
            ]
            painter.setPen(pen)
            for a, b in itertools.pairwise(coords):
                painter.drawLine(a, b)
            painter.setPen(QPen(pen.color(), 1.5))
            for c in coords:
                if series == 0:
                    painter.setBrush(self.palette().color(QPalette.ColorRole.Base))
                    painter.drawEllipse(c, 3.5, 3.5)
                else:
                    painter.setBrush(pen.color())
                    painter.drawRect(QRectF(c.x() - 3, c.y() - 3, 6, 6))
        # legend
        x = plot.left()
        for series, name in enumerate(self.series):
            pen = QPen(ACCENT if series == 0 else ink, 2)
            if series:
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            y = fm.height() / 2 + 2
            painter.drawLine(QPointF(x, y), QPointF(x + 22, y))
            painter.setPen(ink)
            painter.drawText(QPointF(x + 28, y + fm.ascent() / 2 - 1), name)
            x += 40 + fm.horizontalAdvance(name)


class BarChart(_Chart):
    """Horizontal bars (0–100 %), labels at the left and values at the right, with an
    optional dashed target line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars: tuple[Bar, ...] = ()
        self.target: float | None = None
        self.target_label = ""

    def set_bars(
        self, bars: Sequence[Bar], target: float | None = None, target_label: str = ""
    ) -> None:
        self.bars = tuple(bars)
        self.target, self.target_label = target, target_label
        self.current = -1
        self.setAccessibleDescription(
            "; ".join(self.describe(i) for i in range(len(self.bars))) or "No data"
        )
        self.setMinimumHeight(self._row() * (len(self.bars) + 2) + 8)
        self.updateGeometry()
        self.update()

    def _row(self) -> int:
        return QFontMetrics(self.font()).height() + 8

    def sizeHint(self) -> QSize:
        return QSize(420, self._row() * (len(self.bars) + 2) + 8)

    def count(self) -> int:
        return len(self.bars)

    def _columns(self) -> tuple[float, float, float]:
        fm = QFontMetrics(self.font())
        label_w = min(
            self.width() * 0.42,
            max((fm.horizontalAdvance(b.label) for b in self.bars), default=0) + 8,
        )
        value_w = max((fm.horizontalAdvance(b.text) for b in self.bars), default=0) + 10
        return label_w, max(10.0, self.width() - label_w - value_w), value_w

    def index_at(self, x: float, y: float) -> int:
        index = int((y - self._row()) // self._row())
        return index if 0 <= index < len(self.bars) and y >= self._row() else -1

    def describe(self, index: int) -> str:
        bar = self.bars[index]
        return f"{bar.label}: {bar.text}"

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = QFontMetrics(self.font())
        ink = self._text_color()
        label_w, bar_w, _value_w = self._columns()
        row = self._row()
        if not self.bars:
            painter.setPen(ink)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No data")
            return
        for index, bar in enumerate(self.bars):
            top = row * (index + 1)
            rect = QRectF(0, top, self.width(), row)
            if index == self.current:
                painter.fillRect(rect, self.palette().color(QPalette.ColorRole.AlternateBase))
                self._focus_ring(painter, rect)
            painter.setPen(ink)
            label = fm.elidedText(bar.label, Qt.TextElideMode.ElideRight, int(label_w - 8))
            painter.drawText(
                QRectF(0, top, label_w - 6, row),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                label,
            )
            if bar.value is not None:
                length = bar_w * max(0.0, min(100.0, bar.value)) / 100
                fill = ACCENT_LIGHT if bar.dim else ACCENT
                painter.setPen(QPen(ACCENT, 1))
                painter.setBrush(fill)
                painter.drawRect(QRectF(label_w, top + 4, length, row - 8))
            painter.setPen(ink)
            painter.drawText(
                QRectF(label_w + bar_w + 6, top, self.width(), row),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                bar.text,
            )
        if self.target is not None:
            x = label_w + bar_w * self.target / 100
            pen = QPen(ink, 1.5, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawLine(QPointF(x, row - 2), QPointF(x, row * (len(self.bars) + 1)))
            painter.drawText(QPointF(label_w, fm.ascent() + 2), self.target_label)


class ColumnChart(_Chart):
    """Vertical columns (counts), each with its count written on top and its label below."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars: tuple[Bar, ...] = ()
        self.setMinimumHeight(150)

    def set_bars(self, bars: Sequence[Bar]) -> None:
        self.bars = tuple(bars)
        self.current = -1
        self.setAccessibleDescription(
            "; ".join(self.describe(i) for i in range(len(self.bars))) or "No data"
        )
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(320, 200)

    def count(self) -> int:
        return len(self.bars)

    def index_at(self, x: float, y: float) -> int:
        if not self.bars:
            return -1
        index = int(x // (self.width() / len(self.bars)))
        return index if 0 <= index < len(self.bars) else -1

    def describe(self, index: int) -> str:
        bar = self.bars[index]
        return f"{bar.label}: {bar.text}"

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = QFontMetrics(self.font())
        ink = self._text_color()
        if not self.bars:
            painter.setPen(ink)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No data")
            return
        slot = self.width() / len(self.bars)
        bottom = self.height() - fm.height() - 8
        top_space = fm.height() + 6
        highest = max((b.value or 0 for b in self.bars), default=0) or 1
        painter.setPen(QPen(ink, 1))
        painter.drawLine(QPointF(0, bottom), QPointF(self.width(), bottom))
        for index, bar in enumerate(self.bars):
            x = slot * index
            if index == self.current:
                rect = QRectF(x, 0, slot, self.height())
                painter.fillRect(rect, self.palette().color(QPalette.ColorRole.AlternateBase))
                self._focus_ring(painter, rect)
            h = (bottom - top_space) * (bar.value or 0) / highest
            painter.setPen(QPen(ACCENT, 1))
            painter.setBrush(ACCENT)
            painter.drawRect(QRectF(x + slot * 0.2, bottom - h, slot * 0.6, h))
            painter.setPen(ink)
            # "240 (42.6%)" in a narrow column (small or scaled screens) ran past the chart's
            # edge: then only the count is written (the tooltip keeps the whole text).
            text = bar.text
            if fm.horizontalAdvance(text) > slot - 4:
                text = fm.elidedText(text.split(" ")[0], Qt.TextElideMode.ElideRight, int(slot - 4))
            painter.drawText(
                QRectF(x, bottom - h - fm.height() - 2, slot, fm.height()),
                Qt.AlignmentFlag.AlignHCenter,
                text,
            )
            label = fm.elidedText(bar.label, Qt.TextElideMode.ElideRight, int(slot - 4))
            painter.drawText(
                QRectF(x, bottom + 4, slot, fm.height()), Qt.AlignmentFlag.AlignHCenter, label
            )
