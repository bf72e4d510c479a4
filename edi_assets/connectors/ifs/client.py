"""IFS Cloud OData v4 projections (spec 5.2, 5.4) on :class:`ApiClient`: one method per remote operation.

What IFS adds to plain HTTP, and where this module handles it:

* **Errors** come in the OData envelope ``{"error": {"code", "message", "target", "details": [...]}}``.
  :func:`raise_for` turns a refusal into :class:`IfsRejected` (a :class:`RemoteRejected` carrying the OData
  ``code``; ``field`` is the ``target``). ``501 ODP_NOT_IMPLEMENTED`` (``$expand`` on 25R1) is a refusal, not an
  outage, so it is never retried.
* **Concurrency**: every entity carries ``@odata.etag``; a change is ``PATCH`` with ``If-Match`` and answers
  ``412`` when someone saved the row since it was read. :meth:`IfsClient.update` re-reads and tries again a
  bounded number of times, then raises :class:`ConcurrencyConflict`. IFS refuses a PATCH without If-Match
  (428 or 400), and ``If-Match: *`` would silently overwrite another user's change, so :meth:`IfsClient.patch`
  never sends one without a real etag. A conditional PATCH is safe to repeat (a repeat that finds its own
  change already made gets 412, re-reads and sees nothing left to do), so it is retried like a GET.
* **Paging**: a collection may end with ``@odata.nextLink``; it is followed only on the same origin, since the
  auth flow would hand the bearer token to whatever host a link names.
* **No idempotency keys**: a repeated POST creates a second record, so creates are never retried after they may
  have reached IFS (:class:`OutcomeUnknown`); the connector looks the invoice up first.

Keys and ``$filter`` literals are quoted as OData wants (a quote inside doubled); httpx URL-encodes the rest.
Projections are read on ``/int`` (IFS's integration endpoints) by default; the supplier-invoice projection's
names are not confirmed by any public source [U], so they are settings (:class:`IfsPaths`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict

from edi_assets.connectors.errors import (
    ConcurrencyConflict,
    ConnectorError,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
    RemoteRejected,
    TransientError,
)
from edi_assets.connectors.http import ApiClient, default_raise_for
from edi_assets.connectors.ratelimit import RateLimiter
from edi_assets.connectors.redaction import get_logger, redact, redact_url
from edi_assets.connectors.retry import RetryPolicy

SYSTEM = "ifs"
Entity = dict[str, Any]
Changes = Mapping[str, Any] | Callable[[Mapping[str, Any]], Mapping[str, Any]]

#: Order numbers per ``OrderNo eq 'A' or OrderNo eq 'B' ...`` filter: keeps the URL well under proxy limits.
ORDER_BATCH = 20

#: One rate-limit bucket for the whole system: IFS's capacity is the environment's, not a projection's, and
#: per-path keys would give every invoice (``Set(Company='10',InvoiceId=5)``) a bucket of its own.
RATE_KEY = "odata"

log = get_logger(__name__)


class IfsPaths(BaseModel):
    """Where the projections live; the invoice names are switchable because IFS's are unconfirmed [U]."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    area: Literal["int", "main"] = "int"
    purchase_order_projection: str = "PurchaseOrderHandling"
    purchase_order_set: str = "PurchaseOrderSet"
    line_entity_service: str = "PurchaseOrderLineEntity"  # all lines, part and no-part; only on /int
    line_set: str = "PurchaseOrderLineSet"
    invoice_projection: str = "ManualSupplierInvoiceHandling"
    invoice_set: str = "ManSuppInvoiceSet"
    posting_proposal_navigation: str = "PostingProposalArray"

    def projection(self, name: str) -> str:
        return f"/{self.area}/ifsapplications/projection/v1/{name}.svc"

    @property
    def purchase_orders(self) -> str:
        return f"{self.projection(self.purchase_order_projection)}/{self.purchase_order_set}"

    @property
    def purchase_order_lines(self) -> str:
        return f"/int/ifsapplications/entity/v1/{self.line_entity_service}.svc/{self.line_set}"

    @property
    def invoices(self) -> str:
        return f"{self.projection(self.invoice_projection)}/{self.invoice_set}"

    def invoice(self, company: str, invoice_id: int) -> str:
        return f"{self.invoices}({key_predicate({'Company': company, 'InvoiceId': invoice_id})})"

    def posting_proposals(self, company: str, invoice_id: int) -> str:
        return f"{self.invoice(company, invoice_id)}/{self.posting_proposal_navigation}"


