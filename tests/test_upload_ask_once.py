"""An upload that asks once (issue 7): what a protocol does not say is asked at once, in one neutral box, with
likely values chosen (from the file's name and content); a missing mark scale is entered right there by an admin
(anyone else is told which and who enters it); a file of another region is shown as such before saving and saved
on the page only when confirmed, stored by the CLI with a warning on stderr; an empty database has nothing to be
foreign to. Hand-made ВПР protocols (layout 1B) over the tiny region of tests/listdb.py (logins sch42…)."""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from listdb import NORTH, build
from pagetest import page_store, run_page, texts
from shnor.domain.permissions import SYSTEM, User
from shnor.importing.model import Hints
from shnor.importing.proposals import from_file_name
from shnor.services.imports import FOREIGN_MIN_UNKNOWN, import_file, needs_ru
from shnor.store import Store
from shnor.ui.safe import md

ROOT = Path(__file__).resolve().parent.parent
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
METHODIST = User("methodist", "methodist")
H1B = ["логин школы", "регион", "номер обучающегося", "код обучающегося", "отметка за предыдущую четверть/триместр",
       "пол", "класс", "вариант", "всего баллов", "балл за 1", "Учебник"]
TOTALS = [3, 5, 6, 9, 12, 15, 18, 20, 2, 11]      # math-5 2020/2021 (0–6 «2»): 4 of 10 with «2»
BOOK = "Мерзляк А.Г. и др. Математика 5 класс"


def protocol(schools: list[tuple[str, str]], book: str | None = BOOK, codes: bool = True) -> bytes:
    """A ВПР protocol of layout 1B: ten pupils of grade 5 per (login, territory), totals TOTALS."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(H1B)
    for login, territory in schools:
        for i, total in enumerate(TOTALS):
            ws.append([login, territory, str(i + 1), str(50001 + i) if codes else None, "4", "м", "а", "1",
                       str(total), "1", book])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


KNOWN = [("sch420001", NORTH), ("sch420002", NORTH), ("sch420003", NORTH)]
ALTAI = [(f"sch22{n:04d}", "Алейский район") for n in range(1, 7)]            # six schools of region 22


def button(at, label):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r}: {[b.label for b in at.button]}"
    return found[0]


def asked(at) -> dict:
    """The values of the ask form's selects (the other selects of the page left out)."""
    return {s.label: s.value for s in at.selectbox if s.label in ("Какая это работа?", "За какой учебный год?")}


def upload(at, name: str, data: bytes):
    at.get("file_uploader")[0].set_value((name, data, XLSX)).run()
    assert not at.exception, at.exception
    return at


# ---------------------------------------------------------------------------------------------
# Proposals from file names (pure)
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,procedure,year", [
    ("vpr2021spring_ma5.xlsx", "VPR-MATH-5", 2020),
    ("vpr2020autumn_work-ma4_written-by-grade5.xlsx", "VPR-MATH-4", 2019),   # autumn: the programme's year
    ("vpr2022spring_ru6_partial.xlsx", "VPR-RUS-6", 2021),
    ("ВПР_математика_5.xlsx", "VPR-MATH-5", None),
    ("work-ma4.csv", "VPR-MATH-4", None),
    ("ВПР 2021 русский язык 6 класс.xlsx", "VPR-RUS-6", 2020),
    ("2020-2021_ru5.xlsx", "VPR-RUS-5", 2020),
    ("результаты_math5_2020_21.xlsx", "VPR-MATH-5", 2020),
    ("ма5_район.xlsx", "VPR-MATH-5", None),
    ("осень 2020 ВПР Русский язык 4 кл.xlsx", "VPR-RUS-4", 2019),
    ("ОГЭ_2023.xlsx", None, 2022),                         # an exam is proposed only for exam tables (below)
    ("grade5_written-by-grade6.xlsx", None, None),       # «de5» inside a word is no work tag
    ("протокол.xlsx", None, None),
    ("ma5_ru5.xlsx", None, None),                          # two works named: no proposal
])
def test_proposals_from_file_names(name, procedure, year):
    got = from_file_name(name)
    assert (got["procedure"].value if "procedure" in got else None) == procedure
    assert (got["year"].value if "year" in got else None) == year
    if procedure:
        assert f"по имени файла «{name}»" == got["procedure"].reason


