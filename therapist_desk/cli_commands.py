"""What each ``therapist-desk`` command does, and how a command runs (logging, exit codes).

Loaded by cli.py only when a command is given; each command imports the services it needs.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import NoReturn

from therapist_desk import APP_NAME
from therapist_desk.cli import (
    EXIT_BAD_INPUT,
    EXIT_INTEGRITY,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_UNAVAILABLE,
    EXIT_UNEXPECTED,
    EXIT_UNLOCK,
    EXIT_USAGE,
    NEW_PASSPHRASE_ENV,
    PASSPHRASE_ENV,
    PROG,
    CliError,
    min_passphrase_length,
    say,
)
from therapist_desk.logs import disable_core_dumps, scrubbed_traceback, setup_logging
from therapist_desk.paths import AppPaths

log = logging.getLogger(__name__)


def run(args: argparse.Namespace, paths: AppPaths) -> int:
    """Run the parsed command with logging set up; returns the exit code (see cli.py)."""
    try:
        paths.ensure()
        log_file = setup_logging(paths.log_dir)
    except OSError:
        say(f"cannot write to the data folder {paths.data_dir}")
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
        say("interrupted")
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
        say(f"unexpected error ({type(exc).__name__}); details are in {log_file}")
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


def _report(error: CliError) -> None:
    say(error.message)
    for detail in error.details:
        print(f"  {detail}", file=sys.stderr)


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
                say(f"warning: the passphrase file given with {option} can be read by other users")
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
    minimum = min_passphrase_length()
    if new and len(value) < minimum:
        raise CliError(EXIT_BAD_INPUT, f"the passphrase needs at least {minimum} characters")
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


def cmd_init(args: argparse.Namespace, paths: AppPaths) -> int:
    _refuse_existing(paths)
    passphrase = _current_passphrase(args, new_vault=True)
    from therapist_desk.services.vault_access import create_and_open

    with create_and_open(paths.vault, passphrase):
        pass
    print(f"Created an encrypted vault at {paths.vault}")
    print("Keep the passphrase safe: without it nobody, including you, can open the vault.")
    print(f"Next: start {APP_NAME} and fill in the practice profile.")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, paths: AppPaths) -> int:
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


def cmd_import(args: argparse.Namespace, paths: AppPaths) -> int:
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


def cmd_export(args: argparse.Namespace, paths: AppPaths) -> int:
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


def cmd_superbills(args: argparse.Namespace, paths: AppPaths) -> int:
    vault_path = _require_vault(paths)
    from therapist_desk.services import superbill_batch, superbills

    superbills.parse_month(args.month)  # a bad month fails before the passphrase is asked
    passphrase = _current_passphrase(args)
    from therapist_desk.services.common import system_clock
    from therapist_desk.services.vault_access import open_vault

    with open_vault(vault_path, passphrase) as vault:
        summary = superbill_batch.cli_batch(vault, args.month, args.out_dir, system_clock())
    return EXIT_OK if summary.ok else EXIT_BAD_INPUT


def cmd_check(args: argparse.Namespace, paths: AppPaths) -> int:
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


def cmd_change_passphrase(args: argparse.Namespace, paths: AppPaths) -> int:
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


def cmd_backup(args: argparse.Namespace, paths: AppPaths) -> int:
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


def cmd_restore(args: argparse.Namespace, paths: AppPaths) -> int:
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
