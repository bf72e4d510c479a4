"""The projections and entity services the IFS simulator serves, as data: sets, keys, typed fields, navigations.

Several entity sets may view one table (all PO lines, only no-part lines, only part lines), the way IFS's
projections and /int entity services view the same LU. Field names follow spec 5.2 and public Power Query
files verified on 25R1 where known; the supplier-invoice and posting-proposal fields are inferred [I].
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from simulators.ifs.settings import IfsSettings

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Navigation:
    """A contained collection of a parent entity: child rows whose `link` fields equal the parent's."""

    target: EntitySet
    link: tuple[tuple[str, str], ...]  # (parent field, child field)


@dataclass(frozen=True)
class EntitySet:
    """One OData entity set over a table; `fields` maps each property to its Edm type (keys included)."""

    name: str
    table: str
    luname: str
    keys: tuple[str, ...]
    fields: Mapping[str, str]
    required: tuple[str, ...] = ()
    auto_key: str | None = None  # a numeric key the server assigns on create
    initial_state: str | None = None  # Objstate of a new row
    read_only: bool = False
    row_filter: Callable[[Row], bool] | None = None
    references: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # field -> (table, field)
    navigations: Mapping[str, Navigation] = field(default_factory=dict)

    def includes(self, row: Row) -> bool:
        return self.row_filter is None or self.row_filter(row)


@dataclass(frozen=True)
class Service:
    """A projection (`/main` and `/int`) or an entity service (`/int` only)."""

    name: str
    kind: Literal["projection", "entity"]
    sets: Mapping[str, EntitySet]

    def served_on(self, area: str, kind: str) -> bool:
        if kind != self.kind:
            return False
        return area == "int" if self.kind == "entity" else area in {"main", "int"}

    def entity_types(self) -> dict[str, EntitySet]:
        """The entity types the service describes, by LU name: its sets' and their navigations' targets."""
        types: dict[str, EntitySet] = {}
        for eset in self.sets.values():
            types[eset.luname] = eset
            types.update({nav.target.luname: nav.target for nav in eset.navigations.values()})
        return types


SERVER_FIELDS = frozenset({"Objstate", "Objversion"})
"""Maintained by the server; a client sending them in a body is ignored, as read-only attributes are."""

_S, _N, _I, _D, _T = "Edm.String", "Edm.Decimal", "Edm.Int32", "Edm.Date", "Edm.DateTimeOffset"

_LINE_FIELDS = {
    "OrderNo": _S,
    "LineNo": _S,
    "ReleaseNo": _S,
    "PartNo": _S,
    "Description": _S,
    "BuyQtyDue": _N,
    "BuyUnitMeas": _S,
    "BuyUnitPrice": _N,
    "CurrencyCode": _S,
    "WantedDeliveryDate": _D,
    "Objstate": _S,
    "Objversion": _S,
}
_LINE_KEYS = ("OrderNo", "LineNo", "ReleaseNo")
_LINE_REFS = {"OrderNo": ("purchase_orders", "OrderNo")}


def _has_part(row: Row) -> bool:
    return bool(row.get("PartNo"))


