"""Bearer-token authentication as an ``httpx.Auth`` flow, so no connector repeats token handling.

The flow (a generator: it yields requests and httpx sends them and hands back the responses):

1. no token yet: run the full grant (``token_request``); token close to expiry (``refresh_skew``): refresh it
   first (``refresh_request``), falling back to the full grant;
2. send the request with ``Authorization: Bearer``;
3. on 401: refresh once (or, when there is no refresh grant or it is refused, re-authenticate fully) and
   resend; on a second 401 after a refresh, re-authenticate fully once and resend; a 401 after that is
   returned as is (the client maps it to :class:`AuthenticationError`);
4. a full grant that is refused raises :class:`AuthenticationError` with the server's reason.

A token endpoint answering 429 or 5xx raises :class:`RateLimited` / :class:`TransientError` with
``sent=False``: the request itself never went out, so it may be retried whatever its method.

Token state sits behind a lock held only while a grant runs, so concurrent threads wait for one fetch instead
of each running their own, and a thread that saw a 401 does not refresh a token another thread just renewed.
Token values are ``SecretStr`` and registered for redaction the moment they arrive.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, replace
from typing import Any

import httpx
from pydantic import SecretStr

from edi_assets.connectors.errors import AuthenticationError, RateLimited, TransientError
from edi_assets.connectors.redaction import get_logger, redact, register_secret
from edi_assets.connectors.retry import parse_retry_after

log = get_logger(__name__)

Flow = Generator[httpx.Request, httpx.Response, None]


@dataclass(frozen=True)
class Token:
    """An access token; ``expires_at`` is on the auth's clock, None when the lifetime is unknown."""

    access: SecretStr
    expires_at: float | None = None
    refresh: SecretStr | None = None


class BearerAuth(httpx.Auth, ABC):
    """Base flow; subclasses say how to ask for a token, and how to read one if not standard OAuth2 JSON."""

    requires_response_body = True

    def __init__(self, *, system: str, secrets: Iterable[SecretStr] = (), refresh_skew: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """``secrets``: the credentials the grants send (password, client secret, TOTP seed...), registered for
        redaction here so no subclass can forget; ``refresh_skew``: seconds before expiry to refresh ahead."""
        for secret in secrets:
            register_secret(secret)
        self.system = system
        self.refresh_skew = refresh_skew
        self.clock = clock
        self._token: Token | None = None
        self._lock = threading.Lock()

    # -- what subclasses provide --------------------------------------------------------------------------

    @abstractmethod
    def token_request(self) -> httpx.Request:
        """The full grant (password, client credentials...), as an absolute-URL request."""

    def refresh_request(self, refresh_token: SecretStr) -> httpx.Request | None:
        """The refresh grant for ``refresh_token``; None when the system has none."""
        return None

    def parse_token(self, response: httpx.Response) -> Token:
        """Read a 2xx token response; the default reads OAuth2 JSON (access_token, expires_in, refresh_token)."""
        try:
            body = response.json()
            access = body["access_token"]
        except (ValueError, KeyError, TypeError):
            raise AuthenticationError("token response holds no access_token", system=self.system,
                                      status=response.status_code) from None
        try:
            lifetime = float(body["expires_in"]) if body.get("expires_in") is not None else None
        except (TypeError, ValueError):
            lifetime = None  # unknown lifetime: the token is renewed on its first 401 instead
        refresh = body.get("refresh_token")
        return Token(access=SecretStr(str(access)),
                     expires_at=self.clock() + lifetime if lifetime is not None else None,
                     refresh=SecretStr(str(refresh)) if refresh else None)

    # -- the flow -----------------------------------------------------------------------------------------

    @property
    def token(self) -> Token | None:
        return self._token

    def auth_flow(self, request: httpx.Request) -> Flow:
        token = yield from self._usable_token()
        self._apply(request, token)
        response = yield request
        for renewal in range(2):  # the refresh grant first, then a full re-authentication; never more
            if response.status_code != 401:
                return
            log.info("%s: 401 from %s %s; renewing the token", self.system, request.method, request.url)
            token, renewed_fully = yield from self._renew(token, may_refresh=renewal == 0)
            self._apply(request, token)
            response = yield request
            if renewed_fully:
                return

    def _apply(self, request: httpx.Request, token: Token) -> None:
        request.headers["Authorization"] = f"Bearer {token.access.get_secret_value()}"

    def _usable_token(self) -> Generator[httpx.Request, httpx.Response, Token]:
        with self._lock:
            token = self._token
            if token is not None and not self._expiring(token):
                return token
            if token is not None:
                log.debug("%s: token expires within %.0f s; refreshing ahead", self.system, self.refresh_skew)
            token, _ = yield from self._obtain(token, may_refresh=True)
            return token

    def _renew(self, stale: Token, *, may_refresh: bool) -> Generator[httpx.Request, httpx.Response,
                                                                         tuple[Token, bool]]:
        with self._lock:
            current = self._token
            if current is not None and current is not stale and not self._expiring(current):
                return current, False  # another thread renewed it while this one was waiting
            return (yield from self._obtain(stale, may_refresh=may_refresh))

    def _expiring(self, token: Token) -> bool:
        return token.expires_at is not None and self.clock() >= token.expires_at - self.refresh_skew

    def _obtain(self, current: Token | None, *, may_refresh: bool) -> Generator[httpx.Request, httpx.Response,
                                                                               tuple[Token, bool]]:
        """Refresh when allowed and possible, else (or when refused) the full grant. Caller holds the lock."""
        if may_refresh and current is not None and current.refresh is not None:
            refresh = self.refresh_request(current.refresh)
            if refresh is not None:
                outcome = self._accept((yield refresh), "refresh")
                if isinstance(outcome, Token):
                    # A refresh response may omit the refresh token, meaning: keep using the one you have.
                    self._token = outcome if outcome.refresh else replace(outcome, refresh=current.refresh)
                    return self._token, False
        outcome = self._accept((yield self.token_request()), "authentication")
        if isinstance(outcome, Token):
            self._token = outcome
            return outcome, True
        self._token = None
        raise AuthenticationError(f"authentication refused: {outcome.reason}", system=self.system,
                                  status=outcome.status)

    def _accept(self, response: httpx.Response, grant: str) -> Token | _Refusal:
        """The token from a grant's response, or why it was refused; raises when the endpoint itself failed."""
        status = response.status_code
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status == 429:
            raise RateLimited(f"token endpoint rate-limited the {grant} grant", system=self.system, status=status,
                              retry_after=retry_after)
        if status >= 500:
            raise TransientError(f"token endpoint failed the {grant} grant", system=self.system, status=status,
                                 retry_after=retry_after, sent=False)
        if not 200 <= status < 300:
            refusal = _Refusal(_reason(response), status)
            log.info("%s: %s grant refused (HTTP %d): %s", self.system, grant, status, refusal.reason)
            return refusal
        token = self.parse_token(response)
        register_secret(token.access)
        register_secret(token.refresh)
        return token


@dataclass(frozen=True)
class _Refusal:
    reason: str
    status: int


def _reason(response: httpx.Response) -> str:
    """The token endpoint's own words (OAuth2 ``error_description``/``error``, or ``message``), redacted."""
    try:
        body: Any = response.json()
    except ValueError:
        return redact(response.text[:200]) or response.reason_phrase
    if isinstance(body, dict):
        for key in ("error_description", "message", "error"):
            if isinstance(body.get(key), str) and body[key]:
                return redact(str(body[key]))
    return response.reason_phrase
