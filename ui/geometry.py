"""Windows that fit the screen they open on (issue 10).

One place for the rule every top-level window follows:

- `fit_to_screen(widget, preferred)`: open at the preferred size, or smaller when the
  screen's available area (the desktop minus task bars and docks) is smaller, and centred on
  that screen;
- `restore_clamped(widget, saved)`: bring back a size and place saved with `saveGeometry()`,
  then shrink and move it so the whole window is on a screen that exists now (a saved 1280×800
  window on a 1366×768 laptop otherwise hides its status bar below the task bar);
- `clamp_to_screen(widget)`: the same check for a window that is already shown;
- `fit_columns(view, widest, flexible)`: columns of a table as wide as their header and
  the longest text they can show, measured in the view's font (so at any scale factor),
  without reading the rows (`ResizeToContents` rereads the whole model on every change);
  "⚠ CRITICAL" is never cut to "CRITICA".

The window's own layout must then be usable down to 1024×600: scroll areas or collapsing
panels where content is taller or wider than that.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from PySide6.QtCore import QByteArray, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QGuiApplication, QScreen
from PySide6.QtWidgets import QHeaderView, QStyle, QTableView, QTreeView, QWidget

FRAME_ALLOWANCE = QSize(16, 40)
"""Room kept for the window manager's frame and title bar before the window is shown (the
real frame is only known afterwards; `clamp_to_screen` then uses it)."""


def screen_of(widget: QWidget) -> QScreen:
    """The screen `widget` is on, else the screen under its centre, else the primary one."""
    screen = widget.screen()
    if screen is None:
        screen = QGuiApplication.screenAt(widget.geometry().center())
    if screen is None:
        screen = QGuiApplication.primaryScreen()
    return screen


def available_area(widget: QWidget) -> QRect:
    return screen_of(widget).availableGeometry()


def _frame_extra(widget: QWidget) -> QSize:
    """Width and height the window frame adds around the client area."""
    if widget.isVisible():
        frame, inner = widget.frameGeometry(), widget.geometry()
        if frame.size() != inner.size():
            return frame.size() - inner.size()
    if widget.isWindow() and not widget.testAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen):
        platform = QGuiApplication.platformName()
        if platform in ("offscreen", "minimal"):
            return QSize(0, 0)
        return FRAME_ALLOWANCE
    return QSize(0, 0)


def largest_size(widget: QWidget) -> QSize:
    """The largest client size whose frame still fits the available area."""
    area, extra = available_area(widget), _frame_extra(widget)
    return QSize(max(area.width() - extra.width(), 1), max(area.height() - extra.height(), 1))


def fitted_size(widget: QWidget, preferred: QSize) -> QSize:
    return preferred.boundedTo(largest_size(widget))


def fit_to_screen(widget: QWidget, preferred: QSize | tuple[int, int]) -> QSize:
    """Resize `widget` (a window) to `preferred`, or smaller to fit its screen, and centre
    it on that screen. Returns the size given."""
    wanted = QSize(*preferred) if isinstance(preferred, tuple) else QSize(preferred)
    size = fitted_size(widget, wanted)
    widget.resize(size)
    area, extra = available_area(widget), _frame_extra(widget)
    outer = QRect(QPoint(0, 0), size + extra)
    outer.moveCenter(area.center())
    widget.move(_inside(outer, area).topLeft())
    return size


def restore_clamped(widget: QWidget, saved: QByteArray | bytes | None) -> bool:
    """`restoreGeometry(saved)`, then make sure the window lies whole on a screen that is
    there now. False (and nothing restored) when `saved` is empty or unreadable: the caller
    then uses `fit_to_screen`."""
    if saved is None:
        return False
    data = saved if isinstance(saved, QByteArray) else QByteArray(saved)
    if data.isEmpty() or not widget.restoreGeometry(data):
        return False
    clamp_to_screen(widget)
    return True


def clamp_to_screen(widget: QWidget) -> None:
    """Shrink and move `widget` so that its frame lies inside the available area of the
    screen it is (mostly) on. Maximised and full-screen windows are the system's business."""
    if widget.windowState() & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen):
        return
    screen = QGuiApplication.screenAt(widget.geometry().center()) or screen_of(widget)
    area = screen.availableGeometry()
    extra = _frame_extra(widget)
    client = widget.size().boundedTo(
        QSize(max(area.width() - extra.width(), 1), max(area.height() - extra.height(), 1))
    )
    if client != widget.size():
        widget.resize(client)
    outer = QRect(widget.pos(), client + extra)
    moved = _inside(outer, area)
    if moved.topLeft() != outer.topLeft():
        widget.move(moved.topLeft())


def _inside(outer: QRect, area: QRect) -> QRect:
    """`outer` moved (not resized) to lie inside `area`, top-left kept visible first."""
    rect = QRect(outer)
    if rect.right() > area.right():
        rect.moveRight(area.right())
    if rect.bottom() > area.bottom():
        rect.moveBottom(area.bottom())
    if rect.left() < area.left():
        rect.moveLeft(area.left())
    if rect.top() < area.top():
        rect.moveTop(area.top())
    return rect


def fits_on_screen(widget: QWidget) -> bool:
    """Whether the whole frame of `widget` lies inside its screen's available area."""
    area = available_area(widget)
    return area.contains(widget.frameGeometry())


def fit_columns(
    view: QTableView | QTreeView,
    widest: Mapping[int, Sequence[str]],
    flexible: Sequence[int] = (),
    bold: Collection[int] = (),
    flexible_min_chars: int = 10,
) -> None:
    """Size the columns of `view` to what they show, without reading the model's rows.

    `widest[column]` lists the longest texts the column can show (a date, the longest
    status): the column gets the width of the widest of those and of its header (with room
    for the sort arrow), in the view's own font, so it holds at any scale factor. The
    `flexible` columns (names) share what is left of the viewport, each at least
    `flexible_min_chars` characters wide. Columns stay `Interactive`: the user may drag them.
    """
    model = view.model()
    if model is None:
        return
    header = view.horizontalHeader() if isinstance(view, QTableView) else view.header()
    style = header.style()
    header_font_metrics = header.fontMetrics()
    arrow = style.pixelMetric(QStyle.PixelMetric.PM_HeaderMarkSize, None, header)
    margin = style.pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    cell_pad = 2 * style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 12
    font = QFont(view.font())
    bold_font = QFont(font)
    bold_font.setBold(True)
    plain, strong = QFontMetrics(font), QFontMetrics(bold_font)
    used = 0
    for column in range(model.columnCount()):
        if column in flexible:
            continue
        title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
        width = header_font_metrics.horizontalAdvance(title) + arrow + 3 * margin + 8
        metrics = strong if column in bold else plain
        for text in widest.get(column, ()):
            width = max(width, metrics.horizontalAdvance(text) + cell_pad)
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(column, width)
        used += width
    if not flexible:
        return
    room = view.viewport().width() or view.width()
    minimum = plain.averageCharWidth() * flexible_min_chars + cell_pad
    share = max(minimum, (room - used) // len(flexible))
    for column in flexible:
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(column, share)
