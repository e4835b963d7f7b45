"""`python -m shnor objectivity` and `python -m shnor exit` through real subprocesses on the small region of
tests/test_analyses_store.py (figures by hand there)."""
from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest

from conftest import ROOT
from test_analyses_store import NORTH, SOUTH, build

from shnor.domain import events
from shnor.store import Store

OBJ_HEAD = "school_code,school_name,territory,procedure,participants,below,equal,above,flag"
EXIT_HEAD = "school_code,school_name,procedure,participants,low_count,max_low_count"


def cli(db, *args):
    return subprocess.run([sys.executable, "-m", "shnor", "--db", str(db), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)


def rows(r) -> list[dict]:
    return list(csv.DictReader(io.StringIO(r.stdout)))


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli_analyses") / "a.duckdb"
    build(path)
    store = Store.open(path)
    try:
        from shnor.domain.permissions import SYSTEM
        from shnor.services import accounts
        accounts.add_user(store, SYSTEM, "south", "viewer", "Пароль-для-теста-1", territory=SOUTH)
        with store.unit("test") as u:   # a hostile name: a CSV cell must not become a formula
            u.sql.run("UPDATE schools SET short_name = '=HYPERLINK(\"http://x\")' WHERE fisoko_login = 'sch420005'")
            u.record(events.IMPORT_STORED, batch=0, file="hostile name")
    finally:
        store.close()
    return path


def test_objectivity_csv(db):
    r = cli(db, "objectivity", "--year", "2021/2022", "--procedure", "VPR-MATH-5", "--format", "csv")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0].startswith(OBJ_HEAD)
    got = {x["school_code"]: x for x in rows(r)}
    assert set(got) == {"sch420001", "sch420002", "sch420003", "sch420004"}     # 5 has no journal data
    one = got["sch420001"]
    assert (one["participants"], one["below"], one["equal"], one["above"], one["flag"]) == ("20", "1", "17", "2", "1")
    assert one["year"] == "2021/2022" and one["confirmed_share"] == "0.9500" and one["territory_share"] == "0.6700"
    assert one["territory"] == NORTH and one["pattern"] == "match+few_twos" and one["flags_3y"] == "2"
    assert [x["flag"] for x in got.values()].count("1") == 1
    assert "Критерий: Флаг «возможна необъективность»" in r.stderr and "1 из 4" in r.stderr


def test_objectivity_year_is_the_results_year_and_filters(db):
    r = cli(db, "objectivity", "--year", "2020/2021", "--format", "csv")
    assert {x["school_code"]: x["flag"] for x in rows(r)} == {"sch420001": "1", "sch420002": "0"}
    r = cli(db, "objectivity", "--year", "2021/2022", "--territory", SOUTH, "--format", "csv")
    assert [x["school_code"] for x in rows(r)] == ["sch420004"]
    r = cli(db, "objectivity", "--year", "2021/2022", "--flagged", "--format", "csv")
    assert [x["school_code"] for x in rows(r)] == ["sch420001"]
    r = cli(db, "objectivity", "--year", "2023/2024", "--format", "csv")
    assert r.returncode == 0 and r.stdout.splitlines() == [r.stdout.splitlines()[0]] and "нет" in r.stderr


def test_objectivity_table_is_russian(db):
    r = cli(db, "objectivity", "--year", "2021/2022")
    assert r.returncode == 0
    assert "Подтвердили" in r.stdout and "95,0\u00a0%" in r.stdout and "да" in r.stdout


@pytest.mark.parametrize("args,words", [
    (["--territory", "Нигде"], "территория «Нигде» не найдена"),
    (["--procedure", "NO-SUCH"], "Неизвестный код процедуры"),
    (["--procedure", "OGE-MATH"], "только у ВПР"),
])
def test_objectivity_refuses_in_russian(db, args, words):
    r = cli(db, "objectivity", "--year", "2021/2022", *args)
    assert r.returncode == 2 and words in r.stderr and "Traceback" not in r.stderr


def test_exit_csv(db):
    r = cli(db, "exit", "--year", "2022/2023", "--format", "csv")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0].startswith(EXIT_HEAD)
    got = {(x["school_code"], x["procedure"]): x for x in rows(r)}
    assert set(got) == {("sch420002", "VPR-MATH-5"), ("sch420002", "VPR-RUS-5"), ("sch420005", "VPR-MATH-5"),
                        ("sch420005", "VPR-RUS-5")}
    x = got[("sch420005", "VPR-MATH-5")]
    assert (x["participants"], x["low_count"], x["max_low_count"], x["excess"]) == ("25", "10", "7", "3")
    assert x["sentence"] == "ВПР, математика, 5 кл.: при 25 участниках не более 7 «2», в 2021/2022 — 10"
    assert x["school_name"] == "'=HYPERLINK(\"http://x\")"          # not a formula
    y = got[("sch420002", "VPR-RUS-5")]
    assert (y["max_low_count"], y["excess"], y["results_year"]) == ("8", "1", "2021/2022")
    assert "Список на 2022/2023: 2 ШНОР" in r.stderr


def test_exit_risk_group_and_table(db):
    r = cli(db, "exit", "--year", "2022/2023", "--risk", "--format", "csv")
    risk = [x for x in rows(r) if x["status"] == "risk"]
    assert [(x["school_code"], x["max_low_count"]) for x in risk] == [("sch420004", "2")]
    assert risk[0]["sentence"].startswith("ВПР, математика, 5 кл.: 3 «2» и более при 10 участниках")
    r = cli(db, "exit", "--year", "2022/2023")
    assert r.returncode == 0 and "Не более" in r.stdout and "обязательно" in r.stdout
    r = cli(db, "exit", "--year", "2020/2021", "--format", "csv")
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 1 and "нет ни одной ШНОР" in r.stderr


def test_a_bound_user_sees_only_their_territory(db):
    r = cli(db, "--user", "south", "exit", "--year", "2022/2023", "--format", "csv")
    assert {x["school_code"] for x in rows(r)} == {"sch420005"}
    r = cli(db, "--user", "south", "objectivity", "--year", "2021/2022", "--format", "csv")
    assert [x["school_code"] for x in rows(r)] == ["sch420004"]
    r = cli(db, "--user", "south", "objectivity", "--year", "2021/2022", "--territory", NORTH)
    assert r.returncode == 2 and "Traceback" not in r.stderr and r.stderr.startswith("Ошибка:")
