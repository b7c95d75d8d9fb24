"""The CJK fallback: bundled (a computer without CJK fonts prints it), and bold when asked
(synthetic: the run is filled and stroked, drawn once)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shopper.paths import FONTS, ROOT
from shopper.reports import fonts, styles, text
from shopper.reports.pages import build_pdf, frame_width
from shopper.reports.raster import page_png
from tests.shopper.reports.conftest import pdftotext

NAME = "王秀英"


def test_the_bundled_cjk_font_is_used_first(monkeypatch: pytest.MonkeyPatch) -> None:
    bundled = FONTS / fonts.BUNDLED_FALLBACK
    assert bundled.is_file() and (FONTS / "LICENSE-WenQuanYi.txt").is_file()
    monkeypatch.delenv(fonts.FALLBACK_ENV, raising=False)
    assert fonts.fallback_candidates()[0] == bundled
    monkeypatch.setenv(fonts.FALLBACK_ENV, "/some/font.ttf")
    assert fonts.fallback_candidates()[:2] == [Path("/some/font.ttf"), bundled]
    setup = fonts.register_fonts()
    assert setup.fallback_path in (bundled, Path(os.environ.get("SHOPPER_FALLBACK_FONT", "-")))
    assert fonts.covers(fonts.FALLBACK, NAME + "，。한국어ひらがなカタカナ")


def test_cjk_prints_on_a_computer_without_cjk_fonts(tmp_path: Path) -> None:
    """The system candidates are all made unreadable (a fresh process that finds none of
    them): the name is still drawn with the bundled font, and embedded."""
    script = f"""
import sys
from pathlib import Path
from shopper.reports import fonts
fonts.FALLBACK_CANDIDATES = ("/nonexistent/font.ttc",)
from shopper.reports import styles
from shopper.reports.pages import build_pdf
setup = fonts.register_fonts()
assert setup.fallback_path == fonts.FONTS / fonts.BUNDLED_FALLBACK, setup
build_pdf(sys.argv[1], [styles.para("{NAME}", "title", width=400)], size="a4",
          title="t", author="a", subject="s")
"""
    target = tmp_path / "cjk.pdf"
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-c", script, str(target)], check=True, env=env)
    assert NAME in pdftotext(target)
    listing = subprocess.run(
        ["pdffonts", str(target)], check=True, capture_output=True, text=True
    ).stdout
    assert "WenQuanYiMicroHei" in listing
    for row in listing.splitlines()[2:]:
        assert " yes " in row, row  # embedded


def test_bold_cjk_runs_use_the_bold_fallback() -> None:
    fonts.register_fonts()
    assert text.font_runs(f"Agent {NAME}", fonts.BOLD) == [
        (fonts.BOLD, "Agent "),
        (fonts.FALLBACK_BOLD, NAME),
    ]
    assert text.font_runs(NAME, fonts.FAMILY) == [(fonts.FALLBACK, NAME)]
    assert fonts.covers(fonts.FALLBACK_BOLD, NAME)


def _darkness(tmp_path: Path, label: str, style_name: str, *, bold: bool = False) -> float:
    target = tmp_path / f"{label}.pdf"
    flowable = styles.para(f"Agent {NAME}", style_name, bold=bold, width=frame_width("a4"))
    build_pdf(target, [flowable], size="a4", title="t", author="a", subject="s")
    from PIL import Image

    image = Image.open(io.BytesIO(page_png(target.read_bytes(), 0, dpi=150, gray=True)))
    gray = image.convert("L")
    histogram = gray.histogram()
    found = pdftotext(target)
    assert found.count(f"Agent {NAME}") == 1, found  # drawn once: no doubled text to copy or search
    return float(sum((255 - value) * count for value, count in enumerate(histogram)))


@pytest.mark.usefixtures("poppler")
def test_a_bold_cjk_name_prints_heavier_than_regular_and_once(tmp_path: Path) -> None:
    """Bold from `para(bold=True)` and from a bold style (the scorecard's title)."""
    regular = _darkness(tmp_path, "regular", "body")
    bold = _darkness(tmp_path, "bold", "body", bold=True)
    assert bold > regular * 1.2, (bold, regular)
    title = _darkness(tmp_path, "title", "title")
    fonts.register_fonts()
    assert text.font_runs(NAME, styles.style("title").fontName)[0][0] == fonts.FALLBACK_BOLD
    assert title > regular * 2, (title, regular)


@pytest.mark.usefixtures("poppler")
def test_synthetic_bold_leaves_the_graphics_state_as_it_found_it(tmp_path: Path) -> None:
    """After a bold CJK run, Latin text is filled only again and lines keep their width."""
    from reportlab.pdfgen.canvas import Canvas

    from shopper.reports.pages import _canvas_class

    fonts.register_fonts()
    canvas_class: type[Canvas] = _canvas_class()
    canvas = canvas_class(str(tmp_path / "state.pdf"))
    canvas.setLineWidth(3)
    canvas.setStrokeColorRGB(1, 0, 0)
    canvas.setFont(fonts.FALLBACK_BOLD, 12)
    canvas.drawString(72, 700, NAME)
    code = canvas._code[-1]
    assert code.index("2 Tr") < code.index("Tj") < code.index("0 Tr")
    after = code[code.index("0 Tr") :]
    assert "3 w" in after and "1 0 0 RG" in after
    canvas.setFont(fonts.FAMILY, 12)
    canvas.drawString(72, 680, "Latin")
    assert "Tr" not in canvas._code[-1]


@pytest.mark.usefixtures("poppler")
def test_cjk_glued_to_arabic_prints_both_scripts_in_a_fresh_process(tmp_path: Path) -> None:
    """A comment with Chinese followed by Arabic without a space: ReportLab shapes a word in
    one font, so each run must be a word of its own (else boxes, or a crash)."""
    script = """
import sys
from shopper.reports import styles
from shopper.reports.pages import build_pdf
text = "员工没有询问停车位。لم يسأل الموظف stated"
build_pdf(sys.argv[1], [styles.para(text, "comment", width=400)], size="a4",
          title="t", author="a", subject="s")
"""
    target = tmp_path / "glued.pdf"
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-c", script, str(target)], check=True, env=env)
    raw = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(target), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "\ue000" not in raw  # no glyph without a character (a box)
    assert "\ufb06" not in raw and "stated" in raw  # no discretionary "st" ligature
    found = pdftotext(target)
    assert "员工没有询问停车位。" in found and "الموظف" in found
