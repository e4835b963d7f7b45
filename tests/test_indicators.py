"""«Показатели»: the catalogue and the status rule (domain), values and targets through the services with
their permissions, the template written, filled and read back through the sandbox (all or nothing), and the
figures read over the hand-made region of tests/smalldb.py (computed there by hand)."""
from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pytest

from shnor.domain import events
from shnor.domain import indicators as ind_
from shnor.domain.fmt import NBSP
from shnor.domain.permissions import SYSTEM, Forbidden
from shnor.importing.indicator_template import rows_of_sheets
from shnor.importing.model import ParseRefusal
from shnor.importing.reading import Sheet
from shnor.read import indicators as read
from shnor.read.overview import inherited_target
from shnor.reports.indicator_template import indicator_template
from shnor.services import accounts
from shnor.services import indicators as service
from shnor.store import Store
from smalldb import build_small_db

SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"
PCT = NBSP + "%"


@pytest.fixture
def region(tmp_path):
    """The small region with a user per role: (store, school ids by number, territory ids by name, users)."""
    path = tmp_path / "ind.duckdb"
    ids = build_small_db(path)
    store = Store.open(path)
    terr = {n: store.territories.find(n) for n in ("Северный район", "Южный район")}
    users = {}
    for name, role, where in [("viewer", "viewer", None), ("metod", "methodist", None), ("head", "head", None),
                              ("admin", "admin", None), ("north-metod", "methodist", "Северный район"),
                              ("north-head", "head", "Северный район"), ("north-admin", "admin", "Северный район")]:
        accounts.add_user(store, SYSTEM, name, role, "Пароль-для-теста-1", where)
        users[name] = accounts.get_user(store, name)
    yield store, ids, terr, users
    store.close()


def row_of(data: read.IndicatorsData, code: str) -> dict:
    t = data.table
    return t[t["code"] == code].iloc[0].to_dict()


# ---------------------------------------------------------------------------------------------
# Domain: the catalogue, values as typed, the status
# ---------------------------------------------------------------------------------------------
def test_catalogue_has_unit_direction_level_and_origin():
    assert set(ind_.CATALOGUE) >= {ind_.SHNOR_SHARE, ind_.SHNOR_PARTNERSHIP, ind_.GIA_PASS, ind_.OGE_GOOD,
                                   ind_.EGE_180, ind_.VPR_QUALITY, ind_.VPR_FAIL, ind_.PREVENTIVE}
    for ind in ind_.CATALOGUE.values():
        assert ind.unit in (ind_.PERCENT, ind_.PEOPLE, ind_.UNITS)
        assert ind.direction in (ind_.HIGHER, ind_.LOWER)
        assert ind.level in (ind_.SCHOOL, ind_.TERRITORY, ind_.BOTH)
        assert ind.seed.startswith("000") and ind.how_ru
    computed = {c for c, i in ind_.CATALOGUE.items() if i.computed}
    assert computed == {ind_.SHNOR_SHARE, ind_.SHNOR_PARTNERSHIP, ind_.GIA_PASS, ind_.OGE_GOOD, ind_.VPR_QUALITY,
                        ind_.VPR_FAIL}
    assert ind_.get(ind_.SHNOR_SHARE).direction == ind_.LOWER and not ind_.get(ind_.SHNOR_SHARE).enterable
    assert ind_.get(ind_.PREVENTIVE).direction == ind_.LOWER and ind_.get(ind_.PREVENTIVE).unit == "чел."
    assert ind_.get(ind_.SHNOR_PARTNERSHIP).unit == "шт."


def _seed_text(name: str) -> str:
    p = next(SEEDS.glob(f"{name}_*.txt"), None)
    if p is None:
        pytest.skip("seeds are not available")
    return re.sub(r"\s+", " ", p.read_text(encoding="utf-8"))


@pytest.mark.parametrize("code", [ind_.SHNOR_PARTNERSHIP, ind_.GIA_PASS, ind_.OGE_GOOD, ind_.EGE_180, ind_.SATISFIED,
                                  ind_.EXTRA_EDUCATION, ind_.PREVENTIVE, ind_.TEACHERS_TRAINED,
                                  ind_.TEACHERS_CATEGORY, ind_.TEACHER_CONTESTS])
