"""Risk profiles, partner schools, curator/coordinator and flags: the domain (factors, levels, values, the
partner order and its reasons), the services with their permissions over a real DuckDB file (the hand-made
region of tests/smalldb.py), the read models, and the template: download → fill → upload, and a bad one.

Region of tests/smalldb.py, list 2024 (results 2023 and 2022): Северный — S1, S2 ШНОР, S3, S4 группа риска,
S6, S8, S9, S10 stably high (ВПР мат-5 1/20 both years, «4»+«5» 14 of 20); Южный — S12 ШНОР, S13…S16 stably
high and rural (n > 10). S11 closed after 2022/2023."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from shnor.domain import events
from shnor.domain import partners as pt
from shnor.domain import risks
from shnor.domain.permissions import ADMIN, HEAD, METHODIST, VIEWER, Forbidden, User
from shnor.domain.rule import OK, RISK, SHNOR
from shnor.read import support as rs
from shnor.reports.risk_template import risk_template
from shnor.services import support as sv
from shnor.store import Store
from smalldb import build_small_db

NBSP = "\u00a0"
YEAR = 2024


# ---------------------------------------------------------------------------------------------
# Domain: the ten factors, levels, values
# ---------------------------------------------------------------------------------------------
def test_ten_factors_worded_as_the_seed():
    assert [f.number for f in risks.FACTORS] == list(range(1, 11))
    names = [f.name_ru for f in risks.FACTORS]
    assert names[0] == "Уровень оснащения образовательной организации"
    assert names[3] == "Работа с учениками с ОВЗ"
    assert names[4] == "Качество преодоления языковых и культурных барьеров"
    assert names[9] == "Уровень вовлеченности родителей"
    keys = [m.key for f in risks.FACTORS for m in f.measures]
    assert len(keys) == len(set(keys))
    assert risks.MEASURES["ovz_share"][1].header_ru == "Доля обучающихся с ОВЗ, %"
    assert risks.MEASURES["parents_meetings_share"][0].number == 10


@pytest.mark.parametrize("text,code", [("высокий", "high"), (" Средний ", "medium"), ("НИЗКИЙ", "low"),
                                       ("high", "high"), ("", None), (None, None)])
def test_level_words(text, code):
    assert risks.parse_level(text) == code


def test_level_word_refused_in_russian():
    with pytest.raises(risks.RiskError, match="«очень высокий» — не уровень риска.*«высокий», «средний» или «низкий»"):
        risks.parse_level("очень высокий")


def test_measured_values_checked_and_stored_as_fractions():
    assert risks.check_measured(4, {"ovz_share": 12.5, "ovz_unsure_teachers_share": None}) == {"ovz_share": 0.125}
    assert risks.check_measured(2, {"subject_vacancies": 3}) == {"subject_vacancies": 3}
    with pytest.raises(risks.RiskError, match="от 0 до 100"):
        risks.check_measured(4, {"ovz_share": 120})
    with pytest.raises(risks.RiskError, match="целое число"):
        risks.check_measured(2, {"subject_vacancies": 2.5})
    with pytest.raises(risks.RiskError, match="отрицательным"):
        risks.check_measured(1, {"internet_mbps": -1})
    with pytest.raises(risks.RiskError, match="нет показателя"):
        risks.check_measured(4, {"parents_meetings_share": 50})
    assert risks.measured_text(4, {"ovz_share": 0.125}) == f"доля обучающихся с ОВЗ — 12,5{NBSP}%"
    assert risks.MEASURES["internet_mbps"][1].show(50.0) == "50 Мбит/с"
    assert risks.level_label("high") == "▲ высокий" and risks.level_label(None) == "не оценён"


def test_values_as_a_form_shows_and_reads_them():
    share, count = risks.MEASURES["ovz_share"][1], risks.MEASURES["subject_vacancies"][1]
    assert risks.entered_text(share, 0.125) == "12,5" and risks.entered_text(share, 0.4) == "40"
    assert risks.entered_text(count, 3) == "3" and risks.entered_text(share, None) == ""
    assert risks.parse_entered(share, " 12,5 % ") == 12.5 and risks.parse_entered(share, "1 234.5") == 1234.5
    assert risks.parse_entered(share, "") is None
    with pytest.raises(risks.RiskError, match="«доля обучающихся с ОВЗ»: «много» — не число."):
        risks.parse_entered(share, "много")


def test_most_common_orders_by_high_then_medium():
    levels = pd.DataFrame([(1, 8, "high"), (2, 8, "high"), (3, 8, "low"), (1, 10, "high"), (2, 10, "medium"),
                           (3, 10, "medium"), (1, 4, "medium"), (9, 4, "high")],
                          columns=["school_id", "factor", "level"])
    common = risks.most_common(levels, [1, 2, 3])
    assert list(common["factor"][:3]) == [8, 10, 4]            # school 9 is not of the set
    row8 = common.iloc[0]
    assert (row8["schools"], row8["rated"], row8["high"], row8["low"]) == (3, 3, 2, 1)
    assert row8["high_share"] == pytest.approx(2 / 3)
    assert pd.isna(common.set_index("factor").loc[1, "high_share"])
    assert risks.top_sentence(common, "ШНОР", 2) == ("Чаще всего высокий риск у ШНОР: «Дисциплина» — у 2 из 3 "
                                                    "оценённых; «Вовлечённость родителей» — у 1 из 3 оценённых.")


# ---------------------------------------------------------------------------------------------
# Domain: partner suggestions
# ---------------------------------------------------------------------------------------------
def facts(id_, **kw) -> pt.SchoolFacts:
    base = dict(name=f"Школа {id_}", territory_id=1, territory="Северный район", school_type="СОШ", is_rural=False,
                size=100, status=OK, stably_high=True, max_low_share=0.05, quality_share=0.6)
    return pt.SchoolFacts(id_, **{**base, **kw})


def test_order_territory_then_type_then_size_then_settlement():
    target = facts(1, status=SHNOR, stably_high=False)
    cands = [
        facts(2, territory_id=2, territory="Южный район"),                 # other territory, all else alike
        facts(3, school_type="гимназия"),                                   # same territory, other type
        facts(4, size=500),                                                 # same territory and type, larger
        facts(5, is_rural=True),                                            # … similar size, rural
        facts(6, size=90),                                                  # all alike
        facts(7, size=120),                                                 # all alike, a little farther in size
    ]
    got = [s.school.id for s in pt.suggest(target, cands, YEAR, limit=None)]
    assert got == [6, 7, 5, 4, 3, 2]


def test_excluded_from_suggestions():
    target = facts(1, status=SHNOR, stably_high=False)
    cands = [facts(1), facts(2, status=SHNOR, stably_high=False), facts(3, status=RISK, stably_high=False),
             facts(4, active=False, status=None), facts(5, stably_high=False), facts(6)]
    assert [s.school.id for s in pt.suggest(target, cands, YEAR)] == [6]


def test_reason_sentence():
    target = facts(1, status=SHNOR, stably_high=False, size=95)
    s = pt.suggest(target, [facts(2, size=120, is_rural=True, partners_of=1)], YEAR)[0]
    assert s.reason_ru == (
        f"Стабильно высокие результаты в 2022/2023 и 2023/2024 («2» или ниже минимума — не больше 5,0{NBSP}%, "
        f"«4» и «5» — 60,0{NBSP}%); та же территория (Северный район); тот же тип (СОШ); похожий размер: "
        "120 участников процедур, у этой школы — 95; сельская школа; уже партнёр 1 школы.")


def test_why_not_partner():
    target = facts(1, status=SHNOR)
    assert "самой себе" in pt.why_not_partner(target, target, YEAR)
    assert pt.why_not_partner(target, facts(2, status=SHNOR), YEAR) == (
        "Школа 2 — сама в списке ШНОР на 2024/2025: партнёром назначается школа со стабильно высокими результатами.")
    assert "Школа 3 — в группе риска" in pt.why_not_partner(target, facts(3, status=RISK), YEAR)
    assert "не действует в 2023/2024" in pt.why_not_partner(target, facts(4, active=False, status=None), YEAR)
    assert pt.why_not_partner(target, facts(5, stably_high=False), YEAR) is None   # officials may choose


# ---------------------------------------------------------------------------------------------
# Services and read models over a real DuckDB file
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def region(tmp_path):
    ids = build_small_db(tmp_path / "s.duckdb")
    store = Store.open(tmp_path / "s.duckdb")
    yield store, ids
    store.close()


def bound(store: Store, name: str, role: str, territory: str) -> User:
    tid = store.territories.find(territory)
    return User(name, role, tid, territory, frozenset(store.territories.subtree(tid)))


M, H, V, A = User("m", METHODIST), User("h", HEAD), User("v", VIEWER), User("a", ADMIN)


def events_of(store: Store, kind: str) -> list[dict]:
    import json
    rows = store.sql.rows("SELECT CAST(detail AS VARCHAR) FROM audit_log WHERE action = ? ORDER BY rowid", [kind])
    return [json.loads(r[0]) for r in rows]


def test_methodist_enters_risk_levels_and_reads_the_profile(region):
    store, ids = region
    n = sv.set_risk_levels(store, M, ids[1], YEAR, {4: ("высокий", {"ovz_share": 12.5}), 8: "высокий",
                                                   10: ("средний", {"parents_meetings_share": 35})})
    assert n == 3
    p = rs.risk_profile(store, M, ids[1])
    assert p.year == YEAR and p.years == [YEAR] and p.rated == 3
    t = p.table.set_index("factor")
    assert t.loc[4, "level_ru"] == "▲ высокий" and t.loc[4, "measured_ru"] == f"доля обучающихся с ОВЗ — 12,5{NBSP}%"
    assert t.loc[1, "level_ru"] == "не оценён"
    assert p.sentence_ru() == "2024/2025: высокий риск — 2 фактора (оценено 3 из 10): «Ученики с ОВЗ», «Дисциплина»."
    # the same again changes nothing (no event); clearing one factor removes it
    assert sv.set_risk_levels(store, M, ids[1], YEAR, {8: "высокий"}) == 0
    assert sv.set_risk_levels(store, M, ids[1], YEAR, {8: None}) == 1
    assert rs.risk_profile(store, M, ids[1], YEAR).rated == 2
    assert [e["levels"] for e in events_of(store, "risk_levels")] == [
        {"4": "high", "8": "high", "10": "medium"}, {"8": None}]


def test_bad_level_or_value_stores_nothing(region):
    store, ids = region
    with pytest.raises(risks.RiskError, match="не уровень риска"):
        sv.set_risk_levels(store, M, ids[1], YEAR, {4: "высокий", 8: "ужасный"})
    with pytest.raises(risks.RiskError, match="от 0 до 100"):
        sv.set_risk_levels(store, M, ids[1], YEAR, {4: ("высокий", {"ovz_share": 250})})
    with pytest.raises(risks.RiskError, match="Фактора риска № 11 нет"):
        sv.set_risk_levels(store, M, ids[1], YEAR, {11: "высокий"})
    assert store.support.risk_levels().empty and not events_of(store, "risk_levels")


def test_permissions(region):
    store, ids = region
    south_m = bound(store, "yug", METHODIST, "Южный район")
    with pytest.raises(Forbidden, match="наблюдатель"):
        sv.set_risk_levels(store, V, ids[1], YEAR, {4: "высокий"})
    with pytest.raises(Forbidden, match="наблюдатель"):
        sv.pair_partner(store, V, ids[1], ids[6])
    with pytest.raises(Forbidden, match="руководитель.*вести рисковые профили"):
        sv.set_risk_levels(store, H, ids[1], YEAR, {4: "высокий"})
    sv.pair_partner(store, H, ids[1], ids[6])                       # a head pairs partners
    assert sv.set_support(store, H, ids[1], curator="Иванова И. И.")  # … and appoints the curator
    with pytest.raises(Forbidden, match="руководитель"):
        sv.set_shnsu(store, H, ids[1], True)                        # the registry's flag: methodist or admin
    for call in (lambda: sv.set_risk_levels(store, south_m, ids[1], YEAR, {4: "высокий"}),
                 lambda: sv.pair_partner(store, south_m, ids[2], ids[6]),
                 lambda: sv.end_partnership(store, south_m, ids[1]),
                 lambda: sv.set_support(store, south_m, ids[1], coordinator="Петров"),
                 lambda: sv.set_shnsu(store, south_m, ids[1], True)):
        with pytest.raises(Forbidden, match="Южный район"):
            call()
    # a bound methodist may not take a partner from a territory they do not see
    with pytest.raises(Forbidden, match="Южный район"):
        sv.pair_partner(store, south_m, ids[12], ids[6])
    sv.pair_partner(store, south_m, ids[12], ids[13])
    sv.set_risk_levels(store, south_m, ids[12], YEAR, {5: "средний"})
    assert rs.risk_profile(store, south_m, ids[12]).rated == 1
    with pytest.raises(Forbidden):
        rs.risk_profile(store, south_m, ids[1])


def test_partner_must_be_another_school_and_not_a_shnor(region):
    store, ids = region
    with pytest.raises(sv.SupportError, match="не может быть партнёром самой себе"):
        sv.pair_partner(store, M, ids[1], ids[1])
    with pytest.raises(sv.SupportError) as exc:
        sv.pair_partner(store, M, ids[1], ids[2])
    assert str(exc.value) == ("Школа №2 — сама в списке ШНОР на 2024/2025: партнёром назначается школа со стабильно "
                              "высокими результатами.")
    with pytest.raises(sv.SupportError, match="Школа №3 — в группе риска на 2024/2025"):
        sv.pair_partner(store, M, ids[1], ids[3])
    with pytest.raises(sv.SupportError, match="Школа №11 не действует в 2023/2024"):
        sv.pair_partner(store, M, ids[1], ids[11])
    with pytest.raises(sv.SupportError, match="не найдена"):
        sv.pair_partner(store, M, ids[1], 9999)
    assert store.support.partnerships().empty and not events_of(store, "partner_set")


def test_suggestions_pairing_and_side_by_side(region):
    store, ids = region
    sg = rs.partner_suggestions(store, M, ids[1])
    assert sg.list_year == YEAR and sg.status == SHNOR and sg.status_ru == "ШНОР"
    names = [s.school.name for s in sg.items]
    # the four stably high schools of Северный (same type, size 20 like S1's 20, urban) first, then Южный
    assert names == ["Школа №10", "Школа №6", "Школа №8", "Школа №9", "Школа №13"]
    assert "та же территория (Северный район)" in sg.items[0].reason_ru
    assert "другая территория (Южный район)" in sg.items[4].reason_ru and "сельская школа" in sg.items[4].reason_ru
    # a methodist of Южный sees only Южный's schools
    south = rs.partner_suggestions(store, bound(store, "yug", METHODIST, "Южный район"), ids[12])
    assert {s.school.territory for s in south.items} == {"Южный район"}

    sv.pair_partner(store, M, ids[1], ids[10], today=dt.date(2024, 9, 2))
    view = rs.partner_view(store, M, ids[1])
    assert view.partner["partner_name"] == "Школа №10" and view.partner["since"] == dt.date(2024, 9, 2)
    assert view.partner["reason"] == sg.items[0].reason_ru           # the suggestion's reason is kept
    t = view.table.set_index(["Процедура", "Учебный год"])
    assert t.loc[("ВПР, математика, 5 кл.", "2023/2024"), "Школа"] == f"40,0{NBSP}% «2» (4 из 10)"
    assert t.loc[("ВПР, математика, 5 кл.", "2023/2024"), "Партнёр"] == f"5,0{NBSP}% «2» (1 из 20)"
    assert t.loc[("ВПР, русский язык, 5 кл.", "2023/2024"), "Партнёр"] == "нет данных"
    assert set(view.trends["series"]) == {"Школа", "Партнёр"}
    assert list(rs.partner_view(store, M, ids[10]).partner_of["school_name"]) == ["Школа №1"]
    # the partner now counts one school: said in its reason for another ШНОР
    again = rs.partner_suggestions(store, M, ids[2])
    assert "уже партнёр 1 школы" in next(s.reason_ru for s in again.items if s.school.id == ids[10])

    # a new partner ends the old one (kept in the history); the same one again is refused
    sv.pair_partner(store, M, ids[1], ids[6], reason="Договор о сетевом партнёрстве № 5", today=dt.date(2025, 1, 10))
    with pytest.raises(sv.SupportError, match="уже партнёр этой школы"):
        sv.pair_partner(store, M, ids[1], ids[6])
    view = rs.partner_view(store, M, ids[1])
    assert view.partner["partner_name"] == "Школа №6" and view.partner["reason"] == "Договор о сетевом партнёрстве № 5"
    assert list(view.history["partner_name"]) == ["Школа №10"]
    assert view.history.iloc[0]["ended"].date() == dt.date(2025, 1, 10)
    assert [e["partner_id"] for e in events_of(store, "partner_end")] == [ids[10]]
    assert sv.end_partnership(store, M, ids[1], dt.date(2025, 6, 1)) is True
    assert sv.end_partnership(store, M, ids[1]) is False
    assert rs.partner_view(store, M, ids[1]).partner is None


def test_curator_coordinator_500plus_and_shnsu(region):
    store, ids = region
    v = rs.support_view(store, V, ids[1])
    assert dict(v.lines()) == {"Куратор": "не назначен", "Муниципальный координатор": "не назначен",
                               "Участник проекта «500+»": "нет", "ШНСУ (неблагоприятные социальные условия)": "нет"}
    assert sv.set_support(store, M, ids[1], curator="  Иванова   Ирина ", coordinator="Петров П. П.", is_500plus=True)
    assert not sv.set_support(store, M, ids[1], curator="Иванова Ирина")     # nothing changed
    assert sv.set_support(store, M, ids[1], coordinator="")                  # cleared; the rest kept
    assert sv.set_shnsu(store, M, ids[1], True) and not sv.set_shnsu(store, M, ids[1], True)
    v = rs.support_view(store, V, ids[1])
    assert (v.curator, v.coordinator, v.is_500plus, v.is_shnsu) == ("Иванова Ирина", None, True, True)
    with pytest.raises(sv.SupportError, match="не больше 300 знаков"):
        sv.set_support(store, M, ids[1], curator="И" * 301)
    assert [sorted(e) for e in events_of(store, "school_support")] == [
        ["coordinator", "curator", "is_500plus", "school_id"], ["coordinator", "school_id"], ["is_shnsu", "school_id"]]


def test_common_risks_among_shnor_and_risk_group(region):
    store, ids = region
    for s, levels in {1: {8: "высокий", 10: "высокий"}, 2: {8: "высокий", 10: "средний"}, 12: {4: "низкий"},
                      3: {10: "высокий"}, 6: {1: "высокий"}}.items():
        sv.set_risk_levels(store, A, ids[s], YEAR, levels)
    cr = rs.common_risks(store, V, YEAR)
    assert sorted(cr.shnor_ids) == sorted([ids[1], ids[2], ids[12]]) and sorted(cr.risk_ids) == [ids[3], ids[4]]
    assert (cr.profiled_shnor, cr.profiled_risk) == (3, 1)
    top = cr.top()
    assert list(top["factor"]) == [8, 10] and list(top["high"]) == [2, 1]
    assert cr.sentence_ru() == ("Чаще всего высокий риск у ШНОР: «Дисциплина» — у 2 из 2 оценённых; «Вовлечённость "
                                "родителей» — у 1 из 2 оценённых. Профили на 2024/2025 заполнены у 3 из 3.")
    assert cr.top("группа риска")["factor"].tolist() == [10]       # S6 (not in either group) is not counted
    assert set(cr.frame()["group"]) == {"ШНОР", "группа риска"} and len(cr.frame()) == 20
    north = rs.common_risks(store, bound(store, "sev", VIEWER, "Северный район"), YEAR)
    assert sorted(north.shnor_ids) == sorted([ids[1], ids[2]])
    with pytest.raises(Forbidden):
        rs.common_risks(store, bound(store, "sev", VIEWER, "Северный район"), YEAR,
                        territory_id=store.territories.find("Южный район"))
    assert rs.common_risks(store, V, 2030).sentence_ru() == "В списке на 2030/2031 нет ШНОР."


# ---------------------------------------------------------------------------------------------
# The template: download → fill → upload; a bad one
# ---------------------------------------------------------------------------------------------
def download(store: Store, user: User, tmp_path, year: int = YEAR):
    schools, levels = rs.template_schools(store, user, year)
    path = tmp_path / "Рисковые профили.xlsx"
    path.write_bytes(risk_template(schools, year, levels))
    return path, schools


def test_template_round_trip(region, tmp_path):
    store, ids = region
    sv.set_risk_levels(store, M, ids[2], YEAR, {1: ("низкий", {"internet_mbps": 50})})
    path, schools = download(store, M, tmp_path)
    assert list(schools["status_ru"][:5]) == ["ШНОР"] * 3 + ["группа риска"] * 2    # ШНОР first
    wb = openpyxl.load_workbook(path)
    ws = wb["Рисковые профили"]
    assert (ws["A1"].value, ws["B1"].value) == ("Учебный год", "2024/2025")
    assert ws["D2"].value == "1. Уровень оснащения образовательной организации" and ws["D3"].value == "Уровень"
    assert ws["A3"].value == "Код школы" and ws["A4"].value == "sch420001"
    row_of = {ws.cell(r, 1).value: r for r in range(4, ws.max_row + 1)}
    assert ws.cell(row_of["sch420002"], 4).value == "низкий"                   # stored levels are filled in
    assert ws.cell(row_of["sch420002"], 7).value == 50
    header = {ws.cell(3, c).value: c for c in range(1, ws.max_column + 1)}
    level_col = {int(str(ws.cell(2, c).value).split(".")[0]): c for c in range(4, ws.max_column + 1)
                 if ws.cell(3, c).value == "Уровень"}       # each factor's heading is over its level column
    assert level_col[1] == 4 and len(level_col) == 10
    r1 = row_of["sch420001"]
    ws.cell(r1, level_col[4], "Высокий")
    ws.cell(r1, header["Доля обучающихся с ОВЗ, %"], 12.5)
    ws.cell(r1, level_col[10], "средний")
    ws.cell(r1, header["Доля родителей, регулярно посещающих родительские собрания, %"], "35,5 %")
    ws.cell(row_of["sch420003"], level_col[2], "низкий")
    ws.cell(row_of["sch420003"], header["Нехватка учителей-предметников, чел."], 0)
    wb.save(path)
    rep = sv.import_risk_template(store, M, path, "Рисковые профили.xlsx")
    assert rep.ok, [i.text() for i in rep.issues]
    assert (rep.year, rep.schools, rep.levels) == (YEAR, 3, 4)
    assert rep.summary_ru() == "Файл «Рисковые профили.xlsx»: рисковые профили на 2024/2025 сохранены — 3 школы, 4 уровня риска."
    t = rs.risk_profile(store, M, ids[1], YEAR).table.set_index("factor")
    assert t.loc[4, "level"] == "high" and t.loc[4, "measured"] == {"ovz_share": 0.125}
    assert t.loc[10, "measured"] == {"parents_meetings_share": 0.355}
    assert rs.risk_profile(store, M, ids[3], YEAR).table.set_index("factor").loc[2, "measured"] == {
        "subject_vacancies": 0}
    assert rs.risk_profile(store, M, ids[2], YEAR).table.set_index("factor").loc[1, "measured"] == {
        "internet_mbps": 50}
    assert events_of(store, "risk_levels")[-1] == {"file": "Рисковые профили.xlsx", "year": YEAR, "schools": 3,
                                                   "levels": 4}
    # downloaded again: what was uploaded is in it, the same way it was entered
    again, _ = download(store, M, tmp_path)
    ws = openpyxl.load_workbook(again)["Рисковые профили"]
    assert ws.cell(r1, level_col[4]).value == "высокий" and ws.cell(r1, header["Доля обучающихся с ОВЗ, %"]).value == 12.5


def test_bad_template_names_file_sheet_row_column_and_stores_nothing(region, tmp_path):
    store, ids = region
    path, _ = download(store, M, tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Рисковые профили"]
    ws["D4"] = "высокий"                   # a good row …
    ws["D5"] = "очень высокий"             # … and a wrong level word in row 5, column D
    ws["E6"] = 150                         # a share above 100 %
    ws["D7"] = "средний"
    ws["A7"] = "sch999999"                 # a school not in the registry
    wb.save(path)
    rep = sv.import_risk_template(store, M, path, "профили.xlsx")
    assert not rep.ok
    texts = [i.text() for i in rep.issues]
    assert texts[0] == ("профили.xlsx, лист «Рисковые профили», строка 5, столбец «D» (значение «очень высокий»): "
                        "не уровень риска (фактор 1 «Оснащение»): укажите «высокий», «средний» или «низкий».")
    assert any(t.startswith("профили.xlsx, лист «Рисковые профили», строка 6, столбец «E» (значение «150»): доля "
                            "указывается в процентах, от 0 до 100") for t in texts)
    assert any("строка 7, столбец «A»" in t and "«sch999999» не найдена" in t for t in texts)
    assert rep.summary_ru().startswith("Файл «профили.xlsx» не загружен: 3 ошибки. Ничего не сохранено")
    assert store.support.risk_levels().empty and not events_of(store, "risk_levels")


def test_template_permissions_and_foreign_files(region, tmp_path):
    store, ids = region
    path, _ = download(store, M, tmp_path)
    with pytest.raises(Forbidden):
        sv.import_risk_template(store, H, path)
    # a methodist of Южный: a Северный school's row is not among their schools
    wb = openpyxl.load_workbook(path)
    wb["Рисковые профили"]["D4"] = "высокий"      # S1 of Северный
    wb.save(path)
    rep = sv.import_risk_template(store, bound(store, "yug", METHODIST, "Южный район"), path)
    assert not rep.ok and "не найдена среди школ территории «Южный район»" in rep.issues[0].text()
    other = tmp_path / "другое.xlsx"
    openpyxl.Workbook().save(other)
    rep = sv.import_risk_template(store, M, other)
    assert not rep.ok and "это не шаблон рисковых профилей" in rep.issues[0].text()
    assert store.support.risk_levels().empty


def test_template_text_cells_are_never_formulas(region, tmp_path):
    store, ids = region
    with store.unit("test") as u:
        u.schools.update(ids[1], {"short_name": "=HYPERLINK(\"http://evil.example\",\"Школа\")"})
        u.record(events.SCHOOL_MAPPED, school_id=ids[1])
    path, _ = download(store, M, tmp_path)
    ws = openpyxl.load_workbook(path)["Рисковые профили"]
    cell = next(ws.cell(r, 2) for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == "sch420001")
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
