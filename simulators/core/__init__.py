"""Machinery every simulator uses: state backends, admin routes, fault injection, tokens, serving."""

from simulators.core.app import SimBackend, build_app
from simulators.core.clock import Clock
from simulators.core.faults import FaultInjector, FaultRule
from simulators.core.secrets import redact, same_secret
from simulators.core.server import RunningServer, serve
from simulators.core.tokens import TokenStore

__all__ = [
    "Clock",
    "FaultInjector",
    "FaultRule",
    "RunningServer",
    "SimBackend",
    "TokenStore",
    "build_app",
    "redact",
    "same_secret",
    "serve",
]
