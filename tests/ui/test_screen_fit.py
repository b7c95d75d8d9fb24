"""Every top-level window fits the screen it opens on, with every control reachable.

Each screen is a real (virtual) screen of that size: the offscreen platform reads its screens
from a JSON file (`QT_QPA_PLATFORM=offscreen:configfile=...`), and `QT_SCALE_FACTOR` scales
the whole UI as Windows' 150 % and 200 % settings do. A screen size needs its own process, so
each case runs `python -m tests.ui.test_screen_fit` in a child, which opens the main window
(each page), an evaluation window, the rubric editor and the new-evaluation dialog, and
prints what does not fit. Set SHOPPER_SCREENSHOTS=folder to keep a picture of each window.

What counts as not fitting: a window whose frame leaves the screen's available area; a
visible control (button, combo box, text field, spin box) outside the screen or cut off by
its parents, unless it sits in a scroll area (then it is reached by scrolling); and a form
that scrolls sideways (a scroll area showing a horizontal scroll bar).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENS = {
    "1024x600": (1024, 600, 1.0),
    "1366x768": (1366, 768, 1.0),
    "1366x768 at 150%": (1366, 768, 1.5),
    "1920x1080 at 150%": (1920, 1080, 1.5),
    "2560x1600 at 200%": (2560, 1600, 2.0),
}
"""Screens down to 1366×768 at 150 % (911×512 logical pixels), the smallest common laptop
setting: every window on screen, nothing to scroll sideways."""
SIDEWAYS_ALLOWED = {"scorecardPreviewScroll"}
"""Scroll areas that may scroll sideways: a page image larger than the room."""


def screen_env(tmp: Path, width: int, height: int, scale: float) -> dict[str, str]:
    config = tmp / "screens.json"
    screen = {"name": "virtual", "x": 0, "y": 0, "width": width, "height": height}
    screen |= {"logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}
    config.write_text(json.dumps({"screens": [screen]}), encoding="utf-8")
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    env["QT_SCALE_FACTOR"] = f"{scale:g}"
    env.pop("QT_SCREEN_SCALE_FACTORS", None)
    env.pop("QT_AUTO_SCREEN_SCALE_FACTOR", None)
    for var in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        (tmp / var).mkdir(exist_ok=True)
        env[var] = str(tmp / var)
    return env


def run_child(tmp: Path, name: str) -> dict[str, Any]:
    width, height, scale = SCREENS[name]
    env = screen_env(tmp, width, height, scale)
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui.test_screen_fit", str(tmp / "fit.db"), name],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert done.returncode == 0 and lines, done.stderr[-4000:]
    result: dict[str, Any] = json.loads(lines[-1])
    return result


@pytest.mark.parametrize("name", list(SCREENS))
def test_every_window_fits_and_every_control_is_reachable(tmp_path: Path, name: str) -> None:
    result = run_child(tmp_path, name)
    width, height, scale = SCREENS[name]
    logical = result["screen"]
    assert abs(logical[0] - width / scale) <= 1 and abs(logical[1] - height / scale) <= 1
    assert set(result["windows"]) >= {
        "main: Evaluations",
        "main: Follow-ups due",
        "main: Agents & properties",
        "main: Rubrics",
        "main: Scorecards",
        "evaluation window",
        "rubric editor",
        "new evaluation dialog",
        "main window restored from a larger screen",
        "evaluation list columns",
    }
    problems = {window: found for window, found in result["windows"].items() if found}
    assert problems == {}


# ------------------------------------------------------------------------ the child --
def _child(db_path: str, screen_name: str) -> dict[str, Any]:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    app.setApplicationName("Shopper")
    app.setOrganizationName("Shopper")

    from shopper import demo
    from shopper.services import evaluation_list, rubrics
    from shopper.storage.db import open_database

    db = open_database(db_path)
    rubrics.ensure_default_rubric(db)
    demo.generate(db, properties=3, agents=6, evaluations=30, seed=3)

    from shopper import rubric_edit as edit
    from ui.dialogs.new_evaluation import NewEvaluationDialog
    from ui.main_window import PAGES, MainWindow
    from ui.rubric_editor import RubricEditor

    shots = os.environ.get("SHOPPER_SCREENSHOTS")
    folder = Path(shots) if shots else None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    tag = screen_name.replace(" ", "_").replace("%", "pc")
    windows: dict[str, list[str]] = {}

    def settle() -> None:
        for _ in range(20):
            app.processEvents()

    def check(label: str, window: Any) -> None:
        settle()
        windows[label] = misfits(window)
        if folder is not None:
            name = label.replace(" ", "_").replace(":", "").replace("&", "and")
            window.grab().save(str(folder / f"{tag}-{name}.png"))

    from PySide6.QtWidgets import QMainWindow

    from ui import settings

    main = MainWindow(db)
    main.show()
    for index, spec in enumerate(PAGES):
        main.show_page(index)
        check(f"main: {spec.title}", main)

    # The list's columns, sized by their helper: all eight in view, none cut.
    from ui.models.evaluation_list_model import fit_columns

    main.show_page(0)
    from ui.pages.evaluations import EvaluationsPage

    page = main.page(0)
    assert isinstance(page, EvaluationsPage)
    table = page.table
    fit_columns(table)
    settle()
    header = table.horizontalHeader()
    total = sum(header.sectionSize(c) for c in range(header.count()))
    windows["evaluation list columns"] = (
        [f"columns need {total} px, the list shows {table.viewport().width()}"]
        if total > table.viewport().width() + 2
        else []
    )
    main.close()
    settle()

    # A size and place saved on a larger screen (a desktop monitor), restored on this one.
    big = QMainWindow()
    big.resize(2400, 1500)
    big.move(300, 200)
    settings.WINDOW_GEOMETRY.set(big.saveGeometry())
    main = MainWindow(db)
    main.show()
    check("main window restored from a larger screen", main)

    ids = evaluation_list.list_ids(db, evaluation_list.EvaluationFilter(), "visited_on", True)
    form = main.evaluation_windows.open(ids[0])
    assert form is not None
    check("evaluation window", form)
    form.close()

    info = rubrics.default_rubric(db)
    assert info is not None
    draft = edit.from_rubric(rubrics.get_rubric(db, info.id))
    editor = RubricEditor(main.ctx, draft, info, parent=main)
    editor.show()
    editor.show_node((0, 0))
    check("rubric editor", editor)
    editor.show_node((0,))
    check("rubric editor (section)", editor)
    editor.close()

    dialog = NewEvaluationDialog(main.ctx, main)
    dialog.show()
    check("new evaluation dialog", dialog)
    dialog.close()

    screen = QApplication.primaryScreen().availableGeometry()
    main.close()
    settle()
    db.close()
    return {"screen": [screen.width(), screen.height()], "windows": windows}


def misfits(window: Any) -> list[str]:
    """What does not fit in `window` (see the module docstring)."""
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractSpinBox,
        QComboBox,
        QLineEdit,
        QScrollArea,
        QWidget,
    )

    area = window.screen().availableGeometry()
    found: list[str] = []
    frame = window.frameGeometry()
    if not area.contains(frame):
        found.append(f"window {rect_text(frame)} is larger than the screen {rect_text(area)}")
    for scroll in window.findChildren(QScrollArea):
        if (
            scroll.isVisible()
            and scroll.horizontalScrollBar().isVisible()
            and scroll.objectName() not in SIDEWAYS_ALLOWED
        ):
            inner = scroll.widget()
            what = inner.objectName() or type(inner).__name__ if inner else "?"
            found.append(f"scrolls sideways: {scroll.objectName() or 'scroll area'} ({what})")
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, QAbstractButton | QComboBox | QLineEdit | QAbstractSpinBox):
            continue
        if not widget.isVisible() or widget.window() is not window:
            continue
        if isinstance(widget, QLineEdit) and isinstance(
            widget.parentWidget(), QComboBox | QAbstractSpinBox
        ):
            continue  # the text part of a combo or spin box: checked as the whole
        if _in_scroll_area(widget, window):
            continue
        rect = QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())
        name = describe(widget)
        if not area.contains(rect):
            found.append(f"{name} at {rect_text(rect)} is off the screen")
            continue
        seen = widget.visibleRegion().boundingRect()
        if seen.width() < widget.width() - 2 or seen.height() < widget.height() - 2:
            found.append(f"{name} is cut off: {seen.width()}×{seen.height()} of {rect_text(rect)}")
    return found


def _in_scroll_area(widget: Any, window: Any) -> bool:
    from PySide6.QtWidgets import QScrollArea

    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def describe(widget: Any) -> str:
    text = ""
    for getter in ("text", "currentText", "placeholderText", "accessibleName"):
        value = getattr(widget, getter, None)
        if callable(value) and value():
            text = str(value())
            break
    return f"{type(widget).__name__} {widget.objectName() or ''} {text!r}".replace("  ", " ")


def rect_text(rect: Any) -> str:
    return f"{rect.width()}×{rect.height()}+{rect.x()}+{rect.y()}"


if __name__ == "__main__":
    print(json.dumps(_child(sys.argv[1], sys.argv[2])))