@pytest.mark.parametrize("name,procedure", [("ОГЭ_2023.xlsx", "OGE"), ("ЕГЭ-2023 по школам.xlsx", "EGE"),
                                            ("ГИА-9 2021.xls", "OGE"), ("ОГЭ_математика_2022.xlsx", "OGE-MATH"),
                                            ("итоги.xlsx", None)])
def test_exam_tables_get_the_exam_from_the_name(name, procedure):
    got = from_file_name(name, vpr_only=False)
    assert (got["procedure"].value if "procedure" in got else None) == procedure


def test_autumn_in_the_name_says_why_the_year_is_the_programme_year():
    reason = from_file_name("vpr2020autumn_ma5.xlsx")["year"].reason
    assert "осень 2020" in reason and "программу которого проверяет работа" in reason and "2019/2020" in reason


# ---------------------------------------------------------------------------------------------
# The one-step ask on the page
# ---------------------------------------------------------------------------------------------
def test_the_page_asks_work_and_year_at_once_in_one_neutral_box_with_proposals_chosen(listdb_ids):
    at = upload(run_page("upload", "methodist", timeout=120), "vpr2021spring_ma5.xlsx", protocol(KNOWN))
    boxes = [i.value for i in at.info if "Какая это работа?" in i.value]
    assert len(boxes) == 1, [i.value for i in at.info]
    box = boxes[0]
    assert "За какой учебный год результаты?" in box and "В файле не сказано, какая это работа и за какой учебный " \
                                                         "год" in box
    assert "Ничего не отклонено" in box and "**ВПР, математика, 5 кл.**" in box and "**2020/2021**" in box
    assert md("по имени файла «vpr2021spring_ma5.xlsx»") in box and "по учебникам — математика" in box
    assert "весна 2021 года в имени файла" in box
    # nothing red, no «файл отклонён», no «по строкам файла»
    assert not at.error and "файл отклонён" not in texts(at) and "по строкам файла" not in texts(at)
    assert "процедура: не указана в файле; учебный год: не указан в файле" in texts(at)
    assert asked(at) == {"Какая это работа?": "VPR-MATH-5", "За какой учебный год?": 2020}
    assert not [b for b in at.button if b.label == "Сохранить"]
    button(at, "Продолжить").click().run()
    assert not at.exception
    t = texts(at)
    assert (f"{md('vpr2021spring_ma5.xlsx')}: Протокол ВПР ФИС ОКО (весна 2021), ВПР, математика, 5 кл., 2020/2021; "
            "будет сохранено строк: 3") in t
    assert "процедура: ВПР, математика, 5 кл.; учебный год: 2020/2021" in t
    assert not [i for i in at.info if "Какая это работа?" in i.value]
    [p] = at.session_state["_upload_pending"].values()
    assert p.parses == 2                       # asked once: one parse to ask, one to read
    button(at, "Сохранить").click().run()
    assert not at.exception
    q = ("SELECT r.participants, r.low_count FROM results r JOIN schools s ON s.id = r.school_id "
         "WHERE s.fisoko_login = 'sch420001' AND r.procedure = 'VPR-MATH-5' AND r.year = 2020")
    assert page_store().sql.one(q) == (10, 4)


def test_a_question_without_a_proposal_is_asked_and_an_empty_choice_is_not_taken(listdb_ids):
    # no codes, no textbooks, a name that says nothing: no likely work, hence no likely year either
    at = upload(run_page("upload", "methodist", timeout=120), "протокол.xlsx", protocol(KNOWN, book=None, codes=False))
    [box] = [i.value for i in at.info if "Какая это работа?" in i.value]
    assert box.count("Выберите ниже.") == 2
    assert asked(at) == {"Какая это работа?": None, "За какой учебный год?": None}
    button(at, "Продолжить").click().run()
    assert any("Выберите и работу, и учебный год." in w.value for w in at.warning)
    assert [i for i in at.info if "Какая это работа?" in i.value]            # still asking, nothing refused
    [p] = at.session_state["_upload_pending"].values()
    assert p.hints == Hints() and p.parses == 1
    at.selectbox(key=f"upload_ask_proc_{p.key}").set_value("VPR-MATH-5")
    at.selectbox(key=f"upload_ask_year_{p.key}").set_value(2020)
    button(at, "Продолжить").click().run()
    assert "будет сохранено строк: 3" in texts(at)


# ---------------------------------------------------------------------------------------------
# A missing mark scale: entered inline by an admin, explained to everyone else
# ---------------------------------------------------------------------------------------------
SCALE_FILE = "ма5_2019-2020.xlsx"     # the work and 2019/2020 from the name; no scale of 2019/2020 ships


