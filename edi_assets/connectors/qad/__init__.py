"""QAD Adaptive ERP (spec section 2): OAuth password grant, business-entity REST, the pipeline's connector.

:class:`QadConnector` is what the pipeline uses; :class:`QadClient` and :class:`QadAuth` are its HTTP side
and :mod:`.mapping` its pure translation between canonical documents and QAD records.
"""

from edi_assets.connectors.qad.auth import QadAuth
from edi_assets.connectors.qad.client import QadClient, raise_for_qad
from edi_assets.connectors.qad.connector import QadConnector

__all__ = ["QadAuth", "QadClient", "QadConnector", "raise_for_qad"]
