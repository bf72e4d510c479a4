"""XML from the wire: well-formed, and never with a DTD, so no entity is ever declared, let alone expanded.

Expat refuses the DOCTYPE where it meets it, whatever the document's encoding (a regex on decoded text
misses a UTF-16 DOCTYPE); defusedxml is not available. Tags come out in ElementTree's `{uri}local` form.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.parsers import expat

DOCTYPE_REFUSED = "A DOCTYPE is not accepted"


class BadXmlError(ValueError):
    """Not well-formed XML, or XML declaring a DTD."""


def parse_xml(data: str | bytes) -> ET.Element:
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")

    def refuse_doctype(*_: object) -> None:
        raise BadXmlError(DOCTYPE_REFUSED)

    def start(name: str, attributes: dict[str, str]) -> None:
        builder.start(_clark(name), {_clark(k): v for k, v in attributes.items()})

    def end(name: str) -> None:
        builder.end(_clark(name))

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise BadXmlError(f"not well-formed XML: {exc}") from exc
    return builder.close()


def _clark(name: str) -> str:
    """Expat's `uri}local` as ElementTree's `{uri}local`; a name without a namespace stays as it is."""
    return "{" + name if "}" in name else name
