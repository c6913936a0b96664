"""Domain exceptions, raised by services and mapped to HTTP once, in ``portal.web``."""

from __future__ import annotations


class DomainError(Exception):
    """Base class; ``message`` is shown to the user, in Indonesian."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    status = 422


class PermissionDenied(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """Someone else changed the object first; the caller re-renders the fresh state."""

    status = 409
