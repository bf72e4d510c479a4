"""The compiled hot loops of the translator (``edi_assets.translate._render``), when built.

Every function in it has a pure-Python twin that defines it and that the tests compare against.
``EDI_X12_PURE=1`` forces the Python twins, as it does for the X12 engine's extension.
"""

from __future__ import annotations

import os
from types import ModuleType


def native_module() -> ModuleType | None:
    """The compiled extension, or None (not built, or ``EDI_X12_PURE=1``)."""
    if os.environ.get("EDI_X12_PURE"):
        return None
    try:
        from edi_assets.translate import _render  # type: ignore[attr-defined]
    except ImportError:
        return None
    module: ModuleType = _render
    return module
