"""The entities of the simulated Default endpoint: fields, keys, numbering, references and totals.

Field names follow the vendor's Default 24.200.001 models where the spec cites them [C] (Bill,
PurchaseOrder) and memory elsewhere [I] (SalesOrder, SalesInvoice, PurchaseReceipt, Customer,
Vendor, StockItem). Definitions are data; the rules that read them live in `store.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class Amounts:
    """A detail line's amount is quantity times price; the header totals sum the lines' amounts."""

    quantity: str
    price: str
    amount: str
    totals: tuple[str, ...]


@dataclass(frozen=True)
class EntitySpec:
    name: str
    keys: tuple[str, ...]
    fields: frozenset[str]
    defaults: Mapping[str, Any] = field(default_factory=dict)
    numbering: str | None = None
    """Format of the auto number given to the last key, e.g. `SO{:06d}`; None means the key is required."""
    open_status: str = "Active"
    required: tuple[str, ...] = ()
    references: Mapping[str, str] = field(default_factory=dict)
    """Field -> entity whose single key it must name."""
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    details: frozenset[str] = frozenset()
    amounts: Amounts | None = None
    linked: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Linked entities shown as nested objects (`MainContact`)."""
    actions: Mapping[str, str] = field(default_factory=dict)
    """Action name -> the Status it leaves the record in (`Hold` actions are handled apart)."""

    @property
    def read_only(self) -> frozenset[str]:
        """Fields the API computes; values a client sends for them are ignored."""
        totals = self.amounts.totals if self.amounts else ()
        return frozenset({"Status", "LastModifiedDateTime", *totals})

    @property
    def has_hold(self) -> bool:
        return "Hold" in self.fields


DETAIL_READ_ONLY = frozenset({"LineNbr", "ReceivedQty"})
NUMBERS = frozenset(
    {"OrderQty", "UnitPrice", "UnitCost", "Qty", "Amount", "ExtendedCost", "ExtendedPrice", "ReceiptQty",
     "OrderTotal", "LineTotal", "ControlTotal", "TaxTotal", "Balance", "ReceivedQty"}
)
INTEGERS = frozenset({"LineNbr", "POLine", "POLineNbr", "POReceiptLine"})
BOOLEANS = frozenset({"Hold", "ApprovedForPayment", "NonBillable", "Completed"})
DATES = frozenset({"Date", "DueDate", "RequestedOn", "PromisedOn", "PromisedDate", "LastModifiedDateTime"})
LABELS = {
    "CustomerID": "Customer",
    "VendorID": "Vendor",
    "Vendor": "Vendor",
    "InventoryID": "Inventory ID",
    "POOrderNbr": "PO Order Nbr.",
    "POLine": "PO Line Nbr.",
    "POLineNbr": "PO Line Nbr.",
    "CustomerName": "Customer Name",
    "VendorName": "Vendor Name",
}
SCREENS = {
    "SalesOrder": "Sales Orders",
    "SalesInvoice": "Invoices",
    "Bill": "Bills and Adjustments",
    "PurchaseOrder": "Purchase Orders",
    "PurchaseReceipt": "Purchase Receipts",
    "Customer": "Customers",
    "Vendor": "Vendors",
    "StockItem": "Stock Items",
}
"""Each entity's screen title, which Acumatica puts in an attached file's name (`Stock Items (KEY)\\name`)."""
CONTACT = frozenset({"DisplayName", "Email", "Phone1"})
RELEASE_FROM_HOLD, PUT_ON_HOLD = "ReleaseFromHold", "PutOnHold"


def label(name: str) -> str:
    return LABELS.get(name, name)


def coerce(name: str, value: Any) -> Any:
    """A wrapped value in the field's type; ValueError (the field's error text) when it does not fit."""
    if value is None:
        return None
    if name in BOOLEANS:
        if isinstance(value, bool):
            return value
        raise ValueError(f"The value '{value}' is not a valid boolean.")
    if name in NUMBERS or name in INTEGERS:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError(f"The value '{value}' is not a valid number.")
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"The value '{value}' is not a valid number.") from None
        return int(number) if name in INTEGERS else number
    if name in DATES:
        return iso(parse_date(str(value)))
    return value if isinstance(value, str) else str(value)


