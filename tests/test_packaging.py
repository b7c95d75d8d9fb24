"""`pip install .` gives a working app: the wheel carries the resources, and an installed copy
runs from any folder without the checkout.

The wheel is built from a copy of the source tree (so parallel builds never share a `build/`
folder) with pip, as a user would build it.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from shopper.paths import ROOT

COPY_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    "tests",
    "benchmarks",
    "bench-out",
    "backups",
    "*.db",
    "*.pdf",
)


def copy_source(dest: Path) -> Path:
    """A copy of the checkout without venvs, caches, build output or tests."""
    shutil.copytree(ROOT, dest, ignore=COPY_IGNORE)
    return dest


def build_wheel(out: Path, work: Path) -> Path:
    source = copy_source(work / "src")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = out.glob("shopper-*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"), tmp_path_factory.mktemp("build"))


def test_wheel_carries_resources_and_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "shopper_resources/__init__.py",
        "shopper_resources/rubrics/leasing-tour.json",
        "shopper_resources/schemas/rubric.schema.json",
        "shopper_resources/schemas/package.schema.json",
        "shopper_resources/fonts/LICENSE-DejaVu.txt",
        # The CJK fallback (TrueType outlines), so CJK prints where no CJK font is installed.
        "shopper_resources/fonts/WenQuanYiMicroHei.ttf",
        "shopper_resources/fonts/LICENSE-WenQuanYi.txt",
        "shopper_resources/icons/shopper.png",
        "shopper_resources/icons/shopper.svg",
        "shopper/py.typed",
        "shopper/storage/migrations/env.py",
    }
    for face in ("", "-Bold", "-Oblique", "-BoldOblique"):
        expected.add(f"shopper_resources/fonts/DejaVuSans{face}.ttf")
    for migration in (ROOT / "shopper/storage/migrations/versions").glob("[0-9]*.py"):
        expected.add(f"shopper/storage/migrations/versions/{migration.name}")
    assert expected - names == set()
    # Every file under resources/ that the app may read is shipped.
    for path in (ROOT / "resources").rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            rel = path.relative_to(ROOT / "resources").as_posix()
            assert f"shopper_resources/{rel}" in names, f"resources/{rel} is not in the wheel"
    # Every code package is shipped (a new sub-package needs nothing in the build config).
    for init in [*(ROOT / "shopper").rglob("__init__.py"), *(ROOT / "ui").rglob("__init__.py")]:
        rel = init.relative_to(ROOT).as_posix()
        assert rel in names, f"{rel} is not in the wheel"
    assert not any(n.startswith(("tests/", "benchmarks/", "resources/")) for n in names)


def make_venv(where: Path) -> Path:
    """A fresh venv outside the checkout whose third-party packages come from this test
    run's environment (a .pth file), so no download is needed; it has no `shopper` of its
    own until one is installed."""
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(where)], check=True, timeout=120)
    python = where / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    Path(purelib, "_shopper_test_deps.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    return python


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONNOUSERSITE"] = "1"
    return env


def pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.slow
def test_installed_wheel_runs_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    python = make_venv(tmp_path / "venv")
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    shopper = python.parent / ("shopper.exe" if os.name == "nt" else "shopper")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = clean_env()

    where = subprocess.run(
        [str(python), "-c", "import shopper.paths as p; print(p.RESOURCES); print(p.MIGRATIONS)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for found in where:
        assert Path(found).is_relative_to(tmp_path / "venv"), where
        assert not Path(found).is_relative_to(ROOT), where

    db = str(tmp_path / "x.db")
    cards = tmp_path / "cards"
    for args in (["init"], ["demo-data"], ["scorecards", str(cards)]):
        done = subprocess.run(
            [str(shopper), "--db", db, *args],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"shopper {args}: {done.stdout}{done.stderr}"
    pdfs = sorted(cards.glob("*.pdf"))
    assert len(pdfs) >= 10
    agent = pdfs[0].stem.split(" - ")[0]
    assert agent.split()[0] in pdf_text(pdfs[0])
