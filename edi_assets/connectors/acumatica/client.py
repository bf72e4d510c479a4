"""HTTP client for Acumatica's contract-based REST API: one configured endpoint version, plain dicts in and out.

Every entity URL is ``/entity/{endpoint}/{version}/{Entity}``, with the endpoint and the exact version the
customer configured: an instance publishes only the versions it was set up with (screen SM207060), and asks for
any other one answer a bare 404, which :class:`EndpointNotServed` reports as such instead of "record not found".

Bodies pass through :mod:`.values` (wrap on the way out, unwrap on the way back), so callers never see
``{"value": ...}``. Writes are ``PUT`` (the API refuses ``POST`` on a collection): an upsert by default,
``If-None-Match: *`` to insert only and ``If-Match: *`` to update only, as the spec's operations table says.

One client holds one OAuth token for its whole life, so a run opens one API session and reuses it: the licence
caps concurrent API sessions ("API Login Limit"). :meth:`AcumaticaClient.sign_out` ends the session.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal
from urllib.parse import quote

import httpx

from edi_assets.connectors.acumatica import values
from edi_assets.connectors.acumatica.auth import SYSTEM, AcumaticaAuth, is_login_limit, login_limit_error
from edi_assets.connectors.errors import ConcurrencyConflict, ConnectorError, NotFound, RemoteRejected, TransientError
from edi_assets.connectors.http import ApiClient, default_raise_for, remote_message
from edi_assets.connectors.ratelimit import RateLimiter
from edi_assets.connectors.redaction import get_logger
from edi_assets.connectors.retry import RetryPolicy

log = get_logger(__name__)

PutMode = Literal["upsert", "insert", "update"]
_PRECONDITIONS: dict[PutMode, dict[str, str]] = {
    "upsert": {},
    "insert": {"If-None-Match": "*"},
    "update": {"If-Match": "*"},
}
#: Exception types of a 500 that are a business rule speaking (the same request fails the same way again).
_BUSINESS_EXCEPTION_PREFIX = "PX."
#: ...except these, which are contention between two writers, worth repeating.
_TRANSIENT_EXCEPTIONS = ("LockViolation", "Deadlock", "Timeout")
PAGE_SIZE = 100


class EndpointNotServed(ConnectorError):  # noqa: N818 (it names the situation, like NotFound)
    """The instance does not publish the configured endpoint version (or the entity in it): a setup problem,
    never "record not found"."""


def odata_text(value: str) -> str:
    """A text literal for ``$filter`` (quotes doubled, as OData escapes them)."""
    return "'" + value.replace("'", "''") + "'"


def odata_datetime(value: str) -> str:
    return f"datetimeoffset{odata_text(value)}"


class AcumaticaClient:
    """One tenant's entity API at one endpoint version; methods take and return plain dicts."""

    def __init__(self, *, base_url: str, endpoint: str, version: str, auth: AcumaticaAuth,
                 branch: str | None = None, limiter: RateLimiter | None = None, retry: RetryPolicy | None = None,
                 timeout: float = 60.0, transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.endpoint = endpoint
        self.version = version
        self.auth = auth
        headers = {"Accept": "application/json"}
        if branch:
            headers["PX-CbApiBranch"] = branch
        self.api = ApiClient(system=SYSTEM, base_url=self.base_url, auth=auth, limiter=limiter, retry=retry,
                             raise_for=self._raise_for, timeout=timeout, headers=headers, transport=transport)
        self._signed_out = False

    # -- URLs ---------------------------------------------------------------------------------------------

    @property
    def root(self) -> str:
        return f"/entity/{self.endpoint}/{self.version}"

    def entity_path(self, entity: str, *keys: str) -> str:
        """``/entity/{endpoint}/{version}/{Entity}[/{key}...]``, each key escaped (``Debit Adj.``, slashes)."""
        return "/".join([self.root, entity, *(quote(str(k), safe="") for k in keys)])

    # -- operations ---------------------------------------------------------------------------------------

    def query(self, entity: str, *, filter: str | None = None, expand: Iterable[str] = (),
             select: Iterable[str] = (), top: int | None = None, skip: int | None = None) -> list[dict[str, Any]]:
        """One page of ``GET /{Entity}`` (a JSON array), unwrapped."""
        params = _query(filter=filter, expand=expand, select=select, top=top, skip=skip)
        body = self.api.json("GET", self.entity_path(entity), operation=f"query {entity}", params=params,
                             rate_key=self._rate_key)
        if not isinstance(body, list):
            raise TransientError(f"list of {entity} is not a JSON array", system=SYSTEM)
        return [values.unwrap(row) for row in body if isinstance(row, Mapping)]

    def query_all(self, entity: str, *, filter: str | None = None, expand: Iterable[str] = (),
                 page_size: int = PAGE_SIZE) -> Iterator[dict[str, Any]]:
        """Every record matching ``filter``, page by page (``$top``/``$skip``: the API has no next links)."""
        expand = tuple(expand)
        skip = 0
        while True:
            page = self.query(entity, filter=filter, expand=expand, top=page_size, skip=skip)
            yield from page
            if len(page) < page_size:
                return
            skip += page_size

    def get(self, entity: str, *keys: str, expand: Iterable[str] = ()) -> dict[str, Any] | None:
        """One record by its keys (``Bill/Bill/000123``) or its id; None when there is no such record."""
        try:
            body = self.api.json("GET", self.entity_path(entity, *keys), operation=f"get {entity}",
                                 params=_query(expand=expand), rate_key=self._rate_key, document="/".join(keys))
        except NotFound:
            return None
        if not isinstance(body, Mapping):
            raise TransientError(f"{entity} {'/'.join(keys)} is not a JSON object", system=SYSTEM)
        return values.unwrap(body)

    def put(self, entity: str, record: Mapping[str, Any], *, mode: PutMode = "upsert", expand: Iterable[str] = (),
            document: str | None = None, partner: str | None = None) -> dict[str, Any]:
        """``PUT /{Entity}`` with ``record`` wrapped; returns the stored record, unwrapped. ``mode`` insert or
        update sets ``If-None-Match: *`` / ``If-Match: *``; the precondition failing is a
        :class:`ConcurrencyConflict` saying which (the record exists / does not exist).

        An insert is not idempotent although it is a PUT: a new document carries no number (Acumatica gives
        it), so a repeated insert would create a second one. A failure that may have reached the server is
        therefore :class:`~edi_assets.connectors.errors.OutcomeUnknown`: look the record up by its natural key
        before trying again. Updates and upserts by key are repeated safely."""
        try:
            body = self.api.json("PUT", self.entity_path(entity), operation=f"{mode} {entity}",
                                 params=_query(expand=expand), json=values.wrap(record),
                                 headers=_PRECONDITIONS[mode], idempotent=mode != "insert",
                                 rate_key=self._rate_key, document=document, partner=partner)
        except ConcurrencyConflict as error:
            if error.status == 412 and mode != "upsert":
                what = "already exists" if mode == "insert" else "does not exist"
                raise ConcurrencyConflict(f"{entity} {what} ({error.message})", system=SYSTEM, status=412,
                                          operation=error.operation, endpoint=error.endpoint, document=document,
                                          partner=partner) from error
            raise
        if not isinstance(body, Mapping):
            raise TransientError(f"{entity} PUT answered no entity", system=SYSTEM)
        return values.unwrap(body)

    def endpoints(self) -> list[dict[str, Any]]:
        """``GET /entity``: the endpoints and versions the instance publishes (what to configure)."""
        body = self.api.json("GET", "/entity", operation="list endpoints", rate_key=self._rate_key)
        listed = body.get("endpoints") if isinstance(body, Mapping) else None
        return [dict(e) for e in listed or [] if isinstance(e, Mapping)]

    def sign_out(self) -> None:
        """``POST /entity/auth/logout`` with the current token, freeing the licence's API session. Only when
        a token was obtained (signing out must not sign in first); failures are logged, not raised."""
        if self._signed_out or self.auth.token is None:
            return
        try:
            self.api.request("POST", "/entity/auth/logout", operation="sign out", idempotent=True,
                             rate_key=self._rate_key)
        except ConnectorError as error:
            log.warning("acumatica: sign-out failed (%s); the session ends when it idles out", error)
        finally:
            self._signed_out = True
            self.auth.forget()

    def close(self) -> None:
        """Sign out, then release the connection pool."""
        try:
            self.sign_out()
        finally:
            self.api.close()

    # -- errors -------------------------------------------------------------------------------------------

    @property
    def _rate_key(self) -> str:
        """The licence limits requests per minute per instance, not per URL: one bucket per instance."""
        return self.base_url

    def _raise_for(self, response: httpx.Response) -> None:
        """Acumatica's own error shapes first, then the shared mapping."""
        status = response.status_code
        if status < 400:
            return
        if is_login_limit(response):
            raise login_limit_error(status)
        body = _json_or_none(response)
        if status == 404 and not isinstance(body, Mapping):
            raise EndpointNotServed(
                f"the instance does not serve endpoint {self.endpoint} version {self.version} (or not this entity "
                f"in it): the version must be one the instance publishes on screen SM207060 (GET /entity lists "
                f"them)", system=SYSTEM, status=status)
        errors = values.field_errors(body)
        fields = [e for e in errors if e.path]
        if fields:  # a refused PUT: the entity echoed with errors (422, or 500 on some versions)
            record = next((e.message for e in errors if not e.path), None)
            detail = "; ".join(f"{e.path}: {e.message}" for e in fields)
            message = f"{record} {detail}" if record else detail
            raise RemoteRejected(message, field=fields[0].path, system=SYSTEM, status=status)
        if status == 500 and isinstance(body, Mapping) and _is_business_exception(body):
            message, _ = remote_message(response)
            raise RemoteRejected(message, system=SYSTEM, status=status)
        default_raise_for(response, system=SYSTEM)


def _query(*, filter: str | None = None, expand: Iterable[str] = (), select: Iterable[str] = (),
           top: int | None = None, skip: int | None = None) -> dict[str, str]:
    params: dict[str, str] = {}
    if filter:
        params["$filter"] = filter
    if expanded := ",".join(expand):
        params["$expand"] = expanded
    if selected := ",".join(select):
        params["$select"] = selected
    if top is not None:
        params["$top"] = str(top)
    if skip:
        params["$skip"] = str(skip)
    return params


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _is_business_exception(body: Mapping[str, Any]) -> bool:
    kind = str(body.get("exceptionType") or "")
    return kind.startswith(_BUSINESS_EXCEPTION_PREFIX) and not any(t in kind for t in _TRANSIENT_EXCEPTIONS)


__all__ = ["AcumaticaClient", "EndpointNotServed", "PutMode", "odata_datetime", "odata_text"]
