"""Calibration: the sessions, and for the one selected its results (SCORING.md, *Calibration*)
— reliability (Krippendorff's alpha), each rater against the reference, item agreement least
first with the guidance beside it, each rater's leaning across sessions. One click opens the
rubric editor at the item raters agree on least (or double-click any item).

Blind: the page reads as the profile's person (`viewer`); a rater who has not submitted
their own calibration evaluation is told so and sees no one's answers (the core refuses)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from shopper import scoring
from shopper.reports.calibration_pdf import (
    leaning,
    reliability_reading,
    share_text,
    signed_points,
)
from shopper.rubric import Rubric
from shopper.services import calibration, rubrics
from shopper.services.aggregates import answer_text
from shopper.services.calibration import BlindError, SessionInfo, SessionResults
from shopper.services.rubrics import RubricInfo
from shopper.storage.db import Database
from ui import operations, profile
from ui.context import AppContext
from ui.operations import Change

AnyIndex = QModelIndex | QPersistentModelIndex


class TextTableModel(QAbstractTableModel):
    """Rows of text, read-only; columns listed in `right` are right-aligned."""

    def __init__(
        self, headers: Sequence[str], right: Sequence[int] = (), parent: Any = None
    ) -> None:
        super().__init__(parent)
        self.headers = tuple(headers)
        self.right = frozenset(right)
        self.rows: list[tuple[str, ...]] = []
        self.tips: list[str | None] = []

    def set_rows(self, rows: Sequence[tuple[str, ...]], tips: Sequence[str | None] = ()) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.tips = list(tips) or [None] * len(self.rows)
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tips[index.row()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self.right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers[section]
        return None


def _table(model: TextTableModel, name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    return view


def node_path_of(rubric: Rubric, item_path: str) -> tuple[int, int] | None:
    """The rubric editor's address (section index, item index) of `section.item`."""
    for s, section in enumerate(rubric.sections):
        for i, item in enumerate(section.items):
            if f"{section.key}.{item.key}" == item_path:
                return s, i
    return None


def _load_results(db: Database, session_id: str, viewer: str | None) -> tuple[Any, Rubric]:
    """Runs in the background: the results (or the BlindError to show) and the rubric."""
    info = calibration.get_session(db, session_id)
    rubric = rubrics.get_rubric(db, info.rubric_id)
    try:
        result: Any = calibration.results(db, session_id, viewer=viewer)
    except BlindError as blind:
        result = blind
    trends = calibration.rater_trends(db, viewer=viewer)
    return (result, trends), rubric


