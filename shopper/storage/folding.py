"""Accent- and case-insensitive matching of names ("jose" finds "José Núñez").

SQLite's lower() folds ASCII only, so SQLite connections get `shopper_fold()`, a Python
function doing the same folding as `fold_text` (see db._sqlite_on_connect). PostgreSQL folds
with lower(translate(...)) over the accented Latin letters, which is the same for names.
"""

from __future__ import annotations

import functools
import unicodedata
from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

SQL_FUNCTION = "shopper_fold"
_LETTERS = str.maketrans(
    {"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ħ": "h", "ı": "i", "ŧ": "t"}
)
_WIDE = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE"})


@functools.lru_cache(maxsize=65536)
def fold_text(text: str | None) -> str | None:
    """Lower case, accents removed, compatibility forms unified."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.translate(_LETTERS).translate(_WIDE).casefold()


def _translate_table() -> tuple[str, str]:
    """Single accented Latin letters and their bare forms, for PostgreSQL's translate()."""
    source, target = [], []
    for code in range(0x00C0, 0x0250):
        char = chr(code)
        bare = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        ).translate(_LETTERS)
        if len(bare) == 1 and bare != char and bare.isascii():
            source.append(char)
            target.append(bare)
    return "".join(source), "".join(target)


_PG_FROM, _PG_TO = _translate_table()


class folded(FunctionElement[str]):
    """`folded(column)`: the column folded like `fold_text`, for LIKE filters."""

    type = String()
    inherit_cache = True
    name = SQL_FUNCTION


@compiles(folded, "sqlite")
def _folded_sqlite(element: folded, compiler: Any, **kw: Any) -> str:
    return f"{SQL_FUNCTION}({compiler.process(element.clauses, **kw)})"


@compiles(folded)
def _folded_other(element: folded, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"lower(translate({column}, '{_PG_FROM}', '{_PG_TO}'))"


def like_pattern(text: str) -> str:
    """`%text%` folded, with LIKE's wildcards in `text` escaped (use escape="\\")."""
    folded_text = fold_text(" ".join(text.split())) or ""
    escaped = folded_text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
