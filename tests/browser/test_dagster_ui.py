"""What an analyst sees in the Dagster UI after every flow of the five demo customers has run.

Each test opens one page in headless Chromium, checks it shows what the analyst's guide says it shows, and saves
the screenshot the guide uses (`pytest tests/browser --screenshots` writes them into docs/screenshots/).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from edi_assets.defs.assets import INBOUND
from tests.browser.conftest import CUSTOMERS, HELD_CUSTOMER, HELD_PARTNER, DagsterUI, DemoHome

pytestmark = pytest.mark.browser

FLOW_ASSETS = ("inbound_files", "inbound_interchanges", "partner_acknowledgments", "erp_postings",
               "erp_outbound_documents", "cleo_uploads", "partner_scorecards")
GROUPS = ("inbound", "outbound", "scorecards")
REPLAY_CONFIG = """ops:
  replay_records:
    config:
      customer: {customer}
      ids: [{document}]
      requested_by: dana
"""


def body_text(driver: WebDriver) -> str:
    try:
        return str(driver.find_element(By.TAG_NAME, "body").text)
    except WebDriverException:
        return ""


def wait_for_text(driver: WebDriver, *texts: str, seconds: float = 45) -> str:
    """The page's text once every one of ``texts`` shows (the UI fills itself in after the page has loaded)."""
    with contextlib.suppress(TimeoutException):  # the assertion below says what is missing
        WebDriverWait(driver, seconds, poll_frequency=0.3).until(
            lambda d: all(text in body_text(d) for text in texts))
    shown = body_text(driver)
    missing = [text for text in texts if text not in shown]
    assert not missing, f"{driver.current_url} does not show {missing}; it shows:\n{shown[:2000]}"
    return shown


def click_text(driver: WebDriver, text: str, seconds: float = 20) -> None:
    """Click the element whose own text is ``text`` (a button's label, a section's header)."""
    xpath = f'//*[normalize-space(text())="{text}"]'
    WebDriverWait(driver, seconds).until(lambda d: d.find_elements(By.XPATH, xpath))
    driver.find_element(By.XPATH, xpath).click()


def settle(seconds: float = 1.0) -> None:
    """Let the UI finish drawing (graph layout, fonts) before a screenshot."""
    time.sleep(seconds)


@pytest.fixture(scope="module")
def shoot(browser: WebDriver, screenshots: Path) -> Callable[[str], Path]:
    def save(name: str) -> Path:
        path = screenshots / f"{name}.png"
        assert browser.save_screenshot(str(path)), f"no screenshot {path}"
        assert path.stat().st_size > 10_000, f"{path} is nearly empty"
        return path

    return save


def open_global_graph(browser: WebDriver, dagster_ui: DagsterUI) -> str:
    expanded = ",".join(f"global@global:{group}" for group in GROUPS)  # every group opened, as Alt+E does
    browser.get(f"{dagster_ui.url}/asset-groups?expanded={quote(expanded)}")
    return wait_for_text(browser, "Global asset lineage", *FLOW_ASSETS)


def test_the_asset_graph_shows_every_asset_of_the_flows(browser: WebDriver, dagster_ui: DagsterUI,
                                                        shoot: Callable[[str], Path]) -> None:
    open_global_graph(browser, dagster_ui)
    settle(2)
    shoot("asset-graph")


def test_every_asset_in_the_graph_has_the_five_customer_partitions(browser: WebDriver,
                                                                   dagster_ui: DagsterUI) -> None:
    shown = open_global_graph(browser, dagster_ui)
    assert shown.count(f"{len(CUSTOMERS)} partitions") == len(FLOW_ASSETS), shown[:3000]


def test_an_assets_partitions_are_the_customers(browser: WebDriver, dagster_ui: DagsterUI) -> None:
    browser.get(f"{dagster_ui.url}/assets/inbound_files?view=partitions")
    wait_for_text(browser, f"Materialized ({len(CUSTOMERS)})", *CUSTOMERS)


def test_a_customers_partition_shows_its_documents_by_type_partner_and_state(
        browser: WebDriver, dagster_ui: DagsterUI, shoot: Callable[[str], Path]) -> None:
    browser.get(f"{dagster_ui.url}/assets/erp_postings?view=partitions&partition=acme")
    wait_for_text(browser, "Latest materialization", "ledger_documents", "steelco", "posted", "acknowledged")
    settle()
    shoot("customer-flow")


def test_a_held_invoice_shows_in_the_run_that_held_it_with_its_reason(
        browser: WebDriver, dagster_ui: DagsterUI, demo_home: DemoHome, shoot: Callable[[str], Path]) -> None:
    held_at = held_materialization_ms(demo_home)
    browser.get(f"{dagster_ui.url}/assets/erp_postings?view=events&partition={HELD_CUSTOMER}&time={held_at}")
    wait_for_text(browser, f"Partition {HELD_CUSTOMER} materialized", "held", HELD_PARTNER,
                  f"GL account and class for partner {HELD_PARTNER} (gl_accounts.csv)")
    settle()
    shoot("held-documents")


