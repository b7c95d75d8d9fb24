"""Merging a validated package into the database, inside the caller's transaction.

Ids in the file are mapped to local ids: a property (or an agent) that matches a local one
by name takes the local id, so two shoppers' packages that name the same agent end with one
agent. An import never renames or deletes anything already in the database.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from shopper import names
from shopper.domain import SUBMITTED_OR_LATER
from shopper.errors import ConflictError
from shopper.exchange.bulk import insert_rows, insert_tuples
from shopper.exchange.common import ImportSummary
from shopper.exchange.evaluation_check import (
    DisputeRecord,
    EvaluationChecker,
    ParsedEvaluation,
)
from shopper.exchange.package_validation import DatabaseFacts, PackageHeader
from shopper.exchange.scoring_pool import SECTION_COLUMNS, Scored
from shopper.rubric import rubric_from_stored, stored_content
from shopper.services.agents import name_key
from shopper.services.evaluations import (
    apply_scores,
    decode_value,
    encode_value,
    replace_section_scores,
)
from shopper.services.history import encode as encode_json
from shopper.services.properties import normalize_name
from shopper.storage.models import (
    Agent,
    Answer,
    CalibrationRater,
    CalibrationSession,
    Dispute,
    DisputeItem,
    Evaluation,
    EvaluationEvent,
    HistoryEvent,
    Person,
    Property,
    RubricVersion,
    SectionScoreRow,
    table_of,
    utcnow,
)

_encode = functools.lru_cache(maxsize=4096)(encode_value)
"""Most answers are one of a few values ("yes", 4, an option label): encode each once."""


@dataclass
class Prepared:
    """A batch's evaluations to add and to update, before they are scored and written."""

    added: list[ParsedEvaluation] = field(default_factory=list)
    updated: list[ParsedEvaluation] = field(default_factory=list)
    kept: list[ParsedEvaluation] = field(default_factory=list)
    """Evaluations whose own fields stay (the database's are as new), whose history events
    and disputes are still merged (the union of both sides)."""

    def evaluations(self) -> list[ParsedEvaluation]:
        return [*self.added, *self.updated]


ANSWER_COLUMNS = ("evaluation_id", "item_path", "value", "comment")

KeyedEvaluation = tuple[int, Any, str, dt.datetime]
"""(index in the file, parsed JSON, id, updated_at)."""

_UPDATED_COLUMNS = (
    "rubric_id",
    "property_id",
    "agent_id",
    "shopper",
    "visited_on",
    "visited_time",
    "channel",
    "status",
    "notes",
    "follow_up_due",
    "updated_at",
    "released_at",
    "excluded_at",
    "excluded_by_id",
    "excluded_by",
    "excluded_reason",
    "shopper_id",
    "purpose",
    "session_id",
    "overall_pct",
    "overall_exact",
    "critical_failure",
    "answered_count",
    "total_count",
    "key_question_exact",
    "key_question_pct",
)


