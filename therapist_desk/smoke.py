"""``therapist-desk --smoke-test``: prove this installation works, end to end, in a temp folder.

Run by ``scripts/build_app.sh`` on the frozen bundle and by the packaging tests from source.
It starts Qt offscreen, creates a throwaway vault (migrations, SQLCipher), saves and signs a
note for a fictional client (ICD-10 table), makes a superbill and a password-protected letter
(ReportLab, bundled fonts, pikepdf), opens the real main window, the measure chart and the
PDF preview (Qt Widgets, Qt Charts, Qt Pdf), then locks the vault and opens it again with the passphrase. Each step
prints one ``smoke: ...`` line; the exit code is 0 when every step passed.

Nothing outside the temp folder is touched: the data folder, logs and Qt settings all live in it,
and it is deleted at the end. Only fictional data is used, so a failure prints its traceback.
"""

from __future__ import annotations

import logging
import os
import platform
import sys
import tempfile
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from therapist_desk import APP_NAME, __version__

if TYPE_CHECKING:
    from therapist_desk.services.vault_access import Vault

EXIT_OK = 0
EXIT_FAILED = 1

# Quotes, a backslash and non-ASCII: the passphrase must survive every layer (PITFALLS.md).
SMOKE_PASSPHRASE = 'smoke "test" \\ passphrase \u2615'
PDF_PASSWORD = "smoke-letter-pass"
# Made-up markers that must never show up in the log file.
CLIENT_FIRST, CLIENT_LAST = "Smokella", "Quillonby-Example"
NOTE_MARKER = "SMOKE-NOTE-7f3a-heron"

# The lines a passing run prints, in order (each may carry details after the prefix).
STEP_PREFIXES = (
    "smoke: Qt started offscreen",
    "smoke: vault created",
    "smoke: note saved and signed",
    "smoke: superbill rendered",
    "smoke: letter rendered",
    "smoke: window shown",
    "smoke: vault locked",
    "smoke: log holds no client data",
    "smoke: wrong passphrase refused",
    "smoke: vault reopened with the passphrase",
    "smoke: ok",
)


class SmokeFailure(Exception):
    """A check inside a step did not hold (the step's name is printed with it)."""


@dataclass
class _Record:
    """Ids of what the smoke test put in the vault."""

    client_id: int = 0
    session_id: int = 0
    release_id: int = 0


def run_smoke_test(out: TextIO | None = None) -> int:
    """Run every step, print one line per step to ``out`` (default: stdout); return the exit code."""
    stream = out if out is not None else _output_stream()
    say = _Printer(stream)
    kind = "frozen bundle" if getattr(sys, "frozen", False) else "source"
    say(f"{APP_NAME} {__version__} ({kind}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}")
    with tempfile.TemporaryDirectory(prefix="therapist-desk-smoke-",
                                     ignore_cleanup_errors=True) as temp:
        try:
            _run_steps(Path(temp), say)
        except Exception as error:  # noqa: BLE001 - report any failure with the step it hit
            say(f"FAILED while {say.step}: {type(error).__name__}: {error}")
            traceback.print_exc(file=sys.stderr if sys.stderr is not None else stream)
            return EXIT_FAILED
        finally:
            _close_log_handlers()
    say("ok")
    return EXIT_OK


# --- the steps -------------------------------------------------------------------------------


