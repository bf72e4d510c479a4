"""Canonical documents → QuickBooks work: a :class:`Plan` of qbXML requests per document (pure, no I/O).

QuickBooks is reached only through the Web Connector, so a document cannot be looked up and then posted in one
call: what must be asked first becomes an earlier step of its plan, and the request that creates the record is
built from the answers when the queue gets there:

* 810 → Bill: ``ItemQuery`` for the items the invoice lines name (when any), then ``BillAdd`` with an item line
  for each line whose item exists in QuickBooks and an expense line (the supplier's GL account and class from
  ``gl_accounts.csv``) for the others and for the allowances and charges;
* 850 → Purchase order: ``PurchaseOrderAdd``;
* 856 → Item receipt: ``PurchaseOrderQuery`` on the PO numbers, then ``ItemReceiptAdd`` linked to the open PO:
  ``LinkToTxnID`` when the shipment receives all that is open on it, else ``LinkToTxn`` per PO line shipped.

Every plan also knows its reconciliation query (:meth:`Plan.lookup`: the record's RefNumber, checked against the
vendor and date), which the queue runs before repeating a create whose answer never came back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from edi_assets.connectors.crossref import BUYER_QUALIFIERS, Resolution
from edi_assets.connectors.errors import MappingError
from edi_assets.connectors.quickbooks import qbxml
from edi_assets.documents import Invoice, ItemId, PurchaseOrder, ShipNotice

SYSTEM = "quickbooks"
ZERO = Decimal(0)

P = TypeVar("P", bound="_Plan")
_QUERIES: dict[str, Literal["PurchaseOrderQuery", "BillQuery", "ItemReceiptQuery"]] = {
    "Bill": "BillQuery", "PurchaseOrder": "PurchaseOrderQuery", "ItemReceipt": "ItemReceiptQuery",
}


class StepFailed(Exception):  # noqa: N818 (a verdict on the document, not a program error)
    """The document cannot go on with what QuickBooks answered (no open PO, an item not on it...)."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Plan(_Model):
    """What one document becomes in QuickBooks, step by step; stored by the queue as JSON."""

    record_kind: Literal["Bill", "PurchaseOrder", "ItemReceipt"]
    document: str  # "invoice INV-77": how a person names it
    vendor: str
    ref_number: str
    txn_date: dt.date

    @property
    def steps(self) -> int:
        return 1

    def request(self, step: int, results: Sequence[qbxml.Rs]) -> qbxml.Request:
        """The request of ``step``, given the answers to the steps before it; raises :class:`StepFailed`."""
        raise NotImplementedError

    def waits_for(self, earlier: Plan) -> bool:
        """Whether this plan's queries must wait for ``earlier``'s record to exist (the queue lets other queries
        run ahead of earlier documents' creates)."""
        return False

    def lookup(self) -> qbxml.TxnQuery:
        """The query that finds the record this plan creates, if it was created already."""
        return qbxml.TxnQuery(type=_QUERIES[self.record_kind], ref_numbers=[self.ref_number])

    def found(self, answer: qbxml.Rs) -> qbxml.Ret | None:
        """The record :meth:`lookup` found: same RefNumber, vendor and date (a reused number is another record)."""
        return next((ret for ret in answer.for_vendor(self.vendor)
                     if (ret.ref_number or "").casefold() == self.ref_number.casefold()
                     and ret.txn_date in (None, self.txn_date.isoformat())), None)


class BillLine(_Model):
    """An invoice line before QuickBooks says whether its item exists."""

    item: str | None  # our item, when the partner's ids map to one
    desc: str | None
    quantity: Decimal
    cost: Decimal
    amount: Decimal
    memo: str


