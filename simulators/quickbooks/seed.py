"""A company file from its scenario entry: vendors, accounts, classes, items and open purchase orders.

Keys are qbXML element names (Name, AccountType, …); `partner` ties a vendor to a trading partner of
the scenario and is not a QuickBooks field. Items take `Type`: Inventory (default), NonInventory or Service.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from simulators.core.clock import Clock
from simulators.core.scenario import ScenarioError
from simulators.quickbooks.company import CompanyFile, FieldValue, LineInput, ListKind, ListObject, TxnInput
from simulators.quickbooks.schema import VENDOR_FIELDS
from simulators.quickbooks.settings import QuickBooksSettings
from simulators.quickbooks.status import QbStatusError

_ITEM_KINDS: dict[str, ListKind] = {
    "Inventory": "ItemInventory", "NonInventory": "ItemNonInventory", "Service": "ItemService",
}
_ACCOUNT_KEYS = ("AccountType", "AccountNumber", "Desc")
_ITEM_KEYS = ("Type", "Description", "PurchaseCost", "SalesPrice", "QuantityOnHand")


def company_file(clock: Clock, spec: dict[str, Any], settings: QuickBooksSettings) -> CompanyFile:
    try:
        return _build(clock, spec, settings)
    except (KeyError, TypeError, ValueError, InvalidOperation, QbStatusError) as exc:
        raise ScenarioError(f"quickbooks company {spec.get('id')!r}: {exc!s}") from exc


def _fields(entry: dict[str, Any], allowed: tuple[str, ...], what: str) -> dict[str, FieldValue]:
    unknown = set(entry) - {"Name", "partner", *allowed}
    if unknown:
        raise ValueError(f"{what} {entry.get('Name')!r}: unknown keys {sorted(unknown)}")
    return {key: str(entry[key]) for key in allowed if key in entry}


def _named(company: CompanyFile, family: str, name: str) -> ListObject:
    found = company.by_name(family, name)
    if found is None:
        raise ValueError(f"no {family} named {name!r}")
    return found


def _build(clock: Clock, spec: dict[str, Any], settings: QuickBooksSettings) -> CompanyFile:
    company = CompanyFile(clock, str(spec["file"]))
    for vendor in spec.get("vendors") or []:
        company.add_list("Vendor", vendor["Name"], _fields(vendor, VENDOR_FIELDS, "vendor"))
    for account in spec.get("accounts") or []:
        company.add_list("Account", account["Name"], _fields(account, _ACCOUNT_KEYS, "account"))
    for klass in spec.get("classes") or []:
        company.add_list("Class", klass["Name"], _fields(klass, (), "class"))
    for item in spec.get("items") or []:
        _add_item(company, item)
    for po in spec.get("purchase_orders") or []:
        lines = [
            LineInput(item=_named(company, "Item", line["Item"]), desc=line.get("Desc"),
                      quantity=Decimal(str(line["Quantity"])), price=Decimal(str(line["Rate"])))
            for line in po.get("lines") or []
        ]
        data = TxnInput(
            vendor=_named(company, "Vendor", po["Vendor"]), txn_date=date.fromisoformat(str(po["TxnDate"])),
            ref_number=po.get("RefNumber"), memo=po.get("Memo"), item_lines=lines,
        )
        company.add_purchase_order(data, settings)
    return company


def _add_item(company: CompanyFile, item: dict[str, Any]) -> None:
    given = _fields(item, _ITEM_KEYS, "item")
    kind = _ITEM_KINDS[str(given.get("Type", "Inventory"))]
    description = given.get("Description")
    chosen: dict[str, FieldValue | None]
    if kind == "ItemInventory":
        chosen = {"SalesDesc": description, "SalesPrice": given.get("SalesPrice"), "PurchaseDesc": description,
                  "PurchaseCost": given.get("PurchaseCost")}
        on_hand: Decimal | None = Decimal(str(given.get("QuantityOnHand", "0")))
    else:
        purchase = {"Desc": description, "Price": given.get("SalesPrice")}
        chosen = {"SalesOrPurchase": {k: v for k, v in purchase.items() if isinstance(v, str)}}
        on_hand = None
    fields = {k: v for k, v in chosen.items() if v is not None}
    company.add_list(kind, item["Name"], fields, quantity_on_hand=on_hand)
