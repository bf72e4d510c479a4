"""Kernel file locks (``flock``) for a SQLite ledger: the claims of :meth:`Ledger.claim` and the write lock.

Why not SQLite's own waiting: a writer that finds the database locked sleeps in SQLite's busy handler in steps
of 1, 2, 5, 10... ms, however short the transaction it waits for (the ledger's last a fraction of a millisecond),
while a process blocked on a file lock goes on as soon as the holder lets go. Why not the ``filelock`` package:
it costs ~150 µs a lock against ~3 µs here, and the pipeline takes one per posting. A lock dies with the process
that holds it (the kernel drops it), so a crash never leaves one behind.

Each acquisition opens the file anew: ``flock`` locks belong to an open file, so two threads of one process
exclude each other as two processes do.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType

#: Waiting for a lock polls at first every 0.1 ms, the pause doubling up to this (seconds).
_LONGEST_PAUSE = 0.005


class KernelLock:
    """An exclusive ``flock`` on one file (created when missing), held from :meth:`acquire` to :meth:`release`."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._fd: int | None = None

    def acquire(self, timeout: float) -> None:
        """Take the lock; :class:`TimeoutError` when another holder keeps it for ``timeout`` seconds."""
        if self._fd is not None:
            raise RuntimeError(f"{self.path} is already held by this lock")
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            _lock(fd, timeout, self.path)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> KernelLock:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.release()


def _lock(fd: int, timeout: float, path: str) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    deadline = time.monotonic() + timeout
    pause = 0.0001
    while True:
        time.sleep(pause)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{path} stayed locked for {timeout:g} s") from None
        pause = min(pause * 2, _LONGEST_PAUSE)
