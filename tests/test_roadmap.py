"""The roadmap end to end over a real DuckDB file: Word and Excel roadmaps in the seeds' shapes imported through
the CLI and the service, the contract's `roadmap list` CSV, deadlines as date ranges, statuses with evidence,
history and criteria, flags that follow from the deadline and the status, and the permission rules."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from conftest import ROOT
from roadmapdocs import expected, school_blocks, seed001_blocks, seed004_blocks, write_docx, write_xlsx
from shnor.domain.permissions import SYSTEM, Forbidden
from shnor.domain.roadmap import MeasureChange
from shnor.read import roadmap as read
from shnor.services import accounts
from shnor.services import roadmap as service
from shnor.services.settings import set_setting
from shnor.domain.permissions import Action
from shnor.domain.roadmap import DUE_SOON_SETTING_KEY
from shnor.store import Store

import subprocess
import sys

CONTRACT = "number,section,text,deadline_text,deadline_start,deadline_end,responsible,expected_result,status"


def cli(db, *args):
    return subprocess.run([sys.executable, "-m", "shnor", "--db", str(db), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)


def rows_of(out: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(out)))


@pytest.fixture
def db(tmp_path):
    from pagetest import build_with_users
    path = tmp_path / "rm.duckdb"
    build_with_users(path, tmp_path)
    return path


def test_cli_imports_word_and_excel_roadmaps_and_lists_them_in_the_contract_shape(db, tmp_path):
    b004, b001 = seed004_blocks(), seed001_blocks()
    doc = write_docx(tmp_path / "Дорожная карта 2020-2021.docx", b004)
    xls = write_xlsx(tmp_path / "План 2023-2025.xlsx", b001)
    r = cli(db, "roadmap", "import", str(doc))
    assert r.returncode == 0, r.stderr
    assert "загружена" in r.stdout and f"{len(expected(b004))} мероприят" in r.stdout
    assert cli(db, "roadmap", "import", str(xls)).returncode == 0
    out = cli(db, "roadmap", "list", "--format", "csv")
    assert out.returncode == 0 and out.stdout.splitlines()[0] == CONTRACT
    rows = rows_of(out.stdout)
    # one row per measure, in the documents' order; sections are not rows; a row without a number is kept
    want = expected(b004) + expected(b001)
    assert [(r["number"], r["section"], r["text"], r["deadline_text"], r["responsible"], r["expected_result"])
            for r in rows] == [tuple(w) for w in want]
    assert any(r["number"] == "" for r in rows)
    assert {r["status"] for r in rows} == {"запланировано"}
    by_deadline = {r["deadline_text"]: (r["deadline_start"], r["deadline_end"]) for r in rows}
    assert by_deadline["ноябрь, 2020"] == ("2020-11-01", "2020-11-30")
    # «в течение учебного года» of a plan «на 2020 - 2021 учебный год» is that school year
    assert by_deadline[next(k for k in by_deadline if "учебного" in k.lower())] == ("2020-09-01", "2021-08-31")
    # «до 31.05.2023» ends that day and starts with the period «на 2023-2025 годы»
    assert by_deadline[next(k for k in by_deadline if k.startswith("до 31.05.2023"))] == ("2023-01-01", "2023-05-31")
    assert by_deadline["постоянно"] == ("2023-01-01", "2025-12-31")
    # no dates: both empty, text kept as written
    sched = [r for r in rows if "график" in r["deadline_text"].lower()]
    assert sched and all(r["deadline_start"] == r["deadline_end"] == "" for r in sched)


def test_the_same_file_again_stores_nothing(db, tmp_path):
    doc = write_docx(tmp_path / "rm.docx", seed004_blocks())
    assert cli(db, "roadmap", "import", str(doc)).returncode == 0
    before = cli(db, "roadmap", "list", "--format", "csv").stdout
    again = cli(db, "roadmap", "import", str(doc))
    assert again.returncode == 0 and "уже загружен" in again.stdout
    assert cli(db, "roadmap", "list", "--format", "csv").stdout == before


@pytest.mark.parametrize("name,phrase", [("карта.doc", ".docx"), ("карта.pdf", ".docx"), ("карта.odt", ".docx"),
                                         ("карта.txt", ".docx")])
def test_old_and_foreign_formats_are_refused_in_russian(db, tmp_path, name, phrase):
    f = tmp_path / name
    f.write_bytes(b"%PDF-1.4 not a roadmap")
    r = cli(db, "roadmap", "import", str(f))
    assert r.returncode == 2 and phrase in r.stderr and name in r.stderr and "Traceback" not in r.stderr
    assert cli(db, "roadmap", "list", "--format", "csv").stdout.strip() == CONTRACT


def test_a_document_without_a_measure_table_is_refused_and_nothing_stored(db, tmp_path):
    from roadmapdocs import T
    f = write_docx(tmp_path / "показатели.docx", ["Целевые показатели",
                                                   T(["Наименование показателя", "2021", "2022"], [])])
    r = cli(db, "roadmap", "import", str(f))
    assert r.returncode == 2 and "показатели.docx" in r.stderr and "Traceback" not in r.stderr
    assert cli(db, "roadmap", "list", "--format", "csv").stdout.strip() == CONTRACT


def test_a_schools_roadmap_is_linked_to_it_by_code_or_by_its_title(db, tmp_path):
    by_code = write_docx(tmp_path / "school1.docx", school_blocks(school="МБОУ «СОШ № 1»"))
    assert cli(db, "roadmap", "import", str(by_code), "--school", "sch420001").returncode == 0
    by_title = write_docx(tmp_path / "school4.docx", school_blocks(school="МБОУ «СОШ № 4»",
                                                                  period="на 2021-2022 учебный год"))
    assert cli(db, "roadmap", "import", str(by_title), "--territory", "Южный район").returncode == 0
    bad = cli(db, "roadmap", "import", str(by_code), "--school", "sch999999")
    assert bad.returncode == 2 and "sch999999" in bad.stderr
    store = Store.open(db)
    try:
        rm = store.roadmaps.list()
        names = dict(zip(rm["file_name"], rm["school"]))
        assert names == {"school1.docx": "МБОУ «СОШ № 1»", "school4.docx": "МБОУ «СОШ № 4»"}
        sid = int(store.schools.list().set_index("school_code").loc["sch420001", "id"])
        mine = read.school_measures(store, SYSTEM, sid, today=date(2022, 10, 1))
        assert len(mine) == 3 and set(mine["roadmap"]) == {rm.loc[rm["file_name"] == "school1.docx", "title"].iloc[0]}
        # «до 15.10.2022» in a plan «на 2022-2023 учебный год»: due within 14 days on 1 October
        assert mine.set_index("number").loc["2)", "flag"] == "due_soon"
    finally:
        store.close()


@pytest.fixture
def store(db, tmp_path):
    s = Store.open(db)
    south = s.territories.find("Южный район")
    rep = service.import_roadmap(s, SYSTEM, write_docx(tmp_path / "r.docx", seed004_blocks()), territory_id=south)
    assert rep.ok, rep.messages
    yield s
    s.close()


def user(store, name):
    return accounts.get_user(store, name)


def test_status_evidence_and_progress_make_the_history_and_clear_the_flag(store):
    today = date(2020, 12, 15)
    ms = read.measures(store, SYSTEM, today)
    m = ms[ms["deadline_text"] == "ноябрь, 2020"].iloc[0]
    assert m["flag"] == "overdue" and "просрочено" in m["state_ru"]
    methodist = user(store, "methodist")
    changed = service.update_measure(store, methodist, int(m["id"]), MeasureChange(
        status="done", evidence="Проведено совещание", evidence_doc="Протокол № 7",
        evidence_link="https://edu.example.ru/p7", update_date=date(2020, 11, 20)))
    assert changed == ["evidence", "evidence_doc", "evidence_link", "status", "status_date"]
    after = read.measures(store, SYSTEM, today).set_index("id").loc[int(m["id"])]
    assert after["status_ru"] == "выполнено" and after["flag"] == "" and after["status_date"] == date(2020, 11, 20)
    hist = read.history(store, SYSTEM, [int(m["id"])])
    status_row = hist[hist["field"] == "status"].iloc[0]
    assert (status_row["old_value"], status_row["new_value"], status_row["by_user"]) == \
        ("запланировано", "выполнено", "methodist")
    # a progress note alone is a history row; the same values again change nothing
    assert service.update_measure(store, methodist, int(m["id"]), MeasureChange(note="Разослано в ОО")) == ["note"]
    assert service.update_measure(store, methodist, int(m["id"]), MeasureChange(status="done")) == []
    kinds = store.audit.list()["action"].tolist() if hasattr(store.audit, "list") else None
    if kinds is not None:
        assert "measure_update" in kinds


def test_not_done_past_the_deadline_stays_overdue_and_cancelled_never_is(store):
    today = date(2021, 1, 10)
    ms = read.measures(store, SYSTEM, today)
    a, b = [int(i) for i in ms[ms["flag"] == "overdue"]["id"].head(2)]
    service.update_measure(store, SYSTEM, a, MeasureChange(status="not_done"))
    service.update_measure(store, SYSTEM, b, MeasureChange(status="cancelled"))
    after = read.measures(store, SYSTEM, today).set_index("id")
    assert after.loc[a, "flag"] == "overdue" and after.loc[b, "flag"] == ""
    p = read.progress(read.measures(store, SYSTEM, today))
    assert p.cancelled == 1 and p.not_done == 1 and p.done_share == 0


def test_due_soon_follows_the_setting(store):
    ms = read.measures(store, SYSTEM, date(2020, 11, 10))      # «ноябрь, 2020» ends on 30.11: 20 days ahead
    m = ms[ms["deadline_text"] == "ноябрь, 2020"].iloc[0]
    assert m["flag"] == ""
    set_setting(store, SYSTEM, DUE_SOON_SETTING_KEY, 30, Action.RULE_SETTINGS)
    again = read.measures(store, SYSTEM, date(2020, 11, 10)).set_index("id")
    assert again.loc[int(m["id"]), "flag"] == "due_soon" and again.loc[int(m["id"]), "flag_ru"] == "скоро срок"


def test_criteria_are_added_and_rated_with_history(store):
    mid = int(read.measures(store, SYSTEM, date(2020, 9, 1))["id"].iloc[0])
    cid = service.add_criterion(store, SYSTEM, mid, "Не менее 80 % педагогов прошли курсы", "")
    service.rate_criterion(store, SYSTEM, cid, "частично")
    crit = read.criteria(store, SYSTEM, [mid])
    assert list(crit["rating"]) == ["partly"]
    with pytest.raises(service.RoadmapError, match="неизвестна"):
        service.rate_criterion(store, SYSTEM, cid, "отлично")
    with pytest.raises(service.RoadmapError, match="пуст"):
        service.add_criterion(store, SYSTEM, mid, "   ")
    assert (read.history(store, SYSTEM, [mid])["field"] == "criterion").sum() == 2


def test_bad_input_is_refused_in_russian_and_changes_nothing(store):
    mid = int(read.measures(store, SYSTEM, date(2020, 9, 1))["id"].iloc[0])
    for change, phrase in [(MeasureChange(status="сделано"), "неизвестен"),
                           (MeasureChange(evidence_link="javascript:alert(1)"), "http"),
                           (MeasureChange(evidence="x" * 5000), "длиннее")]:
        with pytest.raises(service.RoadmapError, match=phrase):
            service.update_measure(store, SYSTEM, mid, change)
    assert read.history(store, SYSTEM, [mid]).empty
    with pytest.raises(service.RoadmapError, match="не найдено"):
        service.update_measure(store, SYSTEM, 999999, MeasureChange(status="done"))


def test_permissions_follow_the_table(store, tmp_path):
    south_measure = int(read.measures(store, SYSTEM, date(2020, 9, 1))["id"].iloc[0])
    # viewers and heads do not mark measures; a methodist bound to another territory does not either
    for name in ("viewer", "head", "north-methodist"):
        with pytest.raises(Forbidden):
            service.update_measure(store, user(store, name), south_measure, MeasureChange(status="done"))
    # nor may they import a roadmap into the southern territory
    south = store.territories.find("Южный район")
    f = write_docx(tmp_path / "other.docx", seed001_blocks())
    for name in ("viewer", "head", "north-methodist"):
        with pytest.raises(Forbidden):
            service.import_roadmap(store, user(store, name), f, territory_id=south)
    # a bound methodist imports into their own territory and sees only that roadmap
    nm = user(store, "north-methodist")
    rep = service.import_roadmap(store, nm, f, territory_id=nm.territory_id)
    assert rep.ok
    seen = read.visible_roadmaps(store, nm)
    assert list(seen["id"]) == [rep.roadmap_id]
    assert set(read.measures(store, nm)["roadmap_id"]) == {rep.roadmap_id}
    # schools of a measure must be in the roadmap's territory
    north_school = int(store.schools.list(territory_id=nm.territory_id)["id"].iloc[0])
    with pytest.raises((service.RoadmapError, Forbidden)):
        service.set_measure_schools(store, user(store, "methodist"), south_measure, [north_school])
    south_school = int(store.schools.list(territory_id=south)["id"].iloc[0])
    service.set_measure_schools(store, user(store, "methodist"), south_measure, [south_school])
    assert len(read.school_measures(store, SYSTEM, south_school)) == 1


def test_removing_a_roadmap_removes_its_measures_and_is_audited(store):
    rid = int(read.visible_roadmaps(store, SYSTEM)["id"].iloc[0])
    with pytest.raises(Forbidden):
        service.remove_roadmap(store, user(store, "viewer"), rid)
    service.remove_roadmap(store, SYSTEM, rid)
    assert read.measures(store, SYSTEM).empty
    assert store.sql.scalar("SELECT count(*) FROM audit_log WHERE action = 'roadmap_remove'") == 1
