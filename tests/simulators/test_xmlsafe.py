"""The simulators' one XML parser: well-formed XML in, never a DTD, whatever the encoding."""

from __future__ import annotations

import pytest

from simulators.core.xmlsafe import DOCTYPE_REFUSED, BadXmlError, parse_xml

BOMB = '<?xml version="1.0" encoding="{enc}"?><!DOCTYPE r [<!ENTITY e "EXPANDED">]><r>&e;</r>'


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-le"])
def test_a_doctype_is_refused_in_any_encoding(encoding: str) -> None:
    declared = "utf-16" if encoding.startswith("utf-16") else encoding
    data = BOMB.format(enc=declared).encode(encoding)
    if encoding == "utf-16-le":
        data = b"\xff\xfe" + data
    with pytest.raises(BadXmlError, match=DOCTYPE_REFUSED):
        parse_xml(data)


def test_namespaced_tags_come_out_in_elementtree_form() -> None:
    root = parse_xml('<a:r xmlns:a="urn:x" b="1"><plain>t</plain></a:r>')
    assert (root.tag, root.attrib, root[0].tag, root[0].text) == ("{urn:x}r", {"b": "1"}, "plain", "t")


def test_text_that_is_not_well_formed_is_a_typed_error() -> None:
    with pytest.raises(BadXmlError, match="not well-formed"):
        parse_xml("<r><unclosed></r>")
