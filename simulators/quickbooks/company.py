"""The QuickBooks company file: list objects and transactions, with QuickBooks' identities and edit rules.

ListID/TxnID, TimeCreated/TimeModified and EditSequence come from the simulator clock. Every Mod bumps
EditSequence, and a Mod carrying an older one is refused (3200). Receiving against a purchase order (an
item receipt, or a bill linked to it) raises the PO lines' received quantities, as QuickBooks does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import PureWindowsPath
from typing import Any, Literal

from simulators.core.clock import Clock
from simulators.quickbooks import status
from simulators.quickbooks.settings import QuickBooksSettings

ListKind = Literal["Vendor", "Account", "Class", "ItemInventory", "ItemNonInventory", "ItemService"]
TxnKind = Literal["PurchaseOrder", "Bill", "ItemReceipt"]
ReceivingKind = Literal["Bill", "ItemReceipt"]
FieldValue = str | dict[str, str]

_ID = re.compile(r"^[0-9A-F]{1,8}-[0-9]{1,10}$")
_LIST_ID_BASE = 0x80000000
ZERO = Decimal(0)


def family(kind: str) -> str:
    """Names are unique within a family: all item types share one name space."""
    return "Item" if kind.startswith("Item") else kind


def check_id(value: str, field_name: str) -> None:
    """A ListID/TxnID QuickBooks could have issued, else 3000 (before looking it up at all)."""
    if not _ID.match(value):
        raise status.invalid_id(value, field_name)


@dataclass
class Ref:
    """A reference as QuickBooks returns it: the ListID and the full name."""

    list_id: str
    full_name: str


@dataclass
class ListObject:
    """A vendor, account, class or item. `fields` holds the other elements by their qbXML names."""

    kind: ListKind
    list_id: str
    name: str
    time_created: float
    time_modified: float
    edit_sequence: str
    is_active: bool = True
    fields: dict[str, FieldValue] = field(default_factory=dict)
    quantity_on_hand: Decimal | None = None

    def ref(self) -> Ref:
        return Ref(self.list_id, self.name)


@dataclass
class TxnLine:
    """An item line (PO, bill, receipt) or an expense line (bill, receipt)."""

    txn_line_id: str
    item: Ref | None = None
    account: Ref | None = None
    desc: str | None = None
    quantity: Decimal | None = None
    price: Decimal | None = None
    amount: Decimal = ZERO
    class_ref: Ref | None = None
    memo: str | None = None
    received: Decimal = ZERO
    link: tuple[str, str] | None = None

    def open_quantity(self) -> Decimal:
        return max((self.quantity or ZERO) - self.received, ZERO)


@dataclass
class Txn:
    """A purchase order, bill or item receipt; `linked` holds the TxnIDs linked to it either way."""

    kind: TxnKind
    txn_id: str
    txn_number: int
    time_created: float
    time_modified: float
    edit_sequence: str
    vendor: Ref
    txn_date: date
    ref_number: str | None = None
    due_date: date | None = None
    expected_date: date | None = None
    memo: str | None = None
    class_ref: Ref | None = None
    ap_account: Ref | None = None
    item_lines: list[TxnLine] = field(default_factory=list)
    expense_lines: list[TxnLine] = field(default_factory=list)
    linked: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in [*self.item_lines, *self.expense_lines]), ZERO)

    @property
    def fully_received(self) -> bool:
        return all(line.open_quantity() == ZERO for line in self.item_lines)


@dataclass
class LineInput:
    """A line of an Add request, its references already resolved."""

    item: ListObject | None = None
    account: ListObject | None = None
    desc: str | None = None
    quantity: Decimal | None = None
    price: Decimal | None = None
    amount: Decimal | None = None
    class_ref: ListObject | None = None
    memo: str | None = None
    link: tuple[str, str] | None = None


@dataclass
class TxnInput:
    """The header and lines of an Add request, its references already resolved."""

    vendor: ListObject
    txn_date: date
    ref_number: str | None = None
    due_date: date | None = None
    expected_date: date | None = None
    memo: str | None = None
    class_ref: ListObject | None = None
    ap_account: ListObject | None = None
    link_txn_ids: list[str] = field(default_factory=list)
    item_lines: list[LineInput] = field(default_factory=list)
    expense_lines: list[LineInput] = field(default_factory=list)


def _extended(quantity: Decimal | None, price: Decimal | None) -> Decimal:
    if quantity is None or price is None:
        return ZERO
    return (quantity * price).quantize(Decimal("0.01"))


def _ref(obj: ListObject | None) -> Ref | None:
    return obj.ref() if obj is not None else None


class CompanyFile:
    """One .qbw file: its lists, its transactions and the counters behind their identities."""

    def __init__(self, clock: Clock, path: str) -> None:
        self.clock = clock
        self.path = path
        self.lists: dict[str, ListObject] = {}
        self.txns: dict[str, Txn] = {}
        self._serial = 0
        self._txn_number = 0

    @property
    def name(self) -> str:
        return PureWindowsPath(self.path).stem

    # identities -----------------------------------------------------------------------------------

    def _new_id(self, base: int = 0) -> str:
        self._serial += 1
        return f"{base + self._serial:X}-{int(self.clock.now())}"

    def _edit_sequence(self, previous: str | None = None) -> str:
        """Unix-time-like; a Mod always moves it on, even twice within one second."""
        now = int(self.clock.now())
        return str(now if previous is None else max(now, int(previous) + 1))

    # lists ----------------------------------------------------------------------------------------

    def by_name(self, family_name: str, name: str) -> ListObject | None:
        """QuickBooks names compare case-insensitively."""
        wanted = name.casefold()
        return next(
            (o for o in self.lists.values() if family(o.kind) == family_name and o.name.casefold() == wanted), None
        )

    def by_id(self, family_name: str, list_id: str) -> ListObject | None:
        found = self.lists.get(list_id)
        return found if found is not None and family(found.kind) == family_name else None

    def add_list(
        self,
        kind: ListKind,
        name: str,
        fields: dict[str, FieldValue] | None = None,
        *,
        is_active: bool = True,
        quantity_on_hand: Decimal | None = None,
    ) -> ListObject:
        if self.by_name(family(kind), name) is not None:
            raise status.name_in_use(name)
        now = self.clock.now()
        obj = ListObject(
            kind, self._new_id(_LIST_ID_BASE), name, now, now, self._edit_sequence(), is_active,
            dict(fields or {}), quantity_on_hand,
        )
        self.lists[obj.list_id] = obj
        return obj

    def mod_list(
        self,
        family_name: str,
        list_id: str,
        edit_sequence: str,
        *,
        name: str | None = None,
        is_active: bool | None = None,
        fields: dict[str, FieldValue] | None = None,
    ) -> ListObject:
        """Change a list object; only the EditSequence it was last read with is accepted."""
        check_id(list_id, "ListID")
        obj = self.by_id(family_name, list_id)
        if obj is None:
            raise status.not_found(list_id)
        if edit_sequence != obj.edit_sequence:
            raise status.stale_edit_sequence(edit_sequence)
        if name is not None:
            clash = self.by_name(family_name, name)
            if clash is not None and clash is not obj:
                raise status.name_in_use(name)
            obj.name = name
        if is_active is not None:
            obj.is_active = is_active
        obj.fields.update(fields or {})
        obj.time_modified = self.clock.now()
        obj.edit_sequence = self._edit_sequence(obj.edit_sequence)
        return obj

    # transactions ---------------------------------------------------------------------------------

    def add_purchase_order(self, data: TxnInput, settings: QuickBooksSettings) -> Txn:
        _check_saveable("PurchaseOrder", data.txn_date, settings, has_lines=bool(data.item_lines))
        lines = [self._line(li) for li in data.item_lines]
        ref_number = data.ref_number or self._next_po_number()
        return self._store("PurchaseOrder", data, ref_number, lines, [])

    def add_receiving(self, kind: ReceivingKind, data: TxnInput, settings: QuickBooksSettings) -> Txn:
        """A bill or item receipt; lines linked to a PO raise its received quantities.

        A header LinkToTxnID either copies every open PO line (`copy_open_lines`) or lets item lines of
        the same items receive against it (`match_item_lines`); a line's own LinkToTxn names the PO line.
        """
        pos = {txn_id: self._linkable_po(kind, txn_id, data.vendor) for txn_id in data.link_txn_ids}
        pending: dict[tuple[str, str], Decimal] = {}
        item_lines: list[TxnLine] = []
        if settings.link_to_txn_id == "copy_open_lines":
            for po in pos.values():
                for po_line in po.item_lines:
                    if po_line.open_quantity() > ZERO:
                        item_lines.append(self._receive(LineInput(), po, po_line, pending))
        for li in data.item_lines:
            if li.link is not None:
                po = pos.get(li.link[0]) or self._linkable_po(kind, li.link[0], data.vendor)
                pos[po.txn_id] = po
                item_lines.append(self._receive(li, po, self._po_line(po, li.link[1]), pending))
                continue
            by_item = settings.link_to_txn_id == "match_item_lines"
            match = self._matching_line(pos.values(), li, pending) if by_item else None
            item_lines.append(self._receive(li, *match, pending) if match else self._line(li))
        expense_lines = [self._line(li) for li in data.expense_lines]
        _check_saveable(kind, data.txn_date, settings, has_lines=bool(item_lines or expense_lines))
        txn = self._store(kind, data, data.ref_number, item_lines, expense_lines)
        for (po_id, line_id), quantity in pending.items():
            po = self.txns[po_id]
            self._po_line(po, line_id).received += quantity
            if txn.txn_id not in po.linked:
                po.linked.append(txn.txn_id)
                txn.linked.append(po_id)
        for line in item_lines:
            item = self.lists.get(line.item.list_id) if line.item else None
            if item is not None and item.quantity_on_hand is not None:
                item.quantity_on_hand += line.quantity or ZERO
        return txn

    def _linkable_po(self, kind: ReceivingKind, txn_id: str, vendor: ListObject) -> Txn:
        check_id(txn_id, "LinkToTxnID")
        po = self.txns.get(txn_id)
        if po is None:
            raise status.not_found(txn_id)
        if po.kind != "PurchaseOrder":
            raise status.save_failed(kind, f"A {kind} cannot be linked to a {po.kind}.")
        if po.vendor.list_id != vendor.list_id:
            raise status.save_failed(kind, "The purchase order to link belongs to a different vendor.")
        return po

    @staticmethod
    def _po_line(po: Txn, txn_line_id: str) -> TxnLine:
        line = next((line for line in po.item_lines if line.txn_line_id == txn_line_id), None)
        if line is None:
            raise status.not_found(txn_line_id)
        return line

    @staticmethod
    def _matching_line(
        pos: Iterable[Txn], li: LineInput, pending: dict[tuple[str, str], Decimal]
    ) -> tuple[Txn, TxnLine] | None:
        if li.item is None:
            return None
        for po in pos:
            for po_line in po.item_lines:
                still_open = po_line.open_quantity() - pending.get((po.txn_id, po_line.txn_line_id), ZERO)
                if po_line.item and po_line.item.list_id == li.item.list_id and still_open > ZERO:
                    return po, po_line
        return None

    def _receive(
        self, li: LineInput, po: Txn, po_line: TxnLine, pending: dict[tuple[str, str], Decimal]
    ) -> TxnLine:
        """A line receiving against `po_line`: item, description and price default to the PO's."""
        key = (po.txn_id, po_line.txn_line_id)
        quantity = li.quantity if li.quantity is not None else po_line.open_quantity() - pending.get(key, ZERO)
        pending[key] = pending.get(key, ZERO) + quantity
        line = self._line(li, quantity=quantity, default=po_line)
        line.link = key
        return line

    def _line(self, li: LineInput, *, quantity: Decimal | None = None, default: TxnLine | None = None) -> TxnLine:
        """A stored line; what `li` leaves out comes from `default` (the PO line received against)."""
        price = li.price if li.price is not None else (default.price if default else self._purchase_cost(li.item))
        quantity = quantity if quantity is not None else li.quantity
        amount = li.amount if li.amount is not None else _extended(quantity, price)
        return TxnLine(
            self._new_id(),
            item=li.item.ref() if li.item else (default.item if default else None),
            account=_ref(li.account),
            desc=li.desc or (default.desc if default else None),
            quantity=quantity,
            price=price,
            amount=amount,
            class_ref=_ref(li.class_ref) or (default.class_ref if default else None),
            memo=li.memo,
        )

    @staticmethod
    def _purchase_cost(item: ListObject | None) -> Decimal | None:
        cost = item.fields.get("PurchaseCost") if item else None
        return Decimal(cost) if isinstance(cost, str) else None

    def _next_po_number(self) -> str:
        numbers = [
            int(t.ref_number) for t in self.txns.values()
            if t.kind == "PurchaseOrder" and t.ref_number is not None and t.ref_number.isdigit()
        ]
        return str(max(numbers, default=0) + 1)

    def _store(
        self, kind: TxnKind, data: TxnInput, ref_number: str | None, items: list[TxnLine], expenses: list[TxnLine]
    ) -> Txn:
        now = self.clock.now()
        self._txn_number += 1
        txn = Txn(
            kind, self._new_id(), self._txn_number, now, now, self._edit_sequence(), data.vendor.ref(),
            data.txn_date, ref_number, data.due_date or (data.txn_date if kind == "Bill" else None),
            data.expected_date, data.memo, _ref(data.class_ref), _ref(data.ap_account), items, expenses,
        )
        self.txns[txn.txn_id] = txn
        return txn

    # state ----------------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Everything in the file, JSON-ready (for `/_sim/state`)."""
        return {
            "path": self.path,
            "lists": [_plain(o) for o in self.lists.values()],
            "transactions": [_plain(t) for t in self.txns.values()],
        }


def _check_saveable(kind: TxnKind, txn_date: date, settings: QuickBooksSettings, *, has_lines: bool) -> None:
    if settings.closing_date is not None and txn_date <= settings.closing_date:
        raise status.save_failed(kind, "The transaction date is on or before the closing date.")
    if not has_lines:
        raise status.save_failed(kind, "The transaction is empty.")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal | date):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    return value
