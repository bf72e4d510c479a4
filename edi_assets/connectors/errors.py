"""Typed connector errors: what went wrong, where, and what a person needs to act on it.

Every error names the system and, when known, the operation, the request (method and redacted URL), the
HTTP status, the document number and the trading partner. Context is added as the error travels up
(:meth:`ConnectorError.add_context`), so the code that detects a 404 does not need to know which invoice
it was posting. Messages pass through :func:`~edi_assets.connectors.redaction.redact` when the error is built,
so no secret reaches a log, the Dagster UI or the ledger through an exception.

The classes tell callers what to do: retry (:class:`RateLimited`, :class:`TransientError`), reconcile
(:class:`OutcomeUnknown`), hold the document (:class:`RemoteRejected`, :class:`MappingError`), re-read and
retry (:class:`ConcurrencyConflict`), or fix credentials (:class:`AuthenticationError`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Self

from edi_assets.connectors.redaction import redact


def _rebuild(cls: type[ConnectorError], state: dict[str, Any]) -> ConnectorError:
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("message", ""))
    error.__dict__.update(state)
    return error


class ConnectorError(Exception):
    """Base of every error a connector raises; ``str()`` is the sentence a person reads."""

    def __init__(self, message: str, *, system: str, operation: str | None = None, endpoint: str | None = None,
                 status: int | None = None, document: str | None = None, partner: str | None = None) -> None:
        self.message = redact(message)
        self.system = system
        self.operation = operation
        self.endpoint = redact(endpoint) if endpoint else None
        self.status = status
        self.document = document
        self.partner = partner
        super().__init__(self.message)

    def add_context(self, *, operation: str | None = None, endpoint: str | None = None,
                    document: str | None = None, partner: str | None = None) -> Self:
        """Fill in what the raiser did not know; never overwrites what it did."""
        self.operation = self.operation or operation
        self.endpoint = self.endpoint or (redact(endpoint) if endpoint else None)
        self.document = self.document or document
        self.partner = self.partner or partner
        return self

    def __str__(self) -> str:
        head = f"{self.system} {self.operation}" if self.operation else self.system
        text = f"{head}: {self.message}"
        if self.status is not None:
            text += f" (HTTP {self.status})"
        about = [f"{label} {value}" for label, value in (("document", self.document), ("partner", self.partner))
                 if value]
        if about:
            text += f" [{', '.join(about)}]"
        if self.endpoint:
            text += f" <{self.endpoint}>"
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only fields would break Exception's default pickling (multiprocessing, Dagster subprocesses).
        return (_rebuild, (type(self), dict(self.__dict__)))


class AuthenticationError(ConnectorError):
    """Credentials were refused, even after refreshing and re-authenticating: a person must fix them."""


class RateLimited(ConnectorError):  # noqa: N818 (named as the issue names it)
    """The system (or our own limiter) said "not now"; ``retry_after`` is in seconds when it said how long."""

    def __init__(self, message: str, *, retry_after: float | None = None, **context: Any) -> None:
        super().__init__(message, **context)
        self.retry_after = retry_after


class TransientError(ConnectorError):
    """A failure that may pass: 5xx, a dropped connection, a timeout, an unreadable body.

    ``sent`` is False only when the request certainly never reached the system (connection refused, token
    fetch failed), which makes even a non-idempotent request safe to repeat.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, sent: bool = True,
                 **context: Any) -> None:
        super().__init__(message, **context)
        self.retry_after = retry_after
        self.sent = sent


class OutcomeUnknown(TransientError):  # noqa: N818 (named as the issue names it)
    """A non-idempotent request may or may not have taken effect: look it up in the system, do not repeat it."""

    @classmethod
    def from_error(cls, error: TransientError) -> OutcomeUnknown:
        unknown = cls(f"outcome unknown, reconcile before retrying: {error.message}", system=error.system,
                      operation=error.operation, endpoint=error.endpoint, status=error.status,
                      document=error.document, partner=error.partner, retry_after=error.retry_after)
        unknown.__cause__ = error
        return unknown


class RemoteRejected(ConnectorError):  # noqa: N818 (named as the issue names it)
    """The system refused the request and said why; ``remote_message`` and ``field`` are its own words."""

    def __init__(self, message: str, *, field: str | None = None, **context: Any) -> None:
        self.remote_message = redact(message)
        self.field = field
        super().__init__(f"{message} (field {field})" if field else message, **context)


class PermissionDenied(RemoteRejected):
    """HTTP 403: the credentials are valid but lack a grant; re-authenticating will not help."""


class NotFound(ConnectorError):  # noqa: N818 (named as the issue names it)
    """The record or path does not exist in the system."""


class ConcurrencyConflict(ConnectorError):  # noqa: N818 (named as the issue names it)
    """The record changed since it was read (409, 412, a stale concurrency hash): re-read and try again."""


class MappingError(ConnectorError):
    """A document's keys have no counterpart in the cross-reference tables; lists every missing key at once."""

    def __init__(self, missing: Iterable[str], **context: Any) -> None:
        self.missing = tuple(missing)
        noun = "key does" if len(self.missing) == 1 else "keys do"
        super().__init__(f"{len(self.missing)} {noun} not map: {'; '.join(self.missing)}", **context)