def test_names_are_the_seeds_own(code):
    """Seed 000 §6 names these indicators in these words (spaces, quotes, case and ё aside)."""
    from shnor.domain.codes import norm_name
    assert norm_name(ind_.get(code).name_ru) in norm_name(_seed_text("000"))


def test_values_as_typed():
    gia, people = ind_.get(ind_.GIA_PASS), ind_.get(ind_.PREVENTIVE)
    assert ind_.parse_value(gia, "85,5") == pytest.approx(0.855)
    assert ind_.parse_value(gia, "85.5 %") == pytest.approx(0.855)
    assert ind_.parse_value(gia, 100) == 1.0
    assert ind_.parse_value(people, " 12 ") == 12.0
    for bad, words in [("abc", "не число"), ("-3", "отрицательным"), ("101", "больше 100"), ("", "не указано")]:
        with pytest.raises(ind_.IndicatorError, match=words):
            ind_.parse_value(gia, bad)
    with pytest.raises(ind_.IndicatorError, match="не целое"):
        ind_.parse_value(people, "2,5")
    assert ind_.fmt_value(gia, 0.855) == f"85,5{PCT}" and ind_.fmt_value(people, 1234) == f"1{NBSP}234{NBSP}чел."
    assert ind_.fmt_target(gia, 0.1) == f"10{PCT}" and ind_.fmt_target(gia, None) == "не задана"
    assert ind_.input_text(gia, 0.855) == "85,5" and ind_.input_text(people, 12.0) == "12"
    assert ind_.parse_year("2021/2022") == 2021 and ind_.parse_year(2021) == 2021 and ind_.parse_year("2021-22") == 2021
    with pytest.raises(ind_.IndicatorError, match="учебный год"):
        ind_.parse_year("весна")


def test_status_follows_the_direction_and_the_tolerance():
    gia, share, people = ind_.get(ind_.GIA_PASS), ind_.get(ind_.SHNOR_SHARE), ind_.get(ind_.PREVENTIVE)
    assert ind_.status(gia, 0.97, 0.97) == ind_.REACHED           # exactly the target is reached
    assert ind_.status(gia, 0.98, 0.97) == ind_.REACHED
    assert ind_.status(gia, 0.95, 0.97) == ind_.CLOSE             # 2 p.p. short: still close
    assert ind_.status(gia, 0.9499, 0.97) == ind_.OFF
    assert ind_.status(share, 0.10, 0.10) == ind_.REACHED         # lower is better
    assert ind_.status(share, 0.3 / 3, 0.1) == ind_.REACHED       # no float trap at the boundary
    assert ind_.status(share, 0.12, 0.10) == ind_.CLOSE and ind_.status(share, 0.2, 0.1) == ind_.OFF
    assert ind_.status(people, 11, 10) == ind_.CLOSE and ind_.status(people, 12, 10) == ind_.OFF
    assert ind_.status(gia, None, 0.9) == ind_.NO_VALUE and ind_.status(gia, 0.9, None) == ind_.NO_TARGET
    # the status is never the colour alone: an icon and words
    labels = {s: ind_.status_label(s) for s in ind_.STATUS_RU}
    assert labels[ind_.REACHED] == "✔ цель достигнута" and labels[ind_.OFF] == "✖ цель не достигнута"
    assert len({ind_.STATUS_ICON[s] for s in ind_.STATUS_RU}) == len(ind_.STATUS_RU)
    assert ind_.change(share, 0.11, 0.10) == f"▲ +1,0{NBSP}п.{NBSP}п. — хуже"
    assert ind_.change(people, 10, 12) == f"▼ −2{NBSP}чел. — лучше"
    assert ind_.change(gia, 0.9, 0.9) == "без изменений" and ind_.change(gia, None, 0.9) == "—"


