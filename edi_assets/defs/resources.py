"""The one Dagster resource: where the customers file, tables, ledger and vault are, and a runtime per customer."""


import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster import ConfigurableResource

from edi_assets.connectors.cleo import cleo_limit
from edi_assets.connectors.crossref import CrossReference
from edi_assets.connectors.ratelimit import RateLimiter, RateLimitSettings
from edi_assets.customers import CustomersFile, load_customers
from edi_assets.ledger import Ledger
from edi_assets.pipeline.runtime import CustomerRuntime, Progress, vault_credentials
from edi_assets.vault import Vault


class EdiResource(ConfigurableResource["EdiResource"]):
    """Paths and URLs only, never a secret: credentials come from the vault when a runtime opens."""

    customers_file: str | None = None  # default $EDI_CUSTOMERS_FILE or mappings/customers.yaml
    mappings_dir: str | None = None  # default $EDI_MAPPINGS_DIR or mappings
    ledger_url: str | None = None  # default $EDI_LEDGER_URL or SQLite under DAGSTER_HOME
    vault_store: str | None = None  # default $DAGSTER_HOME/credentials.json
    rate_limits: bool = True

    def customers(self) -> CustomersFile:
        return load_customers(self.customers_file)

    def ledger(self) -> Ledger:
        return _ledger(self.ledger_url)

    @contextmanager
    def runtime(self, customer_id: str, progress: Progress | None = None) -> Iterator[CustomerRuntime]:
        customer = self.customers().get(customer_id)
        xref = CrossReference.load(customer.id, self.mappings_dir, partners=[p.id for p in customer.partners])
        vault = Vault(Path(self.vault_store) if self.vault_store else None)
        limiter = (RateLimiter(RateLimitSettings(limits={"cleo": cleo_limit(customer.cleo.requests_per_second)}))
                   if self.rate_limits else None)
        rt = CustomerRuntime(customer=customer, ledger=self.ledger(), xref=xref,
                             credentials=vault_credentials(vault, customer.id), limiter=limiter)
        if progress is not None:
            rt.progress = progress
        try:
            yield rt
        finally:
            rt.close()


@functools.cache
def _ledger(url: str | None) -> Ledger:
    """One ledger (engine and pool) per process and URL: runs in one process share connections."""
    return Ledger(url)
