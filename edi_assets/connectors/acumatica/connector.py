"""The Acumatica ERP connector: what the pipeline calls for one customer's Acumatica tenant.

Flows (DESIGN.md): 850 → SalesOrder (the customer must exist, else the document is held), 810 → AP Bill,
855 → changes to our PurchaseOrder, 856 → PurchaseReceipt against it; outbound PurchaseOrder → 850 and
SalesInvoice → 810.

Reconciliation keys (what :meth:`AcumaticaConnector.find` looks up, and :meth:`~AcumaticaConnector.post` looks up
again before creating anything): SalesOrder by customer + ``CustomerOrder`` (the partner's PO number), Bill by
vendor + ``VendorRef`` (the supplier's invoice number), PurchaseReceipt by vendor + ``VendorRef`` (the shipment
id). An 855 changes an existing order: it is "found" when the order already says what the 855 says. New records
are written with ``If-None-Match: *`` (insert only), the PO changes with ``If-Match: *`` (update only), so a PUT
can never turn into the other kind of write.

One connector holds one token for all its calls (one API session against the licence's login limit) and signs
out in :meth:`~AcumaticaConnector.close`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from types import TracebackType
from typing import Any, Literal, Self

import httpx

from edi_assets.connectors.acumatica import mapping
from edi_assets.connectors.acumatica.auth import SYSTEM, AcumaticaAuth, client_id_for
from edi_assets.connectors.acumatica.client import AcumaticaClient, odata_datetime, odata_text
from edi_assets.connectors.crossref import CrossReference
from edi_assets.connectors.erp import (
    CredentialSource,
    ErpConnector,
    Inbound,
    OutboundBatch,
    OutboundDocument,
    Posting,
)
from edi_assets.connectors.errors import MappingError
from edi_assets.connectors.ratelimit import RateLimiter
from edi_assets.connectors.retry import RetryPolicy
from edi_assets.customers import AcumaticaErp, Customer, ErpKind
from edi_assets.documents import Invoice, POAcknowledgment, PurchaseOrder, ShipNotice

DETAILS = ("Details",)
#: Statuses of a record that is not ready to leave (a held record goes when released: that changes it again).
NOT_SENDABLE = frozenset({"On Hold", "Pending Approval", "Rejected", "Canceled", "Cancelled", "Voided"})
#: Outbound flow → (entity, key fields, party field, partner role).
OUTBOUND: dict[str, tuple[str, tuple[str, str], str, Literal["supplier", "customer"]]] = {
    "850": ("PurchaseOrder", ("Type", "OrderNbr"), "VendorID", "supplier"),
    "810": ("SalesInvoice", ("Type", "ReferenceNbr"), "CustomerID", "customer"),
}


class AcumaticaConnector:
    """:class:`~edi_assets.connectors.erp.ErpConnector` for Acumatica's contract-based REST API."""

    #: Typed as the protocol types it (a mutable attribute is invariant): the value is always "acumatica".
    kind: ErpKind = "acumatica"

    def __init__(self, customer: Customer, credentials: CredentialSource, limiter: RateLimiter | None = None, *,
                 retry: RetryPolicy | None = None, transport: httpx.BaseTransport | None = None) -> None:
        if not isinstance(customer.erp, AcumaticaErp):
            raise ValueError(f"customer {customer.id} does not use Acumatica (erp kind {customer.erp.kind})")
        self.customer = customer
        self.erp: AcumaticaErp = customer.erp
        auth = AcumaticaAuth(
            base_url=self.erp.url,
            username=credentials("acumatica.username").get_secret_value(),
            password=credentials("acumatica.password"),
            client_id=client_id_for(credentials("acumatica.client_id").get_secret_value(), self.erp.company),
            client_secret=credentials("acumatica.client_secret"),
        )
        self.client = AcumaticaClient(base_url=self.erp.url, endpoint=self.erp.endpoint, version=self.erp.version,
                                      auth=auth, branch=self.erp.branch, limiter=limiter, retry=retry,
                                      transport=transport)

    # -- the protocol -------------------------------------------------------------------------------------

    def find(self, document: Inbound, *, partner: str, xref: CrossReference) -> Posting | None:
        if isinstance(document, PurchaseOrder):
            with xref.resolving(system=SYSTEM, partner=partner, document=document.po_number) as res:
                customer_id = res.party("customer")
            return self._find_sales_order(customer_id, document.po_number)
        if isinstance(document, Invoice):
            with xref.resolving(system=SYSTEM, partner=partner, document=document.invoice_number) as res:
                vendor = res.party("supplier")
            return self._find_bill(vendor, document.invoice_number)
        if isinstance(document, POAcknowledgment):
            order = self.client.get("PurchaseOrder", mapping.PURCHASE_ORDER_TYPE, document.po_number,
                                    expand=DETAILS)
            if order is None:
                return None
            with xref.resolving(system=SYSTEM, partner=partner, document=document.po_number) as res:
                changes = mapping.acknowledgment_changes(document, res, order)
            return None if changes is not None else _order_posting(order, document, existed=True)
        if isinstance(document, ShipNotice):
            with xref.resolving(system=SYSTEM, partner=partner, document=document.shipment_id) as res:
                vendor = res.party("supplier")
            return self._find_receipt(vendor, document.shipment_id)
        raise ValueError(f"Acumatica takes no inbound {type(document).__name__}")

    def post(self, document: Inbound, *, partner: str, xref: CrossReference) -> Posting:
        if isinstance(document, PurchaseOrder):
            return self._post_sales_order(document, partner, xref)
        if isinstance(document, Invoice):
            return self._post_bill(document, partner, xref)
        if isinstance(document, POAcknowledgment):
            return self._post_acknowledgment(document, partner, xref)
        if isinstance(document, ShipNotice):
            return self._post_receipt(document, partner, xref)
        raise ValueError(f"Acumatica takes no inbound {type(document).__name__}")

    def outbound(self, cursor: str | None, *, xref: CrossReference) -> OutboundBatch:
        """Purchase orders (850) and sales invoices (810), as the customer's outbound flows list them, changed
        since ``cursor``.

        The cursor is JSON: per entity, the greatest ``LastModifiedDateTime`` seen (``since``) and the keys of the
        records modified at exactly that moment (``keys``). The next read asks for ``LastModifiedDateTime ge
        since`` and drops those keys, so a record saved in the same instant as the last one read is not lost, and
        none is read twice unless it changed.
        """
        state = _read_cursor(cursor)
        documents: list[tuple[dt.datetime, OutboundDocument]] = []
        skipped: list[str] = []
        for flow in sorted(set(self.customer.flows.outbound) & set(OUTBOUND)):
            entity, keys, party_field, role = OUTBOUND[flow]
            since = state.get(entity, {}).get("since")
            seen = set(state.get(entity, {}).get("keys", []))
            start = _parse_moment(since)
            latest, latest_stamp, latest_keys = start, since, set(seen)
            filter_ = f"LastModifiedDateTime ge {odata_datetime(since)}" if since else None
            for record in self._changed(entity, filter_):
                key = " ".join([entity, *(str(record.get(k) or "") for k in keys)])
                stamp = str(record.get("LastModifiedDateTime") or "")
                moment = _parse_moment(stamp)
                if moment is None or (moment == start and key in seen):
                    continue
                if latest is None or moment > latest:
                    latest, latest_stamp, latest_keys = moment, stamp, {key}
                elif moment == latest:
                    latest_keys.add(key)
                if record.get("Hold") is True or record.get("Status") in NOT_SENDABLE:
                    continue
                party = str(record.get(party_field) or "")
                partner = xref.partner_for(party, role)
                if partner is None:
                    skipped.append(f"{key}: {role} {party or '(none)'} has no partner in partners.csv")
                    continue
                try:
                    document = self._outbound_document(flow, record, partner, xref)
                except (mapping.UnreadableRecord, ValueError) as error:
                    skipped.append(f"{key}: {error}")
                    continue
                documents.append((moment, OutboundDocument(partner=partner, document=document, erp_key=key,
                                                           revision=stamp)))
            if latest_stamp:
                state[entity] = {"since": latest_stamp, "keys": sorted(latest_keys)}
        documents.sort(key=lambda pair: pair[0])
        return OutboundBatch(documents=[d for _, d in documents], skipped=skipped,
                             cursor=json.dumps(state, sort_keys=True) if state else cursor)

    def close(self) -> None:
        """Sign out (frees the API session the licence counts) and close the connections."""
        self.client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    # -- inbound ------------------------------------------------------------------------------------------

    def _post_sales_order(self, po: PurchaseOrder, partner: str, xref: CrossReference) -> Posting:
        with xref.resolving(system=SYSTEM, partner=partner, document=po.po_number) as res:
            record = mapping.sales_order(po, res)
        customer_id = str(record["CustomerID"])
        if self.client.get("Customer", customer_id) is None:
            raise MappingError([f"customer {customer_id} (partners.csv, partner {partner}) does not exist in "
                                f"Acumatica: create the customer or correct partners.csv, then replay"],
                               system=SYSTEM, operation="post 850", document=po.po_number, partner=partner)
        existing = self._find_sales_order(customer_id, po.po_number)
        if existing is not None:
            return existing
        stored = self.client.put("SalesOrder", record, mode="insert", document=po.po_number, partner=partner)
        return _posting("SalesOrder", stored, ("OrderType", "OrderNbr"))

    def _post_bill(self, invoice: Invoice, partner: str, xref: CrossReference) -> Posting:
        with xref.resolving(system=SYSTEM, partner=partner, document=invoice.invoice_number) as res:
            record = mapping.bill(invoice, res)
        existing = self._find_bill(str(record["Vendor"]), invoice.invoice_number)
        if existing is not None:
            return existing
        stored = self.client.put("Bill", record, mode="insert", document=invoice.invoice_number, partner=partner)
        return _posting("Bill", stored, ("Type", "ReferenceNbr"))

    def _post_acknowledgment(self, ack: POAcknowledgment, partner: str, xref: CrossReference) -> Posting:
        order = self.client.get("PurchaseOrder", mapping.PURCHASE_ORDER_TYPE, ack.po_number, expand=DETAILS)
        with xref.resolving(system=SYSTEM, partner=partner, document=ack.po_number) as res:
            vendor = res.party("supplier")
            if order is None:
                res.missing.append(f"purchase order {ack.po_number} does not exist in Acumatica")
                changes = None
            else:
                if vendor and str(order.get("VendorID") or "").casefold() != vendor.casefold():
                    res.missing.append(f"purchase order {ack.po_number} belongs to vendor {order.get('VendorID')}, "
                                       f"not to {vendor} (partners.csv, partner {partner})")
                changes = mapping.acknowledgment_changes(ack, res, order)
        assert order is not None  # a missing order was a miss, raised when the block ended
        if changes is None:
            return _order_posting(order, ack, existed=True)
        stored = self.client.put("PurchaseOrder", changes, mode="update", document=ack.po_number, partner=partner)
        changed = len(changes.get("Details") or [])
        return _order_posting(stored, ack, existed=False, changed_lines=changed)

    def _post_receipt(self, notice: ShipNotice, partner: str, xref: CrossReference) -> Posting:
        orders: dict[str, dict[str, Any] | None] = {}

        def line_of(po_number: str, item: str) -> int | None:
            if po_number not in orders:
                orders[po_number] = self.client.get("PurchaseOrder", mapping.PURCHASE_ORDER_TYPE, po_number,
                                                    expand=DETAILS)
            order = orders[po_number] or {}
            return next((int(r["LineNbr"]) for r in order.get("Details") or []
                         if str(r.get("InventoryID") or "").casefold() == item.casefold()
                         and r.get("LineNbr") is not None), None)

        with xref.resolving(system=SYSTEM, partner=partner, document=notice.shipment_id) as res:
            record = mapping.purchase_receipt(notice, res, line_of)
        existing = self._find_receipt(str(record["VendorID"]), notice.shipment_id)
        if existing is not None:
            return existing
        stored = self.client.put("PurchaseReceipt", record, mode="insert", document=notice.shipment_id,
                                 partner=partner)
        return _posting("PurchaseReceipt", stored, ("Type", "ReceiptNbr"))

    # -- lookups by natural key ---------------------------------------------------------------------------

    def _find_sales_order(self, customer_id: str, po_number: str) -> Posting | None:
        return self._find_one("SalesOrder", ("OrderType", "OrderNbr"), OrderType=mapping.SALES_ORDER_TYPE,
                              CustomerID=customer_id, CustomerOrder=po_number)

    def _find_bill(self, vendor: str, invoice_number: str) -> Posting | None:
        return self._find_one("Bill", ("Type", "ReferenceNbr"), Type=mapping.BILL_TYPE, Vendor=vendor,
                              VendorRef=invoice_number)

    def _find_receipt(self, vendor: str, shipment_id: str) -> Posting | None:
        return self._find_one("PurchaseReceipt", ("Type", "ReceiptNbr"), VendorID=vendor, VendorRef=shipment_id)

    def _find_one(self, entity: str, keys: tuple[str, str], **equal: str) -> Posting | None:
        condition = " and ".join(f"{name} eq {odata_text(value)}" for name, value in equal.items())
        found = self.client.query(entity, filter=condition, top=1)
        return _posting(entity, found[0], keys, existed=True) if found else None

    # -- outbound -----------------------------------------------------------------------------------------

    def _changed(self, entity: str, filter_: str | None) -> Iterator[dict[str, Any]]:
        """Records matching ``filter_``, each with its Details: lists may ignore ``$expand`` (a known quirk of
        some instances), so a record that came without them is read again on its own."""
        for record in self.client.query_all(entity, filter=filter_, expand=DETAILS):
            if "Details" not in record and record.get("id"):
                record = self.client.get(entity, str(record["id"]), expand=DETAILS) or record
            yield record

    def _outbound_document(self, flow: str, record: dict[str, Any], partner: str,
                           xref: CrossReference) -> PurchaseOrder | Invoice:
        if flow == "850":
            return mapping.purchase_order_document(record, partner=partner, xref=xref, buyer=self.customer.name)
        return mapping.invoice_document(record, partner=partner, xref=xref, seller=self.customer.name)


