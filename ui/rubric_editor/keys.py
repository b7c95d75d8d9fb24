"""Keys derived from titles: a new section titled "First contact" gets the key
`first_contact` (an item, from its prompt) while nobody has typed a key by hand.

Only nodes added in this editor session follow their title: keys of stored sections and
items are in every evaluation and must not change because a title was reworded.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_KEY_CHARS = 40
_NOT_KEY = re.compile(r"[^a-z0-9]+")


def slug(text: str, separator: str = "_", max_chars: int = MAX_KEY_CHARS) -> str:
    """`text` as a key: ASCII lowercase letters and digits joined by `separator`, cut at a
    word boundary to `max_chars`. "" when nothing usable is left."""
    ascii_text = (
        unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    )
    words = [w for w in _NOT_KEY.split(ascii_text) if w]
    key = ""
    for word in words:
        candidate = f"{key}{separator}{word}" if key else word
        if len(candidate) > max_chars:
            if not key:
                key = word[:max_chars]
            break
        key = candidate
    return key


def free_key(base: str, taken: Iterable[str], separator: str = "_") -> str:
    """`base`, or `base_2`, `base_3`… whichever is not in `taken`."""
    used = set(taken)
    if base not in used:
        return base
    number = 2
    while f"{base}{separator}{number}" in used:
        number += 1
    return f"{base}{separator}{number}"
