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


# -- the coverage of `identify` (tests/coveragedb.py, figures by hand there) ---------------------------

HEAD_CSV = "school_code,school_name,territory,criteria,reasons\n"
REASONS_89 = ("Критерий 1 — 2 процедуры с низкими результатами в 2023/2024: ВПР, математика, 5 кл. — 50,0\u00a0% «2» "
              "(5 из 10); ВПР, русский язык, 5 кл. — 50,0\u00a0% «2» (5 из 10). За 2022/2023 нет данных ни по одной "
              "процедуре правила — это не означает отсутствия низких результатов.")


@pytest.fixture
def coverage_cli_db(tmp_path):
    from coveragedb import build_coverage_db
    build_coverage_db(tmp_path / "coverage.duckdb")
    return tmp_path / "coverage.duckdb"


def test_identify_states_the_coverage_on_stderr_and_keeps_stdout(coverage_cli_db):
    db = coverage_cli_db
    r = cli(db, "identify", "--year", "2024/2025", "--territory", "Район-89", "--format", "csv")
    assert r.returncode == 0
    # stdout: exactly the CSV other tools read, nothing else
    assert r.stdout == HEAD_CSV + f'sch30001,Школа Район-89 №1,Район-89,1,"{REASONS_89}"\n'
    assert r.stderr.splitlines() == [
        "Данные за 2023/2024: 89 из 100 школ (89,0\u00a0%).",
        "Внимание: вывод о цели не делается: результаты за 2023/2024 есть только у 89 из 100 школ (89,0\u00a0%), "
        "нужно не меньше 90\u00a0%. Школа без результатов не может попасть в список, поэтому доля ШНОР может быть "
        "занижена."]
    r = cli(db, "identify", "--year", "2024/2025", "--territory", "Район-89", "--format", "json")
    assert r.returncode == 0 and json.loads(r.stdout) == [
        {"school_code": "sch30001", "school_name": "Школа Район-89 №1", "territory": "Район-89", "criteria": "1",
         "reasons": REASONS_89}]
    assert "Внимание" in r.stderr


@pytest.mark.parametrize("territory,line", [
    ("Район-90", "Данные за 2023/2024: 9 из 10 школ (90,0\u00a0%)."),          # 90 % exactly: no warning
    ("Район-91", "Данные за 2023/2024: 91 из 100 школ (91,0\u00a0%)."),
    ("Полный район", "Данные за 2023/2024: 10 из 10 школ (100,0\u00a0%)."),
    (None, "Данные за 2023/2024: 199 из 220 школ (90,5\u00a0%)."),
])
def test_identify_with_enough_data_prints_one_coverage_line(coverage_cli_db, territory, line):
    args = ["identify", "--year", "2024/2025", "--format", "csv"] + (["--territory", territory] if territory else [])
    r = cli(coverage_cli_db, *args)
    assert r.returncode == 0 and r.stderr.splitlines() == [line]
    assert r.stdout.startswith(HEAD_CSV)
    assert len(list(csv.DictReader(io.StringIO(r.stdout)))) == {"Район-90": 0, "Район-91": 1, "Полный район": 1,
                                                                  None: 3}[territory]


def test_identify_a_year_without_results_warns_and_exits_0(coverage_cli_db):
    r = cli(coverage_cli_db, "identify", "--year", "2022/2023", "--format", "csv")     # no results in 2021 at all
    assert r.returncode == 0 and r.stdout == HEAD_CSV
    assert r.stderr.splitlines() == [
        "Результатов за 2021/2022 учебный год нет ни у одной школы.",
        "Внимание: за 2021/2022 учебный год результатов нет ни у одной школы — список на 2022/2023 не из чего "
        "формировать; пустой список не означает, что ШНОР нет."]
    r = cli(coverage_cli_db, "identify", "--year", "2022/2023", "--format", "table")
    assert r.returncode == 0 and "Внимание: за 2021/2022 учебный год результатов нет" in r.stderr
    r = cli(coverage_cli_db, "results", "--year", "2021/2022", "--format", "csv")
    assert r.returncode == 0 and r.stdout.count("\n") == 1
    assert r.stderr.strip() == "Внимание: результатов за 2021/2022 учебный год нет."


def test_identify_an_empty_territory_warns_and_exits_0(coverage_cli_db):
    r = cli(coverage_cli_db, "identify", "--year", "2024/2025", "--territory", "Пустой район", "--format", "json")
    assert r.returncode == 0 and json.loads(r.stdout) == []
    assert r.stderr.splitlines() == ["В территории нет ни одной школы.",
                                     "Внимание: в территории нет ни одной школы — список пуст, вывод о цели не "
                                     "делается."]
