"""One Acumatica tenant's records and the rules a PUT runs into: matching, numbering, references, totals.

Values are stored unwrapped (`codec.py` does the `{"value": ...}` wrapping). A PUT builds the
candidate record, collects every field error at once (as Acumatica reports them all together)
and stores nothing unless there are none.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from simulators.acumatica.schema import (
    DETAIL_READ_ONLY,
    ENTITIES,
    PUT_ON_HOLD,
    RELEASE_FROM_HOLD,
    SCREENS,
    EntitySpec,
    iso,
    label,
    parse_date,
)
from simulators.acumatica.settings import AcumaticaSettings
from simulators.core.clock import Clock

PutMode = Literal["upsert", "insert", "update"]
NEW = "<NEW>"


@dataclass
class Row:
    id: str
    values: dict[str, Any]


@dataclass
class Attachment:
    id: str
    filename: str
    """As Acumatica lists it: screen, record keys, name [D]; composite keys joined by ", " [I]
    (`Sales Orders (SO, SO000001)\\a.pdf`)."""
    content: bytes


@dataclass
class Entity:
    spec: EntitySpec
    id: str
    values: dict[str, Any]
    linked: dict[str, dict[str, Any]] = field(default_factory=dict)
    details: list[Row] = field(default_factory=list)
    files: list[Attachment] = field(default_factory=list)
    state: str | None = None
    """Set by an action (released, cancelled); such a record can no longer be edited."""

    def key(self) -> tuple[str, ...]:
        return tuple(str(self.values.get(k) or "") for k in self.spec.keys)

    def status(self) -> str:
        if self.state is not None:
            return self.state
        return "On Hold" if self.values.get("Hold") else self.spec.open_status

    def view(self) -> dict[str, Any]:
        """The top-level values as the API shows them, computed fields included."""
        return {**self.values, "Status": self.status()} if "Status" in self.spec.fields else dict(self.values)


@dataclass
class IncomingRow:
    id: str | None
    values: dict[str, Any]
    delete: bool = False


@dataclass
class Incoming:
    """A PUT body, unwrapped, with the errors unwrapping found (bare values, bad types), reported with the rest."""

    id: str | None
    values: dict[str, Any]
    linked: dict[str, dict[str, Any]] = field(default_factory=dict)
    details: list[IncomingRow] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    row_errors: dict[int, dict[str, str]] = field(default_factory=dict)


class InvalidEntityError(Exception):
    """A refused PUT: field errors (top level, and per detail row of the request) and the record-level error."""

    def __init__(self, message: str, fields: dict[str, str] | None = None,
                 rows: dict[int, dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.rows = rows or {}


class PreconditionFailedError(Exception):
    """`If-None-Match: *` met an existing record, or `If-Match: *` a missing one."""


class ActionFailedError(Exception):
    """An action the record's state does not allow."""


