"""Every metric of issues 7 and 18: its key, its unit and its target at the large scale
(100,000 shops) and, for the metrics of the `xl` scale, at a million shops."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    key: str
    description: str
    target: float | None
    """The upper bound at the large scale (None: no target of its own)."""
    xl_target: float | None = None
    """The upper bound at the xl scale (1,000,000 shops on PostgreSQL)."""
    xl: bool = False
    """Measured at the xl scale too."""
    standard: bool = True
    """Measured at the smoke, small and large scales."""


METRICS: tuple[Metric, ...] = (
    Metric("cli_help_s", "`shopper --help`, process start to exit", 0.3),
    Metric("gui_start_s", "`python main.py` to the window shown with the list filled", 1.0),
    Metric("gui_rss_mb", "peak RSS of the app at that moment (VmHWM)", 250),
    Metric(
        "gui_list_rss_mb",
        "peak RSS of the app once the whole evaluation list is loaded and scrolled to its end",
        250,
        250,
        xl=True,
    ),
    Metric(
        "list_first_rows_s",
        "the list's first rows readable after (re)loading it",
        0.2,
        0.2,
        xl=True,
    ),
    Metric(
        "list_load_s",
        "the whole list loaded (all ids) with the first screen read",
        None,
        1,
        xl=True,
    ),
    Metric("list_filter_s", "filter the evaluation list model by agent text", 0.15, 1, xl=True),
    Metric("list_sort_s", "sort the evaluation list model by overall score", 0.15, 1, xl=True),
    Metric("open_evaluation_s", "open one evaluation into the rubric form", 0.1, 0.1, xl=True),
    Metric("autosave_s", "one autosave after one answer changes", 0.01, 0.01, xl=True),
    Metric("rescore_all_s", "recompute and store every evaluation's scores", 20),
    Metric("scorecards_all_s", "every agent's scorecard, one PDF each (`shopper scorecards`)", 40),
    Metric("scorecards_pages", "pages in those PDFs", None),
    Metric(
        "scorecards_property_s",
        "one property's agents' scorecards (`shopper scorecards --property`)",
        10,
        10,
        xl=True,
    ),
    Metric("scorecards_rss_mb", "peak RSS of `shopper scorecards`", None),
    Metric("scorecard_floor_s", "the same pages by bare ReportLab from data in memory", None),
    Metric("csv_export_s", "`shopper export-csv`", 5),
    Metric("package_export_s", "`shopper export` of every evaluation", 20),
    Metric("package_import_s", "`shopper import` of that package into an empty database", 60),
    Metric("package_reimport_s", "the same package imported again (nothing changed)", 20),
    Metric("import_rss_mb", "peak RSS of `shopper import` into the empty database", 500),
    Metric("editor_keystroke_ms", "UI-thread CPU per key typed in the rubric editor", 16),
    Metric(
        "import_100k_s",
        "`shopper import` of a 100,000-shop package into the million-shop database",
        None,
        60,
        xl=True,
        standard=False,
    ),
    Metric(
        "dashboard_s", "the program dashboard shown (issue 16)", None, 1, xl=True, standard=False
    ),
)
KEYS = tuple(m.key for m in METRICS if m.standard)
XL_KEYS = tuple(m.key for m in METRICS if m.xl)


def keys_of(scale_name: str) -> tuple[str, ...]:
    return XL_KEYS if scale_name.startswith("xl") else KEYS


def target_of(metric: Metric, scale_name: str) -> float | None:
    return metric.xl_target if scale_name.startswith("xl") else metric.target


FLOOR_FACTOR = 1.3
"""scorecards_all_s must also be within this factor of scorecard_floor_s."""


def target_text(metric: Metric, scale_name: str = "large") -> str:
    target = target_of(metric, scale_name)
    if metric.key == "scorecards_all_s":
        return f"≤ {FLOOR_FACTOR} × floor and ≤ {metric.target:g}"
    return "—" if target is None else f"≤ {target:g}"


def verdict(metric: Metric, values: dict[str, float | None], scale_name: str = "large") -> str:
    """ "met", "MISSED" (with which bound, for the scorecards) or "—" for that scale."""
    value = values.get(metric.key)
    target = target_of(metric, scale_name)
    if value is None or target is None:
        return "—"
    if metric.key != "scorecards_all_s":
        return "met" if value <= target else "MISSED"
    floor = values.get("scorecard_floor_s")
    misses = []
    if value > target:
        misses.append(f"> {target:g} s")
    if floor is not None and value > FLOOR_FACTOR * floor:
        misses.append(f"{value / floor:.2f} × floor")
    elif floor is not None:
        misses.append(f"within the floor bound: {value / floor:.2f} × floor")
    if floor is None:
        misses.append("floor not measured")
    missed = value > target or (floor is not None and value > FLOOR_FACTOR * floor)
    return ("MISSED" if missed else "met") + f" ({'; '.join(misses)})"
