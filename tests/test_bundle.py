"""The desktop bundle (`./dev bundle`, packaging/shopper.spec) starts on a machine without the
project: built with PyInstaller, then run from an unrelated folder with a bare environment
and, where the test may (root, `unshare`), with the whole checkout (so also .venv) hidden
behind an empty folder.

Takes a couple of minutes (the PyInstaller build), so it is marked `bundle` and `slow`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shopper.paths import ROOT
from tests.test_packaging import pdf_text

# The PyInstaller build (a module fixture) counts against the first test's time limit.
pytestmark = [pytest.mark.bundle, pytest.mark.slow, pytest.mark.timeout(900)]

SIZE_LIMIT_MB = 360
"""The Linux folder is about 315 MB (numpy, for calibration's Krippendorff's alpha, adds about
70 MB); far more means Qt modules or tools slipped in."""


def folder_mb(folder: Path) -> float:
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    return total / 1e6


def can_hide_checkout() -> bool:
    if sys.platform != "linux" or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "--mount", "sh", "-c", f"mount -t tmpfs none '{ROOT}'"],
        capture_output=True,
        timeout=30,
    )
    return probe.returncode == 0


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("PyInstaller", reason="PyInstaller is in the test extra: ./dev setup")
    work = tmp_path_factory.mktemp("pyinstaller")
    started = time.monotonic()
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN"]
    command += ["--distpath", str(work / "dist"), "--workpath", str(work / "build")]
    built = subprocess.run(
        [*command, str(ROOT / "packaging" / "shopper.spec")],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert built.returncode == 0, built.stdout[-5000:] + built.stderr[-5000:]
    folder = work / "dist" / "shopper"
    size = folder_mb(folder)
    print(f"\nbundle: built in {time.monotonic() - started:.0f} s, {size:.0f} MB at {folder}")
    assert size < SIZE_LIMIT_MB
    return folder


@pytest.fixture
def runner(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run a command from an unrelated folder, with a bare environment, the checkout hidden."""
    home = tmp_path / "home"
    elsewhere = tmp_path / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
    }
    prefix = []
    if can_hide_checkout():
        prefix = ["unshare", "--mount", "sh", "-c", f'mount -t tmpfs none "{ROOT}" && exec "$@"']
        prefix.append("hidden-checkout")

    def run(*command: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*prefix, *command],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run


def test_bundle_cli_writes_scorecards(bundle: Path, runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli = str(bundle / "shopper")
    db = str(tmp_path / "bundle.db")
    cards = tmp_path / "cards"
    # calibration (krippendorff, numpy) and stats load libraries the scorecards do not.
    steps = (
        ["init"],
        ["demo-data"],
        ["scorecards", str(cards)],
        ["calibration", "list"],
        ["stats"],
    )
    for args in steps:
        done = runner(cli, "--db", db, *args)
        assert done.returncode == 0, f"shopper {args}: {done.stdout}{done.stderr}"
    pdfs = sorted(cards.glob("*.pdf"))
    assert len(pdfs) >= 10
    agent = pdfs[0].stem.split(" - ")[0]
    assert agent.split()[0] in pdf_text(pdfs[0])


def test_bundle_gui_starts_and_quits_cleanly(bundle: Path, runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    gui = str(bundle / "shopper-gui")
    db = tmp_path / "gui.db"
    stay_up = 4.0
    if shutil.which("xvfb-run"):
        command = ["xvfb-run", "-a", gui]
    else:
        command = ["env", "QT_QPA_PLATFORM=offscreen", gui]
    started = time.monotonic()
    done = runner(*command, "--db", str(db), "--quit-after", str(stay_up), timeout=180)
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stdout + done.stderr
    assert elapsed >= stay_up
    assert db.is_file()  # the database was created and migrated before the window showed
    assert "Traceback" not in done.stderr
    version = runner(gui, "--version", timeout=60)
    assert version.returncode == 0
    assert "Shopper" in version.stdout


def test_bundle_ships_resources_and_no_test_tools(bundle: Path) -> None:
    internal = bundle / "_internal"
    assert (internal / "shopper_resources" / "rubrics" / "leasing-tour.json").is_file()
    assert (internal / "shopper_resources" / "fonts" / "LICENSE-DejaVu.txt").is_file()
    assert (internal / "shopper" / "storage" / "migrations" / "env.py").is_file()
    # PDF previews in the app (shopper.reports.raster) load PDFium with ctypes.
    assert list((internal / "pypdfium2_raw").glob("libpdfium*"))
    names = {p.name for p in internal.rglob("*")}
    for unwanted in ("libQt6Quick.so.6", "libQt6WebEngineCore.so.6", "pytest", "hypothesis"):
        assert unwanted not in names
    assert os.access(bundle / "shopper", os.X_OK)


def test_linux_install_script_adds_menu_entry(bundle: Path, tmp_path: Path) -> None:
    import configparser

    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home)}
    script = ROOT / "packaging" / "linux" / "install.sh"
    done = subprocess.run(
        [str(script), str(bundle)], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    desktop = home / ".local/share/applications/shopper.desktop"
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(desktop, encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Name"] == "Shopper"
    assert os.access(section["Exec"].split()[0], os.X_OK)
    assert section["Icon"] == "shopper"
    assert (home / ".local/share/icons/hicolor/256x256/apps/shopper.png").is_file()
    version = subprocess.run(
        [str(home / ".local/bin/shopper"), "--version"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert version.returncode == 0, version.stderr
    removed = subprocess.run(
        [str(script), "--uninstall"], env=env, capture_output=True, text=True, timeout=60
    )
    assert removed.returncode == 0
    assert not desktop.exists()
    assert not (home / ".local/opt/shopper").exists()
