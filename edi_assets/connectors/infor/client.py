"""M3 MI REST through the ION API gateway (spec 6.4), on the shared :class:`~edi_assets.connectors.http.ApiClient`.

Every call is ``GET {iu}/{ti}/M3/m3api-rest/v2/execute/{PROGRAM}/{TRANSACTION}[;maxrecs=N;returncols=..]`` with
``CONO`` (and ``DIVI`` where the transaction works per division), ``dateformat=YMD8``, ``excludeempty=false`` and
``righttrim=true``. Values are trimmed here as well, in case a grid pads them anyway.

Two M3 habits shape this module:

* **Writes are GETs and are not idempotent.** Write transactions are sent with ``idempotent=False``, so a 5xx or a
  dropped connection raises :class:`~edi_assets.connectors.errors.OutcomeUnknown` instead of a blind retry; the
  caller looks the record up before trying again.
* **HTTP 200 even when the transaction failed.** :func:`raise_for_m3` reads the three failure shapes (the v2
  result item with ``errorMessage``/``errorType``/``errorField``; the legacy ``@type``/``Message``/``@field``, its
  message space-padded; the bare ``{"ErrorMessage": ...}``), and the partial list that ends in an error after N
  records (Infor KB 2159861), as :class:`M3Rejected`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from edi_assets.connectors.errors import RemoteRejected
from edi_assets.connectors.http import ApiClient, default_raise_for
from edi_assets.connectors.infor.auth import SYSTEM, IonApiAuth
from edi_assets.connectors.infor.ionapi import IonApiFile
from edi_assets.connectors.ratelimit import RateLimiter
from edi_assets.connectors.retry import RetryPolicy

Record = dict[str, str]

#: Query parameters of every call: dates as YYYYMMDD, empty fields present, values not padded.
MI_OPTIONS = {"dateformat": "YMD8", "excludeempty": "false", "righttrim": "true"}

#: The most records any M3 list returns, even with ``maxrecs=0``; there is no paging [C].
GRID_CEILING = 1000


class M3Rejected(RemoteRejected):
    """An MI transaction answered with a failure: M3's message (padding trimmed) and field, its error type
    (``ServerReturnedNOK``, ``TransactionNotFound``, ``MandatoryInputFieldNotFound``, ``InputFieldTooLong``) and
    code; for a list that ended in an error, the ``records`` read before it."""

    def __init__(self, message: str, *, field: str | None = None, error_type: str | None = None,
                 error_code: str | None = None, transaction: str | None = None,
                 records: Sequence[Record] = (), **context: Any) -> None:
        super().__init__(message, field=field, **context)
        self.error_type = error_type
        self.error_code = error_code
        self.transaction = transaction
        self.records = list(records)


def _text(value: Any) -> str | None:
    """A failure attribute as text, or None when blank (M3 sends ``""`` and ``null`` alike)."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _rejection(message: Any, *, field: Any, error_type: Any, code: Any, transaction: Any, status: int,
               records: Sequence[Record] = ()) -> M3Rejected:
    text = _text(message) or _text(error_type) or "M3 refused the transaction without a message"
    if records:
        text += f" (the list ended in this error after {len(records)} records)"
    return M3Rejected(text, field=_text(field), error_type=_text(error_type), error_code=_text(code),
                      transaction=_text(transaction), records=records, system=SYSTEM, status=status)


def _trimmed(records: Any) -> list[Record]:
    if not isinstance(records, list):
        return []
    return [{str(k): str(v if v is not None else "").rstrip() for k, v in r.items()}
            for r in records if isinstance(r, dict)]


