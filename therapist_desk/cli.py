"""The ``therapist-desk`` command line: vault chores without the window, or start the window.

Top-level imports stay light (no SQLAlchemy, no Qt) so ``--help`` answers at once; each
subcommand imports the services it needs when it runs.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from therapist_desk import APP_NAME, __version__
from therapist_desk.domain import passphrase as passphrase_rules
from therapist_desk.paths import DATA_DIR_ENV, AppPaths, resolve_paths

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
# The same rule as the window's (domain/passphrase.py is light: --help stays instant).
MIN_PASSPHRASE_LENGTH = passphrase_rules.MIN_PASSPHRASE_LENGTH

EPILOG = f"""\
passphrase:
  Commands that open a vault read the passphrase from --passphrase-file FILE (its
  first line), else from ${PASSPHRASE_ENV}, else ask on the terminal.
  change-passphrase reads the new one from --new-passphrase-file FILE, else from
  ${NEW_PASSPHRASE_ENV}, else asks. A new passphrase needs at least
  {MIN_PASSPHRASE_LENGTH} characters. A passphrase is never printed or logged.

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

log = logging.getLogger(__name__)


class CliError(Exception):
    """A known failure: one plain line for stderr and the exit code that goes with it."""

    def __init__(self, code: int, message: str, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = tuple(details)


# --- the parser -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=f"{APP_NAME}: offline, encrypted practice records for solo psychotherapists.",
        epilog=EPILOG,
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
        p = sub.add_parser(name, help=help_text, description=help_text, epilog=EPILOG,
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

    command("init", "create a new, empty encrypted vault", _cmd_init)

    p = command("demo", "create a vault filled with clearly fictional demo data", _cmd_demo)
    p.add_argument("--seed", type=int, default=None, help="random seed (same seed, same data)")
    p.add_argument("--clients", type=int, default=12, help="number of fictional clients (default 12)")

    p = command("import", "import clients or sessions from a CSV file (all rows or none)", _cmd_import)
    p.add_argument("csv_file", metavar="CSV", type=Path, help="UTF-8 CSV file; see docs/import-format.md")
    p.add_argument("--kind", choices=("clients", "sessions"),
                   help="what the file holds (default: guessed from its header)")

    p = command("export-data", "export the whole record as JSON and CSV files", _cmd_export)
    p.add_argument("out_dir", metavar="OUT_DIR", type=Path, help="a new or empty folder")
    p.add_argument("--include-psychotherapy-notes", action="store_true",
                   help="also write psychotherapy notes, into psychotherapy-notes.json only")

    p = command("superbills", "write a superbill PDF for every client with signed sessions in a month",
                _cmd_superbills)
    p.add_argument("--month", required=True, metavar="YYYY-MM", help="the month of service, e.g. 2026-11")
    p.add_argument("out_dir", metavar="OUT_DIR", type=Path, help="folder for the PDFs")

    command("check", "check the vault's encryption, structure and audit log", _cmd_check)

    p = command("change-passphrase", "re-encrypt the vault with a new passphrase", _cmd_change_passphrase)
    p.add_argument("--new-passphrase-file", metavar="FILE", type=Path,
                   help=f"read the new passphrase from FILE (else ${NEW_PASSPHRASE_ENV}, else ask)")

    p = command("backup", "write an encrypted, verified copy of the vault", _cmd_backup)
    p.add_argument("dest", metavar="DEST", nargs="?",
                   help="file for the copy, or a folder (existing, or written with a trailing /) "
                        "to put a dated copy in (default: the backups folder)")

    p = command("restore", "replace the vault with a verified backup (the old one is kept aside)",
                _cmd_restore)
    p.add_argument("backup", metavar="BACKUP", type=Path, help="a backup file made by 'backup'")
    return parser


# --- entry point ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, --version, usage errors: argparse has printed them
        return done.code if isinstance(done.code, int) else EXIT_USAGE
    if args.smoke_test:
        from therapist_desk.smoke import run_smoke_test

        return run_smoke_test()
    paths = resolve_paths(args.data_dir)
    if args.command is None:
        return _start_gui(paths, args)
    return _run(args, paths)


def _start_gui(paths: AppPaths, args: argparse.Namespace) -> int:
    try:
        from therapist_desk.app import run_gui  # type: ignore[import-not-found, unused-ignore]
    except ImportError as exc:
        missing = getattr(exc, "name", None) or "a module"
        _say(f"the window cannot start: {missing} could not be loaded "
             f"(run '{PROG} --help' for the command line)")
        return EXIT_UNEXPECTED
    return int(run_gui(paths, args))


def _run(args: argparse.Namespace, paths: AppPaths) -> int:
    from therapist_desk.logs import disable_core_dumps, setup_logging

    try:
        paths.ensure()
        log_file = setup_logging(paths.log_dir)
    except OSError:
        _say(f"cannot write to the data folder {paths.data_dir}")
        return EXIT_UNAVAILABLE
    disable_core_dumps()  # the process holds decrypted records and the key
    log.info("command %s started", args.command)
    try:
        code = int(args.handler(args, paths))
    except CliError as error:
        _report(error)
        log.info("command %s failed with exit code %d", args.command, error.code)
        return error.code
    except KeyboardInterrupt:
        _say("interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - known errors first, then a generic message
        try:
            known = _known_error(exc)
        except Exception:  # noqa: BLE001 - the services themselves cannot load
            known = None
        if known is not None:
            _report(known)
            log.info("command %s failed with exit code %d (%s)", args.command, known.code,
                     type(exc).__name__)
            return known.code
        log.error("command %s crashed:\n%s", args.command, scrubbed_traceback(exc))
        _say(f"unexpected error ({type(exc).__name__}); details are in {log_file}")
        return EXIT_UNEXPECTED
    log.info("command %s finished", args.command)
    return code


def _known_error(exc: BaseException) -> CliError | None:
    """Map the app's typed errors to exit codes; their messages never hold client data."""
    from therapist_desk.domain.errors import ValidationError, ValidationErrors
    from therapist_desk.services import vault_access as va
    from therapist_desk.services.common import ActionRefused

    if isinstance(exc, (va.WrongPassphrase, va.NotAVault)):
        return CliError(EXIT_UNLOCK, exc.message)
    if isinstance(exc, va.VaultCorrupt):
        return CliError(EXIT_INTEGRITY, exc.message, exc.problems)
    if isinstance(exc, va.VaultError):
        return CliError(EXIT_UNAVAILABLE, exc.message)
    if isinstance(exc, ValidationErrors):
        return CliError(EXIT_BAD_INPUT, "the input is not valid:", [str(e) for e in exc.errors])
    if isinstance(exc, ValidationError):
        return CliError(EXIT_BAD_INPUT, str(exc))
    if isinstance(exc, ActionRefused):
        return CliError(EXIT_BAD_INPUT, exc.summary, exc.reasons)
    return None


def scrubbed_traceback(exc: BaseException) -> str:
    """Where it happened (files, lines, functions, exception types), never exception messages.

    Messages and arguments of unexpected exceptions can quote user text or SQL; the frames and
    the exception's type are enough to find the bug.
    """
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = traceback.extract_tb(current.__traceback__)
        lines = [f"  {f.filename}:{f.lineno} in {f.name}" for f in frames]
        parts.append("\n".join([f"{type(current).__module__}.{type(current).__qualname__}", *lines]))
        current = current.__cause__ or current.__context__
    return "\n-- raised while handling --\n".join(parts)


def _report(error: CliError) -> None:
    _say(error.message)
    for detail in error.details:
        print(f"  {detail}", file=sys.stderr)


def _say(message: str, stream: TextIO | None = None) -> None:
    print(f"{PROG}: {message}", file=stream or sys.stderr)


def _usage(message: str) -> NoReturn:
    raise CliError(EXIT_USAGE, message)


# --- passphrases ----------------------------------------------------------------------------


def _read_passphrase_file(path: Path, option: str) -> str:
    try:
        raw = path.read_bytes()
    except OSError:
        _usage(f"cannot read the passphrase file given with {option}")
    if os.name == "posix":
        try:
            if path.stat().st_mode & 0o077:
                _say(f"warning: the passphrase file given with {option} can be read by other users")
        except OSError:
            pass
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        _usage(f"the passphrase file given with {option} is not UTF-8 text")
    first = text.split("\n", 1)[0].removesuffix("\r")
    if not first:
        _usage(f"the first line of the passphrase file given with {option} is empty")
    return first


def _ask(prompt: str, *, confirm: bool) -> str:
    import getpass

    first = getpass.getpass(prompt)
    if confirm:
        again = getpass.getpass("Type it again: ")
        if again != first:
            raise CliError(EXIT_BAD_INPUT, "the two passphrases do not match")
    return first


def _passphrase(
    file: Path | None, env: str, option: str, *, prompt: str, confirm: bool, new: bool
) -> str:
    """From the file, else the environment, else the terminal; never echoed or printed."""
    if file is not None:
        value = _read_passphrase_file(file, option)
    elif os.environ.get(env):
        value = os.environ[env]
    elif sys.stdin.isatty():
        value = _ask(prompt, confirm=confirm)
    else:
        _usage(f"no passphrase given: use {option} FILE or set {env} "
               "(or run in a terminal to be asked)")
    if new and len(value) < MIN_PASSPHRASE_LENGTH:
        raise CliError(EXIT_BAD_INPUT, f"the passphrase needs at least {MIN_PASSPHRASE_LENGTH} characters")
    if not value:
        raise CliError(EXIT_BAD_INPUT, "the passphrase is empty")
    return value


def _current_passphrase(args: argparse.Namespace, *, new_vault: bool = False) -> str:
    prompt = "New vault passphrase: " if new_vault else "Vault passphrase: "
    return _passphrase(args.passphrase_file, PASSPHRASE_ENV, "--passphrase-file",
                       prompt=prompt, confirm=new_vault, new=new_vault)


def _require_vault(paths: AppPaths) -> Path:
    if not paths.vault.exists():
        raise CliError(EXIT_UNAVAILABLE,
                       f"there is no vault in {paths.data_dir} (create one with '{PROG} init')")
    return paths.vault


def _refuse_existing(paths: AppPaths) -> None:
    if paths.vault.exists():
        raise CliError(EXIT_UNAVAILABLE,
                       f"a vault already exists at {paths.vault}; it was left untouched")


# --- commands -------------------------------------------------------------------------------


def _cmd_init(args: argparse.Namespace, paths: AppPaths) -> int:
    _refuse_existing(paths)
    passphrase = _current_passphrase(args, new_vault=True)
    from therapist_desk.services.vault_access import create_and_open

    with create_and_open(paths.vault, passphrase):
        pass
    print(f"Created an encrypted vault at {paths.vault}")
    print("Keep the passphrase safe: without it nobody, including you, can open the vault.")
    print(f"Next: start {APP_NAME} and fill in the practice profile.")
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace, paths: AppPaths) -> int:
    if not 1 <= args.clients <= 500:
        _usage("--clients must be between 1 and 500")
    _refuse_existing(paths)
    passphrase = _current_passphrase(args, new_vault=True)
    from therapist_desk.services import demo
    from therapist_desk.services.vault_access import create_and_open

    seed = demo.DEFAULT_SEED if args.seed is None else args.seed
    vault = create_and_open(paths.vault, passphrase)
    try:
        summary = demo.populate_demo(vault, seed=seed, clients=args.clients)
    except BaseException:
        vault.close()
        demo.discard_vault(paths.vault)  # we made it a moment ago; it holds nothing else
        raise
    vault.close()
    print(f"Created a demo vault at {paths.vault}")
    print(f"  {summary.describe()}")
    print("All people, practices, numbers and notes in it are FICTIONAL demo data.")
    return EXIT_OK


def _cmd_import(args: argparse.Namespace, paths: AppPaths) -> int:
    vault_path = _require_vault(paths)
    csv_path: Path = args.csv_file
    if not csv_path.is_file():
        raise CliError(EXIT_BAD_INPUT, f"cannot read the CSV file {csv_path}")
    passphrase = _current_passphrase(args)
    from therapist_desk.services import importer
    from therapist_desk.services.common import system_clock
    from therapist_desk.services.vault_access import open_vault

    with open_vault(vault_path, passphrase) as vault:
        try:
            with vault.unit_of_work() as session:
                result = importer.import_csv_file(session, csv_path, system_clock(), kind=args.kind)
        except importer.ImportFailed as failed:
            raise CliError(
                EXIT_BAD_INPUT,
                f"nothing was imported: {len(failed.errors)} problem(s) in {csv_path.name}:",
                [str(e) for e in failed.errors],
            ) from None
        except OSError:
            raise CliError(EXIT_BAD_INPUT, f"cannot read the CSV file {csv_path}") from None
    for warning in result.warnings:
        print(f"warning: {warning}")
    print(f"Imported {result.count} {result.kind} from {csv_path.name}.")
    return EXIT_OK


def _cmd_export(args: argparse.Namespace, paths: AppPaths) -> int:
    vault_path = _require_vault(paths)
    out_dir: Path = args.out_dir
    from therapist_desk.services import export_data

    export_data.check_destination(out_dir)  # refuse before asking for the passphrase
    passphrase = _current_passphrase(args)
    from therapist_desk.services.common import system_clock
    from therapist_desk.services.vault_access import open_vault

    with open_vault(vault_path, passphrase) as vault:
        summary = export_data.export_record(
            vault, out_dir, system_clock(),
            include_psychotherapy_notes=args.include_psychotherapy_notes,
        )
    print(f"Exported the record to {summary.folder}: {summary.describe()}")
    if summary.psychotherapy_notes_included:
        print("Psychotherapy notes are in psychotherapy-notes.json: they are not part of the "
              "client record; keep that file apart and do not disclose it.")
    else:
        print("Psychotherapy notes were not exported (use --include-psychotherapy-notes).")
    print("These files are NOT encrypted. Keep them safe and delete them when done.")
    return EXIT_OK


def _cmd_superbills(args: argparse.Namespace, paths: AppPaths) -> int:
    vault_path = _require_vault(paths)
    from therapist_desk.services import superbills

    superbills.parse_month(args.month)  # a bad month fails before the passphrase is asked
    passphrase = _current_passphrase(args)
    from therapist_desk.services.common import system_clock
    from therapist_desk.services.vault_access import open_vault

    with open_vault(vault_path, passphrase) as vault:
        summary = superbills.cli_batch(vault, args.month, args.out_dir, system_clock())
    return EXIT_OK if summary.ok else EXIT_BAD_INPUT


def _cmd_check(args: argparse.Namespace, paths: AppPaths) -> int:
    vault_path = _require_vault(paths)
    passphrase = _current_passphrase(args)
    from therapist_desk.services import maintenance

    report = maintenance.check(vault_path, passphrase)
    if report.ok:
        print("ok")
        return EXIT_OK
    for problem in report.problems():
        print(problem)
    return EXIT_INTEGRITY


def _cmd_change_passphrase(args: argparse.Namespace, paths: AppPaths) -> int:
    vault_path = _require_vault(paths)
    old = _current_passphrase(args)
    from therapist_desk.services import maintenance
    from therapist_desk.services.common import system_clock

    prompting = args.new_passphrase_file is None and not os.environ.get(NEW_PASSPHRASE_ENV)
    if prompting:
        maintenance.verify_passphrase(vault_path, old)  # a typo shows before the new one is asked
    new = _passphrase(args.new_passphrase_file, NEW_PASSPHRASE_ENV, "--new-passphrase-file",
                      prompt="New passphrase: ", confirm=True, new=True)
    maintenance.change_passphrase(vault_path, old, new, system_clock())
    print(f"The vault at {vault_path} now opens with the new passphrase.")
    print("Backups made before keep their old passphrase.")
    return EXIT_OK


def _cmd_backup(args: argparse.Namespace, paths: AppPaths) -> int:
    vault_path = _require_vault(paths)
    passphrase = _current_passphrase(args)
    from therapist_desk.services import maintenance
    from therapist_desk.services.common import system_clock

    dest = None if args.dest is None else Path(args.dest)
    as_folder = args.dest is not None and args.dest.endswith(("/", os.sep))
    dest = maintenance.backup_destination(dest, paths.backup_dir, system_clock(), folder=as_folder)
    written = maintenance.backup(vault_path, passphrase, dest)
    print(written)
    return EXIT_OK


def _cmd_restore(args: argparse.Namespace, paths: AppPaths) -> int:
    backup: Path = args.backup
    if not backup.is_file():
        raise CliError(EXIT_UNAVAILABLE, f"there is no backup file at {backup}")
    passphrase = _current_passphrase(args)
    from therapist_desk.services import maintenance
    from therapist_desk.services.common import system_clock

    aside = maintenance.restore(backup, paths.vault, passphrase, system_clock())
    print(f"Restored the vault at {paths.vault} from {backup}")
    if aside is not None:
        print(f"The vault it replaced was kept at {aside}")
    print("The vault now opens with the backup's passphrase.")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover - python -m therapist_desk goes through __main__
    sys.exit(main())
