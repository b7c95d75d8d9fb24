"""Done-when: type into a draft in the real app, SIGKILL it, restart, and the draft is there
with everything typed up to a second before the kill (and its window is open again)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shopper.paths import ROOT
from shopper.rubric import Rubric
from shopper.services import agents, evaluations, properties, rubrics
from shopper.storage.db import open_database

pytestmark = pytest.mark.slow

TEXT = (
    "The agent met me at the door, offered coffee and walked me through the model; "
    "she remembered my dog's name and quoted the fees without looking them up. "
    "Ask for the application next time."
)
INTERVAL_MS = 40


def planned_keys(rubric: Rubric) -> tuple[list[str], dict[int, tuple[str, object]]]:
    """Keys that answer every scored item (never a low answer, so no comment box opens),
    then the first narrative text item typed one character at a time.

    Returns the keys and, per step index, (item path, value after that step)."""
    keys: list[str] = []
    effects: dict[int, tuple[str, object]] = {}
    for path, _section, item in rubric.items():
        if item.type == "yes_no":
            key, value = "Y", "yes"
        elif item.type == "scale":
            key, value = "4", 4
        elif item.type == "choice":
            key, value = "1", item.options[0].label
        else:
            for position, char in enumerate(TEXT):
                effects[len(keys)] = (path, TEXT[: position + 1])
                keys.append(char)
            return keys, effects
        effects[len(keys)] = (path, value)
        keys.append(key)
    raise AssertionError("the default rubric has no text item")


def read_log(path: Path) -> list[tuple[int, float]]:
    if not path.exists():
        return []
    steps = []
    for line in path.read_text(encoding="utf-8").splitlines():
        index, _, at = line.partition("\t")
        if index.isdigit():
            steps.append((int(index), float(at)))
    return steps


def start_app(db_path: Path, script: dict[str, object], script_path: Path) -> subprocess.Popen:  # type: ignore[type-arg]
    script_path.write_text(json.dumps(script), encoding="utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SHOPPER_UI_SCRIPT=str(script_path))
    return subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "ui" / "scripted.py"), "--db", str(db_path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_a_killed_app_loses_at_most_the_last_second(tmp_path: Path) -> None:
    db_path = tmp_path / "shop.db"
    db = open_database(db_path)
    info = rubrics.ensure_default_rubric(db)
    rubric = rubrics.get_rubric(db, info.id)
    prop = properties.create_property(db, "Élan Flats")
    agent = agents.create_agent(db, "José Núñez", prop.id)
    draft = evaluations.create(
        db, rubric_id=info.id, agent_id=agent.id, visited_on=dt.date(2024, 5, 2)
    )
    db.close()
    keys, effects = planned_keys(rubric)
    log_path = tmp_path / "typed.log"

    app = start_app(
        db_path,
        {"open": draft.id, "keys": keys, "interval_ms": INTERVAL_MS, "log": str(log_path)},
        tmp_path / "type.json",
    )
    try:
        text_start = min(i for i, (p, _v) in effects.items() if p.startswith("narrative."))
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:  # kill in the middle of the narrative
            done = read_log(log_path)
            if done and done[-1][0] >= text_start + 60:
                break
            assert app.poll() is None, app.stdout.read().decode() if app.stdout else ""
            time.sleep(0.05)
        else:
            pytest.fail("the app did not type the script in time")
        killed_at = time.time()
        app.send_signal(signal.SIGKILL)
        app.wait(10)
    finally:
        if app.poll() is None:
            app.kill()
    assert app.returncode == -signal.SIGKILL

    typed = read_log(log_path)
    safe = [index for index, at in typed if at <= killed_at - 1.0]
    assert safe, "nothing was typed a second before the kill"
    expected: dict[str, object] = {}
    for index in range(max(safe) + 1):
        path, value = effects[index]
        expected[path] = value

    db = open_database(db_path)
    try:
        stored = evaluations.get(db, draft.id).values()
    finally:
        db.close()
    for path, value in expected.items():
        if isinstance(value, str) and path.startswith("narrative."):
            text = stored.get(path)
            assert isinstance(text, str) and text.startswith(value), (
                f"{path}: stored {text!r}, typed at least {value!r}"
            )
            assert TEXT.startswith(text)
        else:
            assert stored.get(path) == value, path
    typed_chars = sum(1 for index, _ in typed if index >= text_start)
    safe_chars = sum(1 for index in safe if index >= text_start)
    saved_chars = len(str(stored.get(effects[text_start][0]) or ""))
    print(f"narrative: typed {typed_chars} chars, {safe_chars} by kill − 1 s, {saved_chars} saved")

    # Restart: the draft's window is open again, showing what was stored.
    state_path = tmp_path / "state.json"
    restarted = start_app(db_path, {"dump": str(state_path)}, tmp_path / "dump.json")
    try:
        output = restarted.communicate(timeout=60)[0].decode()
    finally:
        if restarted.poll() is None:
            restarted.kill()
    assert restarted.returncode == 0, output
    state = json.loads(state_path.read_text(encoding="utf-8"))
    assert state["open"] == [draft.id]
    shown = {path: value for path, (value, _comment) in state["answers"][draft.id].items()}
    assert shown == stored
