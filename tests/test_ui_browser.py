"""The Dagster UI in a real (headless) Chromium: asset graph, asset checks and sensors are
there after a materialisation. With CSENET_UPDATE_SCREENSHOT=1 it also saves
docs/ui_screenshot.png for the README (otherwise the screenshot goes to the test's tmp folder,
so `make test` leaves the checkout as it was).

Skips cleanly when playwright or Chromium is absent (.ci/run tries to install both).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CSENET_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SCREENSHOT = REPO / "docs" / "ui_screenshot.png"
STAGE_GROUPS = ("ingest", "resolve", "network", "harm", "publish")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dagster-webserver exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise TimeoutError(f"the Dagster UI did not answer at {url} within {timeout:.0f} s")


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def ui(small_run, browser) -> Iterator[str]:
    """dagster-webserver on loopback over the instance in which the small run was recorded."""
    port = _free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(small_run.dagster_home),
        "CSENET_LANDING_DIR": str(small_run.landing),
        "CSENET_WAREHOUSE_DIR": str(small_run.warehouse),
        "CSENET_CORRECTIONS_DIR": str(small_run.corrections),
    }
    webserver = shutil.which("dagster-webserver", path=str(Path(sys.executable).parent)) or "dagster-webserver"
    process = subprocess.Popen(
        [webserver, "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the code server it starts stops with it
    )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/server_info", process)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def page(browser, ui):
    context = browser.new_context(viewport={"width": 1600, "height": 900})
    # The UI's first-visit newsletter dialog on localhost: mark it as seen.
    context.add_init_script("window.localStorage.setItem('communityNux', JSON.stringify('1'))")
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def _open(page, url: str, settle: str = "networkidle") -> None:
    page.goto(url)
    page.wait_for_load_state(settle)


def test_asset_graph_shows_every_stage_materialised(page, ui, tmp_path):
    _open(page, f"{ui}/asset-groups")
    for group in STAGE_GROUPS:
        page.get_by_text(group, exact=True).first.wait_for()
    # Statuses load after the graph: wait until no group is still fetching them.
    page.wait_for_function("() => !document.body.innerText.includes('fetching statuses')", timeout=90_000)
    page.wait_for_timeout(1500)
    assert page.get_by_text("Join the Dagster community").count() == 0
    screenshot = SCREENSHOT if os.environ.get("CSENET_UPDATE_SCREENSHOT") == "1" else tmp_path / SCREENSHOT.name
    page.screenshot(path=str(screenshot))
    assert screenshot.stat().st_size > 20_000

    # publish/analyst_db depends on every asset and check (over a hundred): its page keeps asking
    # for their statuses, so the network seldom goes idle. Wait for what the test reads instead.
    _open(page, f"{ui}/assets/publish/analyst_db", settle="domcontentloaded")
    page.get_by_text("Latest materialization").first.wait_for(timeout=120_000)
    assert "Freshness policy" in page.inner_text("body")


def test_asset_checks_are_listed_with_results(page, ui):
    from csenet_dagster.definitions import defs

    graph = defs.resolve_asset_graph()
    crime_checks = sorted(k.name for k in graph.asset_check_keys if k.asset_key.path == ["raw", "crime"])
    assert crime_checks
    _open(page, f"{ui}/assets/raw/crime?view=checks")
    for name in crime_checks:
        page.get_by_text(name, exact=True).first.wait_for()
    assert "Succeeded" in page.inner_text("body")


def test_sensors_are_there_and_running(page, ui):
    _open(page, f"{ui}/automation")
    for name in ("csenet_delivery_sensor", "csenet_run_failure_audit"):
        page.get_by_text(name, exact=True).first.wait_for()
    for name, target in (("csenet_delivery_sensor", "csenet_refresh"), ("csenet_run_failure_audit", None)):
        _open(page, f"{ui}/locations/csenet_dagster.definitions/sensors/{name}")
        page.get_by_text("Frequency").first.wait_for()
        switch = page.locator("label[class*='formatSwitch'] input[type=checkbox]").first
        assert switch.is_checked(), f"{name} is not running by default"
        if target:
            assert target in page.inner_text("body")
