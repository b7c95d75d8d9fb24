"""One way to clean the text people type or import: names, comments and file names.

Control characters, bidi overrides/isolates and lone surrogates can spoof what a CSV
or PDF shows (U+202E turns "gpj.exe" around) or break encoders, so they are removed
from every name and text the same way, whether it came from the UI, the CLI or a package.
"""

from __future__ import annotations

import re
import unicodedata

from pathvalidate import sanitize_filename

from shopper.errors import ValidationError
from shopper.limits import MAX_COMMENT_CHARS, MAX_NAME_CHARS

# Bidi embedding/override/isolate controls and the directional marks.
_BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
_SURROGATES = re.compile("[\ud800-\udfff]")
_SPACES = re.compile(r"\s+")


def _drop_unsafe(text: str, keep: str) -> str:
    text = _SURROGATES.sub("", text)
    out = []
    for ch in text:
        if ch in keep:
            out.append(ch)
        elif ch in _BIDI_CONTROLS or unicodedata.category(ch) == "Cc":
            continue
        else:
            out.append(ch)
    return "".join(out)


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
