"""The paged evaluation list model: Qt's model rules, order, filters, pages, refreshes."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from shopper import demo, scoring
from shopper.services import evaluation_list
from shopper.services.evaluation_list import EvaluationFilter
from shopper.storage.folding import fold_text
from ui.models import evaluation_list_model as list_model
from ui.models.evaluation_list_model import COLUMNS, EvaluationListModel


@pytest.fixture
def demo_db(db):  # type: ignore[no-untyped-def]
    demo.generate(db, properties=4, agents=12, evaluations=450, end_date=dt.date(2024, 6, 30))
    return db


@pytest.fixture
def model(demo_db, ctx):  # type: ignore[no-untyped-def]
    ctx.tasks.synchronous = True
    built = EvaluationListModel(ctx)
    built.reload()
    return built


def column_texts(model: EvaluationListModel, column: int) -> list[str]:
    return [model.data(model.index(r, column)) for r in range(model.rowCount())]


def test_passes_the_qt_model_tester(model: EvaluationListModel, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    assert model.rowCount() == 450
    qtmodeltester.check(model)


def test_rows_are_the_stored_summaries(model: EvaluationListModel, demo_db) -> None:  # type: ignore[no-untyped-def]
    ids = evaluation_list.list_ids(demo_db)  # newest visit first, like the model
    assert [model.evaluation_id(r) for r in range(model.rowCount())] == ids
    summary = evaluation_list.summaries(demo_db, [ids[7]])[0]
    row = [model.data(model.index(7, c)) for c in range(len(COLUMNS))]
    assert row[0] == summary.visited_on.isoformat()
    assert row[1:4] == [summary.property_name, summary.agent_name, summary.shopper]
    assert row[6] == scoring.format_pct(summary.overall_pct)
    assert row[7] == ("⚠ CRITICAL" if summary.critical_failure else "")
    assert model.data(model.index(7, 0), Qt.ItemDataRole.UserRole) == ids[7]


def test_a_screen_of_rows_costs_one_query(model: EvaluationListModel) -> None:
    model._pages.clear()
    model.page_fetches = 0
    for row in range(250, 300):
        for column in range(len(COLUMNS)):
            model.data(model.index(row, column))
            model.data(model.index(row, column), Qt.ItemDataRole.ForegroundRole)
    assert model.page_fetches == 1  # rows 250-299 all sit in page 1


def test_page_cache_is_bounded(model: EvaluationListModel, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(list_model, "MAX_PAGES", 2)
    for row in (0, 200, 400):
        model.data(model.index(row, 1))
    assert len(model._pages) == 2


@pytest.mark.parametrize("column", range(len(COLUMNS)))
def test_sorts_by_every_column(model: EvaluationListModel, demo_db, column: int) -> None:  # type: ignore[no-untyped-def]
    key = COLUMNS[column][1]
    model.sort(column, Qt.SortOrder.AscendingOrder)
    ids = [model.evaluation_id(r) for r in range(model.rowCount())]
    assert ids == evaluation_list.list_ids(demo_db, sort=key, descending=False)
    model.sort(column, Qt.SortOrder.DescendingOrder)
    assert model.evaluation_id(0) == evaluation_list.list_ids(demo_db, sort=key)[0]


def test_filters(model: EvaluationListModel, demo_db) -> None:  # type: ignore[no-untyped-def]
    first = evaluation_list.summaries(demo_db, [model.evaluation_id(0)])[0]
    flt = EvaluationFilter(
        property_id=first.property_id,
        status="submitted",
        date_from=dt.date(2024, 3, 1),
        date_to=dt.date(2024, 5, 31),
    )
    model.set_filter(flt)
    expected = evaluation_list.list_ids(demo_db, flt)
    assert 0 < len(expected) < 450
    assert [model.evaluation_id(r) for r in range(model.rowCount())] == expected
    assert set(column_texts(model, 1)) == {first.property_name}
    assert all("2024-03-01" <= d <= "2024-05-31" for d in column_texts(model, 0))


def test_text_filter_ignores_accents(model: EvaluationListModel, demo_db) -> None:  # type: ignore[no-untyped-def]
    accented = next(
        s
        for s in evaluation_list.summaries(demo_db, evaluation_list.list_ids(demo_db))
        if s.agent_name != s.agent_name.encode("ascii", "ignore").decode()
    )
    bare = fold_text(accented.agent_name)
    assert bare is not None and bare != accented.agent_name.lower()
    for typed in (accented.agent_name.upper(), bare):
        model.set_filter(EvaluationFilter(text=typed))
        shown = [model.evaluation_id(r) for r in range(model.rowCount())]
        assert accented.id in shown, typed
    model.set_filter(EvaluationFilter(text="no such name at all"))
    assert model.rowCount() == 0


def test_first_page_shows_before_the_ids_then_rows_are_appended(demo_db, ctx, qtbot) -> None:  # type: ignore[no-untyped-def]
    model = EvaluationListModel(ctx)
    resets, inserts = [], []
    model.modelReset.connect(lambda: resets.append(model.rowCount()))
    model.rowsInserted.connect(lambda _p, first, last: inserts.append((first, last)))
    with qtbot.waitSignal(model.ids_loaded, timeout=10000):
        model.reload()
    assert model.complete and not model.loading
    assert model.rowCount() == 450
    # Either the quick first page came first and the rest was appended (the usual case),
    # or the ids won the race and came in one go; never a reset once rows are shown.
    assert (resets, inserts) in (
        ([list_model.PAGE_SIZE], [(list_model.PAGE_SIZE, 449)]),
        ([], [(0, 449)]),
    )


def test_refresh_with_the_same_rows_does_not_reset(model: EvaluationListModel, qtbot) -> None:  # type: ignore[no-untyped-def]
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    with qtbot.waitSignal(model.dataChanged):
        model.reload(quick_first_page=False)
    assert resets == []
    assert model.rowCount() == 450
