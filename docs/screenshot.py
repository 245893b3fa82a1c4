"""Make docs/page.png, the screenshot of the web page in docs/server.md: the shipped model on the
bundled sample article ("Try an example"), in headless Debian Chromium (needs the dev extra and
/usr/bin/chromium). Run it whenever a shipped model changes, with docs/readme_output.py:

    python docs/readme_output.py --write && python docs/screenshot.py
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from propscan.server import create_app

ROOT = Path(__file__).resolve().parent.parent
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
]


def main() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(), log_level="warning"))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
        ctx = pw.chromium.launch_persistent_context(
            profile,
            executable_path="/usr/bin/chromium",
            headless=True,
            args=ARGS,
            viewport={"width": 1000, "height": 1500},
        )
        page = ctx.new_page()
        page.goto(f"http://127.0.0.1:{sock.getsockname()[1]}/")
        page.click("#example")
        page.wait_for_selector("#results .ps-span")
        page.evaluate("const t = document.querySelector('#text'); t.rows = 3; t.scrollTop = 0")
        page.locator(".ps-quote").first.hover()  # a quotation: its tooltip names the speaker
        page.screenshot(path=str(ROOT / "docs" / "page.png"))
        ctx.close()
    server.should_exit = True


if __name__ == "__main__":
    main()
