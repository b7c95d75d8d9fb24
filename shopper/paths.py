"""Every resource path, resolved relative to the installed packages, never the working directory.

The repository's top-level `resources/` folder is installed as the package `shopper_resources`
(see setup.py): in an editable install it is that folder itself, in a wheel install a folder
in site-packages, in a PyInstaller bundle a folder inside the bundle. All three are real files
on disk, so the names below are plain `Path`s.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

RESOURCES_PACKAGE = "shopper_resources"

ROOT = Path(__file__).resolve().parent.parent
"""The folder holding the `shopper` package: the checkout when run from source (tests use it)."""


def _resources_dir() -> Path:
    try:
        found = files(RESOURCES_PACKAGE)
    except ModuleNotFoundError:
        # Run straight from a checkout without installing it (e.g. PYTHONPATH=.).
        source = ROOT / "resources"
        if (source / "__init__.py").is_file():
            return source
        raise RuntimeError(
            f"Shopper's resources ({RESOURCES_PACKAGE}) are not installed: reinstall Shopper"
        ) from None
    if not isinstance(found, Path):
        raise RuntimeError(
            f"Shopper's resources ({RESOURCES_PACKAGE}) are not plain files on disk "
            f"({type(found).__name__}): install Shopper unzipped"
        )
    return found


RESOURCES = _resources_dir()
SCHEMAS = RESOURCES / "schemas"
RUBRICS = RESOURCES / "rubrics"
FONTS = RESOURCES / "fonts"
ICONS = RESOURCES / "icons"
DEFAULT_RUBRIC = RUBRICS / "leasing-tour.json"
APP_ICON = ICONS / "shopper.png"
MIGRATIONS = Path(__file__).resolve().parent / "storage" / "migrations"
