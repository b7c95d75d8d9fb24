"""Text into ReportLab Paragraph markup that prints in every script.

- NFC-normalised, control characters and stray bidi controls dropped, `&`, `<`, `>`
  escaped, newlines kept.
- Fonts fall back per run: each word is drawn in the first face of the style's chain that
  has every one of its characters (the chosen face, its upright, the regular face, then the
  CJK fallback). DejaVu Oblique has no Arabic, so an Arabic comment in italic is drawn in
  upright DejaVu rather than as empty boxes. A word no single face covers is split per
  character.
- Arabic and combining marks are shaped with HarfBuzz (`ParagraphStyle(shaping=1)`); HarfBuzz
  shapes a word with one font, which is why fonts are chosen per word.
- Right-to-left words are put in visual order here, line by line (ReportLab 5 reorders only
  through the optional `rlbidi` package, not on our package index). HarfBuzz already
  reverses the letters inside each right-to-left word; we reorder the words. A line the
  document composes ("Shop report · محمد عبد الله · Solana Terrace") keeps the document's
  left-to-right direction, and each name in it is an isolate (`isolate()`): it is reordered
  inside itself and acts as a neutral outside, as Unicode's FSI…PDI do. A whole free-text
  paragraph (a comment) may take its own direction from its first strong letter.

Every step is linear in the length of the text (the largest comment is 20,000 characters).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Literal

from shopper.reports import fonts

Direction = Literal["L", "R", "N"]
BREAK = "\u200a"
"""Put between two font runs inside one word of a shaped paragraph ("车位لم"): ReportLab
shapes a word with the font of its first run, so the Arabic letters would be looked up in the
CJK font (boxes, or a crash in a fresh process). A hair space is whitespace to ReportLab
(a zero-width space is not enough: the word stays whole), so each run is shaped in its own
font; it prints as a word space."""
ISO_START, ISO_END = "\ufdd0", "\ufdd1"
"""Internal isolate markers (Unicode noncharacters, never in stored text): `isolate()` puts
them around a name; `visual_line` lays the name out as an isolate and removes them."""
_RTL_BIDI = frozenset({"R", "AL"})
_BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
"""Unicode's control characters (category Cc) but tab and line feed, and surrogates (Cs)."""
_SHAPED_RANGES = (
    (0x0590, 0x08FF),  # Hebrew, Arabic, Syriac, Thaana, N'Ko, Samaritan, Arabic ext.
    (0x0900, 0x0DFF),  # Indic scripts
    (0xFB1D, 0xFDCF),  # Hebrew and Arabic presentation forms A (before the markers)
    (0xFDF0, 0xFDFF),
    (0xFE70, 0xFEFF),  # Arabic presentation forms B
)
_TOKENS = re.compile(f"{ISO_START}|{ISO_END}| +|[^ {ISO_START}{ISO_END}]+")


def clean(text: str | None) -> str:
    """NFC, line breaks unified to \\n, other control characters (not tabs) and bidi
    controls dropped (the layout here decides direction; an override could spoof it)."""
    if not text:
        return ""
    if text.isascii() and text.isprintable():
        return text
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_BIDI_CONTROLS).replace("\t", " ")
    return _CONTROLS.sub("", text)


def isolate(value: str | None) -> str:
    """`value` (a name, a title) cleaned and marked as a bidi isolate, for putting inside a
    line the document composes: a right-to-left name then neither flips the line nor takes
    its neighbours (numbers, dates) with it."""
    cleaned = clean(value).replace("\n", " ").replace(ISO_START, "").replace(ISO_END, "")
    return f"{ISO_START}{cleaned}{ISO_END}" if has_rtl(cleaned) else cleaned


def strip_isolates(value: str) -> str:
    return value.replace(ISO_START, "").replace(ISO_END, "") if ISO_START in value else value


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


