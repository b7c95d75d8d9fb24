"""Reproducible, realistic demo data: properties, agents with believable skill, a year of shops.

The same seed and end date give the same data. Rows go in with bulk inserts so that the
benchmark scale (100,000 evaluations) takes a minute or so, not an hour.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shopper import scoring
from shopper.paths import DEFAULT_RUBRIC
from shopper.rubric import Item, Rubric, load_rubric_file
from shopper.scoring import AnswerValue
from shopper.services import rubrics
from shopper.services.evaluations import encode_value, key_question_columns, section_rows
from shopper.storage.db import Database
from shopper.storage.models import (
    Agent,
    Answer,
    Evaluation,
    Property,
    SectionScoreRow,
    table_of,
    utcnow,
)

# First and last names drawn from the same culture, so "Ελένη Παπαδοπούλου" rather than
# "Ελένη Smith"; a few names are written whole (family name first, or one given form).
NAME_POOLS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        ("Emily", "Marcus", "Hannah", "Daniel", "Grace", "Jamal", "Sam", "Olivia", "Tyler"),
        ("Johnson", "Smith", "Williams", "Brown", "Lee", "Carter", "Brontë", "O'Neill"),
    ),
    (
        ("José", "Mónica", "Raúl", "Inés", "Mateo", "Ana Sofía", "Tomás", "Begoña"),
        ("Núñez", "García", "Fernández", "Peña", "Ibáñez", "Muñoz", "Gutiérrez"),
    ),
    (
        ("François", "Chloé", "Maëlle", "Renée", "Camille", "Théo", "Anaïs"),
        ("Lefèvre", "Dubois", "Fontaine", "Bérubé", "Gagné", "Lemaître"),
    ),
    (
        ("Siobhán", "Aoife", "Seán", "Niamh", "Pádraig"),
        ("Ní Bhriain", "Ó Súilleabháin", "O'Connor", "Mac Giolla"),
    ),
    (
        ("Jürgen", "Zoë", "Jörg", "Lena", "Björn", "Søren", "Åsa"),
        ("Müller", "Schäfer", "Åström", "Jørgensen", "Øberg"),
    ),
    (
        ("Łukasz", "Agnieszka", "Paweł", "Małgorzata"),
        ("Wójcik", "Świątek", "Kowalski", "Żółkiewska"),
    ),
    (("Ayşe", "Mehmet", "Gülşen", "Çağrı"), ("Yılmaz", "Öztürk", "Şahin", "Çelik")),
    (("Thảo", "Minh", "Lan", "Quốc"), ("Nguyễn", "Trần", "Phạm", "Lê")),
    (("Αλέξανδρος", "Ελένη", "Νίκος", "Μαρία"), ("Παπαδόπουλος", "Γεωργίου", "Οικονόμου")),
    (("Дмитрий", "Анна", "Ольга", "Сергей"), ("Иванов", "Смирнова", "Кузнецов", "Попова")),
    (("Kwame", "Ngozi", "Olúwadámilọ́lá", "Chidi"), ("Mensah", "Okafor", "Adébáyọ̀", "Boateng")),
    (("Priya", "Arjun", "Kavya", "Rohan"), ("Raghunathan", "Iyer", "Chatterjee", "Patel")),
)
WHOLE_NAMES = (
    "王芳",
    "李娜",
    "张伟",
    "محمد الأحمد",
    "فاطمة الزهراء",
    "Nguyễn Thị Lan",
    "田中 美咲",
)
PLACE_WORDS = [
    "Maple",
    "Cedar",
    "Willow",
    "Harbor",
    "Juniper",
    "Aspen",
    "Magnolia",
    "Birch",
    "Riverside",
    "Lakeview",
    "Summit",
    "Orchard",
    "Sequoia",
    "Linden",
    "Alder",
    "Cypress",
    "Hawthorne",
    "Bellevue",
    "Café",
    "Montrose",
    "Sierra",
    "Coronado",
    "Peñasco",
    "Élan",
    "Solana",
]
PLACE_KINDS = [
    "Court",
    "Commons",
    "Lofts",
    "Flats",
    "Place",
    "Gardens",
    "Residences",
    "Terrace",
    "Crossing",
    "Station",
    "Heights",
    "Village",
    "Park",
    "Square",
    "Landing",
]
STREETS = ["Main St", "Oak Ave", "Elm St", "Pine Rd", "Lake Blvd", "Hill Dr", "Mission St"]
SHOPPERS = [
    "Sam Lee",
    "Ana Sofía Ruiz",
    "Chris Walker",
    "Mireille Gagné",
    "Tomás Ó Briain",
    "Jordan Kim",
    "Léa Martin",
    "Ravi Patel",
    "Noor Haddad",
    "Eli Novak",
    "Dana Petrov",
    "Kai Nakamura",
]
NEGATIVE_COMMENTS = [
    "Agent did not do this; I had to bring it up myself.",
    "Missed entirely. A quick question here would have helped.",
    "Only touched on it briefly & moved on when I hesitated.",
    "Not offered, even though there was a natural moment for it.",
    'Said they\'d "get back to me" about it <no follow-through>.',
]
POSITIVE_COMMENTS = [
    "Natural and warm; felt like talking to a neighbour.",
    "Very well done, tied it to what I had said earlier.",
    "Confident and specific, no hesitation.",
]
NARRATIVE = {
    "overall_impression": [
        "A friendly, organised visit. The agent clearly knew the community.",
        "Pleasant but passive: I had to drive most of the conversation.",
        "Professional from start to finish; I would consider leasing here.",
        "Rushed. The agent seemed distracted by the phone at the desk.",
    ],
    "strongest_moments": [
        "The tour route ended on the rooftop terrace, which made a strong last impression.",
        "Remembered my dog's name when we passed the pet spa.",
        "Compared utility costs with the building across the street, with real numbers.",
    ],
    "coaching_points": [
        "Ask for the application directly; the moment was there twice.",
        "Slow down the needs assessment and let the prospect talk.",
        "Follow up within a day and mention something personal from the visit.",
    ],
}


@dataclass(frozen=True)
class DemoSummary:
    properties: int
    agents: int
    evaluations: int
    answers: int


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _person(rng: random.Random) -> str:
    if rng.random() < 0.06:
        return rng.choice(WHOLE_NAMES)
    first_names, last_names = rng.choice(NAME_POOLS)
    return f"{rng.choice(first_names)} {rng.choice(last_names)}"


def _answer(rng: random.Random, item: Item, skill: float, path: str) -> AnswerValue:
    """A believable answer from an agent whose chance of doing things right is `skill`."""
    if item.type == "text":
        options = NARRATIVE.get(item.key)
        return rng.choice(options) if options else None
    if item.allow_na and rng.random() < 0.05:
        return scoring.NA
    if item.critical:
        return "no" if rng.random() < 0.012 else "yes"
    if item.type == "yes_no":
        return "yes" if rng.random() < skill else "no"
    if item.type == "scale":
        centre = 1 + skill * (item.max - 1)
        return max(1, min(item.max, round(rng.gauss(centre, 0.8))))
    ranked = sorted(item.options, key=lambda o: o.points, reverse=True)
    position = min(len(ranked) - 1, int(abs(rng.gauss(0, (1.05 - skill) * len(ranked)))))
    return ranked[position].label


def _comment(rng: random.Random, item: Item, value: AnswerValue) -> str | None:
    if item.type == "text":
        return None
    low = (
        value == "no"
        or value == 1
        or (
            item.type == "choice"
            and value != scoring.NA
            and item.option(str(value)) is not None
            and item.option(str(value)).points == 0  # type: ignore[union-attr]
        )
    )
    if low and rng.random() < 0.6:
        return rng.choice(NEGATIVE_COMMENTS)
    if rng.random() < 0.04:
        return rng.choice(POSITIVE_COMMENTS)
    return None


def generate(
    db: Database,
    *,
    properties: int = 8,
    agents: int = 40,
    evaluations: int = 500,
    seed: int = 1,
    end_date: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch: int = 2000,
) -> DemoSummary:
    """Add demo data to `db` (alongside whatever is there) and return what was added."""
    rng = random.Random(seed)
    # The bundled default rubric (already stored: unchanged, so its id is reused).
    info = rubrics.save_rubric(db, load_rubric_file(DEFAULT_RUBRIC)).info
    rubric = rubrics.get_rubric(db, info.id)
    end = end_date or dt.date.today()
    now = utcnow()
    properties = max(1, properties)
    agents = max(properties, agents)

    property_rows = _properties(rng, properties, now)
    agent_rows, skills = _agents(rng, agents, property_rows, now)
    with db.write() as session:
        session.execute(table_of(Property).insert(), property_rows)
        session.execute(table_of(Agent).insert(), agent_rows)

    answers_total = 0
    for start in range(0, evaluations, batch):
        n = min(batch, evaluations - start)
        ev_rows, answer_rows, score_rows = _evaluations(
            rng, n, rubric, info.id, agent_rows, skills, end, now
        )
        answers_total += len(answer_rows)
        with db.write() as session:
            session.execute(table_of(Evaluation).insert(), ev_rows)
            session.execute(table_of(Answer).insert(), answer_rows)
            session.execute(table_of(SectionScoreRow).insert(), score_rows)
        if progress is not None:
            progress(start + n, evaluations)
    return DemoSummary(len(property_rows), len(agent_rows), evaluations, answers_total)


def _properties(rng: random.Random, count: int, now: dt.datetime) -> list[dict[str, Any]]:
    names: set[str] = set()
    rows: list[dict[str, Any]] = []
    while len(rows) < count:
        name = f"{rng.choice(PLACE_WORDS)} {rng.choice(PLACE_KINDS)}"
        if name in names:
            name = f"{name} {len(rows) + 1}"
        names.add(name)
        address = f"{rng.randint(10, 9999)} {rng.choice(STREETS)}"
        rows.append(
            {
                "id": _uuid(rng),
                "name": name,
                "address": address,
                "created_at": now,
                "updated_at": now,
            }
        )
    return rows


def _agents(
    rng: random.Random, count: int, props: list[dict[str, Any]], now: dt.datetime
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    rows: list[dict[str, Any]] = []
    skills: dict[str, float] = {}
    taken: set[tuple[str, str]] = set()
    for index in range(count):
        prop = props[index % len(props)]
        name = _person(rng)
        while (prop["id"], name) in taken:
            name = _person(rng)
        taken.add((prop["id"], name))
        agent_id = _uuid(rng)
        skills[agent_id] = min(0.97, max(0.35, rng.gauss(0.74, 0.13)))
        rows.append(
            {
                "id": agent_id,
                "name": name,
                "property_id": prop["id"],
                "active": rng.random() > 0.05,
                "created_at": now,
                "updated_at": now,
            }
        )
    return rows, skills


def _evaluations(
    rng: random.Random,
    count: int,
    rubric: Rubric,
    rubric_id: int,
    agent_rows: list[dict[str, Any]],
    skills: dict[str, float],
    end: dt.date,
    now: dt.datetime,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    ev_rows: list[dict[str, Any]] = []
    answer_rows: list[dict[str, Any]] = []
    score_rows: list[dict[str, Any]] = []
    channels = ["in_person"] * 6 + ["phone", "phone", "web", "email", "video"]
    for _ in range(count):
        agent = rng.choice(agent_rows)
        days_ago = rng.randint(0, 364)
        visited_on = end - dt.timedelta(days=days_ago)
        status = "submitted"
        roll = rng.random()
        if days_ago < 10 and roll < 0.5:
            status = "awaiting_follow_up"
        elif roll < 0.06:
            status = "draft"
        skill = skills[agent["id"]]
        # Skill drifts upward over the year for some agents, as coaching lands.
        skill = min(0.98, skill + (0.08 * (364 - days_ago) / 364 if skill < 0.7 else 0))
        evaluation_id = _uuid(rng)
        values: dict[str, AnswerValue] = {}
        stop_at = rng.randint(5, 30) if status == "draft" else None
        for index, (path, section, item) in enumerate(rubric.items()):
            if stop_at is not None and index >= stop_at:
                break
            if section.deferred and status == "awaiting_follow_up":
                continue
            value = _answer(rng, item, skill, path)
            if value is None:
                continue
            values[path] = value
            answer_rows.append(
                {
                    "evaluation_id": evaluation_id,
                    "item_path": path,
                    "value": encode_value(value),
                    "comment": _comment(rng, item, value),
                }
            )
        result = scoring.score(rubric, values)
        kq_exact, kq_pct = key_question_columns(rubric, values)
        ev_rows.append(
            {
                "id": evaluation_id,
                "rubric_id": rubric_id,
                "property_id": agent["property_id"],
                "agent_id": agent["id"],
                "shopper": rng.choice(SHOPPERS),
                "visited_on": visited_on,
                "visited_time": dt.time(rng.randint(9, 17), rng.choice((0, 15, 30, 45))),
                "channel": rng.choice(channels),
                "status": status,
                "notes": None,
                "follow_up_due": (
                    visited_on + dt.timedelta(days=3) if status == "awaiting_follow_up" else None
                ),
                "created_at": now,
                "updated_at": now,
                # The review queue orders by first submission (oldest first).
                "first_submitted_at": (
                    dt.datetime.combine(visited_on, dt.time(18)) if status == "submitted" else None
                ),
                "row_version": 1,
                "overall_pct": None if result.overall is None else float(result.overall),
                "overall_exact": scoring.fraction_text(result.overall),
                "critical_failure": result.critical_failure,
                "answered_count": result.answered,
                "total_count": result.total,
                "key_question_exact": kq_exact,
                "key_question_pct": kq_pct,
            }
        )
        score_rows.extend(section_rows(evaluation_id, result))
    return ev_rows, answer_rows, score_rows
