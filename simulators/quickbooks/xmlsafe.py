"""XML from the wire: DTDs are refused, so no entity is ever expanded (defusedxml is not available)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class BadXmlError(ValueError):
    """Not well-formed XML, or XML declaring a DTD."""


def parse(text: str | bytes) -> ET.Element:
    probe = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    if _DTD.search(probe):
        raise BadXmlError("a DTD is not accepted")
    try:
        return ET.fromstring(text)  # noqa: S314 - DTDs are refused above, so expat expands no entity
    except ET.ParseError as exc:
        raise BadXmlError(str(exc)) from exc
