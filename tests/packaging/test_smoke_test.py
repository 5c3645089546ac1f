"""``python -m therapist_desk --smoke-test`` from source: every step, exit codes, nothing left behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from therapist_desk.smoke import STEP_PREFIXES

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def run_smoke(tmp_path: Path, *, code: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the smoke test in a fresh interpreter with its own temp folder (TMPDIR)."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "TEMP": str(temp), "TMP": str(temp),
           "PYTHONIOENCODING": "utf-8"}
    env.pop("QT_QPA_PLATFORM", None)  # the smoke test must go offscreen by itself
    args = ["-m", "therapist_desk", "--smoke-test"] if code is None else ["-c", code]
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=240, check=False)


def smoke_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("smoke: ")]


def test_smoke_test_passes_every_step(tmp_path: Path) -> None:
    done = run_smoke(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = smoke_lines(done.stdout)
    assert lines[0].startswith("smoke: Therapist Desk ") and "(source)" in lines[0]
    steps = lines[1:]
    assert len(steps) == len(STEP_PREFIXES)
    for line, prefix in zip(steps, STEP_PREFIXES, strict=True):
        assert line.startswith(prefix), (line, prefix)
    assert "Traceback" not in done.stderr
    # The throwaway folder is gone, and nothing was written to the user's folders.
    assert not list((tmp_path / "tmp").iterdir())
    home = Path(os.environ["HOME"])
    written = [p for p in home.rglob("*") if "therapist" in p.name.lower()]
    assert not written, written


def test_a_failing_step_is_named_and_exits_1(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from therapist_desk import smoke\n"
        "from therapist_desk.services import superbills\n"
        "def broken(*args, **kwargs):\n"
        "    raise RuntimeError('injected failure')\n"
        "superbills.export_superbill = broken\n"
        "sys.exit(smoke.run_smoke_test())\n"
    )
    done = run_smoke(tmp_path, code=code)
    assert done.returncode == 1
    lines = smoke_lines(done.stdout)
    assert lines[-1] == ("smoke: FAILED while rendering a superbill: RuntimeError: injected failure")
    assert "smoke: ok" not in lines
    assert "Traceback" in done.stderr  # fictional data only, so the whole story is printed
    assert not list((tmp_path / "tmp").iterdir())  # the vault was closed and removed anyway


def test_smoke_flag_is_in_the_help() -> None:
    from therapist_desk.cli import build_parser

    assert "--smoke-test" in build_parser().format_help()
