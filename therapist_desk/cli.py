"""The ``therapist-desk`` command line: vault chores without the window, or start the window.

This module is the console entry point and stays small: with no command it starts the window
without building the parser (every command's options, each help text looked up through gettext)
or loading the commands; ``--help`` needs no SQLAlchemy and no Qt. The commands live in
cli_commands.py and import the services they need when they run.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from therapist_desk import APP_NAME, __version__
from therapist_desk.paths import DATA_DIR_ENV, resolve_paths

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence
    from typing import TextIO

    from therapist_desk.paths import AppPaths

PROG = "therapist-desk"

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_USAGE = 2  # argparse uses 2 as well
EXIT_UNLOCK = 3
EXIT_BAD_INPUT = 4
EXIT_INTEGRITY = 5
EXIT_UNAVAILABLE = 6
EXIT_INTERRUPTED = 130  # the shell's convention for Ctrl-C

PASSPHRASE_ENV = "THERAPIST_DESK_PASSPHRASE"
NEW_PASSPHRASE_ENV = "THERAPIST_DESK_NEW_PASSPHRASE"


def min_passphrase_length() -> int:
    """The same rule as the window's (imported when a command needs it, not to start the window)."""
    from therapist_desk.domain.passphrase import MIN_PASSPHRASE_LENGTH

    return MIN_PASSPHRASE_LENGTH


def epilog() -> str:
    """The help text's closing part: passphrase sources, data folder, exit codes."""
    return f"""\
passphrase:
  Commands that open a vault read the passphrase from --passphrase-file FILE (its
  first line), else from ${PASSPHRASE_ENV}, else ask on the terminal.
  change-passphrase reads the new one from --new-passphrase-file FILE, else from
  ${NEW_PASSPHRASE_ENV}, else asks. A new passphrase needs at least
  {min_passphrase_length()} characters. A passphrase is never printed or logged.

data folder:
  --data-dir DIR, else ${DATA_DIR_ENV}, else the platform's user data folder.

exit codes:
  {EXIT_OK}  success
  {EXIT_UNEXPECTED}  unexpected error (details are in the log file)
  {EXIT_USAGE}  usage error
  {EXIT_UNLOCK}  wrong passphrase, or the vault cannot be unlocked
  {EXIT_BAD_INPUT}  bad input (validation or import errors)
  {EXIT_INTEGRITY}  integrity failure (damaged vault or audit log)
  {EXIT_UNAVAILABLE}  vault unavailable (not found, already exists, in use, disk full, read-only)
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C)

Without a command, {APP_NAME} opens its window.
"""


