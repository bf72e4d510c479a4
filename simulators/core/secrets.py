"""Credential comparison and redaction: simulators check secrets in constant time and never echo them."""

from __future__ import annotations

import hmac
from typing import Any

SECRET_KEYS = frozenset(
    {
        "password",
        "client_secret",
        "secret",
        "totp_secret",
        "access_token",
        "refresh_token",
        "token",
        "tokens",
        "cs",
        "sask",
        "saak",
        "api_key",
    }
)


def same_secret(given: str | None, expected: str | None) -> bool:
    """Constant-time equality; a missing value never matches."""
    if given is None or expected is None:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def redact(value: Any) -> Any:
    """A copy of `value` with every secret-named key replaced by '***' (for `/_sim/state`)."""
    if isinstance(value, dict):
        return {k: ("***" if str(k).lower() in SECRET_KEYS else redact(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value
