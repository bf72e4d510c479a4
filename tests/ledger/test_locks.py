"""The kernel locks of a SQLite ledger: claims and the write lock its writers queue on."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from edi_assets.ledger import Ledger, LedgerError, store
from edi_assets.ledger import schema as s
from edi_assets.ledger.locks import KernelLock


def test_a_kernel_lock_held_elsewhere_makes_another_holder_time_out(tmp_path: Path) -> None:
    with KernelLock(tmp_path / "x.lock") as first:
        first.acquire(1)
        started = time.monotonic()
        with pytest.raises(TimeoutError, match="stayed locked"):
            KernelLock(tmp_path / "x.lock").acquire(0.2)
        assert time.monotonic() - started >= 0.2


def test_a_released_kernel_lock_is_taken_at_once(tmp_path: Path) -> None:
    first = KernelLock(tmp_path / "x.lock")
    first.acquire(1)
    first.release()
    second = KernelLock(tmp_path / "x.lock")
    second.acquire(0)
    assert second.held
    assert not first.held
    second.release()


def test_a_waiting_kernel_lock_goes_on_soon_after_the_holder_lets_go(tmp_path: Path) -> None:
    holder = KernelLock(tmp_path / "x.lock")
    holder.acquire(1)
    threading.Timer(0.1, holder.release).start()
    started = time.monotonic()
    with KernelLock(tmp_path / "x.lock") as waiter:
        waiter.acquire(5)
        waited = time.monotonic() - started
    assert 0.09 <= waited < 0.2


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")


def _files(ledger: Ledger) -> int:
    with ledger.engine.connect() as c:
        return len(c.execute(select(s.files.c.id)).all())


def _seen(ledger: Ledger, n: int) -> None:
    ledger.file_seen(customer="acme", partner="steelco", folder="/steelco/inbound", cleo_file_id=str(n),
                     name=f"{n}.edi", content=f"file {n}".encode())


def test_a_sqlite_writer_waits_for_another_threads_open_unit_then_writes(ledger: Ledger) -> None:
    in_unit, committed_at = threading.Event(), []

    def hold_a_unit() -> None:
        with ledger.unit():
            _seen(ledger, 1)
            in_unit.set()
            time.sleep(0.2)
        committed_at.append(time.monotonic())

    thread = threading.Thread(target=hold_a_unit)
    thread.start()
    in_unit.wait(5)
    _seen(ledger, 2)  # queues on the write lock until the unit commits
    written_at = time.monotonic()
    thread.join()
    assert committed_at
    assert written_at >= committed_at[0]
    assert _files(ledger) == 2


def test_a_unit_rolled_back_lets_the_next_writer_in(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "WRITE_LOCK_TIMEOUT", 0.5)
    def failing_unit() -> None:
        with ledger.unit():
            _seen(ledger, 1)
            raise RuntimeError("the block fails")

    with pytest.raises(RuntimeError):
        failing_unit()
    _seen(ledger, 2)
    assert _files(ledger) == 1


def test_a_writer_that_cannot_get_the_write_lock_fails_saying_so(ledger: Ledger,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "WRITE_LOCK_TIMEOUT", 0.2)
    with KernelLock(f"{ledger.engine.url.database}.write.lock") as other_process:
        other_process.acquire(1)
        with pytest.raises(LedgerError, match="locked by another writer"):
            _seen(ledger, 1)
    _seen(ledger, 1)
    assert _files(ledger) == 1
