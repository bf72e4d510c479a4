"""customers.yaml: validated per field, every problem reported at once with its path."""

from __future__ import annotations

from pathlib import Path

import pytest

from edi_assets.customers import CustomersFileError, expand_env, load_customers, parse_customers

MAPPINGS = Path(__file__).resolve().parents[1] / "mappings"

GOOD = """
customers:
  - id: acme
    name: Acme
    erp: {kind: qad, url: "https://acme.qad.com/clouderp", domain: 10USA}
    cleo: {url: "https://cleo.example.com"}
    isa_qualifier: ZZ
    isa_id: ACMEMFG
    partners:
      - {id: steelco, isa_qualifier: ZZ, isa_id: STEELCO}
    flows: {inbound: ["810"], outbound: ["850"]}
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(CustomersFileError) as caught:
        parse_customers(text, environ={})
    return caught.value.problems


def test_the_bundled_demo_file_is_valid_with_five_customers_one_per_erp() -> None:
    customers = load_customers(MAPPINGS / "customers.yaml", environ={})
    assert sorted(c.erp.kind for c in customers) == ["acumatica", "ifs", "infor", "qad", "quickbooks"]


def test_partner_folders_default_to_the_partner_id() -> None:
    partner = parse_customers(GOOD, environ={}).get("acme").partner("steelco")
    assert (partner.inbound, partner.outbound, partner.archive) == ("/steelco/inbound", "/steelco/outbound",
                                                                   "/steelco/archive")


def test_a_qad_url_that_is_not_a_full_tenant_url_is_refused_with_its_path() -> None:
    problems = problems_of(GOOD.replace("https://acme.qad.com/clouderp", "https://acme.qad.com"))
    assert problems == ["customers[acme].erp.url: must be the full tenant URL, ending in /clouderp (cloud) "
                        "or /qad-central (on-premises)"]


def test_every_bad_field_is_reported_at_once() -> None:
    text = GOOD.replace("isa_qualifier: ZZ\n    isa_id: ACMEMFG", "isa_qualifier: zz\n    isa_id: ACMEMFG")
    text = text.replace("https://cleo.example.com", "ftp://cleo")
    problems = problems_of(text)
    assert any(p.startswith("customers[acme].cleo.url:") for p in problems)
    assert any(p.startswith("customers[acme].isa_qualifier:") for p in problems)


def test_a_url_with_credentials_in_it_is_refused() -> None:
    problems = problems_of(GOOD.replace("https://cleo.example.com", "https://user:pw@cleo.example.com"))
    assert "must not carry credentials" in problems[0]
    assert "pw" not in problems[0].split(":", 1)[1].replace("credentials", "")


def test_a_flow_the_erp_does_not_have_is_refused() -> None:
    problems = problems_of(GOOD.replace('inbound: ["810"]', 'inbound: ["850"]'))
    assert "inbound 850 is not a qad flow" in problems[0]


def test_unknown_keys_are_refused() -> None:
    problems = problems_of(GOOD.replace("name: Acme", "name: Acme\n    colour: blue"))
    assert problems[0].startswith("customers[acme].colour:")


def test_two_partners_with_one_interchange_id_are_refused() -> None:
    text = GOOD.replace("      - {id: steelco, isa_qualifier: ZZ, isa_id: STEELCO}",
                        "      - {id: steelco, isa_qualifier: ZZ, isa_id: STEELCO}\n"
                        "      - {id: other, isa_qualifier: ZZ, isa_id: STEELCO}")
    assert "share an interchange id" in problems_of(text)[0]


def test_environment_variables_fill_values_and_defaults_apply_when_unset() -> None:
    assert expand_env("${A:-x}/${B}", {"B": "y"}) == "x/y"


def test_an_unset_variable_without_default_is_an_error_naming_it() -> None:
    with pytest.raises(CustomersFileError, match=r"\$\{EDI_NOPE\} is not set"):
        parse_customers(GOOD.replace("https://cleo.example.com", "${EDI_NOPE}"), environ={})


def test_not_yaml_is_a_clear_error() -> None:
    assert problems_of("customers: [")[0].startswith("not valid YAML")


def test_a_bad_cron_is_refused() -> None:
    problems = problems_of(GOOD + "    schedule: {outbound_cron: every minute}\n")
    assert "five-field cron" in problems[0]


def test_partner_sla_overrides_customer_sla_over_defaults() -> None:
    text = GOOD.replace("{id: steelco, isa_qualifier: ZZ, isa_id: STEELCO}",
                        "{id: steelco, isa_qualifier: ZZ, isa_id: STEELCO, sla: {ack855_hours: 6}}")
    customer = parse_customers(text + "    sla: {ack855_hours: 12, invoice810_days: 3}\n", environ={}).get("acme")
    sla = customer.sla_for("steelco")
    assert (sla.ack855_hours, sla.invoice810_days, sla.ack997_hours) == (6, 3, 4)


def test_partner_by_interchange_ignores_isa_padding() -> None:
    customer = parse_customers(GOOD, environ={}).get("acme")
    found = customer.partner_by_interchange("ZZ", "STEELCO        ")
    assert found is not None
    assert found.id == "steelco"


def test_an_unknown_customer_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="known: acme"):
        parse_customers(GOOD, environ={}).get("zeta")
