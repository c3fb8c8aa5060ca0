"""Domain errors raised by the services; the API maps them to HTTP status codes."""

from __future__ import annotations


class DomainError(Exception):
    """Base class for errors a client can cause (and be told about)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFoundError(DomainError):
    """The object does not exist, or the caller may not know that it does."""


class PermissionDeniedError(DomainError):
    """The caller is known but not allowed to do this."""


class ConflictError(DomainError):
    """The change would break a uniqueness rule or repeat an existing fact."""