def _posting(entity: str, record: dict[str, Any], keys: tuple[str, str], *, existed: bool = False) -> Posting:
    kind, number = (str(record.get(k) or "") for k in keys)
    detail = {"type": kind, "id": record.get("id"), "status": record.get("Status")}
    return Posting(record_kind=entity, record_id=number, existed=existed,
                   detail={k: v for k, v in detail.items() if v is not None})


def _order_posting(order: dict[str, Any], ack: POAcknowledgment, *, existed: bool,
                   changed_lines: int | None = None) -> Posting:
    detail: dict[str, Any] = {"type": order.get("Type") or mapping.PURCHASE_ORDER_TYPE, "id": order.get("id"),
                              "acknowledgment": ack.ack_type}
    if changed_lines is not None:
        detail["changed_lines"] = changed_lines
    return Posting(record_kind="PurchaseOrder acknowledgment", record_id=str(order.get("OrderNbr") or ack.po_number),
                   existed=existed, detail={k: v for k, v in detail.items() if v is not None})


def _read_cursor(cursor: str | None) -> dict[str, dict[str, Any]]:
    if not cursor:
        return {}
    try:
        state = json.loads(cursor)
    except ValueError:
        raise ValueError(f"not an Acumatica outbound cursor: {cursor[:80]!r}") from None
    if not isinstance(state, dict) or not all(isinstance(v, dict) for v in state.values()):
        raise ValueError(f"not an Acumatica outbound cursor: {cursor[:80]!r}")
    return state


def _parse_moment(stamp: str | None) -> dt.datetime | None:
    if not stamp:
        return None
    try:
        moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


_CONFORMS: type[ErpConnector] = AcumaticaConnector  # mypy checks the class against the protocol here
