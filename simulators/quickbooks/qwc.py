"""The .qwc file (spec 4.4): how an application is added to the Web Connector. It never holds the password."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urlsplit

from simulators.quickbooks import xmlsafe

CONTENT_TYPE = "application/x-qwc"
_GUID = re.compile(r"^\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}$")
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


class QwcError(ValueError):
    """A .qwc the Web Connector would refuse to add; the message says which element is wrong."""


@dataclass
class QwcFile:
    """The elements of a .qwc file."""

    app_name: str
    app_url: str
    username: str
    owner_id: str
    file_id: str
    app_id: str = ""
    cert_url: str = ""
    app_description: str = ""
    app_support: str = ""
    qb_type: str = "QBFS"
    style: str = "Document"
    run_every_minutes: int | None = None
    is_read_only: bool = False


def guid(seed: str) -> str:
    """A stable GUID in the braces .qwc files use, so a scenario always yields the same OwnerID/FileID."""
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, seed)).upper() + "}"


def render(qwc: QwcFile) -> str:
    root = ET.Element("QBWCXML")
    for tag, value in (
        ("AppName", qwc.app_name), ("AppID", qwc.app_id), ("AppURL", qwc.app_url), ("CertURL", qwc.cert_url),
        ("AppDescription", qwc.app_description), ("AppSupport", qwc.app_support), ("UserName", qwc.username),
        ("OwnerID", qwc.owner_id), ("FileID", qwc.file_id), ("QBType", qwc.qb_type), ("Style", qwc.style),
    ):
        ET.SubElement(root, tag).text = value
    if qwc.run_every_minutes is not None:
        ET.SubElement(ET.SubElement(root, "Scheduler"), "RunEveryNMinutes").text = str(qwc.run_every_minutes)
    ET.SubElement(root, "IsReadOnly").text = "true" if qwc.is_read_only else "false"
    return '<?xml version="1.0"?>\n' + ET.tostring(root, encoding="unicode")


def parse(text: str, *, require_https: bool) -> QwcFile:
    """Read a .qwc as the Web Connector does when a user adds it."""
    try:
        root = xmlsafe.parse(text)
    except xmlsafe.BadXmlError as exc:
        raise QwcError(f"not well-formed XML: {exc}") from exc
    if root.tag != "QBWCXML":
        raise QwcError("the root element must be QBWCXML")

    def value(tag: str, *, required: bool = False) -> str:
        found = (root.findtext(tag) or "").strip()
        if required and not found:
            raise QwcError(f"{tag} is required")
        return found

    app_url = value("AppURL", required=True)
    url = urlsplit(app_url)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise QwcError("AppURL must be an http(s) URL")
    if require_https and url.scheme != "https" and url.hostname not in _LOCAL_HOSTS:
        raise QwcError("AppURL must use https unless it is on localhost")
    owner_id, file_id = value("OwnerID", required=True), value("FileID", required=True)
    for tag, found in (("OwnerID", owner_id), ("FileID", file_id)):
        if not _GUID.match(found):
            raise QwcError(f"{tag} must be a GUID in braces")
    qb_type = value("QBType", required=True)
    if qb_type not in ("QBFS", "QBPOS"):
        raise QwcError("QBType must be QBFS or QBPOS")
    style = value("Style") or "Document"
    if style not in ("Document", "DocWrapped", "RPC"):
        raise QwcError("Style must be Document, DocWrapped or RPC")
    minutes = value("Scheduler/RunEveryNMinutes")
    if minutes and not minutes.isdigit():
        raise QwcError("Scheduler/RunEveryNMinutes must be a whole number")
    return QwcFile(
        app_name=value("AppName", required=True), app_url=app_url, username=value("UserName", required=True),
        owner_id=owner_id, file_id=file_id, app_id=value("AppID"), cert_url=value("CertURL"),
        app_description=value("AppDescription"), app_support=value("AppSupport"), qb_type=qb_type, style=style,
        run_every_minutes=int(minutes) if minutes else None, is_read_only=value("IsReadOnly") == "true",
    )
