"""Cold start probe: ``floor`` imports PySide6.QtWidgets; ``app`` starts the real entry point
(``therapist_desk.cli.main``) and stops at the unlock window's first paint.

Either way it prints ``ready`` the moment it is done and exits at once; the runner times the
process from spawn to that line. Run by benchmarks/figures/startup.py, not by hand.
"""

import os
import sys


def _ready(*_args: object) -> None:
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    if sys.argv[1] == "floor":
        import PySide6.QtWidgets  # noqa: F401

        _ready()
    else:
        from therapist_desk import app as gui

        # The unlock window emits first_painted from its first paintEvent; the controller's
        # slot for it is what we replace (the real one queues the heavy imports).
        gui.AppController.on_window_first_painted = _ready  # type: ignore[method-assign, assignment]
        from therapist_desk.cli import main

        main(["--data-dir", sys.argv[2]])
        sys.exit("the unlock window never painted")
