"""HTTP layer of the IFS Cloud simulator: Keycloak token endpoint, OData projections, a test hook for races.

Routes:
- `POST /auth/realms/{namespace}/protocol/openid-connect/token` (client_credentials, password, refresh_token)
- `/{main|int}/ifsapplications/projection/v1/{Projection}.svc/...` (with `$metadata` and `$openapi?V3|V2`)
- `/int/ifsapplications/entity/v1/{Name}Entity.svc/...`
- `POST /_sim/touch {"entity_set", "keys", "changes"?}`: another user saves the row, so its etag moves
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulators.core.tokens import basic, bearer
from simulators.ifs import catalog, odata, openapi, payloads
from simulators.ifs.backend import IfsBackend, ODataError, StoredRow, bad_request
from simulators.ifs.catalog import EntitySet, Service

_QUERY_OPTIONS = frozenset({"$filter", "$select", "$orderby", "$top", "$skip", "$count", "$expand", "$format"})
_SEGMENT = re.compile(r"^(?P<name>[A-Za-z_]\w*)(?:\((?P<keys>.*)\))?$", re.DOTALL)


@dataclass
class _Target:
    """What a resource path addresses: a collection (`row` None) or one entity, and how to name it."""

    eset: EntitySet
    context: str
    scope: list[StoredRow]
    row: StoredRow | None = None
    parent_link: dict[str, Any] | None = None


def create_routes(backend: IfsBackend) -> list[Route]:
    async def token(request: Request) -> Response:
        form = await request.form()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        status, body = backend.token(request.path_params["realm"], fields, basic(request.headers.get("authorization")))
        return JSONResponse(body, status, headers={"Cache-Control": "no-store"})

    async def resource(request: Request) -> Response:
        try:
            response = await _dispatch(backend, request)
        except ODataError as exc:
            challenge = {"WWW-Authenticate": 'Bearer realm="ifs"'} if exc.status == 401 else None
            response = payloads.error_response(exc, challenge)
        if request.query_params.get("odata-debug") == "json":
            return _debug_trace(request, response)
        return response

    async def touch(request: Request) -> Response:
        try:
            payload = await request.json()
        except json.JSONDecodeError:
            payload = {}
        payload = payload if isinstance(payload, dict) else {}
        keys, changes = payload.get("keys"), payload.get("changes") or {}
        if not isinstance(keys, dict) or not keys or not isinstance(changes, dict):
            return JSONResponse({"message": "give entity_set, keys (an object) and optional changes"}, 400)
        try:
            row = backend.touch(str(payload.get("entity_set")), keys, changes)
        except ODataError as exc:
            return payloads.error_response(exc)
        return JSONResponse({"@odata.etag": backend.etag(row), "Objversion": row.values["Objversion"]})

    return [
        Route("/auth/realms/{realm}/protocol/openid-connect/token", token, methods=["POST"]),
        Route(
            "/{area:str}/ifsapplications/{kind:str}/v1/{tail:path}",
            resource,
            methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
        ),
        Route("/_sim/touch", touch, methods=["POST"]),
    ]


async def _dispatch(backend: IfsBackend, request: Request) -> Response:
    """Authenticate, find the service, check the grant, then answer by resource kind and method."""
    authorization = request.headers.get("authorization")
    grant = backend.authenticate(bearer(authorization), basic(authorization))
    if grant is None:
        raise ODataError(401, "UNAUTHORIZED", "Access token missing, invalid or expired")
    area, kind = request.path_params["area"], request.path_params["kind"]
    service_part, _, path = request.path_params["tail"].partition("/")
    service = catalog.services(backend.settings).get(service_part.removesuffix(".svc"))
    if not service_part.endswith(".svc") or service is None or not service.served_on(area, kind):
        raise ODataError(404, "NOT_FOUND", f"No service {service_part} under /{area}/ifsapplications/{kind}/v1")
    if not backend.permits(grant, service.name):
        raise ODataError(
            backend.settings.forbidden_status, "FORBIDDEN", f"You do not have permission to use {service.name}"
        )
    base = f"{str(request.base_url).rstrip('/')}/{area}/ifsapplications/{kind}/v1/{service.name}.svc"
    if path in {"", "$metadata", "$openapi"}:
        if request.method != "GET":
            raise ODataError(405, "METHOD_NOT_ALLOWED", f"{request.method} is not allowed here")
        if path == "$openapi":
            return JSONResponse(openapi.document(service, base, v2="V2" in request.query_params))
        return payloads.metadata(service) if path else payloads.json_response(payloads.service_document(service, base))
    target = _resolve(backend, service, path)
    method = request.method
    if target.row is None and method == "GET":
        return _collection(backend, request, target, base)
    if target.row is None and method == "POST":
        return await _create(backend, request, target, base, grant.subject)
    if target.row is not None and method == "GET":
        return _entity_response(backend, target, target.row, base, _options(backend, request, target.eset))
    if target.row is not None and method == "PATCH":
        body = await _json_body(request)
        backend.update(target.eset, target.row, body, request.headers.get("if-match"), grant.subject)
        if not backend.settings.patch_returns_entity:
            return Response(status_code=204, headers={**payloads.ODATA_HEADERS, "ETag": backend.etag(target.row)})
        return _entity_response(backend, target, target.row, base, _Options())
    if target.row is not None and method == "DELETE":
        backend.delete(target.eset, target.row, request.headers.get("if-match"), grant.subject)
        return Response(status_code=204, headers=payloads.ODATA_HEADERS)
    raise ODataError(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed on this resource")


def _resolve(backend: IfsBackend, service: Service, path: str) -> _Target:
    """Parse `Set`, `Set(keys)`, `Set(keys)/Nav`, `Set(keys)/Nav(keys)`; anything else is 404."""
    segments = [_SEGMENT.match(s) for s in _split_path(path)]
    first = segments[0]
    if first is None or first["name"] not in service.sets or len(segments) > 2:
        raise ODataError(404, "NOT_FOUND", f"Resource {path} not found in {service.name}")
    eset = service.sets[first["name"]]
    target = _Target(eset, eset.name, backend.rows(eset))
    if first["keys"] is not None:
        target.row = backend.find(eset, _keys(first["keys"], eset))
        target.context = f"{eset.name}({first['keys']})"
    if len(segments) == 1:
        return target
    second = segments[1]
    if target.row is None or second is None or second["name"] not in eset.navigations:
        raise ODataError(404, "NOT_FOUND", f"Resource {path} not found in {service.name}")
    nav = eset.navigations[second["name"]]
    parent_link = {child: target.row.values[own] for own, child in nav.link}
    scope = backend.children(target.row, nav)
    row = backend.find(nav.target, _keys(second["keys"], nav.target), scope) if second["keys"] is not None else None
    return _Target(nav.target, f"{target.context}/{second['name']}", scope, row, parent_link)


def _split_path(path: str) -> list[str]:
    """Split on '/' outside quoted key values (a key may contain a slash)."""
    parts, current, quoted = [], "", False
    for char in path.rstrip("/"):
        if char == "'":
            quoted = not quoted
        if char == "/" and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def _keys(text: str, eset: EntitySet) -> dict[str, Any]:
    try:
        return odata.parse_keys(text, eset.keys, eset.fields)
    except odata.QueryError as exc:
        raise bad_request(str(exc)) from None


@dataclass
class _Options:
    predicate: odata.Predicate | None = None
    order: list[tuple[str, bool]] | None = None
    select: list[str] | None = None
    expand: list[str] | None = None
    top: int | None = None
    skip: int = 0
    count: bool = False


def _options(backend: IfsBackend, request: Request, eset: EntitySet) -> _Options:
    """Parse the system query options, refusing what IFS does not implement."""
    params = request.query_params
    unsupported = [k for k in params if k.startswith("$") and k not in _QUERY_OPTIONS]
    if unsupported:
        raise ODataError(501, "ODP_NOT_IMPLEMENTED", f"Not implemented: {', '.join(unsupported)}")
    if "$expand" in params and not backend.settings.expand_supported:
        raise ODataError(backend.settings.expand_status, "ODP_NOT_IMPLEMENTED", "$expand is not implemented")
    options = _Options(count=params.get("$count") == "true" and backend.settings.count_supported)
    try:
        if "$filter" in params:
            options.predicate = odata.parse_filter(params["$filter"], eset.fields)
        if "$orderby" in params:
            options.order = odata.parse_orderby(params["$orderby"], eset.fields)
        if "$select" in params:
            options.select = odata.parse_select(params["$select"], eset.fields)
        if "$top" in params:
            options.top = odata.parse_count(params["$top"], "$top")
        if "$skip" in params:
            options.skip = odata.parse_count(params["$skip"], "$skip")
    except odata.QueryError as exc:
        raise bad_request(str(exc)) from None
    if "$expand" in params:
        options.expand = [n.strip() for n in params["$expand"].split(",")]
        unknown = [n for n in options.expand if n not in eset.navigations]
        if unknown:
            raise bad_request(f"Cannot expand {', '.join(unknown)} on {eset.name}")
    return options


def _collection(backend: IfsBackend, request: Request, target: _Target, base: str) -> Response:
    """A filtered, ordered page of the collection; a longer result gets `@odata.nextLink` [I]."""
    eset, options = target.eset, _options(backend, request, target.eset)
    rows = target.scope
    if options.predicate is not None:
        predicate = options.predicate
        rows = [r for r in rows if predicate(r.values)]
    if options.order is not None:
        rows = odata.sort_rows(rows, options.order, eset.fields, lambda r: r.values)
    total = len(rows)
    wanted = rows[options.skip :] if options.top is None else rows[options.skip : options.skip + options.top]
    page = wanted[: backend.settings.page_size]
    context = target.context if options.select is None else f"{target.context}({','.join(options.select)})"
    body: dict[str, Any] = {"@odata.context": f"{base}/$metadata#{context}"}
    if options.count:
        body["@odata.count"] = total
    body["value"] = [_render(backend, eset, row, options) for row in page]
    if len(wanted) > len(page):
        following: dict[str, Any] = {"$skip": options.skip + len(page)}
        if options.top is not None:
            following["$top"] = options.top - len(page)
        body["@odata.nextLink"] = str(request.url.include_query_params(**following))
    return payloads.json_response(body)


def _render(backend: IfsBackend, eset: EntitySet, row: StoredRow, options: _Options) -> dict[str, Any]:
    item = payloads.entity(eset, row, options.select)
    for name in options.expand or []:
        nav = eset.navigations[name]
        item[name] = [payloads.entity(nav.target, child) for child in backend.children(row, nav)]
    return item


def _entity_response(
    backend: IfsBackend, target: _Target, row: StoredRow, base: str, options: _Options, status: int = 200
) -> Response:
    body = {
        "@odata.context": f"{base}/$metadata#{target.context}/$entity",
        **_render(backend, target.eset, row, options),
    }
    return payloads.json_response(body, status, headers={"ETag": backend.etag(row)})


async def _create(backend: IfsBackend, request: Request, target: _Target, base: str, user: str) -> Response:
    body = await _json_body(request)
    row = backend.create(target.eset, body, user, target.parent_link)
    keys = ",".join(f"{k}={_key_literal(row.values[k])}" for k in target.eset.keys)
    response = _entity_response(backend, target, row, base, _Options(), status=201)
    response.headers["Location"] = f"{base}/{target.context}({keys})"
    return response


def _key_literal(value: Any) -> str:
    return "'" + value.replace("'", "''") + "'" if isinstance(value, str) else str(value)


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except json.JSONDecodeError:
        raise bad_request("The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object")
    return body


def _debug_trace(request: Request, response: Response) -> Response:
    """`?odata-debug=json`: the request and the would-be response, wrapped as a trace [C]."""
    raw = bytes(response.body).decode("utf-8")
    body = json.loads(raw) if raw and response.media_type == "application/json" else raw
    trace = {
        "request": {"method": request.method, "uri": str(request.url), "protocol": "HTTP/1.1"},
        "response": {"status": {"code": str(response.status_code)}, "body": body},
    }
    return JSONResponse(trace)