def visual_line(line: str, base: Direction | None = "L") -> str:
    """One line of text with its words in visual (left-to-right drawing) order.

    The Unicode bidi algorithm at word level: `base` is the paragraph direction ("L", the
    document's, unless told otherwise; None: from the first strong word). Neutral words
    (numbers, punctuation, spaces) between two words of the same direction take it, others
    take the base; runs are reversed from the deepest level up. Text between `isolate()`
    markers is laid out on its own (its direction from its first strong letter) and counts
    as one neutral word outside.
    """
    if not has_rtl(line):
        return strip_isolates(line)
    tokens = _tokenize(line)
    kinds = [k for _, k in tokens]
    chosen: Direction = base if base in ("L", "R") else "L"
    if base is None:
        chosen = next((k for k in kinds if k != "N"), "L")
    resolved = _resolve_neutrals(kinds, chosen)
    if chosen == "L":
        levels = [1 if k == "R" else 0 for k in resolved]
    else:
        levels = [2 if k == "L" else 1 for k in resolved]
    order = _reorder(levels)
    return "".join(tokens[i][0] for i in order)


def _tokenize(line: str) -> list[tuple[str, Direction]]:
    """Words, runs of spaces and whole isolates (already in visual order inside), with their
    direction (an isolate is neutral outside)."""
    tokens: list[tuple[str, Direction]] = []
    depth, inner = 0, ""
    for match in _TOKENS.finditer(line):
        piece = match.group()
        if piece == ISO_START:
            if depth:
                inner += piece
            depth += 1
        elif piece == ISO_END:
            if depth == 0:
                continue
            depth -= 1
            if depth:
                inner += piece
            else:
                tokens.append((visual_line(inner, None), "N"))
                inner = ""
        elif depth:
            inner += piece
        else:
            tokens.append((piece, "N" if piece[0] == " " else direction(piece)))
    if depth:
        tokens.append((visual_line(inner, None), "N"))
    return tokens


def _resolve_neutrals(kinds: list[Direction], base: Direction) -> list[Direction]:
    """Each neutral takes the direction of the strong words on both sides when they agree,
    else the base (linear: the next strong word is found once from the right)."""
    after: list[Direction] = [base] * len(kinds)
    following: Direction = base
    for index in range(len(kinds) - 1, -1, -1):
        after[index] = following
        if kinds[index] != "N":
            following = kinds[index]
    resolved: list[Direction] = []
    before: Direction = base
    for index, kind in enumerate(kinds):
        if kind != "N":
            resolved.append(kind)
            before = kind
        else:
            resolved.append(before if before == after[index] else base)
    return resolved


def _reorder(levels: list[int]) -> list[int]:
    """UAX #9 rule L2: from the highest level down, reverse every run at that level or
    higher (linear for the two or three levels used here)."""
    order = list(range(len(levels)))
    for level in range(max(levels, default=0), 0, -1):
        start = None
        for i in range(len(order) + 1):
            inside = i < len(order) and levels[order[i]] >= level
            if inside and start is None:
                start = i
            elif not inside and start is not None:
                order[start:i] = reversed(order[start:i])
                start = None
    return order


def base_is_rtl(text: str) -> bool:
    return direction(strip_isolates(text)) == "R"


@functools.cache
def _fallback() -> str | None:
    return fonts.register_fonts().fallback


@functools.cache
def face_chain(font_name: str) -> tuple[str, ...]:
    """The faces tried, in order, for a character of text styled in `font_name`: the face
    itself, its upright, the regular face, then the CJK fallback (bold when there is one)."""
    chain = [font_name]
    upright = {fonts.OBLIQUE: fonts.FAMILY, fonts.BOLD_OBLIQUE: fonts.BOLD}.get(font_name)
    if upright:
        chain.append(upright)
    if fonts.FAMILY not in chain and font_name in fonts.FAMILY_FILES:
        chain.append(fonts.FAMILY)
    fallback = _fallback()
    if fallback:
        bold = font_name in (fonts.BOLD, fonts.BOLD_OBLIQUE)
        chain.append(fonts.fallback_for(bold))
    return tuple(chain)


_WORDS = re.compile(r"\S+|\s+")


def font_runs(text: str, font_name: str = fonts.FAMILY) -> list[tuple[str, str]]:
    """Split `text` into (face, run): each word in the first face of `face_chain(font_name)`
    that draws all of it; spaces stay with the run before them. A word no face covers whole
    is split per character (each in the first face that has it, else the chosen face)."""
    chain = face_chain(font_name)
    if fonts.covers(font_name, text):
        return [(font_name, text)]
    runs: list[tuple[str, str]] = []

    def add(face: str, piece: str) -> None:
        if runs and runs[-1][0] == face:
            runs[-1] = (face, runs[-1][1] + piece)
        else:
            runs.append((face, piece))

    for match in _WORDS.finditer(text):
        word = match.group()
        if word[0].isspace():
            add(runs[-1][0] if runs else font_name, word)
            continue
        face = next((f for f in chain if fonts.covers(f, word)), None)
        if face is not None:
            add(face, word)
            continue
        for ch in word:
            add(next((f for f in chain if fonts.covers(f, ch)), font_name), ch)
    return runs


