"""Done-when: a whole evaluation on the default rubric scored with the keyboard alone,
submitted, and stored exactly right."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt

from shopper import scoring
from shopper.services import evaluations, rubrics
from shopper.services.evaluations import AnswerData
from tests.ui.keyboard import press, type_text
from ui import profile
from ui.form.windows import EvaluationWindows

# What the shopper means to record, in rubric order: (answer, comment).
INTENDED: dict[str, tuple[object, str | None]] = {
    "first_contact.response_time": ("Within 1 hour", None),
    "first_contact.identified_community_and_self": ("yes", None),
    "first_contact.asked_and_used_name": ("no", "Never asked; called me “hey there”."),
    "first_contact.captured_contact_details": ("yes", None),
    "first_contact.invited_specific_time": ("na", None),
    "greeting.greeted_promptly": ("yes", "Within ten seconds, with a smile"),
    "greeting.offered_refreshment": ("no", None),
    "greeting.completed_guest_card": ("yes", None),
    "greeting.professional_appearance": (4, None),
    "greeting.used_prospect_name": ("yes", None),
    "needs.move_in_date": ("yes", None),
    "needs.size_floor_plan": ("yes", None),
    "needs.occupants": ("no", None),
    "needs.pets": ("yes", None),
    "needs.reasons_and_must_haves": (1, "Skipped straight to the tour."),
    "needs.heard_about_us": ("yes", None),
    "knowledge.accurate_pricing_and_fees": ("yes", None),
    "knowledge.features_as_benefits": (3, None),
    "knowledge.neighbourhood_and_competitors": ("yes", None),
    "tour.planned_route": ("yes", None),
    "tour.showed_matching_unit": ("yes", None),
    "tour.involved_prospect": (5, None),
    "tour.tour_ready_unit": ("na", None),
    "conviction.created_urgency": ("no", None),
    "conviction.handled_objections": ("yes", None),
    "conviction.confidence": (4, None),
    "closing.asked_for_application": ("Offered the application only when the prospect asked", None),
    "closing.explained_next_steps": ("yes", None),
    "closing.handed_over_materials": ("yes", None),
    "follow_up.first_follow_up_time": ("Within 48 hours", None),
    "follow_up.personalised_follow_up": ("yes", None),
    "follow_up.thank_you_or_second_channel": ("no", None),
    "fair_housing.no_steering": ("yes", None),
    "fair_housing.consistent_terms": ("yes", None),
    "fair_housing.no_safety_guarantees": ("yes", None),
    "fair_housing.no_protected_questions": ("yes", None),
    "customer_experience.likelihood_to_lease": (4, None),
    "narrative.overall_impression": ("Friendly but rushed; 20 minutes in all.", None),
    "narrative.strongest_moments": ("The rooftop view & the gym.", None),
    "narrative.coaching_points": ("Ask about needs before the tour.", None),
}


def keys_for(rubric, path: str, value: object) -> str:  # type: ignore[no-untyped-def]
    found = rubric.find(path)
    assert found is not None
    item = found[1]
    if value in ("yes", "no", "na"):
        return {"yes": "Y", "no": "N", "na": "A"}[value]
    if item.type == "scale":
        return str(value)
    labels = [o.label for o in item.options]
    return str(labels.index(value) + 1)


def is_low(rubric, path: str, value: object) -> bool:  # type: ignore[no-untyped-def]
    item = rubric.find(path)[1]
    if item.type == "choice":
        return bool(item.option(value).points == 0)
    return value == "no" or (item.type == "scale" and value == 1)


def test_score_a_whole_evaluation_with_the_keyboard(ctx, db, agent, qtbot) -> None:  # type: ignore[no-untyped-def]
    profile.YOUR_NAME.set("Sam Lee")
    info = rubrics.default_rubric(db)
    assert info is not None
    rubric = rubrics.get_rubric(db, info.id)
    assert [p for p, _s, _i in rubric.items()] == list(INTENDED), "the default rubric changed"
    draft = evaluations.create(
        db, rubric_id=info.id, agent_id=agent.id, visited_on=dt.date(2024, 5, 2), shopper="Sam"
    )
    windows = EvaluationWindows(ctx)
    window = windows.open(draft.id)
    assert window is not None
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.waitUntil(lambda: window.form.current_path() == "first_contact.response_time")

    stayed = False  # a low answer without a comment keeps the keyboard on its item
    for path, (value, comment) in INTENDED.items():
        assert stayed or window.form.current_path() == path
        item = rubric.find(path)[1]  # type: ignore[index]
        if item.type == "text":
            type_text(str(value))
            press(Qt.Key.Key_Tab)
            continue
        type_text(keys_for(rubric, path, value))  # after a bare low answer: the next item's
        assert window.form.answers()[path].value == value
        stayed = is_low(rubric, path, value) and not comment
        if is_low(rubric, path, value) and comment:
            press(Qt.Key.Key_C)  # the box is open; C goes into it
            type_text(comment)
            press(Qt.Key.Key_Tab)  # leave the comment box for the next item
        elif comment:
            press(Qt.Key.Key_Up)
            press(Qt.Key.Key_C)
            type_text(comment)
            press(Qt.Key.Key_Tab)

    press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    stored = evaluations.get(db, draft.id)
    assert stored.status == "submitted"
    expected_answers = {
        path: AnswerData(value, comment)  # type: ignore[arg-type]
        for path, (value, comment) in INTENDED.items()
    }
    assert dict(stored.answers) == expected_answers
    expected = scoring.score(rubric, {p: v for p, (v, _c) in INTENDED.items()})  # type: ignore[misc]
    assert scoring.score(rubric, stored.values()) == expected
    assert expected.overall is not None and stored.overall_pct == float(expected.overall)
    assert stored.critical_failure is False
    assert window.form.read_only
    assert window.form.overall_label.text() == f"Overall {scoring.format_pct(expected.overall)}"
    assert [e.kind for e in stored.events] == ["created", "submitted"]
    assert stored.events[-1].actor == "Sam Lee"
    assert windows.close_all()  # the registry owns (and deletes) its windows
