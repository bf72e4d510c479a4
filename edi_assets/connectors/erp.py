"""What the pipeline asks of every ERP connector: post an inbound document once, read outbound documents.

Each ERP package (``qad``, ``acumatica``, ``quickbooks``, ``ifs``, ``infor``) provides a class that satisfies
:class:`ErpConnector`. The pipeline records the intent in the ledger, calls :meth:`ErpConnector.find` (after a
crash or an :class:`~edi_assets.connectors.errors.OutcomeUnknown`) and only then :meth:`ErpConnector.post`, and
records the returned :class:`Posting`. Connectors never touch the ledger themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from edi_assets.connectors.crossref import CrossReference
from edi_assets.customers import ErpKind
from edi_assets.documents import Invoice, POAcknowledgment, PurchaseOrder, ShipNotice

#: Reads one credential of the customer the connector serves, by its vault name (``cleo.password``...).
CredentialSource = Callable[[str], SecretStr]

Inbound = PurchaseOrder | Invoice | POAcknowledgment | ShipNotice
Outbound = PurchaseOrder | Invoice


class Posting(BaseModel):
    """What a document became in the ERP: the record's kind and id, and whether it was already there."""

    model_config = ConfigDict(frozen=True)

    record_kind: str  # "SupplierInvoice", "Bill", "PurchaseOrder confirmation", ...
    record_id: str  # the ERP's own id (invoice id, TxnID, INBN, OrderNbr...)
    existed: bool = False  # found by reconciliation: nothing new was created
    queued: bool = False  # QuickBooks: handed to the Web Connector queue; the outcome arrives later
    detail: dict[str, Any] = Field(default_factory=dict)  # non-secret facts worth auditing (ETag, batch, ...)


class OutboundDocument(BaseModel):
    """A document the ERP has for a partner: the canonical form and the ERP's identity of it."""

    model_config = ConfigDict(frozen=True)

    partner: str  # the partner id (customers.yaml), found through partners.csv
    document: Outbound
    erp_key: str  # stable identity in the ERP: "PO PO10001", "INV INV000001"
    revision: str  # changes when the ERP record changes (timestamp, ETag, change number)


class OutboundBatch(BaseModel):
    """Documents changed since a cursor, and the cursor to ask with next time."""

    model_config = ConfigDict(frozen=True)

    documents: list[OutboundDocument]
    cursor: str | None
    skipped: list[str] = Field(default_factory=list)  # records that could not be read as documents, and why


class ErpConnector(Protocol):
    """One customer's ERP, as the pipeline sees it."""

    @property
    def kind(self) -> ErpKind:
        """Read-only, so a connector may declare its own narrower ``Literal``."""
        ...

    def find(self, document: Inbound, *, partner: str, xref: CrossReference) -> Posting | None:
        """The record this document already became, looked up by its natural key (invoice number and supplier,
        PO number...), or None. Used to reconcile before any retry of a post."""
        ...

    def post(self, document: Inbound, *, partner: str, xref: CrossReference) -> Posting:
        """Create or update the ERP record for one inbound document. Raises MappingError when keys do not map,
        RemoteRejected when the ERP refuses it, OutcomeUnknown when it may or may not have been created."""
        ...

    def outbound(self, cursor: str | None, *, xref: CrossReference) -> OutboundBatch:
        """Purchase orders (and, where the ERP sends them, invoices) created or changed since ``cursor``."""
        ...

    def close(self) -> None: ...