def _run_steps(temp: Path, say: _Printer) -> None:
    from therapist_desk.logs import setup_logging
    from therapist_desk.paths import resolve_paths

    paths = resolve_paths(temp / "data")
    paths.ensure()
    log_file = setup_logging(paths.log_dir)
    out_dir = temp / "out"
    out_dir.mkdir(mode=0o700)

    say.step = "starting Qt"
    app, qt_detail = _start_qt(temp / "qsettings")
    say(f"Qt started offscreen ({qt_detail})")

    say.step = "creating the vault"
    from therapist_desk.services import vault_access

    vault = vault_access.create_and_open(paths.vault, SMOKE_PASSPHRASE)
    try:
        header = paths.vault.read_bytes()[:16]
        if header.startswith(b"SQLite format 3"):
            raise SmokeFailure("the vault file is a plain SQLite database")
        say(f"vault created (encrypted, schema {vault_access.current_revision(vault.engine)})")

        say.step = "saving and signing a note"
        record = _fill_vault(vault)
        say("note saved and signed")

        say.step = "rendering a superbill"
        size = _superbill(vault, record, out_dir / "superbill.pdf")
        say(f"superbill rendered ({size:,} bytes)")

        say.step = "rendering a letter"
        size = _letter(vault, record, out_dir / "letter.pdf")
        say(f"letter rendered ({size:,} bytes, AES-256, opens with its password)")

        say.step = "showing the window"
        from therapist_desk.ui import smoke_window

        detail = smoke_window.show_main_window(app, paths, vault, record.client_id,
                                               (out_dir / "superbill.pdf").read_bytes())
        say(f"window shown ({detail})")
    except BaseException:
        vault.close()  # release the lock so the temp folder can go; the step's name stays
        raise
    say.step = "locking the vault"
    vault.close()
    say("vault locked")

    say.step = "checking the log"
    _check_log(log_file)
    say("log holds no client data")

    say.step = "opening the vault with a wrong passphrase"
    try:
        vault_access.open_vault(paths.vault, SMOKE_PASSPHRASE + "x").close()
    except vault_access.WrongPassphrase:
        say("wrong passphrase refused")
    else:
        raise SmokeFailure("a wrong passphrase opened the vault")

    say.step = "reopening the vault"
    from therapist_desk.services import notes

    with vault_access.open_vault(paths.vault, SMOKE_PASSPHRASE) as reopened, reopened.reader() as session:
        note = notes.get_note(session, record.session_id)
        if not note.is_signed or NOTE_MARKER not in " ".join(text for _, text in note.sections):
            raise SmokeFailure("the signed note did not come back from the reopened vault")
    say("vault reopened with the passphrase (the signed note is there)")
    del app  # the QApplication lives until here: the window step needed it


