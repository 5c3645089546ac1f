"""Save a rendered PDF: atomically, owner-only (0600), optionally password-protected (AES-256).

Why pikepdf and not ReportLab's own ``StandardEncryption(strength=256)``: checked with
ReportLab 5.1, that writes security handler revision 5 (the deprecated Acrobat 9 scheme, whose
password check is one unsalted-iteration SHA-256 and so fast to brute-force), and its ``/UE`` and
``/OE`` entries are 48 bytes instead of 32 (pyaes pads them), which pypdf refuses to open. qpdf
(through pikepdf) writes revision 6 (ISO 32000-2): AES-256 with the hardened password hash.
The plain PDF is only ever in memory; what reaches the disk is the encrypted file.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

from therapist_desk.domain.errors import ValidationError
from therapist_desk.store.vault_ops import fsync_folder as fsync_folder  # its one home

MIN_PASSWORD_LENGTH = 8
FILE_MODE = 0o600


class PdfProtectionUnavailable(RuntimeError):
    """pikepdf is missing, so a password-protected PDF cannot be made (never fall back to RC4)."""


def check_password(password: str) -> str:
    """Return the password, or raise ValidationError when it is too short to protect anything."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError("PDF password", f"needs at least {MIN_PASSWORD_LENGTH} characters")
    return password


def encrypt_pdf(pdf: bytes, password: str) -> bytes:
    """Return ``pdf`` encrypted with AES-256 (security handler revision 6) under ``password``.

    The same password opens the file and owns it: permissions are advisory in every viewer,
    and the clinician who set the password should not be locked out of printing their letter.
    """
    check_password(password)
    try:
        import pikepdf
    except ImportError as missing:  # pragma: no cover - pikepdf is a declared dependency
        raise PdfProtectionUnavailable("password protection needs the pikepdf package") from missing
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        document.save(
            out,
            encryption=pikepdf.Encryption(user=password, owner=password, R=6, aes=True),
        )
    return out.getvalue()


def save_pdf(pdf: bytes, path: Path, *, password: str | None = None) -> Path:
    """Write ``pdf`` to ``path`` atomically with mode 0600; encrypt first when a password is given.

    The bytes go to a temporary file in the same folder, are flushed and fsynced, and then
    replace ``path`` in one step, so a crash leaves either the old file or the new one, never
    half of one. Returns the path written.
    """
    temp = write_temp(pdf, path, password=password)
    try:
        publish(temp, path)
    except BaseException:
        discard(temp)
        raise
    fsync_folder(_folder_of(Path(path)))
    return Path(path)


def write_temp(pdf: bytes, path: Path, *, password: str | None = None) -> Path:
    """The first half of ``save_pdf``: ``pdf`` (encrypted first when a password is given) in a
    fsynced, owner-only temporary file beside ``path``, which is left untouched.

    ``publish`` then puts it in place, or ``discard`` removes it. A batch writes many of these,
    records them, publishes them and syncs the folder once (``fsync_folder``).
    """
    data = encrypt_pdf(pdf, password) if password is not None else pdf
    target = Path(path)
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=_folder_of(target))
    try:
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), FILE_MODE)  # mkstemp uses 0600 already; do not rely on it
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        discard(Path(temp_name))
        raise
    return Path(temp_name)


def publish(temp: Path, path: Path) -> Path:
    """Put a ``write_temp`` file in place of ``path`` in one step (the old file or the new one,
    never half of one). The rename is durable once the folder is synced (``fsync_folder``)."""
    os.replace(temp, path)
    return Path(path)


def discard(temp: Path) -> None:
    """Remove a ``write_temp`` file that will not be published (gone already is fine)."""
    try:
        os.unlink(temp)
    except FileNotFoundError:
        pass


def _folder_of(target: Path) -> Path:
    return target.parent if str(target.parent) else Path(".")
