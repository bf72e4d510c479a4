"""QAD's OAuth2 password grant (spec 2.3), on the shared bearer flow.

QAD reads the grant's parameters from the **query string**, not a form body, so the password, the client id
and the refresh token travel in the token URL. That URL must therefore never reach a log line or an exception
as is: the password and client id are registered for redaction here (through :class:`BearerAuth`), the tokens
the moment they arrive, and :func:`~edi_assets.connectors.redaction.redact_url` also masks ``password=`` and
``refresh_token=`` by name. The token requests are built fresh for each grant and never logged by this module.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from pydantic import SecretStr

from edi_assets.connectors.auth import BearerAuth

SYSTEM = "qad"


class QadAuth(BearerAuth):
    """``POST {base}/oauth/token?client_id&grant_type=password&username&password``; refresh likewise.

    ``base_url`` is the tenant URL (``.../clouderp`` or ``.../qad-central``). The client id is treated as a
    secret: it is stored in the vault beside the password and is the only client credential QAD's grant takes.
    """

    def __init__(self, *, base_url: str, client_id: SecretStr, username: str, password: SecretStr,
                 refresh_skew: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(system=SYSTEM, secrets=[password, client_id], refresh_skew=refresh_skew, clock=clock)
        self.token_url = f"{base_url.rstrip('/')}/oauth/token"
        self._client_id = client_id
        self._username = username
        self._password = password

    def token_request(self) -> httpx.Request:
        return self._grant({"grant_type": "password", "username": self._username,
                            "password": self._password.get_secret_value()})

    def refresh_request(self, refresh_token: SecretStr) -> httpx.Request:
        return self._grant({"grant_type": "refresh_token", "refresh_token": refresh_token.get_secret_value()})

    def _grant(self, params: dict[str, str]) -> httpx.Request:
        query = {"client_id": self._client_id.get_secret_value(), **params}
        return httpx.Request("POST", self.token_url, params=query, headers={"Accept": "application/json"})
