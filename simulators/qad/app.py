"""HTTP layer of the QAD simulator: the REST API of the QAD web UI under `/{tenant}/clouderp` (the cloud's
context root) and, by setting, `/{tenant}/qad-central` (the on-prem EE web UI's), with the legacy session
logins (`api/login` -> JSESSIONID, `j_spring_security_check`).

Three answer shapes, as QAD gives them: business-entity data `{"data": ...}`; a write's
`{"submitResult": {"success", "errors"}, "data"}` (business errors too, with HTTP 200); and
gateway-level failures (403, bad requests) as a bare `{"errors": [...]}`. QXtend's SOAP route is `qxtend.py`'s.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from simulators.qad.backend import ForbiddenError, OAuthError, QadBackend, UnauthorizedError, WorkspaceError
from simulators.qad.browses import BrowseError, run_browse
from simulators.qad.qxtend import create_qxtend_route
from simulators.qad.records import BusinessError, FieldError, Record, parse_timestamp
from simulators.qad.tenant import RECEIPT_GL_ERROR, SUPPLIER_VIEW, QadTenant

BASE = "/{tenant}/{context}"
"""`context` is the context root: `clouderp`, or `qad-central` where the setting serves it."""
SESSION_COOKIE = "JSESSIONID"
WORKSPACE_HEADER = "x-qad-workspace-id"
PO_VIEW = "urn:be:com.qad.purchasing.purchaseorders.IPurchaseOrderHeader"
INVOICE_VIEW = "urn:be:com.qad.financials.supplierinvoice.ISupplierInvoice"  # [I]
RECEIPT_VIEW = "urn:be:com.qad.purchasing.receipts.IPurchaseOrderReceipt"  # [I]
MFG_SUPPLIER_VIEW = "urn:be:com.qad.base.supplier.IMfgSupplier"
MODIFIED_SINCE = "modifiedSince"  # [I] the 'new POs since' query parameter

Data = dict[str, Any]
Handler = Callable[[Request, QadTenant, Any], Any]
Endpoint = Callable[[Request], Awaitable[Response]]


class BadRequestError(Exception):
    """A request QAD refuses before any business rule runs (HTTP 400, bare `errors`)."""

    def __init__(self, message: str, field_name: str = "") -> None:
        super().__init__(message)
        self.error = FieldError(message, field_name)


def create_routes(backend: QadBackend) -> list[Route]:
    def served_tenant(request: Request) -> QadTenant | None:
        """The path's tenant when it exists and its context root is served."""
        if not backend.serves(request.path_params["context"]):
            return None
        return backend.tenants.get(request.path_params["tenant"])

    def erp(resource: str, handler: Handler, *, view: str | None = None, basic_ok: bool = False) -> Endpoint:
        """Wrap a handler with tenant lookup, authorization, the viewUri check and the answer shapes."""

        async def endpoint(request: Request) -> Response:
            tenant = served_tenant(request)
            if tenant is None:
                return PlainTextResponse("Not Found", 404)
            body: Any = None
            try:
                backend.authorize(
                    tenant,
                    request.headers.get("authorization"),
                    resource,
                    basic_ok=basic_ok,
                    session_id=request.cookies.get(SESSION_COOKIE),
                    context=request.path_params["context"],
                )
                backend.check_workspace(tenant, request.headers.get(WORKSPACE_HEADER))
                if view is not None and request.query_params.get("viewUri") != view:
                    raise BadRequestError(f"viewUri must be {view}", "viewUri")
                if request.method == "POST":
                    body = await _json_body(request)
                data = handler(request, tenant, body)
            except UnauthorizedError:
                return JSONResponse(
                    {"error": "invalid_token", "error_description": "Invalid or expired access token"},
                    401,
                    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
            except ForbiddenError:
                return _bare_errors(403, FieldError("Access is denied"))
            except WorkspaceError as exc:
                return _bare_errors(400, FieldError(str(exc), WORKSPACE_HEADER))
            except BadRequestError as exc:
                return _bare_errors(400, exc.error)
            except BusinessError as exc:
                failed = {"success": False, "errors": [e.wire() for e in exc.errors]}
                echo = body if isinstance(body, dict) else {}
                return JSONResponse({"submitResult": failed, "data": echo}, backend.settings.business_error_status)
            if request.method == "POST":
                return JSONResponse({"submitResult": {"success": True, "errors": []}, "data": data})
            return JSONResponse({"data": data})

        return endpoint

    async def token(request: Request) -> Response:
        tenant = served_tenant(request)
        if tenant is None:
            return PlainTextResponse("Not Found", 404)
        params = dict(request.query_params)
        if backend.settings.accept_form_body_credentials:
            params.update({k: v for k, v in (await request.form()).items() if isinstance(v, str)})
        try:
            return JSONResponse(backend.issue_token(tenant, params))
        except OAuthError as exc:
            return JSONResponse(exc.body, exc.status)

    async def login(request: Request) -> Response:
        """`POST {base}/api/login` with JSON {username, password}: `{"sessionId"}` plus the cookie [C]."""
        tenant, context = served_tenant(request), request.path_params["context"]
        if tenant is None or not backend.session_logins(context):
            return PlainTextResponse("Not Found", 404)
        try:
            credentials = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError):
            credentials = None
        if not isinstance(credentials, dict):
            return JSONResponse({"error": "bad_request", "message": "The body must be JSON {username, password}"}, 400)
        username, password = (credentials.get(k) for k in ("username", "password"))
        if not (isinstance(username, str) and isinstance(password, str)):
            username = password = None
        session_id = backend.open_session(tenant, username, password, context)
        if session_id is None:
            return JSONResponse({"error": "unauthorized", "message": "Bad credentials"}, 401)  # [I] shape
        return _with_session(JSONResponse({"sessionId": session_id}), tenant, context, session_id)

    async def form_login(request: Request) -> Response:
        """The older Spring Security form login: j_username/j_password (query string or form) -> 302 with the
        JSESSIONID cookie; bad credentials -> 302 to `login?error` [I]."""
        tenant, context = served_tenant(request), request.path_params["context"]
        if tenant is None or not backend.session_logins(context):
            return PlainTextResponse("Not Found", 404)
        params = dict(request.query_params)
        params.update({k: v for k, v in (await request.form()).items() if isinstance(v, str)})
        session_id = backend.open_session(tenant, params.get("j_username"), params.get("j_password"), context)
        base = f"/{tenant.id}/{context}"
        if session_id is None:
            return RedirectResponse(f"{base}/login?error", 302)
        return _with_session(RedirectResponse(f"{base}/", 302), tenant, context, session_id)

    def browses(request: Request, tenant: QadTenant, _: Any) -> Any:
        q = request.query_params
        browse_id = q.get("browseId") or ""
        try:
            rows = run_browse(
                tenant, backend.settings, browse_id, q.getlist("filter"), _int(q, "page", 1), _int(q, "pageSize", 50)
            )
        except BrowseError as exc:
            raise BadRequestError(str(exc), exc.field_name) from exc
        return rows

    def order_headers(request: Request, tenant: QadTenant, body: Any) -> Data:
        q = request.query_params
        if body is not None:
            records = tenant.submit_orders(_rows(body, "purchaseOrderHeaders"), q.get("purchaseOrderNumber"))
        elif "purchaseOrderNumber" in q:
            records = [tenant.order(q["purchaseOrderNumber"], q.get("domainCode"))]
        else:
            domain = q.get("domainCode")
            records = [] if domain not in (None, tenant.domain) else tenant.orders_modified_since(_since(q))
        return {"purchaseOrderHeaders": _wire(records)}

    def order_lines_grid(request: Request, tenant: QadTenant, body: Any) -> Data:
        q = request.query_params
        if body is not None:
            return {"purchaseOrderLines": _wire(tenant.commit_lines(_rows(body, "purchaseOrderLines")))}
        number, domain = q.get("purchaseOrderNumber", ""), q.get("domainCode")
        if q.get("initialize") == "true":
            return {"purchaseOrderLines": _wire([tenant.blank_line(number, domain)])}
        return {"purchaseOrderLines": _wire(tenant.order_lines(number, domain))}

    def field_change(request: Request, tenant: QadTenant, body: Any) -> Data:
        rows = _rows(body, "purchaseOrderLines")
        if len(rows) != 1:
            raise BusinessError(FieldError("fieldChangeV2 takes exactly one line", "purchaseOrderLines"))
        line = tenant.field_change(request.query_params.get("fieldName", ""), rows[0])
        return {"purchaseOrderLines": _wire([line])}

    def is_received(request: Request, tenant: QadTenant, _: Any) -> Data:
        q = request.query_params
        line = _int(q, "purchaseOrderLine")
        received = tenant.is_received(q.get("purchaseOrderNumber", ""), q.get("domainCode"), line)
        return {"purchaseOrderLine": line, "isReceived": received}

    def suppliers(request: Request, tenant: QadTenant, body: Any) -> Data:
        q = request.query_params
        code, shared_set = q.get("supplierCode"), q.get("sharedSetCode")
        if body is not None:
            records = tenant.submit_suppliers(_rows(body, "supplierV2s"), code, shared_set)
        else:
            records = tenant.supplier_list(shared_set, code)
        return {"supplementaryMessages": [], "supplierV2s": _wire(records)}

    def mfg_suppliers(request: Request, tenant: QadTenant, body: Any) -> Data:
        """A supplier's settings in a domain: `domainContext` and `supplierCode` in the query [C]."""
        q = request.query_params
        domain, code = q.get("domainContext"), q.get("supplierCode")
        if body is not None:
            return {"mfgSuppliers": _wire(tenant.submit_mfg_suppliers(_rows(body, "mfgSuppliers"), domain, code))}
        if domain is None or code is None:
            raise BadRequestError("domainContext and supplierCode are required", "supplierCode")
        return {"mfgSuppliers": _wire([tenant.mfg_supplier(domain, code)])}

    def supplier_invoices(request: Request, tenant: QadTenant, body: Any) -> Data:
        q = request.query_params
        if body is not None:
            records = tenant.submit_invoices(_rows(body, "supplierInvoices"))
        else:
            records = tenant.invoice_list(q.get("supplierCode"), q.get("supplierInvoiceReference"))
        return {"supplierInvoices": _wire(records)}

    def receipts(request: Request, tenant: QadTenant, body: Any) -> Data:
        q = request.query_params
        if body is None:
            return {"purchaseOrderReceipts": _wire(tenant.receipt_list(q.get("purchaseOrderNumber"),
                                                                      q.get("packingSlip")))}
        records = tenant.submit_receipts(_rows(body, "purchaseOrderReceipts"))
        if backend.settings.receipt_reports_gl_error:
            raise BusinessError(RECEIPT_GL_ERROR)
        return {"purchaseOrderReceipts": _wire(records)}

    both = ["GET", "POST"]
    return [
        Route(f"{BASE}/oauth/token", token, methods=["POST"]),
        Route(f"{BASE}/api/login", login, methods=["POST"]),
        Route(f"{BASE}/j_spring_security_check", form_login, methods=["POST"]),
        Route(f"{BASE}/api/qracore/browses", erp("browses", browses, basic_ok=True), methods=["GET"]),
        Route(f"{BASE}/api/erp/purchaseOrderHeaders", erp("purchaseOrderHeaders", order_headers, view=PO_VIEW),
              methods=both),
        Route(f"{BASE}/api/erp/purchaseOrderLinesGrid", erp("purchaseOrderLines", order_lines_grid), methods=both),
        Route(f"{BASE}/api/erp/purchaseOrderLines/fieldChangeV2", erp("purchaseOrderLines", field_change),
              methods=["POST"]),
        Route(f"{BASE}/api/erp/purchaseOrderLines/isReceivedPurchaseOrderLineV2",
              erp("purchaseOrderLines", is_received), methods=["GET"]),
        Route(f"{BASE}/api/erp/supplierV2s", erp("supplierV2s", suppliers, view=SUPPLIER_VIEW), methods=both),
        Route(f"{BASE}/api/erp/mfgSuppliers", erp("mfgSuppliers", mfg_suppliers, view=MFG_SUPPLIER_VIEW),
              methods=both),
        Route(f"{BASE}/api/erp/supplierInvoices", erp("supplierInvoices", supplier_invoices, view=INVOICE_VIEW),
              methods=both),
        Route(f"{BASE}/api/erp/purchaseOrderReceipts", erp("purchaseOrderReceipts", receipts, view=RECEIPT_VIEW),
              methods=both),
        create_qxtend_route(backend),
    ]


