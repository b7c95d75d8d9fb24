"""Every resource path, resolved relative to the source tree, never the working directory."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"
SCHEMAS = RESOURCES / "schemas"
RUBRICS = RESOURCES / "rubrics"
FONTS = RESOURCES / "fonts"
ICONS = RESOURCES / "icons"
DEFAULT_RUBRIC = RUBRICS / "leasing-tour.json"
MIGRATIONS = Path(__file__).resolve().parent / "storage" / "migrations"
