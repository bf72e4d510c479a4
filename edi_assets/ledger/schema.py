"""The ledger's tables and their versioned migrations (SQLAlchemy Core: one schema for SQLite and PostgreSQL).

A migration is a function of a connection, applied in order inside one transaction with the version row, so a
crash mid-migration leaves the previous version intact. Never edit a released migration: add the next one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
    select,
)

metadata = MetaData()

_Id = BigInteger().with_variant(Integer(), "sqlite")  # SQLite only auto-increments INTEGER PRIMARY KEY


def _id() -> Column[int]:
    return Column("id", _Id, primary_key=True, autoincrement=True)


def _at(name: str = "created_at", nullable: bool = False) -> Column[object]:
    return Column(name, DateTime(timezone=True), nullable=nullable)


schema_version = Table("ledger_schema", metadata, Column("version", Integer, nullable=False))

files = Table(
    "files", metadata, _id(),
    Column("customer", String(40), nullable=False),
    Column("partner", String(40), nullable=False),
    Column("folder", String(400), nullable=False),
    Column("cleo_file_id", String(200), nullable=False),
    Column("name", String(400), nullable=False),
    Column("checksum", String(64), nullable=False),  # sha256 of the bytes
    Column("size", BigInteger, nullable=False),
    Column("content", LargeBinary, nullable=False),  # the bytes as received: read, replayed and audited from here
    Column("state", String(20), nullable=False),  # seen, processed, held, finished
    Column("reason", Text),
    _at(), _at("updated_at"),
    UniqueConstraint("customer", "cleo_file_id", "checksum", name="uq_files_cleo"),
)

interchanges = Table(
    "interchanges", metadata, _id(),
    Column("customer", String(40), nullable=False),
    Column("partner", String(40), nullable=False),
    Column("file_id", _Id, ForeignKey("files.id"), nullable=False),
    Column("sender", String(40), nullable=False),  # qualifier:id
    Column("control_number", String(9), nullable=False),
    Column("duplicate_of", _Id, ForeignKey("interchanges.id")),
    _at(),
    UniqueConstraint("file_id", "control_number", name="uq_interchanges_file"),
)
Index("ix_interchanges_sender", interchanges.c.customer, interchanges.c.sender, interchanges.c.control_number)

documents = Table(
    "documents", metadata, _id(),
    Column("customer", String(40), nullable=False),
    Column("partner", String(40), nullable=False),
    Column("direction", String(3), nullable=False),  # in, out
    Column("doc_type", String(3), nullable=False),  # 810 850 855 856
    Column("doc_key", String(300), nullable=False),  # inbound: EnvelopeRef.key; outbound: erp key @ revision
    Column("number", String(80)),  # invoice, PO or shipment number, for people
    Column("file_id", _Id, ForeignKey("files.id")),
    Column("interchange_id", _Id, ForeignKey("interchanges.id")),
    Column("group_control_number", String(9)),
    Column("functional_id", String(2)),
    Column("payload", JSON, nullable=False),  # the canonical document
    Column("state", String(20), nullable=False),
    Column("reason", Text),
    Column("attempts", Integer, nullable=False, default=0),
    _at(), _at("updated_at"),
    UniqueConstraint("customer", "direction", "doc_key", name="uq_documents_key"),
)
Index("ix_documents_state", documents.c.customer, documents.c.state)
Index("ix_documents_number", documents.c.customer, documents.c.number)
Index("ix_documents_partner_type", documents.c.customer, documents.c.partner, documents.c.doc_type)

document_orders = Table(  # the purchase orders each document names: a PO's documents by index, not by scanning payloads
    "document_orders", metadata,
    Column("document_id", _Id, ForeignKey("documents.id"), primary_key=True),
    Column("po_number", String(80), primary_key=True),
    Column("customer", String(40), nullable=False),
)
Index("ix_document_orders_po", document_orders.c.customer, document_orders.c.po_number)

postings = Table(
    "postings", metadata, _id(),
    Column("document_id", _Id, ForeignKey("documents.id"), nullable=False, unique=True),
    Column("customer", String(40), nullable=False),
    Column("system", String(20), nullable=False),
    Column("state", String(20), nullable=False),  # intent, done, queued, failed
    Column("record_kind", String(60)),
    Column("record_id", String(120)),
    Column("existed", Boolean, nullable=False, default=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("detail", JSON),
    Column("error", Text),
    _at(), _at("updated_at"),
)

control_numbers = Table(
    "control_numbers", metadata,
    Column("customer", String(40), primary_key=True),
    Column("partner", String(40), primary_key=True),
    Column("last_interchange", BigInteger, nullable=False, default=0),
    Column("last_group", BigInteger, nullable=False, default=0),
)

uploads = Table(
    "uploads", metadata, _id(),
    Column("customer", String(40), nullable=False),
    Column("partner", String(40), nullable=False),
    Column("kind", String(10), nullable=False),  # document (an 850/810 we send), ack (a 997 we send)
    Column("subject_key", String(300), nullable=False),  # what the upload carries: document id, or group key
    Column("folder", String(400), nullable=False),
    Column("file_name", String(200), nullable=False),
    Column("interchange_control_number", String(9), nullable=False),
    Column("group_control_number", String(9), nullable=False),
    Column("content", LargeBinary, nullable=False),  # a resend is byte-identical
    Column("state", String(20), nullable=False),  # intent, sending (first attempt taken), retrying, done
    Column("cleo_file_id", String(200)),
    _at(), _at("updated_at"),
    UniqueConstraint("customer", "kind", "subject_key", name="uq_uploads_subject"),
    UniqueConstraint("customer", "folder", "file_name", name="uq_uploads_name"),
)

groups_out = Table(  # outbound functional groups waiting for the partner's 997
    "groups_out", metadata, _id(),
    Column("customer", String(40), nullable=False),
    Column("partner", String(40), nullable=False),
    Column("upload_id", _Id, ForeignKey("uploads.id"), nullable=False, unique=True),
    Column("group_control_number", String(9), nullable=False),
    Column("functional_id", String(2), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("ack_status", String(2)),  # AK901 once received: A, E, P, R
    Column("acked_at", DateTime(timezone=True)),
    _at(),
    UniqueConstraint("customer", "partner", "group_control_number", name="uq_groups_out"),
)

groups_in = Table(  # inbound functional groups and the 997 each one got back
    "groups_in", metadata, _id(),
    Column("customer", String(40), nullable=False),
    Column("partner", String(40), nullable=False),
    Column("interchange_id", _Id, ForeignKey("interchanges.id"), nullable=False),
    Column("group_control_number", String(9), nullable=False),
    Column("functional_id", String(2), nullable=False),
    Column("ack_status", String(2)),  # what our 997 said
    Column("ack_upload_id", _Id, ForeignKey("uploads.id")),
    _at(),
    UniqueConstraint("interchange_id", "group_control_number", name="uq_groups_in"),
)

holds = Table(
    "holds", metadata, _id(),
    Column("customer", String(40), nullable=False),
    Column("partner", String(40)),
    Column("subject", String(20), nullable=False),  # file, document, ack
    Column("subject_id", _Id, nullable=False),
    Column("code", String(40), nullable=False),  # mapping, rejected, x12, duplicate, unknown_ack, match...
    Column("reason", Text, nullable=False),
    Column("state", String(20), nullable=False),  # open, replayed, approved, released
    Column("resolved_by", String(80)),
    Column("resolution", Text),
    _at(), _at("resolved_at", nullable=True),
)
Index("ix_holds_open", holds.c.customer, holds.c.state)
Index("ix_holds_subject", holds.c.subject, holds.c.subject_id)

audit = Table(  # append-only: the ledger never updates or deletes a row here
    "audit", metadata, _id(),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("customer", String(40), nullable=False),
    Column("subject", String(20), nullable=False),
    Column("subject_id", _Id, nullable=False),
    Column("step", String(60), nullable=False),
    Column("detail", JSON),
    Column("actor", String(80), nullable=False),
)
Index("ix_audit_subject", audit.c.subject, audit.c.subject_id)

cursors = Table(
    "cursors", metadata,
    Column("customer", String(40), primary_key=True),
    Column("name", String(80), primary_key=True),
    Column("value", Text),
    _at("updated_at"),
)


def _v1(connection: Connection) -> None:
    metadata.create_all(connection, tables=[t for t in metadata.sorted_tables if t is not schema_version])


def payload_po_numbers(payload: Any) -> set[str]:
    """The PO numbers a stored canonical document names: its own ``po_number`` and those of its ``orders`` and
    ``items`` (an 856 may ship several orders). The one definition both the index and the match's filter use."""
    if not isinstance(payload, dict):
        return set()
    found = {payload.get("po_number")}
    entries = [*(payload.get("orders") or []), *(payload.get("items") or [])]
    found.update(o.get("po_number") for o in entries if isinstance(o, dict))
    return {n for n in found if isinstance(n, str) and n}


