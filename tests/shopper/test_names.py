"""The one cleaning rule for names and free text (shopper.names)."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from shopper.errors import ValidationError
from shopper.names import clean_name, clean_text

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def unsafe_by_definition(ch: str, keep: str) -> bool:
    """The rule in words: control characters, bidi controls and surrogates go."""
    if ch in keep:
        return False
    return unicodedata.category(ch) in ("Cc", "Cs") or ch in BIDI


def test_every_code_point_is_judged_by_the_rule() -> None:
    for keep in ("", "\n\t"):
        everything = "".join(chr(c) for c in range(sys.maxunicode + 1))
        expected = "".join(ch for ch in everything if not unsafe_by_definition(ch, keep))
        from shopper.names import _drop_unsafe

        assert _drop_unsafe(everything, keep) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Jos\u00e9\x00 N\u00fa\u00f1ez", "José Núñez"),
        ("\u202eexe.gpj", "exe.gpj"),
        ("Sam\ud800 Lee", "Sam Lee"),
        ("  Ana\t\n  Lima ", "Ana Lima"),
        ("Jose\u0301", "José"),  # NFC
    ],
)
def test_names_lose_controls_bidi_and_surrogates(raw: str, expected: str) -> None:
    assert clean_name(raw) == expected


def test_text_keeps_lines_and_tabs_but_not_controls() -> None:
    assert clean_text("one\r\ntwo\tthree\x00\u202e\udfff  ") == "one\ntwo\tthree"


def test_a_name_of_only_controls_is_empty() -> None:
    with pytest.raises(ValidationError, match="empty"):
        clean_name("\x00\u202e\ud800 ")


def test_limits_count_cleaned_characters() -> None:
    assert clean_text("a" * 20 + "\x00" * 5, max_chars=20) == "a" * 20
    with pytest.raises(ValidationError, match="21 characters long; the limit is 20"):
        clean_text("a" * 21, max_chars=20)
