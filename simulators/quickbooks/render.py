"""The Ret aggregates of qbXML responses, elements in the order QuickBooks writes them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from decimal import Decimal

from simulators.quickbooks.company import CompanyFile, FieldValue, ListObject, Ref, Txn, TxnLine
from simulators.quickbooks.schema import VENDOR_FIELDS

RET_FIELDS: dict[str, tuple[str, ...]] = {
    "Vendor": tuple(f for f in VENDOR_FIELDS if f != "IsActive"),
    "Account": ("AccountType", "AccountNumber", "Desc"),
    "Class": (),
    "ItemInventory": ("SalesDesc", "SalesPrice", "PurchaseDesc", "PurchaseCost"),
    "ItemNonInventory": ("SalesOrPurchase",),
    "ItemService": ("SalesOrPurchase",),
}
"""The stored fields each list object's Ret carries after its common head, in order."""


def timestamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


def amount(value: Decimal) -> str:
    return f"{value:.2f}"


def price(value: Decimal | None) -> str | None:
    """Rates and costs keep up to five decimals, at least two."""
    if value is None:
        return None
    return amount(value) if value == value.quantize(Decimal("0.01")) else format(value.normalize(), "f")


def quantity(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _leaf(parent: ET.Element, tag: str, text: str | None) -> None:
    if text is not None:
        ET.SubElement(parent, tag).text = text


def _field(parent: ET.Element, tag: str, value: FieldValue | None) -> None:
    if isinstance(value, dict):
        aggregate = ET.SubElement(parent, tag)
        for key, text in value.items():
            _leaf(aggregate, key, text)
    else:
        _leaf(parent, tag, value)


def _ref(parent: ET.Element, tag: str, ref: Ref | None) -> None:
    if ref is not None:
        _field(parent, tag, {"ListID": ref.list_id, "FullName": ref.full_name})


def list_ret(obj: ListObject) -> ET.Element:
    ret = ET.Element(f"{obj.kind}Ret")
    _leaf(ret, "ListID", obj.list_id)
    _leaf(ret, "TimeCreated", timestamp(obj.time_created))
    _leaf(ret, "TimeModified", timestamp(obj.time_modified))
    _leaf(ret, "EditSequence", obj.edit_sequence)
    _leaf(ret, "Name", obj.name)
    if obj.kind != "Vendor":
        _leaf(ret, "FullName", obj.name)
    _leaf(ret, "IsActive", "true" if obj.is_active else "false")
    if obj.kind != "Vendor":
        _leaf(ret, "Sublevel", "0")
    for tag in RET_FIELDS[obj.kind]:
        _field(ret, tag, obj.fields.get(tag))
    if obj.quantity_on_hand is not None:
        _leaf(ret, "QuantityOnHand", quantity(obj.quantity_on_hand))
    return ret


def txn_ret(txn: Txn, company: CompanyFile, *, lines: bool, linked: bool) -> ET.Element:
    ret = ET.Element(f"{txn.kind}Ret")
    _leaf(ret, "TxnID", txn.txn_id)
    _leaf(ret, "TimeCreated", timestamp(txn.time_created))
    _leaf(ret, "TimeModified", timestamp(txn.time_modified))
    _leaf(ret, "EditSequence", txn.edit_sequence)
    _leaf(ret, "TxnNumber", str(txn.txn_number))
    _ref(ret, "VendorRef", txn.vendor)
    if txn.kind == "PurchaseOrder":
        _purchase_order_head(ret, txn)
    elif txn.kind == "Bill":
        _ref(ret, "APAccountRef", txn.ap_account)
        _leaf(ret, "TxnDate", txn.txn_date.isoformat())
        _leaf(ret, "DueDate", txn.due_date.isoformat() if txn.due_date else None)
        _leaf(ret, "AmountDue", amount(txn.total))
        _leaf(ret, "RefNumber", txn.ref_number)
        _leaf(ret, "Memo", txn.memo)
        _leaf(ret, "IsPaid", "false")
    else:
        _ref(ret, "APAccountRef", txn.ap_account)
        _leaf(ret, "TxnDate", txn.txn_date.isoformat())
        _leaf(ret, "TotalAmount", amount(txn.total))
        _leaf(ret, "RefNumber", txn.ref_number)
        _leaf(ret, "Memo", txn.memo)
    if linked:
        for txn_id in txn.linked:
            _linked_txn(ret, company.txns[txn_id])
    if lines and txn.kind == "PurchaseOrder":
        for line in txn.item_lines:
            _purchase_order_line(ret, line)
    elif lines:
        for line in txn.expense_lines:
            _expense_line(ret, line)
        for line in txn.item_lines:
            _item_line(ret, line)
    return ret


def _purchase_order_head(ret: ET.Element, txn: Txn) -> None:
    _ref(ret, "ClassRef", txn.class_ref)
    _leaf(ret, "TxnDate", txn.txn_date.isoformat())
    _leaf(ret, "RefNumber", txn.ref_number)
    _leaf(ret, "DueDate", txn.due_date.isoformat() if txn.due_date else None)
    _leaf(ret, "ExpectedDate", txn.expected_date.isoformat() if txn.expected_date else None)
    _leaf(ret, "TotalAmount", amount(txn.total))
    _leaf(ret, "IsManuallyClosed", "false")
    _leaf(ret, "IsFullyReceived", "true" if txn.fully_received else "false")
    _leaf(ret, "Memo", txn.memo)


def _linked_txn(ret: ET.Element, other: Txn) -> None:
    link = ET.SubElement(ret, "LinkedTxn")
    _leaf(link, "TxnID", other.txn_id)
    _leaf(link, "TxnType", other.kind)
    _leaf(link, "TxnDate", other.txn_date.isoformat())
    _leaf(link, "RefNumber", other.ref_number)
    _leaf(link, "LinkType", "QUANTYPE")
    _leaf(link, "Amount", amount(other.total))


def _purchase_order_line(ret: ET.Element, line: TxnLine) -> None:
    el = ET.SubElement(ret, "PurchaseOrderLineRet")
    _leaf(el, "TxnLineID", line.txn_line_id)
    _ref(el, "ItemRef", line.item)
    _leaf(el, "Desc", line.desc)
    _leaf(el, "Quantity", quantity(line.quantity) if line.quantity is not None else None)
    _leaf(el, "Rate", price(line.price))
    _ref(el, "ClassRef", line.class_ref)
    _leaf(el, "Amount", amount(line.amount))
    _leaf(el, "ReceivedQuantity", quantity(line.received))
    _leaf(el, "IsManuallyClosed", "false")


def _expense_line(ret: ET.Element, line: TxnLine) -> None:
    el = ET.SubElement(ret, "ExpenseLineRet")
    _leaf(el, "TxnLineID", line.txn_line_id)
    _ref(el, "AccountRef", line.account)
    _leaf(el, "Amount", amount(line.amount))
    _leaf(el, "Memo", line.memo)
    _ref(el, "ClassRef", line.class_ref)


def _item_line(ret: ET.Element, line: TxnLine) -> None:
    el = ET.SubElement(ret, "ItemLineRet")
    _leaf(el, "TxnLineID", line.txn_line_id)
    _ref(el, "ItemRef", line.item)
    _leaf(el, "Desc", line.desc)
    _leaf(el, "Quantity", quantity(line.quantity) if line.quantity is not None else None)
    _leaf(el, "Cost", price(line.price))
    _leaf(el, "Amount", amount(line.amount))
    _ref(el, "ClassRef", line.class_ref)
