"""ION SSO tokens (spec 6.3) as the shared :class:`~edi_assets.connectors.auth.BearerAuth` flow.

* Full grant: ``POST {pu}{ot}``, form-encoded ``grant_type=password`` with the client (``ci``/``cs``) and the
  service-account keys as username (``saak``, already ``TENANT#...``: sent as is, never prefixed again; the form
  encoding turns ``#`` into ``%23``) and password (``sask``). A backend file without service-account keys uses
  ``client_credentials`` instead [I].
* The answer carries ``expires_in`` (2 h is Infor's documented example), so the base flow renews ahead of expiry;
  a ``refresh_token`` comes only when the app has "Issue Refresh Tokens" on, and then the refresh grant is tried
  before a full grant [I].
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from pydantic import SecretStr

from edi_assets.connectors.auth import BearerAuth
from edi_assets.connectors.infor.ionapi import IonApiFile

SYSTEM = "infor"


class IonApiAuth(BearerAuth):
    """Bearer tokens from the ION SSO named in the customer's ``.ionapi`` file."""

    def __init__(self, ionapi: IonApiFile, *, refresh_skew: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        secrets = [s for s in (ionapi.cs, ionapi.saak, ionapi.sask) if s is not None]
        super().__init__(system=SYSTEM, secrets=secrets, refresh_skew=refresh_skew, clock=clock)
        self.ionapi = ionapi

    def _client(self) -> dict[str, str]:
        return {"client_id": self.ionapi.ci, "client_secret": self.ionapi.cs.get_secret_value()}

    def token_request(self) -> httpx.Request:
        ion = self.ionapi
        if ion.saak is not None and ion.sask is not None:
            form = {"grant_type": "password", **self._client(), "username": ion.saak.get_secret_value(),
                    "password": ion.sask.get_secret_value()}
        else:
            form = {"grant_type": "client_credentials", **self._client()}
        return httpx.Request("POST", ion.token_url, data=form, headers={"Accept": "application/json"})

    def refresh_request(self, refresh_token: SecretStr) -> httpx.Request:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token.get_secret_value(), **self._client()}
        return httpx.Request("POST", self.ionapi.token_url, data=form, headers={"Accept": "application/json"})
