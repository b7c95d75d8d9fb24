"""Scorecard worker processes die with their parent: after a kill -9 of the process running
a batch, no further PDF is written and no worker is left running."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from shopper.limits import MAX_COMMENT_CHARS
from shopper.services import agents, evaluations, properties, rubrics
from shopper.storage.db import Database
from tests.shopper.reports.conftest import answers_for

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
AGENTS = 32
PARENT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from shopper.reports import batch
    from shopper.storage.db import open_database

    batch.CHUNK = 8
    db = open_database(sys.argv[1], migrate=False)
    request = batch.BatchRequest(out_dir=Path(sys.argv[2]), workers=2)
    batch.export_scorecards(db, request)
    """
)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _slow_agents(db: Database) -> None:
    """Agents whose scorecards take a while: each has a shop with the longest comment."""
    info = rubrics.default_rubric(db)
    assert info is not None
    rubric = rubrics.get_rubric(db, info.id)
    prop = properties.create_property(db, "Harbour View")
    comment = ("The agent never asked about my dog and rushed the tour. " * 400)[:MAX_COMMENT_CHARS]
    for n in range(AGENTS):
        agent = agents.create_agent(db, f"Agent {n:02d}", prop.id)
        answers = answers_for(rubric, miss=("needs.pets",))
        answers["needs.pets"] = type(answers["needs.pets"])("no", comment=comment)
        evaluations.create(
            db,
            rubric_id=info.id,
            agent_id=agent.id,
            visited_on=dt.date(2026, 3, 1),
            answers=answers,
            status="submitted",
        )


def test_a_killed_batch_leaves_no_worker_writing(db: Database, tmp_path: Path) -> None:
    _slow_agents(db)
    out = tmp_path / "cards"
    url = db.url.render_as_string(hide_password=False)
    parent = subprocess.Popen([sys.executable, "-c", PARENT, url, str(out)], cwd=os.getcwd())
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while not (out.is_dir() and any(out.glob("*.pdf"))):
            assert parent.poll() is None, "the batch ended before it could be killed"
            assert time.monotonic() < deadline, "no scorecard was written in 120 s"
            time.sleep(0.05)
        workers += _children(parent.pid)
        assert len(workers) == 2
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        written_at_kill = len(list(out.glob("*.pdf")))
        deadline = time.monotonic() + 10
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(w) for w in workers), "workers outlived their parent"
        time.sleep(1)
        written = len(list(out.glob("*.pdf")))
        # At most a file being renamed into place at the moment of the kill.
        assert written <= written_at_kill + 1 < AGENTS
    finally:
        if parent.poll() is None:
            parent.kill()
        for pid in workers:  # only when the test failed: never leave them behind
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
