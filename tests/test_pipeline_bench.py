"""The pipeline benchmark (``make bench``) at a tiny size, so its code keeps working between benchmark runs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from benchmarks import pipeline_bench
from benchmarks.pipeline_bench import AckStep, Row, floor_seconds, measure, required_requests, table
from edi_assets.connectors.ratelimit import Limit, RateLimitSettings


def quiet(message: str) -> None:
    """The benchmark's progress lines are not wanted in test output."""


@pytest.fixture(scope="module")
def unlimited() -> Row:
    return measure("limits off", 20, limited=False, progress=quiet)


def test_twenty_invoices_go_through_the_whole_inbound_flow(unlimited: Row) -> None:
    assert (unlimited.status, unlimited.note) == ("ok", "")
    assert unlimited.documents == 20
    assert set(unlimited.phases) == {"fetch", "read", "997s", "post", "finish"}


def test_no_path_takes_more_than_one_cleo_request_per_file(unlimited: Row) -> None:
    assert unlimited.busiest_requests == 20, unlimited.busiest_path  # the 997 uploads, one per file


def test_the_limited_run_is_held_to_cleo_s_five_requests_per_second_per_path() -> None:
    row = measure("limited", 6, limited=True, progress=quiet)
    assert (row.status, row.note) == ("ok", "")
    assert row.floor == 1.0  # six 997 uploads to one folder: a burst of five, the sixth a second later
    assert row.seconds >= row.floor


def test_the_floor_is_set_by_the_busiest_path() -> None:
    settings = RateLimitSettings(limits={"cleo": Limit(requests=5, per_seconds=1.0)}, path=Path("unused.sqlite"))
    assert floor_seconds(Counter({"/api/folders/a/files": 100, "/api/files/b": 2}), settings) == 19.0
    assert floor_seconds(Counter({"/api/folders/a/files": 5}), settings) == 0.0


def test_the_busiest_path_the_flow_must_use_is_the_997_uploads_to_the_partner() -> None:
    required = required_requests(3, 100)
    assert required.most_common(1) == [("POST /api/folders/{steelco outbound}/files", 100)]


def test_a_failed_measurement_is_a_failing_row_that_says_why() -> None:
    row = Row("broken", 10, status="error", note="RuntimeError: no simulators")
    assert not row.passed
    assert "| broken | 10 | - | - | - | - |" in table([row])
    assert "FAIL | error: RuntimeError: no simulators |" in table([row])


def test_check_fails_when_a_target_is_missed(monkeypatch: pytest.MonkeyPatch) -> None:
    slow = Row("slow", 100, seconds=10.0)  # 10 documents per second, under the target of 100
    monkeypatch.setattr(pipeline_bench, "run", lambda documents, limited_documents, runs: [slow])
    assert pipeline_bench.main(["--check"]) == 1
    assert pipeline_bench.main([]) == 0


def test_the_best_of_several_runs_is_the_fastest() -> None:
    runs = iter([Row("r", 10, seconds=3.0), Row("r", 10, seconds=1.0), Row("r", 10, seconds=2.0)])
    best = pipeline_bench.best_of(3, lambda: next(runs))
    assert (best.seconds, best.note) == (1.0, "best of 3 runs")


def test_a_997_step_that_cannot_start_says_why(tmp_path: Path) -> None:
    urls = {"cleo": "http://127.0.0.1:9", "qad": "http://127.0.0.1:9"}
    missing = tmp_path / "no such folder" / "ledger.sqlite"
    with pytest.raises(RuntimeError, match=r"the 997 step failed: LedgerError: cannot write to the ledger beside .*no "
                                           r"such folder.*No such file or directory"):
        AckStep(urls, f"sqlite:///{missing}", None)
