"""The layers of the house, checked by import-linter (contracts in `.importlinter`): ui and
the CLI on top, then exchange and reports, then services, then storage; the core never
imports Qt or ui; the UI never imports SQLAlchemy or the ORM models; threads in the UI only
in its operations layer. Static imports, including those inside functions, are all read."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    assert LINT.exists(), "import-linter is not installed (pip install import-linter==2.17)"
    return subprocess.run(
        [str(LINT), "--no-cache", "--config", str(cwd / ".importlinter")],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_every_layer_contract_is_kept() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "4 kept, 0 broken" in result.stdout


def test_a_planted_violation_breaks_the_contracts(tmp_path: Path) -> None:
    """The contracts are not empty words: Qt in the core, threads or the ORM in a page, and
    storage reaching up to services are each refused."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("shopper", "ui"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=ignore)
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    plants = {
        "shopper/jobs.py": "import PySide6.QtCore",
        "ui/pages/follow_ups.py": "import threading",
        "ui/pages/rubrics.py": "from shopper.storage import models",
        "shopper/storage/db.py": "from shopper.services import agents",
    }
    for path, line in plants.items():
        with (tmp_path / path).open("a", encoding="utf-8") as handle:
            handle.write(f"\n{line}  # planted\n")
    result = lint(tmp_path)
    assert result.returncode == 1, result.stdout[-4000:]
    assert "0 kept, 4 broken" in result.stdout
    for module in ("shopper.jobs -> PySide6", "ui.pages.follow_ups -> threading"):
        assert module in result.stdout
