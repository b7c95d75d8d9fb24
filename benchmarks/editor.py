"""`editor_keystroke_ms`: UI-thread CPU time per keystroke in the rubric editor (issue 10).

Run in a child process: `python -m benchmarks.editor --db PATH`. The default rubric is
opened in the editor as the Rubrics page opens it, the first item's prompt gets the focus,
and 60 characters are typed as quick key presses (QTest key clicks, each followed by the
events it posts, the repaint included). The figure is the median process CPU time of one
keystroke in milliseconds: the time the UI thread is busy and cannot take the next key.

Work deliberately left for a pause in typing (the debounced check of the whole rubric) is
measured apart, once, after the typing ends: `settle_ms` in the notes. It is paid once per
pause, not per key.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from typing import Any

KEYS_TYPED = 60
TEXT = "Offered a printed floor plan and a business card to take home "


def measure(db_path: str, keys: int = KEYS_TYPED) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QLineEdit

    from shopper import rubric_edit as edit
    from shopper.services import rubrics
    from shopper.storage.db import open_database
    from ui.context import AppContext
    from ui.rubric_editor import RubricEditor

    app = QApplication.instance() or QApplication([])
    db = open_database(db_path)
    rubrics.ensure_default_rubric(db)
    info = rubrics.default_rubric(db)
    if info is None:
        return {"missing": "no default rubric in the database"}
    rubric = rubrics.get_rubric(db, info.id)
    ctx = AppContext(db)
    editor = RubricEditor(ctx, edit.from_rubric(rubric), info)
    editor.show()
    editor.show_node((0, 0))
    for _ in range(5):
        app.processEvents()
    prompt = editor.item_panel.bindings["prompt"].widget
    assert isinstance(prompt, QLineEdit)
    prompt.setFocus()
    app.processEvents()
    times: list[float] = []
    wall: list[float] = []
    text = (TEXT * (keys // len(TEXT) + 1))[:keys]
    QTest.keyClick(prompt, Qt.Key.Key_End)
    for char in text:
        cpu0, wall0 = time.process_time(), time.perf_counter()
        QTest.keyClicks(prompt, char)
        QCoreApplication.sendPostedEvents()
        app.processEvents()
        times.append(time.process_time() - cpu0)
        wall.append(time.perf_counter() - wall0)
    typed_ok = prompt.text().endswith(text[-10:])
    # The pause: let the deferred check run, and time it.
    cpu0 = time.process_time()
    deadline = time.perf_counter() + 2.0
    settle = 0.0
    while time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.005)
    settle = time.process_time() - cpu0
    sections = len(rubric.sections)
    items = sum(len(s.items) for s in rubric.sections)
    editor.stack.setClean()
    editor.close()
    db.close()

    return {
        "values": {"editor_keystroke_ms": statistics.median(times) * 1000},
        "notes": {
            "keys": keys,
            "typed_ok": typed_ok,
            "mean_ms": round(statistics.fmean(times) * 1000, 2),
            "max_ms": round(max(times) * 1000, 2),
            "wall_median_ms": round(statistics.median(wall) * 1000, 2),
            "pause_cpu_ms": round(settle * 1000, 1),
            "pause_is": "2 s of event loop after the typing, the deferred check included",
            "rubric": f"{info.key} v{info.version}: {sections} sections, {items} items",
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.editor")
    parser.add_argument("--db", required=True)
    parser.add_argument("--keys", type=int, default=KEYS_TYPED)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.db, args.keys)))


if __name__ == "__main__":
    main()
