"""Time of each page's script run, cold (caches cleared) and cached (a rerun), and the server's peak memory.

    .venv/bin/python benchmarks/bench_pages.py [--db data/demo.duckdb] [--repeat N] [--server] [--json]

Uses Streamlit's AppTest (the real page scripts over a copy of the DuckDB file), logged in as an admin through a
session token, as the guard expects. `--server` also starts `streamlit run app.py` over the copy, opens every
page in Chromium (Playwright, as the browser tests do) and reads the server's peak RSS (VmHWM of
/proc/<pid>/status) — without Chromium it reads the server's RSS after start and says so. Prints figures; asserts
nothing. `--json` prints one JSON object instead (benchmarks/bench_national.py reads it).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "Bench-password-2026"


def pages() -> list[str]:
    """Every page script, and the school page with a ШНОР open (the drill-down link)."""
    names = sorted(p.stem for p in (ROOT / "pages").glob("*.py"))
    first = [n for n in ("overview", "identification", "school") if n in names]
    return first + ["school?school"] + [n for n in names if n not in first]


def vm_hwm_mb(pid: int | str = "self") -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def vm_rss_mb(pid: int | str = "self") -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def time_pages(db: Path, repeat: int, log) -> dict:
    os.environ["SHNOR_DB"] = str(db)
    os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")     # bare-mode warnings of every AppTest run
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from shnor.domain.permissions import SYSTEM
    from shnor.read.analysis import compute_list
    from shnor.services import accounts
    from shnor.ui.db import get_store

    store = get_store()
    if accounts.get_user(store, "bench") is None:
        accounts.add_user(store, SYSTEM, "bench", "admin", PASSWORD)
    user = accounts.get_user(store, "bench")
    lst = compute_list(store, max(store.results.years()) + 1)
    shnor = lst.rows_with_reasons(lst.statuses == "shnor")
    a_shnor_login = shnor.iloc[0]["school_code"] if len(shnor) else None
    out: dict[str, dict] = {}
    log(f"{'page':16} {'cold, s':>8} {'cached, s':>10}")
    for page in pages():
        name, _, param = page.partition("?")
        colds, warms, failed = [], [], False
        for _ in range(repeat):
            st.cache_data.clear()
            at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=600)
            if param and a_shnor_login:
                at.query_params[param] = a_shnor_login
            at.session_state["_shnor_token"] = accounts.create_session(store, user)
            t0 = time.perf_counter()
            at.run()
            colds.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            at.run()
            warms.append(time.perf_counter() - t0)
            failed |= bool(at.exception)
        cold, warm = statistics.median(colds), statistics.median(warms)
        out[page] = {"cold": cold, "cached": warm, "exception": failed}
        log(f"{page:16} {cold:8.2f} {warm:10.2f}{' (exception!)' if failed else ''}")
    return out


def server_peak(db: Path, log, limit: float = 300) -> dict:
    """Peak RSS of a `streamlit run` server over `db` while every page is opened in Chromium."""
    sys.path.insert(0, str(ROOT / "tests"))
    from browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server, wait_idle  # noqa: E402

    with streamlit_server(db) as url:
        port = url.rsplit(":", 1)[1]
        pid = None
        for proc in Path("/proc").iterdir():
            if proc.name.isdigit():
                try:
                    cmd = (proc / "cmdline").read_bytes().split(b"\0")
                except OSError:
                    continue
                if b"streamlit" in b" ".join(cmd) and f"--server.port={port}".encode() in cmd:
                    pid = int(proc.name)
        if pid is None:
            return {"peak_rss_mb": None, "how": "server process not found"}
        idle = vm_rss_mb(pid)
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            return {"peak_rss_mb": vm_hwm_mb(pid), "idle_rss_mb": idle, "how": "no Playwright: the server idle"}
        if not Path(CHROMIUM).exists():
            return {"peak_rss_mb": vm_hwm_mb(pid), "idle_rss_mb": idle, "how": "no Chromium: the server idle"}
        opened, waited_out = [], []

        def idle_within(page, seconds: float) -> bool:
            try:
                wait_idle(page, seconds * 1000)
                return True
            except Exception:            # a page still running after the limit: its memory counts all the same
                return False

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(limit * 1000)
            page.goto(url)
            idle_within(page, limit)
            page.get_by_label("Логин").fill("bench")
            page.get_by_label("Пароль").fill(PASSWORD)
            page.get_by_role("button", name="Войти").click()
            ok = idle_within(page, limit)
            log(f"  server: login, RSS {vm_rss_mb(pid):.0f} MB" + ("" if ok else f" (still running after {limit} s)"))
            for name in [n for n in pages() if "?" not in n]:
                t0 = time.perf_counter()
                try:
                    page.goto(f"{url}/{name}")
                    ok = idle_within(page, limit)
                except Exception:
                    ok = False
                opened.append((name, round(time.perf_counter() - t0, 2), vm_rss_mb(pid)))
                if not ok:
                    waited_out.append(name)
                log(f"  server: {name:14} {opened[-1][1]:6.2f} s, RSS {opened[-1][2]:.0f} MB"
                    + ("" if ok else f" (still running after {limit} s)"))
            browser.close()
        how = "Chromium opened every page" + (f"; still running after {limit} s: {', '.join(waited_out)}"
                                              if waited_out else "")
        return {"peak_rss_mb": vm_hwm_mb(pid), "idle_rss_mb": idle, "how": how, "pages": opened}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=str(ROOT / "data" / "demo.duckdb"))
    ap.add_argument("--repeat", type=int, default=1, help="cold/cached pairs per page (median)")
    ap.add_argument("--server", action="store_true", help="also the peak RSS of a streamlit server")
    ap.add_argument("--server-only", action="store_true", help="only the server's peak RSS (no AppTest timings)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    log = (lambda text: print(text, file=sys.stderr, flush=True)) if args.json else \
        (lambda text: print(text, flush=True))
    tmp = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    db = tmp / "bench.duckdb"
    src = Path(args.db)
    try:
        if not src.exists():
            from shnor.demo import build_demo
            log(f"building the demo region in {db} …")
            build_demo(db)
        else:
            shutil.copy(src, db)
        result = {"db": str(src), "load": os.getloadavg(),
                  "pages": {} if args.server_only else time_pages(db, args.repeat, log),
                  "bench_process_peak_rss_mb": vm_hwm_mb()}
        if args.server or args.server_only:
            if not args.server_only:
                import streamlit as st

                from shnor.ui.db import get_store
                get_store().close()          # one process holds a DuckDB file: the server opens it now
                st.cache_resource.clear()
            else:                            # the server's bench user
                from shnor.domain.permissions import SYSTEM
                from shnor.services import accounts
                from shnor.store import Store
                store = Store.open(db)
                if accounts.get_user(store, "bench") is None:
                    accounts.add_user(store, SYSTEM, "bench", "admin", PASSWORD)
                store.close()
            result["server"] = server_peak(db, log)
            log(f"server peak RSS: {result['server'].get('peak_rss_mb') or 0:.0f} MB ({result['server']['how']})")
        result["load_end"] = os.getloadavg()
        if args.json:
            print(json.dumps(result))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
