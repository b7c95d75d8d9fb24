"""The measurements: each job runs one child process per repetition and returns its figures.

A job raises `Missing` when the feature it measures is not in the app yet; the runner then
reports its keys as null with that reason.
"""

from __future__ import annotations

import importlib
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.data import Data, fresh_folder, prepare_page_cache
from benchmarks.proc import (
    ROOT,
    ChildFailed,
    ChildRun,
    child_env,
    python_cmd,
    run_child,
    shopper_cmd,
    shopper_exe,
)
from benchmarks.scales import Scale


class Missing(Exception):
    """The feature a metric needs is not there (yet); the message says what is missing."""


@dataclass
class Context:
    scale: Scale
    data: Data
    """The cached generated database of this scale (SQLite file or PostgreSQL database):
    never written; measurements work on copies."""
    work: Path
    """This run's scratch folder (bench-out/run-<scale>/)."""
    page_cache: str = "warm"
    """The page-cache state every measurement starts from (benchmarks/pagecache.py)."""
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def home(self) -> Path:
        return self.work / "home"

    def env(self) -> dict[str, str]:
        return child_env(self.home)

    def shared_db(self) -> str:
        """A copy of the data for jobs that only read, made once per run."""
        if "shared_db" not in self.cache:
            self.cache["shared_db"] = self.data.copy("shared")
        target: str = self.cache["shared_db"]
        return target

    def scratch_db(self, name: str) -> str:
        """A fresh copy for a repetition that writes."""
        return self.data.copy(name)

    def ready(self, target: str) -> dict[str, Any]:
        """Get `target` ready just before a measurement: at the app's schema revision (the
        checkout may have gained a migration since the data was made: on a shared checkout
        it happens during a run, and an app or command would then migrate inside the timed
        part), then in this run's page-cache state. Returns notes."""
        notes: dict[str, Any] = {}
        before, head = database_revision(target), head_revision()
        if before is not None and head is not None and before != head:
            run_child(python_cmd("-m", "benchmarks.probes", "open", "--db", target), self.env())
            notes["migrated_before_measuring"] = f"{before} -> {head}"
            if self.data.kind == "sqlite":  # the app's pre-migration backup of a throwaway
                shutil.rmtree(Path(target).parent / "backups", ignore_errors=True)  # copy
        resident = prepare_page_cache(self.data, target, self.page_cache)
        return {**notes, "page_cache": self.page_cache, "resident_at_start": resident}


def head_revision() -> str | None:
    """The newest schema revision of the checkout as it is now (read from the source: this
    process may have imported an older `shopper.storage.migrate`)."""
    source = ROOT / "shopper" / "storage" / "migrate.py"
    found = re.search(r'^HEAD_REVISION = "([^"]+)"', source.read_text(encoding="utf-8"), re.M)
    return found.group(1) if found else None


