"""Type-ahead pickers for properties and agents, and an optional date.

Typing any part of a name finds it, ignoring case and accents ("jose" finds "José Núñez"):
the completer matches on a hidden role that holds the folded name beside the real one.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QEvent, QObject, Qt
from PySide6.QtWidgets import QComboBox, QCompleter, QDateEdit, QWidget

from shopper.storage.folding import fold_text

MATCH_ROLE = Qt.ItemDataRole.UserRole + 1


class SearchCombo(QComboBox):
    """An editable combo box of (label, id) with substring type-ahead."""

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(20)
        completer = QCompleter(self.model(), self)
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
            for label, item_id in choices:
                self.addItem(label, item_id)
                self.setItemData(self.count() - 1, f"{label}\n{fold_text(label)}", MATCH_ROLE)
            index = self.findData(current) if current else -1
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
        if index >= 0 and self.itemText(index) == text:
            return str(self.itemData(index))
        wanted = fold_text(" ".join(text.split()))
        for row in range(self.count()):
            if fold_text(self.itemText(row)) == wanted:
                return str(self.itemData(row))
        return None

    def select_id(self, item_id: str | None) -> None:
        index = self.findData(item_id) if item_id else -1
        self.setCurrentIndex(index)
        if index < 0:
            self.setEditText("")


ANY_DATE = QDate(2000, 1, 1)


class OptionalDateEdit(QDateEdit):
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
