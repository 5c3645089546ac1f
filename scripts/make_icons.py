"""Render resources/icons/therapist-desk.svg into the PNG sizes, the Windows .ico and the macOS .icns.

Run after editing the SVG (the generated files are committed; they are small):

    .venv/bin/python scripts/make_icons.py

Qt's SVG renderer draws every size from the vector source (a 16 px icon drawn at 16 px is
sharper than a 1024 px one scaled down); Pillow writes the multi-size .ico and .icns. Both are
already in the venv (PySide6 is a dependency, Pillow comes with ReportLab), so no system
package is needed; Qt runs offscreen.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ICON_DIR = ROOT / "resources" / "icons"
NAME = "therapist-desk"
SOURCE = ICON_DIR / f"{NAME}.svg"

PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# What Pillow's ICNS writer stores (it picks these from the images we hand it).
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)
WINDOW_ICON_SIZE = 256  # therapist-desk.png, the window icon app.py loads


def png_path(size: int, folder: Path = ICON_DIR) -> Path:
    return folder / f"{NAME}-{size}.png"


def generated_files(folder: Path = ICON_DIR) -> list[Path]:
    """Every file this script writes (the packaging tests check that each exists)."""
    return ([png_path(size, folder) for size in PNG_SIZES]
            + [folder / f"{NAME}.png", folder / f"{NAME}.ico", folder / f"{NAME}.icns"])


def render_sizes(source: Path, sizes: tuple[int, ...]) -> dict[int, bytes]:
    """PNG bytes of ``source`` drawn at each size, through Qt's SVG renderer (offscreen)."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(source))
    if not renderer.isValid():
        raise SystemExit(f"{source} is not an SVG Qt can draw")
    out: dict[int, bytes] = {}
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stub says bytes; str works
        buffer.close()
        out[size] = bytes(data.data())
    del app
    return out


def write_icons(source: Path = SOURCE, folder: Path = ICON_DIR) -> list[Path]:
    from PIL import Image

    rendered = render_sizes(source, PNG_SIZES)
    images = {size: Image.open(io.BytesIO(data)).convert("RGBA") for size, data in rendered.items()}
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save_png(image: Image.Image, path: Path) -> None:
        # Through Pillow, so the files carry no renderer metadata and stay small.
        image.save(path, format="PNG", optimize=True)
        written.append(path)

    for size in PNG_SIZES:
        save_png(images[size], png_path(size, folder))
    save_png(images[WINDOW_ICON_SIZE], folder / f"{NAME}.png")

    ico = folder / f"{NAME}.ico"
    largest_ico = images[max(ICO_SIZES)]
    largest_ico.save(ico, format="ICO", sizes=[(s, s) for s in ICO_SIZES],
                     append_images=[images[s] for s in ICO_SIZES if s != max(ICO_SIZES)])
    written.append(ico)

    icns = folder / f"{NAME}.icns"
    images[max(ICNS_SIZES)].save(icns, format="ICNS",
                                 append_images=[images[s] for s in ICNS_SIZES if s != max(ICNS_SIZES)])
    written.append(icns)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE, help="the SVG (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=ICON_DIR, help="output folder (default: %(default)s)")
    args = parser.parse_args(argv)
    for path in write_icons(args.source, args.out):
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  "
              f"{path.stat().st_size:>7,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