def database_revision(target: str) -> str | None:
    """The revision stamped in the database `target` (None if it has none yet)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    from shopper.storage.db import resolve_url

    url = resolve_url(target)
    if url.get_backend_name() == "sqlite" and not Path(str(url.database)).exists():
        return None
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            value = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()
    return None if value is None else str(value)


@dataclass(frozen=True)
class Measured:
    values: dict[str, float]
    notes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Job:
    name: str
    keys: tuple[str, ...]
    run: Callable[[Context, int], Measured]


def cli_commands() -> set[str]:
    """The subcommands the `shopper` CLI has right now."""
    import argparse

    from shopper.cli import build_parser

    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def need_command(name: str, feature: str) -> None:
    if name not in cli_commands():
        raise Missing(f"{feature}: the `shopper {name}` command does not exist yet")


def probe(ctx: Context, name: str, db: str = "", out: Path | None = None) -> ChildRun:
    args = ["-m", "benchmarks.probes", name, "--db", str(db)]
    if out is not None:
        args += ["--out", str(out)]
    return run_child(python_cmd(*args), ctx.env())


def probe_result(run: ChildRun, notes: dict[str, Any] | None = None) -> Measured:
    result = run.last_json()
    if "missing" in result:
        raise Missing(str(result["missing"]))
    values: dict[str, float] = dict(result["values"])  # type: ignore[call-overload]
    reported: dict[str, Any] = dict(result.get("notes", {}))  # type: ignore[call-overload]
    return Measured(values, {**reported, **(notes or {}), "child_cpu_s": round(run.cpu_s, 2)})


# ------------------------------------------------------------------------------- jobs --
def cli_help(ctx: Context, rep: int) -> Measured:
    notes: dict[str, Any] = {}
    if rep == 0:
        notes = probe_result(probe(ctx, "help_imports")).notes
    run = run_child([*shopper_exe(), "--help"], ctx.env())
    return Measured({"cli_help_s": run.wall_s}, notes)


def gui_run(ctx: Context, *extra: str) -> tuple[ChildRun, dict[str, Any], dict[str, Any]]:
    db = ctx.shared_db()
    settings = ctx.home / "config" / "Shopper"
    fresh_folder(settings)  # first start: no saved page or geometry
    command = python_cmd("-m", "benchmarks.gui_start", "--db", db, *extra)
    notes = ctx.ready(db)
    run = run_child(command, ctx.env(), check=False)
    try:
        result = run.last_json()
    except ValueError:
        message = f"the app printed no result (exit {run.returncode}): {run.stderr}"
        raise ChildFailed(message) from None
    return run, result, notes


def gui_list(ctx: Context, rep: int) -> Measured:
    """The app's memory once the whole list is in: every id loaded, scrolled to the end."""
    run, result, notes = gui_run(ctx, "--whole-list")
    if "missing" in result:
        raise Missing(str(result["missing"]))
    notes.update(
        rows=result["rows"],
        whole_list_s=result["ready_at"] - run.started,
        page_fetches=result.get("page_fetches"),
        child_cpu_s=round(run.cpu_s, 2),
    )
    return Measured({"gui_list_rss_mb": result["vm_hwm_mb"]}, notes)


def gui_start(ctx: Context, rep: int) -> Measured:
    run, result, ready = gui_run(ctx)
    if run.returncode != 0 and "ready_at" in result:
        # The figures are taken before the window closes; an abort at exit is the app's
        # (reported in the notes), not the measurement's.
        exit_note = f"app exited with {run.returncode} after the measurement"
    else:
        exit_note = None
    window_s = result["window_at"] - run.started if result.get("window_at") else None
    if "missing" in result:
        shown = f"; the window itself showed after {window_s:.2f} s" if window_s else ""
        raise Missing(f"{result['missing']}{shown}")
    return Measured(
        {"gui_start_s": result["ready_at"] - run.started, "gui_rss_mb": result["vm_hwm_mb"]},
        {
            "window_shown_s": window_s,
            "rows_in_first_page": result["rows"],
            "exit": exit_note,
            **ready,
        },
    )


def evaluation_list(ctx: Context, rep: int) -> Measured:
    db = ctx.shared_db()
    notes = ctx.ready(db)
    return probe_result(probe(ctx, "list", db), notes)


def form(ctx: Context, rep: int) -> Measured:
    db = ctx.scratch_db("form")
    try:
        notes = ctx.ready(db)
        return probe_result(probe(ctx, "form", db), notes)
    finally:
        ctx.data.drop(db)


def rescore(ctx: Context, rep: int) -> Measured:
    db = ctx.scratch_db("rescore")
    try:
        notes = ctx.ready(db)
        return probe_result(probe(ctx, "rescore", db), notes)
    finally:
        ctx.data.drop(db)


PAGE = re.compile(rb"/Type\s*/Page\b")


def count_pages(folder: Path) -> tuple[int, int]:
    """(PDF files, pages) in `folder`; ReportLab leaves page objects uncompressed."""
    files = sorted(folder.rglob("*.pdf"))
    return len(files), sum(len(PAGE.findall(p.read_bytes())) for p in files)


def scorecards(ctx: Context, rep: int) -> Measured:
    need_command("scorecards", "scorecards")
    out = fresh_folder(ctx.work / "scorecards")
    db = ctx.shared_db()
    command = shopper_cmd(db, "scorecards", str(out), "--page-size", "letter")
    notes = ctx.ready(db)
    run = run_child(command, ctx.env())
    files, pages = count_pages(out)
    return Measured(
        {
            "scorecards_all_s": run.wall_s,
            "scorecards_pages": pages,
            "scorecards_rss_mb": run.peak_rss_mb,
        },
        {
            "pdf_files": files,
            "peak_rss_is": "the largest single process (parent or worker)",
            "child_cpu_s": round(run.cpu_s, 2),
            **notes,
        },
    )


