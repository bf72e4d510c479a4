"""The errors Cleo's backend raises; the HTTP layer turns each into its status and a `{"message": ...}` body."""

from __future__ import annotations


class CleoError(Exception):
    """A request Cleo refuses; `status` is the HTTP status it answers with."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequestError(CleoError):
    status = 400


class UnauthorizedError(CleoError):
    status = 401


class NotFoundError(CleoError):
    status = 404


class MethodNotAllowedError(CleoError):
    status = 405


class ConflictError(CleoError):
    status = 409
