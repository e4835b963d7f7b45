"""The dashboard's one database connection and cache keys.

DuckDB's file lock is per process: the server opens the file once (st.cache_resource) and every script
run reads through the repositories; writes go through services and Store.unit() (serialised by its lock). After a
write, call `data_changed()` so cached figures are recomputed.
"""
from __future__ import annotations

import streamlit as st

from shnor.config import db_path
from shnor.store import Store


@st.cache_resource(show_spinner=False)
def _open_store(path: str) -> Store:
    return Store.open(path)


def get_store() -> Store:
    return _open_store(str(db_path()))


def data_version() -> tuple:
    """Cache key part that changes whenever data change (audit log grows with every write)."""
    return get_store().data_version()


def data_changed() -> None:
    st.cache_data.clear()
