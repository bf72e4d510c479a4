"""What one customer's pipeline step works with: its settings, tables, ledger and open clients.

The Dagster resources build a :class:`CustomerRuntime` per run and partition; tests and ``make demo`` build
one directly. Connectors are opened lazily, so a step that needs only the ledger opens no connection.
"""

from __future__ import annotations

import functools
import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from edi_assets.connectors.cleo import CleoClient
from edi_assets.connectors.crossref import CrossReference
from edi_assets.connectors.erp import CredentialSource, ErpConnector
from edi_assets.connectors.ratelimit import RateLimiter
from edi_assets.connectors.retry import RetryPolicy
from edi_assets.customers import Customer
from edi_assets.ledger import Ledger
from edi_assets.vault import Vault

Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    """The default progress sink: the Dagster layer passes ``context.log.info`` instead."""


def vault_credentials(vault: Vault, customer: str) -> CredentialSource:
    def read(name: str) -> SecretStr:
        return vault.get(customer, name)

    return read


#: The connector class per ERP kind, imported on first use so a customer's run loads only its own.
CONNECTORS: dict[str, str] = {
    "qad": "edi_assets.connectors.qad:QadConnector",
    "acumatica": "edi_assets.connectors.acumatica:AcumaticaConnector",
    "quickbooks": "edi_assets.connectors.quickbooks:QuickBooksConnector",
    "ifs": "edi_assets.connectors.ifs:IfsConnector",
    "infor": "edi_assets.connectors.infor:InforConnector",
}


def open_erp(customer: Customer, credentials: CredentialSource, *, limiter: RateLimiter | None,
             retry: RetryPolicy | None = None, **options: Any) -> ErpConnector:
    """The customer's ERP connector: ``Class.from_customer(customer, credentials, limiter=, retry=)`` where the
    class has one, else ``Class(customer, credentials, limiter=, retry=)``."""
    module, name = CONNECTORS[customer.erp.kind].split(":")
    connector_class: Any = getattr(importlib.import_module(module), name)
    build = getattr(connector_class, "from_customer", connector_class)
    connector: ErpConnector = build(customer, credentials, limiter=limiter, retry=retry, **options)
    return connector


@dataclass
class CustomerRuntime:
    customer: Customer
    ledger: Ledger
    xref: CrossReference
    credentials: CredentialSource
    limiter: RateLimiter | None = None
    retry: RetryPolicy | None = None
    progress: Progress = _quiet
    erp_options: dict[str, Any] = field(default_factory=dict)
    _cleo: CleoClient | None = None
    _erp: ErpConnector | None = None

    @functools.cached_property
    def partner_ids(self) -> list[str]:
        return [p.id for p in self.customer.partners]

    @property
    def cleo(self) -> CleoClient:
        """The customer's Cleo client, shared by every runtime of the process: one login serves all the steps
        and runs (a 2FA login must otherwise wait for a fresh TOTP step each time)."""
        if self._cleo is None:
            key = (self.customer.id, self.customer.cleo.url)
            with _SHARED_LOCK:
                client = _SHARED_CLEO.get(key)
                if client is None:
                    client = CleoClient.from_customer(self.customer, self.credentials, limiter=self.limiter,
                                                      retry=self.retry)
                    _SHARED_CLEO[key] = client
            self._cleo = client
        return self._cleo

    @property
    def erp(self) -> ErpConnector:
        if self._erp is None:
            self._erp = open_erp(self.customer, self.credentials, limiter=self.limiter, retry=self.retry,
                                 **self.erp_options)
        return self._erp

    def close(self) -> None:
        """Close the ERP connector (Acumatica signs out); the shared Cleo client stays open for the next run."""
        if self._erp is not None:
            self._erp.close()
        self._cleo = self._erp = None


_SHARED_CLEO: dict[tuple[str, str], CleoClient] = {}
_SHARED_LOCK = threading.Lock()


def close_shared_clients() -> None:
    with _SHARED_LOCK:
        for client in _SHARED_CLEO.values():
            client.close()
        _SHARED_CLEO.clear()
