"""Application start-up: QApplication, open (and migrate) the database, show the main window."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from shopper import __version__
from shopper.errors import ShopperError

if TYPE_CHECKING:
    from ui.main_window import MainWindow


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="shopper-gui", description="Shopper desktop app")
    parser.add_argument("--db", metavar="PATH_OR_URL", help="SQLite file or database URL")
    parser.add_argument("--version", action="version", version=f"Shopper {__version__}")
    parser.add_argument(
        "--quit-after",
        metavar="SECONDS",
        type=float,
        help="quit normally this many seconds after the window is shown (smoke tests)",
    )
    return parser.parse_args(argv)


def main(
    argv: Sequence[str] | None = None, after_show: Callable[[MainWindow], None] | None = None
) -> int:
    """Run the app; `after_show(window)`, if given, runs once the window is shown (the
    end-to-end tests type into it this way: tests/ui/scripted.py)."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Shopper")
    app.setOrganizationName("Shopper")
    app.setApplicationVersion(__version__)
    _set_icon(app)

    from shopper.services.rubrics import ensure_default_rubric
    from shopper.storage.db import open_database

    try:
        db = open_database(args.db)
        ensure_default_rubric(db)
    except ShopperError as exc:
        QMessageBox.critical(None, "Shopper cannot open the database", str(exc))
        return 1

    from ui.errors import install_excepthook
    from ui.main_window import MainWindow

    install_excepthook()

    window = MainWindow(db)
    window.show()
    window.restore_open_evaluations()
    if after_show is not None:
        after_show(window)
    if args.quit_after is not None:
        QTimer.singleShot(max(0, round(args.quit_after * 1000)), app.quit)
    code = app.exec()
    _dispose(window)
    db.close()
    return code


def _set_icon(app: QApplication) -> None:
    from shopper.paths import APP_ICON

    if APP_ICON.is_file():
        app.setWindowIcon(QIcon(str(APP_ICON)))
    app.setDesktopFileName("shopper")  # matches packaging/linux/shopper.desktop


def _dispose(window: QWidget) -> None:
    """Deliver what is still queued (results of background jobs) and delete the window
    while Python is fully alive: left to interpreter shutdown, PySide6 frees queued Python
    objects too late and the process aborts (seen on a 100,000-evaluation database)."""
    QApplication.sendPostedEvents()
    QApplication.processEvents()
    window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QApplication.processEvents()
    gc.collect()


def run(after_show: Callable[[MainWindow], None] | None = None) -> None:
    """Entry point of `python main.py` and `shopper-gui`: run the app, then end the process
    without the interpreter's final clean-up.

    Everything is saved and the database closed when `main` returns. On large databases
    (100,000 evaluations) PySide6 6.12 then aborts during interpreter finalization
    ("none_dealloc": a C extension releases None more often than it took it), turning a
    normal quit into a crash report. Ending here, after flushing output and logs, avoids it.
    """
    import logging

    code = main(after_show=after_show)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
