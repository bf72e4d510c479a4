"""Cleo Integration Cloud: the folders partners' X12 files arrive in and leave from (spec section 1).

:class:`CleoClient` lists, downloads, uploads (exactly once, by name), moves and deletes files; :class:`CleoAuth`
runs Cleo's password grant (with a TOTP code for 2FA users) and refresh grant in the shared bearer flow.
"""

from edi_assets.connectors.cleo.auth import CleoAuth
from edi_assets.connectors.cleo.client import (
    AfterProcessing,
    CleoClient,
    CleoFile,
    CleoFolder,
    FileExists,
    cleo_limit,
)

__all__ = ["AfterProcessing", "CleoAuth", "CleoClient", "CleoFile", "CleoFolder", "FileExists", "cleo_limit"]
