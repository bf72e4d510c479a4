"""Regressions the chaos harness found, each staged by hand at the instant that broke a promise.

A kill -9 lands anywhere; these tests put the death exactly in the window the harness found, by making the
step after it raise :class:`Killed` once, then run the flow again as the next run would.
"""

from __future__ import annotations

from typing import Any

import pytest

from edi_assets.pipeline import inbound
from edi_assets.pipeline.inbound import fetch_files, post_documents, read_files
from edi_assets.pipeline.outbound import collect_documents, send_documents
from tests.reliability.conftest import MakeWorld
from tests.reliability.invariants import Baseline, check, codes
from tests.reliability.world import World


class Killed(BaseException):
    # stands for SIGKILL: nothing after it runs
    """The run dies here."""


def dies_once(real: Any) -> Any:
    calls = {"n": 0}

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise Killed
        return real(*args, **kwargs)

    return wrapper


def answered(world: World) -> Any:
    """Acme's 850s sent, the partners' answers (997, 855, 856, 810) in its inbound folders, downloaded."""
    rt = world.runtime("acme")
    collect_documents(rt)
    send_documents(rt)
    world.tick()
    fetch_files(rt)
    return rt


def steelco_invoice(world: World) -> Any:
    return next(f for f in world.apps["cleo"].backend.list_files("acme", "/steelco/inbound")
                if f.name.startswith("810_"))


def interchange_holds(rt: Any) -> list[Any]:
    return [h for h in rt.ledger.holds("acme") if h.subject == "interchange"]


