"""IFS IAM (an embedded Keycloak) client-credentials grant (spec 5.3), on the shared bearer flow.

``POST {url}/auth/realms/{realm}/protocol/openid-connect/token`` with a form body: ``grant_type=client_credentials``,
the client id and secret, ``scope=openid microprofile-jwt``. Keycloak answers with an ``access_token`` that lives
only minutes (IFS's sample: ``expires_in: 180``) and a ``refresh_token`` (``refresh_expires_in: 1800``), so the
token is refreshed ahead of expiry (``refresh_skew``) with the standard ``grant_type=refresh_token``. Keycloak
clients are confidential: the refresh grant authenticates the client again. A refused refresh (expired or
already used refresh token: Keycloak rotates them) falls back to the full grant in :class:`BearerAuth`.

The bearer is the ``access_token``; the ``id_token`` Keycloak also returns is not an access credential.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from pydantic import SecretStr

from edi_assets.connectors.auth import BearerAuth

SYSTEM = "ifs"
SCOPE = "openid microprofile-jwt"

#: Seconds before expiry to renew: a sixth of IFS's sample 180 s lifetime, enough for a slow request to finish.
DEFAULT_REFRESH_SKEW = 30.0


def token_url(base_url: str, realm: str) -> str:
    """The realm's token endpoint under the IFS system URL."""
    return f"{base_url.rstrip('/')}/auth/realms/{realm}/protocol/openid-connect/token"


class IfsAuth(BearerAuth):
    """Client credentials for one IAM client; its grants (permission sets) decide which projections answer."""

    def __init__(self, *, base_url: str, realm: str, client_id: str, client_secret: SecretStr,
                 refresh_skew: float = DEFAULT_REFRESH_SKEW, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(system=SYSTEM, secrets=[client_secret], refresh_skew=refresh_skew, clock=clock)
        self.token_url = token_url(base_url, realm)
        self._client_id = client_id
        self._client_secret = client_secret

    def token_request(self) -> httpx.Request:
        return self._grant({"grant_type": "client_credentials", "scope": SCOPE})

    def refresh_request(self, refresh_token: SecretStr) -> httpx.Request:
        return self._grant({"grant_type": "refresh_token", "refresh_token": refresh_token.get_secret_value()})

    def _grant(self, fields: dict[str, str]) -> httpx.Request:
        form = {**fields, "client_id": self._client_id, "client_secret": self._client_secret.get_secret_value()}
        return httpx.Request("POST", self.token_url, data=form, headers={"Accept": "application/json"})
