"""HTTP face of the QuickBooks simulator: the .qwc download, and admin routes that drive the Web Connector.

QuickBooks and QBWC have no HTTP API: here the product is the server. The one non-admin route is
`GET /qwc/{company}`, the .qwc of that company's application, behind HTTP Basic with the company's
Web Connector user from the scenario (the file itself never holds the password). Admin routes
(`/_sim/…`) install a .qwc and enter its password as a QBWC user would, run a session now, and open or
close QuickBooks.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulators.core.app import SimApp, build_app
from simulators.core.tokens import basic
from simulators.quickbooks import qwc
from simulators.quickbooks.backend import QuickBooksBackend, QuickBooksClosedError, UnknownCompanyError

_REALM = {"WWW-Authenticate": 'Basic realm="QuickBooks Web Connector"'}


def _message(text: str, status_code: int) -> JSONResponse:
    return JSONResponse({"message": text}, status_code)


async def _json(request: Request) -> dict[str, Any]:
    payload = await request.json() if await request.body() else {}
    if not isinstance(payload, dict):
        raise ValueError("the body must be a JSON object")
    return payload


def routes(backend: QuickBooksBackend) -> list[Route]:
    async def get_qwc(request: Request) -> Response:
        company_id = request.path_params["company"]
        if company_id not in backend.companies:
            return _message(f"unknown company {company_id}", 404)
        login = basic(request.headers.get("authorization"))
        if login is None or not backend.check_login(company_id, *login):
            return JSONResponse({"message": "Web Connector user name or password is wrong"}, 401, headers=_REALM)
        return Response(
            qwc.render(backend.apps[company_id].qwc), media_type=qwc.CONTENT_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{company_id}.qwc"'},
        )

    async def install_qwc(request: Request) -> Response:
        company_id = request.query_params.get("company", "")
        try:
            app = backend.install_qwc(company_id, (await request.body()).decode("utf-8", "replace"))
        except UnknownCompanyError:
            return _message(f"unknown company {company_id!r} (pass ?company=…)", 404)
        except QuickBooksClosedError as exc:
            return _message(str(exc), 409)
        except qwc.QwcError as exc:
            return _message(f"the Web Connector refuses this .qwc: {exc}", 400)
        return JSONResponse({"company": company_id, "qwc": asdict(app.qwc), "password_entered": False})

    async def enter_password(request: Request) -> Response:
        try:
            payload = await _json(request)
            company_id, password = str(payload["company"]), str(payload["password"])
            backend.enter_password(company_id, password)
        except (ValueError, KeyError):
            return _message('send {"company": …, "password": …}', 400)
        except UnknownCompanyError as exc:
            return _message(f"unknown company {exc}", 404)
        return JSONResponse({"company": company_id, "password_entered": True})

    async def run(request: Request) -> Response:
        try:
            company_id = (await _json(request)).get("company")
        except ValueError:
            return _message('send {"company": …} or nothing', 400)
        try:
            if company_id is None:
                logs = await run_in_threadpool(backend.driver.run_once)
            else:
                logs = [await run_in_threadpool(backend.run_session, str(company_id))]
        except UnknownCompanyError:
            return _message(f"unknown company {company_id}", 404)
        return JSONResponse({"sessions": [log.as_dict() for log in logs]})

    async def open_quickbooks(_: Request) -> Response:
        backend.set_open(True)
        return JSONResponse({"open": True})

    async def close_quickbooks(_: Request) -> Response:
        backend.set_open(False)
        return JSONResponse({"open": False})

    async def scheduler(request: Request) -> Response:
        if request.method == "POST":
            try:
                wanted = bool((await _json(request))["running"])
            except (ValueError, KeyError):
                return _message('send {"running": true|false}', 400)
            if wanted:
                backend.driver.start()
            else:
                await run_in_threadpool(backend.driver.stop)
        return JSONResponse({"running": backend.driver.running})

    return [
        Route("/qwc/{company}", get_qwc, methods=["GET"]),
        Route("/_sim/qwc", install_qwc, methods=["POST"]),
        Route("/_sim/qwc/password", enter_password, methods=["POST"]),
        Route("/_sim/run", run, methods=["POST"]),
        Route("/_sim/open", open_quickbooks, methods=["POST"]),
        Route("/_sim/close", close_quickbooks, methods=["POST"]),
        Route("/_sim/scheduler", scheduler, methods=["GET", "POST"]),
    ]


def create_app(scenario: dict[str, Any], *, seed: int = 0) -> SimApp:
    backend = QuickBooksBackend(scenario)
    return build_app(backend, routes(backend), seed=seed)
