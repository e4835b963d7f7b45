"""The import service on a real DuckDB file: whole or nothing, duplicates, replacement, undo, matching; who may
do what (the acting user's role and territory: the school's own stored territory decides); one batch per file
when two users save it at once. The pure matching of shnor/domain/matching.py first, with no database."""
import json
import threading

import pytest

from shnor.domain import events
from shnor.domain.matching import Alias, NameIndex, RowKeys, SchoolMatcher, SchoolRecord, name_keys
from shnor.domain.permissions import SYSTEM, Forbidden, User
from shnor.importing.model import ERROR, WARNING, Hints, ParsedFile, RegistryRow, ResultRow, SchoolRef
from shnor.services.imports import NEW_SCHOOL, UndoRefused, history, import_file, may_undo, undo_import
from shnor.store import Store

TASHTAGOL, MARIINSK = "Таштагольский муниципальный район", "Мариинский муниципальный округ"


# ---------------------------------------------------------------------------------------------
# The matching itself: pure, no database
# ---------------------------------------------------------------------------------------------
def test_name_keys_go_from_literal_to_spelled_out_to_without_ownership():
    assert name_keys("МБОУ «СОШ № 1»") == ["мбоу сош № 1", "мбоу средняя общеобразовательная школа № 1",
                                          "средняя общеобразовательная школа № 1"]
    assert name_keys("  ") == []


def test_name_index_finds_within_territory_and_district_only():
    idx = NameIndex([SchoolRecord(1, short_name="МБОУ «СОШ № 1»", territory_id=10, district_id=11),
                     SchoolRecord(2, short_name="МАОУ СОШ № 1", territory_id=20),
                     SchoolRecord(3, short_name="Гимназия № 3", territory_id=20)],
                    [Alias("name", "школа пушкина", 20, 3)])
    assert idx.lookup("мбоу сош №1", 10) == (1, "")
    assert idx.lookup("Средняя общеобразовательная школа № 1", 11) == (1, "")   # by its district, spelled out
    assert idx.lookup("МКОУ СОШ № 1", 20) == (2, "")                             # without the ownership form
    assert idx.lookup("МКОУ СОШ № 1", 20, without_ownership=False)[0] is None      # ... unless it must agree
    assert idx.lookup("СОШ № 1", 20, without_ownership=False) == (2, "")           # a name written without one
    assert idx.lookup("Школа Пушкина", 20) == (3, "")                            # a remembered alias
    assert idx.lookup("МБОУ «СОШ № 1»", 30)[0] is None
    assert idx.lookup("МБОУ «СОШ № 1»", None)[0] is None
    idx.add(4, "Гимназия № 3", 20)
    assert idx.lookup("гимназия №3", 20) == (None, "такое наименование есть у нескольких школ территории")
    assert idx.candidates("Гимназия №3 (Мариинск)", 20) == [4, 3, 2]   # most words in common first


def test_school_matcher_order_mapping_login_codes_then_name():
    schools = [SchoolRecord(1, login_key="S420001", exam_code_oge="1001", short_name="СОШ 1", territory_id=10),
               SchoolRecord(2, exam_code_oge="1002", inn="4200000002", short_name="СОШ 2", territory_id=10),
               SchoolRecord(3, exam_code_oge="1002", short_name="СОШ 3", territory_id=20)]
    m = SchoolMatcher(schools, [Alias("code", "9999", None, 3)], {"k": NEW_SCHOOL})
    assert m.resolve(RowKeys(login="S420001", exam_code="1002"), None) == (1, "")
    assert m.resolve(RowKeys(exam_code="1002", inn="4200000002"), None) == (2, "")   # shared code skipped
    assert m.resolve(RowKeys(exam_code="9999"), None) == (3, "")                     # a remembered code
    assert m.resolve(RowKeys(name="СОШ 2", mapping_key="k"), 10) == (NEW_SCHOOL, "")
    assert m.resolve(RowKeys(name="сош 3"), 20) == (3, "")
    assert m.resolve(RowKeys(name="МКОУ СОШ 3"), 20)[0] is None     # МКОУ and another form are two schools
    sid, why = m.resolve(RowKeys(exam_code="1002", name="СОШ 9"), 10)
    assert sid is None and "код ОО «1002» есть у нескольких школ" in why and "не найдена" in why
    assert m.place(3) == (20, None)


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "t.duckdb")
    with s.unit(SYSTEM) as u:
        u.territories.add("Тестовая область", kind="region")
        u.record(events.TERRITORY_ADDED, territory="Тестовая область")
    yield s
    s.close()


def _file(tmp_path, name, content):
    p = tmp_path / name
    p.write_text(content)
    return p


