"""Text preparation (scripts, bidi, escaping) and the paper default."""

from __future__ import annotations

import pytest

from shopper.reports import fonts, text
from shopper.reports.pages import default_page_size, territory_page_size


def test_clean_composes_and_drops_control_characters() -> None:
    assert text.clean("Jose\u0301\x00 Nu\u0303n\u0303ez\r\nline") == "José Ñuñez\nline".replace(
        "Ñ", "N\u0303"
    ).replace("N\u0303", "Ñ").replace("Ñuñez", "Nũñez")


def test_markup_escapes_and_keeps_line_breaks() -> None:
    assert text.markup("a & b <c>\nd") == "a &amp; b &lt;c&gt;<br/>d"


def test_chinese_runs_use_the_fallback_font() -> None:
    setup = fonts.register_fonts()
    assert setup.fallback is not None, "install fonts-wqy-microhei (see scripts/)"
    runs = text.font_runs("Agent 王芳 (李娜)")
    assert runs == [(fonts.FAMILY, "Agent "), (setup.fallback, "王芳 (李娜)")]


def test_italic_arabic_falls_back_to_the_upright_face_per_word() -> None:
    assert not fonts.has_glyph(fonts.OBLIQUE, "م")
    runs = text.font_runs("Said محمد، hi 王芳", fonts.OBLIQUE)
    assert runs == [
        (fonts.OBLIQUE, "Said "),
        (fonts.FAMILY, "محمد، "),
        (fonts.OBLIQUE, "hi "),
        (fonts.FALLBACK, "王芳"),
    ]
    assert text.font_runs("Bold محمد", fonts.BOLD_OBLIQUE)[1] == (fonts.BOLD, "محمد")


@pytest.mark.parametrize("face", [fonts.FAMILY, fonts.BOLD, fonts.OBLIQUE, fonts.BOLD_OBLIQUE])
def test_every_run_is_in_a_face_that_has_its_characters(face: str) -> None:
    sample = "José Nguyễn Αλέξανδρος Дмитрий 王芳，好 محمد الأحمد 12"
    for run_face, run in text.font_runs(sample, face):
        assert fonts.covers(run_face, run), (run_face, run)


@pytest.mark.parametrize(
    ("logical", "visual"),
    [
        ("plain words", "plain words"),
        ("محمد الأحمد", "الأحمد محمد"),
        ("Agent محمد الأحمد from Maple", "Agent الأحمد محمد from Maple"),
        ("محمد 12 الأحمد", "الأحمد 12 محمد"),
        # The document's direction (left-to-right) is the base: a line that starts with an
        # Arabic word is not flipped.
        ("محمد Main St الأحمد", "محمد Main St الأحمد"),
    ],
)
def test_right_to_left_words_are_put_in_visual_order(logical: str, visual: str) -> None:
    assert text.visual_line(logical) == visual


def test_a_paragraph_of_free_text_may_take_its_own_direction() -> None:
    assert text.visual_line("محمد Main St الأحمد", None) == "الأحمد Main St محمد"


def test_a_name_is_an_isolate_in_a_composed_line() -> None:
    name = text.isolate("محمد عبد الله")
    header = text.visual_line(f"{name} · Solana Terrace · 2026-11-28 – 2026-11-29")
    assert header == "الله عبد محمد · Solana Terrace · 2026-11-28 – 2026-11-29"
    assert text.visual_line(f"Solana Terrace — {name}") == "Solana Terrace — الله عبد محمد"
    # Without isolation "12" would join the two Arabic names into one right-to-left run.
    line = f"Agent {text.isolate('محمد')} 12 {text.isolate('علي')}"
    assert text.visual_line(line) == "Agent محمد 12 علي"
    assert text.isolate("Plain name") == "Plain name"


def test_bidi_controls_in_stored_text_are_dropped() -> None:
    assert text.clean("abc\u202edef\u2066x\u2069") == "abcdefx"


def test_bidi_layout_is_linear_in_the_text_length() -> None:
    import time

    words = ("واحد 12 اثنان, three ثلاثة " * 2000)[:20000]
    started = time.perf_counter()
    lines = text.wrap_logical(words, 400, fonts.FAMILY, 9)
    visual = [text.visual_line(line) for line in lines]
    assert time.perf_counter() - started < 2.0
    assert len(visual) > 100


