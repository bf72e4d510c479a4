"""The Infor simulator over real HTTP: the .ionapi file, ION SSO tokens and M3 MI REST (v2, bulk, legacy v1)."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from simulators.infor import create_app, demo_credentials

TI = "EVERGREEN_PRD"


def ionapi(root: str, ti: str = TI) -> dict[str, str]:
    body: dict[str, str] = httpx.get(f"{root}/_sim/ionapi/{ti}").json()
    return body


def password_form(ion: dict[str, str], **changes: str) -> dict[str, str]:
    form = {
        "grant_type": "password",
        "client_id": ion["ci"],
        "client_secret": ion["cs"],
        "username": ion["saak"],
        "password": ion["sask"],
    }
    return {**form, **changes}


def token_body(root: str, ti: str = TI) -> dict[str, Any]:
    ion = ionapi(root, ti)
    response = httpx.post(ion["pu"] + ion["ot"], data=password_form(ion))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def auth(root: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_body(root)['access_token']}"}


def mi(root: str, call: str, headers: dict[str, str] | None = None, /, **params: str) -> dict[str, Any]:
    """GET one transaction (`call` is `PROGRAM/TRANSACTION[;matrix]`); CONO=100 unless given."""
    params = {"CONO": "100", **params}
    response = httpx.get(f"{root}/{TI}/M3/m3api-rest/v2/execute/{call}", params=params, headers=headers or auth(root))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def records(root: str, call: str, **params: str) -> list[dict[str, str]]:
    result = mi(root, call, righttrim="true", **params)["results"][0]
    assert "errorMessage" not in result, result
    rows: list[dict[str, str]] = result["records"]
    return rows


def failure(root: str, call: str, **params: str) -> dict[str, Any]:
    body = mi(root, call, **params)
    assert (body["nrOfSuccessfullTransactions"], body["nrOfFailedTransactions"]) == (0, 1)
    item: dict[str, Any] = body["results"][0]
    return item


def settings(root: str, **changes: Any) -> None:
    assert httpx.post(root + "/_sim/settings", json=changes).status_code == 200


def add_head(root: str, **fields: str) -> str:
    head = {"SUNO": "GRAIN01", "IVDT": "20261110", "SINO": "GC-881", "CUAM": "100.00", **fields}
    return records(root, "APS450MI/AddHead", **head)[0]["INBN"]


def bulk(root: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(f"{root}/{TI}/M3/m3api-rest/v2/execute", json=body, headers=headers or auth(root))


# -- .ionapi and SSO -----------------------------------------------------------------------------------


def test_the_ionapi_file_points_at_this_simulator(root: str) -> None:
    ion = ionapi(root)
    assert ion["iu"] == root
    assert ion["pu"] == f"{root}/{TI}/as/"
    assert (ion["ot"], ion["or"], ion["oa"]) == ("token.oauth2", "revoke_token.oauth2", "authorization.oauth2")
    assert ion["saak"].startswith(f"{TI}#")
    assert {"ti", "cn", "dt", "ci", "cs", "ev", "v", "sask"} <= set(ion)


def test_the_ionapi_file_of_an_unknown_tenant_is_404(root: str) -> None:
    assert httpx.get(f"{root}/_sim/ionapi/NOPE_PRD").status_code == 404


def test_password_grant_with_the_service_account_keys_gives_a_bearer_token(root: str) -> None:
    body = token_body(root)
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 7200)
    assert "refresh_token" in body


def test_the_client_may_authenticate_with_http_basic(root: str) -> None:
    ion = ionapi(root)
    form = {"grant_type": "password", "username": ion["saak"], "password": ion["sask"]}
    response = httpx.post(ion["pu"] + ion["ot"], data=form, auth=(ion["ci"], ion["cs"]))
    assert response.status_code == 200


def test_a_saak_prefixed_with_the_tenant_twice_is_refused(root: str) -> None:
    ion = ionapi(root)
    response = httpx.post(ion["pu"] + ion["ot"], data=password_form(ion, username=f"{TI}#{ion['saak']}"))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_wrong_client_secret_is_invalid_client_and_never_echoed(root: str) -> None:
    ion = ionapi(root)
    response = httpx.post(ion["pu"] + ion["ot"], data=password_form(ion, client_secret="guess-42"))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "guess-42" not in response.text


def test_the_token_endpoint_of_an_unknown_tenant_is_404(root: str) -> None:
    ion = ionapi(root)
    assert httpx.post(f"{root}/NOPE_PRD/as/token.oauth2", data=password_form(ion)).status_code == 404


def test_an_unsupported_grant_type_is_400(root: str) -> None:
    ion = ionapi(root)
    response = httpx.post(ion["pu"] + ion["ot"], data=password_form(ion, grant_type="authorization_code"))
    assert response.json()["error"] == "unsupported_grant_type"


def test_the_refresh_grant_issues_a_new_token_once_per_refresh_token(root: str) -> None:
    ion = ionapi(root)
    form = {
        "grant_type": "refresh_token",
        "refresh_token": token_body(root)["refresh_token"],
        "client_id": ion["ci"],
        "client_secret": ion["cs"],
    }
    assert httpx.post(ion["pu"] + ion["ot"], data=form).status_code == 200
    reused = httpx.post(ion["pu"] + ion["ot"], data=form)
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")


def test_without_issue_refresh_tokens_there_is_no_refresh_token_and_no_refresh_grant(root: str) -> None:
    settings(root, issue_refresh_tokens=False)
    ion = ionapi(root)
    assert "refresh_token" not in token_body(root)
    form = {"grant_type": "refresh_token", "refresh_token": "x", "client_id": ion["ci"], "client_secret": ion["cs"]}
    assert httpx.post(ion["pu"] + ion["ot"], data=form).json()["error"] == "unauthorized_client"


def test_client_credentials_are_refused_unless_enabled(root: str) -> None:
    ion = ionapi(root)
    form = {"grant_type": "client_credentials", "client_id": ion["ci"], "client_secret": ion["cs"]}
    assert httpx.post(ion["pu"] + ion["ot"], data=form).json()["error"] == "unauthorized_client"
    settings(root, allow_client_credentials=True)
    body = httpx.post(ion["pu"] + ion["ot"], data=form).json()
    assert "access_token" in body
    assert "refresh_token" not in body


def test_a_revoked_token_stops_working(root: str) -> None:
    ion = ionapi(root)
    access = token_body(root)["access_token"]
    form = {"token": access, "client_id": ion["ci"], "client_secret": ion["cs"]}
    assert httpx.post(ion["pu"] + ion["or"], data=form).status_code == 200
    response = httpx.get(
        f"{root}/{TI}/M3/m3api-rest/v2/execute/CRS620MI/LstSuppliers?CONO=100",
        headers={"Authorization": f"Bearer {access}"},
    )
    assert response.status_code == 401
    assert httpx.post(ion["pu"] + ion["or"], data={**form, "client_secret": "x"}).status_code == 401


# -- the gateway ---------------------------------------------------------------------------------------


def test_a_call_without_a_token_is_401_invalid_token(root: str) -> None:
    response = httpx.get(f"{root}/{TI}/M3/m3api-rest/v2/execute/CRS620MI/LstSuppliers?CONO=100")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert "error_description" in response.json()


def test_a_token_expires_after_its_lifetime(root: str) -> None:
    headers = auth(root)
    mi(root, "CRS620MI/LstSuppliers", headers)
    httpx.post(root + "/_sim/clock", json={"advance": 7201})
    response = httpx.get(f"{root}/{TI}/M3/m3api-rest/v2/execute/CRS620MI/LstSuppliers?CONO=100", headers=headers)
    assert response.status_code == 401


def test_a_token_of_another_tenant_is_refused(served: Any, demo_scenario: dict[str, Any]) -> None:
    scenario = copy.deepcopy(demo_scenario)
    other = {**scenario["infor"]["tenants"][0], "ti": "OTHER_TST", "saak": "OTHER_TST#Svc", "ci": "OTHER_TST~App"}
    scenario["infor"]["tenants"].append(other)
    root = str(served(create_app(scenario)))
    other_token = token_body(root, "OTHER_TST")["access_token"]
    response = httpx.get(
        f"{root}/{TI}/M3/m3api-rest/v2/execute/CRS620MI/LstSuppliers?CONO=100",
        headers={"Authorization": f"Bearer {other_token}"},
    )
    assert response.status_code == 401


def test_an_unknown_tenant_path_is_404(root: str) -> None:
    response = httpx.get(f"{root}/NOPE_PRD/M3/m3api-rest/v2/execute/CRS620MI/LstSuppliers", headers=auth(root))
    assert response.status_code == 404


# -- MI REST conventions -------------------------------------------------------------------------------


def test_values_are_right_padded_to_field_length_unless_righttrim(root: str) -> None:
    padded = mi(root, "CRS620MI/GetBasicData", SUNO="COLD01")["results"][0]["records"][0]
    trimmed = records(root, "CRS620MI/GetBasicData", SUNO="COLD01")[0]
    assert padded["SUNO"] == "COLD01    "
    assert len(padded["SUNM"]) == 36
    assert trimmed["SUNO"] == "COLD01"


def test_a_successful_call_reports_its_counts(root: str) -> None:
    body = mi(root, "CRS620MI/LstSuppliers")
    assert body["wasTerminated"] is False
    assert (body["nrOfSuccessfullTransactions"], body["nrOfFailedTransactions"]) == (1, 0)
    assert body["nrOfNotProcessedTransactions"] == 0
    assert body["results"][0]["transaction"] == "LstSuppliers"


def test_a_missing_cono_is_an_error_result_in_http_200(root: str) -> None:
    item = failure(root, "CRS620MI/LstSuppliers", CONO="")
    assert (item["errorType"], item["errorField"]) == ("MandatoryInputFieldNotFound", "CONO")
    assert set(item) >= {"errorMessage", "errorCode", "errorCfg", "notProcessed"}


def test_cono_may_come_as_the_call_context_or_be_optional_by_setting(root: str) -> None:
    assert records(root, "CRS620MI/GetBasicData", CONO="", cono="100", SUNO="COLD01")
    settings(root, require_cono=False)
    assert records(root, "CRS620MI/GetBasicData", CONO="", SUNO="COLD01")


def test_an_unknown_company_is_refused(root: str) -> None:
    item = failure(root, "CRS620MI/LstSuppliers", CONO="999")
    assert (item["errorType"], item["errorField"]) == ("ServerReturnedNOK", "CONO")


def test_an_unknown_transaction_or_program_is_transaction_not_found(root: str) -> None:
    assert failure(root, "CRS620MI/LstEverything")["errorType"] == "TransactionNotFound"
    assert failure(root, "ZZZ999MI/LstSuppliers")["errorType"] == "TransactionNotFound"


def test_a_missing_mandatory_field_is_mandatory_input_field_not_found(root: str) -> None:
    item = failure(root, "CRS620MI/GetBasicData")
    assert (item["errorType"], item["errorField"]) == ("MandatoryInputFieldNotFound", "SUNO")


def test_an_input_longer_than_its_field_is_input_field_too_long(root: str) -> None:
    item = failure(root, "CRS620MI/GetBasicData", SUNO="SUPPLIER-NUMBER-TOO-LONG")
    assert (item["errorType"], item["errorField"]) == ("InputFieldTooLong", "SUNO")


@pytest.mark.parametrize(("name", "value"), [("IVDT", "26-11-10"), ("IVDT", "20261340"), ("CUAM", "12,50")])
def test_malformed_numbers_and_dates_are_refused(root: str, name: str, value: str) -> None:
    item = failure(root, "APS450MI/AddHead", **{"SUNO": "GRAIN01", "IVDT": "20261110", name: value})
    assert (item["errorType"], item["errorField"]) == ("ServerReturnedNOK", name)


def test_maxrecs_defaults_to_100_and_the_matrix_parameter_sets_it(served: Any, demo_scenario: dict[str, Any]) -> None:
    scenario = copy.deepcopy(demo_scenario)
    scenario["infor"]["tenants"][0]["suppliers"] = [{"SUNO": f"S{n:04d}", "SUNM": f"Supplier {n}"} for n in range(150)]
    root = str(served(create_app(scenario)))
    assert len(records(root, "CRS620MI/LstSuppliers")) == 100
    assert len(records(root, "CRS620MI/LstSuppliers;maxrecs=7")) == 7
    assert len(records(root, "CRS620MI/LstSuppliers;maxrecs=0")) == 150


def test_a_query_string_maxrecs_is_ignored_unless_the_grid_honours_it(root: str) -> None:
    assert len(records(root, "CRS620MI/LstSuppliers", maxrecs="1")) == 2
    settings(root, honour_query_maxrecs=True)
    assert len(records(root, "CRS620MI/LstSuppliers", maxrecs="1")) == 1


def test_maxrecs_zero_is_capped_at_the_grid_ceiling(root: str) -> None:
    settings(root, grid_ceiling=1)
    assert len(records(root, "CRS620MI/LstSuppliers;maxrecs=0")) == 1
    assert len(records(root, "CRS620MI/LstSuppliers;maxrecs=50")) == 1


def test_a_malformed_maxrecs_is_400(root: str) -> None:
    response = httpx.get(
        f"{root}/{TI}/M3/m3api-rest/v2/execute/CRS620MI/LstSuppliers;maxrecs=many?CONO=100", headers=auth(root)
    )
    assert response.status_code == 400


def test_returncols_limits_the_fields(root: str) -> None:
    rows = records(root, "PPS200MI/LstLine;returncols=PNLI,ORQA,PUPR", PUNO="4000001")
    assert rows == [{"PNLI": "10", "ORQA": "80", "PUPR": "18.2"}, {"PNLI": "20", "ORQA": "40", "PUPR": "22.1"}]


def test_excludempty_drops_empty_fields(root: str) -> None:
    row = records(root, "CRS620MI/GetBasicData;excludempty=true", SUNO="COLD01")[0]
    assert "PHNO" not in row
    assert row["SUNM"] == "ColdChain Logistics"


def test_metadata_and_extendedresult_describe_fields_and_echo_parameters(root: str) -> None:
    item = mi(root, "CRS620MI/GetBasicData;metadata=true", SUNO="COLD01", extendedresult="true")["results"][0]
    assert item["metadata"]["SUNO"] == {"type": "A", "length": 10, "description": "Supplier"}
    assert item["parameters"] == {"CONO": "100", "SUNO": "COLD01"}


# -- CRS620MI and PPS200MI -----------------------------------------------------------------------------


def test_suppliers_are_listed_searched_and_read(root: str) -> None:
    assert [s["SUNO"] for s in records(root, "CRS620MI/LstSuppliers")] == ["COLD01", "GRAIN01"]
    assert [s["SUNO"] for s in records(root, "CRS620MI/LstByNumber", SUNO="D")] == ["GRAIN01"]
    assert [s["SUNO"] for s in records(root, "CRS620MI/SearchSupplier", SQRY="SUNM:*chain*")] == ["COLD01"]
    assert records(root, "CRS620MI/GetBasicData", SUNO="GRAIN01")[0]["SUNM"] == "GrainCo Mills"


def test_an_unknown_supplier_is_server_returned_nok(root: str) -> None:
    item = failure(root, "CRS620MI/GetBasicData", SUNO="NOPE")
    assert (item["errorType"], item["errorField"]) == ("ServerReturnedNOK", "SUNO")
    assert "NOPE" in item["errorMessage"]


def test_an_invalid_search_field_is_refused(root: str) -> None:
    assert failure(root, "CRS620MI/SearchSupplier", SQRY="XXXX:abc")["errorField"] == "SQRY"


def test_purchase_order_head_and_lines_are_read(root: str) -> None:
    head = records(root, "PPS200MI/GetHead", PUNO="4000001")[0]
    lines = records(root, "PPS200MI/LstLine", PUNO="4000001")
    line = records(root, "PPS200MI/GetLine", PUNO="4000001", PNLI="20")[0]
    assert (head["SUNO"], head["PUDT"], head["LMDT"]) == ("GRAIN01", "20261107", "20261107")
    assert [(row["PNLI"], row["ITNO"], row["ORQA"], row["PUUN"]) for row in lines] == [
        ("10", "FLOUR-25KG", "80", "BAG"),
        ("20", "OATS-25KG", "40", "BAG"),
    ]
    assert line["PUPR"] == "22.1"
    assert failure(root, "PPS200MI/GetLine", PUNO="4000001", PNLI="99")["errorField"] == "PNLI"
    assert failure(root, "PPS200MI/GetHead", PUNO="9999999")["errorField"] == "PUNO"


def test_search_head_finds_orders_changed_since_a_date(root: str) -> None:
    changed = records(root, "PPS200MI/SearchHead", SQRY="LMDT:[20261108 TO *]")
    assert [o["PUNO"] for o in changed] == ["4000002"]


def test_updating_a_line_moves_the_change_date_of_the_order(root: str) -> None:
    headers = auth(root)
    today = mi(root, "PPS200MI/UpdLine", headers, PUNO="4000001", PNLI="10", ORQA="90", righttrim="true")
    assert today["nrOfSuccessfullTransactions"] == 1
    line = records(root, "PPS200MI/GetLine", PUNO="4000001", PNLI="10")[0]
    changed = records(root, "PPS200MI/SearchHead", SQRY=f"LMDT:[{line['LMDT']} TO *]")
    assert line["ORQA"] == "90"
    assert "4000001" in [o["PUNO"] for o in changed]


def test_a_purchase_order_added_by_the_test_hook_is_changed_today(root: str) -> None:
    order = {
        "PUNO": "4000003",
        "SUNO": "GRAIN01",
        "PUDT": "20200101",
        "lines": [{"PNLI": 10, "ITNO": "RYE", "ORQA": 5}],
    }
    assert httpx.post(f"{root}/_sim/purchase_orders/{TI}", json=order).status_code == 201
    head = records(root, "PPS200MI/GetHead", PUNO="4000003")[0]
    assert head["LMDT"] > "20200101"
    assert httpx.post(f"{root}/_sim/purchase_orders/NOPE", json=order).status_code == 404
    assert httpx.post(f"{root}/_sim/purchase_orders/{TI}", json={"SUNO": "X"}).status_code == 400


# -- APS450MI / APS455MI -------------------------------------------------------------------------------


def test_add_head_returns_an_invoice_batch_number_and_get_head_reads_it(root: str) -> None:
    inbn = add_head(root)
    head = records(root, "APS450MI/GetHead", INBN=inbn)[0]
    assert (head["SUNO"], head["SINO"], head["SPYN"], head["CUAM"], head["DIVI"]) == (
        "GRAIN01",
        "GC-881",
        "GRAIN01",
        "100",
        "AAA",
    )
    assert (head["IBHE"], head["IBLE"], head["VONO"]) == ("0", "0", "0")


def test_add_head_needs_a_known_supplier(root: str) -> None:
    item = failure(root, "APS450MI/AddHead", SUNO="NOPE", IVDT="20261110")
    assert item["errorField"] == "SUNO"


def test_a_duplicate_supplier_invoice_number_is_rejected_per_payee_supplier_and_year(root: str) -> None:
    add_head(root)
    duplicate = failure(root, "APS450MI/AddHead", SUNO="GRAIN01", IVDT="20261201", SINO="GC-881")
    assert (duplicate["errorType"], duplicate["errorField"]) == ("ServerReturnedNOK", "SINO")
    assert add_head(root, IVDT="20270105")
    assert add_head(root, SUNO="COLD01")


def test_lines_are_added_and_listed(root: str) -> None:
    inbn = add_head(root)
    records(root, "APS450MI/AddLine", INBN=inbn, RDTP="1", NLAM="60.00", PUNO="4000001", PNLI="10")
    records(root, "APS450MI/AddLine", INBN=inbn, RDTP="1", NLAM="40")
    lines = records(root, "APS450MI/LstLines", INBN=inbn)
    assert [(line["LINO"], line["NLAM"], line["PUNO"]) for line in lines] == [("1", "60", "4000001"), ("2", "40", "")]
    assert failure(root, "APS450MI/AddLine", INBN="42", RDTP="1")["errorField"] == "INBN"


def test_lst_inv_by_sup_inv_finds_an_existing_invoice(root: str) -> None:
    inbn = add_head(root)
    found = records(root, "APS450MI/LstInvBySupInv", SUNO="GRAIN01", SINO="GC-881")
    assert [h["INBN"] for h in found] == [inbn]
    assert records(root, "APS450MI/LstInvBySupInv", SUNO="GRAIN01", SINO="OTHER") == []


def test_validation_posts_a_balanced_batch_irreversibly(root: str) -> None:
    inbn = add_head(root, VTAM="10")
    records(root, "APS450MI/AddLine", INBN=inbn, RDTP="1", NLAM="90")
    records(root, "APS455MI/ValidByBatchNo", INBN=inbn)
    head = records(root, "APS450MI/GetHead", INBN=inbn)[0]
    assert (head["IBHE"], head["IBLE"], head["YEA4"]) == ("0", "0", "2026")
    assert head["VONO"] != "0"
    assert failure(root, "APS455MI/ValidByBatchNo", INBN=inbn)["errorField"] == "INBN"
    assert failure(root, "APS450MI/AddLine", INBN=inbn, RDTP="1", NLAM="5")["errorField"] == "INBN"


def test_validation_of_lines_not_summing_to_the_head_sets_ibhe_and_leaves_the_batch_open(root: str) -> None:
    inbn = add_head(root)
    records(root, "APS450MI/AddLine", INBN=inbn, RDTP="1", NLAM="60")
    assert mi(root, "APS455MI/ValidByBatchNo", INBN=inbn)["nrOfFailedTransactions"] == 0
    head = records(root, "APS450MI/GetHead", INBN=inbn)[0]
    assert (head["IBHE"], head["VONO"]) == ("1", "0")
    records(root, "APS450MI/AddLine", INBN=inbn, RDTP="1", NLAM="40")
    records(root, "APS455MI/ValidByBatchNo", INBN=inbn)
    assert records(root, "APS450MI/GetHead", INBN=inbn)[0]["IBHE"] == "0"


def test_a_line_referring_to_an_unknown_order_sets_ible(root: str) -> None:
    inbn = add_head(root)
    records(root, "APS450MI/AddLine", INBN=inbn, RDTP="1", NLAM="100", PUNO="9999999")
    records(root, "APS455MI/ValidByBatchNo", INBN=inbn)
    assert records(root, "APS450MI/GetHead", INBN=inbn)[0]["IBLE"] == "1"


def test_validation_errors_can_be_answered_nok_by_setting(root: str) -> None:
    settings(root, validation_errors_as_nok=True)
    inbn = add_head(root)
    assert failure(root, "APS455MI/ValidByBatchNo", INBN=inbn)["errorType"] == "ServerReturnedNOK"
    assert records(root, "APS450MI/GetHead", INBN=inbn)[0]["IBHE"] == "1"


# -- bulk, legacy v1, metadata programs ----------------------------------------------------------------


def test_bulk_runs_each_transaction_and_counts_successes_and_failures(root: str) -> None:
    response = bulk(
        root,
        {
            "program": "CRS620MI",
            "cono": 100,
            "rightTrim": True,
            "transactions": [
                {"transaction": "GetBasicData", "record": {"SUNO": "COLD01"}},
                {"transaction": "GetBasicData", "record": {"SUNO": "NOPE"}},
                {"transaction": "LstSuppliers", "record": {}, "selectedColumns": ["SUNO"]},
            ],
        },
    )
    body = response.json()
    assert response.status_code == 200
    assert (body["nrOfSuccessfullTransactions"], body["nrOfFailedTransactions"]) == (2, 1)
    assert body["results"][0]["records"][0]["SUNM"] == "ColdChain Logistics"
    assert body["results"][1]["errorField"] == "SUNO"
    assert body["results"][2]["records"] == [{"SUNO": "COLD01"}, {"SUNO": "GRAIN01"}]
    assert body["bulkJobId"]


def test_bulk_settings_after_the_transactions_key_are_not_seen(root: str) -> None:
    body = bulk(
        root,
        {
            "program": "CRS620MI",
            "transactions": [{"transaction": "GetBasicData", "record": {"CONO": "100", "SUNO": "COLD01"}}],
            "rightTrim": True,
        },
    ).json()
    assert body["results"][0]["records"][0]["SUNO"] == "COLD01    "


@pytest.mark.parametrize(
    "body",
    [
        {"transactions": []},
        {"program": "CRS620MI", "transactions": [{"record": {}}]},
        {"transactions": [], "program": "CRS620MI"},
        {"program": "CRS620MI", "maxReturnedRecords": -1, "transactions": []},
    ],
)
def test_a_malformed_bulk_request_is_400(root: str, body: dict[str, Any]) -> None:
    assert bulk(root, body).status_code == 400


def test_bulk_needs_a_token(root: str) -> None:
    assert bulk(root, {"program": "CRS620MI", "transactions": []}, {"Authorization": "Bearer nope"}).status_code == 401


def test_the_legacy_v1_path_answers_in_the_v1_shape(root: str) -> None:
    headers = auth(root)
    base = f"{root}/{TI}/M3/m3api-rest/execute"
    ok = httpx.get(f"{base}/CRS620MI/GetBasicData;metadata=true?CONO=100&SUNO=COLD01", headers=headers).json()
    nok = httpx.get(f"{base}/CRS620MI/GetBasicData?CONO=100&SUNO=NOPE", headers=headers).json()
    assert (ok["Program"], ok["Transaction"]) == ("CRS620MI", "GetBasicData")
    assert ok["Metadata"]["Field"][0] == {"@name": "SUNO", "@type": "A", "@length": 10, "@description": "Supplier"}
    assert ok["MIRecord"][0]["NameValue"][0] == {"Name": "SUNO", "Value": "COLD01    "}
    assert (nok["@type"], nok["@field"]) == ("ServerReturnedNOK", "SUNO")
    assert nok["Message"].endswith("  ")


def test_mrs001mi_lists_transactions_and_fields(root: str) -> None:
    transactions = records(root, "MRS001MI/LstTransactions", MINM="APS450MI")
    fields = records(root, "MRS001MI/LstFields", MINM="APS450MI", TRNM="AddHead", TRTP="I")
    assert {"AddHead", "AddLine", "GetHead", "LstInvBySupInv", "LstLines"} <= {t["TRNM"] for t in transactions}
    mandatory = {f["FLNM"] for f in fields if f["MAND"] == "1"}
    assert mandatory == {"SUNO", "IVDT"}
    assert failure(root, "MRS001MI/LstTransactions", MINM="NOPE")["errorField"] == "MINM"


# -- faults and admin ----------------------------------------------------------------------------------


def test_an_injected_503_is_answered_before_m3(root: str) -> None:
    httpx.post(
        root + "/_sim/faults",
        json={"rules": [{"kind": "status", "status": 503, "retry_after": 3, "path": f"/{TI}/M3/*", "times": 1}]},
    )
    headers = auth(root)
    first = httpx.get(f"{root}/{TI}/M3/m3api-rest/v2/execute/CRS620MI/LstSuppliers?CONO=100", headers=headers)
    assert (first.status_code, first.headers["retry-after"]) == (503, "3")
    assert mi(root, "CRS620MI/LstSuppliers", headers)["nrOfSuccessfullTransactions"] == 1


def test_a_revoked_tokens_fault_makes_the_next_call_401(root: str) -> None:
    headers = auth(root)
    httpx.post(root + "/_sim/faults", json={"rules": [{"kind": "revoke_tokens", "path": f"/{TI}/M3/*", "times": 1}]})
    response = httpx.get(f"{root}/{TI}/M3/m3api-rest/v2/execute/CRS620MI/LstSuppliers?CONO=100", headers=headers)
    assert response.status_code == 401


def test_reset_forgets_batches_and_tokens(root: str) -> None:
    headers = auth(root)
    add_head(root)
    httpx.post(root + "/_sim/reset")
    response = httpx.get(f"{root}/{TI}/M3/m3api-rest/v2/execute/CRS620MI/LstSuppliers?CONO=100", headers=headers)
    assert response.status_code == 401
    assert records(root, "APS450MI/LstInvBySupInv", SUNO="GRAIN01", SINO="GC-881") == []


def test_state_never_shows_secrets(root: str) -> None:
    token_body(root)
    text = httpx.get(root + "/_sim/state").text
    for secret in ("evergreen-ion-client-secret-1", "evergreen-ion-service-secret-1", "EdiServiceAccount"):
        assert secret not in text


def test_demo_credentials_name_the_service_account_and_the_ionapi_download(demo_scenario: dict[str, Any]) -> None:
    rows = demo_credentials(demo_scenario)
    assert (rows[0].system, rows[0].tenant, rows[0].username) == ("infor", TI, f"{TI}#EdiServiceAccount")
    assert f"/_sim/ionapi/{TI}" in rows[0].note
