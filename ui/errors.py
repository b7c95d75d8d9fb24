"""Errors in plain words: a dialog with the next step, never a traceback. Unexpected errors are
written in full to the log file in the data folder and shown once."""

from __future__ import annotations

import sys
from types import TracebackType

from PySide6.QtWidgets import QMessageBox, QWidget

from shopper.errors import ShopperError

_shown_unexpected: set[str] = set()


def show_error(parent: QWidget | None, title: str, error: BaseException) -> None:
    if isinstance(error, ShopperError):
        QMessageBox.warning(parent, title, str(error))
        return
    show_unexpected(parent, error)


def show_unexpected(parent: QWidget | None, error: BaseException) -> None:
    from shopper.logs import log_exception

    where = log_exception(error)
    key = f"{type(error).__name__}:{error}"
    if key in _shown_unexpected:
        return
    _shown_unexpected.add(key)
    QMessageBox.critical(
        parent,
        "Something went wrong",
        "Shopper hit an unexpected problem and could not finish what you asked.\n\n"
        f"{type(error).__name__}: {error}\n\n"
        f"Your work is saved. The details were written to {where}; please send that file "
        "to support.",
    )


def install_excepthook() -> None:
    """Route uncaught exceptions (e.g. in slots) to the log and one dialog."""

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, tb)
            return
        show_error(None, "Shopper", error.with_traceback(tb))

    sys.excepthook = hook
