"""Run every job `repeat` times at one scale and gather medians into one JSON document."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import machine
from benchmarks.data import (
    DEFAULT_OUT,
    Data,
    DiskSpaceError,
    PostgresData,
    SqliteData,
    fresh_folder,
    git_state,
)
from benchmarks.jobs import Context, Job, Missing, jobs_of
from benchmarks.metrics import keys_of
from benchmarks.proc import ChildFailed
from benchmarks.scales import Scale


def log(message: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {message}", flush=True)


def run_job(job: Job, ctx: Context, repeat: int) -> dict[str, Any]:
    """{"runs": {key: [...]}, "notes": [...], "missing": reason or None, "load": [...]}."""
    runs: dict[str, list[float]] = {key: [] for key in job.keys}
    notes: list[dict[str, Any]] = []
    load = machine.load_average()
    dirty = machine.dirty_mb()
    for rep in range(repeat):
        try:
            measured = job.run(ctx, rep)
        except Missing as exc:
            return {"runs": runs, "notes": notes, "missing": str(exc), "load": load}
        except ChildFailed as exc:
            return {"runs": runs, "notes": notes, "missing": f"failed: {exc}", "load": load}
        except DiskSpaceError as exc:
            return {"runs": runs, "notes": notes, "missing": f"skipped: {exc}", "load": load}
        for key in job.keys:
            runs[key].append(float(measured.values[key]))
        if measured.notes:
            notes.append(measured.notes)
    return {"runs": runs, "notes": notes, "missing": None, "load": load, "dirty_mb": dirty}


def run(
    scale: Scale,
    repeat: int | None = None,
    only: set[str] | None = None,
    out: Path = DEFAULT_OUT,
    db: str = "sqlite",
    pg_url: str | None = None,
    page_cache: str = "warm",
    partial: Path | None = None,
) -> dict[str, Any]:
    """Every job of `scale` on `db`; with `partial`, the figures so far are written there
    after each job (marked `"partial": true`), so a run cut short keeps what it measured."""
    repeat = repeat or scale.repeat
    started = time.perf_counter()
    started_at = dt.datetime.now(dt.UTC)
    load_start = machine.load_average()
    log(f"scale {scale.name} on {db}; load average {load_start}")
    work = fresh_folder(out / f"run-{scale.name}-{db}")
    data: Data
    if db == "postgresql":
        data = PostgresData(scale, out, work, pg_url)
    else:
        data = SqliteData(scale, out, work)

    def document(measured: dict[str, Any], described: dict[str, Any]) -> dict[str, Any]:
        return {
            "scale": scale.name,
            "database": db,
            "data": {
                "properties": scale.properties,
                "agents": scale.agents,
                "evaluations": scale.evaluations,
                "generated_s": round(data.generated_s, 1) if data.generated_s else None,
                **described,
            },
            "page_cache": page_cache,
            "code": git_state(),
            "repeat": repeat,
            "started_at": started_at.isoformat(timespec="seconds"),
            "duration_s": round(time.perf_counter() - started, 1),
            "load_average_start": load_start,
            "load_average_end": machine.load_average(),
            "machine": machine.describe(),
            **measured,
        }

    def after_job(measured: dict[str, Any]) -> None:
        if partial is not None:
            write_json({**document(measured, described_early), "partial": True}, partial)

    described_early: dict[str, Any] = {}
    try:
        described_early = data.describe()
        ctx = Context(scale, data, work, page_cache)
        measured = run_jobs(ctx, repeat, only, after_job)
        described = data.describe()
    finally:
        data.close()
    return document(measured, described)


def run_jobs(
    ctx: Context,
    repeat: int,
    only: set[str] | None,
    after_job: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    metrics: dict[str, float | None] = dict.fromkeys(keys_of(ctx.scale.name))
    missing: dict[str, str] = {}
    all_runs: dict[str, list[float]] = {}
    job_notes: dict[str, Any] = {}
    for job in jobs_of(ctx.scale.name):
        if only and job.name not in only and not set(job.keys) & only:
            for key in job.keys:
                missing[key] = "not selected in this run (--only)"
            continue
        job_started = time.perf_counter()
        try:
            result = run_job(job, ctx, repeat)
        except Exception:  # a bug in a job must not lose the other figures
            result = {"runs": {}, "notes": [], "load": [], "missing": traceback.format_exc()}
        elapsed = time.perf_counter() - job_started
        all_runs.update(result["runs"])
        job_notes[job.name] = {
            "load_average": result["load"],
            "dirty_mb_at_start": result.get("dirty_mb"),
            "seconds": round(elapsed, 1),
            "details": result["notes"],
        }
        for key in job.keys:
            if result["missing"] is not None:
                missing[key] = result["missing"]
            else:
                metrics[key] = statistics.median(result["runs"][key])
        shown = ", ".join(
            f"{k}={metrics[k]:.4g}" if metrics[k] is not None else f"{k}=null" for k in job.keys
        )
        log(f"{job.name}: {shown}  ({elapsed:.0f} s)")
        if result["missing"]:
            log(f"  null: {result['missing'].splitlines()[0]}")
        if after_job is not None:
            after_job(
                {"metrics": metrics, "missing": missing, "runs": all_runs, "notes": job_notes}
            )
    return {"metrics": metrics, "missing": missing, "runs": all_runs, "notes": job_notes}


def write_json(result: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def merge(previous: dict[str, Any], again: dict[str, Any]) -> dict[str, Any]:
    """`previous` with the jobs measured in `again` (a run with --only) replaced."""
    if previous["scale"] != again["scale"]:
        raise SystemExit(f"cannot merge {again['scale']} figures into {previous['scale']} ones")
    if previous.get("database", "sqlite") != again.get("database", "sqlite"):
        raise SystemExit("cannot merge figures measured on different databases")
    merged = dict(previous)
    for key in ("metrics", "missing", "runs", "notes"):
        merged[key] = dict(previous.get(key, {}))
    selected = [
        k for k in again["metrics"] if not again["missing"].get(k, "").startswith("not selected")
    ]
    for key in selected:
        merged["metrics"][key] = again["metrics"][key]
        merged["runs"][key] = again["runs"].get(key, [])
        merged["missing"].pop(key, None)
        if key in again["missing"]:
            merged["missing"][key] = again["missing"][key]
    merged["notes"].update(again["notes"])
    merged["remeasured"] = [
        *previous.get("remeasured", []),
        {
            "metrics": selected,
            "started_at": again["started_at"],
            "duration_s": again["duration_s"],
            "load_average_start": again["load_average_start"],
            "load_average_end": again["load_average_end"],
            "code": again.get("code"),
            "page_cache": again.get("page_cache"),
        },
    ]
    return merged
