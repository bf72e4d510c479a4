"""What IFS puts on the wire: entities with `@odata.etag`, `luname`, `keyref`; the error envelope; discovery."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from starlette.responses import JSONResponse, Response

from simulators.ifs.backend import IfsBackend, ODataError, StoredRow
from simulators.ifs.catalog import EntitySet, Service

ODATA_HEADERS = {"OData-Version": "4.0"}
_EDMX = "http://docs.oasis-open.org/odata/ns/edmx"
_EDM = "http://docs.oasis-open.org/odata/ns/edm"
ET.register_namespace("edmx", _EDMX)
ET.register_namespace("", _EDM)


def entity(eset: EntitySet, row: StoredRow, select: list[str] | None = None) -> dict[str, Any]:
    """One entity as IFS returns it; `$select` keeps the etag and the chosen properties only."""
    if select is not None:
        return {"@odata.etag": IfsBackend.etag(row), **{k: row.values.get(k) for k in select}}
    return {
        "@odata.etag": IfsBackend.etag(row),
        "luname": eset.luname,
        "keyref": IfsBackend.keyref(eset, row.values),
        "Objgrants": None,
        **{k: row.values.get(k) for k in eset.fields},
    }


def json_response(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status, headers={**ODATA_HEADERS, **(headers or {})})


def error_response(error: ODataError, headers: dict[str, str] | None = None) -> JSONResponse:
    """The OData v4 error envelope [I]; the code strings other than ODP_NOT_IMPLEMENTED are inferred too."""
    body = {"error": {"code": error.code, "message": error.message, "details": []}}
    return json_response(body, error.status, headers)


def service_document(service: Service, base: str) -> dict[str, Any]:
    return {
        "@odata.context": f"{base}/$metadata",
        "value": [{"name": name, "kind": "EntitySet", "url": name} for name in service.sets],
    }


def metadata(service: Service) -> Response:
    """A minimal CSDL document: entity types with keys, typed properties and contained navigations."""
    namespace = f"IfsApp.{service.name}"
    root = ET.Element(f"{{{_EDMX}}}Edmx", Version="4.0")
    schema = ET.SubElement(ET.SubElement(root, f"{{{_EDMX}}}DataServices"), f"{{{_EDM}}}Schema", Namespace=namespace)
    for luname, eset in service.entity_types().items():
        element = ET.SubElement(schema, f"{{{_EDM}}}EntityType", Name=luname)
        key = ET.SubElement(element, f"{{{_EDM}}}Key")
        for name in eset.keys:
            ET.SubElement(key, f"{{{_EDM}}}PropertyRef", Name=name)
        for name, edm in eset.fields.items():
            nullable = "false" if name in eset.keys else "true"
            ET.SubElement(element, f"{{{_EDM}}}Property", Name=name, Type=edm, Nullable=nullable)
        for name, nav in eset.navigations.items():
            ET.SubElement(
                element,
                f"{{{_EDM}}}NavigationProperty",
                Name=name,
                Type=f"Collection({namespace}.{nav.target.luname})",
                ContainsTarget="true",
            )
    container = ET.SubElement(schema, f"{{{_EDM}}}EntityContainer", Name="Main")
    for name, eset in service.sets.items():
        ET.SubElement(container, f"{{{_EDM}}}EntitySet", Name=name, EntityType=f"{namespace}.{eset.luname}")
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type="application/xml", headers=ODATA_HEADERS)
