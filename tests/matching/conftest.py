"""Match fixtures: a fresh ledger, acme's runtime with a recording ERP in place of QAD, and the ledger records
of one purchase order (the 850 we sent, the partner's 855, 856 and 810) written as the pipeline writes them.

The end-to-end tests borrow the simulator fleet of ``tests/pipeline``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from edi_assets.connectors.crossref import CrossReference
from edi_assets.connectors.erp import OutboundBatch, Posting
from edi_assets.customers import load_customers
from edi_assets.documents import Document, PurchaseOrder
from edi_assets.ledger import Ledger
from edi_assets.pipeline.inbound import PostingReport, post_documents
from edi_assets.pipeline.runtime import CustomerRuntime
from tests.pipeline.conftest import fleet, runtime_for  # noqa: F401  (fixtures for the end-to-end tests)

ROOT = Path(__file__).resolve().parents[2]
MAPPINGS = ROOT / "mappings"


class RecordingErp:
    """Posts everything and remembers it; answers purchase-order lookups only when given ``orders``."""

    kind = "qad"

    def __init__(self) -> None:
        self.posted: list[Document] = []

    def find(self, document: Any, *, partner: str, xref: CrossReference) -> Posting | None:
        return None

    def post(self, document: Any, *, partner: str, xref: CrossReference) -> Posting:
        self.posted.append(document)
        return Posting(record_kind="SupplierInvoice", record_id=f"SI{len(self.posted)}")

    def outbound(self, cursor: str | None, *, xref: CrossReference) -> OutboundBatch:
        return OutboundBatch(documents=[], cursor=cursor)

    def close(self) -> None:
        return None

    @property
    def invoices(self) -> list[str]:
        return [getattr(d, "invoice_number", "") for d in self.posted]


class ErpWithPurchaseOrders(RecordingErp):
    """An ERP whose connector can read a purchase order back (the optional PurchaseOrderSource)."""

    def __init__(self, orders: dict[str, PurchaseOrder]) -> None:
        super().__init__()
        self.orders = orders
        self.asked: list[str] = []

    def purchase_order(self, po_number: str, *, partner: str, xref: CrossReference) -> PurchaseOrder | None:
        self.asked.append(po_number)
        return self.orders.get(po_number)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    opened = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    yield opened
    opened.close()


@pytest.fixture
def erp() -> RecordingErp:
    return RecordingErp()


def acme_runtime(ledger: Ledger, erp: RecordingErp) -> CustomerRuntime:
    customer = load_customers(MAPPINGS / "customers.yaml", environ={}).get("acme")
    return CustomerRuntime(customer=customer, ledger=ledger, xref=CrossReference.load("acme", MAPPINGS),
                           credentials=lambda name: SecretStr("unused"), _erp=erp)


@pytest.fixture
def rt(ledger: Ledger, erp: RecordingErp) -> CustomerRuntime:
    return acme_runtime(ledger, erp)


class Books:
    """Writes a PO's documents into the ledger the way the pipeline records them."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.serial = itertools.count(1)

    def sent(self, order: PurchaseOrder, *, partner: str = "steelco", revision: str = "1",
             state: str = "acknowledged") -> int:
        row, _ = self.ledger.document(customer="acme", partner=partner, direction="out", doc_type="850",
                                      doc_key=f"PO {order.po_number}@{revision}", number=order.po_number,
                                      payload=order.model_dump(mode="json"), state=state)
        return int(row.id)

    def received(self, doc_type: str, document: Document, *, partner: str = "steelco", state: str = "posted",
                 number: str | None = None, interchange_id: int | None = None) -> int:
        serial = next(self.serial)
        key = f"ZZ:{partner.upper()}/{serial:09d}/{serial}/{serial:04d}/{doc_type}"
        shown = number or getattr(document, "invoice_number", None) or getattr(document, "po_number", None) \
            or getattr(document, "shipment_id", None)
        row, _ = self.ledger.document(customer="acme", partner=partner, direction="in", doc_type=doc_type,
                                      doc_key=key, number=shown, payload=document.model_dump(mode="json"),
                                      state=state, interchange_id=interchange_id)
        return int(row.id)


@pytest.fixture
def books(ledger: Ledger) -> Books:
    return Books(ledger)


@pytest.fixture
def post(rt: CustomerRuntime) -> Callable[[], PostingReport]:
    return lambda: post_documents(rt)
