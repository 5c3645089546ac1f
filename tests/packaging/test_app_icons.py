"""The app icon: the SVG source, every generated size, the .ico and .icns, and that they are current."""

from __future__ import annotations

import importlib.util
import io
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image, ImageChops, ImageStat
from PySide6.QtWidgets import QApplication

from therapist_desk.resources import resource_path

ROOT = Path(__file__).resolve().parents[2]


def _load_make_icons() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_icons", ROOT / "scripts" / "make_icons.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_icons = _load_make_icons()


def test_the_svg_source_is_a_square_svg() -> None:
    root = ET.parse(make_icons.SOURCE).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    x, y, width, height = (float(v) for v in root.attrib["viewBox"].split())
    assert (x, y) == (0, 0) and width == height


def test_every_generated_file_exists() -> None:
    missing = [p.name for p in make_icons.generated_files() if not p.is_file()]
    assert not missing, f"run scripts/make_icons.py: {missing}"


@pytest.mark.parametrize("size", make_icons.PNG_SIZES)
def test_png_sizes(size: int) -> None:
    with Image.open(make_icons.png_path(size)) as image:
        assert image.format == "PNG"
        assert image.size == (size, size)
        assert image.mode == "RGBA"
        corner = image.getpixel((0, 0))
        assert isinstance(corner, tuple) and corner[3] == 0  # the rounded tile leaves transparent corners


def test_window_icon_is_the_one_the_app_loads() -> None:
    """app.py sets resources/icons/therapist-desk.png as the window icon."""
    path = resource_path("icons", "therapist-desk.png")
    with Image.open(path) as image:
        assert image.size == (make_icons.WINDOW_ICON_SIZE,) * 2


def test_ico_holds_every_windows_size() -> None:
    with Image.open(make_icons.ICON_DIR / "therapist-desk.ico") as image:
        assert image.format == "ICO"
        assert set(image.info["sizes"]) == {(s, s) for s in make_icons.ICO_SIZES}


def test_icns_holds_the_macos_sizes() -> None:
    with Image.open(make_icons.ICON_DIR / "therapist-desk.icns") as image:
        assert image.format == "ICNS"
        assert image.size == (1024, 1024)
        stored = {width * scale for width, _, scale in image.info["sizes"]}
        assert {32, 64, 128, 256, 512, 1024} <= stored


def test_generated_icons_match_the_svg(qapp: QApplication) -> None:
    """Editing the SVG without running scripts/make_icons.py fails here."""
    rendered = make_icons.render_sizes(make_icons.SOURCE, (16, 64, 256))
    for size, data in rendered.items():
        with Image.open(io.BytesIO(data)) as fresh, Image.open(make_icons.png_path(size)) as kept:
            difference = ImageChops.difference(fresh.convert("RGBA"), kept.convert("RGBA"))
            worst_channel_mean = max(ImageStat.Stat(difference).mean)
            assert worst_channel_mean < 2.0, f"{size} px icon is stale: run scripts/make_icons.py"
