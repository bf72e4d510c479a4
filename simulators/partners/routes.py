"""Admin routes over the partner network, mounted on the Cleo app (no credentials, like every `/_sim/` route).

- `POST /_sim/partners/tick`: read new outbound files and deliver what is due (after `POST /_sim/clock`).
- `GET|POST /_sim/partners/{id}/behaviour`: broken / duplicate / late files, line answers (partial updates).
- `POST /_sim/partners/{id}/send` `{"type": "810", "po_number": "PO1", "lines": [...]}`: a document on demand.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulators.partners.config import CatalogItem
from simulators.partners.network import PartnerNetwork, UnknownPartnerError
from simulators.partners.partner import OnDemand, SentFile


class SendRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: OnDemand
    po_number: str = Field(min_length=1)
    lines: list[CatalogItem] | None = None


Endpoint = Callable[[Request], Awaitable[Response]]


def partner_routes(network: PartnerNetwork) -> list[Route]:
    async def tick(_: Request) -> Response:
        return _delivered(network.tick())

    async def behaviour(request: Request) -> Response:
        partner_id = request.path_params["partner_id"]
        if request.method == "POST":
            changes = await _json_object(request)
            return JSONResponse(network.set_behaviour(partner_id, changes).model_dump(mode="json"))
        return JSONResponse(network.partner(partner_id).behaviour.model_dump(mode="json"))

    async def send(request: Request) -> Response:
        order = SendRequest.model_validate(await _json_object(request))
        try:
            sent = network.send(request.path_params["partner_id"], order.type, order.po_number, order.lines)
        except ValueError as exc:
            return JSONResponse({"message": str(exc)}, 400)
        return _delivered(sent)

    return [
        Route("/_sim/partners/tick", _answering_errors(tick), methods=["POST"]),
        Route("/_sim/partners/{partner_id}/behaviour", _answering_errors(behaviour), methods=["GET", "POST"]),
        Route("/_sim/partners/{partner_id}/send", _answering_errors(send), methods=["POST"]),
    ]


class _NotAnObjectError(Exception):
    """The request body is not a JSON object."""


def _answering_errors(endpoint: Endpoint) -> Endpoint:
    """404 for an unknown partner, 400 for a body that is not a JSON object or does not validate."""

    async def guarded(request: Request) -> Response:
        try:
            return await endpoint(request)
        except UnknownPartnerError as exc:
            return JSONResponse({"message": exc.args[0]}, 404)
        except _NotAnObjectError:
            return JSONResponse({"message": "the body must be a JSON object"}, 400)
        except ValidationError as exc:
            errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
            return JSONResponse({"message": "invalid request", "errors": errors}, 400)

    return guarded


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        payload = await request.json()
    except ValueError:
        raise _NotAnObjectError from None
    if not isinstance(payload, dict):
        raise _NotAnObjectError
    return payload


def _delivered(sent: list[SentFile]) -> Response:
    return JSONResponse({"delivered": [asdict(s) for s in sent]})
