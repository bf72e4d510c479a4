"""Per-customer settings (`mappings/customers.yaml`): which ERP, where, which partners, which flows, what limits.

A customer is one ERP tenant, one Cleo tenant and the trading partners behind its Cleo folders. The file holds
no secrets: credentials live in the vault (:mod:`edi_assets.vault`) under the names :data:`CREDENTIAL_NAMES`
lists per system. Values may refer to environment variables as ``${NAME}`` or ``${NAME:-default}``, so one
file serves several environments (the demo points them at the bundled simulators).

Validation is strict (unknown keys refused) and every bad field is reported at once, with its path, by
:class:`CustomersFileError`, because a typo in a folder name would otherwise surface hours later as "no files".
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator, model_validator

DEFAULT_FILE = Path("mappings") / "customers.yaml"

Ident = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
IsaQualifier = Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{2}$")]
IsaId = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z][0-9A-Za-z .\-_]{0,14}$")]
FolderPath = Annotated[str, StringConstraints(pattern=r"^/[^\s]*[^/\s]$")]
ErpKind = Literal["qad", "acumatica", "quickbooks", "ifs", "infor"]
DocType = Literal["810", "850", "855", "856"]

#: What each ERP can take in from partners and send out to them (DESIGN.md, "Flows, per customer").
SUPPORTED_FLOWS: dict[str, dict[str, frozenset[str]]] = {
    "qad": {"inbound": frozenset({"810", "855", "856"}), "outbound": frozenset({"850"})},
    "acumatica": {"inbound": frozenset({"850", "810", "855", "856"}), "outbound": frozenset({"810", "850"})},
    "quickbooks": {"inbound": frozenset({"810", "850", "856"}), "outbound": frozenset()},
    "ifs": {"inbound": frozenset({"810"}), "outbound": frozenset({"850"})},
    "infor": {"inbound": frozenset({"810"}), "outbound": frozenset({"850"})},  # spec: no M3 customer-invoice API
}

#: The vault names each system's connector reads (``edi credentials set CUSTOMER NAME``).
CREDENTIAL_NAMES: dict[str, tuple[str, ...]] = {
    "cleo": ("cleo.username", "cleo.password", "cleo.totp_secret"),  # the TOTP seed only for users with 2FA
    "qad": ("qad.username", "qad.password", "qad.client_id"),
    "acumatica": ("acumatica.username", "acumatica.password", "acumatica.client_id", "acumatica.client_secret"),
    "quickbooks": ("quickbooks.username", "quickbooks.password"),
    "ifs": ("ifs.client_id", "ifs.client_secret"),
    "infor": ("infor.ionapi",),  # the whole .ionapi file: it holds the client secret and service-account keys
}

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class CustomersFileError(ValueError):
    """The customers file cannot be used; ``problems`` lists each bad field as ``path: reason``."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s)\n{listing}")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http(s) URL")
    if parts.username or parts.password:
        raise ValueError("must not carry credentials: store them with `edi credentials set`")
    if parts.query or parts.fragment:
        raise ValueError("must not have a query string or fragment")
    return value.rstrip("/")


class Sla(_Model):
    """Deadlines a partner is held to (issue 7's scorecards); any field left out takes the default's."""

    ack855_hours: float | None = Field(default=None, gt=0)
    ship856_grace_days: float | None = Field(default=None, ge=0)  # after the ship date the 850 asked for
    invoice810_days: float | None = Field(default=None, gt=0)  # after the 856
    ack997_hours: float | None = Field(default=None, gt=0)
    min_on_time_rate: float | None = Field(default=None, ge=0, le=1)

    def over(self, base: Sla) -> Sla:
        """These values where set, else ``base``'s."""
        return Sla(**{name: getattr(self, name) if getattr(self, name) is not None else getattr(base, name)
                      for name in Sla.model_fields})


DEFAULT_SLA = Sla(ack855_hours=24, ship856_grace_days=0, invoice810_days=5, ack997_hours=4, min_on_time_rate=0.9)


class MatchTolerance(_Model):
    """How far an invoice's unit price may exceed the PO price before it is held: both limits apply."""

    price_amount: Decimal = Field(default=Decimal("0.01"), ge=0)
    price_percent: Decimal = Field(default=Decimal("0"), ge=0, le=100)


