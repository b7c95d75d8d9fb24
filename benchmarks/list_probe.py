"""`list_filter_s` and `list_sort_s`: the evaluation list model, as the list page drives it.

Each measurement starts when the filter (or sort) is set on a model that already shows the
whole list, and ends when the model is complete again (the full id list is in: the row
count and scroll bar are final) and the first screen of rows (50 rows × every column) has
been read through `data()`, as a view painting it would. The moment the first rows were
readable is reported apart (`*_first_rows_s`); the model shows a quick first page while the
ids load.
"""

from __future__ import annotations

import inspect
import statistics
import time
from typing import Any

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication

from shopper.services.evaluation_list import EvaluationFilter
from shopper.storage.db import open_database
from ui.models.evaluation_list_model import COLUMNS, EvaluationListModel

FILTERS = 5
"""How many agent texts to filter by: the last word of the first agents' names, lowercased
and typed as is (accents and all; the filter folds them); see `agent_texts`."""
SCREEN_ROWS = 50
TIMEOUT_MS = 120_000


class ListDriver:
    def __init__(self, db_path: str) -> None:
        self.app = QApplication.instance() or QApplication(["bench"])
        self.db = open_database(db_path)
        self.ctx: Any = None
        model_class: Any = EvaluationListModel
        if list(inspect.signature(model_class.__init__).parameters)[1] == "ctx":
            from ui.context import AppContext  # the model takes the app's context

            self.ctx = AppContext(self.db)
            self.tasks = self.ctx.tasks
            self.model = model_class(self.ctx)
        else:  # the model before the app context carried the task runner
            from ui.tasks import TaskRunner  # type: ignore[import-not-found]

            self.tasks = TaskRunner()
            self.model = model_class(self.db, self.tasks)
        self.first_rows_at: float | None = None
        self.model.modelReset.connect(self._rows_shown)
        self.model.rowsInserted.connect(self._rows_shown)

    def _rows_shown(self, *_args: Any) -> None:
        if self.first_rows_at is None and self.model.rowCount() > 0:
            self.first_rows_at = time.perf_counter()

    def _wait_complete(self, change: Any) -> None:
        loop = QEventLoop()
        self.model.ids_loaded.connect(loop.quit)
        QTimer.singleShot(TIMEOUT_MS, loop.quit)
        change()
        if self.model.loading or not self.model.complete:
            loop.exec()
        self.model.ids_loaded.disconnect(loop.quit)
        if self.model.loading:
            raise TimeoutError("the evaluation list did not finish loading")

    def _read_screen(self) -> None:
        for row in range(min(SCREEN_ROWS, self.model.rowCount())):
            for column in range(len(COLUMNS)):
                self.model.data(self.model.index(row, column), Qt.ItemDataRole.DisplayRole)

    def timed(self, change: Any) -> tuple[float, float | None]:
        """(seconds to complete with the first screen read, seconds to the first rows)."""
        self.first_rows_at = None
        started = time.perf_counter()
        self._wait_complete(change)
        self._read_screen()
        seconds = time.perf_counter() - started
        first = None if self.first_rows_at is None else self.first_rows_at - started
        return seconds, first

    def close(self) -> None:
        self.tasks.cancel_all()
        if hasattr(self.tasks, "wait_all"):
            self.tasks.wait_all()
        if self.ctx is not None and hasattr(self.ctx, "stop"):
            self.ctx.stop()
        self.db.close()


def agent_texts(db: Any) -> list[str]:
    """Distinct last names (4 letters or more) of the first agents (by id), lowercased."""
    from sqlalchemy import text

    texts: list[str] = []
    with db.read() as session:
        for name in session.scalars(text("SELECT name FROM agents ORDER BY id")):
            last = name.split()[-1].lower()
            if len(last) >= 4 and last not in texts:  # "lê" or "lee" would match half the list
                texts.append(last)
            if len(texts) == FILTERS:
                break
    return texts


def measure(db_path: str) -> dict[str, Any]:
    driver = ListDriver(db_path)
    texts = agent_texts(driver.db)
    model = driver.model
    # The list as it opens: everything, newest visit first (twice: the first load in a
    # process also pays for imports and the first queries' plans).
    driver.timed(model.reload)
    load_s, first_rows_s = driver.timed(model.reload)
    filters, filter_first, sorts, matches = [], [], [], []
    for text in texts:
        seconds, first = driver.timed(lambda t=text: model.set_filter(EvaluationFilter(text=t)))
        filters.append(seconds)
        if first is not None:
            filter_first.append(first)
        matches.append(model.rowCount())
        driver.timed(lambda: model.set_filter(EvaluationFilter()))
    overall = next(i for i, (_title, key) in enumerate(COLUMNS) if key == "overall")
    for order in (Qt.SortOrder.DescendingOrder, Qt.SortOrder.AscendingOrder) * 2:
        sorts.append(driver.timed(lambda o=order: model.sort(overall, o))[0])
        driver.timed(lambda: model.sort(0, Qt.SortOrder.DescendingOrder))
    total = model.rowCount()
    driver.close()
    return {
        "values": {
            "list_first_rows_s": first_rows_s if first_rows_s is not None else load_s,
            "list_load_s": load_s,
            "list_filter_s": statistics.median(filters),
            "list_sort_s": statistics.median(sorts),
        },
        "notes": {
            "list_filter_first_rows_s": statistics.median(filter_first) if filter_first else None,
            "filter_texts": texts,
            "filter_matches": matches,
            "rows": total,
        },
    }
