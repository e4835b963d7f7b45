"""Shared fixtures: the real-data folder, the demo database built once per test run and copied, and the
hand-made regions of tests/smalldb.py and tests/listdb.py."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REALDATA = ROOT.parent / "shared" / "realdata"
ARTIFACTS = ROOT / "tests" / "artifacts"


def realdata(*parts: str) -> Path:
    """A file of ../shared/realdata, read in place; the test is skipped when the folder is absent."""
    p = REALDATA.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"реальные данные недоступны: {p}")
    return p


def write_xlsx(path, sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None):
    """An .xlsx at `path` with one sheet per item of `sheets` (rows appended as given) and, per sheet, the
    cell ranges of `merges` merged (e.g. "D1:G1"); returns the path."""
    import openpyxl
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
    wb.save(path)
    return path


@pytest.fixture(scope="session")
def demo_db_master(tmp_path_factory) -> Path:
    """The demo region, built once per test run through the real importers."""
    from shnor.demo import build_demo
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo(path)
    return path


@pytest.fixture
def demo_db(demo_db_master, tmp_path) -> Path:
    """A private copy of the demo database for one test."""
    dst = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_master, dst)
    wal = Path(str(demo_db_master) + ".wal")
    if wal.exists():
        shutil.copy(wal, Path(str(dst) + ".wal"))
    return dst


@pytest.fixture
def clear_streamlit_caches():
    """Caches leak between AppTest instances in one pytest process."""
    import streamlit as st
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def small_db(tmp_path, monkeypatch, clear_streamlit_caches):
    """The hand-made region of tests/smalldb.py in a fresh file, made the app's database ($SHNOR_DB):
    (path, ids)."""
    from smalldb import build_small_db
    path = tmp_path / "small.duckdb"
    ids = build_small_db(path)
    monkeypatch.setenv("SHNOR_DB", str(path))
    return path, ids


@pytest.fixture
def list_store(tmp_path):
    """The tiny region of tests/listdb.py built in a fresh file and opened: (store, ids by login)."""
    from listdb import build
    from shnor.store import Store
    ids = build(tmp_path / "t.duckdb", tmp_path)
    store = Store.open(tmp_path / "t.duckdb")
    yield store, ids
    store.close()


@pytest.fixture
def listdb_ids(tmp_path, monkeypatch, clear_streamlit_caches):
    """The region of tests/listdb.py with one user per role (tests/pagetest.py USERS) made the app's database
    ($SHNOR_DB), for AppTests of pages: the school ids by login."""
    from pagetest import build_with_users
    monkeypatch.setenv("SHNOR_DB", str(tmp_path / "t.duckdb"))
    return build_with_users(tmp_path / "t.duckdb", tmp_path)