def test_an_admin_enters_the_missing_scale_inline_and_goes_on_with_the_same_file(listdb_ids):
    at = upload(run_page("upload", "admin", timeout=120), SCALE_FILE, protocol(KNOWN))
    assert asked(at) == {"Какая это работа?": "VPR-MATH-5", "За какой учебный год?": 2019}
    button(at, "Продолжить").click().run()
    [box] = [i.value for i in at.info if "Нет шкалы" in i.value]
    assert "«ВПР, математика, 5 кл.» за 2019/2020 учебный год" in box and "Введите её здесь" in box
    assert "шкала этой работы за 2020/2021 учебный год" in box
    inputs = {n.label: n for n in at.number_input}
    assert {k: n.value for k, n in inputs.items()} == {"«3» от": 7, "«4» от": 11, "«5» от": 15, "Максимум": 20}
    # validated: «4» from 5 is below «3» from 7 — refused with the reason, nothing saved
    inputs["«4» от"].set_value(5)
    button(at, "Сохранить шкалу и продолжить").click().run()
    assert not at.exception and at.error, "an invalid scale must be refused"
    assert ("VPR-MATH-5", 2019) not in page_store().reference.mark_scales()
    # the admin's own scale for 2019/2020: «2» is 0–5, so 3 of the 10 pupils (totals 3, 5, 2)
    for label, value in (("«3» от", 6), ("«4» от", 10), ("«5» от", 14), ("Максимум", 20)):
        {n.label: n for n in at.number_input}[label].set_value(value)
    button(at, "Сохранить шкалу и продолжить").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    scale = page_store().reference.mark_scales()[("VPR-MATH-5", 2019)]
    assert scale.bounds == {2: (0, 5), 3: (6, 9), 4: (10, 13), 5: (14, 20)}
    assert "будет сохранено строк: 3" in texts(at)                      # the same file, read with the new scale
    button(at, "Сохранить").click().run()
    assert page_store().sql.scalar("SELECT sum(low_count) FROM results WHERE procedure = 'VPR-MATH-5' "
                                   "AND year = 2019") == 9
    assert page_store().sql.scalar("SELECT count(*) FROM audit_log WHERE action = 'set_mark_scale' AND actor = 'admin'") == 1


def test_anyone_else_is_told_which_scale_is_missing_and_who_enters_it(listdb_ids):
    at = upload(run_page("upload", "methodist", timeout=120), SCALE_FILE, protocol(KNOWN))
    button(at, "Продолжить").click().run()
    [msg] = [w.value for w in at.warning if "Нет шкалы" in w.value]
    assert "«ВПР, математика, 5 кл.» за 2019/2020 учебный год" in msg
    assert "администратор региона на странице «Настройки»" in msg
    assert "`python -m shnor scale set VPR-MATH-5 2019/2020 --min3 … --min4 … --min5 … --max …`" in msg
    assert not at.number_input and not [b for b in at.button if b.label == "Сохранить"]
    assert not at.error


# ---------------------------------------------------------------------------------------------
# A file of another region
# ---------------------------------------------------------------------------------------------
FOREIGN = "в файле 6 школ, ни одной из них нет в реестре; регион файла — Алтайский край, регион базы — Тестовая область"


def test_the_page_shows_a_foreign_file_and_saves_it_only_when_confirmed(listdb_ids):
    at = upload(run_page("upload", "methodist", timeout=120), "vpr2021spring_ma5.xlsx", protocol(ALTAI))
    button(at, "Продолжить").click().run()
    [warn] = [w.value for w in at.warning if "Похоже на файл другого региона" in w.value]
    assert md(FOREIGN) in warn
    assert button(at, "Сохранить").disabled
    [box] = [c for c in at.checkbox if c.label == "Да, это файл другого региона / новые школы — сохранить"]
    assert box.value is False
    box.check().run()
    assert not button(at, "Сохранить").disabled
    button(at, "Сохранить").click().run()
    assert not at.exception
    assert "сохранено строк: 6" in texts(at)
    assert page_store().sql.scalar("SELECT count(*) FROM schools WHERE fisoko_login LIKE 'sch22%'") == 6
    report = page_store().sql.scalar("SELECT report FROM import_batches ORDER BY id DESC LIMIT 1")
    assert FOREIGN in report


@pytest.fixture
def store(tmp_path):
    build(tmp_path / "t.duckdb", tmp_path)
    s = Store.open(tmp_path / "t.duckdb")
    yield s
    s.close()