class Merger:
    def __init__(
        self,
        session: Session,
        header: PackageHeader,
        facts: DatabaseFacts,
        path: Path,
        follow_up_days: int,
    ) -> None:
        self.session = session
        self.header = header
        self.facts = facts
        self.summary = ImportSummary(path)
        self.follow_up_days = follow_up_days
        self.rubric_ids: dict[tuple[str, int], int] = {
            ident: stored.id for ident, stored in facts.rubrics.items()
        }
        self.property_map: dict[str, str] = {}
        self.agent_map: dict[str, str] = {}
        self.person_map: dict[str, str] = {}
        self.now = utcnow()

    # -- the small parts ---------------------------------------------------------------

    def merge_header(self) -> None:
        self._merge_rubrics()
        self._merge_properties()
        self._merge_agents()
        self._merge_people()
        self._merge_sessions()

    def _merge_sessions(self) -> None:
        """Calibration sessions by id: the raters are the union of both sides; the fields
        (and the reference) of the later `updated_at`, and a reference once set is kept."""
        if not self.header.calibration_sessions:
            return
        local = {s.id: s for s in self.session.scalars(select(CalibrationSession))}
        people = set(self.session.scalars(select(Person.id)))
        agents = set(self.session.scalars(select(Agent.id)))
        for record in self.header.calibration_sessions:
            rubric_id = self.rubric_ids[record.rubric]
            agent_id = self.agent_map.get(record.agent_id or "", record.agent_id)
            row = local.get(record.id)
            if row is None:
                row = CalibrationSession(
                    id=record.id,
                    title=record.title,
                    rubric_id=rubric_id,
                    recording=record.recording,
                    notes=record.notes,
                    agent_id=agent_id if agent_id in agents else None,
                    reference_evaluation_id=record.reference_evaluation_id,
                    created_at=record.created_at or self.now,
                    updated_at=record.updated_at or self.now,
                )
                self.session.add(row)
            elif row.rubric_id != rubric_id:
                raise ConflictError(
                    f'calibration session "{record.title}" is on another rubric version in '
                    "this database; nothing was imported"
                )
            elif record.updated_at is not None and record.updated_at > row.updated_at:
                row.title, row.recording, row.notes = record.title, record.recording, record.notes
                if agent_id in agents:
                    row.agent_id = agent_id
                row.reference_evaluation_id = (
                    record.reference_evaluation_id or row.reference_evaluation_id
                )
                row.updated_at = record.updated_at
            elif row.reference_evaluation_id is None and record.reference_evaluation_id:
                row.reference_evaluation_id = record.reference_evaluation_id
            self.session.flush()
            invited = set(
                self.session.scalars(
                    select(CalibrationRater.person_id).where(
                        CalibrationRater.session_id == record.id
                    )
                )
            )
            for person_id in record.raters:
                mapped = self._person(person_id)
                if mapped in people and mapped not in invited:
                    self.session.add(CalibrationRater(session_id=record.id, person_id=mapped))
                    invited.add(mapped)
        self.session.flush()

    def _merge_people(self) -> None:
        """People by id, else by name (one rule with the app: `agents.name_key`)."""
        local = {p.id: p for p in self.session.scalars(select(Person))}
        by_name: dict[str, str] = {}
        for person in sorted(local.values(), key=lambda p: (p.created_at, p.id)):
            by_name.setdefault(name_key(person.name), person.id)
        new_rows: list[dict[str, Any]] = []
        for record in self.header.people:
            match_id = record.id if record.id in local else by_name.get(name_key(record.name))
            if match_id is not None:
                self.person_map[record.id] = match_id
                existing = local.get(match_id)
                if existing is not None and set(record.roles) - set(existing.roles.split(",")):
                    have = {r for r in existing.roles.split(",") if r}
                    existing.roles = ",".join(
                        r
                        for r in ("shopper", "reviewer", "trainer", "admin")
                        if r in have | set(record.roles)
                    )
                    existing.updated_at = self.now
                continue
            new_rows.append(
                {
                    "id": record.id,
                    "name": record.name,
                    "roles": ",".join(record.roles),
                    "created_at": self.now,
                    "updated_at": self.now,
                }
            )
            by_name[name_key(record.name)] = record.id
            self.person_map[record.id] = record.id
        if new_rows:
            self.session.execute(table_of(Person).insert(), new_rows)

    def _person(self, person_id: str | None) -> str | None:
        return None if person_id is None else self.person_map.get(person_id, person_id)

    def _merge_rubrics(self) -> None:
        counts = self.summary.counts["rubrics"]
        for ident, rubric in self.header.rubrics.items():
            stored = self.facts.rubrics.get(ident)
            if stored is not None:
                if stored.content_hash != rubric.content_hash() or stored.name != rubric.name:
                    raise ConflictError(  # checked already; guards a change since then
                        f'rubric "{rubric.key}" version {rubric.version} conflicts with the '
                        "one in this database; nothing was imported"
                    )
                counts.unchanged += 1
                continue
            row = RubricVersion(
                key=rubric.key,
                version=rubric.version,
                name=rubric.name,
                content=stored_content(rubric),
                content_hash=rubric.content_hash(),
                created_at=self.now,
            )
            self.session.add(row)
            self.session.flush()
            self.rubric_ids[ident] = row.id
            counts.added += 1

    def _merge_properties(self) -> None:
        counts = self.summary.counts["properties"]
        local = {p.id: p for p in self.session.scalars(select(Property))}
        by_name: dict[str, str] = {}
        for prop in sorted(local.values(), key=lambda p: (p.created_at, p.id)):
            by_name.setdefault(normalize_name(prop.name), prop.id)
        new_rows: list[dict[str, Any]] = []
        for record in self.header.properties:
            match_id = record.id if record.id in local else by_name.get(normalize_name(record.name))
            if match_id is None:
                new_rows.append(
                    {
                        "id": record.id,
                        "name": record.name,
                        "address": record.address,
                        "created_at": self.now,
                        "updated_at": self.now,
                    }
                )
                by_name[normalize_name(record.name)] = record.id
                self.property_map[record.id] = record.id
                counts.added += 1
                continue
            self.property_map[record.id] = match_id
            existing = local.get(match_id)
            if existing is not None and record.address and not existing.address:
                existing.address = record.address
                existing.updated_at = self.now
                counts.updated += 1
            else:
                counts.unchanged += 1
        if new_rows:
            self.session.execute(table_of(Property).insert(), new_rows)
        self.session.flush()

    def _merge_agents(self) -> None:
        counts = self.summary.counts["agents"]
        local = {a.id: a for a in self.session.scalars(select(Agent))}
        by_name: dict[tuple[str, str], str] = {}
        for agent in sorted(local.values(), key=lambda a: (a.created_at, a.id)):
            by_name.setdefault((agent.property_id, name_key(agent.name)), agent.id)
        new_rows: list[dict[str, Any]] = []
        for record in self.header.agents:
            property_id = self.property_map.get(record.property_id, record.property_id)
            key = (property_id, name_key(record.name))
            match_id = record.id if record.id in local else by_name.get(key)
            if match_id is not None:
                self.agent_map[record.id] = match_id
                counts.unchanged += 1
                continue
            new_rows.append(
                {
                    "id": record.id,
                    "name": names.clean_name(record.name, "agent name"),
                    "property_id": property_id,
                    "active": record.active,
                    "created_at": self.now,
                    "updated_at": self.now,
                }
            )
            by_name[key] = record.id
            self.agent_map[record.id] = record.id
            counts.added += 1
        if new_rows:
            self.session.execute(table_of(Agent).insert(), new_rows)

    # -- evaluations -------------------------------------------------------------------

    def prepare(self, batch: list[KeyedEvaluation], checker: EvaluationChecker) -> Prepared:
        """Which evaluations of `batch` to add, which to update (a later `updated_at`), and
        which to leave; counted in the summary."""
        counts = self.summary.counts["evaluations"]
        ids = sorted(evaluation_id for _, _, evaluation_id, _ in batch)
        query = select(Evaluation.id, Evaluation.updated_at).where(Evaluation.id.in_(ids))
        if self.session.get_bind().dialect.name == "postgresql":
            # The rows are locked before their updated_at is compared, in id order, so a
            # save running meanwhile waits, or is seen, and is never overwritten.
            query = query.order_by(Evaluation.id).with_for_update()
        stored = dict(self.session.execute(query).all())
        prepared = Prepared()
        for index, raw, evaluation_id, stamp in batch:
            local_stamp = stored.get(evaluation_id)
            if local_stamp is not None and stamp <= local_stamp:
                counts.unchanged += 1
                if _carries_history(raw):
                    prepared.kept.append(checker.convert(raw, index))
                continue
            parsed = checker.convert(raw, index)
            (prepared.added if local_stamp is None else prepared.updated).append(parsed)
        counts.added += len(prepared.added)
        counts.updated += len(prepared.updated)
        return prepared

    def write(self, prepared: Prepared, scored: list[Scored]) -> None:
        """Store the prepared evaluations with their scores (in `added + updated` order)."""
        added = len(prepared.added)
        if prepared.added:
            self._insert(prepared.added, scored[:added])
        if prepared.updated:
            self._update(prepared.updated, scored[added:])
        everyone = [*prepared.added, *prepared.updated, *prepared.kept]
        if any(e.events or e.disputes for e in everyone):
            grew = self._merge_history(everyone) | self._merge_disputes(everyone)
            grew |= self._apply_resolutions([e.id for e in everyone if e.disputes])
            moved = sum(1 for e in prepared.kept if e.id in grew)
            counts = self.summary.counts["evaluations"]
            counts.unchanged -= moved
            counts.updated += moved

    def _row(self, evaluation: ParsedEvaluation, scores: dict[str, Any]) -> dict[str, Any]:
        excluded = evaluation.excluded
        due = evaluation.follow_up_due
        if due is None and evaluation.status == "awaiting_follow_up":
            due = evaluation.visited_on + dt.timedelta(days=self.follow_up_days)
        return {
            "id": evaluation.id,
            "rubric_id": self.rubric_ids[(evaluation.rubric.key, evaluation.rubric.version)],
            "property_id": self.property_map.get(evaluation.property_id, evaluation.property_id),
            "agent_id": self.agent_map.get(evaluation.agent_id, evaluation.agent_id),
            "shopper": evaluation.shopper,
            "visited_on": evaluation.visited_on,
            "visited_time": evaluation.visited_time,
            "channel": evaluation.channel,
            "status": evaluation.status,
            "notes": evaluation.notes,
            "follow_up_due": due,
            "updated_at": evaluation.updated_at,
            "released_at": evaluation.released_at,
            "excluded_at": excluded.at if excluded else None,
            "excluded_by_id": self._person(excluded.by_id) if excluded else None,
            "excluded_by": excluded.by if excluded else None,
            "excluded_reason": excluded.reason if excluded else None,
            "shopper_id": self._person(evaluation.shopper_id),
            "purpose": evaluation.purpose,
            "session_id": evaluation.session_id,
            "first_submitted_at": _first_submitted(evaluation),
            **scores,
        }

    @staticmethod
    def _answer_rows(evaluation: ParsedEvaluation) -> list[tuple[Any, ...]]:
        """`ANSWER_COLUMNS` tuples; an unanswered item without a comment is not stored."""
        evaluation_id = evaluation.id
        return [
            (evaluation_id, path, _encode(value), comment)
            for path, (value, comment) in evaluation.answers.items()
            if value is not None or comment
        ]

    def _insert(self, evaluations: list[ParsedEvaluation], scored: list[Scored]) -> None:
        rows: list[dict[str, Any]] = []
        answers: list[tuple[Any, ...]] = []
        sections: list[tuple[Any, ...]] = []
        events: list[dict[str, Any]] = []
        for evaluation, (scores, section_scores) in zip(evaluations, scored, strict=True):
            row = self._row(evaluation, scores)
            row["created_at"] = evaluation.created_at or evaluation.updated_at
            row["row_version"] = 1
            rows.append(row)
            sections.extend(section_scores)
            answers.extend(self._answer_rows(evaluation))
            events.extend(_event_rows(evaluation, set()))
        insert_rows(self.session, table_of(Evaluation), rows)
        self._insert_children(answers, sections, events)

    def _update(self, evaluations: list[ParsedEvaluation], scored: list[Scored]) -> None:
        ids = [e.id for e in evaluations]
        rows: list[dict[str, Any]] = []
        answers: list[tuple[Any, ...]] = []
        sections: list[tuple[Any, ...]] = []
        for evaluation, (scores, section_scores) in zip(evaluations, scored, strict=True):
            row = self._row(evaluation, scores)
            rows.append({f"b_{k}": v for k, v in row.items()})
            sections.extend(section_scores)
            answers.extend(self._answer_rows(evaluation))
        table = table_of(Evaluation)
        statement = (
            table.update()
            .where(table.c.id == bindparam("b_id"))
            .values(
                {
                    **{column: bindparam(f"b_{column}") for column in _UPDATED_COLUMNS},
                    "first_submitted_at": func.coalesce(
                        table.c.first_submitted_at, bindparam("b_first_submitted_at")
                    ),
                    "row_version": table.c.row_version + 1,
                }
            )
        )
        self.session.execute(statement, rows)
        known: dict[str, set[tuple[Any, ...]]] = {i: set() for i in ids}
        for event in self.session.scalars(
            select(EvaluationEvent).where(EvaluationEvent.evaluation_id.in_(ids))
        ):
            known[event.evaluation_id].add((event.at, event.kind, event.actor or "", event.detail))
        events = [row for e in evaluations for row in _event_rows(e, known[e.id])]
        answer_table, section_table = table_of(Answer), table_of(SectionScoreRow)
        self.session.execute(answer_table.delete().where(answer_table.c.evaluation_id.in_(ids)))
        self.session.execute(section_table.delete().where(section_table.c.evaluation_id.in_(ids)))
        self._insert_children(answers, sections, events)

    def _merge_history(self, evaluations: list[ParsedEvaluation]) -> set[str]:
        """Add the file's history events the database does not have (by id); returns the
        ids of the evaluations that got any. Events are only ever added."""
        table = table_of(HistoryEvent)
        ids = [e.id for e in evaluations if e.events]
        known: set[str] = set()
        for start in range(0, len(ids), 500):
            known.update(
                self.session.scalars(
                    select(table.c.id).where(table.c.evaluation_id.in_(ids[start : start + 500]))
                )
            )
        rows: list[dict[str, Any]] = []
        grew: set[str] = set()
        for evaluation in evaluations:
            for event in evaluation.events:
                if event.id in known:
                    continue
                known.add(event.id)
                grew.add(evaluation.id)
                rows.append(
                    {
                        "id": event.id,
                        "evaluation_id": evaluation.id,
                        "at": event.at,
                        "by_id": self._person(event.by_id),
                        "by_name": event.by,
                        "action": event.action,
                        "field": event.field,
                        "from_value": encode_json(event.from_value),
                        "to_value": encode_json(event.to_value),
                        "reason": event.reason,
                    }
                )
        insert_rows(self.session, table, rows)
        return grew

    def _merge_disputes(self, evaluations: list[ParsedEvaluation]) -> set[str]:
        """Disputes by id: new ones added; a known one takes the file's state when the file's
        was resolved later. Returns the ids of the evaluations whose disputes changed."""
        wanted = [d.id for e in evaluations for d in e.disputes]
        if not wanted:
            return set()
        local = {
            d.id: d for d in self.session.scalars(select(Dispute).where(Dispute.id.in_(wanted)))
        }
        heads: list[dict[str, Any]] = []
        items: list[dict[str, Any]] = []
        grew: set[str] = set()
        item_table = table_of(DisputeItem)
        for evaluation in evaluations:
            for dispute in evaluation.disputes:
                head, rows = _dispute_rows(evaluation.id, dispute, self._person)
                stored = local.get(dispute.id)
                if stored is None:
                    heads.append(head)
                    items.extend(rows)
                    grew.add(evaluation.id)
                    continue
                if dispute.resolved_until <= stored.updated_at:
                    continue
                stored.closed_at = dispute.closed_at
                stored.updated_at = dispute.resolved_until
                self.session.execute(
                    item_table.delete().where(item_table.c.dispute_id == dispute.id)
                )
                items.extend(rows)
                grew.add(evaluation.id)
        self.session.flush()
        insert_rows(self.session, table_of(Dispute), heads)
        insert_rows(self.session, item_table, items)
        return grew

    def _apply_resolutions(self, evaluation_ids: list[str]) -> set[str]:
        """After a merge, every accepted or amended dispute item shows in the answers.

        One side may have resolved a dispute (changing an answer) while the other, still
        seeing it open, changed the shop later (e.g. excluded it): the later side's fields
        win, yet the resolution stands. An answer still equal to the one disputed takes the
        resolved answer, and the shop is rescored. Returns the shops changed."""
        if not evaluation_ids:
            return set()
        items = self.session.execute(
            select(Dispute.evaluation_id, DisputeItem.item_path, DisputeItem.original)
            .add_columns(DisputeItem.resolved_answer)
            .join(DisputeItem, DisputeItem.dispute_id == Dispute.id)
            .where(
                Dispute.evaluation_id.in_(evaluation_ids),
                DisputeItem.resolution.in_(("accepted", "amended")),
            )
            .order_by(DisputeItem.resolved_at)
        ).all()
        changed: set[str] = set()
        for evaluation_id, path, original, resolved in items:
            if resolved == original:
                continue
            stored = self.session.get(Answer, (evaluation_id, path))
            current = stored.value if stored is not None else None
            if decode_value(current) != decode_value(original):
                continue  # changed since the dispute was raised: that change stands
            if stored is None:
                self.session.add(
                    Answer(evaluation_id=evaluation_id, item_path=path, value=resolved)
                )
            else:
                stored.value = resolved
            changed.add(evaluation_id)
        self.session.flush()
        for evaluation_id in changed:
            row = self.session.get(Evaluation, evaluation_id)
            assert row is not None
            rubric = rubric_from_stored(
                self.session.scalar(
                    select(RubricVersion.content).where(RubricVersion.id == row.rubric_id)
                )
                or "{}"
            )
            values = {
                path: decode_value(value)
                for path, value in self.session.execute(
                    select(Answer.item_path, Answer.value).where(
                        Answer.evaluation_id == evaluation_id
                    )
                )
            }
            result = apply_scores(row, rubric, values)
            self.session.flush()
            replace_section_scores(self.session, evaluation_id, result)
        return changed

    def _insert_children(
        self,
        answers: list[tuple[Any, ...]],
        sections: list[tuple[Any, ...]],
        events: list[dict[str, Any]],
    ) -> None:
        insert_tuples(self.session, table_of(Answer), ANSWER_COLUMNS, answers)
        insert_tuples(self.session, table_of(SectionScoreRow), SECTION_COLUMNS, sections)
        insert_rows(self.session, table_of(EvaluationEvent), events)