def registry(*rows):
    return ParsedFile("reg.xlsx", "5A", "Реестр", registry=[
        RegistryRow(SchoolRef(login=l, name=n, territory=t, exam_code=c), short_name=n, exam_code_oge=c,
                    source_sheet="Лист1", source_row=i + 2) for i, (l, n, t, c) in enumerate(rows)])


def results(*rows, name="r.xlsx"):
    return ParsedFile(name, "4", "Шаблон", results=[
        ResultRow(SchoolRef(login=l, name=n, territory=t, exam_code=c), proc, y, part, low,
                  source_sheet="Лист1", source_row=i + 2)
        for i, (l, n, t, c, proc, y, part, low) in enumerate(rows)])


def snapshot(store):
    return (store.sql.df("SELECT * FROM results ORDER BY ALL").to_csv(),
            store.sql.df("SELECT id, short_name, fisoko_login FROM schools ORDER BY id").to_csv())


def load_registry(store, tmp_path):
    rep = import_file(store, _file(tmp_path, "reg.txt", "reg"), SYSTEM, parsed=registry(
        ("sch420001", "МБОУ «СОШ № 1»", "Таштагольский муниципальный район", "1001"),
        ("sch420002", "МКОУ \"ООШ № 2\"", "Таштагольский муниципальный район", "1002"),
        (None, "МБОУ «Гимназия № 3»", "Мариинский муниципальный округ", "2003")))
    assert rep.status == "stored" and rep.rows_stored == 3
    return rep


def test_store_then_identical_file_is_already_loaded(store, tmp_path):
    load_registry(store, tmp_path)
    f = _file(tmp_path, "a.txt", "a")
    parsed = results(("sch420001", None, None, None, "VPR-MATH-5", 2021, 25, 10))
    rep = import_file(store, f, SYSTEM, parsed=parsed)
    assert rep.status == "stored" and rep.rows_stored == 1
    before = snapshot(store)
    again = import_file(store, f, SYSTEM, parsed=parsed)
    assert again.status == "duplicate" and "уже загружен" in again.issues[0].message
    assert snapshot(store) == before


def test_sch_and_edu_are_one_school_and_latest_login_form_is_kept(store, tmp_path):
    load_registry(store, tmp_path)
    rep = import_file(store, _file(tmp_path, "b.txt", "b"), SYSTEM,
                      parsed=results(("edu420001", None, None, None, "VPR-RUS-5", 2022, 20, 2)))
    assert rep.status == "stored" and not rep.new_schools
    row = store.sql.df("SELECT fisoko_login FROM schools WHERE login_key = 'S420001'")
    assert row.iloc[0, 0] == "edu420001"


def test_replacement_is_recorded_and_undo_restores_the_old_values(store, tmp_path):
    load_registry(store, tmp_path)
    first = import_file(store, _file(tmp_path, "1.txt", "1"), SYSTEM,
                        parsed=results(("sch420001", None, None, None, "OGE-MATH", 2021, 30, 3)))
    second = import_file(store, _file(tmp_path, "2.txt", "2"), SYSTEM,
                         parsed=results(("sch420001", None, None, None, "OGE-MATH", 2021, 30, 12),
                                        ("sch420002", None, None, None, "OGE-MATH", 2021, 8, 1)))
    assert second.status == "stored" and second.replaced == 1 and second.rows_stored == 2
    assert store.sql.scalar("SELECT low_count FROM results WHERE school_id = 1") == 12
    msg = undo_import(store, second.batch_id, SYSTEM)
    assert "восстановлено прежних — 1" in msg
    assert store.sql.scalar("SELECT low_count FROM results WHERE school_id = 1") == 3
    assert store.sql.scalar("SELECT count(*) FROM results") == 1
    # undoing the first now removes the value entirely; a second undo is refused
    undo_import(store, first.batch_id, SYSTEM)
    assert store.sql.scalar("SELECT count(*) FROM results") == 0
    with pytest.raises(ValueError, match="уже отменена"):
        undo_import(store, first.batch_id, SYSTEM)


def test_undo_skips_values_of_batches_undone_in_between(store, tmp_path):
    load_registry(store, tmp_path)
    a = import_file(store, _file(tmp_path, "a.txt", "a"), SYSTEM, parsed=results(("sch420001", None, None, None, "OGE-RUS", 2021, 10, 1)))
    b = import_file(store, _file(tmp_path, "b.txt", "b"), SYSTEM, parsed=results(("sch420001", None, None, None, "OGE-RUS", 2021, 10, 2)))
    c = import_file(store, _file(tmp_path, "c.txt", "c"), SYSTEM, parsed=results(("sch420001", None, None, None, "OGE-RUS", 2021, 10, 3)))
    assert (a.status, b.status, c.status) == ("stored",) * 3
    undo_import(store, b.batch_id, SYSTEM)  # b is not current: nothing changes in results
    assert store.sql.scalar("SELECT low_count FROM results") == 3
    undo_import(store, c.batch_id, SYSTEM)  # back to a's value, not b's
    assert store.sql.scalar("SELECT low_count FROM results") == 1


