"""HTTP layer of the Infor simulator: the SSO (`pu`), the ION API gateway (`iu`) with M3 MI REST, test hooks.

Routes:
- `POST /{ti}/as/token.oauth2`, `POST /{ti}/as/revoke_token.oauth2` (form-encoded; client in form or Basic)
- `GET /{ti}/M3/m3api-rest/v2/execute/{PROGRAM}/{TRANSACTION}[;maxrecs=N;returncols=A,B;metadata=true;excludempty=true]`
- `POST /{ti}/M3/m3api-rest/v2/execute` (bulk: one program, many transactions)
- `GET /{ti}/M3/m3api-rest/execute/{PROGRAM}/{TRANSACTION}` (legacy v1 shape)
- `GET /_sim/ionapi/{ti}` (the tenant's `.ionapi` file), `POST /_sim/purchase_orders/{ti}` (a PO appears)
- on-prem grid paths without a tenant segment when the `grid_tenant` setting names one:
  `POST /InforIntSTS/connect/token`, `/infor/M3/m3api-rest/[v2/]execute/...`
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulators.core.tokens import basic, bearer
from simulators.infor import render
from simulators.infor.backend import InforBackend
from simulators.infor.render import Options
from simulators.infor.settings import InforSettings

_FIELD = re.compile(r"[A-Z0-9]{4}")


class _BadRequestError(ValueError):
    """A request the gateway refuses before M3 sees it (HTTP 400)."""


def create_routes(backend: InforBackend) -> list[Route]:
    async def ionapi(request: Request) -> Response:
        body = backend.ionapi(request.path_params["ti"], str(request.base_url))
        if body is None:
            return JSONResponse({"message": f"no tenant {request.path_params['ti']}"}, 404)
        return JSONResponse(body, headers={"Content-Disposition": 'attachment; filename="credentials.ionapi"'})

    async def add_purchase_order(request: Request) -> Response:
        try:
            order = await request.json()
        except json.JSONDecodeError:
            order = None
        if not isinstance(order, dict) or not order.get("PUNO"):
            return JSONResponse({"message": "give a purchase order object with PUNO (and lines)"}, 400)
        if not backend.add_purchase_order(request.path_params["ti"], order):
            return JSONResponse({"message": f"no tenant {request.path_params['ti']}"}, 404)
        return JSONResponse({"added": order["PUNO"]}, 201)

    def tenant_of(request: Request) -> str | None:
        """The tenant of the path, or on the grid paths (no tenant segment) the `grid_tenant` setting's."""
        ti = request.path_params.get("ti")
        return str(ti) if ti is not None else backend.settings.grid_tenant

    async def token(request: Request) -> Response:
        ti = tenant_of(request)
        if ti is None:
            return _not_served()
        status, body = backend.token(ti, await _form(request), _basic(request))
        return JSONResponse(body, status, headers={"Cache-Control": "no-store"})

    async def revoke(request: Request) -> Response:
        status, body = backend.revoke(request.path_params["ti"], await _form(request), _basic(request))
        return JSONResponse(body, status)

    async def execute(request: Request) -> Response:
        """One transaction; the legacy path (no `v2/`) answers in the v1 shape."""
        ti = tenant_of(request)
        if ti is None:
            return _not_served()
        denied = backend.authorize(ti, bearer(request.headers.get("authorization")))
        if denied is not None:
            return _gateway_error(*denied)
        transaction, _, matrix_text = request.path_params["transaction"].partition(";")
        query = request.query_params
        try:
            options = _single_options(_matrix(matrix_text), query, backend.settings)
        except _BadRequestError as exc:
            return _gateway_error(400, {"error": "invalid_request", "error_description": str(exc)})
        program = request.path_params["program"]
        if program in backend.settings.forbidden_programs:
            return _forbidden(program)
        outcome = backend.execute(ti, program, transaction, _record(query, _context(query, {})), options)
        if "/v2/" in request.url.path:
            return JSONResponse(render.v2_body([render.v2_item(outcome, options)]))
        return JSONResponse(render.v1_body(program, outcome, options, backend.settings.v1_error_shape))

    async def bulk(request: Request) -> Response:
        ti = tenant_of(request)
        if ti is None:
            return _not_served()
        denied = backend.authorize(ti, bearer(request.headers.get("authorization")))
        if denied is not None:
            return _gateway_error(*denied)
        try:
            program, transactions, options, context = await _bulk_request(request, backend.settings)
        except _BadRequestError as exc:
            return _gateway_error(400, {"error": "invalid_request", "error_description": str(exc)})
        if program in backend.settings.forbidden_programs:
            return _forbidden(program)
        items = []
        termination = None
        for entry in transactions:
            columns = entry.get("selectedColumns")
            chosen = replace(options, returncols=tuple(columns)) if columns else options
            record = _record(entry.get("record") or {}, context)
            if termination is not None:
                items.append(render.not_processed_item(entry["transaction"], chosen, record))
                continue
            outcome = backend.execute(ti, program, entry["transaction"], record, chosen)
            items.append(render.v2_item(outcome, chosen))
            if outcome.error is not None and backend.settings.bulk_terminate_on_error:
                termination = outcome.error
        return JSONResponse(render.v2_body(items, bulk_job_id=str(uuid.uuid4()), termination=termination))

    return [
        Route("/_sim/ionapi/{ti}", ionapi, methods=["GET"]),
        Route("/_sim/purchase_orders/{ti}", add_purchase_order, methods=["POST"]),
        Route("/InforIntSTS/connect/token", token, methods=["POST"]),
        Route("/infor/M3/m3api-rest/v2/execute", bulk, methods=["POST"]),
        Route("/infor/M3/m3api-rest/v2/execute/{program}/{transaction}", execute, methods=["GET"]),
        Route("/infor/M3/m3api-rest/execute/{program}/{transaction}", execute, methods=["GET"]),
        Route("/{ti}/as/token.oauth2", token, methods=["POST"]),
        Route("/{ti}/as/revoke_token.oauth2", revoke, methods=["POST"]),
        Route("/{ti}/M3/m3api-rest/v2/execute", bulk, methods=["POST"]),
        Route("/{ti}/M3/m3api-rest/v2/execute/{program}/{transaction}", execute, methods=["GET"]),
        Route("/{ti}/M3/m3api-rest/execute/{program}/{transaction}", execute, methods=["GET"]),
    ]


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _basic(request: Request) -> tuple[str, str] | None:
    return basic(request.headers.get("authorization"))


