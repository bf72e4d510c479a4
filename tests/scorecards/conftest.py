"""Scorecard fixtures: a ledger written the way the pipeline writes it, with the times under the test's control
(:class:`Timeline`), and a simulator fleet whose partners answer with known delays (:class:`ScenarioFleet`)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from edi_assets.customers import Customer, load_customers
from edi_assets.documents import Document, FunctionalAck
from edi_assets.ledger import Ledger
from edi_assets.ledger import schema as s
from tests.matching.builders import purchase_order
from tests.pipeline.conftest import Fleet

ROOT = Path(__file__).resolve().parents[2]
CUSTOMERS = ROOT / "mappings" / "customers.yaml"
ISA_IDS = {"steelco": ("ZZ", "STEELCO"), "boltworks": ("01", "123456789"), "packright": ("ZZ", "PACKRIGHT")}
FUNCTIONAL = {"997": "FA", "855": "PR", "856": "SH", "810": "IN"}


def acme() -> Customer:
    return load_customers(CUSTOMERS, environ={}).get("acme")


def envelope(partner: str, doc_type: str, at: dt.datetime, interchange: int, group: int) -> bytes:
    """A minimal interchange whose ISA and GS carry ``at`` (what the scorecard reads the send time from)."""
    qualifier, isa_id = ISA_IDS[partner]
    return (f"ISA*00*          *00*          *{qualifier}*{isa_id:<15}*ZZ*ACMEMFG        *{at:%y%m%d}*{at:%H%M}*U*"
            f"00401*{interchange:09d}*0*P*>~GS*{FUNCTIONAL[doc_type]}*{isa_id}*ACMEMFG*{at:%Y%m%d}*{at:%H%M}*"
            f"{group}*X*004010~ST*{doc_type}*0001~SE*2*0001~GE*1*{group}~IEA*1*{interchange:09d}~").encode()


class Timeline:
    """Writes acme's 850s (sent when the test says) and partners' answers (sent when the test says)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.serial = itertools.count(1)

    def sent_850(self, po: str, *, partner: str = "steelco", at: dt.datetime, ship_by: dt.date | None = None) -> str:
        """An 850 uploaded (Cleo accepted it at ``at``); the group control number waiting for its 997."""
        order = purchase_order(po=po, ship_by=ship_by)
        row, _ = self.ledger.document(customer="acme", partner=partner, direction="out", doc_type="850",
                                      doc_key=f"PO {po}@1", number=po, payload=order.model_dump(mode="json"),
                                      state="pending")
        upload = self.ledger.upload_intent(customer="acme", partner=partner, kind="document", subject_key=str(row.id),
                                           folder=f"/{partner}/outbound", document_id=row.id, functional_id="PO",
                                           render=lambda numbers: (f"850_{po}_{numbers.interchange}.x12", b"850"))
        self.ledger.upload_done(upload.id, f"cleo-{upload.id}")
        with self.ledger.transaction() as c:
            c.execute(update(s.uploads).where(s.uploads.c.id == upload.id).values(updated_at=at))
        return str(upload.group_control_number)

    def received(self, doc_type: str, document: Document, *, partner: str = "steelco", at: dt.datetime) -> int:
        """A partner's document whose envelope says it was sent at ``at`` (minutes: X12 has no seconds here)."""
        serial = next(self.serial)
        content = envelope(partner, doc_type, at, serial, serial)
        file_row, _ = self.ledger.file_seen(customer="acme", partner=partner, folder=f"/{partner}/inbound",
                                            cleo_file_id=f"f{serial}", name=f"{doc_type}_{serial}.edi",
                                            content=content)
        qualifier, isa_id = ISA_IDS[partner]
        interchange, _ = self.ledger.interchange_seen(customer="acme", partner=partner, file_id=file_row.id,
                                                      sender=f"{qualifier}:{isa_id}", control_number=f"{serial:09d}")
        number = next((getattr(document, f) for f in ("invoice_number", "po_number", "shipment_id",
                                                        "group_control_number") if getattr(document, f, None)), None)
        row, _ = self.ledger.document(
            customer="acme", partner=partner, direction="in", doc_type=doc_type,
            doc_key=f"{qualifier}:{isa_id}/{serial:09d}/{serial}/0001/{doc_type}", number=number,
            payload=document.model_dump(mode="json"), state="posted", file_id=file_row.id,
            interchange_id=interchange, group_control_number=str(serial), functional_id=FUNCTIONAL[doc_type])
        return int(row.id)

    def ack_997(self, group: str, *, partner: str = "steelco", at: dt.datetime) -> int:
        ack = FunctionalAck(functional_id="PO", group_control_number=group, group_status="A", sets_included=1,
                            sets_received=1, sets_accepted=1)
        return self.received("997", ack, partner=partner, at=at)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    opened = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    yield opened
    opened.close()


@pytest.fixture
def timeline(ledger: Ledger) -> Timeline:
    return Timeline(ledger)


def minute(at: dt.datetime) -> dt.datetime:
    """``at`` as an X12 envelope can say it: to the minute."""
    return at.replace(second=0, microsecond=0)


class ScenarioFleet(Fleet):
    """The simulators of :class:`tests.pipeline.conftest.Fleet`, seeded with a scenario of the test's own."""

    def __init__(self, scenario: dict[str, Any]) -> None:
        super().__init__()
        self.scenario = scenario

    def url(self, system: str) -> str:
        from simulators.core.server import start
        from simulators.registry import app_factory

        if system not in self.servers:
            self.servers[system] = start(app_factory(system)(self.scenario))
        return str(self.servers[system].url)
