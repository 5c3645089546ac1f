"""Typed vault errors in plain words a clinician can read, and the mapping from driver errors."""

from __future__ import annotations

import errno

import sqlalchemy.exc

__all__ = [
    "DiskFull",
    "NotAVault",
    "VaultCorrupt",
    "VaultError",
    "VaultExists",
    "VaultIOError",
    "VaultInUse",
    "VaultNotFound",
    "VaultReadOnly",
    "WrongPassphrase",
    "translate_db_error",
]


class VaultError(Exception):
    """A known, environmental vault failure the UI explains in plain words.

    The message never contains a passphrase, a key, SQL, bound parameters or note text, so it is
    safe to show, to log and to put into a crash report.
    """

    default_message = "The vault could not complete the operation."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class WrongPassphrase(VaultError):
    # SQLCipher cannot tell a wrong key from a damaged first page: both fail the same HMAC.
    default_message = (
        "The passphrase is not right for this vault, or the vault file is damaged at its start."
    )


class NotAVault(VaultError):
    default_message = (
        "This file is not a Therapist Desk vault (it is empty, cut short or of another kind)."
    )


class VaultNotFound(VaultError):
    default_message = "The vault file could not be found."


class VaultExists(VaultError):
    default_message = "A vault already exists at this place; it was left untouched."


class VaultCorrupt(VaultError):
    """Integrity checks failed; ``problems`` names damaged pages or structures, never content."""

    default_message = "The vault file is damaged. Restore it from a backup."

    def __init__(self, message: str | None = None, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


class VaultInUse(VaultError):
    default_message = (
        "The vault is in use by another copy of Therapist Desk. Close it there and try again."
    )


class DiskFull(VaultError):
    default_message = "The disk is full. Free some space; nothing that was saved has been lost."


class VaultReadOnly(VaultError):
    default_message = "The vault's folder or file cannot be written to. Check its permissions."


class VaultIOError(VaultError):
    default_message = "The disk reported an error while reading or writing the vault."


# SQLite primary result codes (sqlite3.h); the extended code's low byte is the primary one.
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26

_BY_CODE: dict[int, type[VaultError]] = {
    _SQLITE_BUSY: VaultInUse,
    _SQLITE_LOCKED: VaultInUse,
    _SQLITE_READONLY: VaultReadOnly,
    _SQLITE_IOERR: VaultIOError,
    _SQLITE_CORRUPT: VaultCorrupt,
    _SQLITE_FULL: DiskFull,
    _SQLITE_CANTOPEN: VaultIOError,
    _SQLITE_NOTADB: WrongPassphrase,
}

# Fallback when the driver gives no result code; matched against SQLite's fixed messages only.
_BY_MESSAGE: tuple[tuple[str, type[VaultError]], ...] = (
    ("database or disk is full", DiskFull),
    ("file is not a database", WrongPassphrase),
    ("attempt to write a readonly database", VaultReadOnly),
    ("database is locked", VaultInUse),
    ("database table is locked", VaultInUse),
    ("disk i/o error", VaultIOError),
    ("database disk image is malformed", VaultCorrupt),
    ("unable to open database file", VaultIOError),
)

_BY_ERRNO: dict[int, type[VaultError]] = {
    errno.ENOSPC: DiskFull,
    getattr(errno, "EDQUOT", errno.ENOSPC): DiskFull,  # EDQUOT is missing on some platforms
    errno.EACCES: VaultReadOnly,
    errno.EPERM: VaultReadOnly,
    errno.EROFS: VaultReadOnly,
    errno.ENOENT: VaultNotFound,
}


def translate_db_error(exc: BaseException) -> VaultError:
    """Map a driver, SQLAlchemy or OS error to a typed :class:`VaultError`.

    The original text is not copied: SQLAlchemy puts SQL (and without ``hide_parameters`` the
    bound values) into its messages. Raise the result ``from None`` so it does not chain either.
    Unknown database errors become a plain :class:`VaultError`; callers that want bugs to crash
    loudly should only translate ``OperationalError``/``DatabaseError``.
    """
    if isinstance(exc, VaultError):
        return exc
    if isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.orig is not None:
        exc = exc.orig
    if isinstance(exc, OSError):
        return _BY_ERRNO.get(exc.errno or 0, VaultIOError)()
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and (code & 0xFF) in _BY_CODE:
        return _BY_CODE[code & 0xFF]()
    text = str(exc).lower()
    for needle, kind in _BY_MESSAGE:
        if needle in text:
            return kind()
    return VaultError()
