"""Driver for `gui_start_s` / `gui_rss_mb`: runs `main.py` exactly as `python main.py --db X`
would, and notes the moment the main window is shown with the first page of the evaluation
list filled.

The only hook is a QApplication subclass put in place of `ui.app.QApplication` before
`main.py` runs; its `exec()` starts a 1 ms poll of the widgets. Nothing in ui/ is changed.
Prints one JSON line: `ready_at` (time.time()), `window_at`, `rows`, `vm_hwm_mb`, or
`missing` with the reason the list could not be seen.

With `--whole-list` it waits instead until the list model is complete (every id loaded)
and then scrolls the view to the last row and back through the pages it fetches, so
`vm_hwm_mb` is the app's memory with the whole list in (`gui_list_rss_mb`).
"""

from __future__ import annotations

import json
import os
import runpy
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 600.0 if "--whole-list" in sys.argv else 120.0
WHOLE_LIST = "--whole-list" in sys.argv
if WHOLE_LIST:
    sys.argv.remove("--whole-list")


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def install_hook() -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import (
        QAbstractItemView,
        QApplication,
        QLabel,
        QMainWindow,
        QMessageBox,
    )

    import ui.app

    class BenchApplication(QApplication):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            # Polling starts with the application, not with exec(): a message box shown
            # before the main loop (the database cannot be opened...) is reported, not
            # waited on for ever.
            self._bench_window_at: float | None = None
            self._bench_deadline = time.monotonic() + TIMEOUT_S
            self._bench_timer = QTimer(self)
            self._bench_timer.setInterval(1)
            self._bench_timer.timeout.connect(self._bench_poll)
            self._bench_timer.start()

        def _bench_poll(self) -> None:
            for widget in self.topLevelWidgets():
                if isinstance(widget, QMessageBox) and widget.isVisible():
                    shown = f"{widget.windowTitle()}: {widget.text()}"
                    print(json.dumps({"missing": f"the app showed a message: {shown}"}))
                    sys.stdout.flush()
                    os._exit(3)
            window = next((w for w in self.topLevelWidgets() if isinstance(w, QMainWindow)), None)
            if window is None or not window.isVisible():
                return self._bench_give_up_if_late(window, "the main window was not shown")
            if self._bench_window_at is None:
                self._bench_window_at = time.time()
            page: Any = window.page(0) if hasattr(window, "page") else window.centralWidget()
            if isinstance(page, QLabel):
                return self._bench_finish(
                    window, {"missing": f"the evaluation list page is missing ({page.text()!r})"}
                )
            views = [
                v
                for v in page.findChildren(QAbstractItemView)
                if v.isVisible() and v.model() is not None and v.model().rowCount() > 0
            ]
            if not views:
                return self._bench_give_up_if_late(window, "no evaluation rows were shown")
            rows = max(v.model().rowCount() for v in views)
            if WHOLE_LIST:
                return self._bench_whole_list(window, views)
            return self._bench_finish(window, {"ready_at": time.time(), "rows": rows})

        def _bench_whole_list(self, window: Any, views: list[Any]) -> None:
            view = max(views, key=lambda v: v.model().rowCount())
            model = view.model()
            source = model.sourceModel() if hasattr(model, "sourceModel") else model
            if not getattr(source, "complete", True) or getattr(source, "loading", False):
                return self._bench_give_up_if_late(window, "the whole list did not load")
            self._bench_timer.stop()
            # Scroll to the end (the view asks for the last page of rows), then page back
            # up through a screenful at a time, as a user dragging the scroll bar would.
            bar = view.verticalScrollBar()
            for value in range(bar.maximum(), bar.minimum() - 1, -max(1, bar.maximum() // 50)):
                bar.setValue(value)
                view.viewport().repaint()
                self.processEvents()
            view.scrollToBottom()
            self.processEvents()
            result = {
                "ready_at": time.time(),
                "rows": model.rowCount(),
                "page_fetches": getattr(source, "page_fetches", None),
            }
            return self._bench_finish(window, result)

        def _bench_give_up_if_late(self, window: Any, reason: str) -> None:
            if time.monotonic() > self._bench_deadline:
                self._bench_finish(window, {"missing": f"{reason} within {TIMEOUT_S:.0f} s"})

        def _bench_finish(self, window: Any, result: dict[str, Any]) -> None:
            self._bench_timer.stop()
            result["window_at"] = self._bench_window_at
            result["vm_hwm_mb"] = vm_hwm_mb()
            print(json.dumps(result), flush=True)
            if window is not None:
                window.close()
            self.quit()

    setattr(ui.app, "QApplication", BenchApplication)  # noqa: B010


def main() -> None:
    sys.path.insert(0, str(ROOT))
    install_hook()
    sys.argv = ["main.py", *sys.argv[1:]]
    runpy.run_path(str(ROOT / "main.py"), run_name="__main__")


if __name__ == "__main__":
    main()