class Partner(_Model):
    """A trading partner behind one set of Cleo folders."""

    id: Ident
    name: str | None = None
    isa_qualifier: IsaQualifier
    isa_id: IsaId
    version: Literal["004010", "005010"] = "004010"
    inbound_folder: FolderPath | None = None  # default /{id}/inbound: files the partner sends us
    outbound_folder: FolderPath | None = None  # default /{id}/outbound: files we send the partner
    archive_folder: FolderPath | None = None  # default /{id}/archive: where `after_processing: move` puts files
    sla: Sla = Sla()

    @property
    def inbound(self) -> str:
        return self.inbound_folder or f"/{self.id}/inbound"

    @property
    def outbound(self) -> str:
        return self.outbound_folder or f"/{self.id}/outbound"

    @property
    def archive(self) -> str:
        return self.archive_folder or f"/{self.id}/archive"


class Cleo(_Model):
    url: str
    after_processing: Literal["keep", "delete", "move"] = "keep"  # what to do with an inbound file once posted
    requests_per_second: float = Field(default=5, gt=0)

    _url = field_validator("url")(_http_url)


class QadErp(_Model):
    kind: Literal["qad"]
    url: str  # the full tenant URL: https://{tenant}.qad.com/clouderp or https://host:port/qad-central
    domain: str
    entity: str | None = None  # with the domain, the x-qad-workspace-id header ({domain}_{entity})
    site: str | None = None

    @field_validator("url")
    @classmethod
    def _tenant_url(cls, value: str) -> str:
        value = _http_url(value)
        if not urlsplit(value).path.rstrip("/").endswith(("/clouderp", "/qad-central")):
            raise ValueError("must be the full tenant URL, ending in /clouderp (cloud) or /qad-central (on-premises)")
        return value


class AcumaticaErp(_Model):
    kind: Literal["acumatica"]
    url: str  # the instance, e.g. https://bluefin.acumatica.com
    company: str  # the tenant name the login names
    endpoint: str = "Default"
    version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d{3}\.\d{3}$")]  # exact, e.g. 24.200.001
    branch: str | None = None

    _url = field_validator("url")(_http_url)


class QuickBooksErp(_Model):
    kind: Literal["quickbooks"]
    company_file: str  # as the Web Connector reports it; a request for another file is refused
    app_name: str = "EDI Assets"
    poll_minutes: int = Field(default=5, ge=1)
    ap_account: str = "Accounts Payable"


class IfsErp(_Model):
    kind: Literal["ifs"]
    url: str  # the IFS Cloud base, e.g. https://delta.ifs.cloud
    realm: str  # the Keycloak realm (namespace)
    company: str

    _url = field_validator("url")(_http_url)


class InforErp(_Model):
    kind: Literal["infor"]
    cono: int = Field(ge=1, le=999)  # company, sent on every call
    divi: str | None = None  # division, where a transaction needs it
    facility: str | None = None


Erp = Annotated[QadErp | AcumaticaErp | QuickBooksErp | IfsErp | InforErp, Field(discriminator="kind")]


class Flows(_Model):
    inbound: list[DocType] = Field(default_factory=list)  # partner → ERP
    outbound: list[DocType] = Field(default_factory=list)  # ERP → partner


