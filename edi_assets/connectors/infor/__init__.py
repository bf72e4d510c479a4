"""Infor CloudSuite M3 through the ION API gateway: ``.ionapi`` file, ION SSO tokens, MI REST, APS450MI/PPS200MI.

:class:`InforConnector` is the :class:`~edi_assets.connectors.erp.ErpConnector` (810 in; purchase orders → 850
out); :class:`M3Client` runs single MI transactions; :func:`parse_ionapi` reads the vault's ``infor.ionapi``.
"""

from edi_assets.connectors.infor.auth import IonApiAuth
from edi_assets.connectors.infor.client import GRID_CEILING, M3Client, M3Rejected, m3_failure, raise_for_m3
from edi_assets.connectors.infor.connector import InforConnector
from edi_assets.connectors.infor.ionapi import IonApiError, IonApiFile, parse_ionapi

__all__ = [
    "GRID_CEILING",
    "InforConnector",
    "IonApiAuth",
    "IonApiError",
    "IonApiFile",
    "M3Client",
    "M3Rejected",
    "m3_failure",
    "parse_ionapi",
    "raise_for_m3",
]
