"""The Dagster UI in headless Chromium, over a DAGSTER_HOME the demo filled.

One module-wide setup, because each piece takes seconds: the `make demo` driver runs every flow of the five
customers against the simulators (with one cross-reference row taken out, so an invoice is held and the UI has a
hold to show), the scorecards are materialized from the ledger it left, a `dagster-webserver` serves that
DAGSTER_HOME on a free 127.0.0.1 port, and one Chromium session (Debian's `chromium` and `chromium-driver`,
which `make browser-deps` installs) drives it. Everything started here is stopped here.

`pytest tests/browser --screenshots` also writes the analyst's guide screenshots into `docs/screenshots/`.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml
from selenium.webdriver.remote.webdriver import WebDriver

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CUSTOMERS = ("acme", "bluefin", "cedar", "delta", "evergreen")
#: The customer whose invoice is held: its partner toolmart's GL account is left out of the cross-reference.
HELD_CUSTOMER = "cedar"
HELD_PARTNER = "toolmart"
#: Set by the demo; recorded so each is put back as it was when the module is done.
DEMO_ENV = ("DAGSTER_HOME", "EDI_CLEO_URL", "EDI_QAD_URL", "EDI_ACUMATICA_URL", "EDI_IFS_URL", "EDI_LEDGER_URL",
            "EDI_VAULT_KEY", "EDI_CUSTOMERS_FILE", "EDI_MAPPINGS_DIR")
WINDOW = (1600, 1000)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--screenshots", action="store_true", default=False,
                     help="write the analyst's guide screenshots into docs/screenshots/ (browser tests)")


@dataclass(frozen=True)
class DemoHome:
    """A DAGSTER_HOME after the demo: runs, materializations, the ledger and the vault; the mappings it used."""

    home: Path
    mappings: Path


@dataclass(frozen=True)
class DagsterUI:
    url: str
    location: str = "edi_assets.definitions"  # the code location's name: the workspace's python_module


def free_port_run(count: int) -> int:
    """The first of ``count`` consecutive free 127.0.0.1 ports (the simulators take one each)."""
    for base in range(20000, 60000, 97):
        sockets: list[socket.socket] = []
        try:
            for offset in range(count):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", base + offset))
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no run of free ports")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def chromium() -> tuple[str, str]:
    """The browser and its driver, or a skip saying how to get them (a failure in CI, where they must be)."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        message = (f"headless Chromium is not installed ({', '.join(missing)} missing): `make browser-deps` "
                   "installs Debian's chromium and chromium-driver, which needs root or sudo and the network")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM, CHROMEDRIVER


def _mappings_without_gl_account(target: Path) -> Path:
    """The demo's cross-reference tables, but with no GL account for toolmart: cedar cannot bill its invoice."""
    shutil.copytree(ROOT / "mappings", target)
    gl = target / HELD_CUSTOMER / "gl_accounts.csv"
    lines = gl.read_text().splitlines(keepends=True)
    gl.write_text("".join(line for line in lines if not line.startswith(f"{HELD_PARTNER},")))
    return target


def _assert_every_flow_ran() -> None:
    """The demo's exit code is 1 for the hold we made; anything else wrong is a broken setup, said here."""
    from edi_assets.ledger import Ledger

    ledger = Ledger()
    try:
        for customer in CUSTOMERS:
            documents = ledger.documents(customer)
            assert any(d.direction == "in" and d.state == "posted" for d in documents), \
                f"the demo posted nothing for {customer}"
            unfinished = [(d.doc_type, d.number, d.state, d.reason) for d in documents
                          if d.state in ("failed", "posting", "uploading", "pending", "queued", "held")]
            expected = [("810", "held")] if customer == HELD_CUSTOMER else []
            assert [(t, state) for t, _, state, _ in unfinished] == expected, f"{customer}: {unfinished}"
    finally:
        ledger.close()