def _forbidden(program: str) -> Response:
    description = f"The user is not authorized to run {program}"
    return JSONResponse({"error": "insufficient_scope", "error_description": description}, 403)


def _not_served() -> Response:
    return JSONResponse({"error": "not_found", "error_description": "no on-prem grid is served here"}, 404)


def _gateway_error(status: int, body: Mapping[str, str]) -> Response:
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if status == 401 else None
    return JSONResponse(dict(body), status, headers=headers)


def _matrix(text: str) -> dict[str, str]:
    """`maxrecs=10;returncols=SUNO,SUNM` as a dict (names lower-cased)."""
    pairs = [p.partition("=") for p in text.split(";") if p]
    return {name.lower(): value for name, _, value in pairs}


def _flag(*values: Any) -> bool:
    """The first value given, read as a boolean (`true`/`false` text or JSON booleans)."""
    for value in values:
        if value is not None:
            return value is True or str(value).lower() == "true"
    return False


def _count(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not str(value).isdigit():
        raise _BadRequestError(f"maxrecs must be a non-negative integer, not {value!r}")
    return int(value)


def _single_options(matrix: Mapping[str, str], query: Mapping[str, str], settings: InforSettings) -> Options:
    """Matrix parameters always count; a query-string maxrecs only where the grid honours it [C]."""
    maxrecs = matrix.get("maxrecs") or (query.get("maxrecs") if settings.honour_query_maxrecs else None)
    columns = matrix.get("returncols") or query.get("returncols")
    return Options(
        maxrecs=_count(maxrecs),
        returncols=tuple(columns.split(",")) if columns else None,
        righttrim=_flag(query.get("righttrim"), matrix.get("righttrim")),
        exclude_empty=_flag(matrix.get("excludempty"), query.get("excludeempty")),
        metadata=_flag(matrix.get("metadata"), query.get("metadata")),
        extended=_flag(query.get("extendedresult")),
    )


async def _bulk_request(
    request: Request, settings: InforSettings
) -> tuple[str, list[dict[str, Any]], Options, dict[str, str]]:
    """Program, transactions, options and company context of a bulk call; keys after `transactions` unseen [I]."""
    try:
        body = await request.json()
    except json.JSONDecodeError:
        raise _BadRequestError("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise _BadRequestError("the body must be a JSON object")
    if settings.ignore_keys_after_transactions and "transactions" in body:
        keys = list(body)
        body = {k: body[k] for k in keys[: keys.index("transactions") + 1]}
    program, transactions = body.get("program"), body.get("transactions")
    if not isinstance(program, str) or not program:
        raise _BadRequestError("program is required (before transactions)")
    if not isinstance(transactions, list) or not all(
        isinstance(t, dict) and isinstance(t.get("transaction"), str) and isinstance(t.get("record", {}), dict)
        for t in transactions
    ):
        raise _BadRequestError("transactions must be a list of {transaction, record}")
    query = request.query_params
    options = Options(
        maxrecs=_count(body.get("maxReturnedRecords")),
        righttrim=_flag(body.get("rightTrim"), query.get("righttrim")),
        exclude_empty=_flag(body.get("excludeEmptyValues"), query.get("excludeempty")),
        extended=_flag(body.get("extendedResult"), query.get("extendedresult")),
    )
    return program, transactions, options, _context(query, body)


def _context(query: Mapping[str, str], body: Mapping[str, Any]) -> dict[str, str]:
    """Company and division given for the whole call (`cono`/`divi` in a bulk body or the query string)."""
    context = {"CONO": body.get("cono") or query.get("cono"), "DIVI": body.get("divi") or query.get("divi")}
    return {k: str(v) for k, v in context.items() if v}


def _record(values: Mapping[str, Any], context: Mapping[str, str]) -> dict[str, str]:
    """The M3 fields of a query string or bulk record (four upper-case letters, blank meaning not given);
    the call's context fills CONO/DIVI."""
    fields = {k: str(v) for k, v in values.items() if _FIELD.fullmatch(k) and str(v).strip()}
    return {**context, **fields}
