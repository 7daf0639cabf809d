"""The dashboard in a real headless browser (Debian's chromium and chromium-driver, driven by selenium).

Against `apio-sim serve` on 127.0.0.1 with an admin token: a request sent here appears in the journal, a
fault rule is added and removed through the form, the clock moves, and the explorer draws its charts for the
documented call center. Screenshots go to test-artifacts/dashboard/ (see docs/dashboard.md). Without
chromium the test is skipped, except in CI (CI=true), where that is a failure.
"""

import json
import os
import shutil
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_cli import start, stop

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "dashboard"
TOKEN = "s3cret"
CC = "footenant/foogroup/APIOTestCallCenterP@sip.netaxis.be"
START, END = "2021-03-01T00:00:00+01:00", "2021-03-06T00:00:00+01:00"
WAIT_SECONDS = 20


def _browser_paths() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs a headless browser: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    process, url = start("--admin-token", TOKEN, log=False)
    try:
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    paths = _browser_paths()
    if paths is None:
        _missing("chromium and chromedriver are not installed (apt-get install chromium chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium is not installed (pip install -e '.[test]')")
    browser_path, driver_path = paths
    profile = tempfile.mkdtemp(prefix="apio-sim-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = browser_path
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1280,1000",
    ):
        options.add_argument(argument)
    # The system's chromedriver, named: selenium then never looks for (or downloads) one of its own.
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def control(url: str, method: str, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {TOKEN}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def login(url: str) -> int:
    body = json.dumps({"username": "apio-admin", "password": "apio-admin"}).encode()
    with urllib.request.urlopen(urllib.request.Request(url + "/api/v1/login/", data=body, method="POST")) as answer:
        return answer.status


def screenshot(driver, name: str, width: int) -> Path:
    """The whole page at `width` pixels."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, max(800, height + 100))
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, max(800, height + 100))
    path = ARTIFACTS / f"{name}-{width}.png"
    driver.save_screenshot(str(path))
    return path


def test_the_dashboard_drives_the_simulator(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.select import Select
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser
    wait = WebDriverWait(driver, WAIT_SECONDS)
    control(server, "DELETE", "/__sim/requests")
    driver.get(server + "/__sim/ui/")
    # Without the token the page says what it needs; with it, everything loads.
    wait.until(ec.text_to_be_present_in_element((By.ID, "status"), "admin token"))
    driver.find_element(By.ID, "token").send_keys(TOKEN)
    driver.find_element(By.CSS_SELECTOR, "#access button[type=submit]").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "status"), "Up to date."))

    # Requests: one sent now shows up, live, and its bodies open on a click.
    assert login(server) == 200
    [entry] = control(server, "GET", "/__sim/requests?endpoint=login")["requests"]
    row = f"#journal tr[data-id='{entry['id']}']"
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, row)))
    driver.find_element(By.CSS_SELECTOR, row + " button").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "response-body"), "user_level"))
    assert json.loads(driver.find_element(By.ID, "response-body").text) == entry["responseBody"]
    assert json.loads(driver.find_element(By.ID, "request-body").text) == {
        "username": "apio-admin",
        "password": "apio-admin",
    }

    # Faults: the form is built from the schema; the API sees the rule, then sees it gone.
    wait.until(ec.presence_of_element_located((By.ID, "fault-action")))
    Select(driver.find_element(By.ID, "fault-match-endpoint")).select_by_value("statistics")
    driver.find_element(By.ID, "fault-action").send_keys("http-503")
    driver.find_element(By.ID, "fault-times").send_keys("2")
    driver.find_element(By.CSS_SELECTOR, "#fault-form button[type=submit]").click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#fault-list tr[data-id='f1']")))
    assert control(server, "GET", "/__sim/faults")["faults"] == [
        {"id": "f1", "match": {"endpoint": "statistics"}, "action": "http-503", "times": 2, "matched": 0, "hits": 0}
    ]
    # A bad action is refused by the API and the page shows why, adding nothing.
    driver.find_element(By.ID, "fault-action").send_keys("http-999")
    driver.execute_script("document.getElementById('fault-action').removeAttribute('pattern')")
    driver.find_element(By.CSS_SELECTOR, "#fault-form button[type=submit]").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "fault-error"), "action"))
    assert len(control(server, "GET", "/__sim/faults")["faults"]) == 1
    driver.find_element(By.ID, "fault-action").clear()
    for width in (1280, 800):
        screenshot(driver, "requests-and-faults", width)
    driver.set_window_size(1280, 1000)
    driver.find_element(By.CSS_SELECTOR, "#fault-list tr[data-id='f1'] button").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "fault-list"), "No fault rules."))
    assert control(server, "GET", "/__sim/faults")["faults"] == []

    # Clock: freeze, advance, back to real time.
    driver.find_element(By.ID, "freeze-at").send_keys("2021-06-01T12:00:00+02:00")
    driver.find_element(By.CSS_SELECTOR, "#clock-freeze button[type=submit]").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "clock-now"), "2021-06-01T10:00:00Z"))
    driver.find_element(By.CSS_SELECTOR, "#clock-advance button[type=submit]").click()  # PT15M
    wait.until(ec.text_to_be_present_in_element((By.ID, "clock-now"), "2021-06-01T10:15:00Z"))
    assert control(server, "GET", "/__sim/clock") == {"now": "2021-06-01T10:15:00Z", "frozen": True}
    assert driver.find_element(By.ID, "clock-mode").text == "frozen"

    # Explorer: the documented call center, the first week of March 2021, three charts.
    Select(driver.find_element(By.ID, "cc")).select_by_value(CC)
    for field, value in (("range-start", START), ("range-end", END)):
        driver.find_element(By.ID, field).clear()
        driver.find_element(By.ID, field).send_keys(value)
    driver.find_element(By.CSS_SELECTOR, "#explorer-form button[type=submit]").click()
    wait.until(ec.visibility_of_element_located((By.ID, "explorer-result")))
    for chart in ("chart-calls", "chart-agents", "chart-waits"):
        canvas = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, f"#{chart} canvas")))
        assert canvas.size["width"] > 300 and canvas.size["height"] > 100
    series = control(
        server,
        "GET",
        f"/__sim/call-centers/{CC}/series?start={START.replace('+', '%2B')}&end={END.replace('+', '%2B')}",
    )
    shown = {
        term.text: value.text
        for term, value in zip(
            driver.find_elements(By.CSS_SELECTOR, "#queue-stats dt"),
            driver.find_elements(By.CSS_SELECTOR, "#queue-stats dd"),
            strict=True,
        )
    }
    # JavaScript writes 0.0 as 0: compare the numbers.
    assert {name: float(text) for name, text in shown.items()} == series["totals"]["queueStatistics"]
    assert float(shown["callsAnswered"]) > 20
    legend = driver.find_element(By.ID, "chart-calls").text
    assert "answered" in legend and "busy overflow" in legend
    driver.execute_script("document.getElementById('explorer').scrollIntoView()")
    for width in (1280, 800):
        screenshot(driver, "explorer", width)
    driver.set_window_size(1280, 1000)

    driver.find_element(By.ID, "real-time").send_keys(Keys.ENTER)  # keyboard-usable, and never under the header
    wait.until(ec.text_to_be_present_in_element((By.ID, "clock-mode"), "running"))
    assert control(server, "GET", "/__sim/clock")["frozen"] is False
    # The page's own calls are control requests: only the login sent above is in the journal.
    assert [e["endpoint"] for e in control(server, "GET", "/__sim/requests")["requests"]] == ["login"]
    logs = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    # The only errors allowed: the 401s of the first load, before the token was given, and the bad rule's 400.
    expected = ("status of 401", "/__sim/faults - Failed to load resource: the server responded with a status of 400")
    assert all(any(text in entry["message"] for text in expected) for entry in logs), logs
