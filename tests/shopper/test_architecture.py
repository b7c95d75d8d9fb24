"""House rules that keep the core usable without a screen."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import shopper
from shopper.paths import ROOT


def test_no_shopper_module_loads_qt() -> None:
    modules = [m.name for m in pkgutil.walk_packages(shopper.__path__, "shopper.")]
    modules = [m for m in modules if ".migrations" not in m and m != "shopper.__main__"]
    assert len(modules) > 20
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'ui'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