def markup(text: str, *, shaped: bool = False, font_name: str = fonts.FAMILY) -> str:
    """Escaped Paragraph markup for already-cleaned text (see `clean`) in the face
    `font_name`: runs it cannot draw name the face that can."""
    runs = font_runs(text, font_name)
    parts: list[str] = []
    for index, (face, run) in enumerate(runs):
        body = escape(run).replace("\n", "<br/>")
        if shaped and index > 0 and not run[:1].isspace() and not runs[index - 1][1][-1:].isspace():
            body = BREAK + body
        parts.append(body if face == font_name else f'<font name="{face}">{body}</font>')
    return "".join(parts)


@functools.lru_cache(maxsize=4096)
def _shaped_width(word: str, face: str, size: float) -> float:
    """The width of `word` as HarfBuzz shapes it (joined Arabic letters are narrower than
    the letters alone), as ReportLab will draw it."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfbase.ttfonts import shapeStr

    shaped = shapeStr(word, face, size)
    data = getattr(shaped, "__shapeData__", None)
    if not data:
        return float(stringWidth(word, face, size))
    return float(sum(d.x_advance for d in data)) * size / 1000


NO_LINE_START = frozenset("，。、．・：；！？）」』】〕〉》’”%‰,.:;!?)]}")
"""Characters a line must not start with (CJK line-breaking rules, kinsoku)."""


def wrap_logical(text: str, width: float, font_name: str, font_size: float) -> list[str]:
    """Greedy word wrap in logical order (bidi text is broken into lines before it is
    reordered, as the Unicode bidi algorithm does). A word wider than the line (a long
    unbroken string, or Chinese, which has no spaces) is broken between characters, never
    before a closing punctuation mark. Linear: each character is measured once."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    space = stringWidth(" ", font_name, font_size)
    limit = width * 0.99

    covered = fonts.covers(font_name, text)
    shaped = needs_shaping(text)

    def measure(word: str) -> float:
        if shaped and needs_shaping(word):
            runs = font_runs(word, font_name)
            return sum(_shaped_width(run, face, font_size) for face, run in runs)
        if covered:  # one face draws it all (most text): no runs to find
            return float(stringWidth(word, font_name, font_size))
        return float(
            sum(stringWidth(run, face, font_size) for face, run in font_runs(word, font_name))
        )

    def pieces(word: str, room: float) -> list[tuple[str, float]]:
        """`word` cut into pieces, the first at most `room` wide, the others `limit`."""
        out: list[tuple[str, float]] = []
        start, used = 0, 0.0
        chars = strip_isolates(word)
        for index, ch in enumerate(chars):
            wide = measure(ch)
            if used + wide > room and index > start:
                cut = index
                while cut - 1 > start and chars[cut] in NO_LINE_START:
                    cut -= 1
                out.append((chars[start:cut], measure(chars[start:cut])))
                start, room = cut, limit
                used = measure(chars[start : index + 1])
            else:
                used += wide
        out.append((chars[start:], used))
        return out

    lines: list[str] = []
    for paragraph in text.split("\n"):
        current: list[str] = []
        used = 0.0
        for word in paragraph.split(" "):
            wide = measure(strip_isolates(word)) if word else 0.0
            if wide > limit:
                room = limit - used - (space if current else 0.0)
                parts = pieces(word, room if room > limit / 4 else limit)
                if room <= limit / 4 and current:
                    lines.append(" ".join(current))
                    current, used = [], 0.0
                for part, _wide in parts[:-1]:
                    lines.append(" ".join([*current, part]))
                    current, used = [], 0.0
                current, used = [parts[-1][0]], parts[-1][1]
                continue
            if current and used + space + wide > limit:
                lines.append(" ".join(current))
                current, used = [word], wide
            else:
                used += (space if current else 0.0) + wide
                current.append(word)
        lines.append(" ".join(current))
    return lines
