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
#: A single JSON token (string, number, run of spaces) still being read after this many
#: bytes is refused: the longest text allowed, written as \uXXXX escapes, is 120 KB.
MAX_TOKEN_BYTES = 1024 * 1024
#: Most keys in one JSON object (the answers of one evaluation are one object).
MAX_KEYS = 10_000
#: Most JSON values in one part read whole (one evaluation, or one top-level header part).
MAX_PART_VALUES = 250_000
#: Most characters of text (keys included) in one part read whole.
MAX_PART_CHARS = 8_000_000
#: The same two limits for a package's whole header (rubrics, properties, agents, settings).
MAX_HEADER_VALUES = 2_000_000
MAX_HEADER_CHARS = 32_000_000
#: Most evaluations in one package: the import keeps each id to find duplicates.
MAX_EVALUATIONS = 1_000_000
#: The form starts showing a character count when a comment reaches this length.
COMMENT_COUNT_FROM = MAX_COMMENT_CHARS - 2_000