def staged(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_the_service_refuses_an_unconfirmed_foreign_file_and_reports_it_in_the_preview(store, tmp_path):
    path = staged(tmp_path, "алтай.xlsx", protocol(ALTAI))
    hints = Hints(procedure="VPR-MATH-5", year=2020)
    rep = import_file(store, path, METHODIST, hints=hints, dry_run=True)
    assert rep.status == "preview" and rep.foreign is not None and rep.foreign.sentence_ru() == FOREIGN
    rep = import_file(store, path, METHODIST, hints=hints, confirm_foreign=False)
    assert rep.status == "needs_confirmation" and not rep.ok and "подтвердите сохранение" in rep.summary_ru()
    assert store.sql.scalar("SELECT count(*) FROM schools WHERE fisoko_login LIKE 'sch22%'") == 0
    rep = import_file(store, path, METHODIST, hints=hints, confirm_foreign=True)
    assert rep.status == "stored" and rep.foreign is not None


def test_new_schools_of_the_region_warn_only_when_most_of_the_file_and_at_least_five(store, tmp_path):
    hints = Hints(procedure="VPR-MATH-5", year=2020)
    few = [(f"sch42{n:04d}", NORTH) for n in range(101, 101 + FOREIGN_MIN_UNKNOWN - 1)]
    rep = import_file(store, staged(tmp_path, "мало.xlsx", protocol(few)), METHODIST, hints=hints, dry_run=True)
    assert rep.status == "preview" and rep.foreign is None
    many = [(f"sch42{n:04d}", NORTH) for n in range(201, 201 + FOREIGN_MIN_UNKNOWN)] + KNOWN
    rep = import_file(store, staged(tmp_path, "много.xlsx", protocol(many)), METHODIST, hints=hints, dry_run=True)
    assert rep.foreign is not None and not rep.foreign.region_differs
    assert rep.foreign.sentence_ru() == "в файле 8 школ, 5 из них нет в реестре"
    rep = import_file(store, staged(tmp_path, "свои.xlsx", protocol(KNOWN)), METHODIST, hints=hints, dry_run=True)
    assert rep.foreign is None


def test_new_schools_of_the_region_are_foreign_only_when_they_would_add_a_tenth_to_the_registry(tmp_path):
    from shnor.importing.model import ParsedFile, RegistryRow, SchoolRef
    store = Store.open(tmp_path / "sixty.duckdb")
    try:
        registry = ParsedFile("реестр.xlsx", "5A", "Реестр школ", registry=[
            RegistryRow(SchoolRef(login=f"sch42{n:04d}", name=f"МБОУ «СОШ № {n}»", territory=NORTH),
                        short_name=f"МБОУ «СОШ № {n}»", source_row=n + 1) for n in range(1, 61)])
        path = staged(tmp_path, "реестр.stub", b"60")
        assert import_file(store, path, SYSTEM, parsed=registry).status == "stored"
        hints = Hints(procedure="VPR-MATH-5", year=2020)
        five = [(f"sch42{n:04d}", NORTH) for n in range(101, 106)]      # 5 of 60 = 8 %: new schools, not foreign
        rep = import_file(store, staged(tmp_path, "пять.xlsx", protocol(five)), SYSTEM, hints=hints, dry_run=True)
        assert rep.status == "preview" and rep.foreign is None
        six = five + [("sch420106", NORTH)]                              # 6 of 60 = 10 %
        rep = import_file(store, staged(tmp_path, "шесть.xlsx", protocol(six)), SYSTEM, hints=hints, dry_run=True)
        assert rep.foreign is not None and rep.foreign.sentence_ru() == "в файле 6 школ, ни одной из них нет в реестре"
    finally:
        store.close()


def test_an_empty_database_has_nothing_to_be_foreign_to(tmp_path):
    store = Store.open(tmp_path / "empty.duckdb")
    try:
        rep = import_file(store, staged(tmp_path, "алтай.xlsx", protocol(ALTAI)), SYSTEM,
                          hints=Hints(procedure="VPR-MATH-5", year=2020), confirm_foreign=False)
        assert rep.status == "stored" and rep.foreign is None
        # and once it holds them, the next file of the same region is not foreign either
        more = ALTAI[:3] + [("sch220099", "Алейский район")]
        rep = import_file(store, staged(tmp_path, "ещё.xlsx", protocol(more)), SYSTEM,
                          hints=Hints(procedure="VPR-MATH-5", year=2020), dry_run=True)
        assert rep.foreign is None
    finally:
        store.close()


# ---------------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------------
def cli(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "shnor", "--db", str(db), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def test_cli_stores_a_foreign_file_and_warns_on_stderr(tmp_path):
    db = tmp_path / "t.duckdb"
    build(db, tmp_path)
    r = cli(db, "import", str(staged(tmp_path, "алтай.xlsx", protocol(ALTAI))), "--procedure", "VPR-MATH-5",
            "--year", "2020/2021")
    assert r.returncode == 0, r.stderr
    assert "загрузка № 3: алтай.xlsx:" in r.stdout and "сохранено строк: 6" in r.stdout
    assert f"предупреждение: алтай.xlsx: похоже на файл другого региона — {FOREIGN}." in r.stderr
    assert "python -m shnor undo 3" in r.stderr and "Traceback" not in r.stderr
    assert FOREIGN not in r.stdout


def test_cli_no_warning_into_an_empty_database(tmp_path):
    r = cli(tmp_path / "empty.duckdb", "import", str(staged(tmp_path, "алтай.xlsx", protocol(ALTAI))),
            "--procedure", "VPR-MATH-5", "--year", "2020/2021")
    assert r.returncode == 0, r.stderr
    assert "другого региона" not in r.stderr and "сохранено строк: 6" in r.stdout


def test_cli_names_everything_missing_in_one_message_with_the_likely_values(tmp_path):
    path = staged(tmp_path, "vpr2021spring_ma5.xlsx", protocol(KNOWN))
    r = cli(tmp_path / "empty.duckdb", "import", str(path))
    assert r.returncode == 2 and r.stdout == ""
    [line] = r.stderr.strip().splitlines()
    assert line.startswith("vpr2021spring_ma5.xlsx: в файле не сказано, какая это работа и за какой учебный год — "
                           "файл не загружен. Укажите --procedure (например, VPR-MATH-5) и --year (например, "
                           "2020/2021); вероятно: --procedure VPR-MATH-5 (по имени файла")
    assert "--year 2020/2021 (весна 2021 года в имени файла" in line
    # the missing scale: which, who enters it and the command with the likely values
    r = cli(tmp_path / "empty.duckdb", "import", str(path), "--procedure", "VPR-MATH-5", "--year", "2019/2020")
    assert r.returncode == 2
    assert ("нет шкалы перевода первичных баллов в отметки для «ВПР, математика, 5 кл.» за 2019/2020 учебный год. "
            "Шкалу вводит администратор региона на странице «Настройки» или командой `python -m shnor scale set "
            "VPR-MATH-5 2019/2020") in r.stderr
    assert "--min3 7 --min4 11 --min5 15 --max 20" in r.stderr


def test_needs_ru_without_proposals_names_only_what_is_missing(store, tmp_path):
    rep = import_file(store, staged(tmp_path, "протокол.xlsx", protocol(KNOWN, book=None, codes=False)), METHODIST,
                      hints=Hints(year=2020), dry_run=True)
    assert rep.status == "needs_input" and rep.needs == {"procedure"} and rep.errors() == []
    assert needs_ru(rep) == "в файле не сказано, какая это работа"
    assert rep.summary_ru() == ("протокол.xlsx: Протокол ВПР ФИС ОКО (весна 2021); в файле не сказано, какая это "
                                "работа — файл пока не сохранён.")


def test_a_fisoko_report_that_names_neither_work_nor_year_is_asked_both_at_once(tmp_path):
    """Layout 2 says what it misses in words; parse_file reads them as needs (nothing refused) and proposes from
    the file's name."""
    from conftest import write_xlsx
    from shnor.importing.parse import parse_file
    from test_layouts_other import FISOKO_MERGES, FISOKO_ROWS
    rows = [["Статистика по отметкам"]] + [[]] * 4 + FISOKO_ROWS[5:]
    path = write_xlsx(tmp_path / "ВПР_2022_математика_5.xlsx", {"Отчёт": rows}, {"Отчёт": FISOKO_MERGES})
    pf = parse_file(path, None, Hints(), {})
    assert pf.layout == "2" and not pf.refused and pf.needs == {"procedure", "year"} and pf.results == []
    assert pf.proposals["procedure"].value == "VPR-MATH-5" and pf.proposals["year"].value == 2021
    pf = parse_file(path, None, Hints(procedure="VPR-MATH-5", year=2021), {})
    assert not pf.needs and not pf.refused and len(pf.results) == 3
