"""IFS Cloud (spec section 5): Keycloak client credentials, OData v4 projections, etags and If-Match.

:class:`IfsConnector` is the :class:`~edi_assets.connectors.erp.ErpConnector` (kind ``ifs``): 810 in as a manual
supplier invoice with its posting proposal, POs out as 850s. :class:`IfsClient` holds one method per remote
operation, :mod:`.mapping` the pure document mappings, :class:`IfsAuth` the token grant.
"""

from edi_assets.connectors.ifs.auth import IfsAuth
from edi_assets.connectors.ifs.client import IfsClient, IfsPaths, IfsRejected, Updated, raise_for
from edi_assets.connectors.ifs.connector import IfsConnector
from edi_assets.connectors.ifs.mapping import IfsInvoice, invoice_to_ifs, purchase_order_from_ifs

__all__ = [
    "IfsAuth",
    "IfsClient",
    "IfsConnector",
    "IfsInvoice",
    "IfsPaths",
    "IfsRejected",
    "Updated",
    "invoice_to_ifs",
    "purchase_order_from_ifs",
    "raise_for",
]
