"""Durable state of the pipeline: files, documents, postings, uploads, control numbers, acks, holds, audit.

Imports nothing of the connectors or of Dagster. See :mod:`.store` for the rules it keeps.
"""

from edi_assets.ledger.store import Allocated, Ledger, LedgerError, default_url

__all__ = ["Allocated", "Ledger", "LedgerError", "default_url"]
