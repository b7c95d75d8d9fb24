"""House rules the import contracts (`.importlinter`, tests/test_layers.py) cannot see.

Which package may import which is import-linter's job now (it replaced a check that imported
every shopper module and looked for PySide6). What it cannot see is how a module *uses*
what it imports: these checks read the UI's source and hold it to one way of working in the
background (ui/operations): no threads, QThreads or SQL anywhere else in ui/."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from shopper.paths import ROOT

UI = ROOT / "ui"
OPERATIONS = UI / "operations"
SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|"
    r"(CREATE|DROP|ALTER)\s+(TABLE|INDEX)|PRAGMA\s+\w+)",
    re.I | re.S,
)
THREAD_MODULES = {"threading", "concurrent", "multiprocessing", "_thread"}
DATABASE_MODULES = {"sqlalchemy", "sqlite3", "psycopg", "psycopg2"}


def ui_files_outside_operations() -> list[Path]:
    files = [p for p in UI.rglob("*.py") if OPERATIONS not in p.parents]
    assert len(files) > 40
    return sorted(files)


def findings(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        where = f"{path.relative_to(root)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names.append(node.module)
            for name in names:
                top = name.split(".")[0]
                if top in THREAD_MODULES | DATABASE_MODULES:
                    found.append(f"{where} imports {name}")
                if name.startswith("shopper.storage.models"):
                    found.append(f"{where} imports the ORM models")
            if isinstance(node, ast.ImportFrom) and any(a.name == "QThread" for a in node.names):
                found.append(f"{where} imports QThread")
        elif isinstance(node, ast.Name) and node.id in {"QThread", "QThreadPool", "QRunnable"}:
            found.append(f"{where} uses {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in {"QThread", "QThreadPool"}:
            found.append(f"{where} uses {node.attr}")
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.match(node.value)
        ):
            found.append(f"{where} holds SQL: {node.value[:40]!r}")
    return found


def test_threads_and_sql_only_in_the_operations_layer() -> None:
    """Background work has one way in the UI: ui.operations (reads on worker threads, writes
    on the one writer). Elsewhere in ui/: no threads, no QThread (nor subclasses of it), no
    SQL and no database driver."""
    problems = [f for path in ui_files_outside_operations() for f in findings(path)]
    assert problems == []


def test_the_check_sees_what_it_forbids(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text(
        "import threading\n"
        "from PySide6.QtCore import QThread\n"
        "class Loader(QThread):\n"
        "    QUERY = 'SELECT id FROM evaluation'\n",
        encoding="utf-8",
    )
    found = findings(planted, tmp_path)
    assert len(found) >= 4, found


def test_the_operations_layer_owns_the_threads() -> None:
    """The writer and the background runner live in ui/operations, and the app context
    owns the one writer (no module-level writer to reach around it)."""
    writer = (OPERATIONS / "writer.py").read_text(encoding="utf-8")
    assert "class Writer(QObject)" in writer
    context = (UI / "context.py").read_text(encoding="utf-8")
    assert "self.writer = Writer(self)" in context
    assert not any("app_writer" in p.read_text(encoding="utf-8") for p in UI.rglob("*.py"))
