"""Text into ReportLab Paragraph markup that prints in every script.

- NFC-normalised, control characters dropped, `&`, `<`, `>` escaped, newlines kept.
- Runs DejaVu Sans cannot draw (Chinese...) go in the fallback font.
- Arabic and combining marks are shaped with HarfBuzz (`ParagraphStyle(shaping=1)`).
- Right-to-left words are put in visual order here, line by line, because ReportLab 5 only
  reorders bidirectional text through the optional `rlbidi` package, which is not on our
  package index (and `reportlab[bidi]` downgrades ReportLab). HarfBuzz already reverses the
  letters inside each right-to-left word; we reverse the order of the words.
"""

from __future__ import annotations

import functools
import unicodedata
from typing import Literal

from shopper.reports import fonts

Direction = Literal["L", "R", "N"]
BREAK = "\u200b"
"""Zero-width space: a break ReportLab honours, put between a DejaVu run and a fallback run
inside one word, because HarfBuzz shapes a word with a single font."""
_RTL_BIDI = frozenset({"R", "AL"})
_SHAPED_RANGES = (
    (0x0590, 0x08FF),  # Hebrew, Arabic, Syriac, Thaana, N'Ko, Samaritan, Arabic ext.
    (0x0900, 0x0DFF),  # Indic scripts
    (0xFB1D, 0xFDFF),  # Hebrew and Arabic presentation forms A
    (0xFE70, 0xFEFF),  # Arabic presentation forms B
)


def clean(text: str | None) -> str:
    """NFC, line breaks unified to \\n, other control characters (not tabs) dropped."""
    if not text:
        return ""
    if text.isascii() and text.isprintable():
        return text
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        " " if ch == "\t" else ch
        for ch in text
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")
    )


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def direction(word: str) -> Direction:
    """The direction of a word: from its first strong character, N when it has none."""
    for ch in word:
        bidi = unicodedata.bidirectional(ch)
        if bidi in _RTL_BIDI:
            return "R"
        if bidi == "L":
            return "L"
    return "N"


def has_rtl(text: str) -> bool:
    if text.isascii():
        return False
    return any(unicodedata.bidirectional(ch) in _RTL_BIDI for ch in text)


def needs_shaping(text: str) -> bool:
    """Arabic-like scripts and combining marks need HarfBuzz; plain text is faster without."""
    if text.isascii():
        return False
    for ch in text:
        code = ord(ch)
        if code < 0x0300:
            continue
        if unicodedata.combining(ch) or any(lo <= code <= hi for lo, hi in _SHAPED_RANGES):
            return True
    return False


def visual_line(line: str) -> str:
    """One line of text with its words in visual (left-to-right drawing) order.

    The Unicode bidi algorithm at word level: the base direction comes from the first strong
    word; neutral words (numbers, punctuation) between two words of the same direction take
    it, others take the base; runs are reversed from the deepest level up.
    """
    words = line.split(" ")
    if not has_rtl(line):
        return line
    kinds = [direction(w) for w in words]
    base: Direction = next((k for k in kinds if k != "N"), "L")
    resolved: list[Direction] = []
    for index, kind in enumerate(kinds):
        if kind != "N":
            resolved.append(kind)
            continue
        before = next((k for k in reversed(kinds[:index]) if k != "N"), base)
        after = next((k for k in kinds[index + 1 :] if k != "N"), base)
        resolved.append(before if before == after else base)
    if base == "L":
        levels = [1 if k == "R" else 0 for k in resolved]
    else:
        levels = [2 if k == "L" else 1 for k in resolved]
    order = list(range(len(words)))
    for level in range(max(levels), 0, -1):
        start = None
        for i in range(len(order) + 1):
            inside = i < len(order) and levels[order[i]] >= level
            if inside and start is None:
                start = i
            elif not inside and start is not None:
                order[start:i] = reversed(order[start:i])
                start = None
    return " ".join(words[i] for i in order)


def base_is_rtl(text: str) -> bool:
    return direction(text) == "R"


@functools.cache
def _fallback() -> str | None:
    return fonts.register_fonts().fallback


def font_runs(text: str) -> list[tuple[str | None, str]]:
    """Split `text` into (font or None for the main family, run). Characters both fonts can
    draw that are not letters (spaces, digits, punctuation) stay with their neighbours."""
    fallback = _fallback()
    if fallback is None or all(ord(ch) < 0x2E80 for ch in text):
        return [(None, text)]
    kinds: list[str | None] = []
    for ch in text:
        if ch == "\n" or fonts.has_glyph(fonts.FAMILY, ch):
            own: str | None = None
            shared = not unicodedata.category(ch).startswith("L") and fonts.has_glyph(fallback, ch)
            kinds.append("?" if shared or ch == " " else own)
        elif fonts.has_glyph(fallback, ch):
            kinds.append(fallback)
        else:
            kinds.append(None)
    _attach_neutrals(kinds)
    runs: list[tuple[str | None, str]] = []
    for kind, ch in zip(kinds, text, strict=True):
        if runs and runs[-1][0] == kind:
            runs[-1] = (kind, runs[-1][1] + ch)
        else:
            runs.append((kind, ch))
    return runs


def _attach_neutrals(kinds: list[str | None]) -> None:
    previous: str | None = None
    seen_any = False
    for i, kind in enumerate(kinds):
        if kind == "?":
            if seen_any:
                kinds[i] = previous
            else:
                kinds[i] = next((k for k in kinds[i + 1 :] if k != "?"), None)
        else:
            previous, seen_any = kind, True


def markup(text: str, *, shaped: bool = False) -> str:
    """Escaped Paragraph markup for already-cleaned text (see `clean`)."""
    runs = font_runs(text)
    parts: list[str] = []
    for index, (font, run) in enumerate(runs):
        body = escape(run).replace("\n", "<br/>")
        if shaped and index > 0 and not run[:1].isspace() and not runs[index - 1][1][-1:].isspace():
            body = BREAK + body
        parts.append(f'<font name="{font}">{body}</font>' if font else body)
    return "".join(parts)


def wrap_logical(text: str, width: float, font_name: str, font_size: float) -> list[str]:
    """Greedy word wrap in logical order (bidi text is broken into lines before it is
    reordered, as the Unicode bidi algorithm does)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    def measure(word: str) -> float:
        widths = [stringWidth(run, font or font_name, font_size) for font, run in font_runs(word)]
        return float(sum(widths))

    limit = width * 0.97  # shaped Arabic can be a little wider than its letters
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if current and measure(candidate) > limit:
                lines.append(current)
                current = word
            else:
                current = candidate
        lines.append(current)
    return lines
