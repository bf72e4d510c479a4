"""One place that scrubs secrets from text: exception messages, URLs and log records.

Three nets, because no single one catches everything:

* known values: every secret the process handles is registered (from ``SecretStr``) and replaced wherever it
  appears, raw or URL-encoded, so a password echoed back in an odd place is still caught;
* secret-named fields: ``password=...`` in query strings and form bodies (QAD sends credentials in the query
  string), ``"client_secret": "..."`` in JSON or reprs, ``user:pass@`` in URLs;
* credentials in headers: ``Authorization: Bearer ...`` / ``Basic ...`` and bare ``Bearer <token>``.

:class:`RedactingFilter` applies :func:`redact` to log records. Python consults a logger's filters only for
records logged on that very logger, not for records propagated from its children, so
:func:`install_log_redaction` attaches it to ``edi_assets``, ``httpx`` and each ``httpcore`` logger, and
:func:`get_logger` attaches it to every logger the connectors create.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import quote, quote_plus

from pydantic import SecretStr

MASK = "***"

# Shorter values would turn ordinary words and numbers in every log line into "***".
MIN_SECRET_LENGTH = 4

_EXACT_NAMES = frozenset({
    "code", "totp", "otp", "token", "pwd", "passwd", "pass", "apikey", "api_key", "assertion", "sask",
    "sessionid", "jsessionid", "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key",
})
_SUFFIXES = ("password", "secret", "_token", "-token")

_KEY_VALUE = re.compile(r"(?<![\w.\-])([\w.\-]+)=([^&\s\"'<>,;)]*)")
_QUOTED_PAIR = re.compile(r"""(["'])([\w.\-]+)\1(\s*:\s*)(["'])(.*?)(?<!\\)\4""")
_AUTH_HEADER = re.compile(
    r"(?i)\b((?:proxy-)?authorization|cookie|set-cookie|x-api-key)(\s*[\"']?\s*[:=]\s*[\"']?\s*)"
    r"(?:(bearer|basic|digest|negotiate|token)\s+)?[^\s\"',}\]]+"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]{8,}=*")
_USERINFO = re.compile(r"(://[^/\s:@]+:)[^@/\s]+@")

_lock = threading.Lock()
_known: set[str] = set()
_known_pattern: re.Pattern[str] | None = None


def is_secret_name(name: str) -> bool:
    """Whether a field, parameter or header called ``name`` carries a secret."""
    lowered = name.lower()
    return lowered in _EXACT_NAMES or lowered.endswith(_SUFFIXES)


def register_secret(value: SecretStr | str | None) -> None:
    """Remember a secret value (and its URL encodings) so that :func:`redact` removes it anywhere."""
    global _known_pattern
    raw = value.get_secret_value() if isinstance(value, SecretStr) else value
    if not raw or len(raw) < MIN_SECRET_LENGTH:
        return
    variants = {raw, quote(raw, safe=""), quote_plus(raw)}
    with _lock:
        if variants <= _known:
            return
        _known.update(variants)
        ordered = sorted(_known, key=len, reverse=True)  # longest first, so a prefix never leaves a tail behind
        _known_pattern = re.compile("|".join(re.escape(v) for v in ordered))


def _mask_pair(match: re.Match[str]) -> str:
    key = match.group(1)
    return f"{key}={MASK}" if is_secret_name(key) and match.group(2) else match.group(0)


def _mask_quoted(match: re.Match[str]) -> str:
    quote_key, key, sep, quote_value = match.group(1), match.group(2), match.group(3), match.group(4)
    if not is_secret_name(key):
        return match.group(0)
    return f"{quote_key}{key}{quote_key}{sep}{quote_value}{MASK}{quote_value}"


def _mask_header(match: re.Match[str]) -> str:
    scheme = f"{match.group(3)} " if match.group(3) else ""
    return f"{match.group(1)}{match.group(2)}{scheme}{MASK}"


def redact(text: str) -> str:
    """``text`` with every secret this module can recognise replaced by ``***``."""
    pattern = _known_pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    text = _USERINFO.sub(rf"\g<1>{MASK}@", text)
    text = _QUOTED_PAIR.sub(_mask_quoted, text)
    text = _AUTH_HEADER.sub(_mask_header, text)
    text = _BEARER.sub(rf"\g<1> {MASK}", text)
    return _KEY_VALUE.sub(_mask_pair, text)


def redact_url(url: object) -> str:
    """A URL (``httpx.URL`` or text) fit for an error message or a log line."""
    return redact(str(url))


class RedactingFilter(logging.Filter):
    """Rewrites each record's message, traceback and stack with secrets removed; never drops a record.

    The message is formatted first (``msg % args``) and the args cleared, so a secret inside an argument
    (an ``httpx.URL``, a dict) is caught whatever its type. The traceback is formatted here too, because a
    handler formatting ``exc_info`` later would print it unredacted.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record
            message = f"{record.msg!s} {record.args!r}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FILTER = RedactingFilter()
_THIRD_PARTY = ("httpx", "httpcore", "httpcore.connection", "httpcore.http11", "httpcore.http2",
                "httpcore.proxy", "httpcore.socks")


def _attach(logger: logging.Logger) -> logging.Logger:
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(_FILTER)
    return logger


def get_logger(name: str) -> logging.Logger:
    """``logging.getLogger(name)`` with the redacting filter attached to that logger itself."""
    return _attach(logging.getLogger(name))


def install_log_redaction() -> None:
    """Attach the filter to ``edi_assets`` (and its existing children) and to httpx's and httpcore's loggers."""
    names = [*_THIRD_PARTY, "edi_assets"]
    names += [n for n in list(logging.Logger.manager.loggerDict) if n.startswith("edi_assets.")]
    for name in names:
        _attach(logging.getLogger(name))