def test_a_file_with_a_bad_row_stores_nothing(store, tmp_path):
    load_registry(store, tmp_path)
    before = snapshot(store)
    parsed = results(("sch420001", None, None, None, "VPR-MATH-5", 2021, 25, 10),
                     ("edu420001", None, None, None, "VPR-MATH-5", 2021, 25, 11))  # same school twice
    rep = import_file(store, _file(tmp_path, "d.txt", "d"), SYSTEM, parsed=parsed)
    assert rep.status == "refused"
    assert any(i.level == ERROR and i.row == 3 for i in rep.issues)
    assert snapshot(store) == before
    assert store.sql.scalar("SELECT count(*) FROM import_batches") == 1  # only the registry


def test_unknown_login_creates_the_school_with_a_warning(store, tmp_path):
    load_registry(store, tmp_path)
    rep = import_file(store, _file(tmp_path, "e.txt", "e"), SYSTEM, parsed=results(
        ("sch429999", "МБОУ «Новая СОШ»", "Новый район", None, "VPR-MATH-6", 2021, 12, 1)))
    assert rep.status == "stored" and rep.new_schools == ["МБОУ «Новая СОШ»"]
    assert any(i.level == WARNING and "добавлена" in i.message for i in rep.issues)
    assert store.territories.find("Новый район") is not None


def test_unmatched_name_waits_for_mapping_then_mapping_is_remembered(store, tmp_path):
    load_registry(store, tmp_path)
    before = snapshot(store)
    parsed = results((None, "Гимназия №3 (Мариинск)", "Мариинский муниципальный округ", None, "EGE-RUS", 2021, 15, 1))
    f = _file(tmp_path, "f.txt", "f")
    rep = import_file(store, f, SYSTEM, parsed=parsed)
    assert rep.status == "needs_mapping" and len(rep.unmatched) == 1
    u = rep.unmatched[0]
    assert u.rows == [2] and u.candidates and u.candidates[0][1] == "МБОУ «Гимназия № 3»"
    assert snapshot(store) == before
    rep = import_file(store, f, SYSTEM, parsed=parsed, mappings={u.key: u.candidates[0][0]})
    assert rep.status == "stored"
    # the next file with the same name matches by itself
    parsed2 = results((None, "Гимназия №3 (Мариинск)", "Мариинский муниципальный округ", None, "EGE-RUS", 2022, 14, 0))
    rep2 = import_file(store, _file(tmp_path, "g.txt", "g"), SYSTEM, parsed=parsed2)
    assert rep2.status == "stored" and rep2.rows_stored == 1


def test_name_matching_ignores_quotes_case_and_spaces(store, tmp_path):
    load_registry(store, tmp_path)
    rep = import_file(store, _file(tmp_path, "h.txt", "h"), SYSTEM, parsed=results(
        (None, 'мбоу "сош №1"', "Таштагольский муниципальный район", None, "OGE-RUS", 2021, 20, 1)))
    assert rep.status == "stored" and rep.rows_stored == 1


def test_a_shared_code_is_no_match(store, tmp_path):
    load_registry(store, tmp_path)
    with store.unit(SYSTEM) as u:
        u.schools.update(2, {"exam_code_oge": "1001"})
        u.record(events.SETTING_CHANGED, test=True)
    rep = import_file(store, _file(tmp_path, "i.txt", "i"), SYSTEM, parsed=results(
        (None, None, None, "1001", "OGE-RUS", 2021, 20, 1)))
    assert rep.status == "needs_mapping"
    assert "есть у нескольких школ" in rep.unmatched[0].reason


def test_new_school_from_mapping(store, tmp_path):
    load_registry(store, tmp_path)
    parsed = results((None, "МБОУ «СОШ № 40»", "Таштагольский муниципальный район", None, "OGE-RUS", 2021, 20, 1))
    f = _file(tmp_path, "j.txt", "j")
    key = import_file(store, f, SYSTEM, parsed=parsed).unmatched[0].key
    rep = import_file(store, f, SYSTEM, parsed=parsed, mappings={key: NEW_SCHOOL})
    assert rep.status == "stored" and rep.new_schools == ["МБОУ «СОШ № 40»"]


