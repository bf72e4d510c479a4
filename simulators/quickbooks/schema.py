"""The qbXML schema subset the simulator accepts, as data: children of each aggregate, in schema order.

QuickBooks validates a message set against its schema before running anything: an unknown request,
an unknown or misplaced element, a repeated single element or a missing required one fails the whole
document (hresult 0x80040400). Spec markers: `!` required, `*` repeatable, `+` both. An element
whose name ends in `Ref` is a list reference (ListID, FullName).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from simulators.quickbooks.status import QbXmlParseError

_ADDRESS = ("Addr1", "Addr2", "Addr3", "Addr4", "Addr5", "City", "State", "PostalCode", "Country", "Note")
VENDOR_FIELDS = (
    "IsActive", "ClassRef", "CompanyName", "Salutation", "FirstName", "MiddleName", "LastName", "JobTitle",
    "VendorAddress", "Phone", "AltPhone", "Fax", "Email", "Cc", "Contact", "AltContact", "NameOnCheck",
    "AccountNumber", "Notes", "VendorTaxIdent", "IsVendorEligibleFor1099",
)
_LIST_QUERY = (
    "ListID*", "FullName*", "MaxReturned", "ActiveStatus", "FromModifiedDate", "ToModifiedDate", "NameFilter",
    "NameRangeFilter",
)
_TXN_QUERY = (
    "TxnID*", "RefNumber*", "RefNumberCaseSensitive*", "MaxReturned", "ModifiedDateRangeFilter",
    "TxnDateRangeFilter", "EntityFilter", "RefNumberFilter",
)
_TXN_QUERY_TAIL = ("IncludeLineItems", "IncludeLinkedTxns", "IncludeRetElement*")

_SPECS: dict[str, tuple[str, ...]] = {
    # requests
    "HostQueryRq": (),
    "CompanyQueryRq": (),
    "PreferencesQueryRq": (),
    "VendorQueryRq": (*_LIST_QUERY, "IncludeRetElement*"),
    "AccountQueryRq": (*_LIST_QUERY, "AccountType", "IncludeRetElement*"),
    "ClassQueryRq": (*_LIST_QUERY, "IncludeRetElement*"),
    "ItemQueryRq": (*_LIST_QUERY, "IncludeRetElement*"),
    "ItemInventoryQueryRq": (*_LIST_QUERY, "IncludeRetElement*"),
    "ItemNonInventoryQueryRq": (*_LIST_QUERY, "IncludeRetElement*"),
    "VendorAddRq": ("VendorAdd!", "IncludeRetElement*"),
    "VendorModRq": ("VendorMod!", "IncludeRetElement*"),
    "PurchaseOrderAddRq": ("PurchaseOrderAdd!", "IncludeRetElement*"),
    "BillAddRq": ("BillAdd!", "IncludeRetElement*"),
    "ItemReceiptAddRq": ("ItemReceiptAdd!", "IncludeRetElement*"),
    "PurchaseOrderQueryRq": (*_TXN_QUERY, *_TXN_QUERY_TAIL),
    "BillQueryRq": (*_TXN_QUERY, "PaidStatus", *_TXN_QUERY_TAIL),
    "ItemReceiptQueryRq": (*_TXN_QUERY, *_TXN_QUERY_TAIL),
    # aggregates
    "VendorAdd": ("Name!", *VENDOR_FIELDS),
    "VendorMod": ("ListID!", "EditSequence!", "Name", *VENDOR_FIELDS),
    "VendorAddress": _ADDRESS,
    "PurchaseOrderAdd": (
        "VendorRef!", "ClassRef", "TxnDate", "RefNumber", "DueDate", "ExpectedDate", "Memo", "PurchaseOrderLineAdd*",
    ),
    "PurchaseOrderLineAdd": ("ItemRef", "Desc", "Quantity", "Rate", "ClassRef", "Amount"),
    "BillAdd": (
        "VendorRef!", "APAccountRef", "TxnDate", "DueDate", "RefNumber", "Memo", "LinkToTxnID*", "ExpenseLineAdd*",
        "ItemLineAdd*",
    ),
    "ItemReceiptAdd": (
        "VendorRef!", "APAccountRef", "TxnDate", "RefNumber", "Memo", "LinkToTxnID*", "ExpenseLineAdd*",
        "ItemLineAdd*",
    ),
    "ExpenseLineAdd": ("AccountRef", "Amount", "Memo", "ClassRef"),
    "ItemLineAdd": ("ItemRef", "Desc", "Quantity", "Cost", "Amount", "ClassRef", "LinkToTxn"),
    "LinkToTxn": ("TxnID!", "TxnLineID!"),
    "NameFilter": ("MatchCriterion!", "Name!"),
    "NameRangeFilter": ("FromName", "ToName"),
    "ModifiedDateRangeFilter": ("FromModifiedDate", "ToModifiedDate"),
    "TxnDateRangeFilter": ("FromTxnDate", "ToTxnDate"),
    "EntityFilter": ("ListID*", "FullName*"),
    "RefNumberFilter": ("MatchCriterion!", "RefNumber!"),
}

ENUMS: dict[str, frozenset[str]] = {
    "ActiveStatus": frozenset({"ActiveOnly", "InactiveOnly", "All"}),
    "MatchCriterion": frozenset({"StartsWith", "Contains", "EndsWith"}),
    "PaidStatus": frozenset({"All", "PaidOnly", "NotPaidOnly"}),
}

ITERABLE = frozenset(
    {"VendorQueryRq", "AccountQueryRq", "ClassQueryRq", "ItemQueryRq", "ItemInventoryQueryRq",
     "ItemNonInventoryQueryRq", "PurchaseOrderQueryRq", "BillQueryRq", "ItemReceiptQueryRq"}
)
"""Queries that take iterator="Start"/"Continue"."""

@dataclass(frozen=True)
class Child:
    """One allowed child of an aggregate, at its schema position."""

    name: str
    required: bool
    repeatable: bool


def _parse(spec: str) -> Child:
    name = spec.rstrip("!*+")
    marker = spec[len(name):]
    return Child(name, marker in ("!", "+"), marker in ("*", "+"))


SCHEMA: dict[str, tuple[Child, ...]] = {tag: tuple(_parse(s) for s in specs) for tag, specs in _SPECS.items()}
_REF = (Child("ListID", required=False, repeatable=False), Child("FullName", required=False, repeatable=False))


def children_of(tag: str) -> tuple[Child, ...] | None:
    """The children an aggregate allows, or None for a leaf element."""
    if tag.endswith("Ref"):
        return _REF
    return SCHEMA.get(tag)


def validate(request: ET.Element, *, check_order: bool) -> None:
    """Refuse a request the schema would refuse; element order is checked only when `check_order` is on."""
    if request.tag not in SCHEMA or not request.tag.endswith("Rq"):
        raise QbXmlParseError(f"unknown request {request.tag}")
    iterator = request.get("iterator")
    if iterator is not None:
        if request.tag not in ITERABLE or iterator not in ("Start", "Continue"):
            raise QbXmlParseError(f'{request.tag} does not take iterator="{iterator}"')
        if iterator == "Continue" and not request.get("iteratorID"):
            raise QbXmlParseError('iterator="Continue" needs an iteratorID')
    _validate(request, check_order=check_order, path=request.tag)


def _validate(element: ET.Element, *, check_order: bool, path: str) -> None:
    allowed = children_of(element.tag)
    if allowed is None:
        if len(element):
            raise QbXmlParseError(f"{path} takes no child elements")
        value = (element.text or "").strip()
        values = ENUMS.get(element.tag)
        if values is not None and value not in values:
            raise QbXmlParseError(f"{path} is not one of {sorted(values)}")
        if element.tag == "MaxReturned" and not value.isdigit():
            raise QbXmlParseError(f"{path} is not an integer")
        return
    position = {child.name: index for index, child in enumerate(allowed)}
    by_name = {child.name: child for child in allowed}
    seen: list[str] = []
    last = -1
    for node in element:
        where = f"{path}/{node.tag}"
        if node.tag not in position:
            raise QbXmlParseError(f"{where} is not allowed here")
        if node.tag in seen and not by_name[node.tag].repeatable:
            raise QbXmlParseError(f"{where} may appear only once")
        if check_order and position[node.tag] < last:
            raise QbXmlParseError(f"{where} is out of schema order")
        last = max(last, position[node.tag])
        seen.append(node.tag)
        _validate(node, check_order=check_order, path=where)
    missing = [child.name for child in allowed if child.required and child.name not in seen]
    if missing:
        raise QbXmlParseError(f"{path} lacks {', '.join(missing)}")
