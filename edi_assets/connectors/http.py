"""``ApiClient``: the one HTTP path every connector takes (auth, rate limit, retries, typed errors, redaction).

One attempt is: wait for the rate limiter, send (the ``httpx.Auth`` flow adds and renews the token), map the
response through the system's ``raise_for`` hook, parse the body. The retry policy repeats attempts that may
be repeated (see :mod:`~edi_assets.connectors.retry`).

Whether a failure may be repeated depends on whether the request may have had an effect:

* never sent (connection refused or timed out while connecting, pool exhausted, token fetch failed): safe;
* maybe sent (connection dropped, read timeout, 5xx, unreadable 2xx body): safe only for idempotent requests.
  For the others (POST, Infor's write GETs) the client raises :class:`OutcomeUnknown`, so the caller looks the
  record up before trying again instead of posting an invoice twice.

Requests are idempotent by method (GET, HEAD, PUT, DELETE, OPTIONS) unless the caller says otherwise with
``idempotent=``: True for a POST that is a query, False for a GET that writes.
"""

from __future__ import annotations

import functools
import json as jsonlib
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from edi_assets.connectors.errors import (
    AuthenticationError,
    ConcurrencyConflict,
    ConnectorError,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
    RateLimited,
    RemoteRejected,
    TransientError,
)
from edi_assets.connectors.ratelimit import RateLimiter
from edi_assets.connectors.redaction import get_logger, install_log_redaction, redact, redact_url
from edi_assets.connectors.retry import RetryPolicy, parse_retry_after

T = TypeVar("T")
ResponseCheck = Callable[[httpx.Response], None]

SAFE_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)
_MESSAGE_KEYS = ("exceptionMessage", "error_description", "errorMessage", "ErrorMessage", "message", "Message")
_FIELD_KEYS = ("fieldName", "field", "errorField", "@field")

install_log_redaction()
log = get_logger(__name__)


def remote_message(response: httpx.Response) -> tuple[str, str | None]:
    """The system's own error message and field, from the shapes the six systems use; redacted."""
    try:
        body: Any = response.json()
    except ValueError:
        return redact(response.text.strip()[:500]) or response.reason_phrase, None
    if isinstance(body, dict):
        errors = (body.get("submitResult") or {}).get("errors") if isinstance(body.get("submitResult"), dict) else None
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            body = errors[0]  # QAD: {"submitResult": {"errors": [{"message", "fieldName"}]}}
        elif isinstance(body.get("error"), dict):
            body = body["error"]  # OData: {"error": {"code", "message"}}
        message = next((str(body[k]) for k in _MESSAGE_KEYS if body.get(k)), None)
        if message is None and isinstance(body.get("error"), str):
            message = body["error"]  # OAuth2 without a description
        field = next((str(body[k]) for k in _FIELD_KEYS if body.get(k)), None)
        if message:
            return redact(message.strip()), field
    return redact(response.text.strip()[:500]) or response.reason_phrase, None


def default_raise_for(response: httpx.Response, *, system: str) -> None:
    """Map an HTTP error status to a typed error; a system's own hook runs its checks, then calls this."""
    status = response.status_code
    if status < 400:
        return
    message, field = remote_message(response)
    context: dict[str, Any] = {"system": system, "status": status}
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    if status == 401:
        raise AuthenticationError(f"credentials refused: {message}", **context)
    if status == 403:
        raise PermissionDenied(message, field=field, **context)
    if status == 404:
        raise NotFound(message, **context)
    if status in (409, 412):
        raise ConcurrencyConflict(message, **context)
    if status == 429:
        raise RateLimited(message, retry_after=retry_after, **context)
    if status >= 500:
        raise TransientError(message, retry_after=retry_after, **context)
    raise RemoteRejected(message, field=field, **context)


