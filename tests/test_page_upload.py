"""«Загрузка»: the flow (shnor.ui.upload_flow) directly, and the page through AppTest — several files at once,
preview, errors by row, mapping an unmatched school once, «Сохранить», history with confirmed undo, the
territory scope, downloads, and that roles without upload rights see nothing of the page."""
import io

import openpyxl
import pytest

from listdb import NORTH, build
from pagetest import page_as, page_store, run_page, texts
from shnor.importing.layouts.template import HEADERS
from shnor.importing.model import Hints
from shnor.domain.permissions import User
from shnor.services.imports import NEW_SCHOOL
from shnor.store import Store
from shnor.ui import upload_flow as uf
from shnor.ui.safe import md

METHODIST = User("methodist", "methodist")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template_bytes(rows) -> bytes:
    """A file of layout 4 (the project's template) with the given rows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(HEADERS[:7]))
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


Y = "2022/2023"
GOOD = [(Y, "VPR-MATH-5", "sch420001", "МБОУ «СОШ № 1»", NORTH, 20, 5),
        (Y, "ВПР, математика, 5 кл.", None, "Школа имени Пушкина", NORTH, 15, 2),   # no code, unknown name
        (Y, "VPR-MATH-5", "sch420004", "МБОУ «СОШ № 4»", "Южный район", 10, 1)]
BAD = [(Y, "VPR-MATH-5", "sch420003", "МАОУ «Гимназия № 3»", NORTH, 10, 12)]  # low > participants


# ---------------------------------------------------------------------------------------------
# The flow, directly
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def store(tmp_path):
    build(tmp_path / "t.duckdb", tmp_path)
    s = Store.open(tmp_path / "t.duckdb")
    yield s
    s.close()


def test_flow_asks_procedure_and_year_at_once_and_saves_with_the_parse_of_the_preview(store, tmp_path):
    # a ВПР protocol (layout 1B) whose content names neither the work nor the year: both asked at once, with
    # likely values (grade 5 from the pupils' codes, the highest total 20 = the maximum of math-5 among the known
    # scales; 2020/2021, the only year with that scale), nothing refused
    header = ["логин школы", "регион", "номер обучающегося", "код обучающегося",
              "отметка за предыдущую четверть/триместр", "пол", "класс", "вариант", "всего баллов", "балл за 1"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for i, total in enumerate([3, 5, 6, 9, 12, 15, 18, 20, 2, 11]):  # scale 2020: 0-6 -> «2»: 4 of 10
        ws.append(["sch420001", NORTH, str(i + 1), str(50001 + i), "4", "м", "а", "1", str(total), "1"])
    buf = io.BytesIO()
    wb.save(buf)
    p = uf.stage_upload("протокол.xlsx", buf.getvalue(), tmp_path / "up")
    rep = uf.preview(store, p, METHODIST)
    assert rep.status == "needs_input" and rep.layout == "1B" and uf.asks(rep) == {"procedure", "year"}
    assert rep.errors() == [] and "отклон" not in rep.summary_ru()
    assert rep.proposals["procedure"].value == "VPR-MATH-5" and rep.proposals["year"].value == 2020
    assert "наибольшему общему баллу (20)" in rep.proposals["procedure"].reason
    p.hints = Hints(procedure="VPR-MATH-5", year=2020)
    rep = uf.preview(store, p, METHODIST)
    assert rep.status == "preview" and uf.asks(rep) == set() and p.parses == 2
    assert rep.procedure == "VPR-MATH-5" and rep.year == 2020
    prev = uf.preview_frame(rep)
    assert list(prev["Участников"]) == [10] and list(prev["Низкий результат, чел."]) == [4]
    assert list(prev["Доля"]) == ["40,0\u00a0%"]
    assert store.sql.scalar("SELECT low_count FROM results WHERE procedure = 'VPR-MATH-5' AND year = 2020") is None
    uf.preview(store, p, METHODIST)           # same hints: not parsed again
    saved = uf.save(store, p, METHODIST)
    assert saved.status == "stored" and p.parses == 2  # the preview's parse was stored, no re-parse
    assert store.sql.scalar("SELECT low_count FROM results r JOIN schools s ON s.id = r.school_id "
                        "WHERE s.fisoko_login = 'sch420001' AND procedure = 'VPR-MATH-5' AND year = 2020") == 4
    again = uf.stage_upload("копия.xlsx", buf.getvalue(), tmp_path / "up")
    assert uf.preview(store, again, METHODIST).status == "duplicate"


def test_flow_mapping_is_passed_and_remembered(store, tmp_path):
    p = uf.stage_upload("шаблон.xlsx", template_bytes(GOOD), tmp_path / "up")
    rep = uf.preview(store, p, METHODIST)
    assert rep.status == "needs_mapping" and [u.name for u in rep.unmatched] == ["Школа имени Пушкина"]
    sid2 = int(store.sql.scalar("SELECT id FROM schools WHERE fisoko_login = 'sch420002'"))
    p.mappings = {rep.unmatched[0].key: sid2}
    assert uf.preview(store, p, METHODIST).status == "preview"
    assert uf.save(store, p, METHODIST).status == "stored"
    # the next file with that name matches by itself
    p2 = uf.stage_upload("шаблон2.xlsx", template_bytes([(Y, "VPR-RUS-5", None, "школа имени пушкина", NORTH, 9, 1)]),
                         tmp_path / "up")
    assert uf.preview(store, p2, METHODIST).status == "preview"


def test_flow_new_school_and_issue_table(store, tmp_path):
    p = uf.stage_upload("плохой.xlsx", template_bytes(BAD), tmp_path / "up")
    rep = uf.preview(store, p, METHODIST)
    assert rep.status == "refused"
    t = uf.issues_frame(rep)
    row = t.iloc[0]
    assert (row["Уровень"], row["Лист"], row["Строка"], row["Значение"]) == ("ошибка", "Sheet", "2", "12")
    assert row["Столбец"] == "Низкий результат, чел." and "больше числа участников" in row["Сообщение"]
    p = uf.stage_upload("новая.xlsx", template_bytes(GOOD[1:2]), tmp_path / "up")
    rep = uf.preview(store, p, METHODIST)
    p.mappings = {rep.unmatched[0].key: NEW_SCHOOL}
    assert uf.save(store, p, METHODIST).status == "stored"
    assert store.sql.scalar("SELECT count(*) FROM schools WHERE short_name = 'Школа имени Пушкина'") == 1


# ---------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------
def run(user):
    return run_page("upload", user, timeout=120)


def button(at, label):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r}: {[b.label for b in at.button]}"
    return found[0]


def frames(at, column):
    return [d.value for d in at.dataframe if column in d.value.columns]


@pytest.mark.parametrize("user", ["viewer", "head"])
def test_roles_without_upload_rights_see_no_page_content(listdb_ids, user):
    at = run(user)
    assert any("недоступна" in e.value for e in at.error)
    assert not at.get("file_uploader") and not at.dataframe and not at.get("download_button")


def test_the_uploader_says_in_russian_what_to_do(listdb_ids):
    at = run("methodist")
    up = at.get("file_uploader")[0]
    assert "Перетащите файлы сюда или нажмите «Выбрать файлы»" in up.label.replace("перетащите", "Перетащите")
    assert "до 50 МБ каждый" in up.label and ".xlsx, .xls, .ods, .csv" in up.label
    assert up.proto.multiple_files
    assert len(at.get("download_button")) == 2  # the template, the scales and thresholds


def test_two_files_at_once_map_save_and_undo(listdb_ids):
    at = run("methodist")
    at.get("file_uploader")[0].set_value([("хороший.xlsx", template_bytes(GOOD), XLSX),
                                          ("плохой.xlsx", template_bytes(BAD), XLSX)]).run()
    assert not at.exception
    t = texts(at)
    assert f"#### {md('хороший.xlsx')}" in t and f"#### {md('плохой.xlsx')}" in t
    assert "формат: **Шаблон системы (плоская таблица)**" in t
    assert f"{md('плохой.xlsx')}: файл отклонён, ничего не сохранено." in t
    issues = frames(at, "Сообщение")
    assert any((f["Строка"] == "2").any() and (f["Значение"] == "12").any() for f in issues)
    assert "1 школ(ы) не сопоставлены" in t
    # map «Школа имени Пушкина» to ООШ № 2 once
    sid2 = int(page_store().sql.scalar("SELECT id FROM schools WHERE fisoko_login = 'sch420002'"))
    [mapper] = [s for s in at.selectbox if "Школа имени Пушкина" in s.label]
    mapper.set_value(sid2)
    button(at, "Применить сопоставление").click().run()
    assert not at.exception
    t = texts(at)
    assert (f"{md('хороший.xlsx')}: Шаблон системы (плоская таблица), ВПР, математика, 5 кл., 2022/2023; "
            "будет сохранено строк: 3") in t
    preview = frames(at, "Изменение")[0]
    assert list(preview["Низкий результат, чел."]) == [5, 2, 1]
    assert page_store().sql.scalar("SELECT count(*) FROM results WHERE year = 2022") == 0  # nothing kept yet
    button(at, "Сохранить").click().run()
    assert not at.exception
    assert (f"{md('хороший.xlsx')}: Шаблон системы (плоская таблица), ВПР, математика, 5 кл., 2022/2023; "
            "сохранено строк: 3") in texts(at)
    assert page_store().sql.scalar("SELECT count(*) FROM results WHERE year = 2022") == 3
    assert page_store().sql.scalar("SELECT count(*) FROM school_aliases WHERE school_id = ?", [sid2]) == 1

    # history, undo with confirmation
    hist = frames(at, "Файл")[0]
    assert hist.iloc[0]["Файл"] == "хороший.xlsx" and hist.iloc[0]["Статус"] == "сохранена"
    batch = int(hist.iloc[0]["№"])
    [pick] = [s for s in at.selectbox if s.label == "Отменить загрузку"]
    assert pick.value == batch  # the newest import is proposed first
    pick.set_value(batch)
    button(at, "Отменить загрузку…").click().run()
    assert any("Отменить загрузку № " in w.value for w in at.warning)
    assert page_store().sql.scalar("SELECT count(*) FROM results WHERE year = 2022") == 3  # not yet
    button(at, "Да, отменить загрузку").click().run()
    assert not at.exception
    assert any(md(f"Загрузка № {batch} (хороший.xlsx) отменена") in s.value for s in at.success)
    assert page_store().sql.scalar("SELECT count(*) FROM results WHERE year = 2022") == 0
    assert frames(at, "Файл")[0].iloc[0]["Статус"].startswith("отменена")


def test_undo_restores_the_replaced_value(listdb_ids):
    at = run("methodist")
    # S1's ВПР мат-5 2021/2022 was 3 of 10; a correction makes it 1 of 10
    at.get("file_uploader")[0].set_value(("поправка.xlsx", template_bytes(
        [("2021/2022", "VPR-MATH-5", "sch420001", "МБОУ «СОШ № 1»", NORTH, 10, 1)]), XLSX)).run()
    assert "из них заменены прежние значения: 1" in texts(at)
    button(at, "Сохранить").click().run()
    q = ("SELECT low_count FROM results r JOIN schools s ON s.id = r.school_id WHERE s.fisoko_login = 'sch420001' "
         "AND procedure = 'VPR-MATH-5' AND year = 2021")
    assert page_store().sql.scalar(q) == 1
    button(at, "Отменить загрузку…").click().run()
    button(at, "Нет, оставить").click().run()
    assert page_store().sql.scalar(q) == 1
    button(at, "Отменить загрузку…").click().run()
    button(at, "Да, отменить загрузку").click().run()
    assert page_store().sql.scalar(q) == 3
    assert md("восстановлено прежних — 1") in texts(at)


def test_bound_methodist_stores_only_its_territory(listdb_ids):
    at = run("north-methodist")
    assert f"Вы работаете с территорией «{md('Северный район')}»" in texts(at)
    good = [GOOD[0], GOOD[2]]  # one row of Северный, one of Южный
    at.get("file_uploader")[0].set_value(("регион.xlsx", template_bytes(good), XLSX)).run()
    assert "пропущено строк вне вашей территории: 1" in texts(at)
    button(at, "Сохранить").click().run()
    assert not at.exception
    stored = page_store().sql.df("SELECT s.fisoko_login FROM results r JOIN schools s ON s.id = r.school_id "
                             "WHERE r.year = 2022")
    assert list(stored["fisoko_login"]) == ["sch420001"]


def test_meeting_mode_hides_the_upload(listdb_ids):
    at = page_as("upload", "methodist")
    at.query_params["meeting"] = "1"
    at.run()
    assert not at.get("file_uploader")
    assert any("режиме совещания" in i.value for i in at.info)


def test_a_file_taken_out_of_the_uploader_leaves_no_private_copy(listdb_ids):
    at = run("methodist")
    at.get("file_uploader")[0].set_value(("a.xlsx", template_bytes(GOOD[:1]), XLSX)).run()
    [p] = at.session_state["_upload_pending"].values()
    assert p.path.exists()
    at.get("file_uploader")[0].set_value(None).run()
    assert not at.exception and not p.path.exists()
    assert "Файлы не выбраны" in texts(at)


def test_a_stored_file_leaves_no_private_copy(listdb_ids):
    at = run("methodist")
    at.get("file_uploader")[0].set_value(("a.xlsx", template_bytes(GOOD[:1]), XLSX)).run()
    [p] = at.session_state["_upload_pending"].values()
    assert p.path.exists()
    button(at, "Сохранить").click().run()
    assert not at.exception and p.saved is not None and not p.path.exists()


# ---------------------------------------------------------------------------------------------
# Staged copies: removed with the session and by age
# ---------------------------------------------------------------------------------------------
def test_sweep_removes_staged_folders_older_than_six_hours(tmp_path):
    import os
    import time
    root = tmp_path / "staging"
    old, recent = uf.StagingFolder(root), uf.StagingFolder(root)
    uf.stage_upload("старый.xlsx", b"old", old.path)
    uf.stage_upload("свежий.xlsx", b"new", recent.path)
    stray = root / "stray.tmp"
    stray.write_bytes(b"x")
    now = time.time()
    for path in (old.path, stray):
        os.utime(path, (now - 7 * 3600, now - 7 * 3600))
    os.utime(recent.path, (now - 5 * 3600, now - 5 * 3600))
    assert uf.sweep_staged(root) == 2
    assert not old.path.exists() and not stray.exists()
    assert recent.path.exists() and any(recent.path.rglob("свежий.xlsx"))
    assert uf.sweep_staged(root, now=now + 2 * 3600) == 1 and not recent.path.exists()
    assert uf.sweep_staged(tmp_path / "absent") == 0


def test_a_sessions_folder_goes_when_the_session_state_goes(tmp_path):
    import gc
    folder = uf.StagingFolder(tmp_path / "staging")
    p = uf.stage_upload("a.xlsx", b"data", folder.path)
    path = folder.path
    assert p.path.exists()
    del folder
    gc.collect()
    assert not path.exists() and not p.path.exists()


def test_each_page_run_sweeps_old_staged_uploads_and_keeps_its_own(listdb_ids, tmp_path, monkeypatch):
    import os
    import time
    root = tmp_path / "staging"
    monkeypatch.setattr(uf, "STAGING_ROOT", root)
    stale = uf.StagingFolder(root)
    uf.stage_upload("забытый.xlsx", b"forgotten", stale.path)
    old = time.time() - 7 * 3600
    os.utime(stale.path, (old, old))
    at = run("methodist")
    assert not stale.path.exists()
    at.get("file_uploader")[0].set_value(("a.xlsx", template_bytes(GOOD[:1]), XLSX)).run()
    [p] = at.session_state["_upload_pending"].values()
    assert p.path.exists() and root in p.path.parents
    # the session's own folder, swept after a long pause, is written again from the uploader
    import shutil
    shutil.rmtree(at.session_state["_upload_dir"].path)
    at.run()
    assert not at.exception and p.path.exists()


# ---------------------------------------------------------------------------------------------
# What a user sees: Russian refusals, data as text, only their own imports to undo
# ---------------------------------------------------------------------------------------------
def test_a_file_above_50_mb_gets_the_russian_refusal(listdb_ids):
    at = run("methodist")
    at.get("file_uploader")[0].set_value(("огромный.xlsx", b"\0" * (50 * 1024 * 1024 + 10), XLSX)).run()
    assert not at.exception
    assert f"{md('огромный.xlsx')}: файл отклонён, ничего не сохранено." in texts(at)
    msgs = [m for f in frames(at, "Сообщение") for m in f["Сообщение"]]
    assert any(m.startswith("файл больше 50 МБ") for m in msgs)
    assert page_store().sql.scalar("SELECT count(*) FROM import_batches WHERE file_name = 'огромный.xlsx'") == 0


HOSTILE_FILE = "[Сеанс истёк: войдите снова](http://evil.example) **x**.xlsx"
HOSTILE_SCHOOL = "![](http://evil.example/i.png) **Школа** :red[x]"


def test_names_from_files_are_shown_as_text(listdb_ids):
    at = run("methodist")
    rows = [(Y, "VPR-MATH-5", None, HOSTILE_SCHOOL, NORTH, 10, 1)]
    at.get("file_uploader")[0].set_value((HOSTILE_FILE, template_bytes(rows), XLSX)).run()
    assert not at.exception
    shown = texts(at) + "\n".join(s.label for s in at.selectbox)
    assert "](http://evil" not in shown and "![](" not in shown and "**x**" not in shown and ":red[" not in shown
    assert f"#### {md(HOSTILE_FILE)}" in shown
    [mapper] = [s for s in at.selectbox if md(HOSTILE_SCHOOL) in s.label]
    mapper.set_value(NEW_SCHOOL)
    button(at, "Применить сопоставление").click().run()
    button(at, "Сохранить").click().run()
    assert not at.exception
    assert page_store().sql.scalar("SELECT count(*) FROM schools WHERE short_name = ?", [HOSTILE_SCHOOL]) == 1
    warned = " ".join(w.value for w in at.warning)
    assert "](http://evil" not in warned
    # the undo question names the file as text too
    button(at, "Отменить загрузку…").click().run()
    question = " ".join(w.value for w in at.warning)
    assert md(HOSTILE_FILE) in question and "](http://evil" not in question


def test_a_bound_methodist_is_offered_only_their_own_imports_to_undo(listdb_ids):
    at = run("north-methodist")
    # the registry and results of tests/listdb.py were stored by the system account: seen, not undoable
    assert len(frames(at, "Файл")[0]) == 2
    assert not [s for s in at.selectbox if s.label == "Отменить загрузку"]
    at.get("file_uploader")[0].set_value(("своя.xlsx", template_bytes(GOOD[:1]), XLSX)).run()
    button(at, "Сохранить").click().run()
    [pick] = [s for s in at.selectbox if s.label == "Отменить загрузку"]
    own = int(page_store().sql.scalar("SELECT id FROM import_batches WHERE file_name = 'своя.xlsx'"))
    assert len(pick.options) == 1 and pick.options[0].startswith(f"№ {own} — своя.xlsx (")
    assert pick.value == own
    # an unbound methodist is offered everyone's
    at = run("methodist")
    [pick] = [s for s in at.selectbox if s.label == "Отменить загрузку"]
    assert len(pick.options) == 3
