"""The rubric form: every section in order, a section navigator and the live score.

Works with no database at all (the rubric editor's preview uses it): it takes a `Rubric` and
answers, and scores with `shopper.scoring.score` only. Saving is the caller's business; the
form announces every change through `answers_changed`.

Keys (while an item has focus): Y / N / A and digits answer and move on; Up/Down (or J/K) and
Tab/Shift+Tab move; Left/Right change the answer in place; Delete clears it; Enter or C opens
the comment box, Esc leaves it; F1 or ? shows the guidance; Ctrl+PgDown / Ctrl+PgUp jump to
the next / previous section; F6 switches between the navigator and the items.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtCore import QEvent, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from shopper import scoring
from shopper.rubric import Rubric
from shopper.services.evaluations import AnswerData
from ui.form.item_row import ItemRow
from ui.form.section_header import SectionHeader, score_text
from ui.form.style import FORM_STYLE

KEY_QUESTION_BADGE_STYLE = (
    "color: #1d2a3a; background: #dfe8fb; font-weight: bold; padding: 1px 6px; border-radius: 3px;"
)


def _add_key_question_badge(row: ItemRow) -> None:
    """A "Key question" label right after the item's prompt."""
    outer = row.layout()
    first = outer.itemAt(0) if outer is not None else None
    heading = first.layout() if first is not None else None
    if not isinstance(heading, QHBoxLayout):
        return
    badge = QLabel("Key question")
    badge.setObjectName("keyQuestionBadge")
    badge.setStyleSheet(KEY_QUESTION_BADGE_STYLE)
    badge.setToolTip("Counts in the key-question score shown beside the overall")
    heading.insertWidget(2, badge, 0, Qt.AlignmentFlag.AlignTop)


