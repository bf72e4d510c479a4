"""The sensors: customer partitions in step with customers.yaml, inbound runs only for customers with new Cleo
files (once per set of files), QuickBooks outcomes recorded once the Web Connector has run the queue."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from dagster import (
    AddDynamicPartitionsRequest,
    DagsterInstance,
    DeleteDynamicPartitionsRequest,
    SensorResult,
    build_sensor_context,
)

from edi_assets.connectors.quickbooks.service import create_app, service_for
from edi_assets.customers import load_customers
from edi_assets.defs import sensors
from edi_assets.defs.assets import INBOUND
from edi_assets.defs.resources import EdiResource
from edi_assets.defs.sensors import customers_sensor, inbound_files_sensor, quickbooks_outcomes_sensor
from edi_assets.pipeline.runtime import vault_credentials
from edi_assets.vault import Vault
from simulators.core.server import RunningServer, start
from tests.defs.conftest import CUSTOMERS, FastFleet, Home, logged_secrets
from tests.pipeline.conftest import MAPPINGS

# -- customers_sensor ---------------------------------------------------------------------------------------


def customers_file(tmp_path: Path, *, drop: str | None = None, disable: str | None = None) -> Path:
    """mappings/customers.yaml with one customer left out or disabled."""
    data: dict[str, Any] = yaml.safe_load((MAPPINGS / "customers.yaml").read_text())
    data["customers"] = [c for c in data["customers"] if c["id"] != drop]
    for customer in data["customers"]:
        if customer["id"] == disable:
            customer["enabled"] = False
    path = tmp_path / "customers.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def tick_customers(instance: DagsterInstance, path: Path) -> SensorResult:
    """Evaluate the sensor and apply its partition requests, as the daemon does."""
    context = build_sensor_context(instance=instance, resources={"edi": EdiResource(customers_file=str(path))})
    result = customers_sensor(context)
    assert isinstance(result, SensorResult)
    for request in result.dynamic_partitions_requests or []:
        if isinstance(request, AddDynamicPartitionsRequest):
            instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        elif isinstance(request, DeleteDynamicPartitionsRequest):
            for key in request.partition_keys:
                instance.delete_dynamic_partition(request.partitions_def_name, key)
    return result


def test_the_customers_sensor_adds_a_partition_for_each_of_the_five_customers(tmp_path: Path) -> None:
    instance = DagsterInstance.ephemeral()
    result = tick_customers(instance, customers_file(tmp_path))
    assert [type(r) for r in result.dynamic_partitions_requests or []] == [AddDynamicPartitionsRequest]
    assert sorted(instance.get_dynamic_partitions("customers")) == sorted(CUSTOMERS)


def test_the_customers_sensor_removes_the_partition_of_a_customer_gone_from_the_file(tmp_path: Path) -> None:
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("customers", list(CUSTOMERS))
    result = tick_customers(instance, customers_file(tmp_path, drop="evergreen"))
    [request] = result.dynamic_partitions_requests or []
    assert isinstance(request, DeleteDynamicPartitionsRequest)
    assert list(request.partition_keys) == ["evergreen"]
    assert sorted(instance.get_dynamic_partitions("customers")) == ["acme", "bluefin", "cedar", "delta"]


def test_the_customers_sensor_removes_the_partition_of_a_disabled_customer(tmp_path: Path) -> None:
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("customers", list(CUSTOMERS))
    tick_customers(instance, customers_file(tmp_path, disable="cedar"))
    assert sorted(instance.get_dynamic_partitions("customers")) == ["acme", "bluefin", "delta", "evergreen"]


def test_the_customers_sensor_skips_when_the_partitions_are_up_to_date(tmp_path: Path) -> None:
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("customers", list(CUSTOMERS))
    result = tick_customers(instance, customers_file(tmp_path))
    assert not result.dynamic_partitions_requests
    assert result.skip_reason is not None


# -- inbound_files_sensor -----------------------------------------------------------------------------------


class Clock:
    """The sensor's idea of now, moved by the test (customers are listed every ``schedule.inbound_seconds``)."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(sensors, "_now", lambda: fake.now)
    return fake