class ApiClient:
    """An ``httpx.Client`` with a base URL, auth, rate limiter, retry policy and a per-system error hook."""

    def __init__(self, *, system: str, base_url: str, auth: httpx.Auth | None = None,
                 limiter: RateLimiter | None = None, retry: RetryPolicy | None = None,
                 raise_for: ResponseCheck | None = None, timeout: float | httpx.Timeout = 30.0,
                 headers: Mapping[str, str] | None = None, transport: httpx.BaseTransport | None = None) -> None:
        self.system = system
        self.limiter = limiter
        self.retry = retry or RetryPolicy()
        self.raise_for = raise_for or functools.partial(default_raise_for, system=system)
        self.http = httpx.Client(base_url=base_url, auth=auth, timeout=timeout, headers=headers,
                                 transport=transport)
        self._base = str(self.http.base_url).rstrip("/") + "/"  # as httpx joins: base path, then the relative one

    def request(self, method: str, url: str, *, operation: str, rate_key: str | None = None,
                idempotent: bool | None = None, document: str | None = None, partner: str | None = None,
                params: Mapping[str, Any] | None = None, json: Any = None, data: Mapping[str, Any] | None = None,
                content: bytes | str | None = None, files: Mapping[str, Any] | None = None,
                headers: Mapping[str, str] | None = None) -> httpx.Response:
        """Send with retries; returns the response once ``raise_for`` accepts it. ``operation`` names the step
        for people ("upload 810"), ``rate_key`` defaults to the URL path, ``idempotent`` overrides the method.
        The request is rebuilt for each attempt, so pass ``files`` and ``content`` as bytes, not open files."""
        target, params = self._target(url, params)
        build = functools.partial(self.http.build_request, method, target, params=params, json=json, data=data,
                                  content=content, files=files, headers=headers)
        return self._run(build, _as_is, operation=operation, rate_key=rate_key, idempotent=idempotent,
                         document=document, partner=partner)

    def json(self, method: str, url: str, *, operation: str, rate_key: str | None = None,
             idempotent: bool | None = None, document: str | None = None, partner: str | None = None,
             params: Mapping[str, Any] | None = None, json: Any = None, data: Mapping[str, Any] | None = None,
             headers: Mapping[str, str] | None = None) -> Any:
        """Like :meth:`request`, returning the decoded JSON body (None when empty). A body that is not JSON is
        a :class:`TransientError` (retried when idempotent) or :class:`OutcomeUnknown`."""
        target, params = self._target(url, params)
        build = functools.partial(self.http.build_request, method, target, params=params, json=json, data=data,
                                  headers=headers)
        return self._run(build, _decode_json, operation=operation, rate_key=rate_key, idempotent=idempotent,
                         document=document, partner=partner)

    def close(self) -> None:
        self.http.close()

    def _target(self, url: str, params: Mapping[str, Any] | None) -> tuple[httpx.URL | str, Mapping[str, Any] | None]:
        """The request's absolute URL with its query, parsed once; and the params left for httpx (none, unless the
        URL has a query of its own to merge them with). The same URL httpx would build from a relative one and
        params, which it parses three times over: the most costly part of a request's CPU time."""
        if "?" in url and params:
            return url, params
        absolute = url if "://" in url else self._base + url.lstrip("/")
        if params:
            absolute = f"{absolute}?{httpx.QueryParams(params)}"
        return httpx.URL(absolute), None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    # -- one call -----------------------------------------------------------------------------------------

    def _run(self, build: Callable[[], httpx.Request], parse: Callable[[httpx.Response], T], *, operation: str,
             rate_key: str | None, idempotent: bool | None, document: str | None, partner: str | None) -> T:
        probe = build()
        safe = idempotent if idempotent is not None else probe.method in SAFE_METHODS
        endpoint = f"{probe.method} {redact_url(probe.url)}"
        key = rate_key or probe.url.path
        unsent = [probe]  # the first attempt sends the request built above; a retry builds its own

        def request() -> httpx.Request:
            return unsent.pop() if unsent else build()

        def attempt() -> T:
            try:
                return self._attempt(request, parse, key, endpoint)
            except TransientError as error:
                if safe or not error.sent or isinstance(error, OutcomeUnknown):
                    raise
                raise OutcomeUnknown.from_error(error) from error

        try:
            return self.retry.call(attempt, safe=safe, what=f"{self.system} {operation} ({endpoint})")
        except ConnectorError as error:
            error.add_context(operation=operation, endpoint=endpoint, document=document, partner=partner)
            raise

    def _attempt(self, build: Callable[[], httpx.Request], parse: Callable[[httpx.Response], T], key: str,
                 endpoint: str) -> T:
        if self.limiter is not None:
            self.limiter.acquire(self.system, key)
        request = build()
        started = time.monotonic()
        try:
            response = self.http.send(request)
        except httpx.RequestError as exc:
            raise self._transport_error(exc, request) from None
        log.debug("%s %s -> %d in %.3f s", self.system, endpoint, response.status_code, time.monotonic() - started)
        self.raise_for(response)
        try:
            return parse(response)
        except (jsonlib.JSONDecodeError, UnicodeDecodeError):
            raise TransientError("response body is not valid JSON", system=self.system,
                                 status=response.status_code) from None

    def _transport_error(self, exc: httpx.RequestError, request: httpx.Request) -> ConnectorError:
        """A typed error for a failure below HTTP; ``sent`` says whether ``request`` may have reached the system."""
        what = f"{type(exc).__name__}: {redact(str(exc)) or 'no detail'}"
        if isinstance(exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError | httpx.TooManyRedirects):
            return ConnectorError(f"request cannot be sent ({what})", system=self.system)
        try:
            failed = exc.request
        except RuntimeError:
            failed = request
        never_sent = isinstance(exc, _NEVER_SENT) or failed is not request  # e.g. the token fetch failed
        kind = "could not connect" if never_sent else "connection dropped or timed out"
        return TransientError(f"{kind} ({what})", system=self.system, sent=not never_sent)


def _as_is(response: httpx.Response) -> httpx.Response:
    return response


def _decode_json(response: httpx.Response) -> Any:
    return response.json() if response.content.strip() else None
