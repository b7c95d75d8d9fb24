"""A small, fully known database for report tests: names in many scripts, shops on both
rubric versions, drafts and out-of-period shops that must not count, a critical failure,
comments with markup characters, and one 5,000-character comment."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from shopper.rubric import Item, Rubric
from shopper.scoring import AnswerValue
from shopper.services import agents, evaluations, properties, rubrics
from shopper.services.evaluations import AnswerData
from shopper.storage.db import Database

NAMES = {
    "latin": "José Núñez-O'Brien",
    "vietnamese": "Nguyễn Thị Lan",
    "greek": "Αλέξανδρος Παπαδόπουλος",
    "cyrillic": "Дмитрий Иванов",
    "chinese": "王芳",
    "arabic": "محمد الأحمد",
}
PROPERTY = "Café Élan & <Lofts>"
OTHER_PROPERTY = "Maple Court"
LONG_COMMENT = " ".join(f"word{i:04d}" for i in range(1, 600))[:5000]
MARKUP_COMMENT = 'Said "call me" & <left> at 5 > 4 — no follow-up.'
START, END = dt.date(2026, 3, 1), dt.date(2026, 3, 31)
BIDI_CONTROLS = dict.fromkeys(
    [0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069]
)


def pdftotext(path: Path, *args: str) -> str:
    """Text of a PDF as a reader would copy it: NFKC (Arabic presentation forms back to
    letters), without the bidi marks poppler adds."""
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *args, str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return unicodedata.normalize("NFKC", out).translate(BIDI_CONTROLS)


def squash(text: str) -> str:
    return "".join(text.split())


def long_comment_is_whole(text: str) -> bool:
    """Every word of LONG_COMMENT, in order, none missing (page headers and footers may come
    between the two halves of a comment split across pages)."""
    import re

    found = re.findall(r"word\d+", text)
    expected = LONG_COMMENT.split()
    start = found.index(expected[0]) if expected[0] in found else -1
    return start >= 0 and found[start : start + len(expected)] == expected


def answers_for(
    rubric: Rubric, *, miss: tuple[str, ...] = (), rating: int = 4, **values: AnswerValue
) -> dict[str, AnswerData]:
    """Every item answered well, except the paths in `miss` (worst answer) and `values`."""
    out: dict[str, AnswerData] = {}
    for path, _section, item in rubric.items():
        value = _good(item, rating) if path not in miss else _bad(item)
        key = path.replace(".", "__")
        if key in values:
            value = values[key]
        out[path] = AnswerData(value)
    return out


def _good(item: Item, rating: int) -> AnswerValue:
    if item.type == "yes_no":
        return "yes"
    if item.type == "scale":
        return min(rating, item.max)
    if item.type == "choice":
        return max(item.options, key=lambda o: o.points).label
    return "Friendly visit."


def _bad(item: Item) -> AnswerValue:
    if item.type == "yes_no":
        return "no"
    if item.type == "scale":
        return 1
    if item.type == "choice":
        return min(item.options, key=lambda o: o.points).label
    return ""


@dataclass
class World:
    db: Database
    v1: Rubric
    v2: Rubric
    v1_id: int
    v2_id: int
    property_id: str
    other_property_id: str
    agent_ids: dict[str, str]
    idle_agent_id: str
    evaluation_ids: dict[str, list[str]] = field(default_factory=dict)

    def shop(
        self,
        agent: str,
        day: dt.date,
        answers: dict[str, AnswerData],
        *,
        version: int = 1,
        status: Any = "submitted",
        shopper: str = "Sam Lee",
        comments: dict[str, str] | None = None,
        notes: str | None = None,
    ) -> str:
        for path, comment in (comments or {}).items():
            answers[path] = dataclasses.replace(answers[path], comment=comment)
        if status == "awaiting_follow_up":
            rubric = self.v1 if version == 1 else self.v2
            for path, section, _item in rubric.items():
                if section.deferred:
                    answers.pop(path, None)
        created = evaluations.create(
            self.db,
            rubric_id=self.v1_id if version == 1 else self.v2_id,
            agent_id=self.agent_ids.get(agent, agent),
            visited_on=day,
            shopper=shopper,
            answers=answers,
            status=status,
            notes=notes,
        )
        self.evaluation_ids.setdefault(agent, []).append(created.id)
        return created.id


def _second_version(v1: Rubric) -> Rubric:
    """Version 2: the greeting section renamed and one greeting item worth more."""
    sections = []
    for section in v1.sections:
        if section.key == "greeting":
            items = tuple(
                dataclasses.replace(i, points=i.points * 2) if i.key == "greeted_promptly" else i
                for i in section.items
            )
            section = dataclasses.replace(section, title="Welcome", items=items)
        sections.append(section)
    return Rubric(v1.key, v1.name, 2, tuple(sections), v1.description)


@pytest.fixture
def world(db: Database) -> World:
    info = rubrics.default_rubric(db)
    assert info is not None
    v1 = rubrics.get_rubric(db, info.id)
    saved = rubrics.save_rubric(db, _second_version(v1))
    prop = properties.create_property(db, PROPERTY)
    other = properties.create_property(db, OTHER_PROPERTY)
    agent_ids = {
        script: agents.create_agent(db, name, prop.id).id for script, name in NAMES.items()
    }
    agent_ids["other"] = agents.create_agent(db, "Grace Rossi", other.id).id
    idle = agents.create_agent(db, "Idle Agent", prop.id).id
    w = World(
        db,
        v1,
        rubrics.get_rubric(db, saved.info.id),
        info.id,
        saved.info.id,
        prop.id,
        other.id,
        agent_ids,
        idle,
    )
    _populate(w)
    return w


def _populate(w: World) -> None:
    v1, v2 = w.v1, w.v2
    latin = "latin"
    w.shop(
        latin,
        START,
        answers_for(v1, miss=("needs.pets", "closing.handed_over_materials")),
        shopper=NAMES["arabic"],
        comments={"needs.pets": MARKUP_COMMENT, "closing.handed_over_materials": LONG_COMMENT},
        notes="Visit went well overall.",
    )
    w.shop(
        latin,
        dt.date(2026, 3, 15),
        answers_for(v2, miss=("needs.pets",), rating=5),
        version=2,
        shopper=NAMES["chinese"],
        comments={"needs.pets": "Never asked about my cat."},
    )
    w.shop(
        latin,
        END,
        answers_for(v1, fair_housing__no_steering="no", rating=3),
        shopper=NAMES["greek"],
        comments={"fair_housing.no_steering": "Steered me away from the ground floor."},
    )
    # Not counted: outside the period, a draft, awaiting follow-up.
    w.shop(latin, dt.date(2026, 2, 28), answers_for(v1, miss=("greeting.greeted_promptly",)))
    w.shop(latin, dt.date(2026, 4, 1), answers_for(v1, miss=("greeting.greeted_promptly",)))
    w.shop(latin, dt.date(2026, 3, 10), {}, status="draft")
    w.shop(latin, dt.date(2026, 3, 11), answers_for(v1), status="awaiting_follow_up")
    for script in ("vietnamese", "greek", "cyrillic", "chinese", "arabic"):
        w.shop(
            script,
            dt.date(2026, 3, 5),
            answers_for(v1, miss=("knowledge.accurate_pricing_and_fees",)),
            shopper=NAMES["cyrillic"],
        )
    w.shop("other", dt.date(2026, 3, 20), answers_for(v1, miss=("tour.planned_route",), rating=2))
    w.shop("other", dt.date(2026, 3, 21), answers_for(v2, rating=5), version=2)


@pytest.fixture(scope="session")
def poppler() -> None:
    for tool in ("pdftotext", "pdffonts", "pdfinfo"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} (poppler-utils) is needed to read the PDFs back")


COMMENTS = {
    "latin": "Très bien accueilli, mais l'agent n'a pas parlé des frais ni du parking.",
    "vietnamese": "Nhân viên rất thân thiện nhưng không hỏi về thú cưng của tôi.",
    "greek": "Ο υπάλληλος δεν ρώτησε για τα κατοικίδια ούτε για την ημερομηνία.",
    "cyrillic": "Сотрудник не спросил о домашних животных и дате переезда.",
    "chinese": "员工没有询问我的宠物，也没有介绍费用和停车位。",
    "arabic": "لم يسأل الموظف عن الحيوانات الأليفة ولم يشرح الرسوم أو موقف السيارات.",
}
"""One comment per script, each given both on a missed item (upright on the scorecard) and
on a critical failure (italic on the scorecard and in the shop report)."""


@pytest.fixture
def drawn_glyphs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every (font, character) drawn with a TrueType font that has no glyph for it (it would
    print as the .notdef box), recorded where ReportLab maps text to a font's subsets."""
    from reportlab.pdfbase.ttfonts import TTFont

    missing: list[tuple[str, str]] = []
    original = TTFont.splitString

    def split(self: TTFont, text: str, doc: Any, encoding: str = "utf-8") -> Any:
        if isinstance(text, bytes):
            text = text.decode(encoding)
        glyphs = self.face.charToGlyph
        missing.extend((self.fontName, ch) for ch in text if ord(ch) not in glyphs)
        return original(self, text, doc, encoding)

    monkeypatch.setattr(TTFont, "splitString", split)
    return missing
