"""HTTP layer of the Acumatica simulator: `/entity/auth/*`, `/identity/connect/token`,
`/entity/{Endpoint}/{Version}/{Entity}[/{keys...}]`, the entity's `$adHocSchema`, and file attachments
(`PUT .../{Entity}/{keys...}/files/{name}`, `GET /entity/{Endpoint}/{Version}/files/{id}`).

Every request first spends one unit of the per-minute budget (429 when it is gone); entity requests
to an endpoint or version the instance does not publish get a bare 404, as do unknown entities.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulators.acumatica.backend import AcumaticaBackend, ApiError, OAuthError, Tenant
from simulators.acumatica.codec import render, render_invalid, template, unwrap
from simulators.acumatica.odata import QueryError, parse_query
from simulators.acumatica.schema import ENTITIES, PUT_ON_HOLD, RELEASE_FROM_HOLD, EntitySpec, parse_date
from simulators.acumatica.store import (
    ActionFailedError,
    Entity,
    InvalidEntityError,
    PreconditionFailedError,
    PutMode,
    TenantStore,
)

Endpoint = Callable[[Request], Awaitable[Response]]
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
SESSION_COOKIE = ".ASPXAUTH"
NOT_FOUND = "PX.Api.ContractBased.NoEntitySatisfiesTheConditionException"
UNAUTHORIZED = {"message": "Authorization has been denied for this request."}


class NotPublishedError(Exception):
    """The endpoint, version, entity or action does not exist on this instance: a bare 404."""


class UnauthorizedError(Exception):
    """No live session cookie or bearer token: 401."""


def create_routes(backend: AcumaticaBackend) -> list[Route]:
    def guarded(handler: Endpoint) -> Endpoint:
        """The request budget first, then the handler, with the generic error shapes."""

        async def endpoint(request: Request) -> Response:
            wait = backend.admit()
            if wait is not None:
                return JSONResponse({"message": "API request limit exceeded. Try again later."}, 429,
                                    headers={"Retry-After": str(wait)})
            try:
                return await handler(request)
            except NotPublishedError:
                return Response(status_code=404)
            except UnauthorizedError:
                return JSONResponse(UNAUTHORIZED, 401)
            except ApiError as exc:
                return JSONResponse(exc.body, exc.status)
            except QueryError as exc:
                return JSONResponse(ApiError(400, str(exc)).body, 400)

        return endpoint

    def caller(request: Request) -> Tenant:
        tenant = backend.caller(request.headers.get("authorization"), request.cookies.get(SESSION_COOKIE))
        if tenant is None:
            raise UnauthorizedError
        return tenant

    def published(request: Request) -> None:
        params, settings = request.path_params, backend.settings
        if (params["endpoint"], params["version"]) != (settings.endpoint, settings.version):
            raise NotPublishedError

    def entity_spec(request: Request) -> EntitySpec:
        published(request)
        spec = ENTITIES.get(request.path_params["entity"])
        if spec is None:
            raise NotPublishedError
        return spec

    def href(spec: EntitySpec) -> str:
        return f"/entity/{backend.settings.endpoint}/{backend.settings.version}/{spec.name}"

    async def login(request: Request) -> Response:
        session = backend.login(await _json(request))
        response = Response(status_code=204)
        response.set_cookie(SESSION_COOKIE, session.cookie, httponly=True)
        response.set_cookie("ASP.NET_SessionId", secrets.token_hex(12), httponly=True)
        response.set_cookie("UserBranch", "1")
        response.set_cookie("Locale", "en-US")
        return response

    async def logout(request: Request) -> Response:
        backend.logout(request.cookies.get(SESSION_COOKIE))
        response = Response(status_code=204)
        response.delete_cookie(SESSION_COOKIE)
        return response

    async def token(request: Request) -> Response:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        try:
            return JSONResponse(backend.issue_token(form))
        except OAuthError as exc:
            return JSONResponse(exc.body, 400)

    async def endpoints(request: Request) -> Response:
        caller(request)
        settings = backend.settings
        return JSONResponse({
            "version": {"acumaticaBuildVersion": settings.version},
            "endpoints": [{"name": settings.endpoint, "version": settings.version,
                           "href": f"/entity/{settings.endpoint}/{settings.version}/"}],
        })

    async def collection(request: Request) -> Response:
        spec = entity_spec(request)
        store = caller(request).store
        if request.method == "POST":
            raise ApiError(406, "The requested resource does not support http method 'POST'.")
        query = parse_query(spec, request.query_params)
        if request.method == "PUT":
            body = await _json(request)
            if not isinstance(body, dict):
                raise ApiError(400, "The request body must be a JSON object.")
            incoming = unwrap(spec, body, ignore_unknown=backend.settings.ignore_unknown_fields)
            try:
                entity = store.put(
                    spec, incoming, _put_mode(request), _business_date(request),
                    branch=request.headers.get("px-cbapibranch") or None,
                )
            except InvalidEntityError as exc:
                return JSONResponse(render_invalid(spec, body, exc), backend.settings.validation_status)
            except PreconditionFailedError as exc:
                raise ApiError(412, str(exc)) from exc
            return JSONResponse(render(entity, href(spec), query.expand, query.select))
        found = [e for e in store.all(spec) if query.matches(e.view())][query.skip :]
        found = found[: query.top] if query.top is not None else found
        expand = query.expand if backend.settings.expand_details_on_list else frozenset()
        return JSONResponse([render(e, href(spec), expand, query.select, n)
                             for n, e in enumerate(found, start=1)])

    async def record(request: Request) -> Response:
        spec = entity_spec(request)
        store = caller(request).store
        parts = request.path_params["rest"].split("/")
        if request.method == "POST":
            return await action(request, spec, parts)
        if len(parts) == 3 and parts[1] == "status" and parts[0] in _actions(spec):
            _find(store, spec, parts[2:])
            return Response(status_code=204)  # actions finish at once
        entity = _find(store, spec, parts)
        if request.method == "DELETE":
            store.delete(entity)
            return Response(status_code=204)
        query = parse_query(spec, request.query_params)
        return JSONResponse(render(entity, href(spec), query.expand, query.select))

    async def action(request: Request, spec: EntitySpec, parts: list[str]) -> Response:
        if len(parts) != 1 or parts[0] not in _actions(spec):
            raise NotPublishedError
        body = await _json(request)
        target = body.get("entity") if isinstance(body, dict) else None
        if not isinstance(target, dict):
            raise ApiError(400, "The action needs an 'entity' object naming the record.")
        store = caller(request).store
        incoming = unwrap(spec, target, ignore_unknown=True)
        keys = [str(incoming.values.get(k) or spec.defaults.get(k) or "") for k in spec.keys]
        entity = _find(store, spec, [incoming.id] if incoming.id else keys)
        try:
            store.act(entity, parts[0])
        except ActionFailedError as exc:
            raise ApiError(500, str(exc)) from exc
        location = f"{href(spec)}/{parts[0]}/status/{entity.id}"
        return Response(status_code=202, headers={"Location": location})

    async def ad_hoc_schema(request: Request) -> Response:
        spec = entity_spec(request)
        caller(request)
        return JSONResponse(template(spec, backend.settings.custom_fields.get(spec.name, {})))

    async def attach(request: Request) -> Response:
        spec = entity_spec(request)
        store = caller(request).store
        entity = _find(store, spec, request.path_params["rest"].split("/"))
        store.attach(entity, request.path_params["filename"], await request.body())
        return Response(status_code=204)

    async def download(request: Request) -> Response:
        published(request)
        found = caller(request).store.file(request.path_params["file_id"])
        if found is None:
            raise ApiError(404, "No file satisfies the condition.", NOT_FOUND)
        return Response(found.content, media_type="application/octet-stream")

    entity_path = "/entity/{endpoint}/{version}/{entity}"
    return [
        Route("/entity/auth/login", guarded(login), methods=["POST"]),
        Route("/entity/auth/logout", guarded(logout), methods=["POST"]),
        Route("/identity/connect/token", guarded(token), methods=["POST"]),
        Route("/entity", guarded(endpoints), methods=["GET"]),
        Route("/entity/{endpoint}/{version}/files/{file_id}", guarded(download), methods=["GET"]),
        Route(entity_path, guarded(collection), methods=["GET", "PUT", "POST"]),
        Route(entity_path + "/$adHocSchema", guarded(ad_hoc_schema), methods=["GET"]),
        Route(entity_path + "/{rest:path}/files/{filename}", guarded(attach), methods=["PUT"]),
        Route(entity_path + "/{rest:path}", guarded(record), methods=["GET", "DELETE", "POST"]),
    ]


def _actions(spec: EntitySpec) -> set[str]:
    hold = {RELEASE_FROM_HOLD, PUT_ON_HOLD} if spec.has_hold else set()
    return {*spec.actions, *hold}


def _find(store: TenantStore, spec: EntitySpec, parts: list[str]) -> Entity:
    """A record by its id (`/{Entity}/{guid}`) or by its keys in order (`/{Entity}/{key1}/{key2}`)."""
    if len(parts) == 1 and GUID.match(parts[0]):
        found = store.by_id(spec, parts[0])
    elif len(parts) == len(spec.keys):
        found = store.by_keys(spec, tuple(parts))
    else:
        raise NotPublishedError
    if found is None:
        raise ApiError(404, "No entity satisfies the condition.", NOT_FOUND)
    return found


def _put_mode(request: Request) -> PutMode:
    if request.headers.get("if-none-match") == "*":
        return "insert"
    if request.headers.get("if-match") == "*":
        return "update"
    return "upsert"


def _business_date(request: Request) -> datetime | None:
    raw = request.headers.get("px-cbapibusinessdate")
    if raw is None:
        return None
    try:
        return parse_date(raw)
    except ValueError as exc:
        raise ApiError(400, str(exc)) from exc


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(400, "The request body is not valid JSON.") from exc
