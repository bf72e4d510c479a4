"""Named crash points: the reliability harness kills a run with ``kill -9`` at a chosen step of the flow.

Every exactly-once promise of the pipeline is a promise about what survives a process that dies between two
statements. The harness proves it by setting ``EDI_CRASH_AT`` in a run's environment; the run then dies at
that point, with no cleanup, no ``finally``, no atexit, exactly as a machine losing power or the OOM killer
would leave it, and the next run must finish the work without losing or repeating anything.

``EDI_CRASH_AT=name`` crashes the first time ``crash_point("name")`` runs, ``name:N`` the N-th time (counted
per process); several comma-separated entries may be given. Unset (always, in production) every call is a
dictionary lookup and a return.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

ENV = "EDI_CRASH_AT"

#: The points the pipeline and the ledger call, in the order a run meets them.
POINTS: tuple[str, ...] = (
    "after_download_before_ledger",  # inbound file downloaded from Cleo, not yet recorded
    "after_ack_allocation_before_upload",  # 997 numbers allocated and stored, file not yet uploaded
    "after_ack_upload_before_outcome",  # 997 uploaded to Cleo, upload not yet recorded done
    "after_post_before_outcome",  # ERP post answered, posting not yet recorded done
    "after_allocation_before_upload",  # outbound control numbers allocated, file not yet uploaded
    "after_upload_before_outcome",  # outbound file uploaded to Cleo, upload not yet recorded done
    "in_ledger_transaction",  # a ledger transaction has written its first statement, not yet committed
)

_met: Counter[str] = Counter()


def targets(spec: str | None) -> dict[str, int]:
    """``"a:3,b"`` → ``{"a": 3, "b": 1}``; unknown names are refused so a typo cannot silently crash nothing."""
    wanted: dict[str, int] = {}
    for entry in (spec or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        name, _, count = entry.partition(":")
        if name not in POINTS:
            raise ValueError(f"{ENV}: no crash point {name!r} (known: {', '.join(POINTS)})")
        nth = int(count) if count else 1
        if nth < 1:
            raise ValueError(f"{ENV}: {entry!r} must count from 1")
        wanted[name] = nth
    return wanted


def crash_point(name: str) -> None:
    """Die here with SIGKILL when ``EDI_CRASH_AT`` names this point and this is the N-th time it is met."""
    spec = os.environ.get(ENV)
    if not spec:
        return
    nth = targets(spec).get(name)
    if nth is None:
        return
    _met[name] += 1
    if _met[name] == nth:
        os.kill(os.getpid(), signal.SIGKILL)
