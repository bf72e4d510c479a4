"""Simulated Cleo Integration Cloud: token authentication with TOTP, per-tenant partner folders, files, 429s.

The trading partners behind it (`simulators.partners`) work on its folders in-process; `create_app(...)
.backend.partners` is their network, which `simulators up` starts ticking.
"""

from simulators.cleo.app import create_app, demo_credentials
from simulators.cleo.backend import CleoBackend
from simulators.cleo.settings import CleoSettings

__all__ = ["CleoBackend", "CleoSettings", "create_app", "demo_credentials"]
