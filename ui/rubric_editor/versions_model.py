"""Every stored rubric with its versions, for the Rubrics page: a tree of keys and versions."""

from __future__ import annotations

from itertools import groupby

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel

from shopper.services.rubrics import RubricInfo

INFO_ROLE = Qt.ItemDataRole.UserRole + 1
HEADERS = ("Rubric / version", "Evaluations", "Status", "Saved")


def version_status(info: RubricInfo) -> str:
    if info.frozen:
        return "In use: edits become a new version"
    return "Not used yet: editable in place"


class RubricVersionsModel(QStandardItemModel):
    """One row per rubric key (its latest version's name), with one child per version.

    Each row carries the `RubricInfo` it shows in INFO_ROLE (a key row: its latest version).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setHorizontalHeaderLabels(list(HEADERS))

    def load(self, infos: list[RubricInfo]) -> None:
        self.removeRows(0, self.rowCount())
        for _key, group in groupby(infos, key=lambda i: i.key):
            versions = list(group)
            latest = versions[-1]
            total = sum(v.evaluation_count for v in versions)
            count = len(versions)
            status = f"{count} version{'s' * (count != 1)}"
            if latest.is_default:
                status = f"Default for new evaluations · {status}"
            top = self._row(
                f"{latest.name} ({latest.key})", str(total), status, _date(latest), latest
            )
            if latest.is_default:
                font = QFont(top[0].font())
                font.setBold(True)
                for cell in top:
                    cell.setFont(font)
            for info in reversed(versions):
                label = f"Version {info.version}" + (" (latest)" if info.is_latest else "")
                if info.name != latest.name:
                    label += f" — {info.name}"
                top[0].appendRow(
                    self._row(
                        label, str(info.evaluation_count), version_status(info), _date(info), info
                    )
                )
            self.appendRow(top)

    @staticmethod
    def _row(
        label: str, count: str, status: str, saved: str, info: RubricInfo
    ) -> list[QStandardItem]:
        cells = [QStandardItem(text) for text in (label, count, status, saved)]
        for cell in cells:
            cell.setEditable(False)
            cell.setData(info, INFO_ROLE)
        cells[1].setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        cells[0].setToolTip(f"{info.key} v{info.version}: {info.name}")
        cells[2].setToolTip(status)  # whole, when the column cuts it on a narrow screen
        return cells


def _date(info: RubricInfo) -> str:
    return info.created_at.strftime("%Y-%m-%d")
