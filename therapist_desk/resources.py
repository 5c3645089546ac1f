"""One lookup for files the app reads at run time: source checkout, installed wheel, or bundle."""

from __future__ import annotations

import sys
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def resources_root() -> Path:
    """Return the folder that holds ``resources/`` content in this kind of installation."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:  # PyInstaller: build.spec copies resources/ to the bundle root
        return Path(bundle) / "resources"
    inside_package = _PACKAGE_DIR / "_resources"  # installed wheel (force-include in pyproject)
    if inside_package.is_dir():
        return inside_package
    return _PACKAGE_DIR.parent / "resources"  # source checkout or editable install


def resource_path(*parts: str) -> Path:
    """Return the path of a resource such as ``resource_path("codes", "icd10cm.tsv")``.

    Raises FileNotFoundError naming the resource (never a user path) when it is missing.
    """
    path = resources_root().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"missing resource: {'/'.join(parts)}")
    return path
