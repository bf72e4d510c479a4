"""Acumatica (contract-based REST API, spec section 3): OAuth2 password grant, one endpoint version, PUT upserts.

:class:`AcumaticaConnector` is the :class:`~edi_assets.connectors.erp.ErpConnector`; :class:`AcumaticaClient`
the HTTP client (plain dicts in and out); :mod:`.values` the one place that wraps and unwraps ``{"value": ...}``;
:mod:`.mapping` the pure functions between canonical documents and Acumatica entities.
"""

from edi_assets.connectors.acumatica.auth import AcumaticaAuth
from edi_assets.connectors.acumatica.client import AcumaticaClient, EndpointNotServed
from edi_assets.connectors.acumatica.connector import AcumaticaConnector

__all__ = ["AcumaticaAuth", "AcumaticaClient", "AcumaticaConnector", "EndpointNotServed"]