class RubricForm(QWidget):
    answers_changed = Signal()
    """Any answer, comment or text changed (emitted on every keystroke)."""
    message = Signal(str)
    """A short note for the status line (e.g. why a key did nothing)."""

    def __init__(
        self,
        rubric: Rubric,
        answers: Mapping[str, AnswerData] | None = None,
        read_only: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.rubric = rubric
        self.read_only = read_only
        self.setObjectName("rubricForm")
        self.setStyleSheet(FORM_STYLE)
        self.rows: list[ItemRow] = []
        self._rows_by_path: dict[str, ItemRow] = {}
        self._headers: dict[str, SectionHeader] = {}
        self._current: ItemRow | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._build_summary())
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.navigator = QListWidget()
        self.navigator.setObjectName("sectionNavigator")
        self.navigator.setAccessibleName("Sections")
        self.navigator.itemActivated.connect(self._navigator_activated)
        self.navigator.currentRowChanged.connect(self._navigator_moved)
        self.items_area = QScrollArea()  # not `scroll`: that is QWidget.scroll()
        self.items_area.setWidgetResizable(True)
        self.items_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.items_area.setWidget(self._build_sections())
        self.splitter.addWidget(self.navigator)
        self.splitter.addWidget(self.items_area)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([250, 900])
        layout.addWidget(self.splitter, 1)
        self._install_shortcuts()
        self.set_answers(answers or {})
        if read_only:
            self.set_read_only(True)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)

    # ----------------------------------------------------------------- building --
    def _build_summary(self) -> QWidget:
        bar = QFrame()
        bar.setObjectName("scoreBar")
        layout = QVBoxLayout(bar)
        layout.setContentsMargins(10, 6, 10, 6)
        top = QHBoxLayout()
        self.overall_label = QLabel()
        self.overall_label.setObjectName("overallScore")
        self.count_label = QLabel()
        self.count_label.setObjectName("answeredCount")
        self.rubric_label = QLabel(f"{self.rubric.name} · version {self.rubric.version}")
        self.rubric_label.setObjectName("rubricVersion")
        self.rubric_label.setToolTip("The rubric version this evaluation is scored with")
        top.addWidget(self.overall_label)
        top.addSpacing(16)
        top.addWidget(self.count_label)
        top.addStretch(1)
        top.addWidget(self.rubric_label)
        layout.addLayout(top)
        self.critical_banner = QLabel()
        self.critical_banner.setObjectName("criticalBanner")
        self.critical_banner.setWordWrap(True)
        self.critical_banner.setVisible(False)
        layout.addWidget(self.critical_banner)
        return bar

    def _build_sections(self) -> QWidget:
        container = QWidget()
        container.setObjectName("formPage")
        layout = QVBoxLayout(container)
        layout.setContentsMargins(12, 0, 12, 24)
        layout.setSpacing(6)
        for s_index, section in enumerate(self.rubric.sections, start=1):
            header = SectionHeader(s_index, section)
            self._headers[section.key] = header
            layout.addWidget(header)
            self.navigator.addItem(QListWidgetItem(section.title))
            for i_index, item in enumerate(section.items, start=1):
                path = f"{section.key}.{item.key}"
                row = ItemRow(path, f"{s_index}.{i_index}", section, item, self.read_only)
                if item.key_question and item.scored:
                    _add_key_question_badge(row)
                row.changed.connect(self._row_changed)
                row.move_requested.connect(self._move_from_sender)
                row.refused.connect(self.message)
                row.reveal_requested.connect(self.reveal)
                row.forward_requested.connect(self._forward_from_sender)
                self.rows.append(row)
                self._rows_by_path[path] = row
                layout.addWidget(row)
        layout.addStretch(1)
        return container

    def _install_shortcuts(self) -> None:
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, slot in (
            ("Ctrl+PgDown", lambda: self._jump_section(1)),
            ("Ctrl+PgUp", lambda: self._jump_section(-1)),
            ("F6", self._toggle_navigator_focus),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(context)
            shortcut.activated.connect(slot)

    # ----------------------------------------------------------------- answers --
    def answers(self) -> dict[str, AnswerData]:
        """Every item with an answer or a comment, by `section.item` path."""
        found: dict[str, AnswerData] = {}
        for row in self.rows:
            answer = row.answer()
            if answer is not None:
                found[row.path] = answer
        return found

    def values(self) -> dict[str, scoring.AnswerValue]:
        return {row.path: row.value() for row in self.rows if row.value() is not None}

    def set_answers(self, answers: Mapping[str, AnswerData]) -> None:
        for row in self.rows:
            row.set_answer(answers.get(row.path))
        self._rescore()

    def score(self) -> scoring.ScoreResult:
        return scoring.score(self.rubric, self.values())

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        for row in self.rows:
            row.set_read_only(read_only)

    def show_missing(self, paths: Iterable[str]) -> None:
        """Mark the items that still need an answer (until they get one)."""
        wanted = set(paths)
        for row in self.rows:
            row.set_missing(row.path in wanted)

    def set_required(self, paths: Iterable[str]) -> None:
        """Items whose answer may change but not be cleared (awaiting follow-up)."""
        wanted = set(paths)
        for row in self.rows:
            row.clear_allowed = row.path not in wanted

    def row(self, path: str) -> ItemRow | None:
        return self._rows_by_path.get(path)

    def current_path(self) -> str | None:
        return self._current.path if self._current is not None else None

    # ----------------------------------------------------------------- focus --
    def focus_item(self, path: str) -> None:
        row = self._rows_by_path.get(path)
        if row is not None:
            self._focus_row(row)

    def focus_section(self, key: str) -> None:
        """Focus the section's first item, with the section's heading at the top."""
        for row in self.rows:
            if row.section.key == key:
                self._focus_row(row)
                self._scroll_to_top(self._headers[key])
                # Once a new window has its final size, the heading may have moved.
                QTimer.singleShot(0, self, lambda: self._scroll_to_top(self._headers[key]))
                return

    def _scroll_to_top(self, widget: QWidget) -> None:
        container = self.items_area.widget()
        assert container is not None
        layout = container.layout()
        if layout is not None:
            layout.activate()
        top = widget.mapTo(container, QPoint(0, 0)).y()
        self.items_area.verticalScrollBar().setValue(max(0, top - 4))

    def _focus_row(self, row: ItemRow) -> None:
        row.setFocus(Qt.FocusReason.OtherFocusReason)
        self._make_current(row)

    def reveal(self, widget: QWidget) -> None:
        """Scroll so that `widget` (e.g. a comment box that just opened) is fully visible."""
        self._reveal_now(widget)
        # The box was hidden until now: once the layout has placed it, look again.
        QTimer.singleShot(0, self, lambda: self._reveal_now(widget))

    def _reveal_now(self, widget: QWidget) -> None:
        container = self.items_area.widget()
        layout = container.layout() if container is not None else None
        if layout is not None:
            layout.activate()
        if container is not None and widget.isVisibleTo(container):
            # Not ensureWidgetVisible: for a text box it only shows the cursor's line.
            top = widget.mapTo(container, QPoint(0, 0)).y()
            half = widget.height() // 2
            self.items_area.ensureVisible(0, top + half, 0, half + 12)

    def _forward_from_sender(self, event: QKeyEvent) -> None:
        """Move on from the sending row and give the key to the next item, unless that item
        takes text (an answer key never becomes text)."""
        sender = self.sender()
        if not isinstance(sender, ItemRow):
            return
        copy = QKeyEvent(
            QEvent.Type.KeyPress, event.key(), event.modifiers(), event.text(), False, 1
        )
        index = self.rows.index(sender) + 1
        if index >= len(self.rows):
            self.message.emit("That was the last item.")
            return
        target = self.rows[index]
        self._focus_row(target)
        if target.text_edit is None and not target.read_only:
            target.keyPressEvent(copy)

    def _move_from_sender(self, delta: int) -> None:
        sender = self.sender()
        if isinstance(sender, ItemRow):
            self.move_focus(sender, delta)

    def move_focus(self, row: ItemRow, delta: int) -> None:  # not `move`: QWidget.move()
        index = self.rows.index(row) + delta
        if 0 <= index < len(self.rows):
            self._focus_row(self.rows[index])
        elif delta > 0:
            self.message.emit("That was the last item.")

    def _jump_section(self, delta: int) -> None:
        keys = [s.key for s in self.rubric.sections]
        current = self._current.section.key if self._current else keys[0]
        index = max(0, min(len(keys) - 1, keys.index(current) + delta))
        self.focus_section(keys[index])

    def _toggle_navigator_focus(self) -> None:
        if self.navigator.hasFocus():
            self._focus_row(self._current or self.rows[0])
        else:
            self.navigator.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _navigator_activated(self, item: QListWidgetItem) -> None:
        self.focus_section(self.rubric.sections[self.navigator.row(item)].key)

    def _navigator_moved(self, index: int) -> None:
        if 0 <= index < len(self.rubric.sections) and self.navigator.hasFocus():
            self.items_area.ensureWidgetVisible(
                self._headers[self.rubric.sections[index].key], 0, 0
            )

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        widget = new
        while widget is not None and not isinstance(widget, ItemRow):
            widget = widget.parentWidget()
        if widget is not None and widget in self._rows_by_path.values():
            self._make_current(widget)
            if new is not None:
                self.items_area.ensureWidgetVisible(new, 0, 60)

    def _make_current(self, row: ItemRow) -> None:
        if self._current is row:
            return
        if self._current is not None:
            self._current.set_current(False)
        self._current = row
        row.set_current(True)
        index = [s.key for s in self.rubric.sections].index(row.section.key)
        self.navigator.blockSignals(True)
        self.navigator.setCurrentRow(index)
        self.navigator.blockSignals(False)

    # ----------------------------------------------------------------- score --
    def _row_changed(self) -> None:
        self._rescore()
        self.answers_changed.emit()

    def _rescore(self) -> None:
        result = self.score()
        self.overall_label.setText(f"Overall {scoring.format_pct(result.overall)}")
        self.count_label.setText(f"{result.answered} of {result.total} items answered")
        for index, section in enumerate(self.rubric.sections):
            section_score = result.sections[index]
            if section_score.total:
                text = score_text(section_score)
                detail = (
                    f"{scoring.format_pct(section_score.pct)}  ·  "
                    f"{section_score.answered}/{section_score.total}"
                )
            else:  # text only: nothing to score, so count what is written
                written = sum(1 for r in self.rows if r.section is section and r.value())
                text = detail = f"{written} of {len(section.items)} written"
            self._headers[section.key].score_label.setText(text)
            critical = any(p.startswith(section.key + ".") for p in result.critical_items)
            nav_item = self.navigator.item(index)
            flag = "⚠ " if critical else ""
            nav_item.setText(f"{flag}{index + 1}. {section.title}\n      {detail}")
            nav_item.setToolTip(text)
        if result.critical_failure:
            prompts = [self._rows_by_path[p].item.prompt for p in result.critical_items]
            self.critical_banner.setText(
                "⚠  CRITICAL FAILURE — the overall score is 0%.  " + "  ·  ".join(prompts)
            )
        self.critical_banner.setVisible(result.critical_failure)