def parse_date(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"The value '{text}' is not a valid date.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    """Acumatica's date-time form, `2026-11-04T00:00:00+00:00` (milliseconds when there are some)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds" if moment.microsecond else "seconds")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _spec(name: str, keys: tuple[str, ...], fields: str, **options: Any) -> EntitySpec:
    return EntitySpec(name, keys, frozenset({*keys, *_words(fields), "LastModifiedDateTime"}), **options)


_HOLD = {"Hold": False}
ENTITIES: dict[str, EntitySpec] = {
    spec.name: spec
    for spec in (
        _spec(
            "SalesOrder", ("OrderType", "OrderNbr"),
            "CustomerID CustomerOrder Date RequestedOn Description Hold Status CurrencyID OrderTotal",
            defaults={"OrderType": "SO", **_HOLD}, numbering="SO{:06d}", open_status="Open",
            required=("CustomerID",), references={"CustomerID": "Customer"},
            details=_words("LineNbr InventoryID LineDescription OrderQty UnitPrice UOM WarehouseID "
                              "ExtendedPrice"),
            amounts=Amounts("OrderQty", "UnitPrice", "ExtendedPrice", ("OrderTotal",)),
            actions={"CancelSalesOrder": "Canceled"},
        ),
        _spec(
            "SalesInvoice", ("Type", "ReferenceNbr"),
            "CustomerID CustomerOrder Date DueDate Description Hold Status Amount Balance CurrencyID",
            defaults={"Type": "Invoice", **_HOLD}, numbering="INV{:06d}", open_status="Balanced",
            required=("CustomerID",), references={"CustomerID": "Customer"},
            details=_words("LineNbr InventoryID TransactionDescription Qty UOM UnitPrice Amount "
                              "OrderType OrderNbr"),
            amounts=Amounts("Qty", "UnitPrice", "Amount", ("Amount", "Balance")),
            actions={"ReleaseSalesInvoice": "Open"},
        ),
        _spec(
            "Bill", ("Type", "ReferenceNbr"),
            "Vendor VendorRef Date DueDate PostPeriod Description Hold Status Amount Balance TaxTotal CurrencyID "
            "Terms BranchID LocationID ApprovedForPayment",
            defaults={"Type": "Bill", **_HOLD}, numbering="{:06d}", open_status="Balanced",
            required=("Vendor",), references={"Vendor": "Vendor"},
            choices={"Type": ("Bill", "Debit Adj.", "Credit Adj.", "Prepayment")},
            details=_words("LineNbr InventoryID TransactionDescription Qty UOM UnitCost ExtendedCost Amount "
                              "Account Subaccount Branch POOrderType POOrderNbr POLine POReceiptType POReceiptNbr "
                              "POReceiptLine Project ProjectTask CostCode TaxCategory NonBillable"),
            amounts=Amounts("Qty", "UnitCost", "Amount", ("Amount", "Balance")),
            actions={"ReleaseInvoice": "Open"},
        ),
        _spec(
            "PurchaseOrder", ("Type", "OrderNbr"),
            "VendorID VendorRef Location Date PromisedOn Description Hold Status CurrencyID ControlTotal LineTotal "
            "TaxTotal OrderTotal Terms Branch Owner Project",
            defaults={"Type": "Normal", **_HOLD}, numbering="PO{:06d}", open_status="Open",
            required=("VendorID",), references={"VendorID": "Vendor"},
            details=_words("LineNbr InventoryID LineDescription OrderQty UOM UnitCost ExtendedCost ReceivedQty "
                              "PromisedDate WarehouseID Completed"),
            amounts=Amounts("OrderQty", "UnitCost", "ExtendedCost", ("LineTotal", "OrderTotal")),
        ),
        _spec(
            "PurchaseReceipt", ("Type", "ReceiptNbr"),
            "VendorID VendorRef Date Description Hold Status",
            defaults={"Type": "Receipt", **_HOLD}, numbering="PR{:06d}", open_status="Balanced",
            required=("VendorID",), references={"VendorID": "Vendor"},
            details=_words("LineNbr InventoryID ReceiptQty UOM POOrderType POOrderNbr POLineNbr WarehouseID "
                              "Location"),
            actions={"ReleasePurchaseReceipt": "Released"},
        ),
        _spec("Customer", ("CustomerID",), "CustomerName Status CustomerClass CurrencyID Terms",
              required=("CustomerName",), linked={"MainContact": CONTACT}),
        _spec("Vendor", ("VendorID",), "VendorName Status VendorClass CurrencyID Terms",
              required=("VendorName",), linked={"MainContact": CONTACT}),
        _spec("StockItem", ("InventoryID",), "Description BaseUOM ItemStatus"),
    )
}