def busiest_property(db: str) -> tuple[str, int]:
    """The property with the most agents (its name, and how many), read in this process."""
    from sqlalchemy import create_engine, text

    from shopper.storage.db import resolve_url

    engine = create_engine(resolve_url(db))
    try:
        with engine.connect() as conn:
            name, agents = conn.execute(
                text(
                    "SELECT p.name, count(a.id) FROM properties p JOIN agents a "
                    "ON a.property_id = p.id GROUP BY p.id, p.name ORDER BY count(a.id) DESC, "
                    "p.name LIMIT 1"
                )
            ).one()
    finally:
        engine.dispose()
    return str(name), int(agents)


def property_scorecards(ctx: Context, rep: int) -> Measured:
    """`shopper scorecards --property NAME`: one property's agents, as a manager runs it."""
    need_command("scorecards", "scorecards")
    out = fresh_folder(ctx.work / "property-scorecards")
    db = ctx.shared_db()
    if "property" not in ctx.cache:
        ctx.cache["property"] = busiest_property(db)
    name, agents = ctx.cache["property"]
    command = shopper_cmd(db, "scorecards", str(out), "--property", name, "--page-size", "letter")
    notes = ctx.ready(db)
    run = run_child(command, ctx.env())
    files, pages = count_pages(out)
    notes.update(
        property=name,
        agents=agents,
        pdf_files=files,
        pages=pages,
        rss_mb=round(run.peak_rss_mb, 1),
        child_cpu_s=round(run.cpu_s, 2),
    )
    return Measured({"scorecards_property_s": run.wall_s}, notes)


def scorecard_floor(ctx: Context, rep: int) -> Measured:
    if not (Path(__file__).parent / "scorecards_bench.py").exists():
        raise Missing("benchmarks/scorecards_bench.py (the bare-ReportLab floor) is not there yet")
    return probe_result(probe(ctx, "floor", ctx.shared_db(), ctx.work / "floor"))


def exchange_run(ctx: Context, command: str, db: str, target: Path) -> tuple[float, float, str]:
    """(seconds, peak RSS MB, how) for `shopper COMMAND TARGET`, or for the service call in
    a process of its own while the command does not exist yet."""
    if command in cli_commands():
        ctx.ready(db)
        run = run_child(shopper_cmd(db, command, str(target)), ctx.env())
        return run.wall_s, run.peak_rss_mb, f"`shopper {command}`"
    action = {"export-csv": "csv", "export": "export", "import": "import"}[command]
    try:
        import shopper.exchange  # noqa: F401
    except ImportError:
        raise Missing(f"`shopper {command}` and shopper.exchange do not exist yet") from None
    run = probe(ctx, "exchange", db, Path(f"{action}:{target}"))
    seconds = float(probe_result(run).values["seconds"])
    return seconds, run.peak_rss_mb, f"service call (no `shopper {command}` yet)"


def csv_export(ctx: Context, rep: int) -> Measured:
    out = fresh_folder(ctx.work / "csv") / "evaluations.csv"
    seconds, _rss, how = exchange_run(ctx, "export-csv", ctx.shared_db(), out)
    return Measured({"csv_export_s": seconds}, {"csv_mb": out.stat().st_size / 2**20, "how": how})


def package_path(ctx: Context) -> Path:
    return ctx.work / "package" / "all.shopper.json"


def package_export(ctx: Context, rep: int) -> Measured:
    out = package_path(ctx)
    fresh_folder(out.parent)
    seconds, rss, how = exchange_run(ctx, "export", ctx.shared_db(), out)
    return Measured(
        {"package_export_s": seconds},
        {"package_mb": out.stat().st_size / 2**20, "export_rss_mb": rss, "how": how},
    )


def package_import(ctx: Context, rep: int) -> Measured:
    """Import into an empty (initialised) database, then the same package again."""
    package = package_path(ctx)
    if not package.exists():
        package_export(ctx, rep)
    db = ctx.data.empty("import")
    run_child(shopper_cmd(db, "init"), ctx.env())
    try:
        first_s, first_rss, how = exchange_run(ctx, "import", db, package)
        again_s, again_rss, _ = exchange_run(ctx, "import", db, package)
    finally:
        ctx.data.drop(db)
    return Measured(
        {"package_import_s": first_s, "import_rss_mb": first_rss, "package_reimport_s": again_s},
        {"reimport_rss_mb": again_rss, "how": how},
    )


