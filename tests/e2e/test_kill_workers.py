"""Done-when: a `shopper` command killed with kill -9 leaves nothing behind: no worker
process, no multiprocessing resource tracker, and no temporary file after the next run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from shopper.exchange.scoring_pool import POOL_THRESHOLD
from shopper.paths import ROOT

pytestmark = pytest.mark.slow

EVALUATIONS = POOL_THRESHOLD + 500
"""Enough that `shopper import` scores in worker processes."""


def shopper(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shopper", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )


def start(*args: str | Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "shopper", *map(str, args)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, or None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def children(pid: int) -> dict[int, str]:
    """The live child processes of `pid` with their command lines."""
    found: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = _stat(int(entry))
        if stat is None or stat[1] != pid or stat[0] == "Z":
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        found[int(entry)] = cmdline.decode(errors="replace")
    return found


def alive(pids: list[int]) -> list[int]:
    return [pid for pid in pids if (stat := _stat(pid)) is not None and stat[0] != "Z"]


def wait_for(condition: Callable[[], object], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A database and a package of it, big enough for worker processes."""
    folder = tmp_path_factory.mktemp("big")
    db, package = folder / "source.db", folder / "package.json"
    shopper("--db", db, "demo-data", "--evaluations", str(EVALUATIONS))
    shopper("--db", db, "export", package)
    return db, package


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_killed_import_leaves_no_worker_or_resource_tracker(
    big: tuple[Path, Path], tmp_path: Path
) -> None:
    _db, package = big
    target = tmp_path / "target.db"
    shopper("--db", target, "init")
    importing = start("--db", target, "import", package)
    helpers: list[int] = []
    try:

        def workers_started() -> bool:
            assert importing.poll() is None, "the import ended before its workers started"
            found = children(importing.pid)
            helpers[:] = list(found)
            return any("spawn_main" in line for line in found.values())

        wait_for(workers_started, 120, "the import's worker processes")
        time.sleep(0.5)  # let the workers get going
        helpers[:] = list(children(importing.pid))
        assert any("resource_tracker" in line for line in children(importing.pid).values())
        killed_at = time.monotonic()
        importing.send_signal(signal.SIGKILL)
        importing.wait(10)
        while alive(helpers) and time.monotonic() < killed_at + 5:
            time.sleep(0.02)
        left = alive(helpers)
        assert not left, f"still running 5 s after kill -9 of the import: {left}"
        print(f"{len(helpers)} helper(s) gone {time.monotonic() - killed_at:.2f} s after kill -9")
    finally:
        if importing.poll() is None:
            importing.kill()
        for pid in alive(helpers):
            os.kill(pid, signal.SIGKILL)


def _temp_files(folder: Path, name: str) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith(f".{name}.") and ".tmp" in p.name]


def _kill_when_temp_appears(
    process: subprocess.Popen[bytes], folder: Path, name: str
) -> list[Path]:
    try:
        wait_for(
            lambda: _temp_files(folder, name) or process.poll() is not None,
            120,
            f"the temporary file of {name}",
        )
        assert process.poll() is None, f"{name} was written before it could be killed"
        time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    return _temp_files(folder, name)


@pytest.mark.parametrize("command", ["backup", "export"])
def test_the_next_run_sweeps_what_a_killed_run_left(
    big: tuple[Path, Path], tmp_path: Path, command: str
) -> None:
    db, _package = big
    out = tmp_path / f"copy.{'db' if command == 'backup' else 'json'}"
    left = _kill_when_temp_appears(start("--db", db, command, out), tmp_path, out.name)
    assert left, "the killed run left no temporary file (nothing to sweep)"
    assert not out.exists()

    again = out.with_stem("again")
    shopper("--db", db, command, again)

    assert again.exists()
    assert _temp_files(tmp_path, out.name) == []
