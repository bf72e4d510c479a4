"""Named crash points: silent unless EDI_CRASH_AT names them, then a real kill -9 at the N-th time."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from edi_assets.crashpoints import POINTS, crash_point, targets
from tests.reliability.scenarios import find_secrets
from tests.reliability.world import ROOT

CALLS_THREE_TIMES = ("from edi_assets.crashpoints import crash_point\n"
                     "for n in range(1, 4):\n"
                     "    print(n, flush=True)\n"
                     "    crash_point('after_post_before_outcome')\n"
                     "print('survived', flush=True)\n")


def run(env_value: str | None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    if env_value is not None:
        env["EDI_CRASH_AT"] = env_value
    return subprocess.run([sys.executable, "-c", CALLS_THREE_TIMES], capture_output=True, text=True, env=env,
                          timeout=60, check=False)


def test_a_crash_point_does_nothing_when_no_crash_is_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EDI_CRASH_AT", raising=False)
    for point in POINTS:
        crash_point(point)


def test_a_crash_point_not_named_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDI_CRASH_AT", "after_upload_before_outcome:5")
    crash_point("after_post_before_outcome")


def test_the_process_dies_by_sigkill_at_the_named_point_the_first_time() -> None:
    done = run("after_post_before_outcome")
    assert done.returncode == -signal.SIGKILL
    assert done.stdout.split() == ["1"]


def test_a_count_kills_at_the_nth_time_the_point_is_met() -> None:
    done = run("after_post_before_outcome:3")
    assert done.returncode == -signal.SIGKILL
    assert done.stdout.split() == ["1", "2", "3"]


def test_a_count_beyond_the_times_met_lets_the_process_finish() -> None:
    done = run("after_post_before_outcome:4")
    assert done.returncode == 0
    assert done.stdout.split() == ["1", "2", "3", "survived"]


def test_several_points_may_be_named_at_once() -> None:
    assert targets("after_download_before_ledger, in_ledger_transaction:7") == {
        "after_download_before_ledger": 1, "in_ledger_transaction": 7}


@pytest.mark.parametrize("spec", ["after_dowload_before_ledger", "in_ledger_transaction:0"])
def test_a_misspelt_point_or_a_count_below_one_is_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="EDI_CRASH_AT"):
        targets(spec)


def test_the_secrets_scan_finds_a_credential_in_any_form(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import base64

    import tests.reliability.scenarios as scenarios
    from tests.reliability.world import World

    world = World.__new__(World)  # only the DAGSTER_HOME the scan walks
    world.home = tmp_path
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "plain.log").write_text("password=hunter2-secret")
    (tmp_path / "logs" / "basic.log").write_bytes(base64.b64encode(b"s3cr3t-value"))
    (tmp_path / "logs" / "clean.log").write_text("nothing here")
    monkeypatch.setattr(scenarios, "_ledger_text", lambda _world: "")
    leaks = find_secrets(world, ["hunter2-secret", "s3cr3t-value"])
    assert sorted(leak.split(" is in ")[1] for leak in leaks) == ["logs/basic.log", "logs/plain.log"]
