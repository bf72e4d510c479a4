"""`python -m simulators up`: every simulator on its own 127.0.0.1 port, a table of URLs and logins, clean stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

import httpx

from simulators.registry import SYSTEMS
from simulators.runner import start_fleet, table


def test_fleet_serves_every_system_on_its_own_loopback_port(demo_scenario: dict[str, Any]) -> None:
    fleet = start_fleet(demo_scenario)
    try:
        assert set(fleet.servers) == set(SYSTEMS)
        ports = {s.port for s in fleet.servers.values()}
        assert len(ports) == len(SYSTEMS)
        for server in fleet.servers.values():
            assert server.url.startswith("http://127.0.0.1:")
            assert httpx.get(server.url + "/_sim/state", timeout=5).status_code == 200
    finally:
        fleet.stop()
    assert all(not s.thread.is_alive() for s in fleet.servers.values())


def test_table_lists_url_and_demo_login_of_every_system(demo_scenario: dict[str, Any]) -> None:
    fleet = start_fleet(demo_scenario, ["cleo", "qad"])
    try:
        text = table(fleet, demo_scenario)
    finally:
        fleet.stop()
    assert fleet.servers["cleo"].url in text
    assert fleet.servers["qad"].url in text
    assert "acme-edi" in text


def test_up_prints_the_table_and_stops_cleanly_on_interrupt() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulators", "up", "--only", "qad", "ifs"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "Ctrl-C" in line:
                break
        assert any("http://127.0.0.1:" in line for line in lines)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert "simulators stopped" in out


def test_unknown_scenario_is_one_clear_line_and_exit_2() -> None:
    proc = subprocess.run([sys.executable, "-m", "simulators", "up", "--scenario", "nope"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: scenario nope not found")