# ---------------------------------------------------------------------------------------------
# Read: computed from stored results, the share of ШНОР as the overview has it
# ---------------------------------------------------------------------------------------------
def test_computed_figures_of_a_territory(region):
    store, ids, terr, _ = region
    data = read.build_indicators(store, terr["Северный район"], 2023)
    share = row_of(data, ind_.SHNOR_SHARE)
    # the overview's figure (tests/smalldb.py): 2 ШНОР of 10 = 20,0 % against the territory's 10 %
    assert share["actual_label"] == f"20,0{PCT}" and share["target_label"] == f"10{PCT}"
    assert share["status"] == ind_.OFF and "2 ШНОР из 10 школ" in share["source"]
    assert share["change"] == f"▼ −7,3{NBSP}п.{NBSP}п. — лучше"          # 27,3 % in 2022
    # ВПР «2»: (4+3+6+6+26+0+4×1) of (10+10+20+20+100+10+4×20) = 49 of 250
    fail = row_of(data, ind_.VPR_FAIL)
    assert fail["actual"] == pytest.approx(49 / 250) and fail["actual_label"] == f"19,6{PCT}"
    assert "участников 250" in fail["source"]
    # ВПР «4»+«5» where marks are known: S1 3 of 10, S6/S8/S9/S10 14 of 20 each -> 59 of 90
    assert row_of(data, ind_.VPR_QUALITY)["actual"] == pytest.approx(59 / 90)
    # ГИА: S3's ОГЭ 3 of 10 below the minimum -> 70 %; 90 % in 2022
    gia = row_of(data, ind_.GIA_PASS)
    assert gia["actual_label"] == f"70,0{PCT}" and gia["change"] == f"▼ −20,0{NBSP}п.{NBSP}п. — хуже"
    assert gia["status"] == ind_.NO_TARGET
    # ОГЭ marks are not stored: no value until one is entered
    assert row_of(data, ind_.OGE_GOOD)["status"] == ind_.NO_VALUE
    assert data.messages[ind_.SHNOR_SHARE].startswith("Доля ШНОР: рост с 9,1") \
        and data.messages[ind_.SHNOR_SHARE].endswith(f"цель 10{PCT} не достигнута")


def test_share_verdict_withheld_with_too_few_data_and_seed_targets_entered(region):
    """Seed 000 §4: «10 % in 2021/2022, 5 % in 2022/2023», entered by an admin as a user would (not shipped).
    They land in the one targets table the overview reads; with too few results no verdict is given."""
    store, _, _, users = region
    assert store.targets.own(None, 2021) is None                  # nothing shipped
    a = service.set_target(store, users["admin"], ind_.SHNOR_SHARE, None, "2021/2022", "10")
    b = service.set_target(store, users["admin"], ind_.SHNOR_SHARE, None, "2022/2023", "5 %")
    assert a.message == f"Цель сохранена: «Доля ШНОР», весь регион, 2021/2022 — 10{PCT}."
    assert b.year == 2022 and b.value == pytest.approx(0.05)
    assert store.targets.own(None, 2021) == pytest.approx(0.10) and store.targets.own(None, 2022) == pytest.approx(0.05)
    assert inherited_target(store, None, 2021) == pytest.approx(0.10)   # what the overview shows
    assert store.indicators.targets().empty                         # no second copy of the share's target
    data = read.build_indicators(store, None, 2021)
    share = row_of(data, ind_.SHNOR_SHARE)
    # 2021/2022 results: only 2 of 16 schools have any -> the share (1 of 16) is shown, no verdict
    assert share["target_label"] == f"10{PCT}" and share["status"] == ind_.WITHHELD
    assert share["status_label"] == "? нет вывода: данных мало" and "вывод о цели не делается" in share["source"]
    trend = data.trends[ind_.SHNOR_SHARE].set_index("year")
    assert trend.at[2022, "target"] == pytest.approx(0.05)


