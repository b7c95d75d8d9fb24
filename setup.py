"""Build hook: ship the repository's top-level `resources/` folder inside the wheel.

Everything else about the build is in pyproject.toml. setuptools' declarative config cannot
add a package whose folder lives elsewhere to the packages it finds, so this adds one:
`resources/` becomes the package `shopper_resources` (its sub-folders are data-only
namespace packages), for wheel and editable installs alike. `shopper/paths.py` finds it
with `importlib.resources`; the files it ships are listed under package-data in pyproject.toml.
"""

from setuptools import find_namespace_packages, find_packages, setup

code = find_packages(include=["shopper", "shopper.*", "ui", "ui.*"])
data = [
    f"shopper_resources.{name}"
    for name in find_namespace_packages(where="resources", exclude=["*__pycache__*"])
]

setup(
    packages=[*code, "shopper_resources", *data],
    package_dir={"shopper_resources": "resources"},
)