class IfsRejected(RemoteRejected):
    """IFS refused the request; ``code`` is the OData error code (``DATABASE_ERROR``, ``ODP_NOT_IMPLEMENTED``...)."""

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None, **context: Any) -> None:
        super().__init__(message, field=field, **context)
        self.code = code
        if code:
            self.message = f"{self.message} [{code}]"
            self.args = (self.message,)


@dataclass(frozen=True)
class ODataError:
    """The parts of an OData v4 error envelope, redacted."""

    code: str | None
    message: str
    target: str | None


def odata_error(response: httpx.Response) -> ODataError | None:
    """The envelope's code, message (with distinct detail messages) and target; None when it is not one."""
    try:
        body: Any = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("message"), str):
        return None
    details = [d for d in error.get("details") or [] if isinstance(d, dict)]
    extra = [str(d["message"]) for d in details if d.get("message") and d.get("message") != error["message"]]
    message = "; ".join([str(error["message"]).strip(), *extra])
    target = error.get("target") or next((d.get("target") for d in details if d.get("target")), None)
    code = error.get("code")
    return ODataError(code=str(code) if code else None, message=redact(message),
                      target=str(target) if target else None)


def raise_for(response: httpx.Response) -> None:
    """IFS's error envelope → typed errors; authentication, throttling and outages go to the shared mapping."""
    status = response.status_code
    if status < 400:
        return
    error = odata_error(response)
    if error is None or status in (401, 429) or (status >= 500 and status != 501):
        default_raise_for(response, system=SYSTEM)
        return
    context: dict[str, Any] = {"system": SYSTEM, "status": status}
    tagged = f"{error.message} [{error.code}]" if error.code else error.message
    if status == 403:
        raise PermissionDenied(tagged, field=error.target, **context)
    if status == 404:
        raise NotFound(tagged, **context)
    if status in (409, 412):
        raise ConcurrencyConflict(tagged, **context)
    raise IfsRejected(error.message, code=error.code, field=error.target, **context)


def literal(value: str | int) -> str:
    """An OData literal: numbers as they are, strings quoted with any quote inside doubled."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError(f"no OData literal for {type(value).__name__}")
    return str(value) if isinstance(value, int) else "'" + value.replace("'", "''") + "'"


def key_predicate(keys: Mapping[str, str | int]) -> str:
    """``'P1'`` for a single key, ``Company='10',InvoiceId=5`` for a composite one; each literal URL-encoded
    after its quotes are doubled (spec 5.2), so a ``/``, ``?`` or ``#`` in a key stays inside the key."""
    if len(keys) == 1:
        return _key_literal(next(iter(keys.values())))
    return ",".join(f"{name}={_key_literal(value)}" for name, value in keys.items())


def _key_literal(value: str | int) -> str:
    return quote(literal(value), safe="'")


def any_of(field: str, values: Iterable[str]) -> str:
    """``(F eq 'a' or F eq 'b')``."""
    return "(" + " or ".join(f"{field} eq {literal(v)}" for v in values) + ")"


@dataclass(frozen=True)
class Updated:
    """An entity after :meth:`IfsClient.update`: the fields that were changed and how many 412s it took."""

    entity: Entity
    changed: tuple[str, ...]
    conflicts: int


