"""The Rubrics page: versions and their use, default, new/edit/duplicate, import and export."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from shopper import cli
from shopper.rubric import load_rubric_file
from shopper.services import agents, evaluations, properties, rubrics
from shopper.storage.db import Database
from tests.ui.keyboard import show_and_focus
from ui.operations import Change
from ui.pages.rubrics import RubricsPage
from ui.rubric_editor import RubricEditor
from ui.rubric_editor.versions_model import INFO_ROLE


@pytest.fixture(autouse=True)
def never_ask(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(RubricEditor, "ask_unsaved", lambda self: "discard")


@pytest.fixture
def page(ctx, qtbot):  # type: ignore[no-untyped-def]
    ctx.tasks.synchronous = True  # the list loads inline, as soon as asked (tested apart)
    widget = RubricsPage(ctx)
    qtbot.addWidget(widget)
    widget.resize(1100, 600)
    show_and_focus(qtbot, widget)
    yield widget
    for editor in list(widget.editors):
        if shiboken6.isValid(editor):
            editor.close()  # deletes itself


def rows(page: RubricsPage) -> list[tuple[str, ...]]:
    """The tree as text: key rows, then their version rows indented."""
    model, out = page.model, []
    for row in range(model.rowCount()):
        top = model.index(row, 0)
        out.append(tuple(model.index(row, c).data() for c in range(3)))
        for child in range(model.rowCount(top)):
            cells = (model.index(child, c, top).data() for c in range(3))
            out.append(tuple(f"  {text}" if c == 0 else text for c, text in enumerate(cells)))
    return out


def evaluate(db, rubric_id: int) -> evaluations.EvaluationData:  # type: ignore[no-untyped-def]
    found = properties.list_properties(db)
    prop = found[0] if found else properties.create_property(db, "Maple Court")
    agent = agents.create_agent(db, f"Agent {len(agents.list_agents(db))}", prop.id)
    return evaluations.create(
        db, rubric_id=rubric_id, agent_id=agent.id, visited_on=dt.date(2026, 11, 20)
    )


def bundled_version(page: RubricsPage) -> int:
    """The version of the bundled default rubric a new database starts with."""
    return rubrics.find(page.ctx.db, "leasing-tour").version


def test_lists_versions_with_their_use_and_the_default(page, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    qtmodeltester.check(page.model)
    v = bundled_version(page)
    assert rows(page) == [
        ("Leasing Tour (leasing-tour)", "0", "Default for new evaluations · 1 version"),
        (f"  Version {v} (latest)", "0", "Not used yet: editable in place"),
    ]
    info = rubrics.find(page.ctx.db, "leasing-tour")
    evaluate(page.ctx.db, info.id)
    page.ctx.announce(Change.EVALUATIONS)
    assert rows(page)[1] == (f"  Version {v} (latest)", "1", "In use: edits become a new version")
    assert "Used by 1 evaluation; frozen." in page.details.toPlainText()
    assert "Overall score out of 100 points." in page.details.toPlainText()
    assert not page.buttons["default"].isEnabled(), "it already is the default"


def test_edit_a_used_version_makes_version_2_and_the_list_shows_both(page, qtbot) -> None:  # type: ignore[no-untyped-def]
    db = page.ctx.db
    info = rubrics.find(db, "leasing-tour")
    v = info.version
    first = evaluate(db, info.id)
    page.refresh()
    assert page.select("leasing-tour", v)
    page.buttons["edit"].click()
    editor = page.editors[-1]
    assert page.edit_selected() is editor, "the same version opens in the same editor"
    assert editor.testAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    editor.show_node((0,))
    editor.request_set_field((0,), "title", "First contact (phone or email)")
    editor.save_button.click()
    assert rows(page) == [
        ("Leasing Tour (leasing-tour)", "1", "Default for new evaluations · 2 versions"),
        (f"  Version {v + 1} (latest)", "0", "Not used yet: editable in place"),
        (f"  Version {v}", "1", "In use: edits become a new version"),
    ]
    assert page.selected().version == v + 1
    assert evaluations.get(db, first.id).rubric_version == v
    assert rubrics.default_rubric(db).version == v + 1  # type: ignore[union-attr]


def test_new_rubric_and_duplicate_under_a_new_key(page, qtbot) -> None:  # type: ignore[no-untyped-def]
    editor = page.new_rubric()
    qtbot.waitExposed(editor)
    assert editor.model.taken_keys == frozenset({"leasing-tour"})
    assert editor.model.draft.key == ""

    page.select("leasing-tour")
    copy_editor = page.duplicate_selected()
    assert copy_editor is not None and copy_editor is not editor
    assert (copy_editor.model.draft.key, copy_editor.model.draft.name) == (
        "leasing-tour-copy",
        "Leasing Tour (copy)",
    )
    assert not copy_editor.rubric_fields.bindings["key"].widget.isReadOnly()
    assert copy_editor.save_button.isEnabled()
    copy_editor.save_button.click()
    assert [r[0] for r in rows(page)] == [
        "Leasing Tour (leasing-tour)",
        f"  Version {bundled_version(page)} (latest)",
        "Leasing Tour (copy) (leasing-tour-copy)",
        "  Version 1 (latest)",
    ]
    assert page.selected().key == "leasing-tour-copy"
    assert page.buttons["default"].isEnabled()
    page.buttons["default"].click()
    assert rubrics.default_rubric(page.ctx.db).key == "leasing-tour-copy"  # type: ignore[union-attr]
    assert rows(page)[2][2] == "Default for new evaluations · 1 version"
    assert rows(page)[0][2] == "1 version"
    assert "New evaluations now use leasing-tour-copy" in page.message.text()


def test_import_says_what_happened_like_the_cli(page, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    info = rubrics.find(page.ctx.db, "leasing-tour")
    v = info.version  # the file keeps the version it was written from
    data = rubrics.get_rubric(page.ctx.db, info.id).to_dict()
    data["key"], data["name"] = "phone-shop", "Phone shop"
    good = tmp_path / "phone-shop.json"
    good.write_text(json.dumps(data), encoding="utf-8")

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(good), ""))
    page.buttons["import"].click()
    assert page.message.text() == f"Added Phone shop (phone-shop v{v})"
    assert page.message.property("kind") == "ok"
    assert page.selected().key == "phone-shop"
    page.import_file(good)
    assert page.message.text() == f"Phone shop (phone-shop v{v}) is already stored; unchanged"
    evaluate(page.ctx.db, rubrics.find(page.ctx.db, "phone-shop").id)
    data["sections"][0]["title"] = "First reply"
    good.write_text(json.dumps(data), encoding="utf-8")
    page.import_file(good)
    assert page.message.text() == (
        f"phone-shop v{v} is already stored with other content; saved as v{v + 1}"
    )

    data["sections"][0]["items"][1]["critical"] = "yes"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    page.import_file(bad)
    shown = page.message.text()
    assert page.message.property("kind") == "error"
    assert shown.startswith(f"⚠ {bad}: sections[0].items[1].critical: ")
    # The very same words as `shopper rubric import`.
    capsys_message = _cli_error(page, bad)
    assert shown == f"⚠ {capsys_message}"
    with pytest.raises(Exception) as raised:
        load_rubric_file(bad)
    assert shown == f"⚠ {raised.value}"
    assert [r.version for r in rubrics.list_rubrics(page.ctx.db, "phone-shop")] == [v, v + 1]


def _cli_error(page: RubricsPage, path: Path) -> str:
    import contextlib
    import io

    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        code = cli.main(["--db", page.ctx.db.describe(), "rubric", "import", str(path)])
    assert code == 1
    line = stderr.getvalue().strip()
    assert line.startswith("shopper: error: ")
    return line.removeprefix("shopper: error: ")


def test_export_writes_the_selected_version(page, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out" / "tour.json"
    target.parent.mkdir()
    asked: list[str] = []

    def fake_dialog(_parent, _title, suggested, _filter):  # type: ignore[no-untyped-def]
        asked.append(suggested)
        return str(target), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake_dialog)
    v = bundled_version(page)
    page.select("leasing-tour", v)
    page.buttons["export"].click()
    assert asked[0].endswith(f"leasing-tour-v{v}.json")
    assert page.message.text() == f"Wrote leasing-tour v{v} to {target}"
    info = rubrics.find(page.ctx.db, "leasing-tour")
    assert load_rubric_file(target) == rubrics.get_rubric(page.ctx.db, info.id)
    assert not page.export_to(tmp_path / "missing-folder" / "x.json")
    assert page.message.property("kind") == "error"


def test_main_window_creates_the_page_by_name(db: Database, qtbot: QtBot) -> None:
    from ui.main_window import PAGES, MainWindow

    window = MainWindow(db)
    qtbot.addWidget(window)
    index = next(i for i, spec in enumerate(PAGES) if spec.title == "Rubrics")
    page = window.page(index)
    assert isinstance(page, RubricsPage)
    with qtbot.waitSignal(page.loaded, timeout=10000):  # the list loads in the background
        window.show_page(index)
    assert page.model.index(0, 0).data(INFO_ROLE).key == "leasing-tour"


def test_a_closed_editor_is_forgotten_and_deleted(page, qtbot) -> None:  # type: ignore[no-untyped-def]
    editor = page.new_rubric()
    assert page.editors == [editor]
    editor.close_button.click()
    assert page.editors == []
    qtbot.waitUntil(lambda: not shiboken6.isValid(editor))