class Schedule(_Model):
    inbound_seconds: int = Field(default=60, ge=10)  # how often the sensor lists the inbound folders
    outbound_cron: str = "*/15 * * * *"

    @field_validator("outbound_cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        fields = value.split()
        if len(fields) != 5 or not all(re.fullmatch(r"[0-9*/,\-A-Za-z]+", f) for f in fields):
            raise ValueError("must be a five-field cron expression, e.g. '*/15 * * * *'")
        return value


class Customer(_Model):
    id: Ident
    name: str
    erp: Erp
    cleo: Cleo
    isa_qualifier: IsaQualifier  # our interchange id with this customer's partners
    isa_id: IsaId
    partners: list[Partner] = Field(min_length=1)
    flows: Flows
    schedule: Schedule = Schedule()
    hold_limit_hours: float = Field(default=24, gt=0)  # a held document older than this fails the check
    match: MatchTolerance = MatchTolerance()
    sla: Sla = Sla()
    enabled: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> Customer:
        seen: set[str] = set()
        for partner in self.partners:
            if partner.id in seen:
                raise ValueError(f"partner {partner.id!r} is listed twice")
            seen.add(partner.id)
        ids = [(p.isa_qualifier, p.isa_id) for p in self.partners]
        if len(set(ids)) != len(ids):
            raise ValueError("two partners share an interchange id")
        supported = SUPPORTED_FLOWS[self.erp.kind]
        for direction in ("inbound", "outbound"):
            for doc in getattr(self.flows, direction):
                if doc not in supported[direction]:
                    raise ValueError(f"{direction} {doc} is not a {self.erp.kind} flow "
                                     f"(supported: {', '.join(sorted(supported[direction])) or 'none'})")
        return self

    def partner(self, partner_id: str) -> Partner:
        for partner in self.partners:
            if partner.id == partner_id:
                return partner
        raise KeyError(f"customer {self.id} has no partner {partner_id!r}")

    def partner_by_interchange(self, qualifier: str, isa_id: str) -> Partner | None:
        """The partner an interchange came from, by its ISA05/ISA06 (ids compare without padding)."""
        wanted = (qualifier.strip(), isa_id.strip())
        return next((p for p in self.partners if (p.isa_qualifier, p.isa_id) == wanted), None)

    def sla_for(self, partner_id: str) -> Sla:
        """The partner's deadlines over the customer's over the defaults."""
        return self.partner(partner_id).sla.over(self.sla.over(DEFAULT_SLA))


class CustomersFile(_Model):
    customers: list[Customer]

    @model_validator(mode="after")
    def _unique(self) -> CustomersFile:
        ids = [c.id for c in self.customers]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"customer ids listed twice: {', '.join(duplicates)}")
        return self

    def __iter__(self) -> Iterator[Customer]:  # type: ignore[override]
        return iter(self.customers)

    def get(self, customer_id: str) -> Customer:
        for customer in self.customers:
            if customer.id == customer_id:
                return customer
        known = ", ".join(c.id for c in self.customers)
        raise KeyError(f"no customer {customer_id!r} in the customers file (known: {known})")

    @property
    def enabled(self) -> list[Customer]:
        return [c for c in self.customers if c.enabled]


def expand_env(text: str, environ: Mapping[str, str] | None = None) -> str:
    """Replace ``${NAME}`` / ``${NAME:-default}``; a variable that is unset and has no default is an error."""
    env = os.environ if environ is None else environ
    missing: list[str] = []

    def value(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in env and env[name] != "":
            return env[name]
        if default is not None:
            return default
        missing.append(name)
        return match.group(0)

    expanded = _ENV.sub(value, text)
    if missing:
        raise CustomersFileError("environment", [f"${{{name}}} is not set and has no default" for name in missing])
    return expanded


def parse_customers(text: str, *, source: str = "customers.yaml",
                    environ: Mapping[str, str] | None = None) -> CustomersFile:
    """Validate the YAML text; raises :class:`CustomersFileError` listing every problem."""
    try:
        data: Any = yaml.safe_load(expand_env(text, environ))
    except yaml.YAMLError as exc:
        raise CustomersFileError(source, [f"not valid YAML: {exc}"]) from None
    except CustomersFileError as exc:
        raise CustomersFileError(source, exc.problems) from None
    if not isinstance(data, dict):
        raise CustomersFileError(source, ["must be a mapping with a `customers` list"])
    try:
        return CustomersFile.model_validate(data)
    except ValidationError as exc:
        raise CustomersFileError(source, [_describe(error, data) for error in exc.errors()]) from None


def load_customers(path: str | os.PathLike[str] | None = None,
                   environ: Mapping[str, str] | None = None) -> CustomersFile:
    """Read the customers file: ``path``, else ``$EDI_CUSTOMERS_FILE``, else ``mappings/customers.yaml``."""
    env = os.environ if environ is None else environ
    file = Path(path or env.get("EDI_CUSTOMERS_FILE") or DEFAULT_FILE)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise CustomersFileError(str(file), [f"cannot be read: {exc.strerror}"]) from None
    return parse_customers(text, source=str(file), environ=environ)


def _describe(error: Any, data: Any) -> str:
    """``customers[acme].erp.url: must be ...``: list items named by their id where they have one, and the
    union tag pydantic adds (``erp.qad.url``) left out."""
    parts: list[str] = []
    node = data
    for key in error["loc"]:
        if isinstance(key, int) and isinstance(node, list) and 0 <= key < len(node) and parts:
            node = node[key]
            label = node.get("id") if isinstance(node, dict) else None
            parts[-1] += f"[{label}]" if label else f"[{key}]"
        elif isinstance(node, dict) and key == node.get("kind") and key not in node:
            continue  # the discriminator tag, not a field
        else:
            node = node.get(key) if isinstance(node, dict) else None
            parts.append(str(key))
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{'.'.join(parts) or '(top)'}: {message}"