def tick_inbound(home: Home, cursor: str | None = None) -> SensorResult:
    context = build_sensor_context(instance=home.instance, cursor=cursor, resources=home.resources())
    result = inbound_files_sensor(context)
    assert isinstance(result, SensorResult)
    return result


def requested(result: SensorResult) -> list[str]:
    return sorted(str(r.partition_key) for r in result.run_requests or [])


def test_the_inbound_sensor_requests_a_run_only_for_customers_with_new_files(home: Home, fleet: FastFleet) -> None:
    fleet.send("toolmart", "810", "2001")  # cedar's partner
    fleet.send("steelco", "855", "PO10001")  # acme's
    result = tick_inbound(home)
    assert requested(result) == ["acme", "cedar"]


def test_the_inbound_sensor_does_not_request_a_run_again_for_the_same_files(home: Home, fleet: FastFleet,
                                                                           clock: Clock) -> None:
    fleet.send("toolmart", "810", "2001")
    first = tick_inbound(home)
    clock.advance(600)
    again = tick_inbound(home, first.cursor)
    assert requested(first) == ["cedar"]
    assert requested(again) == []
    assert again.skip_reason is not None


def test_the_inbound_sensor_requests_a_new_run_when_more_files_arrive(home: Home, fleet: FastFleet,
                                                                     clock: Clock) -> None:
    fleet.send("toolmart", "810", "2001")
    first = tick_inbound(home)
    fleet.send("fastenpro", "850", "FP-7001")
    clock.advance(600)
    second = tick_inbound(home, first.cursor)
    assert requested(second) == ["cedar"]
    assert {r.run_key for r in second.run_requests or []}.isdisjoint({r.run_key for r in first.run_requests or []})


def test_files_still_not_taken_an_hour_after_their_run_was_requested_are_requested_again(
        home: Home, fleet: FastFleet, clock: Clock) -> None:
    fleet.send("toolmart", "810", "2001")
    first = tick_inbound(home)  # the run it requests fails before taking the files (say Cleo was down)
    clock.advance(1800)
    meanwhile = tick_inbound(home, first.cursor)
    clock.advance(1800)
    again = tick_inbound(home, meanwhile.cursor)
    assert (requested(meanwhile), requested(again)) == ([], ["cedar"])
    [before], [after] = first.run_requests or [], again.run_requests or []
    assert after.run_key != before.run_key  # a run key Dagster has not seen, or it would drop the request


def test_each_customer_is_listed_every_inbound_seconds_of_its_schedule(home: Home, fleet: FastFleet,
                                                                       clock: Clock) -> None:
    first = tick_inbound(home)  # every customer listed: nothing new yet
    fleet.send("toolmart", "810", "2001")  # cedar: every 60 s (the default)
    fleet.send("steelco", "855", "PO10001")  # acme: every 30 s (customers.yaml)
    clock.advance(30)
    second = tick_inbound(home, first.cursor)
    clock.advance(30)
    third = tick_inbound(home, second.cursor)
    assert (requested(second), requested(third)) == (["acme"], ["cedar"])


def test_the_inbound_sensor_reads_a_cursor_of_digests_alone(home: Home, fleet: FastFleet, clock: Clock) -> None:
    fleet.send("toolmart", "810", "2001")
    digests = json.loads(tick_inbound(home).cursor or "{}")["digests"]
    clock.advance(600)
    assert requested(tick_inbound(home, json.dumps(digests))) == []  # a cursor written before listed_at


def test_the_inbound_sensor_requests_nothing_once_the_files_are_in_the_ledger(home: Home, fleet: FastFleet) -> None:
    fleet.send("steelco", "855", "PO10001")
    home.materialize(INBOUND, "acme")
    result = tick_inbound(home)  # a fresh cursor: the ledger alone says the files were taken
    assert requested(result) == []


def test_the_inbound_sensor_ignores_customers_without_a_partition(home: Home, fleet: FastFleet) -> None:
    home.instance.delete_dynamic_partition("customers", "cedar")
    fleet.send("toolmart", "810", "2001")
    assert requested(tick_inbound(home)) == []


