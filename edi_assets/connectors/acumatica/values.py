"""The one place that speaks Acumatica's value wrapping: ``{"Field": {"value": ...}}``.

The contract-based API wraps every field of an entity, at every depth: top-level fields, the rows of detail
arrays (``Details``, ``TaxDetails``...) and linked entities (``MainContact``). System fields travel bare:
``id``, ``rowNumber``, ``delete``, ``files``, ``_links`` and ``error``; ``note`` is wrapped by current versions
and bare in older ones. Custom fields sit apart, as ``"custom": {view: {field: {"type", "value"}}}``.

The rest of the connector works on plain dicts: :func:`wrap` turns one into a request body, :func:`unwrap`
turns a response entity back, and :func:`field_errors` reads the per-field errors a refused PUT echoes back. A
value the server sends as a bare scalar, or one we would send bare, is refused by the server field by field,
so nothing outside this module builds or reads ``{"value": ...}``.

Plain-dict conventions:

* ``None`` means "not given" and is left out of the body (Acumatica keeps the stored value); :data:`NULL`
  clears a field explicitly (``{"value": null}``);
* a list of dicts is a detail array, a dict is a linked entity; both are wrapped row by row;
* ``Decimal`` goes out as a JSON number, ``date``/``datetime`` as ISO 8601 text; numbers with a fraction come
  back as ``Decimal`` (money is never a float here), everything else as JSON gives it;
* a field the server returns as ``{}`` (its way of saying null) comes back as ``None``;
* ``"custom": {view: {field: value}}`` plain, with the custom field type derived from the value's type.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

#: Fields the API never wraps.
SYSTEM_FIELDS: Final = frozenset({"id", "rowNumber", "delete", "files", "_links", "error"})
#: Custom fields carry their type on the way in; these are the Acumatica names for each Python type.
_CUSTOM_TYPES: Final[tuple[tuple[type, str], ...]] = (
    (bool, "CustomBooleanField"),
    (int, "CustomIntField"),
    (Decimal, "CustomDecimalField"),
    (float, "CustomDecimalField"),
    (dt.datetime, "CustomDateTimeField"),
    (dt.date, "CustomDateTimeField"),
    (str, "CustomStringField"),
)


class _Null:
    """The explicit null: ``{"Field": NULL}`` sends ``{"value": null}``, which clears the stored value."""

    def __repr__(self) -> str:
        return "NULL"


NULL: Final = _Null()


@dataclass(frozen=True)
class FieldError:
    """One error a refused entity carries: ``path`` names the field (``Details[2].InventoryID``), or is
    empty for the record-level message."""

    path: str
    message: str


# -- plain → API -------------------------------------------------------------------------------------------


def wrap(values: Mapping[str, Any]) -> dict[str, Any]:
    """A plain dict as the entity body the API expects (see the module conventions)."""
    body: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            continue
        if name in SYSTEM_FIELDS:
            body[name] = value
        elif name == "custom":
            body[name] = _wrap_custom(value)
        elif name == "note":
            body[name] = {"value": _scalar(value)}
        elif isinstance(value, Mapping):
            body[name] = wrap(value)
        elif isinstance(value, list | tuple):
            body[name] = [wrap(row) for row in value]
        else:
            body[name] = {"value": _scalar(value)}
    return body


def _scalar(value: Any) -> Any:
    if isinstance(value, _Null):
        return None
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise TypeError(f"cannot send {value} as an Acumatica number")
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float):
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"cannot send a {type(value).__name__} as an Acumatica field value")


def _wrap_custom(custom: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for view, fields in custom.items():
        out[view] = {name: {"type": _custom_type(value), "value": _scalar(value)}
                     for name, value in fields.items() if value is not None}
    return out


def _custom_type(value: Any) -> str:
    if isinstance(value, _Null):
        return "CustomStringField"
    return next((kind for python, kind in _CUSTOM_TYPES if isinstance(value, python)), "CustomStringField")


# -- API → plain -------------------------------------------------------------------------------------------


def unwrap(entity: Mapping[str, Any]) -> dict[str, Any]:
    """An entity from the API as a plain dict (see the module conventions); field errors are dropped here
    and read with :func:`field_errors`."""
    plain: dict[str, Any] = {}
    for name, value in entity.items():
        if name in SYSTEM_FIELDS:
            plain[name] = value
        elif name == "custom":
            plain[name] = _unwrap_custom(value)
        elif isinstance(value, Mapping):
            plain[name] = _unwrap_field(value)
        elif isinstance(value, list):
            plain[name] = [unwrap(row) if isinstance(row, Mapping) else row for row in value]
        else:  # a bare value: older versions send `note` this way
            plain[name] = _plain(value)
    return plain


def _unwrap_field(value: Mapping[str, Any]) -> Any:
    if "value" in value:
        return _plain(value["value"])
    if not value or set(value) <= {"error"}:
        return None  # `{}` is how the API shows a null field
    return unwrap(value)  # a linked entity (MainContact...)


def _plain(value: Any) -> Any:
    if isinstance(value, float):  # 12.0 reads as 12, 21.4 as 21.4: the digits JSON carried, never binary noise
        return Decimal(int(value)) if value.is_integer() else Decimal(repr(value))
    return value


def _unwrap_custom(custom: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(custom, Mapping):
        return {}
    out: dict[str, dict[str, Any]] = {}
    for view, fields in custom.items():
        if isinstance(fields, Mapping):
            out[view] = {name: _plain(field.get("value")) if isinstance(field, Mapping) else _plain(field)
                         for name, field in fields.items()}
    return out


def field_errors(entity: Any) -> list[FieldError]:
    """Every error an echoed entity carries, record level first: ``error`` on the record, ``error`` beside a
    field's value, and the same inside detail rows and linked entities (paths ``Details[1].InventoryID``,
    rows numbered from 1 as a person counts them)."""
    found: list[FieldError] = []
    if isinstance(entity, Mapping):
        _collect(entity, "", found)
    return found


def _collect(entity: Mapping[str, Any], prefix: str, found: list[FieldError]) -> None:
    record_error = entity.get("error")
    if isinstance(record_error, str) and record_error:
        found.append(FieldError(prefix.rstrip("."), record_error))
    for name, value in entity.items():
        if name in SYSTEM_FIELDS:
            continue
        if isinstance(value, Mapping):
            error = value.get("error")
            if "value" in value or set(value) <= {"error"}:
                if isinstance(error, str) and error:
                    found.append(FieldError(f"{prefix}{name}", error))
            else:
                _collect(value, f"{prefix}{name}.", found)
        elif isinstance(value, list):
            for number, row in enumerate(value, start=1):
                if isinstance(row, Mapping):
                    _collect(row, f"{prefix}{name}[{number}].", found)
