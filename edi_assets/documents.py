"""Canonical business documents: the hub between X12 and every ERP.

Each ERP connector maps these to and from its own payloads; the X12 translator maps them to and from
transaction sets. They hold business content only; where a document came from (interchange, group,
set control numbers, partner ids) travels beside it in :class:`EnvelopeRef`.
Money and quantities are ``Decimal``, never float.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=False)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Party(_Model):
    """An N1 loop: who plays a role (BY buyer, ST ship-to, BT bill-to, SE seller, VN vendor, ...)."""

    role: Text
    name: str | None = None
    id_qualifier: str | None = None
    id: str | None = None
    address: list[str] = Field(default_factory=list)
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None


class Reference(_Model):
    """A REF: qualifier (DP department, IA vendor number, BM bill of lading, ...) and value."""

    qualifier: Text
    value: Text
    description: str | None = None


class DateRef(_Model):
    """A DTM: qualifier (002 delivery requested, 010 ship requested, 011 shipped, ...) and date."""

    qualifier: Text
    date: dt.date
    time: str | None = None


class ItemId(_Model):
    """A product id by its qualifier: BP buyer part, VP/VN vendor part, UP UPC, EN EAN, IN buyer item."""

    qualifier: Text
    value: Text


class Terms(_Model):
    """ITD terms of sale: discount percent within discount days, else net days."""

    type_code: str | None = None
    basis_date_code: str | None = None
    discount_percent: Decimal | None = None
    discount_days: int | None = None
    net_days: int | None = None
    description: str | None = None


class Note(_Model):
    text: Text


class Line(_Model):
    line_number: str | None = None
    quantity: Decimal
    unit: Text = "EA"
    unit_price: Decimal | None = None
    price_basis: str | None = None
    item_ids: list[ItemId] = Field(default_factory=list)
    description: str | None = None

    def item(self, qualifier: str) -> str | None:
        """The item id with this qualifier (first one), e.g. ``line.item("BP")``."""
        return next((i.value for i in self.item_ids if i.qualifier == qualifier), None)


class PurchaseOrderLine(Line):
    pack: int | None = None
    pack_size: Decimal | None = None
    pack_unit: str | None = None
    references: list[Reference] = Field(default_factory=list)
    dates: list[DateRef] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)


class PurchaseOrder(_Model):
    """X12 850."""

    kind: Literal["purchase_order"] = "purchase_order"
    po_number: Text
    po_date: dt.date
    purpose_code: str = "00"
    type_code: str = "NE"
    release_number: str | None = None
    currency: str | None = None
    references: list[Reference] = Field(default_factory=list)
    dates: list[DateRef] = Field(default_factory=list)
    terms: list[Terms] = Field(default_factory=list)
    parties: list[Party] = Field(default_factory=list)
    lines: list[PurchaseOrderLine]
    total_amount: Decimal | None = None

    def party(self, role: str) -> Party | None:
        return next((p for p in self.parties if p.role == role), None)


class InvoiceLine(Line):
    """IT1: ``line_number`` (IT101) is the buyer's PO line number when the partner follows the PO."""


class AllowanceCharge(_Model):
    """SAC: A allowance (reduces the total) or C charge, with its code and amount."""

    indicator: Literal["A", "C"]
    code: str | None = None
    amount: Decimal | None = None
    description: str | None = None


class Invoice(_Model):
    """X12 810."""

    kind: Literal["invoice"] = "invoice"
    invoice_number: Text
    invoice_date: dt.date
    po_number: str | None = None
    po_date: dt.date | None = None
    currency: str | None = None
    references: list[Reference] = Field(default_factory=list)
    dates: list[DateRef] = Field(default_factory=list)
    terms: list[Terms] = Field(default_factory=list)
    parties: list[Party] = Field(default_factory=list)
    lines: list[InvoiceLine]
    allowances_charges: list[AllowanceCharge] = Field(default_factory=list)
    total_amount: Decimal

    def party(self, role: str) -> Party | None:
        return next((p for p in self.parties if p.role == role), None)


class LineStatus(_Model):
    """ACK: the seller's answer for (part of) a line: IA accepted, IR rejected, IQ quantity changed,
    IP price changed, IB backordered, ... with the quantity and date it applies to."""

    code: Text
    quantity: Decimal | None = None
    unit: str | None = None
    date: dt.date | None = None