def fit_po_number(po_number: str) -> str:
    """A PO number as ``document_orders`` stores it: undecodable bytes escaped, and one longer than the column cut
    with a digest of the whole, so two long ones stay two (as the ledger fits every partner's text)."""
    text = po_number.encode("utf-8", "backslashreplace").decode("utf-8")
    if len(text) <= 80:
        return text
    return f"{text[:67]}~{hashlib.sha256(text.encode('utf-8')).hexdigest()[:12]}"


def _v2(connection: Connection) -> None:
    """``document_orders``, filled from the documents recorded so far, and the indexes that keep the per-document
    lookups (a record's holds, a partner's documents of one type) from reading the whole table."""
    document_orders.create(connection, checkfirst=True)  # a fresh database got all of it from _v1 already
    for index in (*holds.indexes, *documents.indexes):
        if index.name in ("ix_holds_subject", "ix_documents_partner_type"):
            index.create(connection, checkfirst=True)
    d = documents.c
    rows = [{"document_id": r.id, "customer": r.customer, "po_number": po}
            for r in connection.execute(select(d.id, d.customer, d.payload))
            for po in {fit_po_number(n) for n in payload_po_numbers(r.payload)}]
    if rows:
        connection.execute(insert(document_orders), rows)


MIGRATIONS: list[Callable[[Connection], None]] = [_v1, _v2]
LATEST = len(MIGRATIONS)
