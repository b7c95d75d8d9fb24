"""The main window: navigation on the left, one page per area, menus, toolbar, status bar.

Pages are created on first visit from `PAGES` (module, class name); each page is a QWidget
constructed as `Page(ctx)`. A page may define `activated()` (called when shown).
Evaluations open in their own windows (ui.form.windows), which reopen after a restart.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QFontMetrics, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from shopper import __version__
from shopper.storage.db import Database
from ui import operations, settings, shortcuts
from ui.context import AppContext
from ui.form.windows import EvaluationWindows
from ui.geometry import clamp_to_screen, fit_to_screen, restore_clamped


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
    PageSpec("Dashboard", "ui.pages.dashboard", "DashboardPage"),
    PageSpec("Calibration", "ui.pages.calibration", "CalibrationPage"),
    PageSpec("Review", "ui.pages.review", "ReviewPage"),
    PageSpec("Disputes", "ui.pages.disputes", "DisputesPage"),
)
EVALUATIONS_PAGE = 0
PREFERRED_SIZE = QSize(1280, 800)


def menu_text(title: str) -> str:
    """`title` as a menu or action text: a literal '&' is written '&&'."""
    return title.replace("&", "&&")


class MainWindow(QMainWindow):
    def __init__(self, db: Database) -> None:
        super().__init__()
        self.ctx = AppContext(db, self)
        self.evaluation_windows = EvaluationWindows(self.ctx, self)
        self.setWindowTitle("Shopper")
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setAccessibleName("Navigation")
        for number, spec in enumerate(PAGES, start=1):
            self.nav.addItem(spec.title)
            self.nav.item(number - 1).setToolTip(f"Ctrl+{number}")
        self.nav.setMinimumWidth(120)
        self.nav.setMaximumWidth(260)
        self.nav.setStyleSheet("QListWidget#navigation::item { padding: 6px 8px; }")
        self.stack = QStackedWidget()
        self._pages: dict[int, QWidget] = {}
        for _ in PAGES:
            self.stack.addWidget(QWidget())
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.nav)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        # The navigation as wide as its longest title (in the font of this screen and scale).
        widest = max(self.nav.fontMetrics().horizontalAdvance(spec.title) for spec in PAGES)
        nav_width = min(max(widest + 40, self.nav.minimumWidth()), self.nav.maximumWidth())
        self.splitter.setSizes([nav_width, PREFERRED_SIZE.width() - nav_width])
        self.setCentralWidget(self.splitter)
        self.nav.currentRowChanged.connect(self.show_page)
        self._build_menus()
        self._build_toolbar()
        self.database_label = ElidedLabel(f"Database: {db.describe()}")
        self.database_label.setObjectName("databaseLabel")
        self.database_label.setToolTip(db.describe())
        self.statusBar().addPermanentWidget(self.database_label, 1)
        self._restore_state()

    # ----------------------------------------------------------------- menus --
    def _action(self, text: str, slot, *keys: QKeySequence | str, tip: str = "") -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, self)
        if keys:
            action.setShortcuts([QKeySequence(k) for k in keys])
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(lambda _=False: slot())
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        self.file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
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

        self.new_action = self._action(
            "&New evaluation…", self.new_evaluation, "Ctrl+N", tip="Start scoring a visit"
        )
        self.open_action = self._action(
            "&Open selected", self.open_selected, tip="Open the evaluation selected in the list"
        )
        self.save_action = self._action(
            "&Save",
            self.save_all,
            "Ctrl+S",
            tip="Save open evaluations now (they also save by themselves as you type)",
        )
        self.find_action = self._action(
            "&Find…",
            self.find_evaluations,
            "Ctrl+F",
            tip="Find evaluations by property, agent or shopper",
        )
        self.evaluation_menu = bar.addMenu("&Evaluation")
        for action in (self.new_action, self.open_action, self.save_action, self.find_action):
            self.evaluation_menu.addAction(action)

        self.go_menu = bar.addMenu("&Go")
        for number, spec in enumerate(PAGES):
            self.go_menu.addAction(
                self._action(
                    menu_text(spec.title), lambda n=number: self.show_page(n), f"Ctrl+{number + 1}"
                )
            )

        self.settings_menu = bar.addMenu("Se&ttings")
        self.name_action = self._action(
            "Your &name…",
            self.ask_name,
            tip="The name written on the evaluations you start and on their history",
        )
        self.settings_menu.addAction(self.name_action)

        self.help_menu = bar.addMenu("&Help")
        keys = self._action("&Keyboard…", self.show_keys, "Shift+F1")
        self.keys_action = keys
        self.help_menu.addAction(keys)
        about = QAction("&About Shopper", self)
        about.triggered.connect(self.show_about)
        self.help_menu.addAction(about)

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.setIconSize(QSize(16, 16))
        for action in (self.new_action, self.save_action, self.find_action):
            toolbar.addAction(action)
        self.addToolBar(toolbar)
        self.toolbar = toolbar

    # ----------------------------------------------------------------- pages --
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
            if old is not None:
                self.stack.removeWidget(old)
                old.deleteLater()
            self.stack.insertWidget(index, scrolled(widget))
            self._pages[index] = widget
            drill = getattr(widget, "drill_down_requested", None)
            if drill is not None:
                drill.connect(self.show_drill_down)
        return self._pages[index]

    def show_drill_down(self, drill: object) -> None:
        """A dashboard figure was clicked: the Evaluations page lists exactly its shops."""
        evaluations = self.page(0)
        self.show_page(0)
        show = getattr(evaluations, "show_drill", None)
        if show is not None:
            show(drill)

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

    # ----------------------------------------------------------------- commands --
    def new_evaluation(self) -> None:
        from ui.dialogs.new_evaluation import start_new_evaluation

        created = start_new_evaluation(self.ctx, self)
        if created is not None:
            self.evaluation_windows.open(created)

    def open_selected(self) -> None:
        page = self.page(EVALUATIONS_PAGE)
        opener = getattr(page, "open_selected", None)
        if callable(opener):
            opener()

    def save_all(self) -> None:
        saved = all(w.save_now() for w in list(self.evaluation_windows.windows.values()))
        if saved:
            self.statusBar().showMessage("Everything is saved.", 3000)

    def find_evaluations(self) -> None:
        self.show_page(EVALUATIONS_PAGE)
        focus = getattr(self.page(EVALUATIONS_PAGE), "focus_find", None)
        if callable(focus):
            focus()

    def restore_open_evaluations(self) -> None:
        """Bring back the evaluation windows open when the app last stopped."""
        self.evaluation_windows.restore()

    def keys_help(self) -> str:
        """The keyboard help: this window's menu keys, then the lists' and the form's."""
        return shortcuts.help_html(
            (
                ("Everywhere", shortcuts.action_rows(self)),
                ("In the lists", shortcuts.LIST_KEYS),
                ("Scoring in an evaluation window", shortcuts.FORM_KEYS),
            ),
            shortcuts.FORM_NOTE
            + " An evaluation window's Help ▸ Keyboard also lists its own menu keys.",
        )

    def show_keys(self) -> QMessageBox:
        return shortcuts.show_help(self, self.keys_help())

    def ask_name(self) -> str | None:
        """Settings ▸ Your name…: the profile dialog (imported when used)."""
        from ui.dialogs.profile import ask_profile_name

        return ask_profile_name(self)

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About Shopper",
            f"<b>Shopper {__version__}</b><p>Mystery shopping of apartment leasing tours.</p>"
            f"<p>Database: {self.ctx.db.describe()}</p>",
        )

    # ----------------------------------------------------------------- state --
    def _restore_state(self) -> None:
        if not restore_clamped(self, settings.WINDOW_GEOMETRY.get()):
            fit_to_screen(self, PREFERRED_SIZE)
        state = settings.WINDOW_STATE.get()
        if not state.isEmpty():
            self.restoreState(state)
        splitter = settings.SPLITTER_STATE.get()
        if not splitter.isEmpty():
            self.splitter.restoreState(splitter)
        page = settings.CURRENT_PAGE.get()
        self.show_page(page if 0 <= page < len(PAGES) else 0)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # The frame is known now: keep the whole window, status bar included, on screen.
        clamp_to_screen(self)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.evaluation_windows.close_all():
            event.ignore()
            return
        settings.WINDOW_GEOMETRY.set(self.saveGeometry())
        settings.WINDOW_STATE.set(self.saveState())
        settings.SPLITTER_STATE.set(self.splitter.saveState())
        settings.CURRENT_PAGE.set(self.stack.currentIndex())
        for page in self._pages.values():
            save_state = getattr(page, "save_state", None)
            if callable(save_state):
                save_state()
        self.ctx.tasks.cancel_all()
        operations.finish(self.ctx)  # background work ends; the writer stops
        super().closeEvent(event)


class ElidedLabel(QLabel):
    """A one-line label that never widens its window: a long text (a database path) is cut
    in the middle to the room there is; `full_text` and the tooltip keep all of it."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.full_text = text
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(60)
        self._elide()

    def sizeHint(self) -> QSize:
        return QSize(
            self.fontMetrics().horizontalAdvance(self.full_text) + 8, super().sizeHint().height()
        )

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics = QFontMetrics(self.font())
        self.setText(
            metrics.elidedText(self.full_text, Qt.TextElideMode.ElideMiddle, max(self.width(), 60))
        )


def scrolled(page: QWidget) -> QScrollArea:
    """`page` in a frameless scroll area: when the window is smaller than the page's
    minimum size (1024×600, large fonts), the page scrolls instead of being cut off or
    pushing the window, and its status bar, past the screen's edge."""
    area = QScrollArea()
    area.setObjectName("pageScroll")
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)
    area.setWidget(page)
    return area
