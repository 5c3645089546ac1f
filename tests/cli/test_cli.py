"""``therapist-desk`` as a user runs it: subprocesses, real encrypted vaults, exit codes and output.

Each subprocess pays ~1 s of imports plus a key stretch, so read-only tests share one demo
vault (module scope) and each test groups its assertions.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from therapist_desk import cli
from therapist_desk.logs import scrubbed_traceback
from therapist_desk.services import audit_log, clients, notes
from therapist_desk.services.demo import PRIVATE_NOTES, PSYCHOTHERAPY_NOTE_MARKER
from therapist_desk.services.maintenance import MIN_PASSPHRASE_LENGTH, verify_passphrase
from therapist_desk.services.vault_access import WrongPassphrase, open_vault

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
# Quotes, a backslash and non-ASCII: the passphrase must survive every layer unescaped.
PASSPHRASE = 'correct "horse" \\ ☕ \'staple\''
NEW_PASSPHRASE = "a whole new passphrase ✓"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def run(data_dir: Path, *args: str, passphrase: str | None = PASSPHRASE,
        env: dict[str, str] | None = None) -> Run:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("THERAPIST_DESK_")}
    environment["PYTHONUTF8"] = "1"
    if passphrase is not None:
        environment[cli.PASSPHRASE_ENV] = passphrase
    environment.update(env or {})
    done = subprocess.run(
        [sys.executable, "-m", "therapist_desk", "--data-dir", str(data_dir), *args],
        env=environment, cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True,
        text=True, encoding="utf-8", timeout=180, check=False,
    )
    result = Run(done.returncode, done.stdout, done.stderr)
    # Never a traceback, never a passphrase, whatever happened.
    for secret in (PASSPHRASE, NEW_PASSPHRASE):
        assert secret not in result.out + result.err
    assert "Traceback" not in result.err
    return result


def error_lines(result: Run) -> list[str]:
    return [line for line in result.err.splitlines() if line.startswith("therapist-desk: ")]


@dataclass(frozen=True)
class Demo:
    data_dir: Path
    output: str

    @property
    def vault(self) -> Path:
        return self.data_dir / "vault.tdvault"

    def count(self, what: str) -> int:
        match = re.search(rf"(\d+) {what}", self.output)
        assert match, self.output
        return int(match.group(1))


@pytest.fixture(scope="module")
def demo_vault(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """One demo vault made by the CLI; tests here only read it (or copy it first)."""
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    result = run(data_dir, "demo")
    assert result.code == cli.EXIT_OK, result.err
    return Demo(data_dir, result.out)


def copy_of(demo: Demo, folder: Path) -> Path:
    """A private copy of the demo data folder's vault (same passphrase)."""
    folder.mkdir(parents=True, mode=0o700)
    shutil.copyfile(demo.vault, folder / "vault.tdvault")
    os.chmod(folder / "vault.tdvault", 0o600)
    return folder


# --- help and usage -------------------------------------------------------------------------