def test_shaping_only_where_needed() -> None:
    assert text.needs_shaping("محمد")
    assert text.needs_shaping("Olúwadámilo\u0323\u0301la")
    assert not text.needs_shaping("Nguyễn Thị Lan Дмитрий Ελένη 王芳")


def test_long_right_to_left_text_is_wrapped_before_reordering() -> None:
    lines = text.wrap_logical("واحد اثنان ثلاثة " * 30, 200, fonts.FAMILY, 9)
    assert len(lines) > 3
    assert lines[0].startswith("واحد اثنان")


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("en_US.UTF-8", "letter"),
        ("fr_CA.UTF-8", "letter"),
        ("es_MX", "letter"),
        ("fil_PH.UTF-8", "letter"),
        ("en_GB.UTF-8", "a4"),
        ("de_DE@euro", "a4"),
        ("English_United States", "letter"),
        ("French_France", "a4"),
        ("C.UTF-8", None),
        ("POSIX", None),
        ("", None),
    ],
)
def test_paper_from_locale(name: str, size: str | None) -> None:
    assert territory_page_size(name) == size


def test_default_paper_follows_lc_all_then_lc_paper_then_lang() -> None:
    assert default_page_size({"LANG": "en_US.UTF-8"}) == "letter"
    assert default_page_size({"LANG": "en_US.UTF-8", "LC_PAPER": "de_DE.UTF-8"}) == "a4"
    assert default_page_size({"LC_ALL": "en_CA.UTF-8", "LC_PAPER": "de_DE"}) == "letter"
    assert default_page_size({"LANG": "C.UTF-8"}) == "a4"
    assert default_page_size({}) == "a4"


def test_no_line_starts_with_closing_punctuation() -> None:
    chinese = "员工没有询问我的宠物，也没有介绍费用。" * 40
    lines = text.wrap_logical(chinese, 150, fonts.FAMILY, 9)
    assert len(lines) > 10
    assert "".join(lines) == chinese
    assert not [line for line in lines if line[:1] in text.NO_LINE_START]


def test_an_unbroken_word_is_cut_to_the_line() -> None:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines = text.wrap_logical("start " + "x" * 5000 + " end", 200, fonts.FAMILY, 9)
    assert "".join(lines).replace(" ", "") == "start" + "x" * 5000 + "end"
    assert all(stringWidth(line, fonts.FAMILY, 9) <= 200 for line in lines)


def test_c_utf8_means_a4_even_though_python_calls_it_en_us(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_PAPER", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert default_page_size() == "a4"
    assert default_page_size({"LC_ALL": "C.UTF-8", "LANG": "en_US.UTF-8"}) == "a4"


def test_stray_isolate_markers_in_stored_text_draw_nothing(
    drawn_glyphs: list[tuple[str, str]],
) -> None:
    import io

    from reportlab.platypus import SimpleDocTemplate

    from shopper.reports import styles

    value = f"plain {text.ISO_START}comment{text.ISO_END}"
    paragraph = styles.para(value, "comment", width=300)
    assert text.ISO_START not in paragraph.text
    SimpleDocTemplate(io.BytesIO()).build([paragraph])
    assert drawn_glyphs == []
    assert styles.plain_cell(value, 300) == "plain comment"


def test_a_chinese_comment_never_starts_a_line_with_a_comma() -> None:
    from shopper.reports import styles

    comment = "员工没有询问我的宠物，也没有介绍费用。" * 5
    paragraph = styles.para(comment, "comment", width=150)
    lines = paragraph.text.split("<br/>")
    assert len(lines) > 5
    assert not [line for line in lines if line.split(">")[-1][:1] in text.NO_LINE_START]


def test_clean_drops_exactly_the_control_characters_and_surrogates() -> None:
    """The fast path (one regular expression) drops what Unicode calls controls (Cc) and
    surrogates (Cs), every one of them, and nothing else; tabs become spaces (and a carriage
    return a line break)."""
    import unicodedata

    dropped = {
        chr(c)
        for c in range(0x110000)
        if unicodedata.category(chr(c)) in ("Cc", "Cs") and chr(c) not in "\n\t\r"
    }
    sample = "é" + "".join(sorted(dropped)) + "\tx\n王\u0301"
    assert text.clean(sample) == unicodedata.normalize("NFC", "é x\n王\u0301")
