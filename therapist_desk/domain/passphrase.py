"""The one rule for new passphrases, shared by the window and the command line."""

from __future__ import annotations

from therapist_desk.domain.errors import ValidationError

# Long enough that a stolen laptop's vault resists guessing at PBKDF2's 256,000 iterations;
# the strength meter in the window asks for more than length alone.
MIN_PASSPHRASE_LENGTH = 10


def validate_new_passphrase(passphrase: str, field: str = "Passphrase") -> None:
    """Raise ValidationError when a new passphrase is unusable (the message never quotes it)."""
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise ValidationError(field, f"needs at least {MIN_PASSPHRASE_LENGTH} characters")
    if "\x00" in passphrase:
        raise ValidationError(field, "cannot contain a NUL character")
