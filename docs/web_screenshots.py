"""The README's pictures of ``symbackprop serve``: the check page with a right and a
wrong line, and the lesson page, taken by Debian's Chromium through Playwright.

    python docs/web_screenshots.py      # writes docs/web-check.png and docs/web-lesson.png
"""

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
DERIVATION = r"""$$\frac{dL}{dy_{pred}} = -\frac{2}{N}\left(y_{true} - y_{pred}\right)$$

$$\frac{dL}{dw_1^{[2]}} = \frac{dL}{dy_{pred}} \frac{dy_{pred}}{dw_1^{[2]}} = -\frac{2 h_1}{N}\left(y_{true} - y_{pred}\right)$$

$$\frac{dL}{dw_1^{[1]}} = -\frac{2 x_1}{N}\left(y_{true} - y_{pred}\right)$$
"""


def main() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "symbackprop", "serve", "--port", str(port)],
                              cwd=ROOT)
    try:
        for _ in range(600):
            try:
                httpx.get(url + "/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1000, "height": 1100})
            page.goto(url + "/")
            page.fill("#text", DERIVATION)
            page.click("#check")
            page.wait_for_selector("#results li")
            page.locator("#report").scroll_into_view_if_needed()
            page.screenshot(path=str(ROOT / "docs" / "web-check.png"), full_page=True)
            page.goto(url + "/lesson?spec=easynet")
            page.wait_for_selector("#lesson .katex")
            page.screenshot(path=str(ROOT / "docs" / "web-lesson.png"))
            browser.close()
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
