"""The log file: plain until the first paint, then rotating, with no line lost or doubled."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from therapist_desk import logs


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    """The root logger as it was, afterwards (setup_logging adds the app's handler to it)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def _app_handlers(root: logging.Logger) -> list[logging.Handler]:
    return [h for h in root.handlers if getattr(h, "_therapist_desk", False)]


def test_rotation_waits_until_asked_and_keeps_every_line(tmp_path: Path,
                                                         root_logger: logging.Logger) -> None:
    path = logs.setup_logging(tmp_path / "logs", rotate=False)
    log = logging.getLogger("therapist_desk.test")
    log.info("before rotation")
    (handler,) = _app_handlers(root_logger)
    assert not handler.rotating  # type: ignore[attr-defined]
    logs.enable_rotation()
    logs.enable_rotation()  # twice is harmless
    assert handler.rotating  # type: ignore[attr-defined]
    log.info("after rotation")
    handler.flush()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [line.split(": ", 1)[1] for line in lines] == ["before rotation", "after rotation"]
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600


def test_the_log_rotates_once_rotation_is_on(tmp_path: Path, root_logger: logging.Logger,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "MAX_BYTES", 300)
    path = logs.setup_logging(tmp_path / "logs", rotate=False)
    log = logging.getLogger("therapist_desk.test")
    for i in range(10):
        log.info("plain line %d", i)
    assert not path.with_name(path.name + ".1").exists(), "no rotation before it is turned on"
    logs.enable_rotation()
    for i in range(10):
        log.info("rotating line %d", i)
    assert path.with_name(path.name + ".1").exists()
    assert len(list(path.parent.glob(path.name + ".*"))) <= logs.BACKUP_COUNT



@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_every_log_file_is_owner_only_even_after_rotations(
        tmp_path: Path, root_logger: logging.Logger, monkeypatch: pytest.MonkeyPatch) -> None:
    """The current file and every rotated one are 0600, whatever the umask lets through."""
    monkeypatch.setattr(logs, "MAX_BYTES", 200)
    log_dir = tmp_path / "logs"
    log_dir.mkdir(mode=0o700)
    stale = log_dir / f"{logs.LOG_FILENAME}.2"  # left readable by an older version
    stale.write_text("old\n", encoding="utf-8")
    stale.chmod(0o644)
    previous = os.umask(0o022)  # the usual umask: new files would be 0644
    try:
        path = logs.setup_logging(log_dir, rotate=False)
        log = logging.getLogger("therapist_desk.test")
        log.info("plain line")
        assert path.stat().st_mode & 0o777 == 0o600
        logs.enable_rotation()
        for i in range(40):
            log.info("rotating line %d", i)
    finally:
        os.umask(previous)
    files = [path, *path.parent.glob(path.name + ".*")]
    assert len(files) == logs.BACKUP_COUNT + 1, "rotated several times"
    assert {f.name: f.stat().st_mode & 0o777 for f in files} == {f.name: 0o600 for f in files}

def test_no_line_lost_or_doubled_while_a_worker_logs_during_the_swap(
        tmp_path: Path, root_logger: logging.Logger) -> None:
    path = logs.setup_logging(tmp_path / "logs", rotate=False)
    log = logging.getLogger("therapist_desk.test")
    started = threading.Event()

    def worker() -> None:
        for i in range(5000):
            log.info("line %d", i)
            if i == 100:
                started.set()

    thread = threading.Thread(target=worker)
    thread.start()
    started.wait(10)
    logs.enable_rotation()
    thread.join(30)
    for handler in _app_handlers(root_logger):
        handler.flush()
    lines = path.read_text(encoding="utf-8").splitlines()
    numbers = [int(line.rsplit(" ", 1)[1]) for line in lines]
    assert numbers == list(range(5000))


def test_setting_up_again_replaces_the_handler(tmp_path: Path,
                                               root_logger: logging.Logger) -> None:
    logs.setup_logging(tmp_path / "one")
    path = logs.setup_logging(tmp_path / "two")
    assert len(_app_handlers(root_logger)) == 1
    logging.getLogger("therapist_desk.test").warning("here")
    _app_handlers(root_logger)[0].flush()
    assert "here" in path.read_text(encoding="utf-8")
    assert "here" not in (tmp_path / "one" / logs.LOG_FILENAME).read_text(encoding="utf-8")


def test_log_unexpected_keeps_frames_and_types_but_no_message(
        caplog: pytest.LogCaptureFixture) -> None:
    def inner() -> None:
        raise KeyError("Zoë Secretname")

    try:
        try:
            inner()
        except KeyError as first:
            raise ValueError("note text: private") from first
    except ValueError as error:
        logs.log_unexpected(logging.getLogger("therapist_desk.test"), "it failed", error)
    assert "it failed: ValueError" in caplog.text
    assert "builtins.KeyError" in caplog.text and "in inner" in caplog.text
    assert "test_logs.py" in caplog.text
    assert "Secretname" not in caplog.text and "private" not in caplog.text