def test_territory_scope_keeps_only_own_rows(store, tmp_path):
    load_registry(store, tmp_path)
    tid = store.territories.find("Мариинский муниципальный округ")
    user = User("mariinsk", "methodist", tid, "Мариинский муниципальный округ", frozenset({tid}))
    rep = import_file(store, _file(tmp_path, "k.txt", "k"), user, parsed=results(
        ("sch420001", None, None, None, "OGE-RUS", 2021, 20, 1),
        (None, None, None, "2003", "OGE-RUS", 2021, 20, 1)))
    assert rep.status == "stored" and rep.rows_stored == 1 and rep.out_of_scope == 1
    assert "вне вашей территории: 1" in rep.summary_ru()


def test_dry_run_changes_nothing_and_previews(store, tmp_path):
    load_registry(store, tmp_path)
    before = snapshot(store)
    rep = import_file(store, _file(tmp_path, "l.txt", "l"), SYSTEM, dry_run=True, parsed=results(
        ("sch420001", None, None, None, "OGE-RUS", 2021, 20, 7)))
    assert rep.status == "preview" and len(rep.preview) == 1
    assert rep.preview.iloc[0]["Изменение"] == "новый"
    assert snapshot(store) == before
    assert store.sql.scalar("SELECT count(*) FROM import_batches") == 1


def test_registry_reimport_updates_and_undo_restores(store, tmp_path):
    load_registry(store, tmp_path)
    rep = import_file(store, _file(tmp_path, "m.txt", "m"), SYSTEM, parsed=registry(
        ("edu420001", "МБОУ «СОШ № 1 им. Героя»", "Таштагольский муниципальный район", "1001")))
    assert rep.status == "stored" and rep.replaced == 1
    assert store.sql.scalar("SELECT short_name FROM schools WHERE id = 1") == "МБОУ «СОШ № 1 им. Героя»"
    undo_import(store, rep.batch_id, SYSTEM)
    assert store.sql.scalar("SELECT short_name FROM schools WHERE id = 1") == "МБОУ «СОШ № 1»"
    assert store.sql.scalar("SELECT fisoko_login FROM schools WHERE id = 1") == "sch420001"


# ---------------------------------------------------------------------------------------------
# Who may do what: the acting user, the school's own territory
# ---------------------------------------------------------------------------------------------
def user_of(store, name, role, territory=None):
    """A user as the accounts service makes it: bound to `territory` (its id and everything below it)."""
    if territory is None:
        return User(name, role)
    tid = store.territories.find(territory)
    return User(name, role, tid, territory, frozenset(store.territories.subtree(tid)))


def with_mariinsk_school(store, tmp_path):
    load_registry(store, tmp_path)
    rep = import_file(store, _file(tmp_path, "reg77.txt", "reg77"), SYSTEM, parsed=registry(
        ("sch420077", "МБОУ «СОШ № 77»", MARIINSK, "2077")))
    assert rep.status == "stored"
    return int(store.sql.scalar("SELECT id FROM schools WHERE login_key = 'S420077'"))


def school(store, sid):
    return store.sql.one("SELECT s.short_name, t.name FROM schools s JOIN territories t ON t.id = s.territory_id "
                         "WHERE s.id = ?", [sid])


def audit(store, kind):
    return [json.loads(d) for d in store.audit.list(action=kind.name)["detail"]]


def test_a_bound_methodist_cannot_rename_or_move_a_school_of_another_territory(store, tmp_path):
    sid = with_mariinsk_school(store, tmp_path)
    tasht = user_of(store, "tasht", "methodist", TASHTAGOL)
    # the registry row: the login of a Мариинский school, a new name, the methodist's own territory
    rep = import_file(store, _file(tmp_path, "r1.txt", "r1"), tasht, parsed=registry(
        ("sch420077", "МБОУ «Новое имя»", TASHTAGOL, None)))
    assert rep.status == "stored" and rep.rows_stored == 0 and rep.out_of_scope == 1
    assert school(store, sid) == ("МБОУ «СОШ № 77»", MARIINSK)
    told = " ".join(i.message for i in rep.issues)
    assert f"относится к территории «{MARIINSK}», а не к вашей" in told and "строка не сохранена" in told
    assert "пропущено строк вне вашей территории: 1" in rep.summary_ru()
    assert audit(store, events.SCHOOL_MOVED) == []
    # its results cannot be written either, whatever territory the file names
    rep = import_file(store, _file(tmp_path, "r2.txt", "r2"), tasht, parsed=results(
        ("sch420077", "МБОУ «Новое имя»", TASHTAGOL, None, "VPR-MATH-5", 2021, 20, 9)))
    assert rep.rows_stored == 0 and rep.out_of_scope == 1
    assert store.sql.scalar("SELECT count(*) FROM results WHERE school_id = ?", [sid]) == 0


