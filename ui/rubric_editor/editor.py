"""The rubric editor window: the tree of sections and items, the fields of the selected one,
live totals, problems next to their fields, undo/redo, preview and versioned saving."""

from __future__ import annotations

from typing import Any, Literal

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShowEvent, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from shopper import rubric_edit as edit
from shopper.errors import ShopperError
from shopper.rubric_edit import NodePath, Problem, RubricDraft
from shopper.services import rubrics
from shopper.services.rubrics import RubricInfo, SaveResult
from ui import operations
from ui.context import AppContext
from ui.geometry import clamp_to_screen, fit_to_screen
from ui.operations import Change
from ui.rubric_editor.actions import build_tree_actions, build_undo_actions
from ui.rubric_editor.commands import InsertCommand, MoveCommand, RemoveCommand, SetFieldCommand
from ui.rubric_editor.fields import EDITOR_STYLE, UndoKeysToEditor
from ui.rubric_editor.keys import free_key, slug
from ui.rubric_editor.model import DraftModel, format_points
from ui.rubric_editor.panels import ItemPanel, NodePanel, RubricFields, SectionPanel
from ui.rubric_editor.requests import Requests
from ui.shortcuts import spell

Unsaved = Literal["save", "discard", "cancel"]


class RubricEditor(QDialog):
    saved = Signal(object)
    """RubricInfo of the version just stored."""

    def __init__(
        self,
        ctx: AppContext,
        draft: RubricDraft,
        origin: RubricInfo | None,
        taken_keys: frozenset[str] = frozenset(),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("rubricEditor")
        self.setWindowFlag(Qt.WindowType.Window)
        self.setStyleSheet(EDITOR_STYLE)
        self.ctx, self.origin = ctx, origin
        self.stack = QUndoStack(self)
        self.model = DraftModel(draft, taken_keys if origin is None else frozenset(), self)
        self.preview: QDialog | None = None
        self._session = 0
        self.auto_keys: set[int] = set()
        """Nodes added in this editor whose key still follows their title (by id)."""
        if origin is None and not draft.key:
            self.auto_keys.add(id(draft))
        self.requests = Requests(
            set_field=self.request_set_field,
            insert=self.request_insert,
            remove=self.request_remove,
            move=self.request_move,
            undo_filter=UndoKeysToEditor(self),
        )
        layout = QVBoxLayout(self)
        self.banner = self._build_banner()
        layout.addWidget(self.banner)
        self.rubric_fields = RubricFields(self.model, self.requests, key_editable=origin is None)
        layout.addWidget(self.rubric_fields)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self._build_tree_side())
        splitter.addWidget(self._build_panel_side())
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 4)
        splitter.setSizes([700, 560])
        layout.addWidget(splitter, 1)
        layout.addWidget(self._build_bottom())
        self.undo_action, self.redo_action = build_undo_actions(self, self.stack)
        self.undo_button.setDefaultAction(self.undo_action)
        self.redo_button.setDefaultAction(self.redo_action)
        self.save_action = QAction("Save", self)
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_action.triggered.connect(self.save)
        self.addAction(self.save_action)
        self.tree_actions = build_tree_actions(self, self.tree, self.tool_row)
        self._write_hint()

        self.model.move_requested.connect(self.request_move)
        self.model.changed.connect(self._update_status)
        self.stack.cleanChanged.connect(self._update_title)
        self.tree.selectionModel().currentChanged.connect(self._current_changed)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._new_session)
        self.rubric_fields.refresh()
        self._update_origin()
        self._update_status()
        self._current_changed(QModelIndex())
        if self.model.rowCount():
            self.show_node((0,))
        self._guarded = parent.window() if parent is not None else None
        if self._guarded is not None:
            self._guarded.installEventFilter(self)
        fit_to_screen(self, (1560, 1000))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        clamp_to_screen(self)  # the frame is known now: keep all of it on the screen

    # ------------------------------------------------------------------- building --
    def _build_banner(self) -> QFrame:
        banner = QFrame()
        banner.setObjectName("versionBanner")
        row = QHBoxLayout(banner)
        row.setContentsMargins(8, 4, 8, 4)
        self.banner_label = QLabel()
        self.banner_label.setObjectName("versionBannerText")
        self.banner_label.setWordWrap(True)
        row.addWidget(self.banner_label, 1)
        return banner

    def _build_tree_side(self) -> QWidget:
        side = QWidget()
        layout = QVBoxLayout(side)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tool_row = QHBoxLayout()
        layout.addLayout(self.tool_row)
        self.tree = QTreeView()
        self.tree.setObjectName("rubricTree")
        self.tree.setAccessibleName("Sections and items")
        self.tree.setModel(self.model)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setDragEnabled(True)
        self.tree.setAcceptDrops(True)
        self.tree.setDropIndicatorShown(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.tree.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.tree.setExpandsOnDoubleClick(False)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # Fixed widths from the widest texts these columns can hold: ResizeToContents would
        # read every row again on each keystroke.
        metrics = self.tree.fontMetrics()
        pad = 3 * metrics.averageCharWidth()
        for column, widest in ((1, "Follow-up · not in overall"), (2, "1000.25")):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            width = max(metrics.horizontalAdvance(widest), metrics.horizontalAdvance(title))
            header.resizeSection(column, width + pad)
        self.tree.expandAll()
        self.model.rowsInserted.connect(self._expand_inserted)
        self.model.rowsMoved.connect(lambda *_: self.tree.expandAll())
        layout.addWidget(self.tree, 1)
        self.tree_hint = QLabel()  # its keys come from the actions (see _write_hint)
        self.tree_hint.setProperty("role", "hint")
        self.tree_hint.setWordWrap(True)
        layout.addWidget(self.tree_hint)
        return side

    def _write_hint(self) -> None:
        """The hint under the tree, in the keys the actions really have."""
        actions = self.tree_actions
        up, down = spell(actions["moveUp"]), spell(actions["moveDown"])
        self.tree_hint.setText(
            f"Drag to reorder, or {up} / {down}. {spell(actions['removeNode'])} removes; "
            f"{spell(self.undo_action)} undoes."
        )

    def _build_panel_side(self) -> QWidget:
        self.pages = QStackedWidget()
        self.empty_page = QLabel("Add a section to start, or select a section or an item.")
        self.empty_page.setWordWrap(True)
        self.empty_page.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.section_panel = SectionPanel(self.model, self.requests)
        self.item_panel = ItemPanel(self.model, self.requests)
        for page in (self.empty_page, self.section_panel, self.item_panel):
            self.pages.addWidget(page)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.pages)
        scroll.setMinimumWidth(440)
        return scroll

    def _build_bottom(self) -> QWidget:
        bottom = QWidget()
        layout = QVBoxLayout(bottom)
        layout.setContentsMargins(0, 0, 0, 0)
        self.totals_label = QLabel()
        self.totals_label.setObjectName("overallTotal")
        self.totals_label.setProperty("role", "total")
        self.totals_label.setWordWrap(True)
        layout.addWidget(self.totals_label)
        # One message area of a fixed height (two lines; full text in the tooltip): the
        # problems, else what the last save did. Fixing the last problem or saving never
        # moves the buttons below it under the mouse.
        self.message_area = QWidget()
        self.message_area.setObjectName("messageArea")
        row = QHBoxLayout(self.message_area)
        row.setContentsMargins(0, 0, 0, 0)
        self.problem_summary = QLabel()
        self.problem_summary.setObjectName("problemSummary")
        self.save_message = QLabel()
        self.save_message.setObjectName("saveMessage")
        self.save_message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top_left = Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft
        for label in (self.problem_summary, self.save_message):
            label.setWordWrap(True)
            label.setAlignment(top_left)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            row.addWidget(label, 1)
        self.save_message.hide()
        self.go_to_problem_button = QPushButton("Show")
        self.go_to_problem_button.setToolTip("Select the first problem's field")
        self.go_to_problem_button.clicked.connect(self.go_to_first_problem)
        policy = self.go_to_problem_button.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.go_to_problem_button.setSizePolicy(policy)
        row.addWidget(self.go_to_problem_button, 0, top_left)
        lines = self.problem_summary.fontMetrics().lineSpacing()
        self.message_area.setFixedHeight(
            max(2 * lines + 4, self.go_to_problem_button.sizeHint().height())
        )
        layout.addWidget(self.message_area)
        buttons = QHBoxLayout()
        self.undo_button, self.redo_button = QToolButton(), QToolButton()
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.redo_button)
        buttons.addStretch(1)
        self.preview_button = QPushButton("&Preview…")
        self.preview_button.setToolTip("Fill the form as a shopper would; nothing is saved")
        self.preview_button.clicked.connect(self.open_preview)
        self.save_button = QPushButton("&Save")
        self.save_button.setDefault(False)
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        self.close_button = QPushButton("Close")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        for button in (self.preview_button, self.save_button, self.close_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        return bottom

    # ------------------------------------------------------------------- requests --
    def request_set_field(self, path: NodePath, name: str, value: Any) -> None:
        key = self._derived_key(path, name, value)
        command = SetFieldCommand(self.model, self.show_node, path, name, value, self._session, key)
        self.stack.push(command)

    def _derived_key(self, path: NodePath, name: str, value: Any) -> str | None:
        """The key a section or item added here takes from its title or prompt, while its
        key has not been typed by hand (typing one stops that)."""
        node = edit.node_at(self.model.draft, path)
        if name == "key":
            self.auto_keys.discard(id(node))
            return None
        source = {0: "name", 1: "title", 2: "prompt"}.get(len(path))
        if name != source or id(node) not in self.auto_keys:
            return None
        if not path:  # a new rubric's key, from its name: leasing-tour
            return free_key(slug(str(value), "-") or "rubric", self.model.taken_keys, "-")
        siblings = edit.children(edit.node_at(self.model.draft, path[:-1]))
        taken = [s.key for s in siblings if s is not node]
        base = slug(str(value)) or ("section" if len(path) == 1 else "item")
        return free_key(base, taken)

    def request_insert(self, path: NodePath, node: edit.Node) -> None:
        self.stack.push(InsertCommand(self.model, self.show_node, path, node))

    def request_remove(self, path: NodePath) -> None:
        self.stack.push(RemoveCommand(self.model, self.show_node, path))

    def request_move(self, source: NodePath, target: NodePath) -> None:
        self.stack.push(MoveCommand(self.model, self.show_node, source, target))

    def _new_session(self, *_: object) -> None:
        """Edits merge into one undo step only while focus stays in the same field."""
        self._session += 1

    # -------------------------------------------------------------------- actions --
    def current_path(self) -> NodePath | None:
        index = self.tree.currentIndex()
        return self.model.path_of(index) if index.isValid() else None

    def add_section(self) -> None:
        current = self.current_path()
        at = current[0] + 1 if current else len(self.model.draft.sections)
        section = edit.new_section(self.model.draft)
        self.auto_keys.add(id(section))
        self.request_insert((at,), section)
        self.section_panel.bindings["title"].widget.setFocus()

    def add_item(self) -> None:
        current = self.current_path()
        if current is None:
            if not self.model.draft.sections:
                self.add_section()
                return
            current = (len(self.model.draft.sections) - 1,)
        section = self.model.draft.sections[current[0]]
        at = current[1] + 1 if len(current) > 1 else len(section.items)
        item = edit.new_item(section)
        self.auto_keys.add(id(item))
        self.request_insert((current[0], at), item)
        self.item_panel.bindings["prompt"].widget.setFocus()

    def remove_current(self) -> None:
        current = self.current_path()
        if current is not None:
            self.request_remove(current)
            self.tree.setFocus()

    def step_current(self, step: int) -> None:
        current = self.current_path()
        if current is None:
            return
        target = edit.step_target(self.model.draft, current, step)
        if target is not None:
            self.request_move(current, target)

    def show_node(self, path: NodePath) -> None:
        """Select the section or item at `path` (an option's item) if it is not already."""
        if not path:
            return
        index = self.model.index_of(path[:2])
        if index.isValid() and index != self.tree.currentIndex():
            flags = (
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows
            )
            self.tree.selectionModel().setCurrentIndex(index, flags)
            self.tree.scrollTo(index)

    def _expand_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if not parent.isValid():
            for row in range(first, last + 1):
                self.tree.expand(self.model.index(row, 0))

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex | None = None) -> None:
        path = self.model.path_of(current) if current.isValid() else None
        panel: NodePanel | None = None
        if path is not None and len(path) == 1:
            panel = self.section_panel
        elif path is not None:
            panel = self.item_panel
        if panel is None:
            self.pages.setCurrentWidget(self.empty_page)
        else:
            panel.set_index(current)
            self.pages.setCurrentWidget(panel)
        has = path is not None
        self.tree_actions["removeNode"].setEnabled(has)
        self.tree_actions["moveUp"].setEnabled(has)
        self.tree_actions["moveDown"].setEnabled(has)
        self.tree_actions["addItem"].setEnabled(bool(self.model.draft.sections))

    # --------------------------------------------------------------------- status --
    def _update_status(self) -> None:
        draft, problems = self.model.draft, self.model.problems
        own = [s for s in draft.sections if not s.in_overall]
        text = f"Overall score out of {format_points(draft.possible)} points"
        if own:
            beside = ", ".join(
                f"{s.title.strip() or s.key} {format_points(s.possible)}" for s in own
            )
            text += f" · scored on their own: {beside}"
        self.totals_label.setText(text)
        if problems:
            count = len(problems)
            first = problems[0].describe(draft)
            summary = f"⚠ {count} problem{'s' * (count != 1)} to fix before saving. First: {first}"
            self.problem_summary.setText(summary)
            self.problem_summary.setToolTip(summary)
        self.problem_summary.setVisible(bool(problems))
        self.save_message.setVisible(not problems and bool(self.save_message.text()))
        self.go_to_problem_button.setVisible(bool(problems))
        self.save_button.setEnabled(not problems)
        self.save_action.setEnabled(not problems)
        self.preview_button.setEnabled(not problems)
        self.tree_actions["addItem"].setEnabled(bool(draft.sections))
        # The summary may have grown and pushed the selected row out of sight.
        QTimer.singleShot(0, self, self._scroll_to_current)
        if problems:
            self.save_button.setToolTip("Fix the problems shown in red first")
        else:
            self.save_button.setToolTip("")
        self._update_title()

    def _scroll_to_current(self) -> None:
        self.tree.scrollTo(self.tree.currentIndex())

    def _update_title(self, *_: object) -> None:
        name = self.model.draft.name.strip() or "New rubric"
        where = f" (v{self.origin.version})" if self.origin else ""
        unsaved = "" if self.stack.isClean() else " — unsaved changes"
        self.setWindowTitle(f"Rubric editor: {name}{where}{unsaved}")

    def _update_origin(self) -> None:
        """Say what saving will do, on the banner and on the Save button."""
        origin = self.origin
        latest = 0
        if origin is not None:
            key = origin.key
            found = operations.read_now(self.ctx, lambda db: rubrics.list_rubrics(db, key))
            latest = max(r.version for r in found)
        self.plan = edit.save_plan(origin, latest)
        self.banner_label.setText(self.plan.text)
        frozen = origin is not None and origin.frozen
        self.banner.setProperty("kind", "frozen" if frozen else "free")
        self.banner.style().unpolish(self.banner)
        self.banner.style().polish(self.banner)
        if origin is None:
            self.save_button.setText("&Save")
        elif self.plan.in_place:
            self.save_button.setText(f"&Save version {self.plan.version}")
        else:
            self.save_button.setText(f"&Save as version {self.plan.version}")
        self.rubric_fields.key_edit.setReadOnly(origin is not None)
        self._update_title()

    def go_to_first_problem(self) -> None:
        self.model.validate_now()
        if self.model.problems:
            self.focus_problem(self.model.problems[0])

    def focus_problem(self, problem: Problem) -> None:
        """Select the node of `problem` and put the cursor in its field."""
        path = problem.path
        if not path:
            binding = self.rubric_fields.bindings.get(problem.field)
            if binding is not None:
                binding.widget.setFocus()
            return
        self.show_node(path)
        panel: NodePanel = self.section_panel if len(path) == 1 else self.item_panel
        if len(path) == 3:
            rows = self.item_panel.options.rows
            if path[2] < len(rows):
                row = rows[path[2]]
                (row.points if problem.field == "points" else row.label).widget.setFocus()
            return
        binding = panel.bindings.get(problem.field)
        if binding is not None:
            binding.widget.setFocus()
        elif problem.field == "options":
            self.item_panel.options.add_button.setFocus()

    # ------------------------------------------------------------- save, preview --
    def save(self) -> bool:
        if self.model.validation_pending:
            self.model.validate_now()
        if self.model.problems:
            self.go_to_first_problem()
            return False
        draft, origin = self.model.draft, self.origin

        def changed(saved: SaveResult) -> Change:
            return Change.NOTHING if saved.outcome == "unchanged" else Change.RUBRICS

        try:  # on the app's writer; the UI waits (the draft is not edited meanwhile)
            result = operations.write_now(
                self.ctx, lambda db: edit.save_draft(db, draft, origin), changed
            )
        except ShopperError as exc:
            self._show_save_message(f"Not saved: {exc}", "color: #a00018;")
            return False
        before = self.origin
        if before is not None and result.outcome == "new_version":
            rubric_id = before.id  # evaluations may have come since
            before = operations.read_now(self.ctx, lambda db: rubrics.info(db, rubric_id))
        message = edit.describe_save(result, before)
        self.origin = result.info
        self.model.draft.version = result.info.version
        self.model.taken_keys = frozenset()
        self.stack.setClean()
        self._show_save_message(message)
        self._update_origin()
        self._update_status()
        if result.outcome != "unchanged":
            self.saved.emit(result.info)
        return True

    def _show_save_message(self, text: str, style: str = "") -> None:
        self.save_message.setStyleSheet(style)
        self.save_message.setText(text)
        self.save_message.setToolTip(text)
        self.save_message.setVisible(not self.model.problems)

    def open_preview(self) -> QDialog | None:
        if self.model.validation_pending:
            self.model.validate_now()
        if self.model.problems:
            self.go_to_first_problem()
            return None
        from ui.rubric_editor.preview import PreviewDialog

        if self.preview is not None:
            self.preview.close()
            self.preview.deleteLater()
        rubric = edit.to_rubric(self.model.draft).with_version(self.plan.version)
        self.preview = PreviewDialog(rubric, self)
        self.preview.show()
        self.preview.raise_()
        self.preview.activateWindow()
        return self.preview

    # ---------------------------------------------------------------------- close --
    def ask_unsaved(self) -> Unsaved:
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            "This rubric has changes that are not saved. Save them before closing?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return "save"
        if answer == QMessageBox.StandardButton.Discard:
            return "discard"
        return "cancel"

    def may_close(self) -> bool:
        if self.stack.isClean():
            return True
        answer = self.ask_unsaved()
        if answer == "save":
            return self.save()
        return answer == "discard"

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Closing the main window first asks about this editor's unsaved changes."""
        if (
            event.type() == QEvent.Type.Close
            and watched is self._guarded
            and self.isVisible()
            and not self.stack.isClean()
        ):
            self.raise_()
            self.activateWindow()
            if not self.may_close():
                event.ignore()
                return True
            self.stack.setClean()
        return super().eventFilter(watched, event)

    def reject(self) -> None:
        """Esc, Close and the window's close button all come here (QDialog.closeEvent)."""
        if self.may_close():
            if self.preview is not None:
                self.preview.close()
            super().reject()
