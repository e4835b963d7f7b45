"""The import service on a real DuckDB file: whole or nothing, duplicates, replacement, undo, matching."""
import pytest

from shnor.importing.model import ERROR, WARNING, Hints, ParsedFile, RegistryRow, ResultRow, SchoolRef
from shnor.services.imports import NEW_SCHOOL, import_file, undo_import
from shnor.domain import events
from shnor.domain.permissions import SYSTEM, User
from shnor.store import Store


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
