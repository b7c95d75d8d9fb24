"""The evaluation list page, follow-ups due, agents & properties, and the new-evaluation dialog."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView, QInputDialog, QMessageBox, QTableView
from pytestqt.qtbot import QtBot

from shopper.services import agents, evaluations, properties, rubrics
from shopper.services.evaluation_list import EvaluationSummary
from tests.ui.keyboard import press, show_and_focus, type_text
from ui import settings
from ui.context import AppContext
from ui.dialogs.new_evaluation import NewEvaluationDialog
from ui.models.follow_ups_model import FollowUpsModel
from ui.operations import Change
from ui.pages import directory as directory_module
from ui.pages.directory import DirectoryPage
from ui.pages.evaluations import EvaluationsPage
from ui.pages.follow_ups import FollowUpsPage


@pytest.fixture
def shops(db, agent):  # type: ignore[no-untyped-def]
    """Three evaluations: two at Élan Flats (José), one at Maple Court (Anna)."""
    info = rubrics.default_rubric(db)
    assert info is not None
    maple = properties.create_property(db, "Maple Court")
    anna = agents.create_agent(db, "Anna Smith", maple.id)
    made = [
        evaluations.create(db, rubric_id=info.id, agent_id=a, visited_on=day, shopper=who)
        for a, day, who in (
            (agent.id, dt.date(2024, 5, 2), "Sam"),
            (agent.id, dt.date(2024, 5, 9), "Léa"),
            (anna.id, dt.date(2024, 5, 5), "Sam"),
        )
    ]
    return made, anna


def wait_loaded(qtbot, page: EvaluationsPage) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: page.model.complete and not page.model.loading, timeout=5000)


def test_list_filters_and_enter_opens(ctx, shops, qtbot) -> None:  # type: ignore[no-untyped-def]
    made, anna = shops
    page = EvaluationsPage(ctx)
    qtbot.addWidget(page)
    show_and_focus(qtbot, page)
    wait_loaded(qtbot, page)
    assert page.model.rowCount() == 3
    assert page.count_label.text() == "3 evaluations"
    assert page.model.evaluation_id(0) == made[1].id  # newest visit first

    page.focus_find()
    type_text("lea")  # the shopper Léa, typed without the accent
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and page.model.complete, timeout=5000)
    assert page.model.evaluation_id(0) == made[1].id

    page.clear_filters()
    qtbot.waitUntil(lambda: len(page._agents) == 2, timeout=5000)  # names load in the background
    page.property_filter.select_id(anna.property_id)
    wait_loaded(qtbot, page)
    assert [page.model.evaluation_id(r) for r in range(page.model.rowCount())] == [made[2].id]

    page.clear_filters()
    page.date_from.setDate(QDate(2024, 5, 3))
    page.date_to.setDate(QDate(2024, 5, 6))
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and page.model.complete, timeout=5000)
    assert page.model.evaluation_id(0) == made[2].id

    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(0, 0))
    with qtbot.waitSignal(ctx.open_evaluation_requested) as opened:
        press(Qt.Key.Key_Return)
    assert opened.args == [made[2].id, ""]


def test_list_refreshes_when_evaluations_change(ctx, db, shops, qtbot) -> None:  # type: ignore[no-untyped-def]
    made, _anna = shops
    page = EvaluationsPage(ctx)
    qtbot.addWidget(page)
    show_and_focus(qtbot, page)
    wait_loaded(qtbot, page)
    evaluations.delete_evaluation(db, made[0].id)
    ctx.announce(Change.EVALUATIONS)
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)
    assert page.count_label.text() == "2 evaluations"


def test_a_hidden_list_loads_nothing_and_catches_up_when_shown(ctx, db, shops, qtbot) -> None:  # type: ignore[no-untyped-def]
    made, _anna = shops
    page = EvaluationsPage(ctx)
    qtbot.addWidget(page)
    show_and_focus(qtbot, page)
    wait_loaded(qtbot, page)
    ctx.announce(Change.EVALUATIONS)  # a refresh is now due within a second…
    page.hide()  # …but the page goes away first (closed, or another page shown)
    evaluations.delete_evaluation(db, made[0].id)
    ctx.announce(Change.EVALUATIONS)
    ctx.announce(Change.AGENTS)
    reloads: list[int] = []
    page.model.loading_changed.connect(lambda loading: reloads.append(loading))
    qtbot.wait(1300)
    assert reloads == [] and not ctx.tasks.busy
    assert page.model.rowCount() == 3
    page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2 and page.model.complete, timeout=5000)


def test_follow_ups_soonest_first_overdue_marked_open_at_section(ctx, db, shops, qtbot) -> None:  # type: ignore[no-untyped-def]
    made, _anna = shops
    info = rubrics.default_rubric(db)
    assert info is not None
    rubric = rubrics.get_rubric(db, info.id)
    for evaluation in made[:2]:
        values = {
            p: evaluations.AnswerData("yes" if i.type == "yes_no" else 3)
            for p, s, i in rubric.items()
            if i.scored and not s.deferred and i.type != "choice"
        }
        values.update(
            {
                p: evaluations.AnswerData(i.options[0].label)
                for p, s, i in rubric.items()
                if i.type == "choice" and not s.deferred
            }
        )
        saved = evaluations.save(db, evaluation.id, evaluation.row_version, answers=values)
        evaluations.set_status(db, evaluation.id, "awaiting_follow_up", saved.row_version)
    page = FollowUpsPage(ctx)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=10000):  # loads in the background
        show_and_focus(qtbot, page)
    assert [r.id for r in page.model.rows] == [made[0].id, made[1].id]  # due 5 May, 12 May
    when = page.model.data(page.model.index(0, 1))
    assert when.startswith("OVERDUE")
    assert "2 OVERDUE" in page.summary.text()
    page.table.setFocus()
    with qtbot.waitSignal(ctx.open_evaluation_requested) as opened:
        press(Qt.Key.Key_Return)
    assert opened.args == [made[0].id, "follow_up"]


def test_new_evaluation_with_a_new_agent_typed_inline(ctx, db, shops, qtbot) -> None:  # type: ignore[no-untyped-def]
    settings.SHOPPER_NAME.set("Sam Lee")
    dialog = NewEvaluationDialog(ctx)
    qtbot.addWidget(dialog)
    show_and_focus(qtbot, dialog)
    assert dialog.shopper.text() == "Sam Lee"  # remembered
    bundled = rubrics.default_rubric(db)
    assert bundled is not None
    assert dialog.rubric.currentText() == f"Leasing Tour (version {bundled.version})"
    assert dialog.visit_date.date() == QDate.currentDate()
    assert not dialog.start_button.isEnabled()
    dialog.property_box.setFocus()
    type_text("maple")
    press(Qt.Key.Key_Escape)  # close the suggestions (keys go to an open popup)
    dialog.property_box.setCurrentIndex(dialog.property_box.findText("Maple Court"))
    assert dialog.agent_box.count() == 1  # Anna, the active agent there
    dialog.agent_box.setFocus()
    dialog.agent_box.setEditText("")
    type_text("Zoë Brontë")
    press(Qt.Key.Key_Tab)  # the note comes when the field is left
    assert "New agent" in dialog.agent_hint.text()
    dialog.shopper.setText("Léa Martin")
    dialog.start_button.click()  # asks once before adding the agent
    question = dialog.new_agent_question
    assert question is not None
    add = next(
        b for b in question.buttons() if question.buttonRole(b) == question.ButtonRole.AcceptRole
    )
    with qtbot.waitSignal(ctx.changed):
        add.click()
    assert dialog.created_id is not None
    created = evaluations.get(db, dialog.created_id)
    assert (created.property_name, created.agent_name) == ("Maple Court", "Zoë Brontë")
    assert created.shopper == "Léa Martin" and created.status == "draft"
    assert settings.SHOPPER_NAME.get() == "Léa Martin"


def test_new_evaluation_finds_agents_without_accents(ctx, db, shops, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = NewEvaluationDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.property_box.setEditText("elan flats")
    assert dialog.property_box.current_id() is not None
    dialog.property_box.setCurrentIndex(
        dialog.property_box.findData(dialog.property_box.current_id())
    )
    dialog.agent_box.setEditText("jose nunez")
    assert dialog.agent_box.current_id() is not None  # José Núñez, not a new agent
    assert not dialog.agent_hint.isVisible()


def test_directory_rename_move_deactivate_merge(ctx, db, shops, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    made, anna = shops
    ctx.tasks.synchronous = True  # reloads after each command arrive at once
    page = DirectoryPage(ctx)
    qtbot.addWidget(page)
    show_and_focus(qtbot, page)
    assert page.agents_model.rowCount() == 2

    def select(name: str) -> None:
        row = next(i for i, a in enumerate(page.agents_model.agents) if a.name == name)
        page.agents_table.setCurrentIndex(page.agents_model.index(row, 0))

    # A duplicate typed by someone in a hurry; merge it into the real José.
    duplicate = agents.create_agent(db, "Jose Nunez", anna.property_id)
    info = rubrics.default_rubric(db)
    assert info is not None
    dup_shop = evaluations.create(
        db, rubric_id=info.id, agent_id=duplicate.id, visited_on=dt.date(2024, 6, 1)
    )
    ctx.announce(Change.AGENTS)
    select("Jose Nunez")
    jose = next(a for a in page._all_agents if a.name == "José Núñez")
    monkeypatch.setattr(directory_module, "ask_merge_target", lambda *_a: jose.id)
    monkeypatch.setattr(
        QMessageBox,
        "question",
        lambda *_a: QMessageBox.StandardButton.Yes,
    )
    page.merge_agent()
    assert evaluations.get(db, dup_shop.id).agent_id == jose.id
    assert [a.name for a in agents.list_agents(db)].count("Jose Nunez") == 0

    select("Anna Smith")
    monkeypatch.setattr(QInputDialog, "getText", lambda *_a, **_k: ("Anna Smith-Jones", True))
    page.rename_agent()
    assert agents.get_agent(db, anna.id).name == "Anna Smith-Jones"

    select("Anna Smith-Jones")
    monkeypatch.setattr(directory_module, "ask_property", lambda *_a: jose.property_id)
    page.move_agent()
    moved = agents.get_agent(db, anna.id)
    assert moved.property_id == jose.property_id
    assert evaluations.get(db, made[2].id).property_name == "Maple Court"  # history stays

    select("Anna Smith-Jones")
    page.agents_table.setFocus()
    press(Qt.Key.Key_Delete)
    assert not agents.get_agent(db, anna.id).active
    assert page.active_button.text() == "&Reactivate"
    dialog = NewEvaluationDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.property_box.select_id(jose.property_id)
    names = [dialog.agent_box.itemText(i) for i in range(dialog.agent_box.count())]
    assert names == ["José Núñez"]  # the inactive agent is hidden from the picker
    assert len(agents.list_agents(db, jose.property_id)) == 2  # but kept, with history


def test_any_date_opens_its_calendar_on_this_month(qtbot: QtBot) -> None:
    from PySide6.QtCore import QPoint

    from ui.dialogs.pickers import OptionalDateEdit

    edit = OptionalDateEdit()
    qtbot.addWidget(edit)
    show_and_focus(qtbot, edit)
    assert edit.value() is None and edit.text() == "Any"
    QTest.mouseClick(edit, Qt.MouseButton.LeftButton, pos=QPoint(edit.width() - 6, 10))
    calendar = edit.calendarWidget()
    qtbot.waitUntil(calendar.isVisible)
    today = QDate.currentDate()
    assert (calendar.yearShown(), calendar.monthShown()) == (today.year(), today.month())
    assert edit.value() is None


def _summary(evaluation_id: str, due_day: int, answered: int = 3) -> EvaluationSummary:
    return EvaluationSummary(
        id=evaluation_id, visited_on=dt.date(2024, 5, 1), property_id="p", property_name="Maple",
        agent_id="a", agent_name="Anna", shopper="Sam", channel="phone",
        status="awaiting_follow_up", overall_pct=None, critical_failure=False,
        answered=answered, total=9, rubric_key="r", rubric_version=1,
        follow_up_due=dt.date(2024, 5, due_day), updated_at=dt.datetime(2024, 5, 1),
    )  # fmt: skip


def test_follow_ups_keep_the_selection_when_they_refresh(qtbot: QtBot, qtmodeltester: Any) -> None:
    model = FollowUpsModel()
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    model.set_rows([_summary("a", 1), _summary("b", 2), _summary("c", 3)], dt.date(2024, 5, 2))
    view.selectRow(1)
    assert model.rows[view.currentIndex().row()].id == "b"

    # Refreshed: one row gone, one new, the order changed, a value changed.
    model.set_rows(
        [_summary("d", 1), _summary("c", 2), _summary("b", 4, answered=5)], dt.date(2024, 5, 2)
    )
    assert [r.id for r in model.rows] == ["d", "c", "b"]
    current = view.currentIndex()
    assert current.isValid() and model.rows[current.row()].id == "b"
    selected = {model.rows[i.row()].id for i in view.selectionModel().selectedRows()}
    assert selected == {"b"}
    assert model.data(model.index(current.row(), 7)) == "5/9"
    qtmodeltester.check(model)

    model.set_rows([], dt.date(2024, 5, 2))
    assert model.rowCount() == 0 and not view.selectionModel().hasSelection()
    qtmodeltester.check(model)


def test_list_columns_fit_their_content(ctx: AppContext, qtbot: QtBot) -> None:
    from PySide6.QtGui import QFont, QFontMetrics

    from ui.models.evaluation_list_model import CRITICAL_COLUMN, EvaluationListModel, fit_columns

    model = EvaluationListModel(ctx)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(1000, 400)
    show_and_focus(qtbot, view)
    fit_columns(view)
    bold = QFont(view.font())
    bold.setBold(True)
    header = view.horizontalHeader()
    assert header.sectionSize(CRITICAL_COLUMN) > QFontMetrics(bold).horizontalAdvance("⚠ CRITICAL")
    assert header.sectionSize(0) > QFontMetrics(view.font()).horizontalAdvance("2024-05-09")
    total = sum(header.sectionSize(c) for c in range(model.columnCount()))
    assert total <= view.viewport().width() + 2, "all eight columns are in view"


def test_scorecards_open_folder_says_so_when_the_folder_is_gone(
    ctx: AppContext, qtbot: QtBot, tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from ui.pages.scorecards import ScorecardsPage

    page = ScorecardsPage(ctx)
    qtbot.addWidget(page)
    page._last_folder = tmp_path / "cards"  # exported there, then moved away
    page.open_folder()
    box = page.findChild(QMessageBox, "openPathFailed")
    assert box is not None and box.isVisible()
    assert "moved or deleted" in box.text() and box.informativeText() == str(tmp_path / "cards")


def test_follow_ups_and_the_directory_load_in_the_background(  # type: ignore[no-untyped-def]
    ctx, db, shops, qtbot, monkeypatch
) -> None:
    """Their lists (and those of Rubrics and Scorecards) are read on a worker thread and
    shown on the UI thread."""
    import threading

    from shopper.services import evaluation_list

    read_on: list[str] = []

    def on_a_worker(module: object, name: str) -> None:
        real = getattr(module, name)

        def recorded(*args: object, **kwargs: object) -> object:
            read_on.append(threading.current_thread().name)
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, recorded)

    from ui.pages.rubrics import RubricsPage
    from ui.pages.scorecards import ScorecardsPage

    on_a_worker(evaluation_list, "follow_ups_due")
    on_a_worker(agents, "list_agents")
    on_a_worker(rubrics, "list_rubrics")
    follow_ups = FollowUpsPage(ctx)
    qtbot.addWidget(follow_ups)
    directory = DirectoryPage(ctx)
    qtbot.addWidget(directory)
    rubrics_page = RubricsPage(ctx)
    qtbot.addWidget(rubrics_page)
    scorecards = ScorecardsPage(ctx)
    qtbot.addWidget(scorecards)
    signals = [follow_ups.loaded, directory.loaded, rubrics_page.loaded, scorecards.loaded]
    with qtbot.waitSignals(signals, timeout=10000):
        pass
    assert len(read_on) == 4  # follow-ups, rubrics, and the agents of two pages
    assert scorecards.agent_list.count() == 2
    assert threading.main_thread().name not in read_on
    assert directory.agents_model.rowCount() == 2
    assert "No evaluations are waiting" in follow_ups.summary.text()


def test_writes_run_on_the_one_writer_and_announce_what_changed(  # type: ignore[no-untyped-def]
    ctx, db, shops, qtbot, monkeypatch
) -> None:
    """A directory command and a new evaluation are written by the context's writer thread
    (never the UI thread), and each announces one typed change."""
    from PySide6.QtCore import QThread

    made, anna = shops
    written_on: list[str] = []

    def on_the_writer(module: object, name: str) -> None:
        real = getattr(module, name)

        def recorded(*args: object, **kwargs: object) -> object:
            written_on.append(QThread.currentThread().objectName())
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, recorded)

    on_the_writer(agents, "update_agent")
    on_the_writer(evaluations, "create")
    changes: list[Change] = []
    ctx.changed.connect(changes.append)
    ctx.tasks.synchronous = True
    page = DirectoryPage(ctx)
    qtbot.addWidget(page)
    row = next(i for i, a in enumerate(page.agents_model.agents) if a.name == "Anna Smith")
    page.agents_table.setCurrentIndex(page.agents_model.index(row, 0))
    page.toggle_active()
    assert not agents.get_agent(db, anna.id).active
    assert changes == [Change.AGENTS]

    from ui import profile

    profile.YOUR_NAME.set("Sam Lee")  # who acts, for the history (else it is asked)
    dialog = NewEvaluationDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.property_box.select_id(made[0].property_id)
    dialog.agent_box.select_id(made[0].agent_id)
    dialog.shopper.setText("Sam Lee")
    dialog.accept()  # what Start does
    assert dialog.created_id is not None
    assert changes == [Change.AGENTS, Change.EVALUATIONS]  # no agent was added
    assert written_on == ["shopper-writer", "shopper-writer"]