class IfsClient:
    """One IFS system, authenticated by ``auth`` (:class:`~edi_assets.connectors.ifs.auth.IfsAuth`)."""

    def __init__(self, *, base_url: str, auth: httpx.Auth, limiter: RateLimiter | None = None,
                 retry: RetryPolicy | None = None, paths: IfsPaths | None = None, conflict_attempts: int = 3,
                 timeout: float = 30.0) -> None:
        if conflict_attempts < 1:
            raise ValueError("conflict_attempts must be at least 1")
        self.paths = paths or IfsPaths()
        self.conflict_attempts = conflict_attempts
        self.api = ApiClient(system=SYSTEM, base_url=base_url, auth=auth, limiter=limiter, retry=retry,
                             raise_for=raise_for, timeout=timeout,
                             headers={"Accept": "application/json", "OData-Version": "4.0"})

    def close(self) -> None:
        self.api.close()

    # -- purchase orders ----------------------------------------------------------------------------------

    def changed_purchase_orders(self, since: str | None) -> list[Entity]:
        """PO headers whose ``Objversion`` (IFS's ``YYYYMMDDHHMMSS`` change stamp) is at or after ``since``."""
        params = {"$filter": f"Objversion ge {literal(since)}"} if since else {}
        return self.collect(self.paths.purchase_orders, operation="read changed purchase orders",
                            params={**params, "$orderby": "Objversion,OrderNo"})

    def purchase_orders(self, order_nos: Iterable[str]) -> list[Entity]:
        """PO headers by order number."""
        found: list[Entity] = []
        for batch in _batches(order_nos):
            found += self.collect(self.paths.purchase_orders, operation="read purchase orders",
                                  params={"$filter": any_of("OrderNo", batch)})
        return found

    def orders_with_changed_lines(self, since: str) -> set[str]:
        """Order numbers of lines changed at or after ``since``: a line's change leaves its header's stamp alone."""
        rows = self.collect(self.paths.purchase_order_lines, operation="read changed purchase order lines",
                            params={"$filter": f"Objversion ge {literal(since)}", "$select": "OrderNo,Objversion"})
        return {str(row["OrderNo"]) for row in rows if row.get("OrderNo")}

    def purchase_order_lines(self, order_nos: Iterable[str]) -> list[Entity]:
        """Every line (part and no-part) of these orders, from the /int line entity service."""
        found: list[Entity] = []
        for batch in _batches(order_nos):
            found += self.collect(self.paths.purchase_order_lines, operation="read purchase order lines",
                                  params={"$filter": any_of("OrderNo", batch)})
        return found

    # -- manual supplier invoices -------------------------------------------------------------------------

    def supplier_invoices(self, company: str, supplier: str, invoice_no: str, *,
                          document: str | None = None) -> list[Entity]:
        """The company's manual supplier invoices with this supplier's invoice number, lowest id first."""
        condition = (f"Company eq {literal(company)} and Identity eq {literal(supplier)} "
                     f"and InvoiceNo eq {literal(invoice_no)}")
        return self.collect(self.paths.invoices, operation="look up supplier invoice", document=document,
                            params={"$filter": condition, "$orderby": "InvoiceId"})

    def supplier_invoice(self, company: str, invoice_id: int, *, document: str | None = None) -> Entity:
        return self._entity(self.paths.invoice(company, invoice_id), operation="read supplier invoice",
                            document=document)

    def create_supplier_invoice(self, header: Mapping[str, Any], *, document: str | None = None,
                                partner: str | None = None) -> Entity:
        """POST a manual supplier invoice (Preliminary); IFS assigns ``InvoiceId``. Never retried once sent."""
        return self._created(self.paths.invoices, header, operation="create supplier invoice",
                             document=document, partner=partner)

    def posting_proposals(self, company: str, invoice_id: int, *, document: str | None = None) -> list[Entity]:
        return self.collect(self.paths.posting_proposals(company, invoice_id), operation="read posting proposal",
                            document=document)

    def add_posting_proposal(self, company: str, invoice_id: int, row: Mapping[str, Any], *,
                             document: str | None = None, partner: str | None = None) -> Entity:
        """POST one posting-proposal row under the invoice (a contained navigation; IFS numbers the rows)."""
        return self._created(self.paths.posting_proposals(company, invoice_id), row,
                             operation="add posting proposal row", document=document, partner=partner)

    def update_supplier_invoice(self, company: str, invoice_id: int, changes: Changes, *,
                                document: str | None = None) -> Updated:
        return self.update(self.paths.invoice(company, invoice_id), changes, operation="update supplier invoice",
                           document=document)

    # -- generic OData ------------------------------------------------------------------------------------

    def collect(self, path: str, *, operation: str, params: Mapping[str, str] | None = None,
                document: str | None = None) -> list[Entity]:
        """Every entity of a collection, following ``@odata.nextLink`` on the same origin."""
        base = self.api.http.base_url
        url = self._absolute(path)
        body = self.api.json("GET", path, params=params, operation=operation, rate_key=RATE_KEY, document=document)
        items: list[Entity] = []
        followed: set[str] = set()
        while True:
            items += _values(body, operation)
            next_link = body.get("@odata.nextLink") if isinstance(body, dict) else None
            if not next_link:
                return items
            url = url.join(str(next_link))
            if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port):
                raise ConnectorError(f"next page link leaves {redact_url(base)}: {redact_url(url)}; not followed",
                                     system=SYSTEM, operation=operation, document=document)
            if str(url) in followed:
                raise TransientError(f"next page link repeats itself: {redact_url(url)}", system=SYSTEM,
                                     operation=operation, document=document)
            followed.add(str(url))
            body = self.api.json("GET", str(url), operation=operation, rate_key=RATE_KEY, document=document)

    def update(self, path: str, changes: Changes, *, operation: str, document: str | None = None) -> Updated:
        """Read the entity and its etag, PATCH what differs with ``If-Match``; on 412 start over, at most
        ``conflict_attempts`` times. ``changes`` may be a function of the entity as just read, so a retry
        applies it to the other user's version instead of overwriting it blindly."""
        last: ConcurrencyConflict | None = None
        for attempt in range(self.conflict_attempts):
            current = self._entity(path, operation=f"{operation} (read)", document=document)
            etag = current.get("@odata.etag")
            if not isinstance(etag, str) or not etag:
                raise ConnectorError("the entity carries no @odata.etag; IFS requires If-Match on every change",
                                     system=SYSTEM, operation=operation, document=document)
            wanted = changes(current) if callable(changes) else changes
            delta = {name: value for name, value in wanted.items() if current.get(name) != value}
            if not delta:
                return Updated(current, (), attempt)
            try:
                response = self.patch(path, delta, etag=etag, operation=operation, document=document)
            except ConcurrencyConflict as conflict:
                log.info("ifs %s: %s changed since it was read (attempt %d of %d); reading it again", operation,
                         path, attempt + 1, self.conflict_attempts)
                last = conflict
                continue
            entity = _entity_body(response)
            if entity is None:  # 204, or 200 without the entity: read the new version (and its etag)
                entity = self._entity(path, operation=f"{operation} (read back)", document=document)
            return Updated(entity, tuple(delta), attempt)
        raise ConcurrencyConflict(
            f"changed by another user before each of {self.conflict_attempts} attempts to update it",
            system=SYSTEM, operation=operation, status=last.status if last else 412, document=document,
            endpoint=f"PATCH {redact_url(self._absolute(path))}") from last

    def patch(self, path: str, changes: Mapping[str, Any], *, etag: str, operation: str,
              document: str | None = None) -> httpx.Response:
        """One conditional PATCH. Refuses to send without an etag: IFS would refuse it, and ``*`` would
        overwrite whatever another user saved."""
        if not etag or etag.strip() == "*":
            raise ValueError("a PATCH to IFS needs the entity's etag in If-Match")
        return self.api.request("PATCH", path, json=dict(changes), headers={"If-Match": etag},
                                operation=operation, rate_key=RATE_KEY, idempotent=True, document=document)

    def _absolute(self, path: str) -> httpx.URL:
        """``path`` under the base URL, as httpx resolves a request's path (appended to any base path)."""
        return httpx.URL(str(self.api.http.base_url).rstrip("/") + "/" + path.lstrip("/"))

    def _entity(self, path: str, *, operation: str, document: str | None = None) -> Entity:
        body = self.api.json("GET", path, operation=operation, rate_key=RATE_KEY, document=document)
        if not isinstance(body, dict):
            raise TransientError("the entity is not a JSON object", system=SYSTEM, operation=operation,
                                 document=document)
        return body

    def _created(self, path: str, payload: Mapping[str, Any], *, operation: str, document: str | None,
                 partner: str | None) -> Entity:
        body = self.api.json("POST", path, json=dict(payload), operation=operation, rate_key=RATE_KEY,
                             document=document, partner=partner)
        if not isinstance(body, dict):  # accepted, but which record it made is unknown: reconcile, do not repeat
            raise OutcomeUnknown("the create was answered without the new entity; look it up before retrying",
                                 system=SYSTEM, operation=operation, document=document, partner=partner)
        return body


def _values(body: Any, operation: str) -> list[Entity]:
    if not isinstance(body, dict) or not isinstance(body.get("value"), list):
        raise TransientError("the answer is not an OData collection", system=SYSTEM, operation=operation)
    return [item for item in body["value"] if isinstance(item, dict)]


def _entity_body(response: httpx.Response) -> Entity | None:
    if response.status_code == 204 or not response.content.strip():
        return None
    try:
        body: Any = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) and body.get("@odata.etag") else None


def _batches(values: Iterable[str], size: int = ORDER_BATCH) -> Iterable[list[str]]:
    ordered = sorted(set(values))
    for start in range(0, len(ordered), size):
        yield ordered[start:start + size]