class BillPlan(_Plan):
    record_kind: Literal["Bill"] = "Bill"
    bill: qbxml.BillAdd  # header, and expense lines for allowances and charges
    lines: list[BillLine]
    gl_account: str
    class_name: str | None = None

    @property
    def items(self) -> list[str]:
        return list(dict.fromkeys(line.item for line in self.lines if line.item))

    @property
    def steps(self) -> int:
        return 2 if self.items else 1

    def request(self, step: int, results: Sequence[qbxml.Rs]) -> qbxml.Request:
        if step == 0 and self.items:
            return qbxml.ItemQuery(full_names=self.items)
        existing = {(ret.full_name or ret.name or "").casefold() for ret in results[0].rets} if results else set()
        expenses, items = [], []
        for line in self.lines:
            if line.item and line.item.casefold() in existing:
                items.append(qbxml.ItemLine(item=line.item, desc=line.desc, quantity=line.quantity, cost=line.cost,
                                            amount=line.amount, class_name=self.class_name))
            else:
                expenses.append(qbxml.ExpenseLine(account=self.gl_account, amount=line.amount, memo=line.memo,
                                                  class_name=self.class_name))
        return self.bill.model_copy(update={"expense_lines": [*expenses, *self.bill.expense_lines],
                                            "item_lines": items})


class PurchaseOrderPlan(_Plan):
    record_kind: Literal["PurchaseOrder"] = "PurchaseOrder"
    order: qbxml.PurchaseOrderAdd

    def request(self, step: int, results: Sequence[qbxml.Rs]) -> qbxml.Request:
        return self.order


class ShippedLine(_Model):
    po_number: str
    item: str
    quantity: Decimal
    desc: str | None = None


class ItemReceiptPlan(_Plan):
    record_kind: Literal["ItemReceipt"] = "ItemReceipt"
    receipt: qbxml.ItemReceiptAdd  # header only; the links come from the purchase orders' lines
    po_numbers: list[str] = Field(min_length=1)
    lines: list[ShippedLine]

    @property
    def steps(self) -> int:
        return 2

    def request(self, step: int, results: Sequence[qbxml.Rs]) -> qbxml.Request:
        if step == 0:
            return qbxml.purchase_order_query(*self.po_numbers, include_line_items=True)
        header_links: list[str] = []
        item_lines: list[qbxml.ItemLine] = []
        for number in self.po_numbers:
            po = self._open_order(results[0], number)
            assert po.txn_id is not None
            shipped = [line for line in self.lines if line.po_number == number]
            lines, whole = _receive(po, number, shipped)
            if whole:
                header_links.append(po.txn_id)
            else:
                item_lines += lines
        return self.receipt.model_copy(update={"link_to_txn_ids": header_links, "item_lines": item_lines})

    def waits_for(self, earlier: Plan) -> bool:
        """A receipt waits for a purchase order of its own vendor and number still to be created."""
        return (isinstance(earlier, PurchaseOrderPlan) and earlier.vendor.casefold() == self.vendor.casefold()
                and earlier.ref_number.casefold() in {n.casefold() for n in self.po_numbers})

    def _open_order(self, answer: qbxml.Rs, number: str) -> qbxml.Ret:
        candidates = [ret for ret in answer.for_vendor(self.vendor)
                      if (ret.ref_number or "").casefold() == number.casefold() and ret.txn_id]
        open_ = [ret for ret in candidates if not ret.is_fully_received and not ret.is_manually_closed]
        if not open_:
            state = "is fully received or closed" if candidates else "does not exist"
            raise StepFailed(f"purchase order {number} of {self.vendor} {state} in QuickBooks: nothing to receive "
                             f"{self.document} against")
        if len(open_) > 1:
            ids = ", ".join(str(ret.txn_id) for ret in open_)
            raise StepFailed(f"purchase order {number} of {self.vendor} is open {len(open_)} times in QuickBooks "
                             f"(TxnIDs {ids}): receive {self.document} by hand")
        return open_[0]


