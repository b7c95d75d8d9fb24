"""Running one measurement in a child process: wall time, peak RSS, output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The checkout: children run here so that `main.py`, `shopper` and `ui` resolve."""


@dataclass(frozen=True)
class ChildRun:
    started: float
    """time.time() just before the child was started (children report ready times)."""
    wall_s: float
    peak_rss_mb: float
    """ru_maxrss of this child alone (os.wait4), in MiB."""
    returncode: int
    stdout: str
    stderr: str
    cpu_s: float = 0.0
    """User + system CPU time of the child and the children it waited for (rusage): on a
    shared machine, a figure that grew with the load average but not in CPU time was
    slowed by the neighbours rather than by the code."""

    def last_json(self) -> dict[str, object]:
        """The last line of stdout that is a JSON object (probes print one)."""
        for line in reversed(self.stdout.splitlines()):
            line = line.strip()
            if line.startswith("{"):
                value = json.loads(line)
                if isinstance(value, dict):
                    return value
        raise ValueError(f"no JSON result in the output:\n{self.stdout}\n{self.stderr}")


class ChildFailed(RuntimeError):
    pass


def python_cmd(*args: str) -> list[str]:
    return [sys.executable, *args]


def shopper_exe() -> list[str]:
    """The installed `shopper` command (what a user runs), falling back to `-m shopper`."""
    script = Path(sys.executable).with_name("shopper")
    return [str(script)] if script.exists() else python_cmd("-m", "shopper")


def shopper_cmd(db: Path | str, *args: str) -> list[str]:
    return [*shopper_exe(), "--db", str(db), *args]


def child_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of every child: offscreen Qt, a private home for settings and logs."""
    env = dict(os.environ)
    env.pop("SHOPPER_DB", None)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONDONTWRITEBYTECODE"] = "0"
    for var, sub in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(home / sub)
    env.update(extra or {})
    return env


def run_child(
    cmd: Sequence[str], env: Mapping[str, str], timeout: float = 1800, check: bool = True
) -> ChildRun:
    """Run `cmd` to the end; wall time from start to exit, and its own peak RSS."""
    out_path = Path(env["XDG_CACHE_HOME"]) / "child.out"
    err_path = Path(env["XDG_CACHE_HOME"]) / "child.err"
    with open(out_path, "w+b") as out, open(err_path, "w+b") as err:
        started = time.time()
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=dict(env), stdout=out, stderr=err)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    run = ChildRun(
        started,
        wall,
        usage.ru_maxrss / 1024,
        proc.returncode,
        stdout,
        stderr,
        usage.ru_utime + usage.ru_stime,
    )
    if check and run.returncode != 0:
        tail = "\n".join((stderr or stdout).strip().splitlines()[-15:])
        raise ChildFailed(f"{' '.join(cmd)} exited with {run.returncode}:\n{tail}")
    return run