class CalibrationPage(QWidget):
    loaded = Signal()
    """Sessions and the selected session's results arrived and are shown."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.viewer: str | None = profile.your_name() or None
        self.sessions: list[SessionInfo] = []
        self.results: SessionResults | None = None
        self.rubric: Rubric | None = None
        self.editors: list[QWidget] = []
        self._stale = True
        self._generation = 0
        self._wanted: str | None = None

        self.session_model = TextTableModel(
            ("Session", "Rubric", "Created", "Submitted", "Reference"), right=(3,), parent=self
        )
        self.item_model = TextTableModel(
            ("Agreement", "Item", "Reference", "Guidance"), right=(0,), parent=self
        )
        self.rater_model = TextTableModel(
            ("Rater", "Overall", "Deviation", "Items matching", "Leaning"),
            right=(1, 2, 3),
            parent=self,
        )
        self.trend_model = TextTableModel(
            ("Rater", "Sessions", "Mean deviation", "Leaning"), right=(1, 2), parent=self
        )
        self.session_table = _table(self.session_model, "calibrationSessions")
        self.item_table = _table(self.item_model, "calibrationItems")
        self.item_table.setWordWrap(True)
        self.rater_table = _table(self.rater_model, "calibrationRaters")
        self.trend_table = _table(self.trend_model, "calibrationTrends")

        self.summary = QLabel()
        self.summary.setObjectName("calibrationSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.sharpen_button = QPushButton("Sharpen the least-agreed item…")
        self.sharpen_button.setToolTip(
            "Open the rubric editor at the item raters agree on least, to sharpen its guidance"
        )
        self.sharpen_button.clicked.connect(self.open_least_agreed)
        self.report_button = QPushButton("PDF report…")
        self.report_button.clicked.connect(self.export_report_from_dialog)
        self.kit_button = QPushButton("Kit for raters…")
        self.kit_button.setToolTip(
            "A package with this session and nobody's answers: raters import it on their "
            "laptops, score offline, and send their export back"
        )
        self.kit_button.clicked.connect(self.export_kit_from_dialog)
        self.status = QLabel()
        self.status.setObjectName("calibrationStatus")

        buttons = QHBoxLayout()
        buttons.addWidget(self.sharpen_button)
        buttons.addWidget(self.report_button)
        buttons.addWidget(self.kit_button)
        buttons.addWidget(self.status, 1)
        results = QWidget()
        results_layout = QVBoxLayout(results)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_layout.addWidget(self.summary)
        results_layout.addLayout(buttons)
        results_layout.addWidget(QLabel("Item agreement with the reference, least first:"))
        results_layout.addWidget(self.item_table, 3)
        lower = QHBoxLayout()
        for title, view in (
            ("Raters against the reference:", self.rater_table),
            ("Raters across sessions (+ lenient, − strict):", self.trend_table),
        ):
            column = QVBoxLayout()
            column.addWidget(QLabel(title))
            column.addWidget(view)
            lower.addLayout(column, 1)
        results_layout.addLayout(lower, 2)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.session_table)
        splitter.addWidget(results)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addWidget(splitter)
        hint = QLabel(
            "Calibration evaluations never count in any figure. Double-click an item to open "
            "the rubric editor there."
        )
        hint.setObjectName("hint")
        layout.addWidget(hint)

        for view, widths in (
            (self.session_table, (320, 150, 100, 90)),
            (self.item_table, (110, 340, 130)),
            (self.rater_table, (150, 70, 90, 110)),
            (self.trend_table, (150, 70, 110)),
        ):
            for index, width in enumerate(widths):
                view.setColumnWidth(index, width)
        self.session_table.selectionModel().currentRowChanged.connect(self._session_changed)
        self.item_table.doubleClicked.connect(self._item_double_clicked)
        ctx.changed.connect(self._data_changed)
        self._show_results(None)
        self.refresh()

    # -- loading --------------------------------------------------------------------------

    def refresh(self) -> None:
        self._stale = False
        self._generation += 1
        generation = self._generation
        operations.query(
            self.ctx,
            calibration.list_sessions,
            lambda found: self._sessions_loaded(generation, found),
            parent=self,
            title="The calibration sessions could not be loaded",
        )

    def _sessions_loaded(self, generation: int, found: list[SessionInfo]) -> None:
        if generation != self._generation:
            return
        current = self._wanted or self.current_session_id()
        self.sessions = found
        self.session_model.set_rows(
            [
                (
                    s.title,
                    f"{s.rubric_key} v{s.rubric_version}",
                    s.created_at.date().isoformat(),
                    f"{s.submitted_count} of {len(s.raters)}",
                    "marked" if s.reference_evaluation_id else "not yet",
                )
                for s in found
            ],
            [s.recording for s in found],
        )
        row = next((i for i, s in enumerate(found) if s.id == current), 0 if found else None)
        if row is None:
            self._show_results(None)
            self.loaded.emit()
            return
        self.session_table.setCurrentIndex(self.session_model.index(row, 0))
        self.load_results(found[row].id)

    def current_session_id(self) -> str | None:
        index = self.session_table.currentIndex()
        return self.sessions[index.row()].id if index.isValid() else None

    def select_session(self, session_id: str) -> None:
        self._wanted = session_id
        row = next((i for i, s in enumerate(self.sessions) if s.id == session_id), None)
        if row is not None:
            self.session_table.setCurrentIndex(self.session_model.index(row, 0))

    def _session_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and current.row() < len(self.sessions):
            session_id = self.sessions[current.row()].id
            if self.results is None or self.results.session.id != session_id:
                self.load_results(session_id)

    def load_results(self, session_id: str) -> None:
        self._generation += 1
        generation, viewer = self._generation, self.viewer
        operations.query(
            self.ctx,
            lambda db: _load_results(db, session_id, viewer),
            lambda found: self._results_loaded(generation, found),
            parent=self,
            title="The calibration results could not be loaded",
        )

    def _results_loaded(self, generation: int, found: tuple[Any, Rubric]) -> None:
        if generation != self._generation:
            return
        (result, trends), self.rubric = found
        if isinstance(result, BlindError):
            self._show_results(None, blind=str(result))
        else:
            self._show_results(result, trends)
        self.loaded.emit()

    # -- showing --------------------------------------------------------------------------

    def _show_results(
        self,
        result: SessionResults | None,
        trends: Sequence[calibration.RaterTrend] = (),
        blind: str = "",
    ) -> None:
        self.results = result
        if result is None:
            self.summary.setText(
                f"You cannot see this session's results yet: {blind}."
                if blind
                else "No calibration sessions yet. A program manager creates one (shopper "
                "calibration create), invites raters, and marks the expert's evaluation as "
                "the reference."
            )
            for model in (self.item_model, self.rater_model, self.trend_model):
                model.set_rows([])
            self.sharpen_button.setEnabled(False)
            self.report_button.setEnabled(False)
            return
        session = result.session
        lines = [
            f"{session.title} — {session.rubric_key} v{session.rubric_version}"
            + (f" — tour: {session.recording}" if session.recording else ""),
            f"Reference: {result.reference_name or 'not marked yet'}; "
            f"{len(result.raters)} rater(s) submitted.",
        ]
        for r in result.reliability:
            alpha = "—" if r.alpha is None else f"{r.alpha:.3f}"
            lines.append(
                f"Krippendorff's alpha, {r.level}: {alpha} ({r.raters} raters × {r.items} "
                f"items) — {reliability_reading(r.alpha)}"
            )
        self.summary.setText("\n".join(lines))
        self.item_model.set_rows(
            [
                (
                    share_text(i.matching, i.rated),
                    f"{i.section_title} › {i.prompt}",
                    self._answer(i.path, i.reference),
                    i.guidance or "No guidance written.",
                )
                for i in result.items
            ],
            [self._others(i) for i in result.items],
        )
        self.item_table.resizeRowsToContents()
        self.rater_model.set_rows(
            [
                (
                    r.name,
                    scoring.format_pct(r.overall_pct),
                    signed_points(r.deviation),
                    share_text(r.matching, r.compared),
                    leaning(r.deviation),
                )
                for r in sorted(result.raters, key=lambda r: -(r.deviation or 0))
            ]
        )
        self.trend_model.set_rows(
            [
                (
                    t.name,
                    str(t.sessions),
                    signed_points(t.mean_deviation),
                    leaning(t.mean_deviation),
                )
                for t in trends
            ]
        )
        self.sharpen_button.setEnabled(result.least_agreed_path is not None)
        self.report_button.setEnabled(True)

    def _answer(self, path: str, value: scoring.AnswerValue) -> str:
        found = self.rubric.find(path) if self.rubric is not None else None
        return answer_text(found[1], value) if found is not None else str(value)

    def _others(self, item: calibration.ItemAgreement) -> str:
        return "\n".join(f"{name}: {self._answer(item.path, v)}" for name, v in item.answers)

    # -- acting ---------------------------------------------------------------------------

    def open_least_agreed(self) -> QWidget | None:
        """One click: the rubric editor at the item with the least agreement."""
        path = self.results.least_agreed_path if self.results is not None else None
        return self.open_rubric_editor_at(path) if path is not None else None

    def _item_double_clicked(self, index: QModelIndex) -> None:
        if self.results is not None and index.isValid():
            self.open_rubric_editor_at(self.results.items[index.row()].path)

    def open_rubric_editor_at(self, item_path: str) -> QWidget | None:
        """Open the rubric editor on the session's rubric version, at `item_path`; saving
        there makes a new version (the session's version has evaluations)."""
        from shopper import rubric_edit
        from ui.rubric_editor import RubricEditor

        if self.results is None or self.rubric is None:
            return None
        rubric_id = self.results.session.rubric_id

        def load(db: Database) -> tuple[RubricInfo, frozenset[str]]:
            return rubrics.info(db, rubric_id), frozenset(r.key for r in rubrics.list_rubrics(db))

        origin, taken = operations.read_now(self.ctx, load)
        editor = RubricEditor(
            self.ctx, rubric_edit.from_rubric(self.rubric), origin, taken, self.window()
        )
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.finished.connect(lambda _result, e=editor: self._forget(e))
        self.editors = [*self.editors, editor]
        editor.show()
        node = node_path_of(self.rubric, item_path)
        if node is not None:
            editor.show_node(node)
        return editor

    def _forget(self, editor: QWidget) -> None:
        self.editors = [e for e in self.editors if e is not editor]

    def export_report_from_dialog(self) -> None:
        if self.results is None:
            return
        name, _ = QFileDialog.getSaveFileName(
            self, "Save the calibration report", "calibration.pdf", "PDF (*.pdf)"
        )
        if name:
            self.export_report(Path(name))

    def export_report(self, path: Path) -> None:
        from shopper.reports.calibration_pdf import (
            calibration_report_data,
            render_calibration_report,
        )

        if self.results is None:
            return
        session_id, viewer = self.results.session.id, self.viewer

        def write(db: Database) -> int:
            data = calibration_report_data(db, session_id, viewer=viewer)
            return render_calibration_report(data, path)

        operations.query(
            self.ctx,
            write,
            lambda pages: self.status.setText(f"Wrote {path.name} ({pages} page(s))."),
            parent=self,
            title="The calibration report could not be written",
        )

    def export_kit_from_dialog(self) -> None:
        session_id = self.current_session_id()
        if session_id is None:
            return
        name, _ = QFileDialog.getSaveFileName(
            self, "Save the session's kit for raters", "calibration-kit.json", "Package (*.json)"
        )
        if name:
            self.export_kit(session_id, Path(name))

    def export_kit(self, session_id: str, path: Path) -> None:
        from shopper.exchange.common import PackageFilter
        from shopper.exchange.package_export import export_package

        operations.query(
            self.ctx,
            lambda db: export_package(db, path, PackageFilter(calibration_kit=session_id)),
            lambda _summary: self.status.setText(
                f"Wrote {path.name}: the session for raters to import (no one's answers)."
            ),
            parent=self,
            title="The kit could not be written",
        )

    # -- the app's conventions ------------------------------------------------------------

    def activated(self) -> None:
        if self._stale:
            self.refresh()
        self.session_table.setFocus()

    def _data_changed(self, _change: Change) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True
