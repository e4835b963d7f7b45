"""Helpers for end-to-end tests in real Debian Chromium: a Streamlit server per test module, Playwright,
waiting for a script run to finish, screenshots saved as artefacts (tests/artifacts/, git-ignored)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(db: Path, extra_env: dict | None = None):
    """`streamlit run app.py` on a free port over `db`; yields the base URL once /_stcore/health answers."""
    port = free_port()
    env = dict(os.environ, SHNOR_DB=str(db), **(extra_env or {}))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / f"server-{port}.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
                             f"--server.port={port}", "--server.address=127.0.0.1",
                             "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.3)
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited: {(ARTIFACTS / f'server-{port}.log').read_text()[-2000:]}")
        else:
            raise RuntimeError("streamlit did not become healthy in 90 s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def launch_browser(playwright):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is missing: `make test` installs it (apt-get install -y chromium)")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until the app's script run has finished (Streamlit's own e2e approach)."""
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)
    page.wait_for_timeout(300)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)


def settle(page, pause_ms: int) -> None:
    """wait_idle, a pause of `pause_ms` for a rerun the page starts by itself (after an upload, a save or a
    first load with charts), and wait_idle again."""
    wait_idle(page)
    page.wait_for_timeout(pause_ms)
    wait_idle(page)


def shot(page, name: str) -> Path:
    """The whole page: Streamlit scrolls inside its main container, so the viewport is stretched to it."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    p = ARTIFACTS / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate("() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
                           " return m ? m.scrollHeight : document.body.scrollHeight; }")
    if size and height and height > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 8000)})
        page.wait_for_timeout(400)
    page.screenshot(path=str(p), full_page=True)
    if size:
        page.set_viewport_size(size)
    return p


def login(page, url: str, user: str, password: str) -> None:
    page.goto(url)
    wait_idle(page)
    page.get_by_label("Логин").fill(user)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    wait_idle(page)