def test_only_an_unbound_admin_moves_a_school_and_the_move_is_audited(store, tmp_path):
    sid = with_mariinsk_school(store, tmp_path)
    t_id, m_id = store.territories.find(TASHTAGOL), store.territories.find(MARIINSK)
    row = registry(("sch420077", "МБОУ «СОШ № 77»", TASHTAGOL, "2077"))
    for who in (User("region-methodist", "methodist"), user_of(store, "m-admin", "admin", MARIINSK)):
        rep = import_file(store, _file(tmp_path, f"{who.name}.txt", who.name), who, parsed=row)
        assert rep.status == "stored" and rep.rows_stored == 0 and rep.out_of_scope == 1 and not rep.moved
        assert any("переносить школы между территориями может только администратор всего региона" in i.message
                   for i in rep.issues)
        assert school(store, sid) == ("МБОУ «СОШ № 77»", MARIINSK)
    admin = User("admin", "admin")
    rep = import_file(store, _file(tmp_path, "admin.txt", "admin"), admin, parsed=row)
    assert rep.status == "stored" and rep.rows_stored == 1
    assert rep.moved == [f"«МБОУ «СОШ № 77»»: из «{MARIINSK}» в «{TASHTAGOL}»"]
    assert "перенесены в другую территорию школ: 1" in rep.summary_ru()
    assert school(store, sid) == ("МБОУ «СОШ № 77»", TASHTAGOL)
    [moved] = audit(store, events.SCHOOL_MOVED)
    assert (moved["school_id"], moved["from_territory_id"], moved["from_territory"], moved["to_territory_id"],
            moved["to_territory"]) == (sid, m_id, MARIINSK, t_id, TASHTAGOL)
    assert store.audit.list(action=events.SCHOOL_MOVED.name)["actor"].tolist() == ["admin"]
    undo_import(store, rep.batch_id, admin)
    assert school(store, sid) == ("МБОУ «СОШ № 77»", MARIINSK)


def test_a_bound_users_region_wide_file_creates_nothing_outside_their_territory(store, tmp_path):
    load_registry(store, tmp_path)
    tasht = user_of(store, "tasht", "methodist", TASHTAGOL)
    territories = store.territories.list()["name"].tolist()
    added = len(audit(store, events.TERRITORY_ADDED))
    rep = import_file(store, _file(tmp_path, "wide.txt", "wide"), tasht, parsed=results(
        ("sch420001", None, TASHTAGOL, None, "OGE-RUS", 2021, 20, 1),               # their school: stored
        ("sch429991", "СОШ Мариинска", MARIINSK, None, "OGE-RUS", 2021, 20, 1),       # new, another territory
        ("sch429992", "СОШ Нового района", "Новый район", None, "OGE-RUS", 2021, 20, 1),  # a new territory
        ("sch429993", "СОШ без территории", None, None, "OGE-RUS", 2021, 20, 1),      # nowhere
        ("sch429994", "Новая СОШ Таштагола", TASHTAGOL, None, "OGE-RUS", 2021, 20, 1),  # new, their territory
        (None, "Гимназия № 3", MARIINSK, None, "OGE-RUS", 2021, 20, 1)))              # a name of another territory
    assert rep.status == "stored" and rep.rows_stored == 2 and rep.out_of_scope == 4
    assert rep.new_schools == ["Новая СОШ Таштагола"] and not rep.unmatched
    assert store.territories.list()["name"].tolist() == territories
    assert store.sql.scalar("SELECT count(*) FROM schools WHERE login_key IN ('S429991', 'S429992', 'S429993')") == 0
    told = " ".join(i.text() for i in rep.issues)
    assert "территории «Новый район» нет в справочнике, а добавлять территории может только пользователь, не " \
           "привязанный к территории — строка не сохранена" in told
    assert "строка 5" in told and "территория в строке не указана" in told
    assert len(audit(store, events.TERRITORY_ADDED)) == added
    # a registry: no school of another territory, no new territory or district
    rep = import_file(store, _file(tmp_path, "wide-reg.txt", "wide-reg"), tasht, parsed=ParsedFile(
        "reg.xlsx", "5A", "Реестр", registry=[
            RegistryRow(SchoolRef(login="sch429995", name="СОШ 95", territory=MARIINSK), short_name="СОШ 95"),
            RegistryRow(SchoolRef(login="sch429996", name="СОШ 96", territory="Новый район"), short_name="СОШ 96"),
            RegistryRow(SchoolRef(login="sch429997", name="СОШ 97", territory=TASHTAGOL, district="Новый микрорайон"),
                        short_name="СОШ 97"),
            RegistryRow(SchoolRef(login="sch429998", name="СОШ 98", territory=TASHTAGOL), short_name="СОШ 98")]))
    assert rep.status == "stored" and rep.rows_stored == 1 and rep.out_of_scope == 3
    assert store.territories.list()["name"].tolist() == territories
    assert store.sql.scalar("SELECT count(*) FROM schools WHERE login_key IN ('S429995', 'S429996', 'S429997')") == 0
    assert "территории «Новый микрорайон» нет в справочнике" in " ".join(i.message for i in rep.issues)