@dataclass
class TenantStore:
    name: str
    clock: Clock
    settings: Callable[[], AcumaticaSettings]
    new_id: Callable[[], str]
    records: dict[str, list[Entity]] = field(default_factory=lambda: {name: [] for name in ENTITIES})

    # ---- reads ----

    def all(self, spec: EntitySpec) -> list[Entity]:
        return self.records[spec.name]

    def by_id(self, spec: EntitySpec, record_id: str) -> Entity | None:
        return next((e for e in self.records[spec.name] if e.id == record_id), None)

    def by_keys(self, spec: EntitySpec, keys: tuple[str, ...]) -> Entity | None:
        wanted = tuple(k.casefold() for k in keys)
        return next((e for e in self.records[spec.name] if tuple(k.casefold() for k in e.key()) == wanted), None)

    def file(self, file_id: str) -> Attachment | None:
        return next((f for records in self.records.values() for e in records for f in e.files if f.id == file_id),
                    None)

    # ---- writes ----

    def put(self, spec: EntitySpec, incoming: Incoming, mode: PutMode, business_date: datetime | None,
            *, seeding: bool = False, branch: str | None = None) -> Entity:
        """Insert or update one record; raises InvalidEntityError or PreconditionFailedError."""
        existing = self._match(spec, incoming)
        if existing is not None and mode == "insert":
            raise PreconditionFailedError(f"{spec.name} {'/'.join(existing.key())} already exists")
        if existing is None and mode == "update":
            raise PreconditionFailedError("No entity satisfies the condition.")
        if existing is not None and existing.state is not None:
            raise InvalidEntityError(f"The {spec.name} is {existing.state} and cannot be changed.")
        candidate, touched = self._candidate(spec, existing, incoming)
        if existing is None:
            self._number(spec, candidate, keep_given=seeding or self.settings().manual_numbering)
        self._default(spec, candidate, business_date)
        if branch is not None:  # the PX-CbApiBranch header: the branch a document gets unless it names one [C/I]
            for name in ("BranchID", "Branch"):
                if name in spec.fields and not candidate.values.get(name):
                    candidate.values[name] = branch
        self._validate(spec, candidate, existing, incoming, touched)
        self._compute(spec, candidate)
        candidate.values["LastModifiedDateTime"] = iso(self.clock.utcnow())
        if existing is None:
            self.records[spec.name].append(candidate)
        else:
            self.records[spec.name][self.records[spec.name].index(existing)] = candidate
        if spec.name in ("PurchaseOrder", "PurchaseReceipt"):
            self._recount_receipts()
        return candidate

    def delete(self, entity: Entity) -> None:
        self.records[entity.spec.name].remove(entity)
        if entity.spec.name == "PurchaseReceipt":
            self._recount_receipts()

    def attach(self, entity: Entity, name: str, content: bytes) -> None:
        """Attach a file; attaching the same name again replaces its content under the same id [I]."""
        filename = f"{SCREENS[entity.spec.name]} ({', '.join(entity.key())})\\{name}"
        current = next((f for f in entity.files if f.filename == filename), None)
        if current is None:
            entity.files.append(Attachment(self.new_id(), filename, content))
        else:
            current.content = content

    def act(self, entity: Entity, action: str) -> None:
        """Run an action at once (the API's 202 + poll then reports it done)."""
        spec = entity.spec
        if entity.state is not None:
            raise ActionFailedError(f"The {spec.name} is {entity.state}; {action} cannot run.")
        if action in (RELEASE_FROM_HOLD, PUT_ON_HOLD):
            entity.values["Hold"] = action == PUT_ON_HOLD
        elif entity.values.get("Hold"):
            raise ActionFailedError(f"The {spec.name} is on hold; {action} cannot run.")
        else:
            entity.state = spec.actions[action]
        entity.values["LastModifiedDateTime"] = iso(self.clock.utcnow())

    # ---- the steps of a PUT ----

    def _match(self, spec: EntitySpec, incoming: Incoming) -> Entity | None:
        """By `id` when given and known, else by the key fields (a missing auto-numbered key means a new one)."""
        if incoming.id is not None and (found := self.by_id(spec, incoming.id)) is not None:
            return found
        keys = tuple(str(incoming.values.get(k) or spec.defaults.get(k) or "") for k in spec.keys)
        if "" in keys or NEW in keys:
            return None
        return self.by_keys(spec, keys)

    def _candidate(
        self, spec: EntitySpec, existing: Entity | None, incoming: Incoming
    ) -> tuple[Entity, list[tuple[int, Row]]]:
        """The record as it would be stored, and the detail rows this request adds or changes."""
        writable = {k: v for k, v in incoming.values.items() if k not in spec.read_only}
        if existing is None:
            candidate = Entity(spec, self.new_id(), {**spec.defaults, **writable})
        else:
            candidate = copy.deepcopy(existing)
            candidate.values.update({k: v for k, v in writable.items() if k not in spec.keys})
        for name, values in incoming.linked.items():
            candidate.linked[name] = {**candidate.linked.get(name, {}), **values}
        touched: list[tuple[int, Row]] = []
        for index, row in enumerate(incoming.details):
            writable_row = {k: v for k, v in row.values.items() if k not in DETAIL_READ_ONLY}
            current = next((r for r in candidate.details if row.id is not None and r.id == row.id), None)
            if current is None and row.delete:
                continue
            if current is not None and row.delete:
                candidate.details.remove(current)
            elif current is not None:
                current.values.update(writable_row)
                touched.append((index, current))
            else:  # no id, or an unknown one: Acumatica appends the row
                new_row = Row(self.new_id(), writable_row)
                candidate.details.append(new_row)
                touched.append((index, new_row))
        return candidate, touched

    def _number(self, spec: EntitySpec, candidate: Entity, *, keep_given: bool) -> None:
        last = spec.keys[-1]
        given = str(candidate.values.get(last) or "")
        if spec.numbering is None or (keep_given and given not in ("", NEW)):
            return
        pattern = re.compile(re.escape(spec.numbering.split("{")[0]) + r"(\d+)$")
        taken = [int(m.group(1)) for e in self.records[spec.name] if (m := pattern.match(str(e.values.get(last))))]
        candidate.values[last] = spec.numbering.format(max(taken, default=0) + 1)

    def _default(self, spec: EntitySpec, candidate: Entity, business_date: datetime | None) -> None:
        if "Date" in spec.fields and not candidate.values.get("Date"):
            today = (business_date or self.clock.utcnow()).date()
            candidate.values["Date"] = iso(datetime(today.year, today.month, today.day, tzinfo=UTC))
        if "PostPeriod" in spec.fields and not candidate.values.get("PostPeriod"):
            moment = parse_date(candidate.values["Date"])
            candidate.values["PostPeriod"] = f"{moment.month:02d}{moment.year}"
        taken = [int(r.values.get("LineNbr") or 0) for r in candidate.details]
        for row in candidate.details:
            if "LineNbr" in spec.details and not row.values.get("LineNbr"):
                row.values["LineNbr"] = max(taken, default=0) + 1
                taken.append(row.values["LineNbr"])

    def _validate(
        self,
        spec: EntitySpec,
        candidate: Entity,
        existing: Entity | None,
        incoming: Incoming,
        touched: list[tuple[int, Row]],
    ) -> None:
        errors: dict[str, str] = {}
        for name in (*spec.keys, *spec.required):
            if candidate.values.get(name) in (None, ""):
                errors[name] = f"'{label(name)}' cannot be empty."
        for name, allowed in spec.choices.items():
            if candidate.values.get(name) not in allowed:
                errors[name] = f"'{candidate.values.get(name)}' is not a valid {label(name)}; use one of {allowed}."
        for name, target in spec.references.items():
            value = candidate.values.get(name)
            if value and name not in errors and self.by_keys(ENTITIES[target], (str(value),)) is None:
                errors[name] = f"'{label(name)}' cannot be found in the system."
        if spec.name == "Bill":
            errors.update(self._bill_errors(candidate, existing))
        errors.update(incoming.errors)
        rows = {index: {**self._row_errors(spec, candidate, row), **incoming.row_errors.get(index, {})}
                for index, row in touched}
        rows = {index: found for index, found in rows.items() if found}
        if errors or rows:
            verb = "Updating" if existing else "Inserting"
            message = f"{verb} '{spec.name}' record raised at least one error. Please review the errors."
            raise InvalidEntityError(message, errors, rows)

    def _bill_errors(self, bill: Entity, existing: Entity | None) -> dict[str, str]:
        errors: dict[str, str] = {}
        period = str(bill.values.get("PostPeriod"))
        if period in self.settings().closed_periods:
            errors["PostPeriod"] = f"Error: The {period[:2]}-{period[2:]} financial period is inactive."
        ref = str(bill.values.get("VendorRef") or "").casefold()
        if ref and self.settings().reject_duplicate_vendor_ref:
            for other in self.records["Bill"]:
                same_vendor = str(other.values.get("Vendor")).casefold() == str(bill.values.get("Vendor")).casefold()
                if other is not existing and same_vendor and str(other.values.get("VendorRef")).casefold() == ref:
                    errors["VendorRef"] = (
                        "A document with the same vendor reference number already exists for this vendor: "
                        f"{' '.join(other.key())}."
                    )
        return errors

    def _row_errors(self, spec: EntitySpec, parent: Entity, row: Row) -> dict[str, str]:
        errors: dict[str, str] = {}
        item = row.values.get("InventoryID")
        if item and self.by_keys(ENTITIES["StockItem"], (str(item),)) is None:
            errors["InventoryID"] = f"'{label('InventoryID')}' cannot be found in the system."
        if spec.name in ("Bill", "PurchaseReceipt") and row.values.get("POOrderNbr"):
            vendor = parent.values.get("Vendor" if spec.name == "Bill" else "VendorID")
            line_field = "POLine" if spec.name == "Bill" else "POLineNbr"
            errors.update(self._po_reference_errors(row, str(vendor), line_field))
        return errors

    def _po_reference_errors(self, row: Row, vendor: str, line_field: str) -> dict[str, str]:
        po_type = str(row.values.get("POOrderType") or "Normal")
        order = self.by_keys(ENTITIES["PurchaseOrder"], (po_type, str(row.values["POOrderNbr"])))
        if order is None:
            return {"POOrderNbr": f"'{label('POOrderNbr')}' cannot be found in the system."}
        if str(order.values.get("VendorID")).casefold() != vendor.casefold():
            return {"POOrderNbr": f"The purchase order belongs to vendor {order.values.get('VendorID')}."}
        line = row.values.get(line_field)
        if line is not None and all(r.values.get("LineNbr") != line for r in order.details):
            return {line_field: f"'{label(line_field)}' cannot be found in the system."}
        return {}

    @staticmethod
    def _compute(spec: EntitySpec, candidate: Entity) -> None:
        if spec.amounts is None:
            return
        a = spec.amounts
        for row in candidate.details:
            quantity, price = row.values.get(a.quantity), row.values.get(a.price)
            if quantity is not None and price is not None:
                row.values[a.amount] = round(quantity * price, 2)
        total = round(sum(r.values.get(a.amount) or 0.0 for r in candidate.details), 2)
        candidate.values.update(dict.fromkeys(a.totals, total))

    def _recount_receipts(self) -> None:
        """A PO line's ReceivedQty is the sum of the receipt lines that point at it."""
        received: dict[tuple[str, str, int], float] = {}
        for receipt in self.records["PurchaseReceipt"]:
            for row in receipt.details:
                if row.values.get("POOrderNbr") and row.values.get("POLineNbr") is not None:
                    key = (str(row.values.get("POOrderType") or "Normal").casefold(),
                           str(row.values["POOrderNbr"]).casefold(), int(row.values["POLineNbr"]))
                    received[key] = received.get(key, 0.0) + float(row.values.get("ReceiptQty") or 0.0)
        for order in self.records["PurchaseOrder"]:
            po_type, number = (k.casefold() for k in order.key())
            for row in order.details:
                row.values["ReceivedQty"] = received.get((po_type, number, int(row.values.get("LineNbr") or 0)), 0.0)