def _start_qt(settings_dir: Path) -> tuple[Any, str]:
    """The app's own QApplication, offscreen, with Qt settings kept in the temp folder."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from therapist_desk.app import create_application
    from therapist_desk.ui import smoke_window

    smoke_window.keep_settings_in(settings_dir)
    smoke_window.quiet_offscreen_noise()
    app = create_application()
    return app, smoke_window.describe_qt(app)


def _today_and_now() -> tuple[date, datetime]:
    from therapist_desk.services.common import system_clock

    now = system_clock()
    return now.date(), now


def _fill_vault(vault: Vault) -> _Record:
    """A practice profile, a fictional client with a release, two PHQ-9s and a signed note."""
    from therapist_desk.domain.client import Client, Diagnosis, ReleaseOfInformation
    from therapist_desk.domain.cpt import ServiceLine
    from therapist_desk.domain.enums import Instrument, NoteFormat, ReleaseKind, TaxIdKind
    from therapist_desk.domain.measures import MeasureResult
    from therapist_desk.domain.practice import Address, PracticeProfile
    from therapist_desk.domain.session import SessionNote
    from therapist_desk.services import clients, measures, notes
    from therapist_desk.services.practice import save_profile

    today, now = _today_and_now()
    session_day = today - timedelta(days=1)
    profile = PracticeProfile(
        clinician_name="Avery Smoketest", credentials="LCSW", license_number="LCSW-000000",
        license_state="OR", rendering_npi="1234567893",  # CMS's worked check-digit example
        tax_id="12-3456789", tax_id_kind=TaxIdKind.EIN,
        practice_name="Smoke Test Counseling (fictional)",
        address=Address("100 Example Way", "Suite 2", "Portland", "OR", "97201"),
        phone="(555) 555-0100", email="office@example.org",
    )
    release = ReleaseOfInformation(
        "Dr. Pat Example, Example Family Medicine", ReleaseKind.TREATING_PROVIDER,
        recipient_address="200 Example Ave\nPortland, OR 97205")
    client = Client(
        legal_first_name=CLIENT_FIRST, legal_last_name=CLIENT_LAST, date_of_birth=date(1990, 5, 17),
        email="smoke@example.com", phone="(555) 555-0142",
        address=Address("1 Example Lane", "", "Portland", "OR", "97201"),
        diagnoses=(Diagnosis("F41.1"),), releases=(release,), intake_date=today - timedelta(days=30),
        presenting_problem="Worry and poor sleep (fictional smoke-test client).",
    )
    note = SessionNote(
        client_id=0, session_date=session_day, start_time=time(10, 0), stop_time=time(10, 50),
        lines=(ServiceLine("90834"),), diagnosis_codes=("F41.1",), note_format=NoteFormat.SOAP,
        sections=(("Subjective", f"Reports fewer worries this week. {NOTE_MARKER}"),
                  ("Plan", "Continue weekly sessions.")),
        interventions=("Cognitive restructuring",), risk_assessment="Denies SI/HI.",
    )
    with vault.unit_of_work() as session:
        save_profile(session, profile, now)
        saved_client = clients.create_client(session, client, now)
        assert saved_client.id is not None and saved_client.releases[0].id is not None
        record = _Record(client_id=saved_client.id, release_id=saved_client.releases[0].id)
        saved = notes.save_note(session, replace(note, client_id=record.client_id), now)
        assert saved.id is not None
        record.session_id = saved.id
        for day, answers, session_id in (
            (today - timedelta(days=15), (2, 2, 2, 2, 1, 1, 1, 1, 0), None),
            (session_day, (1, 1, 1, 1, 1, 0, 0, 0, 0), saved.id),
        ):
            measures.record_measure(session, MeasureResult(
                Instrument.PHQ9, day, answers, client_id=record.client_id, session_id=session_id), now)
        signed = notes.sign_note(session, record.session_id, now)
    if not signed.is_signed:
        raise SmokeFailure("the note is not signed after sign_note")
    return record


def _superbill(vault: Vault, record: _Record, path: Path) -> int:
    from therapist_desk.services import superbills

    today, now = _today_and_now()
    with vault.unit_of_work() as session:
        made = superbills.export_superbill(session, record.client_id, path, now,
                                           start=today - timedelta(days=30), end=today)
    if len(made.data.lines) != 1:
        raise SmokeFailure(f"the superbill has {len(made.data.lines)} service lines, not 1")
    return _check_pdf(path)


def _letter(vault: Vault, record: _Record, path: Path) -> int:
    import pikepdf

    from therapist_desk.services import letters

    _, now = _today_and_now()
    request = letters.LetterRequest(client_id=record.client_id, release_id=record.release_id)
    with vault.unit_of_work() as session:
        letters.export_letter(session, request, path, now, password=PDF_PASSWORD)
    size = _check_pdf(path)
    try:
        pikepdf.open(path).close()
    except pikepdf.PasswordError:
        pass
    else:
        raise SmokeFailure("the protected letter opens without its password")
    with pikepdf.open(path, password=PDF_PASSWORD) as pdf:
        if not pdf.is_encrypted or pdf.encryption.bits != 256 or len(pdf.pages) < 1:
            raise SmokeFailure("the letter is not an AES-256 encrypted PDF with pages")
    return size


def _check_pdf(path: Path) -> int:
    data = path.read_bytes()
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:] or len(data) < 1000:
        raise SmokeFailure(f"{path.name} is not a complete PDF")
    return len(data)


def _check_log(log_file: Path) -> None:
    for handler in _our_log_handlers():
        handler.flush()
    text = log_file.read_text(encoding="utf-8", errors="replace") if log_file.exists() else ""
    for secret in (CLIENT_FIRST, CLIENT_LAST, NOTE_MARKER, SMOKE_PASSPHRASE, PDF_PASSWORD):
        if secret in text:
            raise SmokeFailure("the log file holds client data or a passphrase")


# --- output and clean-up ---------------------------------------------------------------------


class _Printer:
    """Prints ``smoke: <text>`` lines at once (a crash must not swallow the last one)."""

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream
        self.step = "starting"

    def __call__(self, text: str) -> None:
        if self.stream is not None:
            print(f"smoke: {text}", file=self.stream, flush=True)


def _output_stream() -> TextIO | None:
    """stdout; a windowed Windows build has none, so borrow the console it was started from."""
    if sys.stdout is not None:
        return sys.stdout
    if sys.platform == "win32":  # pragma: no cover - Windows bundles only
        import ctypes

        attach_parent_process = -1
        if ctypes.windll.kernel32.AttachConsole(attach_parent_process):
            return open("CONOUT$", "w", encoding="utf-8", errors="replace")
    return None  # nowhere to print: the exit code still tells


def _our_log_handlers() -> Iterator[logging.Handler]:
    yield from (h for h in logging.getLogger().handlers if getattr(h, "_therapist_desk", False))


def _close_log_handlers() -> None:
    """Close the temp folder's log file before the folder is deleted (Windows cannot delete an
    open file)."""
    root = logging.getLogger()
    for handler in list(_our_log_handlers()):
        root.removeHandler(handler)
        handler.close()
