"""The command line's shortcut to the window answers exactly as the full parser would."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

from therapist_desk import cli
from therapist_desk.paths import AppPaths

CASES = [
    [],
    ["--data-dir", "/tmp/some folder"],
    ["--data-dir=/tmp/x"],
    ["--data-dir=", "--data-dir", "second"],
    ["--data-dir", "first", "--data-dir=second"],
    ["--data-dir="],
    # Left to the parser: commands, other options, abbreviations, missing or option-like values.
    ["check"],
    ["--data-dir", "/tmp/x", "check"],
    ["--smoke-test"],
    ["--version"],
    ["--help"],
    ["--data", "/tmp/x"],
    ["--data-dir"],
    ["--data-dir", "-x"],
    ["--data-dir", "--"],
    ["--", "--data-dir"],
    ["-h"],
    ["stray"],
]


@pytest.mark.parametrize("arguments", CASES, ids=lambda a: " ".join(a) or "(none)")
def test_window_shortcut_agrees_with_the_parser(arguments: list[str]) -> None:
    shortcut = cli.window_only_data_dir(arguments)
    try:
        parsed: argparse.Namespace | None = cli.build_parser().parse_args(arguments)
    except SystemExit:  # help, version, usage errors
        parsed = None
    if shortcut is None:
        return  # the parser decides; nothing to agree on
    assert parsed is not None and parsed.command is None and not parsed.smoke_test
    assert (parsed.data_dir or "") == shortcut


def test_the_shortcut_is_taken_for_the_window_arguments() -> None:
    assert cli.window_only_data_dir([]) == ""
    assert cli.window_only_data_dir(["--data-dir", "/d"]) == "/d"
    assert cli.window_only_data_dir(["--data-dir=/d"]) == "/d"
    assert cli.window_only_data_dir(["check"]) is None


def test_main_starts_the_window_without_the_parser_or_the_commands(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    started: list[tuple[AppPaths, argparse.Namespace | None]] = []

    def no_parser() -> argparse.ArgumentParser:
        raise AssertionError("the full parser was built")

    monkeypatch.setattr(cli, "build_parser", no_parser)
    monkeypatch.delitem(sys.modules, "therapist_desk.cli_commands", raising=False)
    monkeypatch.setattr(cli, "_start_gui", lambda paths, args: started.append((paths, args)) or 0)
    assert cli.main(["--data-dir", str(tmp_path)]) == 0
    assert "therapist_desk.cli_commands" not in sys.modules
    ((paths, args),) = started
    assert paths.data_dir == tmp_path.resolve()
    assert args is None  # run_gui needs no parsed arguments