def test_entered_values_fill_what_results_do_not_give(region):
    store, ids, terr, users = region
    north, m = terr["Северный район"], users["metod"]
    saved = service.set_value(store, m, ind_.OGE_GOOD, 2023, "55,5", territory_id=north)
    assert saved.message == f"Значение сохранено: «ОГЭ на «4» и «5»», «Северный район», 2023/2024 — 55,5{PCT}."
    again = service.set_value(store, m, ind_.OGE_GOOD, "2023/24", "60", territory_id=north)
    assert again.previous == pytest.approx(0.555) and again.message.endswith(f"(было 55,5{PCT}).")
    # a computed figure wins over an entered one
    service.set_value(store, m, ind_.GIA_PASS, 2023, "99", territory_id=north)
    # counts entered per school add up for the territory; percentages do not
    service.set_value(store, m, ind_.PREVENTIVE, 2023, 3, school_id=ids[1])
    service.set_value(store, m, ind_.PREVENTIVE, 2023, "2", school_id=ids[2])
    service.set_value(store, m, ind_.SATISFIED, 2023, "80", school_id=ids[1])
    data = read.build_indicators(store, north, 2023)
    oge = row_of(data, ind_.OGE_GOOD)
    assert oge["actual_label"] == f"60,0{PCT}" and oge["entered_by"] == "metod"
    assert re.fullmatch(r"введено вручную — metod, \d\d\.\d\d\.\d{4} \d\d:\d\d", oge["source"])
    assert row_of(data, ind_.GIA_PASS)["actual_label"] == f"70,0{PCT}"
    prev = row_of(data, ind_.PREVENTIVE)
    assert prev["actual_label"] == f"5{NBSP}чел." and "по 2 школам" in prev["source"]
    assert row_of(data, ind_.SATISFIED)["status"] == ind_.NO_VALUE
    schools = read.school_table(store, north, ind_.PREVENTIVE, 2023)
    assert sorted(schools["value"]) == [2.0, 3.0]
    # the computed indicator by school: S3's ОГЭ
    gia_schools = read.school_table(store, north, ind_.GIA_PASS, 2023)
    assert list(gia_schools["value_label"]) == [f"70,0{PCT}"]
    # every value is audited, by whom
    log = store.audit.list(action="indicator_values")
    assert len(log) == 6 and set(log["actor"]) == {"metod"}


def test_targets_of_other_indicators_inherit_from_the_region(region):
    store, _, terr, users = region
    north = terr["Северный район"]
    service.set_target(store, users["admin"], ind_.GIA_PASS, None, 2023, "75")
    data = read.build_indicators(store, north, 2023)
    gia = row_of(data, ind_.GIA_PASS)
    assert gia["target_label"] == f"75{PCT} (цель региона)" and gia["status"] == ind_.OFF      # 70 % < 75 % − 2
    service.set_target(store, users["north-head"], ind_.GIA_PASS, north, 2023, "71")
    gia = row_of(read.build_indicators(store, north, 2023), ind_.GIA_PASS)
    assert gia["target_label"] == f"71{PCT}" and gia["status"] == ind_.CLOSE
    assert "70,0" in read.build_indicators(store, north, 2023).messages[ind_.GIA_PASS]
    t = store.indicators.targets([ind_.GIA_PASS])
    assert list(t["set_by"]) == ["admin", "north-head"]


def test_shnor_in_partnership_from_the_partnerships(region):
    store, ids, terr, users = region
    north = terr["Северный район"]
    data = read.build_indicators(store, north, 2024)
    assert row_of(data, ind_.SHNOR_PARTNERSHIP)["status"] == ind_.NO_VALUE      # nothing recorded: entered
    service.set_value(store, users["metod"], ind_.SHNOR_PARTNERSHIP, 2024, 4, territory_id=north)
    assert row_of(read.build_indicators(store, north, 2024), ind_.SHNOR_PARTNERSHIP)["actual"] == 4
    with store.unit("test") as u:
        u.sql.many("INSERT INTO partnerships (school_id, partner_id, since, ended) VALUES (?, ?, ?, ?)", [
            [ids[2], ids[6], dt.date(2023, 10, 1), None],
            [ids[7], ids[8], dt.date(2022, 9, 1), dt.date(2023, 5, 31)]])
        u.record(events.PARTNER_SET, school_id=ids[2])
    data = read.build_indicators(store, north, 2024)
    row = row_of(data, ind_.SHNOR_PARTNERSHIP)
    # the list for 2024 (results 2023 and 2022) has S1 and S2; S2 has a partner since October 2023
    assert row["actual"] == 1 and "1 из 2 ШНОР списка на 2024/2025" in row["source"]
    trend = data.trends[ind_.SHNOR_PARTNERSHIP].set_index("year")
    # the list for 2023 has S2, S7, S11: S2's partnership began in October 2023, S7's ended in May 2023
    assert trend.at[2023, "actual"] == 1
    # the list for 2022 has S1 alone, without a partner
    assert trend.at[2022, "actual"] == 0


# ---------------------------------------------------------------------------------------------
# Permissions: services decide
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["viewer", "head", "north-head"])
def test_viewers_and_heads_cannot_enter_values(region, who):
    store, ids, terr, users = region
    with pytest.raises(Forbidden, match="вводить значения показателей"):
        service.set_value(store, users[who], ind_.EGE_180, 2023, "10", territory_id=terr["Северный район"])
    with pytest.raises(Forbidden):
        service.set_value(store, users[who], ind_.EGE_180, 2023, "10", school_id=ids[1])
    assert store.indicators.territory_values(terr["Северный район"]).empty