def test_an_unbound_methodist_adds_a_territory_with_an_event(store, tmp_path):
    load_registry(store, tmp_path)
    rep = import_file(store, _file(tmp_path, "n.txt", "n"), User("ivanova", "methodist"), parsed=results(
        ("sch429992", "СОШ Нового района", "Новый район", None, "OGE-RUS", 2021, 20, 1)))
    assert rep.status == "stored" and rep.new_territories == ["Новый район"] and "новых территорий: 1" in rep.summary_ru()
    [added] = [a for a in audit(store, events.TERRITORY_ADDED) if a.get("batch") == rep.batch_id]
    assert added["territory"] == "Новый район" and added["territory_id"] == store.territories.find("Новый район")
    assert added["parent_id"] == store.territories.root_id()


def test_roles_without_import_rights_are_refused_before_anything(store, tmp_path):
    load_registry(store, tmp_path)
    before = snapshot(store), store.sql.scalar("SELECT count(*) FROM import_batches")
    parsed = results(("sch420001", None, None, None, "OGE-RUS", 2021, 20, 1))
    for who in (User("v", "viewer"), User("h", "head")):
        with pytest.raises(Forbidden, match="не может загружать файлы"):
            import_file(store, _file(tmp_path, "x.txt", "x"), who, parsed=parsed)
    assert (snapshot(store), store.sql.scalar("SELECT count(*) FROM import_batches")) == before


def test_a_remembered_mapping_is_an_event_and_stays_inside_the_users_territory(store, tmp_path):
    load_registry(store, tmp_path)
    gym = int(store.sql.scalar("SELECT id FROM schools WHERE short_name = 'МБОУ «Гимназия № 3»'"))
    parsed = results((None, "Гимназия №3 (Мариинск)", MARIINSK, None, "EGE-RUS", 2021, 15, 1))
    key = import_file(store, _file(tmp_path, "f.txt", "f"), SYSTEM, parsed=parsed).unmatched[0].key
    # a Таштагол methodist's file naming a Мариинский school: left out, no mapping asked or remembered
    tasht = user_of(store, "tasht", "methodist", TASHTAGOL)
    rep = import_file(store, _file(tmp_path, "f.txt", "f"), tasht, parsed=parsed, mappings={key: gym})
    assert rep.status == "stored" and rep.out_of_scope == 1 and rep.rows_stored == 0
    assert store.sql.scalar("SELECT count(*) FROM school_aliases") == 0
    mar = user_of(store, "mar", "methodist", MARIINSK)
    rep = import_file(store, _file(tmp_path, "g.txt", "g"), mar, parsed=parsed, mappings={key: gym})
    assert rep.status == "stored" and rep.rows_stored == 1
    [mapped] = audit(store, events.SCHOOL_MAPPED)
    assert (mapped["school_id"], mapped["name"], mapped["key"]) == (gym, "Гимназия №3 (Мариинск)", key)
    assert store.sql.scalar("SELECT created_by FROM school_aliases") == "mar"


def test_undo_a_bound_methodist_undoes_only_their_own_imports(store, tmp_path):
    load_registry(store, tmp_path)
    tasht = user_of(store, "tasht", "methodist", TASHTAGOL)
    other = import_file(store, _file(tmp_path, "o.txt", "o"), User("ivanova", "methodist"), parsed=results(
        ("sch420002", None, None, None, "OGE-RUS", 2021, 20, 1)))
    own = import_file(store, _file(tmp_path, "w.txt", "w"), tasht, parsed=results(
        ("sch420001", None, None, None, "OGE-RUS", 2021, 20, 2)))
    assert not may_undo(tasht, store.imports.batch(other.batch_id)) and may_undo(tasht, store.imports.batch(own.batch_id))
    with pytest.raises(Forbidden, match="только свои.*ivanova"):
        undo_import(store, other.batch_id, tasht)
    assert store.imports.batch(other.batch_id)["status"] == "stored"
    assert "отменена" in undo_import(store, own.batch_id, tasht)
    with pytest.raises(UndoRefused, match="уже отменена"):
        undo_import(store, own.batch_id, tasht)
    with pytest.raises(UndoRefused, match="не найдена"):
        undo_import(store, 999, SYSTEM)
    with pytest.raises(Forbidden):
        undo_import(store, other.batch_id, User("v", "viewer"))
    [undone] = audit(store, events.IMPORT_UNDONE)
    assert undone["batch"] == own.batch_id and undone["created_by"] == "tasht"
    assert store.audit.list(action=events.IMPORT_UNDONE.name)["actor"].tolist() == ["tasht"]
    # an unbound methodist undoes anyone's
    assert "отменена" in undo_import(store, other.batch_id, User("petrova", "methodist"))


