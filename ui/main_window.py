"""The main window: navigation on the left, one page per area, menus, status bar.

Pages are created on first visit from `PAGES` (module, class name); each page is a QWidget
constructed as `Page(ctx)`. A page may define `activated()` (called when shown).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from shopper import __version__
from shopper.storage.db import Database
from ui import settings
from ui.context import AppContext


@dataclass(frozen=True)
class PageSpec:
    title: str
    module: str
    class_name: str


PAGES = (
    PageSpec("Evaluations", "ui.pages.evaluations", "EvaluationsPage"),
    PageSpec("Follow-ups due", "ui.pages.follow_ups", "FollowUpsPage"),
    PageSpec("Agents & properties", "ui.pages.directory", "DirectoryPage"),
    PageSpec("Rubrics", "ui.pages.rubrics", "RubricsPage"),
    PageSpec("Scorecards", "ui.pages.scorecards", "ScorecardsPage"),
)


class MainWindow(QMainWindow):
    def __init__(self, db: Database) -> None:
        super().__init__()
        self.ctx = AppContext(db, self)
        self.setWindowTitle("Shopper")
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.addItems([p.title for p in PAGES])
        self.nav.setMaximumWidth(220)
        self.stack = QStackedWidget()
        self._pages: dict[int, QWidget] = {}
        for _ in PAGES:
            self.stack.addWidget(QWidget())
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.nav)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.setCentralWidget(self.splitter)
        self.nav.currentRowChanged.connect(self.show_page)
        self._build_menus()
        self.statusBar().addPermanentWidget(QLabel(f"Database: {db.describe()}"))
        self.resize(1280, 800)
        self._restore_state()

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        self.file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        self.quit_action = quit_action
        try:
            from ui.actions import exchange
        except ImportError:
            pass
        else:
            exchange.install(self, self.file_menu)
        self.file_menu.addSeparator()
        self.file_menu.addAction(quit_action)
        self.help_menu = bar.addMenu("&Help")
        about = QAction("&About Shopper", self)
        about.triggered.connect(self.show_about)
        self.help_menu.addAction(about)

    def page(self, index: int) -> QWidget:
        """The page at `index`, created on first use."""
        if index not in self._pages:
            spec = PAGES[index]
            try:
                module = importlib.import_module(spec.module)
                widget: QWidget = getattr(module, spec.class_name)(self.ctx)
            except (ImportError, AttributeError):
                widget = QLabel(f"{spec.title}: coming soon")
                widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
            old = self.stack.widget(index)
            self.stack.removeWidget(old)
            old.deleteLater()
            self.stack.insertWidget(index, widget)
            self._pages[index] = widget
        return self._pages[index]

    def show_page(self, index: int) -> None:
        if index < 0:
            return
        widget = self.page(index)
        self.stack.setCurrentIndex(index)
        if self.nav.currentRow() != index:
            self.nav.setCurrentRow(index)
        activated = getattr(widget, "activated", None)
        if callable(activated):
            activated()

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About Shopper",
            f"<b>Shopper {__version__}</b><p>Mystery shopping of apartment leasing tours.</p>"
            f"<p>Database: {self.ctx.db.describe()}</p>",
        )

    def _restore_state(self) -> None:
        geometry = settings.WINDOW_GEOMETRY.get()
        if not geometry.isEmpty():
            self.restoreGeometry(geometry)
        splitter = settings.SPLITTER_STATE.get()
        if not splitter.isEmpty():
            self.splitter.restoreState(splitter)
        page = settings.CURRENT_PAGE.get()
        self.show_page(page if 0 <= page < len(PAGES) else 0)

    def closeEvent(self, event: QCloseEvent) -> None:
        settings.WINDOW_GEOMETRY.set(self.saveGeometry())
        settings.SPLITTER_STATE.set(self.splitter.saveState())
        settings.CURRENT_PAGE.set(self.stack.currentIndex())
        self.ctx.tasks.cancel_all()
        self.ctx.tasks.wait_all()
        super().closeEvent(event)
