"""One resource lookup for a source checkout, an installed wheel and a PyInstaller bundle."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import therapist_desk.resources as resources
from therapist_desk.resources import resource_path, resources_root

ROOT = Path(__file__).resolve().parent.parent
# Every resource the code refers to; a test below proves each exists.
REFERENCED = [
    ("codes", "icd10cm.tsv.gz"),
    ("fonts", "DejaVuSans.ttf"),
    ("fonts", "DejaVuSans-Bold.ttf"),
    ("letters", "progress-summary.md"),
    ("plan_library", "starter.json"),
]


@pytest.mark.parametrize("parts", REFERENCED, ids="/".join)
def test_referenced_resources_exist(parts: tuple[str, ...]) -> None:
    assert resource_path(*parts).is_file()


def test_checkout_layout() -> None:
    assert resources_root() == ROOT / "resources"


def test_missing_resource_names_it() -> None:
    with pytest.raises(FileNotFoundError, match="missing resource: nope/none.txt"):
        resource_path("nope", "none.txt")


def test_bundle_layout(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "resources" / "codes").mkdir(parents=True)
    (tmp_path / "resources" / "codes" / "x.txt").write_text("x")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resource_path("codes", "x.txt") == tmp_path / "resources" / "codes" / "x.txt"


def test_installed_wheel_layout(tmp_path: Path) -> None:
    """A wheel built from this tree carries resources/ inside the package, and the lookup finds it."""
    wheel_dir = tmp_path / "wheel"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheel_dir), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = wheel_dir.glob("therapist_desk-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        assert "therapist_desk/_resources/codes/icd10cm.tsv.gz" in zf.namelist()
        zf.extractall(site)
    probe = subprocess.run(
        [sys.executable, "-I", "-c",
         "import sys; sys.path.insert(0, sys.argv[1]);"
         "from therapist_desk.resources import resource_path;"
         "print(resource_path('codes', 'icd10cm.tsv.gz'))", str(site)],
        capture_output=True, text=True, timeout=60,
    )
    assert probe.returncode == 0, probe.stderr
    assert Path(probe.stdout.strip()) == site / "therapist_desk" / "_resources" / "codes" / "icd10cm.tsv.gz"
    assert resources.__name__ == "therapist_desk.resources"
