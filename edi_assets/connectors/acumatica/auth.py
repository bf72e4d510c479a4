"""Acumatica OAuth2 (IdentityServer at ``/identity/connect/token``): password grant, refresh grant.

The flow itself (token on first use, refresh ahead of expiry and on 401, full grant when the refresh is refused)
is :class:`~edi_assets.connectors.auth.BearerAuth`'s; this class only says how Acumatica asks for tokens, and
recognises the licence's "API Login Limit" refusal, which the vendor's own client turns into a 429 because the
server answers it with a generic 500.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from pydantic import SecretStr

from edi_assets.connectors.auth import BearerAuth, Token, _Refusal
from edi_assets.connectors.errors import RateLimited

SYSTEM = "acumatica"
#: ``offline_access`` asks for a refresh token, so a long run refreshes instead of opening new sessions.
DEFAULT_SCOPE = "api offline_access"
LOGIN_LIMIT_TEXT = "API Login Limit"
#: Seconds to come back after the login limit: no sooner than another integration may sign out; sessions idle
#: longer than about 20 minutes are freed by the server anyway.
LOGIN_LIMIT_RETRY_AFTER = 60.0


def login_limit_error(status: int | None = None) -> RateLimited:
    """The error for "every API session the licence allows is in use"."""
    return RateLimited(
        "API Login Limit: every concurrent API session the Acumatica licence allows is in use; sessions are freed "
        "when their clients sign out or after about 20 minutes idle (see screen SM604000 for the licence limits)",
        system=SYSTEM, status=status, retry_after=LOGIN_LIMIT_RETRY_AFTER)


def is_login_limit(response: httpx.Response) -> bool:
    """Whether a failed response is the licence's API Login Limit refusal, whatever its status."""
    return response.status_code >= 400 and LOGIN_LIMIT_TEXT.casefold() in response.text.casefold()


def client_id_for(client_id: str, company: str) -> str:
    """Acumatica client ids carry the tenant (``GUID@Tenant``); a bare GUID gets the configured company."""
    return client_id if "@" in client_id else f"{client_id}@{company}"


class AcumaticaAuth(BearerAuth):
    """Bearer tokens for one user of one tenant, through one OAuth client registered on screen SM303010."""

    def __init__(self, *, base_url: str, username: str, password: SecretStr, client_id: str,
                 client_secret: SecretStr, scope: str = DEFAULT_SCOPE, refresh_skew: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(system=SYSTEM, secrets=[password, client_secret], refresh_skew=refresh_skew, clock=clock)
        self.token_url = f"{base_url.rstrip('/')}/identity/connect/token"
        self.username = username
        self.password = password
        self.client_id = client_id
        self.client_secret = client_secret
        self.scope = scope

    def token_request(self) -> httpx.Request:
        return httpx.Request("POST", self.token_url, data={
            "grant_type": "password", "client_id": self.client_id,
            "client_secret": self.client_secret.get_secret_value(), "username": self.username,
            "password": self.password.get_secret_value(), "scope": self.scope})

    def refresh_request(self, refresh_token: SecretStr) -> httpx.Request:
        return httpx.Request("POST", self.token_url, data={
            "grant_type": "refresh_token", "client_id": self.client_id,
            "client_secret": self.client_secret.get_secret_value(),
            "refresh_token": refresh_token.get_secret_value()})

    def _accept(self, response: httpx.Response, grant: str) -> Token | _Refusal:
        """The login limit is neither a refusal of the credentials nor a server fault: say what it is."""
        if is_login_limit(response):
            raise login_limit_error(response.status_code)
        return super()._accept(response, grant)

    def forget(self) -> None:
        """Drop the token after signing out, so a later request (if any) signs in again."""
        with self._lock:
            self._token = None
