"""Debian's headless Chromium driven by Selenium (chromium + chromium-driver from apt, selenium
from PyPI; Selenium Manager never downloads anything: the driver path is given). The network is
switched off before a page loads, so a page that needs it fails visibly."""
from __future__ import annotations

import contextlib
import os
import pathlib
import shutil
import tempfile

CHROMIUM = os.environ.get("KI_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("KI_CHROMEDRIVER", "/usr/bin/chromedriver")


def available() -> str | None:
    """None when a browser test can run, else why not."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install '.[test]')"
    for p in (CHROMIUM, CHROMEDRIVER):
        if not os.access(p, os.X_OK):
            return f"{p} missing (apt install chromium chromium-driver)"
    return None


@contextlib.contextmanager
def offline_chromium(width: int = 1400, height: int = 1000):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    profile = tempfile.mkdtemp(prefix="ki-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              f"--window-size={width},{height}", f"--user-data-dir={profile}", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--hide-scrollbars", "--force-device-scale-factor=1"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                               {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0})
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def load(driver, path: str | os.PathLike, ready_js: str = "return document.body.dataset.ready === '1'",
         timeout: float = 30.0) -> list[dict]:
    """Open a local file and wait until ready_js is true; returns the console messages."""
    from selenium.webdriver.support.ui import WebDriverWait
    driver.get(pathlib.Path(path).resolve().as_uri())
    try:
        WebDriverWait(driver, timeout).until(lambda d: d.execute_script(ready_js))
    finally:
        logs = driver.get_log("browser")
    return logs
