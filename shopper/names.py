"""One way to clean the text people type or import: names, comments and file names.

Control characters, bidi overrides/isolates and lone surrogates can spoof what a CSV
or PDF shows (U+202E turns "gpj.exe" around) or break encoders, so they are removed
from every name and text the same way, whether it came from the UI, the CLI or a package.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from pathvalidate import sanitize_filename

from shopper.errors import ValidationError
from shopper.limits import MAX_COMMENT_CHARS, MAX_NAME_CHARS

# Bidi embedding/override/isolate controls and the directional marks.
_BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
_SPACES = re.compile(r"\s+")


@functools.cache
def _unsafe(keep: str) -> re.Pattern[str]:
    """Every control character (category Cc: U+0000-U+001F, U+007F-U+009F), bidi control
    and surrogate, except those in `keep`: one regular expression, so cleaning a long
    comment costs microseconds, not a Python step per character."""
    controls = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))]
    unsafe = sorted(c for c in (*controls, *_BIDI_CONTROLS) if c not in keep)
    return re.compile("[" + "".join(re.escape(c) for c in unsafe) + "\ud800-\udfff]")


def _drop_unsafe(text: str, keep: str) -> str:
    if text.isascii() and text.isprintable():
        return text
    return _unsafe(keep).sub("", text)


def clean_name(text: str, what: str = "name", max_chars: int = MAX_NAME_CHARS) -> str:
    """A name as stored: NFC, unsafe characters removed, whitespace collapsed, trimmed.

    Raises ValidationError when nothing is left or the name is too long.
    """
    cleaned = _SPACES.sub(" ", _drop_unsafe(unicodedata.normalize("NFC", text), keep=""))
    cleaned = cleaned.strip()
    if not cleaned:
        raise ValidationError(f"The {what} is empty; type a {what}.")
    if len(cleaned) > max_chars:
        raise ValidationError(
            f"The {what} is {len(cleaned):,} characters long; the limit is {max_chars:,}."
        )
    return cleaned


def clean_text(text: str, what: str = "comment", max_chars: int = MAX_COMMENT_CHARS) -> str:
    """Free text (comments, notes) as stored: NFC, unsafe characters removed.

    Line breaks and tabs are kept; trailing whitespace is trimmed. Raises
    ValidationError when the text is longer than ``max_chars``.
    """
    cleaned = _drop_unsafe(unicodedata.normalize("NFC", text), keep="\n\t")
    cleaned = cleaned.replace("\r", "").rstrip()
    if len(cleaned) > max_chars:
        raise ValidationError(
            f"The {what} is {len(cleaned):,} characters long; the limit is {max_chars:,}. "
            "Shorten it."
        )
    return cleaned


def safe_file_name(text: str, fallback: str = "file", max_len: int = 120) -> str:
    """A file name safe on Windows, macOS and Linux (no device names, no separators)."""
    base = _SPACES.sub(" ", _drop_unsafe(unicodedata.normalize("NFC", text), keep="")).strip()
    name = sanitize_filename(base, platform="universal", max_len=max_len).strip(" .")
    return name or fallback
