"""`make demo` end to end: every flow of the five customers, through Dagster, against the simulators."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from edi_assets.demo_pipeline import SYSTEMS, run_demo

ROOT = Path(__file__).resolve().parents[2]


def free_port_run(count: int) -> int:
    """The first of ``count`` consecutive free 127.0.0.1 ports."""
    for base in range(20000, 60000, 97):
        sockets = []
        try:
            for offset in range(count):
                s = socket.socket()
                s.bind(("127.0.0.1", base + offset))
                sockets.append(s)
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no run of free ports")


@pytest.mark.slow
def test_the_demo_runs_every_flow_and_finds_every_posting_in_its_erp(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("EDI_CLEO_URL", "EDI_QAD_URL", "EDI_ACUMATICA_URL", "EDI_IFS_URL", "EDI_LEDGER_URL",
                 "EDI_VAULT_KEY", "EDI_CUSTOMERS_FILE", "EDI_MAPPINGS_DIR"):
        monkeypatch.setenv(name, "")  # recorded, so whatever the demo sets is undone after the test
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))  # run_demo sets its own under .demo/; restored after
    code = run_demo(ROOT, base_port=free_port_run(len(SYSTEMS)), home_root=tmp_path)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "all flows completed" in out
    for customer in ("acme", "bluefin", "cedar", "delta", "evergreen"):
        assert customer in out