async def _json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequestError("The request body is not valid JSON") from exc


def _rows(body: Any, key: str) -> list[Any]:
    rows = body.get(key) if isinstance(body, dict) else None
    if not isinstance(rows, list) or not rows:
        raise BusinessError(FieldError(f"The request has no {key} to process", key))
    return rows


def _wire(records: Sequence[Record]) -> list[dict[str, Any]]:
    return [r.wire() for r in records]


def _int(query: QueryParams, name: str, default: int | None = None) -> int:
    """A positive whole-number query parameter; required when it has no default."""
    raw = query.get(name)
    if raw is None and default is not None:
        return default
    try:
        value = int(raw or "")
    except ValueError:
        raise BadRequestError(f"{name} must be a whole number", name) from None
    if value < 1:
        raise BadRequestError(f"{name} must be at least 1", name)
    return value


def _since(query: QueryParams) -> datetime | None:
    raw = query.get(MODIFIED_SINCE)
    if raw is None:
        return None
    try:
        return parse_timestamp(raw)
    except ValueError:
        raise BadRequestError(f"{MODIFIED_SINCE} must be an ISO 8601 date-time", MODIFIED_SINCE) from None


def _with_session(response: Response, tenant: QadTenant, context: str, session_id: str) -> Response:
    """Tomcat's session cookie, scoped to the context root that issued it."""
    response.set_cookie(SESSION_COOKIE, session_id, path=f"/{tenant.id}/{context}", httponly=True)
    return response


def _bare_errors(status: int, error: FieldError) -> JSONResponse:
    return JSONResponse({"errors": [{"severity": 1, "code": str(status), **error.wire()}]}, status)
