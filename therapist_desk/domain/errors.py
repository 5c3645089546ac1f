"""Validation errors that name the field and say what is wrong, in words a clinician reads."""

from __future__ import annotations

from collections.abc import Iterable


class ValidationError(ValueError):
    """One bad field. ``field`` is a human label such as "Rendering NPI"; never the value itself."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ValidationErrors(ValueError):
    """Several bad fields found in one object, so a form can show every message at once."""

    def __init__(self, errors: Iterable[ValidationError]) -> None:
        self.errors: tuple[ValidationError, ...] = tuple(errors)
        super().__init__("; ".join(str(e) for e in self.errors))

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(e.field for e in self.errors)


class ErrorCollector:
    """Run several field checks and raise them together: ``with ErrorCollector() as c: c.check(...)``."""

    def __init__(self) -> None:
        self.errors: list[ValidationError] = []

    def add(self, field: str, message: str) -> None:
        self.errors.append(ValidationError(field, message))

    def __enter__(self) -> ErrorCollector:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> bool:
        if isinstance(exc, ValidationError):
            self.errors.append(exc)
            exc = None
            suppress = True
        else:
            suppress = False
        if exc is None and self.errors:
            raise ValidationErrors(self.errors)
        return suppress

    def run(self, check: object, *args: object, **kwargs: object) -> object:
        """Call ``check``; a ValidationError it raises is collected instead of propagating."""
        try:
            return check(*args, **kwargs)  # type: ignore[operator]
        except ValidationError as error:
            self.errors.append(error)
            return None
