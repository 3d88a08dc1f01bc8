"""The documentation page renders in a real headless browser with no request leaving the machine.

The real server (``conezia serve``, granian) serves the page; Debian's chromium,
driven by selenium through Debian's chromedriver, loads it with every host name
but 127.0.0.1 made unresolvable, and its network log is read back.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.live_server import serving

__all__: list[str] = []

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# how long to wait for the server to start and the page to render: a wait, never an assertion
PATIENCE_SECONDS = 60
NETWORK_SCHEMES = ("http:", "https:", "ws:", "wss:", "ftp:")


@pytest.fixture
def server(migrated_database_url: str, tmp_path: Path) -> Iterator[str]:
    """The base URL of ``conezia serve`` on a free port of 127.0.0.1, stopped afterwards."""
    with serving(migrated_database_url, tmp_path) as base:
        yield base


def _browser(user_data: Path) -> Any:
    for program in (CHROMIUM, CHROMEDRIVER):
        if shutil.which(program) is None:
            pytest.fail(f"{program} not found: run `make install` (it installs Debian's chromium and chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-default-apps", "--disable-extensions", f"--user-data-dir={user_data}",
        # any host name but the server's address fails to resolve: nothing can be fetched from elsewhere
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))


def _requested_urls(driver: Any) -> list[str]:
    """Every URL the browser asked for, from its DevTools network log."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


@pytest.mark.parametrize("path", ["/docs", "/schema/swagger"])
def test_the_docs_page_renders_every_operation_in_a_browser_without_leaving_the_machine(
    server: str, tmp_path: Path, path: str
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    driver = _browser(tmp_path / "chromium")
    try:
        driver.get(server + path)
        WebDriverWait(driver, PATIENCE_SECONDS).until(
            expected_conditions.presence_of_element_located((By.ID, "operations-entities-createEntity"))
        )
        operations = driver.find_elements(By.CSS_SELECTOR, ".opblock")
        page_text = driver.find_element(By.TAG_NAME, "body").text
        resources = driver.execute_script(
            "return performance.getEntriesByType('resource').map(function (e) { return e.name; })"
        )
        requested = _requested_urls(driver)
        console = driver.get_log("browser")
    finally:
        driver.quit()

    assert len(operations) >= 30
    assert "/api/v1/entities" in page_text
    # the page's own files, the document, and nothing else
    assert f"{server}/docs/assets/swagger-ui-bundle.js" in requested
    assert f"{server}/schema/openapi.json" in requested
    # (the browser's own chrome:// pages, such as the blank tab it starts on, are not network requests)
    network = [url for url in [*requested, *resources] if url.startswith(NETWORK_SCHEMES)]
    assert [url for url in network if not url.startswith(server + "/")] == []
    # a Content-Security-Policy violation or a failed load would be logged here
    assert [entry for entry in console if entry["level"] == "SEVERE"] == []


def test_the_real_server_answers_head_like_get_without_a_body(server: str) -> None:
    with httpx.Client(base_url=server) as client:
        for path in ("/health", "/api/v1/health", "/docs", "/docs/assets/swagger-ui-bundle.js", "/schema/openapi.json"):
            got = client.get(path)
            head = client.head(path)
            assert (head.status_code, got.status_code) == (200, 200), path
            assert head.content == b""
            assert head.headers["content-length"] == str(len(got.content)), path
            assert head.headers["content-type"] == got.headers["content-type"], path