class CliError(Exception):
    """A known failure: one plain line for stderr and the exit code that goes with it."""

    def __init__(self, code: int, message: str, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = tuple(details)


# --- the parser -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The full parser: global options and every command (built only when a command or an
    option other than --data-dir is given)."""
    import argparse
    from pathlib import Path

    from therapist_desk import cli_commands as commands

    text_after = epilog()
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=f"{APP_NAME}: offline, encrypted practice records for solo psychotherapists.",
        epilog=text_after,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument(
        "--smoke-test", action="store_true",
        help="check that this installation works (offscreen, on a throwaway vault in a temp "
             "folder; your data is not touched), print each step and exit",
    )
    parser.add_argument(
        "--data-dir", metavar="DIR",
        help=f"folder holding the vault, logs and backups (default: ${DATA_DIR_ENV} or the "
             "platform's user data folder)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    def command(name: str, help_text: str, handler: Callable[[argparse.Namespace, AppPaths], int],
                *, passphrase: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text, epilog=text_after,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        if passphrase:
            p.add_argument("--passphrase-file", metavar="FILE", type=Path,
                           help=f"read the passphrase from the first line of FILE "
                                f"(else ${PASSPHRASE_ENV}, else ask)")
        # Also accepted after the command; SUPPRESS keeps the global value when it is not.
        p.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS,
                       help="same as the global --data-dir")
        p.set_defaults(handler=handler)
        return p

    command("init", "create a new, empty encrypted vault", commands.cmd_init)

    p = command("demo", "create a vault filled with clearly fictional demo data",
                commands.cmd_demo)
    p.add_argument("--seed", type=int, default=None, help="random seed (same seed, same data)")
    p.add_argument("--clients", type=int, default=12, help="number of fictional clients (default 12)")

    p = command("import", "import clients or sessions from a CSV file (all rows or none)",
                commands.cmd_import)
    p.add_argument("csv_file", metavar="CSV", type=Path, help="UTF-8 CSV file; see docs/import-format.md")
    p.add_argument("--kind", choices=("clients", "sessions"),
                   help="what the file holds (default: guessed from its header)")

    p = command("export-data", "export the whole record as JSON and CSV files", commands.cmd_export)
    p.add_argument("out_dir", metavar="OUT_DIR", type=Path, help="a new or empty folder")
    p.add_argument("--include-psychotherapy-notes", action="store_true",
                   help="also write psychotherapy notes, into psychotherapy-notes.json only")

    p = command("superbills", "write a superbill PDF for every client with signed sessions in a month",
                commands.cmd_superbills)
    p.add_argument("--month", required=True, metavar="YYYY-MM", help="the month of service, e.g. 2026-11")
    p.add_argument("out_dir", metavar="OUT_DIR", type=Path, help="folder for the PDFs")

    command("check", "check the vault's encryption, structure and audit log", commands.cmd_check)

    p = command("change-passphrase", "re-encrypt the vault with a new passphrase",
                commands.cmd_change_passphrase)
    p.add_argument("--new-passphrase-file", metavar="FILE", type=Path,
                   help=f"read the new passphrase from FILE (else ${NEW_PASSPHRASE_ENV}, else ask)")

    p = command("backup", "write an encrypted, verified copy of the vault", commands.cmd_backup)
    p.add_argument("dest", metavar="DEST", nargs="?",
                   help="file for the copy, or a folder (existing, or written with a trailing /) "
                        "to put a dated copy in (default: the backups folder)")

    p = command("restore", "replace the vault with a verified backup (the old one is kept aside)",
                commands.cmd_restore)
    p.add_argument("backup", metavar="BACKUP", type=Path, help="a backup file made by 'backup'")
    return parser


# --- entry point ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run ``therapist-desk [options] [COMMAND ...]``; returns the exit code."""
    arguments = sys.argv[1:] if argv is None else argv
    data_dir = window_only_data_dir(arguments)
    if data_dir is not None:  # no command: the window, without building the parser
        return _start_gui(resolve_paths(data_dir or None), None)
    parser = build_parser()
    try:
        args = parser.parse_args(arguments)
    except SystemExit as done:  # --help, --version, usage errors: argparse has printed them
        return done.code if isinstance(done.code, int) else EXIT_USAGE
    if args.smoke_test:
        from therapist_desk.smoke import run_smoke_test

        return run_smoke_test()
    paths = resolve_paths(args.data_dir)
    if args.command is None:
        return _start_gui(paths, args)
    from therapist_desk import cli_commands

    return cli_commands.run(args, paths)


def window_only_data_dir(arguments: Sequence[str]) -> str | None:
    """For arguments that can only start the window (none, or just ``--data-dir DIR``): the
    data folder given ("" for none); else None and the full parser decides.

    Anything else (a command, --help, an abbreviation, a value that looks like an option) is
    left to argparse, so this answers exactly as the parser would or not at all.
    """
    chosen = ""
    rest = list(arguments)
    while rest:
        option = rest.pop(0)
        if option.startswith("--data-dir="):
            chosen = option.removeprefix("--data-dir=")
        elif option == "--data-dir" and rest and not rest[0].startswith("-"):
            chosen = rest.pop(0)
        else:
            return None
    return chosen


def _start_gui(paths: AppPaths, args: argparse.Namespace | None) -> int:
    try:
        from therapist_desk.app import run_gui  # type: ignore[import-not-found, unused-ignore]
    except ImportError as exc:
        missing = getattr(exc, "name", None) or "a module"
        say(f"the window cannot start: {missing} could not be loaded "
            f"(run '{PROG} --help' for the command line)")
        return EXIT_UNEXPECTED
    return int(run_gui(paths, args))


def say(message: str, stream: TextIO | None = None) -> None:
    """One line for the user, prefixed with the program's name (stderr unless ``stream``)."""
    print(f"{PROG}: {message}", file=stream or sys.stderr)


if __name__ == "__main__":  # pragma: no cover - python -m therapist_desk goes through __main__
    sys.exit(main())
