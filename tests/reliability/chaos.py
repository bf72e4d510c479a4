"""``make chaos``: break the product on purpose and check, over the whole record, that its promises held.

    python -m tests.reliability.chaos [--quick] [--random-runs N] [--only NAME ...] [--seed S]
    python -m tests.reliability.chaos run --customer C [--steps outbound,inbound,replay]   (one run process)
    python -m tests.reliability.chaos dagster-run --customer C      (the partition's assets through Dagster)

Prints one row per scenario: runs, crashes injected, faults injected, documents, lost, duplicated, held
(expected), invariant violations; exits 1 when any scenario lost or duplicated a document or broke an invariant.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "run":
        from tests.reliability.worker import main as run_main

        return run_main(args[1:])
    if args and args[0] == "dagster-run":
        from tests.reliability.worker import dagster_main

        return dagster_main(args[1:])
    from tests.reliability.scenarios import main as scenarios_main

    return scenarios_main(args)


if __name__ == "__main__":
    sys.exit(main())