def editor(ctx: Context, rep: int) -> Measured:
    """benchmarks/editor.py in a child: keys typed into the default rubric's editor."""
    command = python_cmd("-m", "benchmarks.editor", "--db", ctx.shared_db())
    run = run_child(command, ctx.env(), check=False)
    try:
        measured = probe_result(run)
    except ValueError:
        tail = "\n".join(run.stderr.strip().splitlines()[-10:])
        message = f"the editor probe printed no result (exit {run.returncode}):\n{tail}"
        raise ChildFailed(message) from None
    if run.returncode != 0:  # the figures were printed; an abort at exit is PySide6 teardown
        measured.notes["exit"] = f"the probe exited with {run.returncode} after printing"
    return measured


def xl_import(ctx: Context, rep: int) -> Measured:
    """`shopper import` of a 100,000-shop package (other properties, agents and shops: the
    `package` scale's data, seed 2) into a copy of the million-shop database."""
    from benchmarks.data import SqliteData
    from benchmarks.scales import SCALES

    scale = SCALES["pkgsmoke" if ctx.scale.name == "xl-smoke" else "package"]
    if "package" not in ctx.cache:
        source = SqliteData(scale, ctx.work.parent, ctx.work)
        package = ctx.work.parent / "cache" / f"{source.base.stem}.shopper.json"
        if not package.exists():
            partial = package.with_name(package.name + ".partial")
            run_child(shopper_cmd(source.copy("package-source"), "export", str(partial)), ctx.env())
            partial.rename(package)
        ctx.cache["package"] = package
    package = ctx.cache["package"]
    db = ctx.scratch_db("xl_import")
    try:
        seconds, rss, how = exchange_run(ctx, "import", db, package)
    finally:
        ctx.data.drop(db)
    return Measured(
        {"import_100k_s": seconds},
        {"import_rss_mb": rss, "package_mb": round(package.stat().st_size / 2**20, 1), "how": how},
    )


def dashboard(ctx: Context, rep: int) -> Measured:
    try:
        importlib.import_module("ui.dashboard")
    except ImportError:
        raise Missing("the program dashboard (issue 16) is not in the app yet") from None
    raise Missing("the dashboard exists but its measurement is not written yet")


JOBS: tuple[Job, ...] = (
    Job("cli_help", ("cli_help_s",), cli_help),
    Job("gui_start", ("gui_start_s", "gui_rss_mb"), gui_start),
    Job("gui_list", ("gui_list_rss_mb",), gui_list),
    Job(
        "evaluation_list",
        ("list_first_rows_s", "list_load_s", "list_filter_s", "list_sort_s"),
        evaluation_list,
    ),
    Job("form", ("open_evaluation_s", "autosave_s"), form),
    Job("rescore", ("rescore_all_s",), rescore),
    Job("scorecards", ("scorecards_all_s", "scorecards_pages", "scorecards_rss_mb"), scorecards),
    Job("scorecard_floor", ("scorecard_floor_s",), scorecard_floor),
    Job("property_scorecards", ("scorecards_property_s",), property_scorecards),
    Job("csv_export", ("csv_export_s",), csv_export),
    Job("package_export", ("package_export_s",), package_export),
    Job(
        "package_import",
        ("package_import_s", "package_reimport_s", "import_rss_mb"),
        package_import,
    ),
    Job("editor", ("editor_keystroke_ms",), editor),
)
XL_JOBS: tuple[Job, ...] = (
    Job("gui_list", ("gui_list_rss_mb",), gui_list),
    Job(
        "evaluation_list",
        ("list_first_rows_s", "list_load_s", "list_filter_s", "list_sort_s"),
        evaluation_list,
    ),
    Job("form", ("open_evaluation_s", "autosave_s"), form),
    Job("property_scorecards", ("scorecards_property_s",), property_scorecards),
    Job("xl_import", ("import_100k_s",), xl_import),
    Job("dashboard", ("dashboard_s",), dashboard),
)
"""The million-shop scale: what a shared database of that size must still do quickly. The
whole-database jobs (every scorecard, rescore of everything, full export) are left out."""


def jobs_of(scale_name: str) -> tuple[Job, ...]:
    return XL_JOBS if scale_name.startswith("xl") else JOBS