def m3_failure(body: Any, *, status: int = 200) -> M3Rejected | None:
    """The failure an MI answer reports, in any of its shapes; None for a successful answer."""
    if not isinstance(body, dict):
        return None
    results = body.get("results")
    if isinstance(results, list):  # v2, single or bulk: the first failed transaction
        for item in results:
            if isinstance(item, dict) and (item.get("errorMessage") or item.get("errorType")):
                return _rejection(item.get("errorMessage"), field=item.get("errorField"),
                                  error_type=item.get("errorType"), code=item.get("errorCode"),
                                  transaction=item.get("transaction"), status=status,
                                  records=_trimmed(item.get("records")))
        if body.get("wasTerminated"):
            return _rejection(body.get("terminationReason"), field=None, error_type=body.get("terminationErrorType"),
                              code=None, transaction=None, status=status)
        return None
    if "@type" in body or "Message" in body:  # legacy v1 NOK, message space-padded
        rows = [{str(nv.get("Name")): str(nv.get("Value", "")) for nv in row.get("NameValue") or []}
                for row in body.get("MIRecord") or [] if isinstance(row, dict)]
        return _rejection(body.get("Message"), field=body.get("@field"), error_type=body.get("@type"),
                          code=body.get("@code"), transaction=body.get("Transaction"), status=status,
                          records=_trimmed(rows))
    if body.get("ErrorMessage"):
        return _rejection(body["ErrorMessage"], field=None, error_type=None, code=None,
                          transaction=body.get("Transaction"), status=status)
    return None


def raise_for_m3(response: httpx.Response) -> None:
    """Gateway errors by HTTP status (401 token, 403 role, 404 unknown path, 429/503 throttling); then the
    failures M3 answers inside HTTP 200."""
    if response.status_code >= 400:
        default_raise_for(response, system=SYSTEM)
        return
    try:
        body = response.json()
    except ValueError:
        return  # the client reports an unreadable body (retried for reads, OutcomeUnknown for writes)
    failure = m3_failure(body, status=response.status_code)
    if failure is not None:
        raise failure


def _records(body: Any) -> list[Record]:
    """The records of a successful single-transaction answer (v2, or v1 for a grid that answers in it)."""
    if isinstance(body, dict) and isinstance(body.get("results"), list):
        first = body["results"][0] if body["results"] else {}
        return _trimmed(first.get("records") if isinstance(first, dict) else None)
    if isinstance(body, dict) and isinstance(body.get("MIRecord"), list):
        return _trimmed([{str(nv.get("Name")): nv.get("Value", "") for nv in row.get("NameValue") or []}
                         for row in body["MIRecord"] if isinstance(row, dict)])
    return []


def _one(records: list[Record], operation: str, *, document: str | None = None) -> Record:
    """The record a Get transaction answers; M3 answers NOK when there is none, so an empty answer is odd."""
    if not records:
        raise M3Rejected(f"{operation} answered without a record", system=SYSTEM, operation=operation,
                         document=document)
    return records[0]


