"""The CLI contract (issue 2) through real subprocesses on real DuckDB files."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, realdata

TEMPLATE_HEAD = "Учебный год;Процедура;Код ОО;Наименование ОО;Территория;Участников;Низкий результат, чел."


def cli(db, *args, stdin=None, env=None):
    return subprocess.run([sys.executable, "-m", "shnor", "--db", str(db), *args], capture_output=True, text=True,
                          input=stdin, cwd=ROOT, timeout=600, env=env)


def write_template(path, rows):
    path.write_text("\n".join([TEMPLATE_HEAD] + [";".join(map(str, r)) for r in rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def db(tmp_path):
    p = tmp_path / "cli.duckdb"
    assert cli(p, "init").returncode == 0
    return p


def test_init_is_idempotent_and_russian(db):
    r = cli(db, "init")
    assert r.returncode == 0 and "База данных готова" in r.stdout


def test_template_import_results_and_identify(db, tmp_path):
    f = write_template(tmp_path / "t.csv", [
        ("2020/2021", "VPR-MATH-5", "sch420001", "МБОУ «СОШ № 1»", "Таштагольский район", 10, 3),
        ("2020/2021", "ВПР, русский язык, 5 кл.", "sch420001", "МБОУ «СОШ № 1»", "Таштагольский район", 20, 6),
        ("2020/2021", "VPR-MATH-5", "sch420002", "МБОУ «СОШ № 2»", "Таштагольский район", 27, 8),
    ])
    r = cli(db, "import", str(f))
    assert r.returncode == 0, r.stderr
    r = cli(db, "results", "--year", "2020/2021", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert r.stdout.splitlines()[0] == "school_code,school_name,territory,procedure,year,participants,low_count,low_share"
    got = {(x["school_code"], x["procedure"]): x["low_share"] for x in rows}
    assert got == {("sch420001", "VPR-MATH-5"): "0.3000", ("sch420001", "VPR-RUS-5"): "0.3000",
                   ("sch420002", "VPR-MATH-5"): "0.2963"}
    r = cli(db, "identify", "--year", "2021/2022", "--format", "json")
    data = json.loads(r.stdout)
    assert [(x["school_code"], x["criteria"]) for x in data] == [("sch420001", "1")]
    assert "30,0\u00a0% «2» (3 из 10)" in data[0]["reasons"]
    # the same file again: «уже загружен», exit 0, nothing changes
    r = cli(db, "import", str(f))
    assert r.returncode == 0 and "уже загружен" in r.stdout
    # a new login form is kept: edu… once seen
    g = write_template(tmp_path / "u.csv", [("2021/2022", "VPR-MATH-5", "edu420001", "МБОУ «СОШ № 1»",
                                              "Таштагольский район", 12, 1)])
    assert cli(db, "import", str(g)).returncode == 0
    r = cli(db, "identify", "--year", "2021/2022", "--format", "csv")
    assert list(csv.DictReader(io.StringIO(r.stdout)))[0]["school_code"] == "edu420001"


def test_bad_inputs_exit_2_in_russian_and_store_nothing(db, tmp_path):
    bad = write_template(tmp_path / "bad.csv", [
        ("2020/2021", "VPR-MATH-5", "sch420001", "МБОУ «СОШ № 1»", "Таштагольский район", 10, 3),
        ("2020/2021", "VPR-MATH-5", "sch420002", "МБОУ «СОШ № 2»", "Таштагольский район", "десять", 3)])
    good = write_template(tmp_path / "good.csv", [
        ("2020/2021", "OGE-MATH", "sch420003", "МБОУ «СОШ № 3»", "Таштагольский район", 10, 1)])
    r = cli(db, "import", str(bad), str(good))
    assert r.returncode == 2
    assert "bad.csv" in r.stderr and "строка 3" in r.stderr and "Traceback" not in r.stderr
    r = cli(db, "results", "--year", "2020/2021", "--format", "csv")
    codes = [x["school_code"] for x in csv.DictReader(io.StringIO(r.stdout))]
    assert codes == ["sch420003"]  # the good file is stored, the bad one not at all
    for args, needle in [(("import", str(good), "--procedure", "NOPE"), "Неизвестный код процедуры"),
                         (("import", str(good), "--year", "2021"), "не учебный год"),
                         (("import", str(tmp_path / "missing.xlsx")), "файл не найден"),
                         (("identify", "--year", "2021/2022", "--territory", "Атлантида"), "не найдена"),
                         (("identify",), "не указаны обязательные аргументы"),
                         (("identify", "--year", "2021/2022", "--format", "xml"), "недопустимое значение"),
                         (("bogus",), "недопустимое значение")]:
        r = cli(db, *args)
        assert r.returncode == 2, args
        assert needle in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)


def test_garbage_file_is_refused_with_its_name(db, tmp_path):
    f = tmp_path / "протокол.xlsx"
    f.write_bytes(b"this is not a workbook")
    r = cli(db, "import", str(f))
    assert r.returncode == 2 and "протокол.xlsx" in r.stderr and "Traceback" not in r.stderr


def test_shnor_db_env_is_honoured(db, tmp_path):
    f = write_template(tmp_path / "t.csv", [("2020/2021", "OGE-RUS", "sch420001", "СОШ 1", "Район", 10, 1)])
    assert cli(db, "import", str(f)).returncode == 0
    r = subprocess.run([sys.executable, "-m", "shnor", "results", "--year", "2020/2021", "--format", "csv"],
                       capture_output=True, text=True, cwd=ROOT, env=dict(os.environ, SHNOR_DB=str(db)))
    assert r.returncode == 0 and "sch420001" in r.stdout


def test_a_held_database_is_reported_in_russian(db):
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(db)!r}); "
                               "print('held', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        r = cli(db, "results", "--year", "2020/2021")
        assert r.returncode == 2 and "занята другим процессом" in r.stderr and "Traceback" not in r.stderr
    finally:
        holder.kill()


@pytest.mark.realdata
def test_real_protocol_through_the_cli(db):
    f = realdata("fisoko_vpr_protocols_altai", "vpr2021spring_ma5.xlsx")
    r = cli(db, "import", str(f), "--procedure", "VPR-MATH-5", "--year", "2020/2021")
    assert r.returncode == 0, r.stderr
    assert "пропущена строка" in r.stderr and "21" in r.stderr  # the pupil's 21 of 20 is reported
    r = cli(db, "results", "--year", "2020/2021", "--procedure", "VPR-MATH-5", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(rows) == 634
    assert sum(int(x["participants"]) for x in rows) == 23704
    assert sum(1 for x in rows if int(x["low_count"]) * 100 >= 30 * int(x["participants"])) == 75
