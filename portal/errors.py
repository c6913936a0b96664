"""Domain exceptions, raised by services and mapped to HTTP once, in ``portal.web``."""

from __future__ import annotations


class DomainError(Exception):
    """Base class; ``message`` is shown to the user, in their language.

    A lazily translated message is turned into text here, in the language of the request
    that raised it: messages go into flashes (the session) and HTML, never lazy.
    """

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        message = str(message)
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    """Bad input. ``errors`` maps each offending field to its message."""

    status = 422

    def __init__(
        self, message: str = "", *, field: str | None = None, errors: dict | None = None
    ) -> None:
        self.errors = {
            name: str(text)
            for name, text in (errors or ({field: message} if field else {})).items()
        }
        message = message or " ".join(self.errors.values())
        super().__init__(message, field=field or next(iter(self.errors), None))


class PermissionDenied(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """Someone else changed the object first; the caller re-renders the fresh state."""

    status = 409
