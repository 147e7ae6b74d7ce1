"""Shared fixtures: a headless Chromium per test, the server's URL, and screenshots."""
import os
import shutil
import uuid

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

BASE = os.environ["LATCHKEY_URL"]
SHOTS = os.environ["LATCHKEY_SCREENSHOTS"]


def make_browser(width=1440, height=900):
    """A headless Chromium whose viewport is WIDTH x HEIGHT CSS pixels. Headless windows are at
    least 500 px wide, so narrower screens are emulated as a phone's."""
    options = Options()
    options.binary_location = shutil.which("chromium")
    # Every host but the server's loopback address resolves to nothing: an app's redirect URL
    # (https://app.contoso.com/…) is reached without any lookup leaving the machine; localhost
    # is the loopback address of apps under development.
    arguments = (
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={max(width, 500)},{height}",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
    )
    for argument in arguments:
        options.add_argument(argument)
    browser = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    browser.viewport = (width, height)
    set_viewport(browser, width, height)
    browser.implicitly_wait(2)
    return browser


def set_viewport(driver, width, height):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600,
    })


@pytest.fixture
def browser():
    driver = make_browser()
    yield driver
    driver.quit()


@pytest.fixture
def narrow_browser():
    driver = make_browser(360, 800)
    yield driver
    driver.quit()


def shot(driver, name):
    """Saves a full-height screenshot of the current page as NAME.png."""
    width, height = driver.viewport
    full = driver.execute_script("return Math.max(document.documentElement.scrollHeight, window.innerHeight)")
    set_viewport(driver, width, min(max(full, height), 4000))
    driver.save_screenshot(os.path.join(SHOTS, f"{name}.png"))
    set_viewport(driver, width, height)


def new_email():
    return f"seller-{uuid.uuid4().hex[:8]}@contoso.example"
