"""Claims of several keys at once (a batch of postings or 997s): on SQLite, on PostgreSQL, and in memory."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from edi_assets.ledger import Ledger, LedgerError


def elsewhere(work: Callable[[], None]) -> list[BaseException]:
    """Run ``work`` in another thread (another holder, as a second run would be); what it raised."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:
            raised.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    return raised


def claim_once(ledger: Ledger, key: str, timeout: float) -> Callable[[], None]:
    def work() -> None:
        with ledger.claim(key, timeout=timeout):
            pass

    return work


def test_a_key_of_a_claimed_batch_keeps_another_holder_out(ledger: Ledger) -> None:
    with ledger.claims([f"posting {n}" for n in range(1, 11)]):
        raised = elsewhere(claim_once(ledger, "posting 7", timeout=0.2))
    assert len(raised) == 1
    assert isinstance(raised[0], LedgerError)
    assert "posting 7 stayed claimed" in str(raised[0])


def test_a_batch_whose_keys_share_a_lock_is_taken_without_waiting_on_itself(ledger: Ledger) -> None:
    keys = [f"posting {n}" for n in range(5000)]  # more keys than SQLite's 4096 claim files per kind
    with ledger.claims(keys, timeout=5):
        pass
    with ledger.claims(keys, timeout=5):  # and every one of them was let go
        pass


def test_a_997_upload_never_waits_for_a_batch_of_postings(ledger: Ledger) -> None:
    with ledger.claims([f"posting {n}" for n in range(5000)], timeout=5):
        assert elsewhere(claim_once(ledger, "upload 1", timeout=0.5)) == []


@contextmanager
def held_elsewhere(ledger: Ledger, key: str) -> Iterator[threading.Event]:
    """Another thread holds ``key`` until the event it yields is set (or the block ends)."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with ledger.claim(key):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        yield release
    finally:
        release.set()
        holder.join()


def test_a_batch_waits_for_a_key_another_holder_has_then_takes_them_all(ledger: Ledger) -> None:
    with held_elsewhere(ledger, "posting 3") as release:
        threading.Timer(0.2, release.set).start()
        with ledger.claims(["posting 1", "posting 3", "posting 5"], timeout=10):
            assert elsewhere(claim_once(ledger, "posting 5", timeout=0.1))  # the batch holds the keys after the wait


def test_a_batch_that_cannot_get_a_key_holds_none_of_the_others(ledger: Ledger) -> None:
    with held_elsewhere(ledger, "posting 3"):
        with pytest.raises(LedgerError, match="posting 3 stayed claimed"), \
                ledger.claims(["posting 1", "posting 3", "posting 5"], timeout=0.2):
            pass
        for key in ("posting 1", "posting 5"):
            assert elsewhere(claim_once(ledger, key, timeout=0.5)) == []


def test_claims_of_an_in_memory_ledger_exclude_threads_too() -> None:
    ledger = Ledger("sqlite://")
    try:
        with ledger.claims([f"posting {n}" for n in range(200)], timeout=5):  # the holder and the waiter share one lock
            raised = elsewhere(claim_once(ledger, "posting 150", timeout=0.2))
        assert len(raised) == 1
        assert isinstance(raised[0], LedgerError)
    finally:
        ledger.close()


@pytest.mark.parametrize("where", ["file", "memory"])
def test_a_batch_of_one_customers_postings_never_makes_another_customers_wait(where: str, tmp_path: Path) -> None:
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}" if where == "file" else "sqlite://")
    try:
        # Enough keys to take every one of a group's 4,096 locks: any other customer's key would share one.
        with ledger.claims([f"posting acme {n}" for n in range(40_000)], timeout=10):
            assert elsewhere(claim_once(ledger, "posting globex 1", timeout=0.5)) == []
            assert len(elsewhere(claim_once(ledger, "posting acme 39999", timeout=0.1))) == 1
    finally:
        ledger.close()