def _receive(po: qbxml.Ret, number: str, shipped: list[ShippedLine]) -> tuple[list[qbxml.ItemLine], bool]:
    """Lines receiving ``shipped`` against the PO's open lines (same item, first open line first), and whether
    they receive exactly what is open on the whole PO (then one header LinkToTxnID says the same)."""
    assert po.txn_id is not None
    if not shipped:
        return [], True
    left = {line.txn_line_id: line.open_quantity for line in po.lines if line.txn_line_id}
    lines: list[qbxml.ItemLine] = []
    over = False
    for ship in shipped:
        same_item = [line for line in po.lines if line.txn_line_id and (line.item or "").casefold() ==
                     ship.item.casefold() and left[line.txn_line_id] > ZERO]
        if not same_item:
            raise StepFailed(f"item {ship.item} is not open on purchase order {number}")
        need = ship.quantity
        for index, line in enumerate(same_item):
            assert line.txn_line_id is not None
            take = need if index == len(same_item) - 1 else min(need, left[line.txn_line_id])
            if take <= ZERO:
                continue
            over = over or take > left[line.txn_line_id]
            left[line.txn_line_id] = max(left[line.txn_line_id] - take, ZERO)
            need -= take
            lines.append(qbxml.ItemLine(item=ship.item, desc=ship.desc, quantity=take,
                                        link=qbxml.LineLink(txn_id=po.txn_id, txn_line_id=line.txn_line_id)))
    return lines, not over and all(value == ZERO for value in left.values())


Plan = Annotated[BillPlan | PurchaseOrderPlan | ItemReceiptPlan, Field(discriminator="record_kind")]
PLAN: TypeAdapter[Plan] = TypeAdapter(Plan)


# -- canonical documents → plans ------------------------------------------------------------------------


def _complete(resolution: Resolution, document: str, build: Callable[[], P]) -> P:
    """The plan, once every key mapped; lookups that missed and values QuickBooks would refuse (a name too long)
    are one MappingError, so a person fixes them all at once."""
    missing = list(resolution.missing)
    if not missing:
        try:
            return build()
        except ValidationError as exc:
            missing = [str(error["msg"]).removeprefix("Value error, ") for error in exc.errors()]
    raise MappingError(missing, system=SYSTEM, document=document, partner=resolution.partner)


def _candidate_item(resolution: Resolution, ids: Sequence[ItemId]) -> str | None:
    """Our item for a line, when the partner's ids map to one; unlike ``Resolution.item`` not a miss when not:
    an invoice line without a known item is still billed, to the supplier's expense account."""
    for item in ids:
        found = resolution.xref.items.get((resolution.partner, item.value))
        if found is not None:
            return found
    return next((i.value for q in BUYER_QUALIFIERS for i in ids if i.qualifier == q), None)


def _extended(quantity: Decimal, price: Decimal) -> Decimal:
    return (quantity * price).quantize(Decimal("0.01"))


def _due_date(invoice: Invoice) -> dt.date | None:
    days = next((t.net_days for t in invoice.terms if t.net_days is not None), None)
    return invoice.invoice_date + dt.timedelta(days=days) if days is not None else None


def bill_plan(invoice: Invoice, resolution: Resolution, *, ap_account: str | None) -> BillPlan:
    """810 → Bill of the supplier, RefNumber the invoice number, dated the invoice date."""
    document = f"invoice {invoice.invoice_number}"
    vendor = resolution.party("supplier")
    gl = resolution.gl_account()
    lines: list[BillLine] = []
    for index, line in enumerate(invoice.lines, start=1):
        number = line.line_number or str(index)
        if line.unit_price is None:
            resolution.missing.append(f"unit price of line {number} (IT104)")
            continue
        item = _candidate_item(resolution, line.item_ids)
        shown = item or ", ".join(f"{i.qualifier} {i.value}" for i in line.item_ids) or f"line {number}"
        memo = f"{shown}: {line.description + ', ' if line.description else ''}" \
               f"{qbxml.quantity(line.quantity)} {line.unit} @ {qbxml.price(line.unit_price)}"
        lines.append(BillLine(item=item, desc=line.description, quantity=line.quantity, cost=line.unit_price,
                              amount=_extended(line.quantity, line.unit_price), memo=memo))
    memo = f"EDI 810{f', PO {invoice.po_number}' if invoice.po_number else ''}"

    def build() -> BillPlan:
        charges = [
            qbxml.ExpenseLine(account=gl.account, amount=charge.amount if charge.indicator == "C" else -charge.amount,
                              memo=charge.description or _charge_name(charge.indicator, charge.code),
                              class_name=gl.class_name)
            for charge in invoice.allowances_charges if charge.amount
        ]
        return BillPlan(
            document=document, vendor=vendor, ref_number=invoice.invoice_number, txn_date=invoice.invoice_date,
            gl_account=gl.account, class_name=gl.class_name, lines=lines,
            bill=qbxml.BillAdd(vendor=vendor, ap_account=ap_account, txn_date=invoice.invoice_date,
                               due_date=_due_date(invoice), ref_number=invoice.invoice_number, memo=memo,
                               expense_lines=charges),
        )

    return _complete(resolution, document, build)