def _materialize_scorecards() -> None:
    """The scorecards only read the ledger: materialized once the flows are done, for every customer."""
    from dagster import DagsterInstance, materialize

    from edi_assets.defs.resources import EdiResource
    from edi_assets.defs.scorecards import partner_scorecards
    from edi_assets.demo_pipeline import QUIET

    instance = DagsterInstance.get()
    for customer in CUSTOMERS:
        result = materialize([partner_scorecards], partition_key=customer, instance=instance,
                             resources={"edi": EdiResource()}, raise_on_error=False, run_config=QUIET)
        assert result.success, f"partner_scorecards for {customer} failed"


@pytest.fixture(scope="module")
def demo_home(chromium: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoHome]:
    """The demo run once (every flow, five customers, ~40 s), then the scorecards; the environment restored after."""
    from edi_assets.demo_pipeline import SYSTEMS, run_demo

    root = tmp_path_factory.mktemp("ui")
    mappings = _mappings_without_gl_account(root / "mappings")
    with pytest.MonkeyPatch.context() as env:
        for name in DEMO_ENV:
            env.setenv(name, "")  # recorded; the demo sets its own
        env.setenv("EDI_MAPPINGS_DIR", str(mappings))
        env.chdir(ROOT)
        homes = root / "homes"
        run_demo(ROOT, base_port=free_port_run(len(SYSTEMS)), home_root=homes)  # 1: the hold is on purpose
        (home,) = homes.iterdir()
        _assert_every_flow_ran()
        _materialize_scorecards()
        yield DemoHome(home=home, mappings=mappings)


@pytest.fixture(scope="module")
def dagster_ui(demo_home: DemoHome, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DagsterUI]:
    """`dagster-webserver` over the demo's DAGSTER_HOME on a free port (no daemon: nothing runs by itself)."""
    instance_config = demo_home.home / "dagster.yaml"
    settings = yaml.safe_load(instance_config.read_text()) or {}
    settings["nux"] = {"enabled": False}  # no "join the community" dialog over the pages
    instance_config.write_text(yaml.safe_dump(settings))
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(demo_home.home), "EDI_MAPPINGS_DIR": str(demo_home.mappings)}
    log_path = tmp_path_factory.mktemp("webserver") / "webserver.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port),
             "-w", str(ROOT / "workspace.yaml")],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            ui = DagsterUI(url=f"http://127.0.0.1:{port}")
            _wait_until_loaded(ui, server, log_path)
            yield ui
        finally:
            os.killpg(server.pid, signal.SIGTERM)  # its own session: the webserver and its code server
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(10)


LOCATION_STATUS = """{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus
  locationOrLoadError { __typename ... on PythonError { message } } } } } }"""


def _wait_until_loaded(ui: DagsterUI, server: subprocess.Popen[bytes], log_path: Path, seconds: float = 90) -> None:
    """Until the webserver answers and the code location has loaded (an error in it fails here, with its text)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"dagster-webserver exited ({server.returncode}):\n{log_path.read_text()[-3000:]}")
        try:
            answer = httpx.post(f"{ui.url}/graphql", json={"query": LOCATION_STATUS}, timeout=5).json()
            entries = answer["data"]["workspaceOrError"]["locationEntries"]
        except (httpx.HTTPError, KeyError, TypeError, ValueError):
            time.sleep(0.5)
            continue
        if entries and all(entry["loadStatus"] == "LOADED" for entry in entries):
            for entry in entries:
                loaded = entry["locationOrLoadError"] or {}
                if loaded.get("__typename") == "PythonError":
                    raise RuntimeError(f"code location {entry['name']} failed to load: {loaded['message']}")
            return
        time.sleep(0.5)
    raise RuntimeError(f"dagster-webserver did not load the code location in {seconds} s:\n"
                       f"{log_path.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def browser(chromium: tuple[str, str]) -> Iterator[WebDriver]:
    """One headless Chromium session for the module."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = chromium
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--hide-scrollbars", f"--window-size={WINDOW[0]},{WINDOW[1]}", "--force-device-scale-factor=1"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.set_page_load_timeout(60)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {  # the viewport, not the window, is the shot
        "width": WINDOW[0], "height": WINDOW[1], "deviceScaleFactor": 1, "mobile": False})
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def screenshots(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go: docs/screenshots/ with --screenshots, else a temporary folder."""
    if request.config.getoption("--screenshots"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")
