"""Type-ahead pickers for properties and agents, and an optional date.

Typing any part of a name finds it, ignoring case and accents ("jose" finds "José Núñez"):
the completer matches the folded typed text against a hidden role holding the folded name,
but what it shows, completes and leaves in the field is always the display name.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QComboBox, QCompleter, QDateEdit, QTimeEdit, QWidget

from shopper.storage.folding import fold_text

MATCH_ROLE = Qt.ItemDataRole.UserRole + 1
"""The folded name the completer matches on; never shown or inserted."""


def search_key(text: str) -> str:
    """Typed or stored text as the pickers match it: spaces collapsed, case and accents
    folded."""
    return fold_text(" ".join(text.split())) or ""


class FoldingCompleter(QCompleter):
    """Matches folded text on MATCH_ROLE; completes with the display name."""

    def splitPath(self, path: str) -> list[str]:
        return [search_key(path)]

    def pathFromIndex(self, index: QModelIndex | QPersistentModelIndex) -> str:
        return str(index.data(Qt.ItemDataRole.DisplayRole) or "")


class SearchCombo(QComboBox):
    """An editable combo box of (label, id) with substring type-ahead.

    With `all_label` (e.g. "All properties") the first entry means "no choice": picking it
    gives `current_id() is None`."""

    def __init__(
        self, placeholder: str = "", parent: QWidget | None = None, all_label: str = ""
    ) -> None:
        super().__init__(parent)
        self.all_label = all_label
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(20)
        completer = FoldingCompleter(self.model(), self)
        completer.setCompletionRole(MATCH_ROLE)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)
        line = self.lineEdit()
        assert line is not None
        line.setPlaceholderText(placeholder)

    def set_choices(self, choices: list[tuple[str, str]], keep_current: bool = True) -> None:
        """Replace the items by (label, id), keeping the current id when it is still there."""
        current = self.current_id() if keep_current else None
        text = self.currentText()
        self.blockSignals(True)
        try:
            self.clear()
            if self.all_label:
                choices = [(self.all_label, ""), *choices]
            for label, item_id in choices:
                self.addItem(label, item_id)
                self.setItemData(self.count() - 1, search_key(label), MATCH_ROLE)
            index = self.findData(current) if current else -1
            if index < 0 and self.all_label:
                typed = keep_current and current is None and text.strip() != self.all_label
                if not (typed and text.strip()):
                    index = 0  # "All ...", unless a name was being typed
            self.setCurrentIndex(index)
            if index < 0:
                self.setEditText(text if keep_current and current is None else "")
        finally:
            self.blockSignals(False)

    def current_id(self) -> str | None:
        """The id of the item whose name is typed (exactly, ignoring case and accents)."""
        text = self.currentText().strip()
        if not text:
            return None
        index = self.currentIndex()
        if index < 0 or self.itemText(index) != text:
            wanted = search_key(text)
            index = next(
                (row for row in range(self.count()) if self.itemData(row, MATCH_ROLE) == wanted),
                -1,
            )
        if index < 0:
            return None
        return str(self.itemData(index)) or None  # the "All ..." entry holds ""

    def select_id(self, item_id: str | None) -> None:
        index = self.findData(item_id) if item_id else (0 if self.all_label else -1)
        if index >= self.count():
            index = -1
        self.setCurrentIndex(index)
        if index < 0:
            self.setEditText("")


class OneTabDateEdit(QDateEdit):
    """A date edit that Tab leaves in one press (Left/Right still move between its parts)."""

    def focusNextPrevChild(self, next: bool) -> bool:
        return QWidget.focusNextPrevChild(self, next)


class OneTabTimeEdit(QTimeEdit):
    """A time edit that Tab leaves in one press (Left/Right still move between its parts)."""

    def focusNextPrevChild(self, next: bool) -> bool:
        return QWidget.focusNextPrevChild(self, next)


ANY_DATE = QDate(2000, 1, 1)


class OptionalDateEdit(OneTabDateEdit):
    """A date edit whose lowest value means "any date" (shown as `Any`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("yyyy-MM-dd")
        self.setMinimumDate(ANY_DATE)
        self.setSpecialValueText("Any")
        self.setDate(ANY_DATE)
        calendar = self.calendarWidget()
        if calendar is not None:
            calendar.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Open the calendar on this month, not on "Any" (January 2000)."""
        if (
            event.type() == QEvent.Type.Show
            and watched is self.calendarWidget()
            and self.date() == ANY_DATE
        ):
            today = QDate.currentDate()
            self.calendarWidget().setCurrentPage(today.year(), today.month())
        return super().eventFilter(watched, event)

    def value(self) -> dt.date | None:
        date = self.date()
        if date == ANY_DATE:
            return None
        return dt.date(date.year(), date.month(), date.day())

    def set_value(self, value: dt.date | None) -> None:
        self.setDate(ANY_DATE if value is None else QDate(value.year, value.month, value.day))
