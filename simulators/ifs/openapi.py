"""`{Projection}.svc/$openapi?V3` (or `?V2`): a service as an OpenAPI 3.0 (or Swagger 2.0) document [D].

Built from the catalog `$metadata` is built from, so the two cannot disagree. Minimal: one schema per
entity type, and the paths the simulator serves (collections, entities by key, contained navigations)
with the methods each set allows. Without `V2` the answer is OpenAPI 3 [I].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from simulators.ifs.catalog import SERVER_FIELDS, EntitySet, Service

JSON = "application/json"
_STRING = "Edm.String"
_TYPES: dict[str, dict[str, str]] = {
    _STRING: {"type": "string"},
    "Edm.Decimal": {"type": "number", "format": "decimal"},
    "Edm.Int32": {"type": "integer", "format": "int32"},
    "Edm.Date": {"type": "string", "format": "date"},
    "Edm.DateTimeOffset": {"type": "string", "format": "date-time"},
}
_QUERY = {"$filter": "string", "$select": "string", "$orderby": "string", "$top": "integer", "$skip": "integer",
          "$count": "boolean"}


@dataclass(frozen=True)
class _Dialect:
    """Where Swagger 2.0 and OpenAPI 3 differ: schema references, parameter schemas, bodies, responses."""

    v2: bool

    def ref(self, eset: EntitySet) -> dict[str, str]:
        return {"$ref": f"#/{'definitions' if self.v2 else 'components/schemas'}/{eset.luname}"}

    def parameter(self, name: str, where: str, schema: dict[str, str]) -> dict[str, Any]:
        head = {"name": name, "in": where, "required": where != "query"}
        return {**head, **schema} if self.v2 else {**head, "schema": schema}

    def response(self, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
        if schema is None:
            return {"description": description}
        if self.v2:
            return {"description": description, "schema": schema}
        return {"description": description, "content": {JSON: {"schema": schema}}}

    def operation(self, operation_id: str, parameters: list[dict[str, Any]], body: EntitySet | None,
                  responses: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"operationId": operation_id, "parameters": parameters,
                               "responses": {**responses, "default": self.response("The OData error envelope")}}
        if body is not None and self.v2:
            body_parameter = {"name": "body", "in": "body", "required": True, "schema": self.ref(body)}
            out["parameters"] = [*parameters, body_parameter]
        elif body is not None:
            out["requestBody"] = {"required": True, "content": {JSON: {"schema": self.ref(body)}}}
        return out


def document(service: Service, base: str, *, v2: bool) -> dict[str, Any]:
    """The document for `service`, whose root URL (`.../{Projection}.svc`) is `base`."""
    dialect = _Dialect(v2)
    paths: dict[str, dict[str, Any]] = {}
    for name, eset in service.sets.items():
        _add_paths(paths, dialect, eset, name, "", [], name)
    schemas = {luname: _schema(dialect, eset) for luname, eset in service.entity_types().items()}
    info = {"title": service.name, "version": "1"}
    if v2:
        url = urlsplit(base)
        return {"swagger": "2.0", "info": info, "host": url.netloc, "basePath": url.path, "schemes": [url.scheme],
                "consumes": [JSON], "produces": [JSON], "paths": paths, "definitions": schemas}
    return {"openapi": "3.0.3", "info": info, "servers": [{"url": base}], "paths": paths,
            "components": {"schemas": schemas}}


def _add_paths(paths: dict[str, dict[str, Any]], dialect: _Dialect, eset: EntitySet, segment: str, parent: str,
               parent_params: list[dict[str, Any]], name: str) -> None:
    """The collection `{parent}/{segment}` and its entity-by-key path, then those of each navigation below it."""
    collection = f"{parent}/{segment}"
    taken = {p["name"] for p in parent_params}
    literals, key_params = [], []
    for key in eset.keys:
        param = f"{key}_1" if key in taken else key  # a parent's key of the same name: renamed, as OData tools do
        value = f"'{{{param}}}'" if eset.fields[key] == _STRING else f"{{{param}}}"
        literals.append(f"{key}={value}")
        key_params.append(dialect.parameter(param, "path", _TYPES[eset.fields[key]]))
    item, item_params = f"{collection}({','.join(literals)})", [*parent_params, *key_params]
    page = {"type": "object", "properties": {"@odata.context": {"type": "string"},
                                             "@odata.nextLink": {"type": "string"},
                                             "value": {"type": "array", "items": dialect.ref(eset)}}}
    query = [dialect.parameter(option, "query", {"type": kind}) for option, kind in _QUERY.items()]
    paths[collection] = {"get": dialect.operation(f"list{name}", [*parent_params, *query], None,
                                                  {"200": dialect.response(f"A page of {eset.name}", page)})}
    paths[item] = {"get": dialect.operation(f"get{name}", item_params, None,
                                            {"200": dialect.response(eset.luname, dialect.ref(eset))})}
    if not eset.read_only:
        if_match = [dialect.parameter("If-Match", "header", {"type": "string"})]
        paths[collection]["post"] = dialect.operation(f"create{name}", parent_params, eset,
                                                      {"201": dialect.response("Created", dialect.ref(eset))})
        paths[item]["patch"] = dialect.operation(
            f"update{name}", [*item_params, *if_match], eset,
            {"200": dialect.response("Updated", dialect.ref(eset)), "204": dialect.response("Updated")},
        )
        paths[item]["delete"] = dialect.operation(f"delete{name}", [*item_params, *if_match], None,
                                                  {"204": dialect.response("Deleted")})
    for nav_name, nav in eset.navigations.items():
        _add_paths(paths, dialect, nav.target, nav_name, item, item_params, name + nav_name)


def _schema(dialect: _Dialect, eset: EntitySet) -> dict[str, Any]:
    properties: dict[str, Any] = {"@odata.etag": {"type": "string", "readOnly": True}}
    for name, edm in eset.fields.items():
        flags = {"readOnly": True} if name in SERVER_FIELDS else {}
        nullable = {} if dialect.v2 or name in eset.keys else {"nullable": True}
        properties[name] = {**_TYPES[edm], **flags, **nullable}
    return {"type": "object", "properties": properties}