def test_history_of_a_bound_user_is_their_territorys_and_their_own(store, tmp_path):
    load_registry(store, tmp_path)
    mar = user_of(store, "mar", "methodist", MARIINSK)
    tasht_batch = import_file(store, _file(tmp_path, "t.txt", "t"), SYSTEM, parsed=results(
        ("sch420001", None, None, None, "OGE-RUS", 2021, 20, 2))).batch_id
    own_empty = import_file(store, _file(tmp_path, "m.txt", "m"), mar, parsed=results(
        ("sch420001", None, None, None, "OGE-RUS", 2022, 20, 2))).batch_id      # left out, but theirs
    everyone = history(store, SYSTEM)["id"].tolist()
    assert tasht_batch in everyone and own_empty in everyone
    mine = history(store, mar)["id"].tolist()
    assert own_empty in mine and tasht_batch not in mine
    assert 1 in mine        # the first registry created Мариинский's Гимназия № 3


# ---------------------------------------------------------------------------------------------
# One batch per file, whoever saves it at the same moment
# ---------------------------------------------------------------------------------------------
def test_two_users_saving_the_same_file_at_once_make_one_batch(store, tmp_path, monkeypatch):
    load_registry(store, tmp_path)
    f = _file(tmp_path, "same.txt", "same")
    parsed = results(("sch420001", None, None, None, "OGE-MATH", 2021, 30, 3))
    # both pass the first check before either has stored (the check before the unit sees nothing)
    monkeypatch.setattr(store.imports, "stored_batch_of", lambda sha: None)
    gate = threading.Barrier(2)
    reports = {}

    def save(who):
        gate.wait()
        reports[who.name] = import_file(store, f, who, parsed=parsed)

    threads = [threading.Thread(target=save, args=(u,)) for u in (User("ivanova", "methodist"), User("admin", "admin"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(r.status for r in reports.values()) == ["duplicate", "stored"]
    [dup] = [r for r in reports.values() if r.status == "duplicate"]
    [stored] = [r for r in reports.values() if r.status == "stored"]
    assert "уже загружен" in dup.issues[0].message and dup.batch_id == stored.batch_id
    assert store.sql.scalar("SELECT count(*) FROM import_batches WHERE sha256 = ?", [stored.sha256]) == 1
    assert store.sql.rows("SELECT batch_id FROM stored_files WHERE sha256 = ?", [stored.sha256]) == [(stored.batch_id,)]
    assert len(audit(store, events.IMPORT_STORED)) == 2     # the registry and this one file
    # undone, the file may be stored again
    undo_import(store, stored.batch_id, SYSTEM)
    assert store.sql.scalar("SELECT count(*) FROM stored_files WHERE sha256 = ?", [stored.sha256]) == 0
    monkeypatch.undo()
    assert import_file(store, f, SYSTEM, parsed=parsed).status == "stored"


def test_the_stored_files_key_refuses_a_second_claim(store):
    with store.unit(SYSTEM) as u:
        assert u.imports.claim_file("abc", 1)
        u.record(events.IMPORT_STORED, batch=1)
    with store.unit(SYSTEM) as u:
        assert not u.imports.claim_file("abc", 2)
        u.record(events.IMPORT_STORED, batch=2)
    assert store.imports.stored_batch_of("abc") == 1


# ---------------------------------------------------------------------------------------------
# The command line: import prints the batch number, history, undo
# ---------------------------------------------------------------------------------------------
TEMPLATE_HEAD = "Учебный год;Процедура;Код ОО;Наименование ОО;Территория;Участников;Низкий результат, чел."


def _template(path, rows):
    path.write_text("\n".join([TEMPLATE_HEAD] + [";".join(map(str, r)) for r in rows]) + "\n", encoding="utf-8")
    return path


def _cli(capsys, db, *args, user=None):
    from shnor.cli import main
    argv = ["--db", str(db)] + (["--user", user] if user else []) + list(args)
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def cli_db(tmp_path):
    from shnor.services import accounts
    db = tmp_path / "cli.duckdb"
    s = Store.open(db)
    with s.unit(SYSTEM) as u:
        u.territories.add("Тестовая область", kind="region")
        u.territories.add(TASHTAGOL)
        u.territories.add(MARIINSK)
        u.record(events.TERRITORY_ADDED, territories=3)
    accounts.add_user(s, SYSTEM, "tasht", "methodist", "Пароль-для-тестов-1", TASHTAGOL)
    accounts.add_user(s, SYSTEM, "mar", "methodist", "Пароль-для-тестов-1", MARIINSK)
    s.close()
    return db


def test_cli_import_history_and_undo(cli_db, tmp_path, capsys):
    import csv
    import io
    a = _template(tmp_path / "a.csv", [("2020/2021", "OGE-MATH", "sch420001", "СОШ 1", TASHTAGOL, 10, 3)])
    b = _template(tmp_path / "b.csv", [("2020/2021", "OGE-RUS", "sch420002", "СОШ 2", MARIINSK, 10, 1)])
    code, out, err = _cli(capsys, cli_db, "import", str(a), str(b))
    assert code == 0, err
    lines = [x for x in out.splitlines() if x.startswith("загрузка № ")]
    assert lines == ["загрузка № 1: a.csv: Шаблон системы (плоская таблица), ОГЭ, математика, 2020/2021; "
                     "сохранено строк: 1; новых школ: 1.",
                     "загрузка № 2: b.csv: Шаблон системы (плоская таблица), ОГЭ, русский язык, 2020/2021; "
                     "сохранено строк: 1; новых школ: 1."]
    code, out, _ = _cli(capsys, cli_db, "import", str(a))
    assert code == 0 and "уже загружен" in out and "загрузка № 1)" in out and not out.startswith("загрузка №")
    c = _template(tmp_path / "c.csv", [("2021/2022", "OGE-MATH", "sch420001", "СОШ 1", TASHTAGOL, 10, 1)])
    code, out, _ = _cli(capsys, cli_db, "import", str(c), user="tasht")
    assert code == 0 and out.startswith("загрузка № 3: c.csv")
    code, out, _ = _cli(capsys, cli_db, "history", "--format", "csv")
    assert code == 0 and out.splitlines()[0] == "batch,file,kind,user,stored_at,rows,undone"
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["batch"], r["file"], r["user"], r["rows"], r["undone"]) for r in rows] == [
        ("3", "c.csv", "tasht", "1", ""), ("2", "b.csv", "system", "1", ""), ("1", "a.csv", "system", "1", "")]
    assert {r["kind"] for r in rows} == {"Шаблон системы (плоская таблица)"}
    assert all(len(r["stored_at"]) == 19 for r in rows)
    # a bound user sees their territory's batches and their own
    code, out, _ = _cli(capsys, cli_db, "history", "--format", "csv", user="mar")
    assert [r["batch"] for r in csv.DictReader(io.StringIO(out))] == ["2"]
    code, out, _ = _cli(capsys, cli_db, "history", user="tasht")
    assert code == 0 and "c.csv" in out and "a.csv" in out and "b.csv" not in out and "Файл" in out
    # undo: a bound methodist only their own; then done, then refused as already undone
    code, _, err = _cli(capsys, cli_db, "undo", "1", user="tasht")
    assert code == 2 and "только свои" in err and "system" in err
    code, out, _ = _cli(capsys, cli_db, "undo", "3", user="tasht")
    assert code == 0 and out.startswith("Загрузка № 3 (c.csv) отменена")
    code, _, err = _cli(capsys, cli_db, "undo", "3", user="tasht")
    assert code == 2 and "уже отменена" in err
    code, _, err = _cli(capsys, cli_db, "undo", "99")
    assert code == 2 and "Загрузка № 99 не найдена" in err
    with pytest.raises(SystemExit) as exc:
        _cli(capsys, cli_db, "undo", "третья")
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "номер загрузки — целое число" in err and "invalid" not in err
    code, out, _ = _cli(capsys, cli_db, "history", "--format", "csv")
    undone = {r["batch"]: r["undone"] for r in csv.DictReader(io.StringIO(out))}
    assert undone["3"] and len(undone["3"]) == 19 and undone["1"] == ""


def test_two_schools_differing_only_by_ownership_form_stay_two(store, tmp_path):
    rep = import_file(store, _file(tmp_path, "mokh.txt", "mokh"), SYSTEM, parsed=registry(
        (None, "МБОУ «Моховская СОШ»", TASHTAGOL, "1730"), (None, "МКОУ «Моховская СОШ»", TASHTAGOL, "1777")))
    assert rep.status == "stored" and rep.rows_stored == 2
    assert sorted(store.sql.df("SELECT short_name FROM schools")["short_name"]) == [
        "МБОУ «Моховская СОШ»", "МКОУ «Моховская СОШ»"]
