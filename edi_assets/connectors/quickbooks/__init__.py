"""QuickBooks Desktop through the QuickBooks Web Connector (spec section 4).

The Web Connector calls us, not the other way round: documents are mapped to plans of qbXML requests
(:mod:`.mapping`, written and read by :mod:`.qbxml`), queued durably per customer (:mod:`.queue`), and handed
to the Web Connector by the SOAP endpoint (:mod:`.service`) when it next runs. :mod:`.connector` is what the
pipeline calls: ``post`` enqueues, ``find`` and ``outcomes`` read what finished.
"""

from edi_assets.connectors.quickbooks.connector import QuickBooksConnector, document_key, outcomes
from edi_assets.connectors.quickbooks.mapping import Plan, StepFailed
from edi_assets.connectors.quickbooks.queue import Batch, QueueItem, QueueSettings, WorkQueue
from edi_assets.connectors.quickbooks.service import (
    Endpoint,
    QbwcService,
    ServiceSettings,
    create_app,
    run,
    service_for,
)

__all__ = [
    "Batch",
    "Endpoint",
    "Plan",
    "QbwcService",
    "QueueItem",
    "QueueSettings",
    "QuickBooksConnector",
    "ServiceSettings",
    "StepFailed",
    "WorkQueue",
    "create_app",
    "document_key",
    "outcomes",
    "run",
    "service_for",
]
