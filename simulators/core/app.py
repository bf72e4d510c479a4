"""The thin HTTP layer shared by the simulators: admin routes over a backend, faults around it all.

The moto pattern: a backend object holds the state (seeded from the scenario); each simulator's
routes translate HTTP into backend calls. `/_sim/state`, `/_sim/reset`, `/_sim/faults`,
`/_sim/clock` and `/_sim/settings` are for tests and never need credentials.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.core.clock import Clock
from simulators.core.faults import FaultInjector, FaultRule
from simulators.core.secrets import redact


class SimBackend(Protocol):
    """What every simulator backend offers the admin routes."""

    clock: Clock

    @property
    def settings(self) -> BaseModel:
        """The backend's own Settings model; a property so each backend may narrow the type."""

    @settings.setter
    def settings(self, value: Any) -> None: ...

    def state(self) -> dict[str, Any]: ...

    def reset(self) -> None: ...

    def revoke_all_tokens(self) -> None: ...


class SimApp:
    """An ASGI app: fault injection around the simulator's Starlette routes, with handles for tests."""

    def __init__(self, backend: SimBackend, routes: Sequence[BaseRoute], seed: int) -> None:
        self.backend = backend
        self.starlette = Starlette(routes=list(routes))
        self.faults = FaultInjector(self.starlette, seed=seed, on_revoke=backend.revoke_all_tokens)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.faults(scope, receive, send)


def build_app(backend: SimBackend, routes: Sequence[BaseRoute], *, seed: int = 0) -> SimApp:
    """The simulator's routes plus the admin routes, wrapped in fault injection."""

    async def get_state(_: Request) -> Response:
        return JSONResponse(redact(backend.state()))

    async def post_reset(_: Request) -> Response:
        backend.reset()
        backend.clock.reset()
        injector.clear()
        return JSONResponse({"reset": True})

    async def faults(request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse({"rules": [r.model_dump() for r in injector.rules], "injected": injector.injected})
        if request.method == "DELETE":
            injector.clear()
            return JSONResponse({"rules": []})
        payload = await request.json()
        raw_rules = payload.get("rules", payload) if isinstance(payload, dict) else payload
        try:
            rules = [FaultRule.model_validate(r) for r in raw_rules]
        except ValidationError as exc:
            return JSONResponse({"message": "invalid fault rules", "errors": exc.errors(include_url=False)}, 400)
        injector.set_rules(rules, seed=payload.get("seed") if isinstance(payload, dict) else None)
        return JSONResponse({"rules": [r.model_dump() for r in rules]})

    async def clock(request: Request) -> Response:
        if request.method == "POST":
            payload = await request.json()
            backend.clock.advance(float(payload.get("advance", 0)))
        return JSONResponse({"now": backend.clock.now(), "offset": backend.clock.offset})

    async def settings(request: Request) -> Response:
        if request.method == "POST":
            changes = await request.json()
            try:
                merged = {**backend.settings.model_dump(), **changes}
                backend.settings = type(backend.settings).model_validate(merged)
            except ValidationError as exc:
                return JSONResponse({"message": "invalid settings", "errors": exc.errors(include_url=False)}, 400)
        return JSONResponse(backend.settings.model_dump(mode="json"))

    admin = [
        Route("/_sim/state", get_state, methods=["GET"]),
        Route("/_sim/reset", post_reset, methods=["POST"]),
        Route("/_sim/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/_sim/clock", clock, methods=["GET", "POST"]),
        Route("/_sim/settings", settings, methods=["GET", "POST"]),
    ]
    app = SimApp(backend, [*admin, *routes], seed)
    injector = app.faults
    return app
