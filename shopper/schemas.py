"""JSON Schema validation of the public file formats, with messages that say where."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from typing import Any

from shopper.errors import ValidationError
from shopper.paths import SCHEMAS

SCHEMA_FILES = {"rubric": "rubric.schema.json", "package": "package.schema.json"}


def format_path(parts: Iterable[str | int]) -> str:
    """Render a JSON location as `evaluations[3].answers["greeting.rapport"]`."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out


def located(prefix: str, message: str) -> str:
    return f"{prefix}: {message}" if prefix else message


@cache
def _validator(kind: str, definition: str | None = None) -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    resources = []
    for name in SCHEMA_FILES.values():
        contents = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource.from_contents(contents)))
    registry: Registry[Any] = Registry().with_resources(resources)
    schema = json.loads((SCHEMAS / SCHEMA_FILES[kind]).read_text(encoding="utf-8"))
    if definition is not None:  # one part of a file, e.g. one evaluation of a package
        schema = {"$ref": f"{schema['$id']}#/$defs/{definition}"}
    return Draft202012Validator(
        schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def _order(error: Any) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, p) if isinstance(p, int) else (1, p) for p in error.absolute_path)


def validate(
    data: Any, kind: str, prefix: list[str | int] | None = None, definition: str | None = None
) -> None:
    """Raise ValidationError naming the first problem (in document order) of `data`.

    With `definition`, `data` is checked against `$defs/<definition>` of the schema only
    (a package import checks its evaluations one at a time)."""
    errors = list(_validator(kind, definition).iter_errors(data))
    if not errors:
        return
    first = min(errors, key=lambda e: (_order(e), -len(list(e.context or []))))
    # Prefer the most specific explanation inside an if/then or anyOf.
    while first.context:
        first = min(first.context, key=lambda e: (-len(e.absolute_path), _order(e)))
    where = format_path([*(prefix or []), *first.absolute_path])
    raise ValidationError(located(where, first.message))