def test_the_inbound_sensor_cursor_remembers_the_digest_it_requested_per_customer(home: Home,
                                                                                 fleet: FastFleet) -> None:
    fleet.send("toolmart", "810", "2001")
    cursor = json.loads(tick_inbound(home).cursor or "{}")
    assert list(cursor["digests"]) == ["cedar"]
    assert sorted(cursor["listed_at"]) == sorted(CUSTOMERS)


def test_a_customer_without_cleo_credentials_does_not_stop_the_others(home: Home, fleet: FastFleet) -> None:
    Vault().delete("acme", "cleo.password")
    fleet.send("toolmart", "810", "2001")
    fleet.send("steelco", "855", "PO10001")
    assert requested(tick_inbound(home)) == ["cedar"]


def test_a_customer_with_a_broken_cross_reference_table_does_not_stop_the_others(home: Home,
                                                                                fleet: FastFleet) -> None:
    (Path(str(home.edi.mappings_dir)) / "acme" / "partners.csv").write_text("partner,erp_id\nsteelco,S-STEEL\n")
    fleet.send("toolmart", "810", "2001")
    fleet.send("steelco", "855", "PO10001")
    assert requested(tick_inbound(home)) == ["cedar"]


# -- quickbooks_outcomes_sensor -----------------------------------------------------------------------------


@pytest.fixture
def web_connector(home: Home, fleet: FastFleet) -> Iterator[RunningServer]:
    """Our Web Connector endpoint on a free port, its .qwc and cedar's password entered in the simulated QBWC,
    as ``make demo`` does (edi_assets.demo_pipeline.web_connector_service)."""
    vault = Vault()
    service = service_for(load_customers(), lambda customer: vault_credentials(vault, customer))
    server = start(create_app(service))
    try:
        qwc = httpx.get(f"{server.url}/qwc/cedar", timeout=10)
        qwc.raise_for_status()
        httpx.post(f"{fleet.url('quickbooks')}/_sim/qwc", params={"company": "cedar"}, content=qwc.content,
                   timeout=10).raise_for_status()
        fleet.post("quickbooks", "/_sim/qwc/password",
                   {"company": "cedar", "password": vault.get("cedar", "quickbooks.password").get_secret_value()})
        yield server
    finally:
        server.stop()
        for endpoint in service.endpoints.values():
            endpoint.queue.close()


def tick_quickbooks(home: Home) -> SensorResult:
    context = build_sensor_context(instance=home.instance, resources=home.resources())
    result = quickbooks_outcomes_sensor(context)
    assert isinstance(result, SensorResult)
    return result


def cedar_documents(home: Home) -> dict[tuple[str, str | None], str]:
    return {(d.doc_type, d.number): d.state for d in home.ledger.documents("cedar", direction="in")}


def send_cedar_documents(fleet: FastFleet) -> None:
    fleet.send("toolmart", "856", "2001")
    fleet.send("toolmart", "810", "2001")
    fleet.send("fastenpro", "850", "FP-7001")


def test_cedar_postings_wait_in_the_queue_until_the_web_connector_runs(home: Home, fleet: FastFleet,
                                                                      web_connector: RunningServer) -> None:
    send_cedar_documents(fleet)
    assert home.materialize(INBOUND, "cedar").success
    assert set(cedar_documents(home).values()) == {"queued"}
    assert tick_quickbooks(home).skip_reason is not None  # QBWC has not come yet


def test_the_quickbooks_sensor_records_outcomes_once_the_web_connector_has_run(home: Home, fleet: FastFleet,
                                                                             web_connector: RunningServer) -> None:
    send_cedar_documents(fleet)
    assert home.materialize(INBOUND, "cedar").success
    fleet.post("quickbooks", "/_sim/run", {"company": "cedar"})  # the Web Connector's scheduled session
    tick_quickbooks(home)
    assert set(cedar_documents(home).values()) == {"posted"}
    state = json.dumps(home.erp_state("quickbooks"))
    for row in home.ledger.documents("cedar", direction="in"):
        posting = home.ledger.posting(row.id)
        assert posting is not None
        assert posting.record_id
        assert posting.record_id in state
    assert tick_quickbooks(home).skip_reason is not None  # recorded once
    assert logged_secrets(home.instance) == []