PURCHASE_ORDER = EntitySet(
    name="PurchaseOrderSet",
    table="purchase_orders",
    luname="PurchaseOrder",
    keys=("OrderNo",),
    fields={
        "OrderNo": _S,
        "VendorNo": _S,
        "Contract": _S,
        "OrderDate": _D,
        "WantedReceiptDate": _D,
        "CurrencyCode": _S,
        "BuyerCode": _S,
        "DateEntered": _D,
        "Objstate": _S,
        "Objversion": _S,
    },
    required=("OrderNo", "VendorNo", "Contract"),
    initial_state="Planned",
    references={"VendorNo": ("suppliers", "VendorNo")},
)
PURCHASE_ORDER_LINE_NOPART = EntitySet(
    name="PurchaseOrderLineNopartSet",
    table="purchase_order_lines",
    luname="PurchaseOrderLineNopart",
    keys=_LINE_KEYS,
    fields={k: v for k, v in _LINE_FIELDS.items() if k != "PartNo"},
    required=(*_LINE_KEYS, "Description", "BuyQtyDue"),
    initial_state="Planned",
    row_filter=lambda row: not _has_part(row),
    references=_LINE_REFS,
)
PURCHASE_ORDER_LINE_PART = EntitySet(
    name="PurchaseOrderLinePartSet",
    table="purchase_order_lines",
    luname="PurchaseOrderLinePart",
    keys=_LINE_KEYS,
    fields=_LINE_FIELDS,
    required=(*_LINE_KEYS, "PartNo", "BuyQtyDue"),
    initial_state="Planned",
    row_filter=_has_part,
    references=_LINE_REFS,
)
PURCHASE_ORDER_LINE = EntitySet(
    name="PurchaseOrderLineSet",
    table="purchase_order_lines",
    luname="PurchaseOrderLine",
    keys=_LINE_KEYS,
    fields=_LINE_FIELDS,
    required=(*_LINE_KEYS, "BuyQtyDue"),
    initial_state="Planned",
    references=_LINE_REFS,
)
SUPPLIER = EntitySet(
    name="SupplierInfoGeneralSet",
    table="suppliers",
    luname="SupplierInfoGeneral",
    keys=("VendorNo",),
    fields={"VendorNo": _S, "VendorName": _S, "Country": _S, "Objversion": _S},
    read_only=True,
)
HISTORY_LOG = EntitySet(
    name="HistoryLogOverviewSet",
    table="history_log",
    luname="HistoryLog",
    keys=("LogId",),
    fields={
        "LogId": _I,
        "LuName": _S,
        "TableName": _S,
        "KeyRef": _S,
        "HistoryType": _S,
        "Username": _S,
        "TimeStamp": _T,
        "Objversion": _S,
    },
    read_only=True,
)


def posting_proposal() -> EntitySet:
    return EntitySet(
        name="PostingProposalSet",
        table="posting_proposals",
        luname="ManSuppInvoicePostProp",
        keys=("Company", "InvoiceId", "RowNo"),
        fields={
            "Company": _S,
            "InvoiceId": _I,
            "RowNo": _I,
            "Account": _S,
            "CodeB": _S,
            "CodeC": _S,
            "CurrAmount": _N,
            "Text": _S,
            "Objversion": _S,
        },
        required=("Account", "CurrAmount"),
        auto_key="RowNo",
    )


def supplier_invoice(settings: IfsSettings) -> EntitySet:
    link = (("Company", "Company"), ("InvoiceId", "InvoiceId"))
    return EntitySet(
        name=settings.invoice_entity_set,
        table="invoices",
        luname="ManSuppInvoice",
        keys=("Company", "InvoiceId"),
        fields={
            "Company": _S,
            "InvoiceId": _I,
            "Identity": _S,
            "InvoiceNo": _S,
            "InvoiceDate": _D,
            "DueDate": _D,
            "Currency": _S,
            "NetAmount": _N,
            "VatAmount": _N,
            "GrossAmount": _N,
            "PoRef": _S,
            "DateEntered": _D,
            "Objstate": _S,
            "Objversion": _S,
        },
        required=("Company", "Identity", "InvoiceNo", "InvoiceDate", "GrossAmount"),
        auto_key="InvoiceId",
        initial_state="Preliminary",
        references={"Identity": ("suppliers", "VendorNo"), "Company": ("companies", "Company")},
        navigations={settings.posting_proposal_navigation: Navigation(posting_proposal(), link)},
    )


def services(settings: IfsSettings) -> dict[str, Service]:
    """Every service by name; built from the settings because the invoice projection's names are switchable."""
    listed = [
        Service(
            "PurchaseOrderHandling", "projection", {s.name: s for s in (PURCHASE_ORDER, PURCHASE_ORDER_LINE_NOPART)}
        ),
        Service("SuppliersHandling", "projection", {SUPPLIER.name: SUPPLIER}),
        Service("HistoryLogHandling", "projection", {HISTORY_LOG.name: HISTORY_LOG}),
        Service(settings.invoice_projection, "projection", {settings.invoice_entity_set: supplier_invoice(settings)}),
        Service("PurchaseOrderLineEntity", "entity", {PURCHASE_ORDER_LINE.name: PURCHASE_ORDER_LINE}),
        Service("PurchaseOrderLinePartEntity", "entity", {PURCHASE_ORDER_LINE_PART.name: PURCHASE_ORDER_LINE_PART}),
    ]
    return {s.name: s for s in listed}


def entity_set(settings: IfsSettings, name: str) -> EntitySet | None:
    """An entity set by name across all services (for the `/_sim/touch` hook)."""
    for service in services(settings).values():
        if name in service.sets:
            return service.sets[name]
    return None
