"""qbXML outcomes: per-request statuses (statusCode/statusSeverity/statusMessage) and whole-document failures.

Messages are QuickBooks' own wording where public fixtures show it (0, 1, 500, 3070, 3100, 3120,
3140, 3200, 0x80040400); the others follow the same pattern.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["Info", "Warn", "Error"]


@dataclass(frozen=True)
class Status:
    """What a response element's status attributes say."""

    code: int
    severity: Severity
    message: str


OK = Status(0, "Info", "Status OK")
NO_MATCH = Status(1, "Info", "A query request did not find a matching object in QuickBooks")

PARSE_HRESULT = "0x80040400"
PARSE_MESSAGE = "QuickBooks found an error when parsing the provided XML text stream."


class QbStatusError(Exception):
    """A request QuickBooks refuses; the response carries the status and nothing else."""

    def __init__(self, status: Status) -> None:
        super().__init__(status.message)
        self.status = status


class QbXmlParseError(Exception):
    """The whole message set is refused before any request runs (QBWC passes the hresult on, with no response)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hresult = PARSE_HRESULT
        self.message = PARSE_MESSAGE


def _error(code: int, message: str) -> QbStatusError:
    return QbStatusError(Status(code, "Error", message))


def missing_names(names: list[str]) -> Status:
    shown = ", ".join(f'"{n}"' for n in names)
    return Status(
        500, "Warn", f"The query request has not been fully completed. There was a required element ({shown}) "
        "that could not be found in QuickBooks."
    )


def invalid_id(value: str, field: str) -> QbStatusError:
    return _error(3000, f'The given object ID "{value}" in the field "{field}" is invalid.')


def invalid_boolean(value: str, field: str) -> QbStatusError:
    return _error(3010, f'There was an error when converting the boolean value "{value}" in the field "{field}".')


def invalid_date(value: str, field: str) -> QbStatusError:
    return _error(3020, f'There was an error when converting the date value "{value}" in the field "{field}".')


def invalid_amount(value: str, field: str) -> QbStatusError:
    return _error(3040, f'There was an error when converting the amount "{value}" in the field "{field}".')


def too_long(value: str, field: str) -> QbStatusError:
    return _error(3070, f'The string "{value}" in the field "{field}" is too long.')


def name_in_use(name: str) -> QbStatusError:
    return _error(3100, f'The name "{name}" of the list element is already in use.')


def not_found(object_id: str) -> QbStatusError:
    return _error(
        3120,
        f'Object "{object_id}" specified in the request cannot be found.  QuickBooks error message: '
        "Invalid argument.  The specified record does not exist in the list.",
    )


def invalid_reference(list_name: str, value: str, where: str) -> QbStatusError:
    return _error(
        3140,
        f'There is an invalid reference to QuickBooks {list_name} "{value}" in the {where}.  QuickBooks error '
        "message: Invalid argument.  The specified record does not exist in the list.",
    )


def save_failed(what: str, reason: str) -> QbStatusError:
    return _error(3180, f"There was an error when saving a {what}.  QuickBooks error message: {reason}")


def stale_edit_sequence(edit_sequence: str) -> QbStatusError:
    return _error(3200, f'The provided edit sequence "{edit_sequence}" is out-of-date.')
