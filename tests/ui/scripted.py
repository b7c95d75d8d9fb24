"""The app with a test hook: type a scripted sequence of keys into it (end-to-end tests).

Run `python tests/ui/scripted.py [--db PATH_OR_URL]` (the app's own arguments) with
SHOPPER_UI_SCRIPT set to a JSON file:
    {"open": "<evaluation id>",        # optional: open this evaluation first
     "keys": ["Y", "N", "<Tab>", ...],  # one key or character per step
     "interval_ms": 100,                # time between steps
     "log": "/tmp/typed.log",           # after each step: "<step index>\t<unix time>"
     "dump": "/tmp/state.json"}         # optional: write the open windows' answers, then quit
The end-to-end test uses it to type into a draft, kill the process and check what survived.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

if __name__ == "__main__":  # run as a program: the repository's packages come first
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ui.main_window import MainWindow

SCRIPT_ENV = "SHOPPER_UI_SCRIPT"

NAMED_KEYS = {
    "<Tab>": Qt.Key.Key_Tab,
    "<Esc>": Qt.Key.Key_Escape,
    "<Return>": Qt.Key.Key_Return,
    "<Down>": Qt.Key.Key_Down,
    "<Up>": Qt.Key.Key_Up,
}


def send_key(step: str) -> None:
    widget = QApplication.focusWidget()
    if widget is None:
        return
    if step in NAMED_KEYS:
        key, text = int(NAMED_KEYS[step]), ""
    else:
        key, text = (ord(step.upper()) if step.isascii() and step.isalnum() else 0), step
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text))


def dump_state(window: MainWindow, path: str) -> None:
    state: dict[str, Any] = {"open": list(window.evaluation_windows.windows), "answers": {}}
    for evaluation_id, editor in window.evaluation_windows.windows.items():
        state["answers"][evaluation_id] = {
            p: [a.value, a.comment] for p, a in editor.form.answers().items()
        }
    Path(path).write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")


def run_script(window: MainWindow, script_path: str) -> None:
    script = json.loads(Path(script_path).read_text(encoding="utf-8"))
    if script.get("dump"):

        def dump_and_close() -> None:
            dump_state(window, script["dump"])
            window.close()

        QTimer.singleShot(300, dump_and_close)
        return
    if script.get("open"):
        window.evaluation_windows.open(script["open"])
    steps: list[str] = list(script.get("keys", []))
    log = open(script["log"], "a", encoding="utf-8")  # noqa: SIM115 - kept open while typing
    position = 0

    def step() -> None:
        nonlocal position
        if position >= len(steps):
            timer.stop()
            log.write(f"done\t{time.time()}\n")
            log.flush()
            return
        send_key(steps[position])
        log.write(f"{position}\t{time.time()}\n")
        log.flush()
        position += 1

    timer = QTimer(window)
    timer.setInterval(int(script.get("interval_ms", 100)))
    timer.timeout.connect(step)
    QTimer.singleShot(500, timer.start)


def after_show(window: MainWindow) -> None:
    script = os.environ.get(SCRIPT_ENV)
    if script:
        run_script(window, script)


if __name__ == "__main__":
    import multiprocessing

    multiprocessing.freeze_support()
    from ui.app import run

    run(after_show)