class AckLine(Line):
    statuses: list[LineStatus] = Field(default_factory=list)


class POAcknowledgment(_Model):
    """X12 855."""

    kind: Literal["po_acknowledgment"] = "po_acknowledgment"
    purpose_code: str = "00"
    ack_type: Text  # BAK02: AC accepted with detail, AD accepted no changes, AK no detail, RJ rejected, ...
    po_number: Text
    po_date: dt.date
    ack_date: dt.date | None = None
    references: list[Reference] = Field(default_factory=list)
    dates: list[DateRef] = Field(default_factory=list)
    parties: list[Party] = Field(default_factory=list)
    lines: list[AckLine] = Field(default_factory=list)


class ShippedItem(_Model):
    """An item level of the 856, with the order (PO) and package it belongs to."""

    po_number: str | None = None
    line_number: str | None = None
    item_ids: list[ItemId] = Field(default_factory=list)
    quantity: Decimal
    unit: Text = "EA"
    ordered_quantity: Decimal | None = None
    package_id: str | None = None
    description: str | None = None


class Package(_Model):
    """A tare (pallet) or pack (carton) level, identified by its SSCC-18 (MAN GM) or other mark."""

    level: Literal["T", "P"]
    marks_qualifier: str | None = None
    marks: str | None = None
    parent_id: str | None = None


class ShipOrder(_Model):
    po_number: Text
    po_date: dt.date | None = None
    release_number: str | None = None


class ShipNotice(_Model):
    """X12 856 (shipment, order, tare, pack, item levels flattened into lists that keep the links)."""

    kind: Literal["ship_notice"] = "ship_notice"
    purpose_code: str = "00"
    shipment_id: Text
    ship_notice_date: dt.date
    ship_notice_time: str | None = None
    shipped_date: dt.date | None = None
    carrier_code: str | None = None
    carrier_name: str | None = None
    transport_method: str | None = None
    lading_quantity: Decimal | None = None
    gross_weight: Decimal | None = None
    weight_unit: str | None = None
    references: list[Reference] = Field(default_factory=list)
    parties: list[Party] = Field(default_factory=list)
    orders: list[ShipOrder] = Field(default_factory=list)
    packages: list[Package] = Field(default_factory=list)
    items: list[ShippedItem] = Field(default_factory=list)

    def reference(self, qualifier: str) -> str | None:
        return next((r.value for r in self.references if r.qualifier == qualifier), None)


class ElementError(_Model):
    position: int
    component: int | None = None
    reference: str | None = None
    code: Text
    bad_value: str | None = None


class SegmentError(_Model):
    segment_id: Text
    position: int
    loop_id: str | None = None
    code: str | None = None
    elements: list[ElementError] = Field(default_factory=list)


class SetAck(_Model):
    set_id: Text
    control_number: Text
    status: Text  # AK501: A accepted, E accepted with errors, R rejected, ...
    error_codes: list[str] = Field(default_factory=list)
    segment_errors: list[SegmentError] = Field(default_factory=list)


class FunctionalAck(_Model):
    """X12 997: the partner's (or our) answer to one functional group."""

    kind: Literal["functional_ack"] = "functional_ack"
    functional_id: Text
    group_control_number: Text
    version: str | None = None
    sets: list[SetAck] = Field(default_factory=list)
    group_status: Text
    sets_included: int
    sets_received: int
    sets_accepted: int
    group_error_codes: list[str] = Field(default_factory=list)


Document = PurchaseOrder | Invoice | POAcknowledgment | ShipNotice | FunctionalAck

DOCUMENT_TYPES: dict[str, type[_Model]] = {
    "850": PurchaseOrder,
    "810": Invoice,
    "855": POAcknowledgment,
    "856": ShipNotice,
    "997": FunctionalAck,
}


class EnvelopeRef(_Model):
    """Where a document came from: the ids that make it unique across partners and resends."""

    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    interchange_control_number: str
    group_control_number: str
    functional_id: str
    version: str
    set_id: str
    set_control_number: str
    usage: str = "P"

    @property
    def key(self) -> str:
        """Identity of the document: partner, interchange, group, set and type."""
        return (
            f"{self.sender_qualifier}:{self.sender_id}/{self.interchange_control_number}/"
            f"{self.group_control_number}/{self.set_control_number}/{self.set_id}"
        )
