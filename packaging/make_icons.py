"""Render resources/icons/shopper.svg to the PNG used by the app window, the Linux .desktop
entry and PyInstaller (which turns it into .ico/.icns on Windows/macOS when Pillow is there).

    .venv/bin/python packaging/make_icons.py

Run it after changing the SVG and commit both files.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication(sys.argv[:1])  # noqa: F841 (QImage painting needs one)
    renderer = QSvgRenderer(str(ICONS / "shopper.svg"))
    if not renderer.isValid():
        print("make_icons: shopper.svg is not a valid SVG", file=sys.stderr)
        return 1
    size = 256
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    out = ICONS / "shopper.png"
    if not image.save(str(out)):
        print(f"make_icons: cannot write {out}", file=sys.stderr)
        return 1
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