class M3Client:
    """One customer's M3 company (CONO, and DIVI where a transaction needs it) through the ION API gateway."""

    def __init__(self, ionapi: IonApiFile, *, cono: int, divi: str | None = None, limiter: RateLimiter | None = None,
                 retry: RetryPolicy | None = None, transport: httpx.BaseTransport | None = None,
                 timeout: float = 30.0, refresh_skew: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ionapi = ionapi
        self.cono = cono
        self.divi = divi
        self.auth = IonApiAuth(ionapi, refresh_skew=refresh_skew, clock=clock)
        self.api = ApiClient(system=SYSTEM, base_url=ionapi.mi_base_url, auth=self.auth, limiter=limiter,
                             retry=retry, raise_for=raise_for_m3, timeout=timeout, transport=transport,
                             headers={"Accept": "application/json"})

    def close(self) -> None:
        self.api.close()

    # -- one transaction ----------------------------------------------------------------------------------

    def execute(self, program: str, transaction: str, fields: Mapping[str, str | None] | None = None, *,
                write: bool = False, per_division: bool = False, maxrecs: int | None = None,
                returncols: Sequence[str] | None = None, document: str | None = None,
                partner: str | None = None) -> list[Record]:
        """Run one transaction and return its records, values trimmed. ``write`` marks a transaction that
        changes data (never repeated blindly); ``per_division`` adds DIVI; ``maxrecs=0`` asks for every record
        (up to :data:`GRID_CEILING`); blank fields are left out, as M3 reads them as "not given"."""
        matrix = ""
        if maxrecs is not None:
            matrix += f";maxrecs={maxrecs}"
        if returncols:
            matrix += f";returncols={','.join(returncols)}"
        params: dict[str, str] = {"CONO": str(self.cono)}
        if per_division and self.divi:
            params["DIVI"] = self.divi
        params.update({name: value for name, value in (fields or {}).items() if value not in (None, "")})
        params.update(MI_OPTIONS)
        body = self.api.json("GET", f"/execute/{program}/{transaction}{matrix}", operation=f"{program}/{transaction}",
                             idempotent=not write, params=params, document=document, partner=partner)
        return _records(body)

    # -- CRS620MI: suppliers ------------------------------------------------------------------------------

    def get_supplier(self, suno: str) -> Record:
        """CRS620MI/GetBasicData: the supplier's name, currency, status..."""
        return _one(self.execute("CRS620MI", "GetBasicData", {"SUNO": suno}), "CRS620MI/GetBasicData")

    # -- PPS200MI: purchase orders ------------------------------------------------------------------------

    def search_order_heads(self, query: str) -> list[Record]:
        """PPS200MI/SearchHead with an M3 search query, e.g. ``LMDT:[20261101 TO *]``; at most
        :data:`GRID_CEILING` heads come back, so callers partition the query."""
        return self.execute("PPS200MI", "SearchHead", {"SQRY": query}, maxrecs=0)

    def list_order_lines(self, puno: str) -> list[Record]:
        return self.execute("PPS200MI", "LstLine", {"PUNO": puno}, maxrecs=0)

    # -- APS450MI / APS455MI: supplier invoice batches ----------------------------------------------------

    def find_invoices(self, suno: str, sino: str, *, document: str | None = None,
                      partner: str | None = None) -> list[Record]:
        """APS450MI/LstInvBySupInv: batches of this supplier invoice number (every year; M3's uniqueness is
        payee + supplier + number + invoice year)."""
        return self.execute("APS450MI", "LstInvBySupInv", {"SUNO": suno, "SINO": sino}, per_division=True,
                            maxrecs=0, document=document, partner=partner)

    def add_invoice_head(self, fields: Mapping[str, str | None], *, document: str | None = None,
                         partner: str | None = None) -> str:
        """APS450MI/AddHead: opens a batch and returns its number (INBN)."""
        records = self.execute("APS450MI", "AddHead", fields, write=True, per_division=True, document=document,
                               partner=partner)
        inbn = records[0].get("INBN", "") if records else ""
        if not inbn:
            raise M3Rejected("APS450MI/AddHead answered without an invoice batch number (INBN)", system=SYSTEM,
                             operation="APS450MI/AddHead", document=document, partner=partner)
        return inbn

    def add_invoice_line(self, inbn: str, fields: Mapping[str, str | None], *, document: str | None = None,
                         partner: str | None = None) -> None:
        self.execute("APS450MI", "AddLine", {"INBN": inbn, **fields}, write=True, per_division=True,
                     document=document, partner=partner)

    def list_invoice_lines(self, inbn: str, *, document: str | None = None) -> list[Record]:
        return self.execute("APS450MI", "LstLines", {"INBN": inbn}, per_division=True, maxrecs=0, document=document)

    def get_invoice_head(self, inbn: str, *, document: str | None = None) -> Record:
        """APS450MI/GetHead: the head with its error flags (IBHE head, IBLE lines) and, once posted, VONO/YEA4."""
        records = self.execute("APS450MI", "GetHead", {"INBN": inbn}, per_division=True, document=document)
        return _one(records, "APS450MI/GetHead", document=document)

    def validate_invoice_batch(self, inbn: str, *, document: str | None = None, partner: str | None = None) -> None:
        """APS455MI/ValidByBatchNo: validates and, when clean, posts the batch (irreversible)."""
        self.execute("APS455MI", "ValidByBatchNo", {"INBN": inbn}, write=True, per_division=True,
                     document=document, partner=partner)