def _carries_history(raw: Any) -> bool:
    """Whether an evaluation of the file has version-2 history events or disputes, merged
    even when its own fields lose to the database's."""
    return bool(raw.get("disputes")) or any("action" in e for e in raw.get("history", ()))


def _first_submitted(evaluation: ParsedEvaluation) -> dt.datetime | None:
    """When the shop was first submitted, as far as the file tells: its first submission
    event, else (a version-1 file) its last change if it is submitted or later."""
    submits = [e.at for e in evaluation.events if e.action in ("submit", "imported")]
    if submits:
        return min(submits)
    if evaluation.status in (*SUBMITTED_OR_LATER, "returned"):
        return evaluation.updated_at
    return None


def _event_rows(evaluation: ParsedEvaluation, known: set[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """History entries of the file that the database does not have yet."""
    rows = []
    for event in evaluation.history:
        identity = (event.at, event.kind, event.actor, event.detail)
        if identity in known:
            continue
        known.add(identity)
        rows.append(
            {
                "evaluation_id": evaluation.id,
                "at": event.at,
                "actor": event.actor,
                "kind": event.kind,
                "detail": event.detail,
            }
        )
    return rows


def _dispute_rows(
    evaluation_id: str, dispute: DisputeRecord, person: Any
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    head = {
        "id": dispute.id,
        "evaluation_id": evaluation_id,
        "raised_by_id": person(dispute.raised_by_id),
        "raised_by": dispute.raised_by,
        "raised_at": dispute.raised_at,
        "closed_at": dispute.closed_at,
        "updated_at": dispute.resolved_until,
    }
    items = [
        {
            "dispute_id": dispute.id,
            "item_path": item.item,
            "position": position,
            "proposed": encode_json(item.proposed),
            "original": encode_json(item.original),
            "reason": item.reason,
            "resolution": item.resolution,
            "resolved_answer": encode_json(item.resolved_answer),
            "resolved_by_id": person(item.resolved_by_id),
            "resolved_by": item.resolved_by,
            "resolved_at": item.resolved_at,
            "resolution_reason": item.resolution_reason,
        }
        for position, item in enumerate(dispute.items)
    ]
    return head, items
