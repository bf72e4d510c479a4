"""Bearer and refresh tokens with lifetimes, revocation and one-time refresh, on a movable clock."""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass, field

from simulators.core.clock import Clock


@dataclass
class Grant:
    """What a token was issued for: the subject (user, client) and its tenant."""

    subject: str
    tenant: str = ""
    scope: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class _Issued:
    grant: Grant
    expires_at: float


class TokenStore:
    """Issues access/refresh token pairs; access tokens expire, refresh tokens are single-use."""

    def __init__(self, clock: Clock, lifetime: float = 3600.0, refresh_lifetime: float = 86400.0) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.refresh_lifetime = refresh_lifetime
        self._access: dict[str, _Issued] = {}
        self._refresh: dict[str, _Issued] = {}
        self.issued_count = 0

    def issue(self, grant: Grant, *, with_refresh: bool = True) -> dict[str, object]:
        """A token response body in the OAuth2 shape."""
        now = self.clock.now()
        access = secrets.token_urlsafe(32)
        self._access[access] = _Issued(grant, now + self.lifetime)
        self.issued_count += 1
        body: dict[str, object] = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": int(self.lifetime),
        }
        if with_refresh:
            refresh = secrets.token_urlsafe(32)
            self._refresh[refresh] = _Issued(grant, now + self.refresh_lifetime)
            body["refresh_token"] = refresh
        if grant.scope:
            body["scope"] = grant.scope
        return body

    def check(self, access_token: str | None) -> Grant | None:
        """The grant behind a live access token, or None (unknown, expired or revoked)."""
        if not access_token:
            return None
        issued = self._access.get(access_token)
        if issued is None:
            return None
        if issued.expires_at <= self.clock.now():
            del self._access[access_token]
            return None
        return issued.grant

    def refresh(self, refresh_token: str | None) -> Grant | None:
        """Consume a refresh token (each works once) and return its grant, or None."""
        if not refresh_token:
            return None
        issued = self._refresh.pop(refresh_token, None)
        if issued is None or issued.expires_at <= self.clock.now():
            return None
        return issued.grant

    def revoke(self, access_token: str) -> None:
        self._access.pop(access_token, None)
        self._refresh.pop(access_token, None)

    def revoke_all(self) -> None:
        """Every token, access and refresh, stops working (the 'revoked tokens' fault)."""
        self._access.clear()
        self._refresh.clear()

    def live_count(self) -> int:
        now = self.clock.now()
        return sum(1 for i in self._access.values() if i.expires_at > now)


def bearer(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header (scheme case-insensitive)."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def basic(authorization: str | None) -> tuple[str, str] | None:
    """The (user, password) of an `Authorization: Basic …` header, or None when absent or malformed."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None
