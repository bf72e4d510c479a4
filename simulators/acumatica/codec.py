"""The contract-based API's JSON: every field wrapped as `{"value": ...}`, system fields bare.

Unwrapping never fails outright: a bare value or a value of the wrong type becomes that field's
error, reported on the echoed entity together with the business-rule errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from simulators.acumatica.schema import EntitySpec, coerce
from simulators.acumatica.store import Entity, Incoming, IncomingRow, InvalidEntityError

SYSTEM = frozenset({"id", "rowNumber", "note", "custom", "files", "_links", "error", "delete"})
BARE_VALUE = 'The value must be an object: {"value": ...}.'


def unwrap(spec: EntitySpec, body: dict[str, Any], *, ignore_unknown: bool) -> Incoming:
    """A request entity (`{"Field": {"value": ...}, "Details": [...]}`) in plain values."""
    incoming = Incoming(id=_bare_id(body), values={})
    incoming.values = _fields(body, spec.fields, spec.name, incoming.errors, ignore_unknown,
                              skip=frozenset({"Details", *spec.linked}))
    for name, allowed in spec.linked.items():
        if isinstance(body.get(name), dict):
            incoming.linked[name] = _fields(body[name], allowed, name, incoming.errors, ignore_unknown)
    rows = body.get("Details")
    if spec.details and rows is not None:
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            incoming.errors["Details"] = "Details must be a list of objects."
            rows = []
        for index, raw in enumerate(rows):
            errors: dict[str, str] = {}
            values = _fields(raw, spec.details, "Details", errors, ignore_unknown)
            incoming.details.append(IncomingRow(_bare_id(raw), values, raw.get("delete") is True))
            if errors:
                incoming.row_errors[index] = errors
    return incoming


def plain(spec: EntitySpec, data: dict[str, Any]) -> Incoming:
    """Scenario seed data (unwrapped values) as an incoming entity, through the same type checks."""
    wrapped = {k: ({"value": v} if k in spec.fields else v) for k, v in data.items() if k != "Details"}
    for name in spec.linked:
        if isinstance(data.get(name), dict):
            wrapped[name] = {k: {"value": v} for k, v in data[name].items()}
    wrapped["Details"] = [{k: {"value": v} for k, v in row.items()} for row in data.get("Details") or []]
    return unwrap(spec, wrapped, ignore_unknown=False)


def render(entity: Entity, href: str, expand: Iterable[str], select: frozenset[str] | None,
           row_number: int = 1) -> dict[str, Any]:
    """An entity as the API returns it: fields in name order; details, linked entities and files only when
    expanded (`$expand=files` [D])."""
    spec, expanded = entity.spec, set(expand)
    shown = {k: v for k, v in entity.view().items() if select is None or k in select}
    out: dict[str, Any] = {"id": entity.id, "rowNumber": row_number, "note": {"value": ""}}
    out.update(_wrap(shown))
    if "Details" in expanded and spec.details:
        out["Details"] = [
            {"id": row.id, "rowNumber": n, "note": {"value": ""}, **_wrap(row.values), "custom": {}}
            for n, row in enumerate(entity.details, start=1)
        ]
    for name in spec.linked:
        if name in expanded:
            out[name] = {"id": f"{entity.id}-{name}", "rowNumber": 1, **_wrap(entity.linked.get(name, {})),
                         "custom": {}}
    if "files" in expanded:
        endpoint = href.rpartition("/")[0]
        out["files"] = [{"id": f.id, "filename": f.filename, "href": f"{endpoint}/files/{f.id}"} for f in entity.files]
    out["custom"] = {}
    out["_links"] = {"self": f"{href}/{entity.id}", "files:put": f"{href}/{entity.id}/files/{{filename}}"}
    return out


def template(spec: EntitySpec, custom: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    """`$adHocSchema`: every field as `{"value": null}`, one template row per detail and linked entity, and
    `custom` listing the instance's custom fields (view -> field -> type) [third-party]."""
    out: dict[str, Any] = {"rowNumber": 1, "note": {"value": None}, **_blank(spec.fields)}
    if spec.details:
        out["Details"] = [{"rowNumber": 1, "note": {"value": None}, **_blank(spec.details), "custom": {}}]
    for name, fields in spec.linked.items():
        out[name] = {"rowNumber": 1, **_blank(fields), "custom": {}}
    out["custom"] = {view: {name: {"type": kind, "value": None} for name, kind in fields.items()}
                     for view, fields in custom.items()}
    return out


def render_invalid(spec: EntitySpec, body: dict[str, Any], error: InvalidEntityError) -> dict[str, Any]:
    """The request entity echoed with `error` on each field that failed and on the record."""
    out = _echo(body, error.fields)
    rows = body.get("Details")
    if spec.details and isinstance(rows, list):
        out["Details"] = [_echo(r, error.rows.get(i, {})) if isinstance(r, dict) else r for i, r in enumerate(rows)]
    for name, message in error.fields.items():
        out.setdefault(name, {"value": None, "error": message})
    out["error"] = error.message
    return out


def _fields(
    raw: dict[str, Any], allowed: frozenset[str], owner: str, errors: dict[str, str], ignore_unknown: bool,
    skip: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, wrapped in raw.items():
        if name in SYSTEM or name in skip:
            continue
        if name not in allowed:
            if not ignore_unknown:
                errors[name] = f"'{name}' is not a field of {owner}."
            continue
        if not isinstance(wrapped, dict):
            errors[name] = BARE_VALUE
        elif "value" in wrapped:
            try:
                values[name] = coerce(name, wrapped["value"])
            except ValueError as exc:
                errors[name] = str(exc)
    return values


def _bare_id(raw: dict[str, Any]) -> str | None:
    value = raw.get("id")
    return value if isinstance(value, str) and value else None


def _wrap(values: dict[str, Any]) -> dict[str, Any]:
    return {name: {"value": values[name]} for name in sorted(values) if values[name] is not None}


def _blank(names: Iterable[str]) -> dict[str, Any]:
    return {name: {"value": None} for name in sorted(names)}


def _echo(raw: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in raw.items():
        if name in SYSTEM:
            out[name] = value
        elif name in errors:
            shown = value.get("value") if isinstance(value, dict) else value
            out[name] = {"value": shown, "error": errors[name]}
        else:
            out[name] = value
    return out
