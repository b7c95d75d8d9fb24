"""Size limits on what users and files may put into Shopper, in one place.

The limits keep a hostile or broken file from exhausting memory and keep every report
renderable in reasonable time. They are part of the public formats (docs/FORMATS.md).
"""

from __future__ import annotations

#: Longest comment on one item, and longest narrative answer, in characters.
MAX_COMMENT_CHARS = 20_000
#: Longest free-text note (evaluation notes, reopen/return reasons), in characters.
MAX_NOTE_CHARS = 20_000
#: Longest name of a person, property or agent, in characters.
MAX_NAME_CHARS = 200
#: Longest other string value in a package (keys, labels, ids), in characters.
MAX_STRING_CHARS = 20_000
#: Deepest nesting of arrays and objects accepted in a package or rubric file.
MAX_JSON_DEPTH = 32
#: Largest package or rubric file accepted, in bytes.
MAX_FILE_BYTES = 2 * 1024**3
#: The form starts showing a character count when a comment reaches this length.
COMMENT_COUNT_FROM = MAX_COMMENT_CHARS - 2_000
