"""Cleo's HTTP layer: translates requests into `CleoBackend` calls and errors into `{"message": ...}` bodies.

Every `/api/` route but authentication needs `Authorization: Bearer <access_token>` and is counted against
the (path, token) budget; every answer is recorded in the backend's request counts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulators.cleo.backend import CleoBackend, Page
from simulators.cleo.errors import BadRequestError, CleoError
from simulators.cleo.views import file_resource, folder_resource
from simulators.core.app import SimApp, build_app
from simulators.core.scenario import section
from simulators.core.tokens import bearer
from simulators.partners import partner_routes
from simulators.registry import Credential

Endpoint = Callable[[Request], Awaitable[Response]]
ApiHandler = Callable[[Request, str], Awaitable[Response]]


def create_app(scenario: dict[str, Any], *, seed: int = 0) -> SimApp:
    """The Cleo app, with the trading partners' admin routes; `app.backend.partners` is the partner network."""
    backend = CleoBackend(scenario, seed=seed)
    return build_app(backend, [*cleo_routes(backend), *partner_routes(backend.partners)], seed=seed)


def demo_credentials(scenario: dict[str, Any]) -> list[Credential]:
    rows = []
    for tenant in section(scenario, "cleo").get("tenants") or []:
        for user in tenant.get("users") or []:
            note = f"TOTP secret {user['totp_secret']}" if user.get("totp_secret") else ""
            rows.append(Credential("cleo", str(tenant["id"]), str(user["username"]), str(user["password"]), note))
    return rows


def cleo_routes(backend: CleoBackend) -> list[Route]:
    async def authenticate(request: Request) -> Response:
        form = await request.form()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        try:
            response: Response = JSONResponse(backend.login(fields), headers={"Cache-Control": "no-store"})
        except CleoError as exc:
            response = _error(exc)
        backend.record(request.method, request.url.path, response.status_code)
        return response

    async def list_folders(request: Request, tenant: str) -> Response:
        filter_text, start, count = _listing(request, backend)
        return _page(backend.folders(tenant, filter_text, start, count))

    async def get_folder(request: Request, tenant: str) -> Response:
        return JSONResponse(folder_resource(backend.folder(tenant, request.path_params["folder_id"])))

    async def list_children(request: Request, tenant: str) -> Response:
        filter_text, start, count = _listing(request, backend)
        return _page(backend.children(tenant, request.path_params["folder_id"], filter_text, start, count))

    async def upload(request: Request, tenant: str) -> Response:
        """Multipart field `file`, or the raw body with the name in the `filename` query parameter."""
        folder = backend.folder(tenant, request.path_params["folder_id"])
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            upload = (await request.form()).get("file")
            if not isinstance(upload, UploadFile):
                raise BadRequestError("multipart field 'file' is required")
            name, content = upload.filename or "", await upload.read()
        else:
            name, content = request.query_params.get("filename", ""), await request.body()
        stored = backend.upload(tenant, folder.id, name, content)
        return JSONResponse(file_resource(stored), 201, headers={"Location": f"/api/files/{stored.id}"})

    async def get_file(request: Request, tenant: str) -> Response:
        return JSONResponse(file_resource(backend.file(tenant, request.path_params["file_id"])))

    async def download(request: Request, tenant: str) -> Response:
        stored = backend.file(tenant, request.path_params["file_id"])
        disposition = {"Content-Disposition": _attachment(stored.name)}
        return Response(stored.content, media_type="application/octet-stream", headers=disposition)

    async def move_file(request: Request, tenant: str) -> Response:
        """[I] `{"folder": {"href": "/api/folders/<id>"}}`: a reference as Harmony writes them [C]."""
        try:
            payload = await request.json()
            href = payload["folder"]["href"]
        except (ValueError, KeyError, TypeError):
            raise BadRequestError('body must be {"folder": {"href": "/api/folders/<id>"}}') from None
        if not isinstance(href, str) or not href.startswith("/api/folders/"):
            raise BadRequestError('body must be {"folder": {"href": "/api/folders/<id>"}}')
        moved = backend.move_file(tenant, request.path_params["file_id"], href.removeprefix("/api/folders/"))
        return JSONResponse(file_resource(moved))

    async def delete_file(request: Request, tenant: str) -> Response:
        backend.delete_file(tenant, request.path_params["file_id"])
        return Response(status_code=204)

    def api(handler: ApiHandler) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            response = await _guarded(request, handler)
            backend.record(request.method, request.url.path, response.status_code)
            return response

        return endpoint

    async def _guarded(request: Request, handler: ApiHandler) -> Response:
        token = bearer(request.headers.get("authorization"))
        grant = backend.grant(token)
        if token is None or grant is None:
            message = "Authentication required" if token is None else "Invalid or expired access token"
            return JSONResponse({"message": message}, 401, headers={"WWW-Authenticate": "Bearer"})
        retry_after = backend.throttle(request.url.path, token)
        if retry_after is not None:
            return JSONResponse({"message": "Too Many Requests"}, 429, headers={"Retry-After": str(retry_after)})
        try:
            return await handler(request, grant.tenant)
        except CleoError as exc:
            return _error(exc)

    return [
        Route("/api/authentication", authenticate, methods=["POST"]),
        Route("/api/folders", api(list_folders), methods=["GET"]),
        Route("/api/folders/{folder_id}", api(get_folder), methods=["GET"]),
        Route("/api/folders/{folder_id}/children", api(list_children), methods=["GET"]),
        Route("/api/folders/{folder_id}/files", api(upload), methods=["POST"]),
        Route("/api/files/{file_id}", api(get_file), methods=["GET"]),
        Route("/api/files/{file_id}", api(move_file), methods=["PUT"]),
        Route("/api/files/{file_id}", api(delete_file), methods=["DELETE"]),
        Route("/api/files/{file_id}/content", api(download), methods=["GET"]),
    ]


def _listing(request: Request, backend: CleoBackend) -> tuple[str | None, int, int]:
    """`filter`, `startIndex` (0-based, as Cleo's client pages [C]) and `count` of a collection request."""
    params = request.query_params
    return (
        params.get("filter"),
        _non_negative(params.get("startIndex"), "startIndex", 0),
        _non_negative(params.get("count"), "count", backend.settings.max_page_size),
    )


def _non_negative(raw: str | None, name: str, default: int) -> int:
    if raw is None:
        return default
    if not raw.isdigit():
        raise BadRequestError(f"{name} must be a non-negative integer")
    return int(raw)


def _page(page: Page) -> Response:
    return JSONResponse({"totalResults": page.total, "resources": page.resources})


def _attachment(name: str) -> str:
    """Content-Disposition; names outside ASCII also go in RFC 5987 form, since headers are Latin-1."""
    fallback = name.encode("ascii", "replace").decode().replace('"', "_")
    extended = "" if name.isascii() else f"; filename*=UTF-8''{quote(name)}"
    return f'attachment; filename="{fallback}"{extended}'


def _error(exc: CleoError) -> Response:
    return JSONResponse({"message": exc.message}, exc.status)
