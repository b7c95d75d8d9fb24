"""Editable rubric drafts: the mutable model the rubric editor works on.

A draft may be invalid at any moment while a trainer types. `validate()` lists every problem
with the node and field it belongs to (so the editor can show it next to that field), and
`to_rubric()` turns a valid draft into a `Rubric` through `parse_rubric`, so the editor can
never store anything a rubric file could not hold.

Nodes are addressed by index paths: `()` the rubric, `(s,)` a section, `(s, i)` an item,
`(s, i, o)` a choice option. Editing operations take and return such paths, which is what an
undo stack needs: undoing in reverse order always finds the same indexes again.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from shopper import schemas
from shopper.errors import ValidationError
from shopper.rubric import (
    RUBRIC_FORMAT,
    ChoiceOption,
    Item,
    ItemType,
    Rubric,
    parse_rubric,
)

if TYPE_CHECKING:
    from shopper.services.rubrics import RubricInfo, SaveResult
    from shopper.storage.db import Database

NodePath = tuple[int, ...]
KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")
SCALE_MAX_RANGE = (2, 10)
RUBRIC_KEY_MAX_LENGTH = 100
RUBRIC_NAME_MAX_LENGTH = 200
ITEM_TYPES: tuple[ItemType, ...] = ("yes_no", "scale", "choice", "text")


@dataclass
class OptionDraft:
    label: str = ""
    points: Fraction = Fraction(0)


@dataclass
class ItemDraft:
    """Every field of an item, whatever its type: switching type and back loses nothing;
    `to_dict()` writes only the fields the type uses."""

    key: str
    prompt: str = ""
    type: ItemType = "yes_no"
    points: Fraction = Fraction(1)
    max: int = 5
    options: list[OptionDraft] = field(default_factory=list)
    critical: bool = False
    allow_na: bool = True
    guidance: str = ""
    key_question: bool = False

    @property
    def scored(self) -> bool:
        return self.type != "text"

    def as_item(self) -> Item:
        """An unvalidated `Item`, so totals follow the one rule in shopper.rubric."""
        options = tuple(ChoiceOption(o.label, o.points) for o in self.options)
        return Item(self.key, self.prompt, self.type, self.points, self.max, options)

    @property
    def possible(self) -> Fraction:
        return self.as_item().possible


@dataclass
class SectionDraft:
    key: str
    title: str = ""
    guidance: str = ""
    deferred: bool = False
    in_overall: bool = True
    items: list[ItemDraft] = field(default_factory=list)

    @property
    def possible(self) -> Fraction:
        return sum((i.possible for i in self.items), Fraction(0))


@dataclass
class RubricDraft:
    key: str = ""
    name: str = ""
    description: str = ""
    version: int = 1
    sections: list[SectionDraft] = field(default_factory=list)

    @property
    def possible(self) -> Fraction:
        """Points of the overall score (sections with in_overall only)."""
        return sum((s.possible for s in self.sections if s.in_overall), Fraction(0))


Node = RubricDraft | SectionDraft | ItemDraft | OptionDraft
NODE_KINDS: tuple[type, ...] = (RubricDraft, SectionDraft, ItemDraft, OptionDraft)


# --- converting ---------------------------------------------------------------------------


def from_rubric(rubric: Rubric) -> RubricDraft:
    return RubricDraft(
        key=rubric.key,
        name=rubric.name,
        description=rubric.description or "",
        version=rubric.version,
        sections=[
            SectionDraft(
                key=s.key,
                title=s.title,
                guidance=s.guidance or "",
                deferred=s.deferred,
                in_overall=s.in_overall,
                items=[
                    ItemDraft(
                        key=i.key,
                        prompt=i.prompt,
                        type=i.type,
                        points=i.points if i.type in ("yes_no", "scale") else Fraction(1),
                        max=i.max,
                        options=[OptionDraft(o.label, o.points) for o in i.options],
                        critical=i.critical,
                        allow_na=i.allow_na,
                        guidance=i.guidance or "",
                        key_question=i.key_question,
                    )
                    for i in s.items
                ],
            )
            for s in rubric.sections
        ],
    )


def _number(value: Fraction) -> int | float:
    return int(value) if value.denominator == 1 else float(value)


def _item_dict(item: ItemDraft) -> dict[str, Any]:
    out: dict[str, Any] = {"key": item.key, "prompt": item.prompt.strip(), "type": item.type}
    if item.type in ("yes_no", "scale"):
        out["points"] = _number(item.points)
    if item.type == "scale":
        out["max"] = item.max
    if item.type == "choice":
        out["options"] = [
            {"label": o.label.strip(), "points": _number(o.points)} for o in item.options
        ]
    if item.scored or item.critical:
        out["critical"] = item.critical
    if item.scored:
        out["allow_na"] = item.allow_na
    if item.key_question:  # written only when set, as shopper.rubric does
        out["key_question"] = True
    if item.guidance.strip():
        out["guidance"] = item.guidance.strip()
    return out


def to_dict(draft: RubricDraft) -> dict[str, Any]:
    """The draft as a rubric file object (text trimmed, fields the types do not use left out)."""
    out: dict[str, Any] = {
        "format": RUBRIC_FORMAT,
        "format_version": 1,
        "key": draft.key,
        "name": draft.name.strip(),
        "version": draft.version,
    }
    if draft.description.strip():
        out["description"] = draft.description.strip()
    sections = []
    for s in draft.sections:
        section: dict[str, Any] = {"key": s.key, "title": s.title.strip()}
        if s.guidance.strip():
            section["guidance"] = s.guidance.strip()
        section |= {"deferred": s.deferred, "in_overall": s.in_overall}
        section["items"] = [_item_dict(i) for i in s.items]
        sections.append(section)
    out["sections"] = sections
    return out


def to_rubric(draft: RubricDraft, taken_keys: frozenset[str] = frozenset()) -> Rubric:
    """The rubric the draft describes; ValidationError naming the first problem if invalid."""
    problems = validate(draft, taken_keys)
    if problems:
        raise ValidationError(problems[0].describe(draft))
    return parse_rubric(to_dict(draft))


# --- validation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """What is wrong (`message`) and where: the node at `path` and its `field`."""

    path: NodePath
    field: str
    message: str

    @property
    def where(self) -> str:
        """The location as in a rubric file message, e.g. `sections[0].items[2].prompt`."""
        parts: list[str | int] = []
        for name, index in zip(("sections", "items", "options"), self.path, strict=False):
            parts += [name, index]
        return schemas.format_path([*parts, self.field] if self.field else parts)

    def describe(self, draft: RubricDraft) -> str:
        """`Greeting › Greeted promptly › prompt: a prompt is required`, for people."""
        names = node_names(draft, self.path) or ["Rubric"]
        names += [self.field] if self.field else []
        return schemas.located(" › ".join(names), self.message)


def node_names(draft: RubricDraft, path: NodePath) -> list[str]:
    """Readable names of the nodes along `path` (title, prompt or label, else the key)."""
    names: list[str] = []
    for depth in range(1, len(path) + 1):
        node = node_at(draft, path[:depth])
        if isinstance(node, SectionDraft):
            names.append(node.title.strip() or node.key or f"section {path[0] + 1}")
        elif isinstance(node, ItemDraft):
            names.append(node.prompt.strip() or node.key or f"item {path[1] + 1}")
        elif isinstance(node, OptionDraft):
            names.append(node.label.strip() or f"option {path[2] + 1}")
    return names


def key_problem(key: str) -> str | None:
    if not key:
        return "a key is required"
    if not KEY_PATTERN.fullmatch(key):
        return "use lowercase letters, digits, '_' or '-', starting with a letter or digit"
    return None


def _duplicates(keys: list[str]) -> set[str]:
    return {k for k in keys if k and keys.count(k) > 1}


def validate(draft: RubricDraft, taken_keys: frozenset[str] = frozenset()) -> list[Problem]:
    """Every problem of the draft, in document order. `taken_keys`: keys a new rubric may
    not use because stored rubrics already have them."""
    out: list[Problem] = []
    problem = key_problem(draft.key)
    if problem is None and draft.key in taken_keys:
        problem = f"a rubric with key {draft.key!r} already exists; choose another key"
    if problem is None and len(draft.key) > RUBRIC_KEY_MAX_LENGTH:
        problem = f"keep the key to {RUBRIC_KEY_MAX_LENGTH} characters"
    if problem:
        out.append(Problem((), "key", problem))
    if not draft.name.strip():
        out.append(Problem((), "name", "a name is required"))
    elif len(draft.name.strip()) > RUBRIC_NAME_MAX_LENGTH:
        out.append(Problem((), "name", f"keep the name to {RUBRIC_NAME_MAX_LENGTH} characters"))
    if not draft.sections:
        out.append(Problem((), "sections", "add at least one section"))
    twice = _duplicates([s.key for s in draft.sections])
    for si, section in enumerate(draft.sections):
        path = (si,)
        problem = key_problem(section.key)
        if problem is None and section.key in twice:
            problem = f"section key {section.key!r} is used twice"
        if problem:
            out.append(Problem(path, "key", problem))
        if not section.title.strip():
            out.append(Problem(path, "title", "a title is required"))
        if not section.items:
            out.append(Problem(path, "items", "add at least one item"))
        item_twice = _duplicates([i.key for i in section.items])
        for ii, item in enumerate(section.items):
            out += _item_problems(item, (si, ii), item_twice)
    return out


def _item_problems(item: ItemDraft, path: NodePath, twice: set[str]) -> list[Problem]:
    out: list[Problem] = []
    problem = key_problem(item.key)
    if problem is None and item.key in twice:
        problem = f"item key {item.key!r} is used twice"
    if problem:
        out.append(Problem(path, "key", problem))
    if not item.prompt.strip():
        out.append(Problem(path, "prompt", "a prompt is required"))
    if item.type not in ITEM_TYPES:
        out.append(Problem(path, "type", f"{item.type!r} is not an item type"))
    if item.type in ("yes_no", "scale") and item.points < 0:
        out.append(Problem(path, "points", "points cannot be negative"))
    low, high = SCALE_MAX_RANGE
    if item.type == "scale" and not low <= item.max <= high:
        out.append(Problem(path, "max", f"the scale maximum must be from {low} to {high}"))
    if item.critical and item.type != "yes_no":
        out.append(Problem(path, "critical", "only yes/no items can be critical"))
    if item.key_question and not item.scored:
        out.append(Problem(path, "key_question", "only scored items can be key questions"))
    if item.type == "choice":
        if not item.options:
            out.append(Problem(path, "options", "a choice item needs at least one option"))
        labels = [o.label.strip() for o in item.options]
        label_twice = _duplicates(labels)
        for oi, (option, label) in enumerate(zip(item.options, labels, strict=True)):
            opath = (*path, oi)
            if not label:
                out.append(Problem(opath, "label", "an option needs a label"))
            elif label == "na":
                out.append(Problem(opath, "label", "'na' is reserved for N/A answers"))
            elif label in label_twice:
                out.append(Problem(opath, "label", f"option {label!r} is listed twice"))
            if option.points < 0:
                out.append(Problem(opath, "points", "points cannot be negative"))
    return out


# --- editing operations ---------------------------------------------------------------------


def node_at(draft: RubricDraft, path: NodePath) -> Node:
    node: Node = draft
    for index in path:
        node = children(node)[index]
    return node


def children(node: Node) -> list[Any]:
    if isinstance(node, RubricDraft):
        return node.sections
    if isinstance(node, SectionDraft):
        return node.items
    if isinstance(node, ItemDraft):
        return node.options
    return []


def insert_node(draft: RubricDraft, path: NodePath, node: Node) -> None:
    """Put `node` at `path` (its parent must exist; the index may be one past the end)."""
    if not path or not isinstance(node, NODE_KINDS[len(path)]):
        raise ValueError(f"a {type(node).__name__} cannot go at {path}")
    siblings = children(node_at(draft, path[:-1]))
    if not 0 <= path[-1] <= len(siblings):
        raise IndexError(f"no place {path}")
    siblings.insert(path[-1], node)


def remove_node(draft: RubricDraft, path: NodePath) -> Node:
    if not path:
        raise ValueError("the rubric itself cannot be removed")
    removed: Node = children(node_at(draft, path[:-1])).pop(path[-1])
    return removed


def move_node(draft: RubricDraft, source: NodePath, target: NodePath) -> None:
    """Move the node at `source` so that it ends up at `target` (a path in the draft as it
    is after the move). `move_node(draft, target, source)` undoes it."""
    if len(source) != len(target):
        raise ValueError("a node moves only among nodes of its kind")
    node = remove_node(draft, source)
    try:
        insert_node(draft, target, node)
    except (IndexError, ValueError):
        insert_node(draft, source, node)
        raise


def step_target(draft: RubricDraft, path: NodePath, step: int) -> NodePath | None:
    """Where Ctrl+Up (`step` -1) or Ctrl+Down (+1) moves the node at `path`, or None.

    Items step past the ends of their section into the neighbouring one (to its end when
    moving up, to its start when moving down), so keyboard users can regroup items too.
    """
    if not path:
        return None
    siblings = children(node_at(draft, path[:-1]))
    index = path[-1] + step
    if 0 <= index < len(siblings):
        return (*path[:-1], index)
    if len(path) != 2:
        return None
    section = path[0] + step
    if not 0 <= section < len(draft.sections):
        return None
    return (section, len(draft.sections[section].items) if step < 0 else 0)


EDITABLE_FIELDS: dict[type, frozenset[str]] = {
    RubricDraft: frozenset({"key", "name", "description"}),
    SectionDraft: frozenset({"key", "title", "guidance", "deferred", "in_overall"}),
    ItemDraft: frozenset(
        {
            "key",
            "prompt",
            "type",
            "points",
            "max",
            "critical",
            "allow_na",
            "guidance",
            "key_question",
        }
    ),
    OptionDraft: frozenset({"label", "points"}),
}


def set_field(draft: RubricDraft, path: NodePath, name: str, value: Any) -> Any:
    """Set one field of the node at `path`; returns the value it had."""
    node = node_at(draft, path)
    if name not in EDITABLE_FIELDS[type(node)]:
        raise ValueError(f"{type(node).__name__} has no editable field {name!r}")
    old = getattr(node, name)
    setattr(node, name, value)
    return old


def unique_key(prefix: str, taken: set[str] | list[str]) -> str:
    number = 1
    while f"{prefix}_{number}" in taken:
        number += 1
    return f"{prefix}_{number}"


def new_section(draft: RubricDraft) -> SectionDraft:
    return SectionDraft(key=unique_key("section", [s.key for s in draft.sections]))


def new_item(section: SectionDraft) -> ItemDraft:
    return ItemDraft(key=unique_key("item", [i.key for i in section.items]))


def clone(node: Node) -> Node:
    return copy.deepcopy(node)


def copy_key(key: str, taken: set[str]) -> str:
    """A free key for a copy of `key`: `key-copy`, then `key-copy-2`, ..."""
    candidate, number = f"{key}-copy", 1
    while candidate in taken:
        number += 1
        candidate = f"{key}-copy-{number}"
    return candidate


def duplicate(rubric: Rubric, taken: set[str]) -> RubricDraft:
    """A draft of a new rubric (version 1) with the content of `rubric` under a free key."""
    draft = from_rubric(rubric)
    draft.key = copy_key(rubric.key, taken)
    draft.name = f"{rubric.name} (copy)"
    draft.version = 1
    return draft


# --- saving -----------------------------------------------------------------------------------


def save_draft(db: Database, draft: RubricDraft, origin: RubricInfo | None) -> SaveResult:
    """Store the draft. `origin` is the stored version it was opened from (None for a new
    rubric or a duplicate, which must take a key no stored rubric has).

    A version that evaluations use stays as it is and the draft becomes the next version; a
    version no evaluation uses yet is changed in place. The decision is taken inside the
    saving transaction, so an evaluation started meanwhile is never re-pointed.
    """
    from shopper.services import rubrics

    if origin is None:
        taken = frozenset(r.key for r in rubrics.list_rubrics(db))
        return rubrics.save_rubric(db, to_rubric(_with_version(draft, 1), taken))
    if draft.key != origin.key:
        raise ValidationError(
            f"the key of {origin.key!r} cannot change; use Duplicate to copy it under a new key"
        )
    rubric = to_rubric(_with_version(draft, origin.version))
    return rubrics.save_rubric(db, rubric, edit_unused_in_place=True)


def _with_version(draft: RubricDraft, version: int) -> RubricDraft:
    if draft.version == version:
        return draft
    renumbered = copy.copy(draft)
    renumbered.version = version
    return renumbered


@dataclass(frozen=True)
class SavePlan:
    """What saving will do, said before the trainer saves."""

    version: int
    in_place: bool
    text: str


def save_plan(origin: RubricInfo | None, latest_version: int) -> SavePlan:
    """`origin`: the stored version being edited (None: a new rubric); `latest_version`:
    the highest version stored under its key."""
    if origin is None:
        return SavePlan(
            1,
            False,
            "New rubric: it is saved as version 1 under its key. Choose the key with care: "
            "evaluations and reports refer to it.",
        )
    if origin.frozen:
        count, new = origin.evaluation_count, latest_version + 1
        return SavePlan(
            new,
            False,
            f"Version {origin.version} of {origin.key} is used by {count} "
            f"evaluation{'s' * (count != 1)}, so it stays as it is: saving creates version "
            f"{new}, and those evaluations keep version {origin.version} and their scores.",
        )
    return SavePlan(
        origin.version,
        True,
        f"No evaluation uses version {origin.version} of {origin.key} yet: saving changes "
        "it in place.",
    )


def describe_save(result: SaveResult, origin: RubricInfo | None) -> str:
    """One sentence for the trainer about what saving did."""
    info = result.info
    label = f"{info.name} ({info.key} v{info.version})"
    if result.outcome == "unchanged":
        return f"No changes to save: {label} is as stored."
    if result.outcome == "updated":
        return f"Saved {label}; no evaluation used this version yet, so it was changed in place."
    if result.outcome == "new_version" and origin is not None:
        count = origin.evaluation_count
        used = f"{count} evaluation{'s' if count != 1 else ''}"
        return (
            f"Saved as version {info.version} of {info.key}. The {used} scored with "
            f"v{origin.version} keep that version and their scores."
        )
    return f"Saved {label}."
