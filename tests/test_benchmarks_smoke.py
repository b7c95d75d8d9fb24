"""The benchmarks must keep running: a tiny-data, one-repetition run of every measurement.

No timing assertions: only that each metric is a number, or null with the reason the
feature it measures is missing (never because the measurement itself broke).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

from benchmarks.metrics import KEYS

ROOT = Path(__file__).resolve().parent.parent


def test_smoke_run_reports_every_metric(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--json", str(out), "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text(encoding="utf-8"))

    assert set(result["metrics"]) == set(KEYS)
    for key, value in result["metrics"].items():
        if value is None:
            reason = result["missing"].get(key, "")
            assert reason.strip(), f"{key} is null without a reason"
            assert not reason.startswith("failed"), f"{key}: the measurement broke: {reason}"
            assert "Traceback" not in reason, f"{key}: the measurement broke: {reason}"
        else:
            assert isinstance(value, int | float) and math.isfinite(value), key
            assert value >= 0, key
    # Every feature is in the app now, so every metric must have been measured.
    for key in KEYS:
        assert result["metrics"][key] is not None, f"{key}: {result['missing'].get(key)}"
    assert result["machine"]["nproc"] >= 1
    assert result["data"]["evaluations"] > 0


def test_cached_database_is_reused(tmp_path: Path) -> None:
    from benchmarks.data import cached_database
    from benchmarks.scales import Scale

    tiny = Scale("tiny", properties=1, agents=2, evaluations=5, repeat=1)
    first, generated_s = cached_database(tiny, tmp_path, log=False)
    again, regenerated_s = cached_database(tiny, tmp_path, log=False)
    assert first == again and first.exists()
    assert generated_s > 0 and regenerated_s == 0
