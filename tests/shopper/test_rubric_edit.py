"""The editable rubric draft: conversion, validation, editing operations, versioned saving."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopper import rubric_edit as edit
from shopper.errors import ValidationError
from shopper.paths import DEFAULT_RUBRIC
from shopper.rubric import load_rubric_file, parse_rubric
from shopper.rubric_edit import ItemDraft, OptionDraft, Problem, RubricDraft, SectionDraft
from shopper.services import agents, evaluations, properties, rubrics
from shopper.services.evaluations import AnswerData


def small_draft() -> RubricDraft:
    return RubricDraft(
        key="phone-shop",
        name="Phone shop",
        sections=[
            SectionDraft(
                key="call",
                title="The call",
                items=[
                    ItemDraft(key="greeted", prompt="Greeted warmly", points=Fraction(2)),
                    ItemDraft(key="tone", prompt="Tone", type="scale", points=Fraction(4)),
                    ItemDraft(
                        key="booked",
                        prompt="Booked a visit?",
                        type="choice",
                        options=[OptionDraft("Yes", Fraction(3)), OptionDraft("No", Fraction(0))],
                    ),
                    ItemDraft(key="notes", prompt="Notes", type="text"),
                ],
            ),
            SectionDraft(
                key="feeling",
                title="How it felt",
                in_overall=False,
                items=[ItemDraft(key="likely", prompt="Would lease", type="scale", max=10)],
            ),
        ],
    )


def problems_of(draft: RubricDraft) -> list[tuple[str, str]]:
    return [(p.where, p.message) for p in edit.validate(draft)]


def test_default_rubric_round_trips_through_a_draft() -> None:
    rubric = load_rubric_file(DEFAULT_RUBRIC)
    draft = edit.from_rubric(rubric)
    assert edit.validate(draft) == []
    again = edit.to_rubric(draft)
    assert again == rubric
    assert again.content_hash() == rubric.content_hash()
    assert [s.possible for s in draft.sections] == [s.possible for s in rubric.sections]
    assert draft.possible == rubric.possible == 100


def test_totals_follow_types_and_in_overall() -> None:
    draft = small_draft()
    call = draft.sections[0]
    assert call.possible == 2 + 4 + 3  # the text item adds nothing; a choice its best option
    assert draft.possible == 9  # "How it felt" is scored on its own
    assert draft.sections[1].possible == 1
    edit.set_field(draft, (1,), "in_overall", True)
    assert draft.possible == 10
    edit.set_field(draft, (0, 0), "type", "text")
    assert call.possible == 7
    edit.set_field(draft, (0, 0), "type", "yes_no")
    assert call.possible == 9, "switching the type back keeps the points"


def test_to_dict_writes_only_the_fields_a_type_uses_and_trims_text() -> None:
    draft = small_draft()
    edit.set_field(draft, (0, 0), "prompt", "  Greeted warmly \n")
    edit.set_field(draft, (0, 2), "points", Fraction(99))
    data = edit.to_dict(draft)
    greeted, tone, booked, notes = data["sections"][0]["items"]
    assert greeted["prompt"] == "Greeted warmly"
    assert "max" not in greeted and "options" not in greeted
    assert tone["max"] == 5
    assert "points" not in booked, "a choice item is worth its best option"
    assert notes == {"key": "notes", "prompt": "Notes", "type": "text"}
    edit.set_field(draft, (0, 1), "points", Fraction(5, 2))
    assert edit.to_dict(draft)["sections"][0]["items"][1]["points"] == 2.5
    assert edit.to_rubric(draft).sections[0].items[1].points == Fraction(5, 2)


def test_new_draft_lists_what_is_missing() -> None:
    assert problems_of(RubricDraft()) == [
        ("key", "a key is required"),
        ("name", "a name is required"),
        ("sections", "add at least one section"),
    ]
    draft = RubricDraft(key="x", name="X")
    edit.insert_node(draft, (0,), edit.new_section(draft))
    assert problems_of(draft) == [
        ("sections[0].title", "a title is required"),
        ("sections[0].items", "add at least one item"),
    ]
    edit.insert_node(draft, (0, 0), edit.new_item(draft.sections[0]))
    assert problems_of(draft) == [
        ("sections[0].title", "a title is required"),
        ("sections[0].items[0].prompt", "a prompt is required"),
    ]


@pytest.mark.parametrize(
    ("path", "name", "value", "expected"),
    [
        ((), "key", "Phone Shop", ("key", "use lowercase letters, digits, '_' or '-'")),
        ((), "name", "   ", ("name", "a name is required")),
        ((1,), "key", "call", ("sections[0].key", "section key 'call' is used twice")),
        ((0,), "title", "", ("sections[0].title", "a title is required")),
        ((0, 1), "key", "greeted", ("sections[0].items[0].key", "item key 'greeted' is used")),
        ((0, 1), "key", "", ("sections[0].items[1].key", "a key is required")),
        ((0, 1), "key", "-tone", ("sections[0].items[1].key", "use lowercase letters")),
        ((0, 0), "prompt", " ", ("sections[0].items[0].prompt", "a prompt is required")),
        ((0, 0), "points", Fraction(-1), ("sections[0].items[0].points", "points cannot be")),
        ((0, 1), "max", 11, ("sections[0].items[1].max", "the scale maximum must be from 2 to")),
        ((0, 1), "max", 1, ("sections[0].items[1].max", "the scale maximum must be from 2 to")),
        ((0, 1), "critical", True, ("sections[0].items[1].critical", "only yes/no items can")),
        ((0, 2, 1), "label", "Yes ", ("sections[0].items[2].options[0].label", "option 'Yes' is")),
        ((0, 2, 1), "label", "na", ("sections[0].items[2].options[1].label", "'na' is reserved")),
        ((0, 2, 0), "label", "", ("sections[0].items[2].options[0].label", "an option needs")),
        ((0, 2, 0), "points", Fraction(-2), ("sections[0].items[2].options[0].points", "points")),
    ],
)
def test_each_invalid_state_is_reported_at_its_field(
    path: tuple[int, ...], name: str, value: object, expected: tuple[str, str]
) -> None:
    draft = small_draft()
    assert edit.validate(draft) == []
    edit.set_field(draft, path, name, value)
    found = problems_of(draft)
    assert found, "the change must be reported"
    where, message = found[0]
    assert (where, message[: len(expected[1])]) == expected
    with pytest.raises(ValidationError):
        edit.to_rubric(draft)


def test_choice_without_options_and_empty_section() -> None:
    draft = small_draft()
    edit.remove_node(draft, (0, 2, 1))
    edit.remove_node(draft, (0, 2, 0))
    edit.remove_node(draft, (1, 0))
    assert problems_of(draft) == [
        ("sections[0].items[2].options", "a choice item needs at least one option"),
        ("sections[1].items", "add at least one item"),
    ]


def test_both_copies_of_a_duplicate_key_are_flagged_and_named_for_people() -> None:
    draft = small_draft()
    edit.set_field(draft, (0, 3), "key", "greeted")
    found = edit.validate(draft)
    assert [p.path for p in found] == [(0, 0), (0, 3)]
    assert found[1].describe(draft) == "The call › Notes › key: item key 'greeted' is used twice"
    with pytest.raises(ValidationError, match="The call › Greeted warmly › key: item key"):
        edit.to_rubric(draft)


def test_a_taken_key_is_refused_for_a_new_rubric() -> None:
    draft = small_draft()
    assert edit.validate(draft, frozenset({"leasing-tour"})) == []
    found = edit.validate(draft, frozenset({"phone-shop"}))
    assert found == [
        Problem((), "key", "a rubric with key 'phone-shop' already exists; choose another key")
    ]


def test_critical_survives_a_type_change_until_fixed() -> None:
    draft = small_draft()
    edit.set_field(draft, (0, 0), "critical", True)
    assert edit.validate(draft) == []
    edit.set_field(draft, (0, 0), "type", "text")
    assert problems_of(draft) == [
        ("sections[0].items[0].critical", "only yes/no items can be critical")
    ]
    assert edit.to_dict(draft)["sections"][0]["items"][0]["critical"] is True


def test_insert_remove_move_and_undo_by_moving_back() -> None:
    draft = small_draft()
    keys = lambda: [i.key for i in draft.sections[0].items]  # noqa: E731
    edit.move_node(draft, (0, 0), (0, 2))
    assert keys() == ["tone", "booked", "greeted", "notes"]
    edit.move_node(draft, (0, 2), (0, 0))
    assert keys() == ["greeted", "tone", "booked", "notes"]
    edit.move_node(draft, (0, 3), (1, 0))
    assert [i.key for i in draft.sections[1].items] == ["notes", "likely"]
    edit.move_node(draft, (1, 0), (0, 3))
    assert keys() == ["greeted", "tone", "booked", "notes"]
    removed = edit.remove_node(draft, (0, 1))
    edit.insert_node(draft, (0, 1), removed)
    assert keys() == ["greeted", "tone", "booked", "notes"]
    with pytest.raises(ValueError):
        edit.insert_node(draft, (0, 0), SectionDraft(key="wrong_level"))
    with pytest.raises(IndexError):
        edit.move_node(draft, (0, 0), (0, 9))
    assert keys() == ["greeted", "tone", "booked", "notes"], "a failed move changes nothing"
    with pytest.raises(ValueError):
        edit.set_field(draft, (0, 0), "options", [])


def test_keyboard_steps_cross_section_boundaries_for_items_only() -> None:
    draft = small_draft()
    assert edit.step_target(draft, (0, 0), -1) is None
    assert edit.step_target(draft, (0, 0), 1) == (0, 1)
    assert edit.step_target(draft, (0, 3), 1) == (1, 0)
    assert edit.step_target(draft, (1, 0), -1) == (0, 4), "to the end of the section above"
    assert edit.step_target(draft, (1, 0), 1) is None
    assert edit.step_target(draft, (0,), 1) == (1,)
    assert edit.step_target(draft, (1,), 1) is None
    assert edit.step_target(draft, (0, 2, 0), 1) == (0, 2, 1)
    assert edit.step_target(draft, (0, 2, 1), 1) is None
    assert edit.step_target(draft, (), 1) is None


def test_new_nodes_get_free_keys_and_copies_get_free_rubric_keys() -> None:
    draft = small_draft()
    assert edit.new_section(draft).key == "section_1"
    section = draft.sections[0]
    section.items.append(ItemDraft(key="item_1"))
    assert edit.new_item(section).key == "item_2"
    assert edit.copy_key("tour", {"tour"}) == "tour-copy"
    assert edit.copy_key("tour", {"tour", "tour-copy", "tour-copy-2"}) == "tour-copy-3"


# --- property: the draft validation agrees with the rubric file rules ---------------------


@st.composite
def valid_items(draw: st.DrawFn, key: str) -> ItemDraft:
    item_type = draw(st.sampled_from(edit.ITEM_TYPES))
    labels = draw(st.lists(st.sampled_from(["Yes", "No", "Later", "Né"]), min_size=1, unique=True))
    return ItemDraft(
        key=key,
        prompt=draw(st.sampled_from(["Greeted", "Tone é", " padded "])),
        type=item_type,
        points=draw(st.sampled_from([Fraction(0), Fraction(3), Fraction(5, 2)])),
        max=draw(st.integers(2, 10)),
        options=[OptionDraft(label, Fraction(len(label))) for label in labels],
        critical=item_type == "yes_no" and draw(st.booleans()),
        allow_na=draw(st.booleans()),
        guidance=draw(st.sampled_from(["", "Look for a smile"])),
    )


@st.composite
def drafts(draw: st.DrawFn) -> RubricDraft:
    """A valid draft, then a few edits, each of which may or may not break it."""
    sections = [
        SectionDraft(
            key=f"s{si}",
            title="Section",
            deferred=draw(st.booleans()),
            in_overall=draw(st.booleans()),
            items=[draw(valid_items(f"i{ii}")) for ii in range(draw(st.integers(1, 3)))],
        )
        for si in range(draw(st.integers(1, 3)))
    ]
    draft = RubricDraft(key="r", name="Rubric", sections=sections)
    edits = {
        "key": st.sampled_from(["s0", "i0", "i1", "", "B", "x y", "_bad", "ok-2"]),
        "title": st.sampled_from(["", " ", "T"]),
        "prompt": st.sampled_from(["", " ", "P"]),
        "name": st.sampled_from(["", " ", "N"]),
        "type": st.sampled_from(edit.ITEM_TYPES),
        "points": st.sampled_from([Fraction(-1), Fraction(1)]),
        "max": st.integers(0, 12),
        "critical": st.booleans(),
        "label": st.sampled_from(["", "na", "Yes", "No", "Other"]),
    }
    for _ in range(draw(st.integers(0, 2))):
        path = draw(st.sampled_from(list(_paths(draft))))
        names = sorted(edit.EDITABLE_FIELDS[type(edit.node_at(draft, path))] & edits.keys())
        name = draw(st.sampled_from(names))
        edit.set_field(draft, path, name, draw(edits[name]))
    if draw(st.integers(0, 9)) == 0:
        draft.sections[0].items[0].options.clear()
    return draft


def _paths(draft: RubricDraft) -> list[tuple[int, ...]]:
    out: list[tuple[int, ...]] = [()]
    for si, section in enumerate(draft.sections):
        out.append((si,))
        for ii, item in enumerate(section.items):
            out.append((si, ii))
            out += [(si, ii, oi) for oi in range(len(item.options))]
    return out


@settings(max_examples=300, deadline=None)
@given(drafts())
def test_validation_agrees_with_parse_rubric(draft: RubricDraft) -> None:
    problems = edit.validate(draft)
    try:
        parse_rubric(edit.to_dict(draft))
    except ValidationError:
        assert problems, "the file rules refuse a draft the editor calls valid"
    else:
        assert not problems, f"the editor refuses a valid rubric: {problems}"


# --- saving: versions ---------------------------------------------------------------------


def make_agent(db) -> str:  # type: ignore[no-untyped-def]
    prop = properties.create_property(db, "Maple Court")
    return agents.create_agent(db, "Jordan Lee", prop.id).id


def test_saving_a_new_rubric_then_editing_unused_and_used_versions(db) -> None:  # type: ignore[no-untyped-def]
    draft = small_draft()
    first = edit.save_draft(db, draft, None)
    assert (first.outcome, first.info.version) == ("added", 1)
    assert edit.describe_save(first, None) == "Saved Phone shop (phone-shop v1)."

    edit.set_field(draft, (0,), "title", "The phone call")
    unused = edit.save_draft(db, draft, first.info)
    assert (unused.outcome, unused.info.version, unused.info.id) == ("updated", 1, first.info.id)
    assert "changed in place" in edit.describe_save(unused, first.info)

    same = edit.save_draft(db, draft, unused.info)
    assert same.outcome == "unchanged"

    evaluation = evaluations.create(
        db,
        rubric_id=first.info.id,
        agent_id=make_agent(db),
        visited_on=dt.date(2026, 11, 20),
        answers={"call.greeted": AnswerData("yes"), "call.tone": AnswerData(3)},
    )
    used = rubrics.info(db, first.info.id)
    assert used.frozen
    edit.set_field(draft, (0, 0), "points", Fraction(4))
    second = edit.save_draft(db, draft, used)
    assert (second.outcome, second.info.version) == ("new_version", 2)
    assert edit.describe_save(second, used) == (
        "Saved as version 2 of phone-shop. The 1 evaluation scored with v1 keep that "
        "version and their scores."
    )
    kept = evaluations.get(db, evaluation.id)
    assert (kept.rubric_id, kept.rubric_version) == (first.info.id, 1)
    assert kept.overall_pct == pytest.approx(100 * (2 + 2) / (2 + 4))
    assert rubrics.get_rubric(db, first.info.id).sections[0].items[0].points == 2
    assert rubrics.get_rubric(db, second.info.id).sections[0].items[0].points == 4
    assert rubrics.get_rubric(db, first.info.id).sections[0].title == "The phone call"


def test_a_new_rubric_cannot_take_a_stored_key_nor_a_stored_one_change_key(db) -> None:  # type: ignore[no-untyped-def]
    stored = rubrics.find(db, "leasing-tour")
    draft = edit.from_rubric(rubrics.get_rubric(db, stored.id))
    with pytest.raises(ValidationError, match="a rubric with key 'leasing-tour' already exists"):
        edit.save_draft(db, draft, None)
    draft.key = "renamed"
    with pytest.raises(ValidationError, match="use Duplicate"):
        edit.save_draft(db, draft, stored)
    assert [r.key for r in rubrics.list_rubrics(db)] == ["leasing-tour"]


def test_duplicate_saves_as_version_one_of_a_new_key(db) -> None:  # type: ignore[no-untyped-def]
    stored = rubrics.find(db, "leasing-tour")
    original = rubrics.get_rubric(db, stored.id)
    draft = edit.duplicate(original, {r.key for r in rubrics.list_rubrics(db)})
    assert (draft.key, draft.name, draft.version) == (
        "leasing-tour-copy",
        "Leasing Tour (copy)",
        1,
    )
    result = edit.save_draft(db, draft, None)
    assert (result.outcome, result.info.key, result.info.version) == (
        "added",
        "leasing-tour-copy",
        1,
    )
    copy = rubrics.get_rubric(db, result.info.id)
    assert copy.sections == original.sections


def test_the_save_plan_says_what_saving_will_do(db) -> None:  # type: ignore[no-untyped-def]
    assert edit.save_plan(None, 0) == edit.SavePlan(
        1,
        False,
        "New rubric: it is saved as version 1 under its key. Choose the key with care: "
        "evaluations and reports refer to it.",
    )
    unused = rubrics.find(db, "leasing-tour")
    plan = edit.save_plan(unused, 2)  # a new database holds the bundled version 2
    assert (plan.version, plan.in_place) == (2, True)
    assert (
        plan.text == "No evaluation uses version 2 of leasing-tour yet: saving changes it in place."
    )
    evaluations.create(
        db, rubric_id=unused.id, agent_id=make_agent(db), visited_on=dt.date(2026, 11, 20)
    )
    used = rubrics.info(db, unused.id)
    plan = edit.save_plan(used, 3)
    assert (plan.version, plan.in_place) == (4, False)
    assert plan.text == (
        "Version 2 of leasing-tour is used by 1 evaluation, so it stays as it is: saving "
        "creates version 4, and those evaluations keep version 2 and their scores."
    )