def test_help_lists_commands_and_exit_codes_and_imports_stay_light(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from therapist_desk import cli\n"
        "heavy = [m for m in ('sqlalchemy', 'sqlcipher3', 'PySide6', 'reportlab') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "sys.exit(cli.main(['--help']))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                          encoding="utf-8", timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    for command in ("init", "demo", "import", "export-data", "check", "change-passphrase",
                    "backup", "restore"):
        assert command in text
    for code, words in ((0, "success"), (1, "unexpected error"), (2, "usage error"),
                        (3, "wrong passphrase"), (4, "bad input"), (5, "integrity failure"),
                        (6, "vault unavailable")):
        assert re.search(rf"^\s+{code}\s+{words}", text, re.MULTILINE), (code, words)
    assert "THERAPIST_DESK_PASSPHRASE" in text and "--passphrase-file" in text


def test_version_and_usage_errors_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"therapist-desk {cli.__version__}"
    assert cli.main(["no-such-command"]) == cli.EXIT_USAGE
    assert cli.main(["restore"]) == cli.EXIT_USAGE  # BACKUP is required
    assert "usage:" in capsys.readouterr().err
    assert (cli.EXIT_OK, cli.EXIT_UNEXPECTED, cli.EXIT_USAGE, cli.EXIT_UNLOCK, cli.EXIT_BAD_INPUT,
            cli.EXIT_INTEGRITY, cli.EXIT_UNAVAILABLE) == (0, 1, 2, 3, 4, 5, 6)
    assert f"{MIN_PASSPHRASE_LENGTH} characters" in cli.epilog()  # the rule the window uses


def test_scrubbed_traceback_keeps_frames_but_not_messages() -> None:
    def inner() -> None:
        raise ValueError("Zoë Secretname said something private")

    try:
        try:
            inner()
        except ValueError as first:
            raise RuntimeError("SELECT * FROM notes WHERE body = 'private'") from first
    except RuntimeError as exc:
        text = scrubbed_traceback(exc)
    assert "builtins.RuntimeError" in text and "builtins.ValueError" in text
    assert "in inner" in text and "test_cli.py" in text
    assert "Secretname" not in text and "private" not in text and "SELECT" not in text


# --- init and import -----------------------------------------------------------------------

CLIENTS_CSV = (
    "legal_first_name,legal_last_name,date_of_birth,email,address_line1,city,state,postal_code,diagnoses\n"
    'Zoë,Exampleton,1985-04-12,zoe@example.com,"12 Sample St, Apt 3",Portland,OR,97201,F41.1; F32.1\n'
    "José,Placeholder,07/30/1990,,,,,,F43.23\n"
)
BAD_CLIENTS_CSV = (
    "legal_first_name,legal_last_name,date_of_birth,email,address_line1,city,state,postal_code,diagnoses\n"
    "Fine,Person,1980-01-01,,,,,,\n"
    "Bad,Email,1980-01-01,SECRET-not-an-email,,,,,\n"
    'Multi,Line,1980-01-01,,"line one\nline two",,,,\n'
    "Future,Born,2999-01-01,,,,,,F43.8\n"
)
SESSIONS_CSV = (
    "client_legal_first_name,client_legal_last_name,client_date_of_birth,session_date,start_time,"
    "stop_time,modality,note\n"
    'Zoë,Exampleton,1985-04-12,2025-06-02,10:00,10:50,video,"Reviewed the log, ""box"" breathing"\n'
)


def test_init_import_and_refusals(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = run(data, "init")
    assert first.code == cli.EXIT_OK, first.err
    assert str(data / "vault.tdvault") in first.out
    vault_path = data / "vault.tdvault"
    if os.name == "posix":
        assert vault_path.stat().st_mode & 0o777 == 0o600
        assert data.stat().st_mode & 0o777 == 0o700
    before = vault_path.read_bytes()

    again = run(data, "init")
    assert again.code == cli.EXIT_UNAVAILABLE
    assert error_lines(again) == [f"therapist-desk: a vault already exists at {vault_path}; "
                                  "it was left untouched"]
    assert vault_path.read_bytes() == before

    short = run(tmp_path / "other", "init", passphrase="short")
    assert short.code == cli.EXIT_BAD_INPUT and f"at least {MIN_PASSPHRASE_LENGTH} characters" in short.err
    assert not (tmp_path / "other" / "vault.tdvault").exists()

    nothing = run(data, "check", passphrase=None)
    assert nothing.code == cli.EXIT_USAGE
    assert "--passphrase-file" in nothing.err and "THERAPIST_DESK_PASSPHRASE" in nothing.err

    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text(BAD_CLIENTS_CSV, encoding="utf-8")
    bad = run(data, "import", str(bad_csv))
    assert bad.code == cli.EXIT_BAD_INPUT
    assert "nothing was imported: 3 problem(s) in bad.csv:" in bad.err
    assert "  line 3: Email: must look like name@example.com" in bad.err
    assert "  line 6: Date of birth: is in the future" in bad.err
    assert "  line 6: Primary diagnosis: F43.8 is a category heading" in bad.err
    assert "line 2:" not in bad.err and "line 4:" not in bad.err
    assert "SECRET" not in bad.err

    good_csv = tmp_path / "clients.csv"
    good_csv.write_bytes(CLIENTS_CSV.encode("utf-8-sig"))
    secret_file = tmp_path / "passphrase.txt"
    secret_file.write_text(PASSPHRASE + "\n", encoding="utf-8")
    secret_file.chmod(0o600)
    good = run(data, "import", str(good_csv), "--passphrase-file", str(secret_file), passphrase=None)
    assert good.code == cli.EXIT_OK, good.err
    assert "Imported 2 clients from clients.csv." in good.out

    sessions_csv = tmp_path / "sessions.csv"
    sessions_csv.write_text(SESSIONS_CSV, encoding="utf-8")
    imported = run(data, "import", str(sessions_csv), "--kind", "sessions")
    assert imported.code == cli.EXIT_OK, imported.err
    assert "Imported 1 sessions" in imported.out

    with open_vault(vault_path, PASSPHRASE) as vault, vault.reader() as s:
        found = {c.display_name: c.id for c in clients.list_clients(s)}
        assert set(found) == {"Zoë Exampleton", "José Placeholder"}
        zoe = clients.get_client(s, found["Zoë Exampleton"])  # type: ignore[arg-type]
        assert zoe.address.line1 == "12 Sample St, Apt 3"
        assert [d.code for d in zoe.diagnoses] == ["F41.1", "F32.1"]
        (summary,) = notes.list_notes(s, zoe.id)  # type: ignore[arg-type]
        note = notes.get_note(s, summary.id)
        assert not note.is_signed and note.cpt_summary == "90834-95"
        assert note.sections == (("Note", 'Reviewed the log, "box" breathing'),)
        assert len(audit_log.list_events(s, action="client.create")) == 2

    log_text = (data / "logs" / "therapist-desk.log").read_text(encoding="utf-8")
    assert "command import" in log_text
    for secret in (PASSPHRASE, "Zoë", "Exampleton", "SECRET", "box"):
        assert secret not in log_text


# --- the shared demo vault: check, export, wrong passphrase, backup -------------------------


def test_demo_then_check(demo_vault: Demo) -> None:
    assert "FICTIONAL" in demo_vault.output
    assert demo_vault.count("clients") == 12
    result = run(demo_vault.data_dir, "check")
    assert (result.code, result.out.strip()) == (cli.EXIT_OK, "ok")


def test_wrong_passphrase_exits_3_and_leaks_nothing(demo_vault: Demo) -> None:
    wrong = "Wrong passphrase 123"
    before = demo_vault.vault.read_bytes()
    result = run(demo_vault.data_dir, "export-data", str(demo_vault.data_dir / "nope"), passphrase=wrong)
    assert result.code == cli.EXIT_UNLOCK
    assert error_lines(result) == ["therapist-desk: The passphrase is not right for this vault, or "
                                   "the vault file is damaged at its start."]
    assert wrong not in result.out + result.err and result.out == ""
    assert not (demo_vault.data_dir / "nope").exists() or not any((demo_vault.data_dir / "nope").iterdir())
    assert demo_vault.vault.read_bytes() == before


def _exported(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def test_export_data_default_and_with_psychotherapy_notes(demo_vault: Demo, tmp_path: Path) -> None:
    out = tmp_path / "export"
    result = run(demo_vault.data_dir, "export-data", str(out))
    assert result.code == cli.EXIT_OK, result.err
    assert "Psychotherapy notes were not exported" in result.out
    files = _exported(out)
    assert {"therapist-desk-export.json", "README.txt", "clients.csv", "sessions.csv",
            "measures.csv", "ledger.csv", "treatment_plans.csv", "audit_log.csv"} <= set(files)
    assert "psychotherapy-notes.json" not in files
    if os.name == "posix":
        assert out.stat().st_mode & 0o777 == 0o700
        assert {(out / name).stat().st_mode & 0o777 for name in files} == {0o600}
    data = json.loads(files["therapist-desk-export.json"])
    assert len(data["clients"]) == demo_vault.count("clients") == len(_csv_rows(files["clients.csv"]))
    sessions = sum(len(c["sessions"]) for c in data["clients"])
    assert sessions == demo_vault.count("sessions") == len(_csv_rows(files["sessions.csv"]))
    measures = sum(len(c["measures"]) for c in data["clients"])
    assert measures == demo_vault.count("measures") == len(_csv_rows(files["measures.csv"]))
    ledger = sum(len(c["ledger"]) for c in data["clients"])
    assert ledger == len(_csv_rows(files["ledger.csv"])) == data["counts"]["ledger_entries"]
    assert all(re.fullmatch(r"-?\d+\.\d\d", e["amount"]) for c in data["clients"] for e in c["ledger"])
    assert data["practice"]["practice_name"].endswith("fictional data")
    private_texts = [PSYCHOTHERAPY_NOTE_MARKER.encode(), *(t.encode() for t in PRIVATE_NOTES)]
    for name, content in files.items():
        for private in private_texts:
            assert private not in content, name

    refused = run(demo_vault.data_dir, "export-data", str(out))
    assert refused.code == cli.EXIT_BAD_INPUT and "is not empty" in refused.err

    with_notes = tmp_path / "with-notes"
    result = run(demo_vault.data_dir, "export-data", str(with_notes), "--include-psychotherapy-notes")
    assert result.code == cli.EXIT_OK, result.err
    files = _exported(with_notes)
    holders = {name for name, content in files.items() if PSYCHOTHERAPY_NOTE_MARKER.encode() in content}
    assert holders == {"psychotherapy-notes.json"}
    assert json.loads(files["psychotherapy-notes.json"])["notes"]

    with open_vault(demo_vault.vault, PASSPHRASE) as vault, vault.reader() as s:
        exports = audit_log.list_events(s, action="export.data")
    assert [("psychotherapy_notes=included" in e.detail) for e in exports] == [False, True]


def test_backup_and_restore_round_trip(demo_vault: Demo, tmp_path: Path) -> None:
    backup = run(demo_vault.data_dir, "backup", f"{tmp_path / 'backups'}/")
    assert backup.code == cli.EXIT_OK, backup.err
    copy = Path(backup.out.strip())
    assert copy.parent == tmp_path / "backups" and re.fullmatch(r"vault-\d{8}-\d{6}\.tdvault", copy.name)
    if os.name == "posix":
        assert copy.stat().st_mode & 0o777 == 0o600
    again = run(demo_vault.data_dir, "backup", str(copy))
    assert again.code == cli.EXIT_UNAVAILABLE and "already exists" in again.err

    target = tmp_path / "restored"
    target.mkdir()
    (target / "vault.tdvault").write_bytes(b"\0" * 4096)  # a vault to be replaced
    restored = run(target, "restore", str(copy))
    assert restored.code == cli.EXIT_OK, restored.err
    aside = re.search(r"kept at (\S+)", restored.out)
    assert aside and Path(aside.group(1)).read_bytes() == b"\0" * 4096
    with open_vault(target / "vault.tdvault", PASSPHRASE) as vault, vault.reader() as s:
        assert len(clients.list_clients(s)) == demo_vault.count("clients")
        assert audit_log.list_events(s, action="vault.restore")
        assert audit_log.verify_chain(s) == []

    wrong = run(tmp_path / "elsewhere", "restore", str(copy), passphrase="not the passphrase")
    assert wrong.code == cli.EXIT_UNLOCK
    assert not (tmp_path / "elsewhere" / "vault.tdvault").exists()


# --- vaults of their own: change the passphrase, damage -------------------------------------


def test_change_passphrase(demo_vault: Demo, tmp_path: Path) -> None:
    data = copy_of(demo_vault, tmp_path / "data")
    same = run(data, "change-passphrase", env={cli.NEW_PASSPHRASE_ENV: PASSPHRASE})
    assert same.code == cli.EXIT_BAD_INPUT and "same as the current one" in same.err
    changed = run(data, "change-passphrase", env={cli.NEW_PASSPHRASE_ENV: NEW_PASSPHRASE})
    assert changed.code == cli.EXIT_OK, changed.err
    old = run(data, "check")
    assert old.code == cli.EXIT_UNLOCK
    with pytest.raises(WrongPassphrase):
        verify_passphrase(data / "vault.tdvault", PASSPHRASE)
    with open_vault(data / "vault.tdvault", NEW_PASSPHRASE) as vault, vault.reader() as s:
        assert len(audit_log.list_events(s, action="vault.rekey")) == 1
        assert audit_log.verify_chain(s) == []


def test_check_finds_a_flipped_byte(demo_vault: Demo, tmp_path: Path) -> None:
    data = copy_of(demo_vault, tmp_path / "data")
    vault_path = data / "vault.tdvault"
    raw = bytearray(vault_path.read_bytes())
    offset = 4096 * 5 + 1000  # inside a page after the first (page 1 damage looks like a wrong key)
    assert len(raw) > offset
    raw[offset] ^= 0x01
    vault_path.write_bytes(bytes(raw))
    result = run(data, "check")
    assert result.code == cli.EXIT_INTEGRITY, (result.out, result.err)
    assert result.out.strip() and "ok" not in result.out.splitlines()


def test_missing_vault_and_gui_fallback_messages(tmp_path: Path) -> None:
    result = run(tmp_path / "empty", "backup")
    assert result.code == cli.EXIT_UNAVAILABLE
    assert error_lines(result)[0].startswith("therapist-desk: there is no vault in")


@pytest.fixture
def _no_app_module(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(sys.modules, "therapist_desk.app", None)  # as if app.py were missing
    yield


@pytest.mark.usefixtures("_no_app_module")
def test_no_command_without_a_window_explains_itself(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--data-dir", str(tmp_path)]) == cli.EXIT_UNEXPECTED
    assert "the window cannot start" in capsys.readouterr().err


def _talk(args: list[str], answers: list[str], cwd: Path) -> tuple[int, str]:
    """Run the CLI on a pseudo-terminal, answering each prompt that ends in ': '."""
    import select

    master, slave = os.openpty()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("THERAPIST_DESK_")}
    environment["PYTHONUTF8"] = "1"
    # A new session has no controlling terminal, so getpass reads the pty on stdin.
    process = subprocess.Popen([sys.executable, "-m", "therapist_desk", *args], stdin=slave,
                               stdout=slave, stderr=slave, cwd=cwd, env=environment,
                               start_new_session=True)
    os.close(slave)
    seen = b""
    mark = 0  # output before this was already answered
    pending = list(answers)
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 20)
            if not ready:
                raise AssertionError(f"no output; so far: {seen!r}")
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
            if pending and seen[mark:].rstrip().endswith(b":"):
                os.write(master, pending.pop(0).encode() + b"\n")
                mark = len(seen)
    finally:
        os.close(master)
    return process.wait(timeout=60), seen.decode("utf-8", "replace")


@pytest.mark.skipif(os.name != "posix", reason="needs a POSIX pseudo-terminal")
def test_init_asks_twice_on_a_terminal(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    code, text = _talk(["--data-dir", data, "init"], ["first passphrase", "other passphrase"], ROOT)
    assert code == cli.EXIT_BAD_INPUT, text
    assert "do not match" in text
    assert "first passphrase" not in text and "other passphrase" not in text  # never echoed
    assert not (tmp_path / "data" / "vault.tdvault").exists()
    code, text = _talk(["--data-dir", data, "init"], [PASSPHRASE, PASSPHRASE], ROOT)
    assert code == cli.EXIT_OK, text
    assert PASSPHRASE not in text
    verify_passphrase(tmp_path / "data" / "vault.tdvault", PASSPHRASE)


def test_superbills_batch_for_a_month(demo_vault: Demo, tmp_path: Path) -> None:
    from datetime import date

    from pypdf import PdfReader

    data = copy_of(demo_vault, tmp_path / "data")
    first = date.today().replace(day=1)
    last_month = (first.replace(year=first.year - 1, month=12) if first.month == 1
                  else first.replace(month=first.month - 1))
    out = tmp_path / "superbills"
    result = run(data, "superbills", "--month", last_month.strftime("%Y-%m"), str(out))
    assert result.code in (cli.EXIT_OK, cli.EXIT_BAD_INPUT), result.err
    pdfs = sorted(out.glob("*.pdf"))
    assert pdfs, result.out
    text = PdfReader(pdfs[0]).pages[0].extract_text()
    assert "Superbill" in text and "NPI" in text
    assert PSYCHOTHERAPY_NOTE_MARKER not in "".join(
        page.extract_text() for pdf in pdfs for page in PdfReader(pdf).pages)
    bad = run(data, "superbills", "--month", "2026-13", str(out))
    assert bad.code == cli.EXIT_BAD_INPUT and "month" in bad.err.lower()