def test_a_997_whose_reader_died_before_matching_it_is_matched_by_the_next_run(
        make_world: MakeWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    rt = answered(make_world())
    monkeypatch.setattr(inbound, "_match_ack", dies_once(inbound._match_ack))
    with pytest.raises(Killed):
        read_files(rt)
    read_files(rt)
    acks = [d for d in rt.ledger.documents("acme", direction="in") if d.doc_type == "997"]
    assert acks
    assert {d.state for d in acks} == {"matched"}
    rt.close()


def test_a_file_resent_under_a_new_name_is_held_as_a_duplicate_and_posted_once(make_world: MakeWorld) -> None:
    world = make_world()
    baseline = Baseline(world, ["acme"])
    rt = answered(world)
    read_files(rt)
    post_documents(rt)
    invoice = steelco_invoice(world)
    world.drop("steelco", "again_" + invoice.name, invoice.content)
    fetch_files(rt)
    read_files(rt)
    post_documents(rt)
    [hold] = interchange_holds(rt)
    assert hold.code == "duplicate"
    assert "differ" not in hold.reason
    assert check(world, ["acme"], baseline, expected=codes("duplicate"), delivered=False).duplicated == []
    rt.close()


def test_a_resent_interchange_with_other_bytes_is_held_saying_its_documents_differ(make_world: MakeWorld) -> None:
    world = make_world()
    rt = answered(world)
    read_files(rt)
    invoice = steelco_invoice(world)
    world.drop("steelco", "edited_" + invoice.name, invoice.content.replace(b"INV", b"INX", 1))
    fetch_files(rt)
    read_files(rt)
    [hold] = interchange_holds(rt)
    assert "1 of its documents differ" in hold.reason
    rt.close()


def test_a_repeat_whose_reader_died_before_holding_it_is_held_by_the_next_run(
        make_world: MakeWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    world = make_world()
    rt = answered(world)
    read_files(rt)
    invoice = steelco_invoice(world)
    world.drop("steelco", "again_" + invoice.name, invoice.content)
    fetch_files(rt)
    monkeypatch.setattr(rt.ledger, "hold", dies_once(rt.ledger.hold))
    with pytest.raises(Killed):
        read_files(rt)
    read_files(rt)
    assert [h.code for h in interchange_holds(rt)] == ["duplicate"]
    rt.close()


def misdelivered_invoice(world: World, rt: Any) -> Any:
    """steelco's 810 (under a new ISA13) found in boltworks' folder: held 'partner'; the held document."""
    from edi_assets.pipeline.inbound import fetch_files as fetch

    invoice = steelco_invoice(world)
    control = invoice.content.decode("latin-1")[90:99]
    content = invoice.content.replace(control.encode(), b"000555001")
    world.drop("boltworks", "stray_" + invoice.name, content)
    fetch(rt)
    read_files(rt)
    [hold] = [h for h in rt.ledger.holds("acme") if h.code == "partner"]
    return hold


def test_replaying_a_partner_hold_before_customers_yaml_is_fixed_keeps_it_held_and_posts_nothing(
        make_world: MakeWorld) -> None:
    from edi_assets.pipeline.replay import replay

    world = make_world()
    rt = answered(world)
    read_files(rt)
    post_documents(rt)
    hold = misdelivered_invoice(world, rt)
    invoices_before = world.state("qad")["tenants"]["acme"]["supplier_invoices"]
    report = replay(rt, by="ops")
    assert [h.id for h in rt.ledger.holds("acme") if h.code == "partner"] == [hold.id]
    assert rt.ledger.get_document(hold.subject_id).state == "held"
    assert any("still not partner boltworks" in r for r in report.refused)
    assert world.state("qad")["tenants"]["acme"]["supplier_invoices"] == invoices_before
    rt.close()


def test_replaying_a_hold_on_a_set_the_customer_does_not_post_keeps_the_hold_open(make_world: MakeWorld) -> None:
    from edi_assets.pipeline.replay import replay

    world = make_world()
    rt = answered(world)
    read_files(rt)
    world.drop("steelco", "stray_997.edi", b"ISA*00*          *00*          *ZZ*SOMEONE        *ZZ*ACMEMFG        "
                                            b"*261121*1200*U*00401*000777001*0*P*>~GS*FA*SOMEONE*ACMEMFG*20261121*"
                                            b"1200*777001*X*004010~ST*997*0001~AK1*PO*1~AK9*A*1*1*1~SE*4*0001~"
                                            b"GE*1*777001~IEA*1*000777001~")
    fetch_files(rt)
    read_files(rt)
    [hold] = [h for h in rt.ledger.holds("acme") if h.code == "partner"]
    replay(rt, by="ops")
    assert [h.id for h in rt.ledger.holds("acme")] == [hold.id]
    assert rt.ledger.get_document(hold.subject_id).state == "held"
    rt.close()


def test_a_replay_that_dies_while_resolving_the_hold_leaves_the_hold_open(
        make_world: MakeWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    from edi_assets.pipeline.replay import replay

    world = make_world()
    rt = answered(world)
    read_files(rt)
    post_documents(rt)
    world.post("cleo", "/_sim/partners/packright/send", {"type": "856", "po_number": "PO-NOSUCH"})
    fetch_files(rt)
    read_files(rt)
    post_documents(rt)
    [hold] = [h for h in rt.ledger.holds("acme") if h.code == "rejected"]
    monkeypatch.setattr(rt.ledger, "_set_document_state", dies_once(rt.ledger._set_document_state))
    with pytest.raises(Killed):
        replay(rt, by="ops")
    assert [h.id for h in rt.ledger.holds("acme")] == [hold.id]
    assert rt.ledger.get_document(hold.subject_id).state == "held"
    rt.close()


OVERLONG_SENDER = (b"ISA*00*          *00*          *ZZ*010020001-ABCINC*ZZ*ACMEMFG        *261121*1200*U*00401*"
                   b"000000089*0*P*>~GS*SH*010020001*ACMEMFG*20261121*1200*89*X*004010~ST*856*0001~"
                   b"BSN*00*861554*20261121*1200~HL*1**S~SE*4*0001~GE*1*89~IEA*1*000000089~")


def test_a_file_whose_997_cannot_be_written_is_held_and_the_files_after_it_are_still_read(
        make_world: MakeWorld) -> None:
    world = make_world()
    rt = answered(world)
    world.drop("steelco", "0_overlong_sender.edi", OVERLONG_SENDER)
    fetch_files(rt)
    read_files(rt)
    names = {f.id: f.name for f in rt.ledger.files("acme")}
    held = {names[h.subject_id]: h for h in rt.ledger.holds("acme") if h.subject == "file"}
    assert "0_overlong_sender.edi" in held
    assert "ISA" in held["0_overlong_sender.edi"].reason
    assert {f.state for f in rt.ledger.files("acme") if f.name != "0_overlong_sender.edi"} == {"processed"}
    rt.close()


def test_a_file_with_undecodable_bytes_in_its_envelope_is_recorded_and_held_not_a_poison(
        make_world: MakeWorld) -> None:
    world = make_world()
    rt = answered(world)
    invoice = steelco_invoice(world)
    control = invoice.content[90:99]
    garbled = invoice.content.replace(control, b"000777001").replace(b"STEELCO        ", b"STEEL\xe2\x80O      ", 1)
    world.drop("steelco", "garbled.edi", garbled)
    fetch_files(rt)
    read_files(rt)
    files = {f.name: f for f in rt.ledger.files("acme")}
    garbled_file = files.pop("garbled.edi")
    assert garbled_file.state == "held"  # no 997 can name that sender
    assert "UnicodeEncodeError" in garbled_file.reason
    assert {f.state for f in files.values()} == {"processed"}
    assert {d.state for d in rt.ledger.documents("acme", direction="in") if "000777001" in d.doc_key} <= {"held"}
    rt.close()


MIXED_GROUPS = (b"ISA*00*          *00*          *ZZ*STEELCO        *ZZ*ACMEMFG        *261121*1200*U*00401*"
                b"000000501*0*P*>~"
                b"GS*FA*STEELCO*ACMEMFG*20261121*1200*501*X*004010~ST*997*0001~AK1*PO*999001~AK9*A*1*1*1~"
                b"SE*4*0001~GE*1*501~"
                b"GS*SH*STEELCO*ACMEMFG*20261121*1200*502*X*004010~ST*856*0001~BSN*00*SHX*20261121*1200~"
                b"HL*1**S~SE*4*0001~GE*1*502~IEA*2*000000501~")


def test_a_997_for_a_file_of_mixed_groups_uses_exactly_the_control_numbers_it_was_given(
        make_world: MakeWorld) -> None:
    world = make_world()
    baseline = Baseline(world, ["acme"])
    rt = answered(world)
    read_files(rt)
    world.drop("steelco", "mixed.edi", MIXED_GROUPS)
    fetch_files(rt)
    read_files(rt)
    collect_documents(rt)
    send_documents(rt)
    findings = check(world, ["acme"], baseline, expected=lambda *_: True, delivered=False)
    assert [v for v in findings.all_violations if "GS06" in v or "ISA13" in v] == []
    rt.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_ledger(request: pytest.FixtureRequest, tmp_path: Any) -> Any:
    from edi_assets.ledger import Ledger
    from tests.ledger.conftest import POSTGRES_URL, postgres_schema_url

    if request.param == "sqlite":
        opened = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
        yield opened
        opened.close()
        return
    if not POSTGRES_URL:
        pytest.skip("EDI_TEST_POSTGRES_URL is not set")
    urls = postgres_schema_url()
    opened = Ledger(next(urls))
    yield opened
    opened.close()
    next(urls, None)


def test_the_ledger_stores_a_partners_undecodable_and_overlong_text_and_finds_it_again(any_ledger: Any) -> None:
    ledger = any_ledger
    file, _ = ledger.file_seen(customer="acme", partner="steelco", folder="/steelco/inbound", cleo_file_id="f1",
                               name="f.edi", content=b"x")
    interchange, _ = ledger.interchange_seen(customer="acme", partner="steelco", file_id=file.id,
                                             sender="ZZ:STEEL\udce2\udc80O", control_number="0001234567890")
    ledger.group_in(customer="acme", partner="steelco", interchange_id=interchange, group_control_number="9" * 12,
                    functional_id="INVALID")
    key = "ZZ:STEEL\udce2\udc80O/" + "7" * 400 + "/810"
    first, new = ledger.document(customer="acme", partner="steelco", direction="in", doc_type="810", doc_key=key,
                                 number="N" * 200, payload={"invoice_number": "N\udce2"}, state="received",
                                 file_id=file.id, group_control_number="1" * 20, functional_id="INX")
    again, new_again = ledger.document(customer="acme", partner="steelco", direction="in", doc_type="810",
                                       doc_key=key, number="N" * 200, payload={}, state="received", file_id=file.id)
    assert new
    assert not new_again
    assert again.id == first.id
    other, other_new = ledger.document(customer="acme", partner="steelco", direction="in", doc_type="810",
                                       doc_key=key[:-4] + "8/810", number=None, payload={}, state="received")
    assert other_new  # two long keys cut alike stay two
    assert other.id != first.id
    ledger.hold(customer="acme", partner="steelco", subject="document", subject_id=first.id, code="x12",
                reason="N104 'STEEL\udce2O' is not a partner id")
    [hold] = ledger.holds("acme")
    assert "\\udce2" in hold.reason


def test_two_runs_of_a_partition_at_once_upload_each_file_once(
        make_world: MakeWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    from edi_assets.connectors.cleo import CleoClient

    world = make_world(orders=2)
    first, second = world.runtime("acme"), world.runtime("acme")
    collect_documents(first)
    real_upload = CleoClient.upload

    def slow_upload(self: Any, *args: Any, **kwargs: Any) -> Any:
        time.sleep(0.3)  # both runs have looked the name up and found nothing
        return real_upload(self, *args, **kwargs)

    monkeypatch.setattr(CleoClient, "upload", slow_upload)
    runs = [threading.Thread(target=send_documents, args=(rt,)) for rt in (first, second)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    names = [f.name for p in ("steelco", "boltworks", "packright")
             for f in world.apps["cleo"].backend.list_files("acme", f"/{p}/outbound")]
    assert len(names) == len(set(names)) == len(first.ledger.uploads("acme"))
    first.close()
    second.close()


def test_a_claim_dies_with_the_process_that_held_it(any_ledger: Any) -> None:
    import subprocess
    import sys

    holder = ("import os, signal, sys\nfrom edi_assets.ledger import Ledger\n"
              "with Ledger(sys.argv[1]).claim('upload 1'):\n    print('held', flush=True)\n"
              "    os.kill(os.getpid(), signal.SIGKILL)\n")
    url = any_ledger.engine.url.render_as_string(hide_password=False)
    process = subprocess.run([sys.executable, "-c", holder, url], capture_output=True, text=True, timeout=60)
    assert process.stdout == "held\n"
    with any_ledger.claim("upload 1", timeout=5):
        pass


@pytest.mark.parametrize("ledger", ["sqlite", "postgresql"])
def test_each_inbound_group_records_what_our_997_said_of_it(make_world: MakeWorld, ledger: str) -> None:
    world = make_world(ledger=ledger)
    rt = answered(world)
    read_files(rt)
    groups = [g for g in rt.ledger.groups_in("acme") if g.functional_id != "FA"]
    assert groups
    assert {g.ack_status for g in groups} == {"A"}
    assert rt.ledger.unacknowledged_groups("acme") == []
    rt.close()


NO_GROUP_NUMBER = (b"ISA*00*          *00*          *ZZ*STEELCO        *ZZ*ACMEMFG        *261121*1200*U*00401*"
                   b"000000601*0*P*>~GS*PR*STEELCO*ACMEMFG*20261121*1200**X*004010~ST*855*0001~"
                   b"BAK*00*AC*PO10001*20261121~SE*3*0001~GE*1*~IEA*1*000000601~")


def _dropped_and_read(make_world: MakeWorld, name: str, content: bytes) -> tuple[Any, int]:
    """Drop one file after the world's own files are read; (its ledger row, how many 997s it added to Cleo)."""
    world = make_world()
    rt = answered(world)
    read_files(rt)
    sent_before = len(world.apps["cleo"].backend.list_files("acme", "/steelco/outbound"))
    world.drop("steelco", name, content)
    fetch_files(rt)
    read_files(rt)
    row = {f.name: f for f in rt.ledger.files("acme")}[name]
    sent = len(world.apps["cleo"].backend.list_files("acme", "/steelco/outbound")) - sent_before
    rt.close()
    return row, sent


def test_a_file_whose_997_would_not_be_valid_x12_is_held_and_nothing_is_sent(make_world: MakeWorld) -> None:
    held_file, sent = _dropped_and_read(make_world, "no_group_number.edi", NO_GROUP_NUMBER)
    assert held_file.state == "held"
    assert "997 would not be valid X12" in held_file.reason
    assert sent == 0


def test_a_file_whose_997_envelope_would_not_be_valid_x12_is_held_and_nothing_is_sent(
        make_world: MakeWorld) -> None:
    bad_qualifier = NO_GROUP_NUMBER.replace(b"*ZZ*STEELCO ", b"*1 *STEELCO ").replace(b"**X*", b"*601*X*").replace(
        b"GE*1*~", b"GE*1*601~")
    held_file, sent = _dropped_and_read(make_world, "bad_qualifier.edi", bad_qualifier)
    assert held_file.state == "held"
    assert "997 would not be valid X12" in held_file.reason
    assert sent == 0
