"""Cleo's grants for the shared :class:`~edi_assets.connectors.auth.BearerAuth` flow.

Both grants are form-encoded POSTs to ``/api/authentication`` (spec 1.3): the password grant [C], with a TOTP
code for users who have two-factor authentication [U], and the refresh grant [U/I]. The flow itself (refresh on
401, full re-authentication when the refresh is refused) is BearerAuth's.

TOTP codes are single-use: Cleo refuses a code of a 30-second step the user already logged in with. So the auth
remembers the last step it spent and, when a full re-authentication falls in that same step, waits for the next
one. BearerAuth tries the refresh grant first, so that wait happens only when the refresh token is gone as well.
Another process logging in as the same user can spend the step too, which this one cannot see: a refusal that
is about the code is therefore tried once more, with the next step's code.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import httpx
import pyotp
from pydantic import SecretStr

from edi_assets.connectors.auth import BearerAuth, Flow
from edi_assets.connectors.errors import AuthenticationError
from edi_assets.connectors.redaction import get_logger, register_secret

log = get_logger(__name__)

SYSTEM = "cleo"
AUTH_PATH = "/api/authentication"

#: Seconds past a step boundary before a code of the new step is sent, so a server clock a little behind
#: ours is already in that step (it accepts a step either side anyway).
STEP_MARGIN = 0.2

_ABOUT_THE_CODE = re.compile(r"(?i)\b(code|totp|otp|two[- ]factor|2fa|mfa)\b")


def normalise_totp_secret(secret: SecretStr) -> SecretStr:
    """The base32 seed without the spaces authenticator apps group it with; refuses a seed that is not base32."""
    value = re.sub(r"[\s-]", "", secret.get_secret_value()).upper()
    try:
        pyotp.TOTP(value).byte_secret()
    except (ValueError, TypeError):
        raise AuthenticationError("the stored TOTP secret (cleo.totp_secret) is not a base32 seed",
                                  system=SYSTEM) from None
    return SecretStr(value)


class CleoAuth(BearerAuth):
    """Password grant (with a fresh TOTP code when the user has 2FA) and refresh grant against one Cleo tenant.

    ``wall_clock`` and ``sleep`` serve the TOTP steps (Unix time, unlike the token expiry's monotonic ``clock``);
    tests inject them so that waiting for the next step takes no real time.
    """

    def __init__(self, *, base_url: str, username: str, password: SecretStr, totp_secret: SecretStr | None = None,
                 totp_param: str = "totp", refresh_skew: float = 60.0,
                 clock: Callable[[], float] = time.monotonic, wall_clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if totp_secret is not None:
            register_secret(totp_secret)  # the raw form too, before normalising can fail and quote it
            totp_secret = normalise_totp_secret(totp_secret)
        secrets = [password] + ([totp_secret] if totp_secret is not None else [])
        super().__init__(system=SYSTEM, secrets=secrets, refresh_skew=refresh_skew, clock=clock)
        self.url = f"{base_url.rstrip('/')}{AUTH_PATH}"
        self.username = username
        self._password = password
        self._totp = pyotp.TOTP(totp_secret.get_secret_value()) if totp_secret is not None else None
        self.totp_param = totp_param
        self.wall_clock = wall_clock
        self.sleep = sleep
        self._last_step: int | None = None

    @property
    def two_factor(self) -> bool:
        return self._totp is not None

    def token_request(self) -> httpx.Request:
        form = {"grant_type": "password", "username": self.username, "password": self._password.get_secret_value()}
        if self._totp is not None:
            form[self.totp_param] = self._fresh_code(self._totp)
        return httpx.Request("POST", self.url, data=form, headers={"Accept": "application/json"})

    def refresh_request(self, refresh_token: SecretStr) -> httpx.Request:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token.get_secret_value()}
        return httpx.Request("POST", self.url, data=form, headers={"Accept": "application/json"})

    def auth_flow(self, request: httpx.Request) -> Flow:
        """BearerAuth's flow; a refused code gets one more try on the next step (see the module docstring)."""
        try:
            yield from super().auth_flow(request)
        except AuthenticationError as error:
            if not _about_the_code(error):
                raise
            if self._totp is None:
                raise AuthenticationError(
                    f"{error.message}; the Cleo user has two-factor authentication: store its TOTP seed as "
                    "cleo.totp_secret", system=SYSTEM, status=error.status) from None
            log.info("cleo: two-factor code refused (%s); trying once more with the next step's code",
                     error.message)
            yield from super().auth_flow(request)

    def _fresh_code(self, totp: pyotp.TOTP) -> str:
        """The code of the current step, after waiting for the next step if this one is already spent."""
        now = self.wall_clock()
        step = int(now // totp.interval)
        if self._last_step is not None and step <= self._last_step:
            wait = (self._last_step + 1) * totp.interval - now + STEP_MARGIN
            log.info("cleo: this 30 s step's two-factor code is spent; waiting %.1f s for the next step", wait)
            self.sleep(wait)
            step = max(int(self.wall_clock() // totp.interval), self._last_step + 1)
        self._last_step = step
        return totp.generate_otp(step)


def _about_the_code(error: AuthenticationError) -> bool:
    return error.status in (400, 401, 403) and bool(_ABOUT_THE_CODE.search(error.message))