@pytest.mark.parametrize("who", ["metod", "north-metod"])
def test_methodists_cannot_set_targets(region, who):
    store, _, terr, users = region
    with pytest.raises(Forbidden, match="целевые значения показателей"):
        service.set_target(store, users[who], ind_.GIA_PASS, terr["Северный район"], 2023, "90")
    with pytest.raises(Forbidden):
        service.set_target(store, users[who], ind_.SHNOR_SHARE, terr["Северный район"], 2023, "10")
    assert store.indicators.targets().empty and store.targets.own(terr["Северный район"], 2023) == pytest.approx(0.1)


def test_share_target_only_by_an_admin_of_the_whole_region(region):
    store, _, terr, users = region
    north = terr["Северный район"]
    for who in ("head", "north-head", "north-admin"):
        with pytest.raises(Forbidden):
            service.set_target(store, users[who], ind_.SHNOR_SHARE, north, 2024, "8")
    service.set_target(store, users["admin"], ind_.SHNOR_SHARE, north, 2024, "8")
    assert store.targets.own(north, 2024) == pytest.approx(0.08)


def test_bound_methodist_enters_only_in_own_territory(region):
    store, ids, terr, users = region
    m = users["north-metod"]
    with pytest.raises(Forbidden, match="Северный район"):
        service.set_value(store, m, ind_.EGE_180, 2023, "10", territory_id=terr["Южный район"])
    with pytest.raises(Forbidden):
        service.set_value(store, m, ind_.EGE_180, 2023, "10", school_id=ids[12])       # a school of Южный
    with pytest.raises(Forbidden):
        service.set_value(store, m, ind_.EGE_180, 2023, "10", territory_id=None)        # the whole region
    service.set_value(store, m, ind_.EGE_180, 2023, "10", territory_id=terr["Северный район"])
    service.set_value(store, m, ind_.EGE_180, 2023, "12", school_id=ids[1])
    assert len(store.indicators.school_values(None)) == 1
    # and a bound head sets targets only there
    with pytest.raises(Forbidden):
        service.set_target(store, users["north-head"], ind_.EGE_180, terr["Южный район"], 2023, "10")


def test_wrong_values_and_levels_are_refused_in_russian(region):
    store, ids, terr, users = region
    m, north = users["metod"], terr["Северный район"]
    with pytest.raises(ind_.IndicatorError, match="рассчитывается правилом"):
        service.set_value(store, m, ind_.SHNOR_SHARE, 2023, "10", territory_id=north)
    with pytest.raises(ind_.IndicatorError, match="для территории, не для отдельной школы"):
        service.set_value(store, m, ind_.SHNOR_PARTNERSHIP, 2023, "1", school_id=ids[1])
    with pytest.raises(ind_.IndicatorError, match="больше 100"):
        service.set_value(store, m, ind_.EGE_180, 2023, "150", territory_id=north)
    with pytest.raises(ind_.IndicatorError, match="нет в реестре"):
        service.set_value(store, m, ind_.EGE_180, 2023, "1", school_id=999_999)
    with pytest.raises(ind_.IndicatorError, match="Показателя с кодом"):
        service.set_value(store, m, "no_such", 2023, "1", territory_id=north)


# ---------------------------------------------------------------------------------------------
# The template: written, filled, read back through the sandbox — all of it or nothing
# ---------------------------------------------------------------------------------------------
def template_book(store, territory_id, year=2023, with_schools=True, visible=None):
    data = read.template_data(store, territory_id, year, with_schools, visible)
    return openpyxl.load_workbook(io.BytesIO(indicator_template(data)))


def fill(wb, path: Path, values: dict[tuple[str, str], object]) -> Path:
    """Set «Значение» of the rows keyed (indicator code, territory name or school code)."""
    ws = wb[ind_.TEMPLATE_SHEET]
    head = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(head)}
    done = set()
    for row in ws.iter_rows(min_row=2):
        key = (row[col[ind_.H_CODE]].value, row[col[ind_.H_SCHOOL_CODE]].value or row[col[ind_.H_TERRITORY]].value)
        if key in values:
            row[col[ind_.H_VALUE]].value = values[key]
            done.add(key)
    assert done == set(values), set(values) - done
    wb.save(path)
    return path


