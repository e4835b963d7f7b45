"""Time of each page's script run on the demo region, cold (fresh process caches) and cached (a rerun).

    .venv/bin/python benchmarks/bench_pages.py [--db data/demo.duckdb]

Uses Streamlit's AppTest (the real page scripts, the real DuckDB file copied to a temp dir), logged in as an
admin through a session token, as the guard expects. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ["overview", "identification", "school", "school?school", "upload", "settings", "users"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=str(ROOT / "data" / "demo.duckdb"))
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    db = tmp / "demo.duckdb"
    src = Path(args.db)
    if not src.exists():
        from shnor.demo import build_demo
        print(f"building the demo region in {db} …", flush=True)
        build_demo(db)
    else:
        shutil.copy(src, db)
    os.environ["SHNOR_DB"] = str(db)

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from shnor.domain.permissions import SYSTEM
    from shnor.services import accounts
    from shnor.ui.db import get_store

    store = get_store()
    if accounts.get_user(store, "bench") is None:
        accounts.add_user(store, SYSTEM, "bench", "admin", "Bench-password-2026")
    user = accounts.get_user(store, "bench")
    print(f"{'page':16} {'cold, s':>8} {'cached, s':>10}")
    from shnor.read.analysis import compute_list
    lst = compute_list(store, max(store.results.years()) + 1)
    a_shnor_login = lst.table[lst.table["status"] == "shnor"].iloc[0]["school_code"]
    for page in PAGES:
        st.cache_data.clear()
        name, _, param = page.partition("?")
        at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=300)
        if param:  # the school page with a ШНОР school open (drill-down link)
            at.query_params[param] = a_shnor_login
        at.session_state["_shnor_token"] = accounts.create_session(store, user)
        t0 = time.perf_counter()
        at.run()
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        at.run()
        warm = time.perf_counter() - t0
        err = " (exception!)" if at.exception else ""
        print(f"{page:16} {cold:8.2f} {warm:10.2f}{err}", flush=True)


if __name__ == "__main__":
    main()
