"""The customer's `.ionapi` file: what the connector reads from it, and errors that never quote a secret."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from edi_assets.connectors.infor import IonApiError, IonApiFile, parse_ionapi
from edi_assets.connectors.redaction import redact

CLIENT_SECRET = "-0Hu2PzT9qW3sample-client-secret"
ACCESS_KEY = "ACME_PRD#1L41ABBJVczSampleAccessKey"
SECRET_KEY = "B8BRpF2IOatSampleSecretKey"


def sample(**changes: Any) -> dict[str, Any]:
    """The spec's sample file (6.2), with keys replaced or (value None) removed."""
    data: dict[str, Any] = {
        "ti": "ACME_PRD", "cn": "CR_IMS_ACME_PRD", "dt": "12", "ci": "ACME_PRD~8lXksXSample", "cs": CLIENT_SECRET,
        "iu": "https://mingle-ionapi.inforcloudsuite.com",
        "pu": "https://mingle-sso.inforcloudsuite.com:443/ACME_PRD/as/",
        "oa": "authorization.oauth2", "ot": "token.oauth2", "or": "revoke_token.oauth2", "ev": "U147858101",
        "v": "1.0", "saak": ACCESS_KEY, "sask": SECRET_KEY,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def problems_of(data: Any) -> IonApiError:
    with pytest.raises(IonApiError) as caught:
        parse_ionapi(json.dumps(data))
    return caught.value


def test_the_sample_file_gives_the_token_and_mi_urls() -> None:
    ionapi = parse_ionapi(json.dumps(sample()))

    assert ionapi.token_url == "https://mingle-sso.inforcloudsuite.com:443/ACME_PRD/as/token.oauth2"
    assert ionapi.revoke_url == "https://mingle-sso.inforcloudsuite.com:443/ACME_PRD/as/revoke_token.oauth2"
    assert ionapi.mi_base_url == "https://mingle-ionapi.inforcloudsuite.com/ACME_PRD/M3/m3api-rest/v2"
    assert ionapi.uses_password_grant


def test_every_secret_is_a_secret_str_and_stays_out_of_repr() -> None:
    ionapi = parse_ionapi(SecretStr(json.dumps(sample())))

    assert isinstance(ionapi.cs, SecretStr)
    assert isinstance(ionapi.saak, SecretStr)
    assert isinstance(ionapi.sask, SecretStr)
    for secret in (CLIENT_SECRET, ACCESS_KEY, SECRET_KEY):
        assert secret not in repr(ionapi)
        assert secret not in str(ionapi)


def test_reading_the_file_registers_its_secrets_for_redaction() -> None:
    parse_ionapi(json.dumps(sample()))

    assert redact(f"login {ACCESS_KEY} / {SECRET_KEY} / {CLIENT_SECRET}") == "login *** / *** / ***"


def test_the_service_account_key_keeps_its_tenant_prefix() -> None:
    ionapi = parse_ionapi(json.dumps(sample()))

    assert ionapi.saak is not None
    assert ionapi.saak.get_secret_value() == ACCESS_KEY


def test_missing_keys_are_all_named_and_no_value_is_echoed() -> None:
    error = problems_of(sample(cs=None, iu=None, ot=None))

    assert error.problems == ["cs: missing", "iu: missing", "ot: missing"]
    for secret in (ACCESS_KEY, SECRET_KEY, "ACME_PRD~8lXksXSample"):
        assert secret not in str(error)


def test_an_empty_client_secret_counts_as_missing() -> None:
    assert problems_of(sample(cs="")).problems == ["cs: missing"]


def test_bad_values_are_named_by_key_without_their_value() -> None:
    error = problems_of(sample(iu="mingle-ionapi.inforcloudsuite.com", cs={"nested": CLIENT_SECRET}))

    assert "iu: must be an absolute http(s) URL" in error.problems
    assert any(p.startswith("cs:") for p in error.problems)
    assert CLIENT_SECRET not in str(error)
    assert error.__cause__ is None
    assert error.__context__ is None  # no pydantic error (which quotes its input) chained


def test_a_url_carrying_credentials_is_refused() -> None:
    error = problems_of(sample(pu=f"https://svc:{SECRET_KEY}@mingle-sso.inforcloudsuite.com/ACME_PRD/as/"))

    assert error.problems == ["pu: must be a plain base URL (no credentials, query or fragment)"]
    assert SECRET_KEY not in str(error)


def test_only_one_of_the_service_account_keys_is_refused() -> None:
    error = problems_of(sample(sask=None))

    assert len(error.problems) == 1
    assert "saak and sask come together" in error.problems[0]
    assert ACCESS_KEY not in str(error)


def test_a_backend_file_without_service_account_keys_uses_client_credentials() -> None:
    ionapi = parse_ionapi(json.dumps(sample(saak=None, sask=None)))

    assert not ionapi.uses_password_grant


def test_text_that_is_not_json_is_refused_without_quoting_it() -> None:
    with pytest.raises(IonApiError) as caught:
        parse_ionapi('{"cs": "' + CLIENT_SECRET + '", oops}')

    assert caught.value.problems[0].startswith("not valid JSON (line 1, column")
    assert CLIENT_SECRET not in str(caught.value)


def test_json_that_is_not_an_object_is_refused() -> None:
    assert problems_of([sample()]).problems == ["must be a JSON object"]


def test_an_sso_url_without_its_trailing_slash_still_joins_the_token_path() -> None:
    ionapi = parse_ionapi(json.dumps(sample(pu="https://sso.example.com/ACME_PRD/as", iu="https://gw.example.com/")))

    assert ionapi.token_url == "https://sso.example.com/ACME_PRD/as/token.oauth2"
    assert ionapi.mi_base_url == "https://gw.example.com/ACME_PRD/M3/m3api-rest/v2"


def test_unknown_keys_of_newer_files_are_ignored_and_numbers_read_as_text() -> None:
    ionapi = parse_ionapi(json.dumps(sample(dt=12, newkey="x")))

    assert isinstance(ionapi, IonApiFile)
    assert ionapi.dt == "12"


def test_the_simulator_issues_a_file_the_connector_reads(simulator: Callable[[str], str]) -> None:
    root = simulator("infor")
    text = httpx.get(f"{root}/_sim/ionapi/EVERGREEN_PRD").text

    ionapi = parse_ionapi(text)

    assert ionapi.ti == "EVERGREEN_PRD"
    assert ionapi.token_url == f"{root}/EVERGREEN_PRD/as/token.oauth2"
    assert ionapi.mi_base_url == f"{root}/EVERGREEN_PRD/M3/m3api-rest/v2"
    assert ionapi.saak is not None
    assert ionapi.saak.get_secret_value().startswith("EVERGREEN_PRD#")
