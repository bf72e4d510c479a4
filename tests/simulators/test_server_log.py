"""The simulators' server log: what a test or chaos run causes on purpose is not reported as a server error."""

from __future__ import annotations

import logging
import sys

from simulators.core.server import _QuietDrops


def _record_of(exc: BaseException) -> logging.LogRecord:
    try:
        raise exc
    except type(exc):
        info = sys.exc_info()
    return logging.LogRecord("uvicorn.error", logging.ERROR, __file__, 1, "Exception in ASGI application", None, info)


def test_a_client_that_went_away_mid_request_is_not_logged() -> None:
    from starlette.requests import ClientDisconnect

    assert _QuietDrops().filter(_record_of(ClientDisconnect())) is False


def test_a_real_server_error_is_still_logged() -> None:
    assert _QuietDrops().filter(_record_of(RuntimeError("a bug in the simulator"))) is True


def test_a_plain_message_is_still_logged() -> None:
    record = logging.LogRecord("uvicorn.error", logging.WARNING, __file__, 1, "shutting down", None, None)
    assert _QuietDrops().filter(record) is True
