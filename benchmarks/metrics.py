"""Every metric of issue 7: its key, its unit and its target at the large scale."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    key: str
    description: str
    target: float | None
    """The upper bound at the large scale (None: no target of its own)."""


METRICS: tuple[Metric, ...] = (
    Metric("cli_help_s", "`shopper --help`, process start to exit", 0.3),
    Metric("gui_start_s", "`python main.py` to the window shown with the list filled", 1.0),
    Metric("gui_rss_mb", "peak RSS of the app at that moment (VmHWM)", 250),
    Metric("list_filter_s", "filter the evaluation list model by agent text", 0.15),
    Metric("list_sort_s", "sort the evaluation list model by overall score", 0.15),
    Metric("open_evaluation_s", "open one evaluation into the rubric form", 0.1),
    Metric("autosave_s", "one autosave after one answer changes", 0.01),
    Metric("rescore_all_s", "recompute and store every evaluation's scores", 20),
    Metric("scorecards_all_s", "every agent's scorecard, one PDF each (`shopper scorecards`)", 40),
    Metric("scorecards_pages", "pages in those PDFs", None),
    Metric("scorecards_rss_mb", "peak RSS of `shopper scorecards`", None),
    Metric("scorecard_floor_s", "the same pages by bare ReportLab from data in memory", None),
    Metric("csv_export_s", "`shopper export-csv`", 5),
    Metric("package_export_s", "`shopper export` of every evaluation", 20),
    Metric("package_import_s", "`shopper import` of that package into an empty database", 60),
    Metric("package_reimport_s", "the same package imported again (nothing changed)", 20),
    Metric("import_rss_mb", "peak RSS of `shopper import` into the empty database", 500),
    Metric("editor_keystroke_ms", "UI-thread CPU per key typed in the rubric editor", 16),
)
KEYS = tuple(m.key for m in METRICS)
FLOOR_FACTOR = 1.3
"""scorecards_all_s must also be within this factor of scorecard_floor_s."""


def target_text(metric: Metric) -> str:
    if metric.key == "scorecards_all_s":
        return f"≤ {FLOOR_FACTOR} × floor and ≤ {metric.target:g}"
    return "—" if metric.target is None else f"≤ {metric.target:g}"


def verdict(metric: Metric, values: dict[str, float | None]) -> str:
    """ "met", "MISSED" (with which bound, for the scorecards) or "—" for the large scale."""
    value = values.get(metric.key)
    if value is None or metric.target is None:
        return "—"
    if metric.key != "scorecards_all_s":
        return "met" if value <= metric.target else "MISSED"
    floor = values.get("scorecard_floor_s")
    misses = []
    if value > metric.target:
        misses.append(f"> {metric.target:g} s")
    if floor is not None and value > FLOOR_FACTOR * floor:
        misses.append(f"{value / floor:.2f} × floor")
    elif floor is not None:
        misses.append(f"within the floor bound: {value / floor:.2f} × floor")
    if floor is None:
        misses.append("floor not measured")
    missed = value > metric.target or (floor is not None and value > FLOOR_FACTOR * floor)
    return ("MISSED" if missed else "met") + f" ({'; '.join(misses)})"