def _charge_name(indicator: str, code: str | None) -> str:
    return f"{'charge' if indicator == 'C' else 'allowance'} {code or ''}".strip()


def purchase_order_plan(order: PurchaseOrder, resolution: Resolution) -> PurchaseOrderPlan:
    """850 → Purchase order to the supplier, RefNumber the PO number; every line's item must map."""
    document = f"purchase order {order.po_number}"
    vendor = resolution.party("supplier")
    gl = resolution.xref.gl_accounts.get(resolution.partner)  # the supplier's class, where it has one
    items = [resolution.item(line.item_ids, line=line.line_number or str(index))
             for index, line in enumerate(order.lines, start=1)]
    expected = next((d.date for d in order.dates if d.qualifier in ("002", "010", "037")), None)
    return _complete(resolution, document, lambda: PurchaseOrderPlan(
        document=document, vendor=vendor, ref_number=order.po_number, txn_date=order.po_date,
        order=qbxml.PurchaseOrderAdd(vendor=vendor, class_name=gl.class_name if gl else None, txn_date=order.po_date,
                                     ref_number=order.po_number, expected_date=expected, memo="EDI 850",
                                     lines=[qbxml.PurchaseOrderLine(item=item, desc=line.description,
                                                                    quantity=line.quantity, rate=line.unit_price)
                                            for item, line in zip(items, order.lines, strict=True)]),
    ))


def item_receipt_plan(notice: ShipNotice, resolution: Resolution, *, ap_account: str | None) -> ItemReceiptPlan:
    """856 → Item receipt of the supplier, RefNumber the shipment id, received against the open purchase order."""
    document = f"ship notice {notice.shipment_id}"
    vendor = resolution.party("supplier")
    po_numbers = list(dict.fromkeys([*(o.po_number for o in notice.orders),
                                     *(i.po_number for i in notice.items if i.po_number)]))
    if not po_numbers:
        resolution.missing.append("purchase order number (PRF01) of the shipment")
    lines = []
    for index, shipped in enumerate(notice.items, start=1):
        item = resolution.item(shipped.item_ids, line=shipped.line_number or str(index))
        po_number = shipped.po_number or (po_numbers[0] if len(po_numbers) == 1 else None)
        if po_number is None:
            resolution.missing.append(f"purchase order of item line {shipped.line_number or index}")
            continue
        lines.append(ShippedLine(po_number=po_number, item=item, quantity=shipped.quantity, desc=shipped.description))
    bol = notice.reference("BM")
    memo = f"EDI 856, shipment {notice.shipment_id}{f', BOL {bol}' if bol else ''}"
    txn_date = notice.shipped_date or notice.ship_notice_date
    return _complete(resolution, document, lambda: ItemReceiptPlan(
        document=document, vendor=vendor, ref_number=notice.shipment_id, txn_date=txn_date,
        po_numbers=po_numbers, lines=lines,
        receipt=qbxml.ItemReceiptAdd(vendor=vendor, ap_account=ap_account, txn_date=txn_date,
                                     ref_number=notice.shipment_id, memo=memo),
    ))