def test_template_lists_entered_indicators_with_kept_values(region):
    store, ids, terr, users = region
    north = terr["Северный район"]
    service.set_value(store, users["metod"], ind_.EGE_180, 2023, "12,5", territory_id=north)
    wb = template_book(store, north)
    assert wb.sheetnames == [ind_.TEMPLATE_SHEET, "Показатели", "Как заполнить"]
    ws = wb[ind_.TEMPLATE_SHEET]
    assert tuple(c.value for c in ws[1]) == ind_.TEMPLATE_HEADERS
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    codes = {r[0] for r in rows}
    assert ind_.SHNOR_SHARE not in codes and ind_.EGE_180 in codes
    ege = [r for r in rows if r[0] == ind_.EGE_180 and r[4] == "Северный район" and not r[5]]
    assert ege[0][3] == "2023/2024" and ege[0][7] == 12.5
    # territory rows, then one row per school and school indicator (10 active schools of Северный in 2023)
    school_rows = [r for r in rows if r[5]]
    per_school = sum(1 for i in ind_.CATALOGUE.values() if i.enterable and i.for_school)
    assert len(school_rows) == 10 * per_school
    # every text is a string cell (never a formula)
    assert all(c.data_type == "s" for r in ws.iter_rows(min_row=1) for c in r if isinstance(c.value, str))


def test_template_upload_stores_everything_with_the_file_name(region, tmp_path):
    store, ids, terr, users = region
    north = terr["Северный район"]
    path = fill(template_book(store, north), tmp_path / "показатели.xlsx", {
        (ind_.OGE_GOOD, "Северный район"): "55,5",
        (ind_.PREVENTIVE, "sch420001"): 3,
        (ind_.EXTRA_EDUCATION, "sch420002"): 40.5})
    rep = service.import_template(store, users["north-metod"], path, file_name="показатели.xlsx")
    assert rep.status == "stored", [i.text() for i in rep.issues]
    assert rep.stored == 3 and rep.summary_ru() == "Файл «показатели.xlsx» загружен: сохранено значений — 3."
    assert store.indicators.value(ind_.OGE_GOOD, 2023, north) == pytest.approx(0.555)
    assert store.indicators.value(ind_.EXTRA_EDUCATION, 2023, school_id=ids[2]) == pytest.approx(0.405)
    oge = row_of(read.build_indicators(store, north, 2023), ind_.OGE_GOOD)
    assert oge["file"] == "показатели.xlsx" and oge["source"].startswith("файл «показатели.xlsx» — north-metod, ")
    # the same file again changes nothing
    again = service.import_template(store, users["north-metod"], path, file_name="показатели.xlsx")
    assert again.status == "stored" and again.stored == 0 and again.unchanged == 3


def test_template_with_any_wrong_row_is_refused_whole(region, tmp_path):
    store, ids, terr, users = region
    north, south = terr["Северный район"], terr["Южный район"]
    wb = template_book(store, None, visible=None)        # the region's template: every territory
    path = fill(wb, tmp_path / "плохой.xlsx", {
        (ind_.OGE_GOOD, "Северный район"): "55,5",        # good
        (ind_.EGE_180, "Северный район"): "много",        # not a number
        (ind_.SATISFIED, "Южный район"): "50",            # outside the bound methodist's territory
    })
    ws = openpyxl.load_workbook(path)[ind_.TEMPLATE_SHEET]
    ws.append([ind_.PREVENTIVE, "", "чел.", "2023/2024", "Северный район", "nosuch001", "Школа", 2])
    ws.parent.save(path)
    rep = service.import_template(store, users["north-metod"], path, file_name="плохой.xlsx")
    assert rep.status == "refused" and store.indicators.value(ind_.OGE_GOOD, 2023, north) is None
    texts = [i.text() for i in rep.issues]
    assert any(t.startswith("плохой.xlsx, лист «Значения», строка ") and "столбец «Значение» (значение «много»)"
               in t for t in texts), texts
    assert rep.summary_ru().startswith("Файл «плохой.xlsx» не загружен")
    # the parser's errors come first (whole file); fix the number, then the registry and the scope speak
    path = fill(openpyxl.load_workbook(path), path, {(ind_.EGE_180, "Северный район"): "12"})
    rep = service.import_template(store, users["north-metod"], path, file_name="плохой.xlsx")
    texts = [i.text() for i in rep.issues]
    assert rep.status == "refused" and len(texts) == 2, texts
    assert any("столбец «Код школы» (значение «nosuch001»): школы с таким кодом нет в реестре." in t for t in texts)
    assert any("столбец «Территория» (значение «Южный район»)" in t and "Северный район" in t for t in texts)
    assert store.indicators.territory_values(north).empty and store.indicators.territory_values(south).empty
    # an admin of the whole region may store it all
    rep = service.import_template(store, users["admin"], path, file_name="плохой.xlsx")
    assert rep.status == "refused" and len(rep.issues) == 1          # the unknown school is still unknown