def test_the_scorecard_shows_each_partners_on_time_rate(browser: WebDriver, dagster_ui: DagsterUI,
                                                        shoot: Callable[[str], Path]) -> None:
    browser.get(f"{dagster_ui.url}/assets/partner_scorecards?view=partitions&partition=acme")
    wait_for_text(browser, "partners_last_4_weeks", "scorecard_by_week", "on_time_rate", "steelco", "packright")
    settle()
    shoot("scorecard")


def test_the_scorecard_plot_renders_in_the_ui(browser: WebDriver, dagster_ui: DagsterUI,
                                              shoot: Callable[[str], Path]) -> None:
    browser.get(f"{dagster_ui.url}/assets/partner_scorecards?view=partitions&partition=acme")
    wait_for_text(browser, "on_time_rate_plot")
    click_text(browser, "[Show Markdown]")
    selector = 'img[alt^="on-time rate"]'
    WebDriverWait(browser, 20).until(lambda d: d.execute_script(
        "const i = document.querySelector(arguments[0]); return !!i && i.complete && i.naturalWidth > 0", selector))
    width = browser.execute_script("return document.querySelector(arguments[0]).naturalWidth", selector)
    assert width >= 400, f"the plot is {width} px wide"
    settle()
    shoot("scorecard-plot")


def test_a_backfill_of_every_customer_can_be_launched_from_the_graph(
        browser: WebDriver, dagster_ui: DagsterUI, shoot: Callable[[str], Path]) -> None:
    browser.get(f"{dagster_ui.url}/locations/{dagster_ui.location}/asset-groups/inbound")
    wait_for_text(browser, "inbound_files", "Materialize all")
    browser.find_element(By.XPATH, '//button[contains(., "Materialize all")]').click()
    wait_for_text(browser, f"Launch runs to materialize {len(INBOUND)} assets", "Partition selection",
                  "Launch backfill")
    if browser.find_elements(By.XPATH, '//*[normalize-space(text())="Warnings"]'):
        click_text(browser, "Warnings")  # folded: only that this test's webserver runs without a daemon
    click_text(browser, "All")
    wait_for_text(browser, f"{len(CUSTOMERS)} partitions selected")
    settle()
    shoot("backfill")
    click_text(browser, "Cancel")  # nothing is launched


def test_the_replay_job_takes_a_customer_and_the_held_document_ids(
        browser: WebDriver, dagster_ui: DagsterUI, demo_home: DemoHome, shoot: Callable[[str], Path]) -> None:
    browser.get(f"{dagster_ui.url}/locations/{dagster_ui.location}/jobs/replay_job/playground")
    wait_for_text(browser, "replay_job", "Launch Run")
    WebDriverWait(browser, 20).until(lambda d: d.execute_script(
        "const e = document.querySelector('.CodeMirror'); return !!(e && e.CodeMirror)"))
    config = REPLAY_CONFIG.format(customer=HELD_CUSTOMER, document=held_document_id(demo_home))
    browser.execute_script("document.querySelector('.CodeMirror').CodeMirror.setValue(arguments[0])", config)
    wait_for_text(browser, "No errors", "No missing config")
    settle()
    shoot("replay")


def held_materialization_ms(demo_home: DemoHome) -> int:
    """When the cedar run that held toolmart's invoice materialized erp_postings (the UI selects events by ms)."""
    from dagster import AssetKey, DagsterInstance

    with DagsterInstance.from_config(str(demo_home.home)) as instance:
        records = instance.fetch_materializations(AssetKey("erp_postings"), limit=500).records
    for record in records:
        materialization = record.asset_materialization
        assert materialization is not None
        held = materialization.metadata.get("held")
        if materialization.partition == HELD_CUSTOMER and HELD_PARTNER in str(getattr(held, "value", "")):
            return int(record.timestamp * 1000)
    raise AssertionError(f"no erp_postings materialization of {HELD_CUSTOMER} lists a held document")


def held_document_id(demo_home: DemoHome) -> int:
    """The ledger id of the held invoice, as `edi holds cedar` shows it."""
    from edi_assets.ledger import Ledger

    with pytest.MonkeyPatch.context() as env:
        env.setenv("DAGSTER_HOME", str(demo_home.home))
        env.delenv("EDI_LEDGER_URL", raising=False)
        ledger = Ledger()
        try:
            (hold,) = ledger.holds(HELD_CUSTOMER)
        finally:
            ledger.close()
    assert hold.subject == "document"
    return int(hold.subject_id)
