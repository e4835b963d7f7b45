"""The layers of ARCHITECTURE.md, checked on the source: SQL only in shnor/store/, Streamlit only in app.py,
pages/ and shnor/ui/, permission decisions only in the domain's table, the domain pure, arrows one way."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CODE = sorted([*ROOT.joinpath("shnor").rglob("*.py"), *ROOT.joinpath("pages").glob("*.py"), ROOT / "app.py"])
SQL = re.compile(r"\b(SELECT\s+[\w*(]|INSERT\s+INTO|UPDATE\s+[a-z_]+\s+SET|DELETE\s+FROM|CREATE\s+TABLE|ALTER\s+TABLE)\b")
ROLE_CHECK = re.compile(r"\.role\s*(==|!=|in\b|not\s+in\b)|\brole\s+in\s+\(|ROLES\[|may_open\(\s*role")


def rel(p: Path) -> str:
    return p.relative_to(ROOT).as_posix()


def imports_of(p: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(p.read_text(), filename=str(p))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def strings_of(p: Path) -> list[str]:
    return [n.value for n in ast.walk(ast.parse(p.read_text())) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def test_sql_only_in_the_store():
    offenders = [rel(p) for p in CODE if not rel(p).startswith("shnor/store/")
                 and any(SQL.search(s) for s in strings_of(p))]
    assert offenders == []


def test_streamlit_only_in_app_pages_and_ui():
    offenders = [rel(p) for p in CODE if not (rel(p) == "app.py" or rel(p).startswith(("pages/", "shnor/ui/")))
                 and any(m == "streamlit" or m.startswith("streamlit.") for m in imports_of(p))]
    assert offenders == []


def test_permission_decisions_only_in_the_domain_table():
    offenders = [f"{rel(p)}:{i}" for p in CODE if rel(p) != "shnor/domain/permissions.py"
                 for i, line in enumerate(p.read_text().splitlines(), 1) if ROLE_CHECK.search(line)]
    assert offenders == []


@pytest.mark.parametrize("layer,forbidden", [
    ("shnor/domain/", ("shnor.store", "shnor.services", "shnor.ui", "shnor.read", "shnor.reports", "shnor.cli",
                       "shnor.demo", "shnor.importing", "duckdb", "streamlit", "openpyxl")),
    ("shnor/store/", ("shnor.services", "shnor.ui", "shnor.read", "shnor.reports", "shnor.cli", "shnor.demo",
                      "streamlit")),
    ("shnor/services/", ("shnor.ui", "shnor.cli", "streamlit")),
    ("shnor/read/", ("shnor.ui", "shnor.cli", "shnor.services", "streamlit")),
    ("shnor/importing/", ("shnor.store", "shnor.services", "shnor.ui", "shnor.read", "duckdb", "streamlit")),
    ("shnor/reports/", ("shnor.ui", "shnor.cli", "streamlit")),
])
def test_arrows_point_one_way(layer, forbidden):
    bad = [(rel(p), m) for p in CODE if rel(p).startswith(layer) for m in imports_of(p)
           if any(m == f or m.startswith(f + ".") for f in forbidden)]
    assert bad == []


def test_no_transitional_store_api_left():
    assert not (ROOT / "shnor/store/legacy.py").exists()
    used = [rel(p) for p in CODE if re.search(r"\bstore\.(transaction|legacy_audit|cursor|df|scalar)\(", p.read_text())]
    assert used == []
