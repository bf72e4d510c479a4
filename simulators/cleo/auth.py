"""`POST /api/authentication`: password grant [C], refresh grant [U/I], TOTP second factor for 2FA users [U]."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pyotp

from simulators.cleo.errors import BadRequestError, UnauthorizedError
from simulators.cleo.settings import CleoSettings
from simulators.core.clock import Clock
from simulators.core.secrets import same_secret
from simulators.core.tokens import Grant, TokenStore

_INVALID = "Invalid username or password"


@dataclass(frozen=True)
class User:
    username: str
    password: str
    tenant: str
    totp_secret: str | None = None


def valid_totp_secret(secret: str) -> bool:
    """pyotp's rule: base32, at least 112 bits once decoded (NIST SP 800-63B)."""
    try:
        pyotp.TOTP(secret).byte_secret()
    except (ValueError, TypeError):
        return False
    return True


class Authenticator:
    """Checks credentials in constant time and issues tokens; remembers each user's last TOTP step."""

    def __init__(self, users: list[User], clock: Clock) -> None:
        self.users = {u.username: u for u in users}
        self.clock = clock
        self.tokens = TokenStore(clock)
        self._last_totp_step: dict[str, int] = {}

    def authenticate(self, form: Mapping[str, str], settings: CleoSettings) -> dict[str, object]:
        """The token response body, or UnauthorizedError/BadRequestError."""
        grant_type = form.get("grant_type")
        if grant_type == "password":
            grant = self._password_grant(form, settings)
        elif grant_type == "refresh_token" and settings.issue_refresh_tokens:
            grant = self._refresh_grant(form.get("refresh_token"))
        else:
            raise BadRequestError(f"unsupported grant_type {grant_type!r}")
        self.tokens.lifetime = settings.token_lifetime
        self.tokens.refresh_lifetime = settings.refresh_lifetime
        return self.tokens.issue(grant, with_refresh=settings.issue_refresh_tokens)

    def _password_grant(self, form: Mapping[str, str], settings: CleoSettings) -> Grant:
        username, password = form.get("username"), form.get("password")
        if not username or not password:
            raise UnauthorizedError("username and password are required")
        user = self.users.get(username)
        # Compare against something even for an unknown user, so timing does not reveal which usernames exist.
        if not same_secret(password, user.password if user else "\x00unknown-user") or user is None:
            raise UnauthorizedError(_INVALID)
        if user.totp_secret is not None:
            self._check_totp(user, form.get(settings.totp_param), settings)
        return Grant(subject=user.username, tenant=user.tenant)

    def _refresh_grant(self, refresh_token: str | None) -> Grant:
        grant = self.tokens.refresh(refresh_token)
        if grant is None:
            raise UnauthorizedError("Invalid or expired refresh token")
        return grant

    def _check_totp(self, user: User, code: str | None, settings: CleoSettings) -> None:
        if not code:
            raise UnauthorizedError("Two-factor authentication code required")
        totp = pyotp.TOTP(user.totp_secret or "")
        now = self.clock.now()
        current = totp.timecode(now)
        for offset in range(-settings.totp_window, settings.totp_window + 1):
            if same_secret(code, totp.at(now, counter_offset=offset)):
                step = current + offset
                break
        else:
            raise UnauthorizedError("Invalid two-factor authentication code")
        if settings.totp_replay_protection:
            if step <= self._last_totp_step.get(user.username, -1):
                raise UnauthorizedError("Two-factor authentication code already used")
            self._last_totp_step[user.username] = step
