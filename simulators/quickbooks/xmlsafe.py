"""XML from the wire, parsed by the simulators' one safe parser (no DTD, no entity expansion)."""

from __future__ import annotations

from simulators.core.xmlsafe import BadXmlError
from simulators.core.xmlsafe import parse_xml as parse

__all__ = ["BadXmlError", "parse"]
