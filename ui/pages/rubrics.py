"""The Rubrics page: every rubric with its versions and their use; new, edit, duplicate,
default for new evaluations, import and export of rubric files."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from shopper import rubric_edit as edit
from shopper.errors import ShopperError
from shopper.rubric import Rubric, load_rubric_file, save_rubric_file
from shopper.rubric_edit import RubricDraft
from shopper.services import rubrics
from shopper.services.rubrics import RubricInfo, SaveResult
from ui import operations, settings
from ui.context import AppContext
from ui.errors import show_unexpected
from ui.keys import guard_text_fields
from ui.operations import Change
from ui.rubric_editor import RubricEditor
from ui.rubric_editor.model import format_points
from ui.rubric_editor.versions_model import INFO_ROLE, RubricVersionsModel

PAGE_STYLE = """
QLabel#rubricsMessage[kind="ok"] { background: #e7f4e8; border: 1px solid #8cc190; padding: 6px; }
QLabel#rubricsMessage[kind="error"] {
    background: #fdecee; border: 1px solid #d9848f; color: #7a0010; padding: 6px;
    font-weight: bold;
}
"""
FILE_FILTER = "Rubric files (*.json);;All files (*)"


def describe_import(result: SaveResult, file_version: int) -> str:
    """What importing did, in the words of `shopper rubric import`."""
    info = result.info
    return {
        "added": f"Added {info.name} ({info.key} v{info.version})",
        "unchanged": f"{info.name} ({info.key} v{info.version}) is already stored; unchanged",
        "new_version": f"{info.key} v{file_version} is already stored with other content; "
        f"saved as v{info.version}",
        "updated": f"Updated {info.key} v{info.version}",
    }[result.outcome]


class RubricsPage(QWidget):
    loaded = Signal()
    """The list of rubrics arrived from the background and is shown."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._generation = 0
        self.setObjectName("rubricsPage")
        self.setStyleSheet(PAGE_STYLE)
        self.editors: list[RubricEditor] = []
        self.model = RubricVersionsModel(self)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "A rubric version that evaluations use never changes: editing it saves the next "
            "version, and those evaluations keep theirs. New evaluations use the latest "
            "version of the default rubric."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(self._build_buttons())
        self.message = QLabel()
        self.message.setObjectName("rubricsMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        layout.addWidget(self.message)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.tree = QTreeView()
        self.tree.setObjectName("rubricVersions")
        self.tree.setAccessibleName("Rubrics and their versions")
        self.tree.setModel(self.model)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setUniformRowHeights(True)
        self.tree.activated.connect(lambda _index: self.edit_selected())
        header = self.tree.header()
        header.setStretchLastSection(False)
        # Names, counts and dates whole (a handful of rows: measuring them is cheap); the
        # status takes what is left and is cut with "…" on a narrow screen.
        for column in (0, 1, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(self.fontMetrics().averageCharWidth() * 6)
        self.details = QTextBrowser()
        self.details.setObjectName("rubricDetails")
        self.details.setOpenLinks(False)
        splitter.addWidget(self.tree)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)
        self.tree.selectionModel().currentChanged.connect(self._current_changed)
        ctx.changed.connect(self._data_changed)
        guard_text_fields(self)  # Alt+letter (the menus') never types into a field
        self.refresh()

    def _build_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        specs = (
            ("new", "&New…", "Start a rubric from scratch", self.new_rubric),
            ("edit", "E&dit…", "Edit the selected version (Enter)", self.edit_selected),
            ("duplicate", "D&uplicate…", "Copy it under a new key", self.duplicate_selected),
            (
                "default",
                "Use for new e&valuations",
                "Preselect this rubric's latest version for new evaluations",
                self.set_default_selected,
            ),
            ("import", "&Import…", "Add a rubric file", self.import_from_dialog),
            ("export", "E&xport…", "Write the selected version to a file", self.export_from_dialog),
        )
        for name, text, tip, slot in specs:
            button = QPushButton(text)
            button.setObjectName(f"rubric_{name}")
            button.setToolTip(tip)
            button.clicked.connect(slot)
            row.addWidget(button)
            self.buttons[name] = button
            if name == "default":
                row.addStretch(1)
        return row

    # ------------------------------------------------------------------- listing --
    def refresh(self, then_select: tuple[str, int | None] | None = None) -> None:
        """Load the list in the background; when it arrives, select `then_select` (a key
        and version) or keep the current selection."""
        selected = self.selected()
        keep = then_select or ((selected.key, selected.version) if selected else None)
        self._generation += 1
        generation = self._generation
        operations.query(
            self.ctx,
            rubrics.list_rubrics,
            lambda found: self._loaded(generation, found, keep),
            parent=self,
            title="The rubrics could not be loaded",
        )

    def _loaded(
        self, generation: int, found: list[RubricInfo], keep: tuple[str, int | None] | None
    ) -> None:
        if generation != self._generation:
            return  # a newer load is on its way
        self.model.load(found)
        self.tree.expandAll()
        if keep is not None:
            self.select(*keep)
        elif self.model.rowCount():
            self.tree.setCurrentIndex(self.model.index(0, 0))
        self._current_changed()
        self.loaded.emit()

    def activated(self) -> None:
        """Called by the main window whenever the page is shown."""
        self.refresh()

    def _data_changed(self, change: Change) -> None:
        if change & (Change.RUBRICS | Change.EVALUATIONS):
            self.refresh()

    def selected(self) -> RubricInfo | None:
        info = self.tree.currentIndex().data(INFO_ROLE)
        return info if isinstance(info, RubricInfo) else None

    def select(self, key: str, version: int | None = None) -> bool:
        """Select the row of `key` (its version row when `version` is given)."""
        for row in range(self.model.rowCount()):
            top = self.model.index(row, 0)
            info = top.data(INFO_ROLE)
            if info.key != key:
                continue
            target = top
            for child in range(self.model.rowCount(top)):
                index = self.model.index(child, 0, top)
                if version is not None and index.data(INFO_ROLE).version == version:
                    target = index
            self.tree.selectionModel().setCurrentIndex(
                target,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            return True
        return False

    def _current_changed(self, *_: QModelIndex) -> None:
        info = self.selected()
        for name in ("edit", "duplicate", "export"):
            self.buttons[name].setEnabled(info is not None)
        self.buttons["default"].setEnabled(info is not None and not self._is_default_key(info))
        self.details.setHtml(self._details_html(info) if info else "<p>No rubric selected.</p>")

    def _is_default_key(self, info: RubricInfo) -> bool:
        """Whether `info`'s rubric is the default (its key row carries the latest version)."""
        for row in range(self.model.rowCount()):
            top = self.model.index(row, 0).data(INFO_ROLE)
            if top.key == info.key:
                return bool(top.is_default)
        return False

    def _details_html(self, info: RubricInfo) -> str:
        rubric = self._rubric(info)
        count = info.evaluation_count
        used = (
            f"Used by {count} evaluation{'s' * (count != 1)}; frozen."
            if count
            else "Not used by any evaluation yet; edits change it in place."
        )
        rows = "".join(
            f"<tr><td>{html.escape(s.title)}</td><td align='right'>{len(s.items)}</td>"
            f"<td align='right'>{format_points(s.possible)}</td>"
            f"<td>{'follow-up' if s.deferred else ''}"
            f"{'' if s.in_overall else ' not in overall'}</td></tr>"
            for s in rubric.sections
        )
        description = f"<p>{html.escape(rubric.description)}</p>" if rubric.description else ""
        return (
            f"<h3>{html.escape(rubric.name)}</h3>"
            f"<p><b>{html.escape(rubric.key)}</b> version {rubric.version} · {used}</p>"
            f"{description}"
            "<table cellspacing='0' cellpadding='3'><tr><th align='left'>Section</th>"
            "<th>Items</th><th>Points</th><th></th></tr>"
            f"{rows}</table>"
            f"<p>Overall score out of {format_points(rubric.possible)} points.</p>"
        )

    def show_message(self, text: str, ok: bool = True) -> None:
        self.message.setText(text if ok else f"⚠ {text}")
        self.message.setProperty("kind", "ok" if ok else "error")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.show()

    # ------------------------------------------------------------------- editing --
    def open_editor(self, draft: RubricDraft, origin: RubricInfo | None) -> RubricEditor:
        for editor in self.editors:
            same = editor.origin is not None and origin is not None
            if same and editor.origin.id == origin.id and editor.isVisible():  # type: ignore[union-attr]
                editor.raise_()
                editor.activateWindow()
                return editor
        taken = frozenset(r.key for r in self._list())
        editor = RubricEditor(self.ctx, draft, origin, taken, self.window())
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.saved.connect(self._editor_saved)
        editor.finished.connect(lambda _result, e=editor: self._forget(e))
        self.editors = [e for e in self.editors if e.isVisible()] + [editor]
        editor.show()
        return editor

    def _forget(self, editor: RubricEditor) -> None:
        self.editors = [e for e in self.editors if e is not editor]

    def _editor_saved(self, info: RubricInfo) -> None:
        self.refresh(then_select=(info.key, info.version))

    def new_rubric(self) -> RubricEditor:
        return self.open_editor(RubricDraft(), None)

    def edit_selected(self) -> RubricEditor | None:
        info = self.selected()
        if info is None:
            return None
        return self.open_editor(edit.from_rubric(self._rubric(info)), info)

    def duplicate_selected(self) -> RubricEditor | None:
        info = self.selected()
        if info is None:
            return None
        taken = {r.key for r in self._list()}
        return self.open_editor(edit.duplicate(self._rubric(info), taken), None)

    def _rubric(self, info: RubricInfo) -> Rubric:
        rubric_id = info.id
        return operations.read_now(self.ctx, lambda db: rubrics.get_rubric(db, rubric_id))

    def _list(self) -> list[RubricInfo]:
        return operations.read_now(self.ctx, rubrics.list_rubrics)

    def set_default_selected(self) -> None:
        info = self.selected()
        if info is None:
            return
        key = info.key
        try:
            operations.write_now(self.ctx, lambda db: rubrics.set_default(db, key), Change.RUBRICS)
        except ShopperError as exc:
            self.show_message(str(exc), ok=False)
            return
        self.show_message(f"New evaluations now use {info.key} (its latest version).")

    # --------------------------------------------------------------- import/export --
    def import_from_dialog(self) -> None:
        folder = settings.folder_or_home(settings.LAST_IMPORT_FOLDER)
        path, _filter = QFileDialog.getOpenFileName(
            self, "Import a rubric file", folder, FILE_FILTER
        )
        if path:
            settings.remember_folder(settings.LAST_IMPORT_FOLDER, path)
            self.import_file(Path(path))

    def import_file(self, path: Path) -> SaveResult | None:
        """Validate and store a rubric file; the message says what happened or what is wrong
        (the same words as `shopper rubric import`)."""
        try:
            rubric = load_rubric_file(path)
            result = operations.write_now(
                self.ctx, lambda db: rubrics.save_rubric(db, rubric), Change.RUBRICS
            )
        except ShopperError as exc:
            self.show_message(str(exc), ok=False)
            return None
        except Exception as exc:
            show_unexpected(self, exc)
            return None
        self.refresh(then_select=(result.info.key, result.info.version))
        self.show_message(describe_import(result, rubric.version))
        return result

    def export_from_dialog(self) -> None:
        info = self.selected()
        if info is None:
            return
        folder = Path(settings.folder_or_home(settings.LAST_EXPORT_FOLDER))
        suggested = str(folder / f"{info.key}-v{info.version}.json")
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export the rubric", suggested, FILE_FILTER
        )
        if path:
            settings.remember_folder(settings.LAST_EXPORT_FOLDER, path)
            self.export_to(Path(path))

    def export_to(self, path: Path) -> bool:
        info = self.selected()
        if info is None:
            return False
        try:
            save_rubric_file(self._rubric(info), path)
        except ShopperError as exc:
            self.show_message(str(exc), ok=False)
            return False
        except OSError as exc:
            self.show_message(f"{path}: cannot be written ({exc.strerror})", ok=False)
            return False
        self.show_message(f"Wrote {info.key} v{info.version} to {path}")
        return True
