"""The IFS simulator's `{Projection}.svc/$openapi?V3|V2` documents, over real HTTP (spec section 5.2)."""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from simulators.ifs import create_app
from tests.simulators.test_ifs import MAIN, PO, auth, get, settings

INVOICE_HANDLING = f"{MAIN}/ManualSupplierInvoiceHandling.svc"
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
METHODS = {"get", "post", "patch", "delete"}


def openapi(root: str, service: str, flag: str = "V3") -> dict[str, Any]:
    response = httpx.get(f"{root}{service}/$openapi?{flag}", headers=auth(root))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    document: dict[str, Any] = response.json()
    return document


def methods(document: dict[str, Any], path: str) -> set[str]:
    return set(document["paths"][path]) & METHODS


def schemas(document: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = document["definitions"] if "swagger" in document else document["components"]["schemas"]
    return found


def structural_errors(document: dict[str, Any]) -> list[str]:
    """What an OpenAPI validator would refuse here: dangling `$ref`s, path templates without their parameter
    (or parameters without their template), duplicate operation ids, operations without responses, and
    parameters without the type information of their version."""
    errors: list[str] = []
    v2 = "swagger" in document
    defined = {f"#/{'definitions' if v2 else 'components/schemas'}/{name}" for name in schemas(document)}

    def refs(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            yield from ([node["$ref"]] if "$ref" in node else [])
            for child in node.values():
                yield from refs(child)
        elif isinstance(node, list):
            for child in node:
                yield from refs(child)

    errors += [f"dangling {ref}" for ref in refs(document) if ref not in defined]
    operation_ids: list[str] = []
    for path, item in document["paths"].items():
        templated = set(re.findall(r"\{(\w+)\}", path))
        for method, operation in item.items():
            operation_ids.append(operation["operationId"])
            params = operation["parameters"]
            in_path = [p["name"] for p in params if p["in"] == "path"]
            if sorted(in_path) != sorted(templated):
                errors.append(f"{method} {path}: path parameters {in_path} for {sorted(templated)}")
            if not operation["responses"]:
                errors.append(f"{method} {path}: no responses")
            for param in params:
                typed = ("schema" in param) if (param["in"] == "body" or not v2) else ("type" in param)
                if not typed or param["in"] not in {"path", "query", "header", "body"}:
                    errors.append(f"{method} {path}: parameter {param['name']} is malformed")
            if v2 and "requestBody" in operation:
                errors.append(f"{method} {path}: requestBody in Swagger 2.0")
    errors += [f"duplicate operationId {o}" for o in set(operation_ids) if operation_ids.count(o) > 1]
    return errors


# -- the two versions ----------------------------------------------------------------------------------


def test_v3_is_an_openapi_3_0_document_served_at_the_projection(root: str) -> None:
    document = openapi(root, PO, "V3")
    assert document["openapi"].startswith("3.0.")
    assert document["info"] == {"title": "PurchaseOrderHandling", "version": "1"}
    assert document["servers"] == [{"url": f"{root}{PO}"}]


def test_v2_is_a_swagger_2_0_document_with_host_and_base_path(root: str) -> None:
    document = openapi(root, PO, "V2")
    assert document["swagger"] == "2.0"
    assert f"http://{document['host']}{document['basePath']}" == f"{root}{PO}"
    assert document["schemes"] == ["http"]
    assert "PurchaseOrder" in document["definitions"]


def test_without_a_version_flag_the_document_is_openapi_3(root: str) -> None:
    assert openapi(root, PO, "")["openapi"].startswith("3.0.")


@pytest.mark.parametrize("flag", ["V3", "V2"])
@pytest.mark.parametrize("service", [PO, INVOICE_HANDLING, f"{MAIN}/SuppliersHandling.svc"])
def test_the_documents_are_structurally_valid(root: str, service: str, flag: str) -> None:
    assert structural_errors(openapi(root, service, flag)) == []


# -- paths ---------------------------------------------------------------------------------------------


def test_each_entity_set_has_a_collection_and_an_entity_by_key_path(root: str) -> None:
    document = openapi(root, PO)
    assert methods(document, "/PurchaseOrderSet") == {"get", "post"}
    assert methods(document, "/PurchaseOrderSet(OrderNo='{OrderNo}')") == {"get", "patch", "delete"}
    line = "/PurchaseOrderLineNopartSet(OrderNo='{OrderNo}',LineNo='{LineNo}',ReleaseNo='{ReleaseNo}')"
    assert methods(document, line) == {"get", "patch", "delete"}
    assert len(document["paths"]) == 4


def test_a_read_only_set_offers_only_get(root: str) -> None:
    document = openapi(root, f"{MAIN}/SuppliersHandling.svc")
    assert methods(document, "/SupplierInfoGeneralSet") == {"get"}
    assert methods(document, "/SupplierInfoGeneralSet(VendorNo='{VendorNo}')") == {"get"}


def test_numeric_keys_are_bare_and_a_navigation_renames_its_parents_keys(root: str) -> None:
    paths = openapi(root, INVOICE_HANDLING)["paths"]
    invoice = "/ManSuppInvoiceSet(Company='{Company}',InvoiceId={InvoiceId})"
    assert methods({"paths": paths}, f"{invoice}/PostingProposalArray") == {"get", "post"}
    proposal = f"{invoice}/PostingProposalArray(Company='{{Company_1}}',InvoiceId={{InvoiceId_1}},RowNo={{RowNo}})"
    assert set(paths[proposal]) == {"get", "patch", "delete"}


def test_the_paths_address_what_the_simulator_serves(root: str) -> None:
    document = openapi(root, INVOICE_HANDLING)
    proposal = next(p for p in document["paths"] if p.endswith("RowNo={RowNo})"))
    filled = proposal.format(Company="10", InvoiceId=1, Company_1="10", InvoiceId_1=1, RowNo=1)
    assert get(root, INVOICE_HANDLING + filled).status_code == 200


def test_patch_and_delete_require_if_match(root: str) -> None:
    item = openapi(root, PO)["paths"]["/PurchaseOrderSet(OrderNo='{OrderNo}')"]
    for method in ("patch", "delete"):
        [if_match] = [p for p in item[method]["parameters"] if p["in"] == "header"]
        assert (if_match["name"], if_match["required"]) == ("If-Match", True)


def test_the_collection_get_takes_the_odata_query_options(root: str) -> None:
    listing = openapi(root, PO)["paths"]["/PurchaseOrderSet"]["get"]
    options = {p["name"] for p in listing["parameters"] if p["in"] == "query"}
    assert options == {"$filter", "$select", "$orderby", "$top", "$skip", "$count"}


def test_create_and_update_bodies_reference_the_entity_schema(root: str) -> None:
    v3 = openapi(root, PO)["paths"]["/PurchaseOrderSet"]["post"]
    assert v3["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/PurchaseOrder"}
    v2 = openapi(root, PO, "V2")["paths"]["/PurchaseOrderSet"]["post"]
    assert [p["schema"] for p in v2["parameters"] if p["in"] == "body"] == [{"$ref": "#/definitions/PurchaseOrder"}]


# -- schemas -------------------------------------------------------------------------------------------


def test_the_schemas_have_the_properties_of_the_metadata(root: str) -> None:
    csdl = ET.fromstring(get(root, f"{INVOICE_HANDLING}/$metadata").content)
    from_metadata = {
        t.get("Name"): {p.get("Name") for p in t.iter(f"{EDM}Property")} for t in csdl.iter(f"{EDM}EntityType")
    }
    for flag in ("V3", "V2"):
        found = schemas(openapi(root, INVOICE_HANDLING, flag))
        assert {name: set(s["properties"]) - {"@odata.etag"} for name, s in found.items()} == from_metadata


def test_edm_types_become_json_schema_types(root: str) -> None:
    properties = schemas(openapi(root, INVOICE_HANDLING))["ManSuppInvoice"]["properties"]
    assert properties["InvoiceId"] == {"type": "integer", "format": "int32"}
    assert properties["InvoiceDate"] == {"type": "string", "format": "date", "nullable": True}
    assert properties["GrossAmount"] == {"type": "number", "format": "decimal", "nullable": True}
    assert properties["Objversion"]["readOnly"] is True


def test_swagger_2_has_no_nullable(root: str) -> None:
    properties = schemas(openapi(root, INVOICE_HANDLING, "V2"))["ManSuppInvoice"]["properties"]
    assert properties["InvoiceDate"] == {"type": "string", "format": "date"}


def test_the_document_follows_the_configured_invoice_names(root: str) -> None:
    settings(root, invoice_entity_set="ManualSupplierInvoiceSet", posting_proposal_navigation="PostingProposals")
    paths = openapi(root, INVOICE_HANDLING)["paths"]
    assert "/ManualSupplierInvoiceSet(Company='{Company}',InvoiceId={InvoiceId})/PostingProposals" in paths
    assert "/ManSuppInvoiceSet" not in paths


def test_entity_services_under_int_have_a_document_too(root: str) -> None:
    document = openapi(root, "/int/ifsapplications/entity/v1/PurchaseOrderLineEntity.svc")
    assert "/PurchaseOrderLineSet" in document["paths"]


# -- errors --------------------------------------------------------------------------------------------


def test_the_document_needs_a_token(root: str) -> None:
    response = httpx.get(f"{root}{PO}/$openapi?V3")
    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message", "details"}


def test_an_unknown_projection_has_no_document(root: str) -> None:
    assert get(root, f"{MAIN}/NoSuchHandling.svc/$openapi", V3="").status_code == 404


def test_the_document_only_answers_get(root: str) -> None:
    response = httpx.post(f"{root}{PO}/$openapi?V3", headers=auth(root), json={})
    assert response.status_code == 405


def test_a_client_without_the_projection_grant_gets_403(served: Any, demo_scenario: dict[str, Any]) -> None:
    scenario = copy.deepcopy(demo_scenario)
    scenario["ifs"]["clients"][0]["grants"] = ["SuppliersHandling"]
    root = str(served(create_app(scenario)))
    assert httpx.get(f"{root}{PO}/$openapi?V3", headers=auth(root)).status_code == 403
    assert httpx.get(f"{root}{MAIN}/SuppliersHandling.svc/$openapi?V3", headers=auth(root)).status_code == 200