def test_template_parser_names_sheet_row_and_column():
    sheet = Sheet(ind_.TEMPLATE_SHEET, [list(ind_.TEMPLATE_HEADERS),
                                        [ind_.GIA_PASS, "", "%", "2021/2022", "Северный район", "", "", "95"],
                                        [ind_.GIA_PASS, "", "%", "2021/2022", "Северный район", "", "", "96"],
                                        ["nope", "", "%", "весна", "", "", "", "1"],
                                        [ind_.GIA_PASS, "", "%", "2021/2022", "Южный район", "", "", None]])
    with pytest.raises(ParseRefusal) as exc:
        rows_of_sheets([sheet], "ф.xlsx")
    texts = [i.text() for i in exc.value.issues]
    assert "ф.xlsx, лист «Значения», строка 3, столбец «Значение» (значение «96»): значение этого показателя " \
           "за 2021/2022 для «Северный район» уже указано в строке 2." in texts
    assert any(t.startswith("ф.xlsx, лист «Значения», строка 4, столбец «Код показателя» (значение «nope»)")
               for t in texts)
    assert any("строка 4, столбец «Учебный год» (значение «весна»)" in t for t in texts)
    assert any("строка 4, столбец «Территория»: не указана ни территория, ни код школы" in t for t in texts)
    ok = rows_of_sheets([Sheet("Лист1", [list(ind_.TEMPLATE_HEADERS),
                                         ["", "Процент прохождения обучающимися ГИА", "", 2021, "Регион", "", "",
                                          95.5]])], "ф.xlsx")
    assert ok[0].indicator == ind_.GIA_PASS and ok[0].value == pytest.approx(0.955) and ok[0].year == 2021
    with pytest.raises(ParseRefusal, match="не найдена строка заголовков"):
        rows_of_sheets([Sheet("Лист1", [["Что-то"], ["другое"]])], "ф.xlsx")
    with pytest.raises(ParseRefusal, match="нет ни одного заполненного значения"):
        rows_of_sheets([Sheet("Лист1", [list(ind_.TEMPLATE_HEADERS)])], "ф.xlsx")


def test_a_file_that_is_not_a_template_is_refused_through_the_sandbox(region, tmp_path):
    store, _, _, users = region
    p = tmp_path / "x.xlsx"
    p.write_bytes(b"PK\x03\x04 not really a zip")
    rep = service.import_template(store, users["metod"], p, file_name="x.xlsx")
    assert rep.status == "refused" and "повреждён" in rep.issues[0].text()


def test_hostile_names_are_text_cells_in_the_template(region):
    store, ids, terr, _ = region
    with store.unit("test") as u:
        u.sql.run("UPDATE territories SET name = ? WHERE id = ?", ["=HYPERLINK(\"http://evil\")", terr["Южный район"]])
        u.sql.run("UPDATE schools SET short_name = ? WHERE id = ?", ["+cmd|' /C calc'!A0", ids[12]])
        u.record(events.IMPORT_STORED, batch=0, file="hostile")
    wb = template_book(store, None)
    cells = [c for r in wb[ind_.TEMPLATE_SHEET].iter_rows(min_row=2) for c in r
             if isinstance(c.value, str) and c.value[:1] in "=+"]
    assert cells and all(c.data_type == "s" for c in cells)
    assert {c.value for c in cells} >= {"=HYPERLINK(\"http://evil\")", "+cmd|' /C calc'!A0"}
