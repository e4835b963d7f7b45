"""The «Школа» page's support sections in AppTest, per role, on the hand-made region of tests/smalldb.py:
the risk profile (shown, edited by a methodist), the partner (suggestions with reasons, «Назначить партнёром»,
the partner's results beside the school's), curator, coordinator and flags."""
from __future__ import annotations

from shnor.domain.permissions import SYSTEM
from shnor.services import support as sv
from shnor.store import Store
from shnor.ui.safe import md
from smalldb import open_page_as
from test_page_school import assert_no_markup_from_data, specs

YEAR = 2024


def open_school(path, school_id, role="methodist", name=None, territory=None, state=None):
    return open_page_as("school", path, name or role, role, territory, query={"school": str(school_id)}, state=state)


def subheaders(at) -> list[str]:
    return [s.value for s in at.subheader]


def buttons(at, label: str) -> list:
    return [b for b in at.button if b.label == label]


def expanders(at) -> list[str]:
    return [e.label for e in at.expander]


def prepare(path, ids, partner: bool = False, levels: bool = False) -> None:
    store = Store.open(path)
    try:
        if levels:
            sv.set_risk_levels(store, SYSTEM, ids[1], YEAR, {4: ("высокий", {"ovz_share": 12.5}), 8: "средний"})
        if partner:
            sv.pair_partner(store, SYSTEM, ids[1], ids[10], reason="Договор о сетевом партнёрстве № 5")
    finally:
        store.close()


def test_viewer_sees_profile_partner_suggestions_but_no_controls(small_db):
    path, ids = small_db
    prepare(path, ids, levels=True)
    at = open_school(path, ids[1], role="viewer")
    assert subheaders(at)[-3:] == ["Рисковый профиль", "Школа-партнёр", "Куратор, координатор, признаки"]
    profile = [t.value for t in at.table if "Фактор риска" in t.value.columns][0]
    assert list(profile["Уровень"])[3] == ":red-badge[:material/arrow_upward: высокий]"
    assert list(profile["Уровень"])[7] == ":orange-badge[:material/drag_handle: средний]"
    assert list(profile["Уровень"])[0] == "не оценён"
    assert "12,5" in list(profile["Измеренные значения"])[3]
    md_text = "\n".join(m.value for m in at.markdown)
    assert "2024/2025: высокий риск — 1 фактор (оценено 2 из 10): «Ученики с ОВЗ»." in md_text
    assert "Партнёр не назначен." in md_text and "**Предлагаемые партнёры**" in md_text
    assert "Школа №10" in md_text                                   # the first suggestion
    assert any("та же территория" in c.value for c in at.caption)
    assert not buttons(at, "Назначить партнёром") and not buttons(at, "Сохранить профиль")
    assert not [e for e in expanders(at) if e.startswith("Изменить")]
    assert "Все школы территории сразу: шаблон Excel" not in expanders(at)


def test_methodist_enters_risk_levels_and_pairs_a_suggested_partner(small_db):
    path, ids = small_db
    at = open_school(path, ids[1])
    assert "Изменить рисковый профиль на 2024/2025" in expanders(at)
    assert "Все школы территории сразу: шаблон Excel" in expanders(at)
    at.selectbox(key=f"risk_{ids[1]}_{YEAR}_8").set_value("high")
    at.text_input(key=f"risk_{ids[1]}_{YEAR}_risk_pupils_share").set_value("18,5")
    at.selectbox(key=f"risk_{ids[1]}_{YEAR}_10").set_value("medium")
    buttons(at, "Сохранить профиль")[0].click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Рисковый профиль на 2024/2025 сохранён: изменено 2 фактора."]
    profile = [t.value for t in at.table if "Фактор риска" in t.value.columns][0]
    assert list(profile["Уровень"])[7].endswith(" высокий]")
    assert "доля обучающихся группы риска — 18,5" in list(profile["Измеренные значения"])[7]
    assert at.text_input(key=f"risk_{ids[1]}_{YEAR}_risk_pupils_share").value == "18,5"   # shown as entered

    pair = [b for b in at.button if b.label == "Назначить партнёром" and b.key == f"pair_{ids[1]}_{ids[10]}"]
    pair[0].click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Школа-партнёр назначена: Школа №10."]
    md_text = "\n".join(m.value for m in at.markdown)
    assert "**Школа №10** · Северный район · с " in md_text
    assert any(c.value.startswith("Основание: Стабильно высокие результаты") for c in at.caption)
    # the partner's results beside the school's: a chart and a table
    chart = [s for s in specs(at) if "партнёр" in str(s.get("title", {}).get("text", ""))]
    assert chart and chart[0]["title"]["text"] == "Школа №1: 4 результата на пороге 30 % или выше — у партнёра (Школа №10): 0"
    side = [d.value for d in at.dataframe if "Эта школа" in d.value.columns][0].set_index(["Процедура", "Учебный год"])
    assert side.loc[("ВПР, математика, 5 кл.", "2023/2024"), "Партнёр"] == "5,0\u00a0% «2» (1 из 20)"
    assert buttons(at, "Завершить партнёрство")
    # the partner is not offered again; the other candidates wait in an expander
    assert not [b for b in at.button if b.key == f"pair_{ids[1]}_{ids[10]}"]
    assert "Другие кандидаты в партнёры (4)" in expanders(at)


def test_head_pairs_and_appoints_but_does_not_rate_risks(small_db):
    path, ids = small_db
    at = open_school(path, ids[2], role="head")
    assert buttons(at, "Назначить партнёром")                       # suggestions can be taken
    assert not [e for e in expanders(at) if e.startswith("Изменить рисковый профиль")]
    assert "Изменить куратора, координатора, признаки" in expanders(at)
    assert at.checkbox(key=f"people_shnsu_{ids[2]}").disabled        # the registry's flag: methodist or admin
    at.text_input(key=f"people_curator_{ids[2]}").set_value("Иванова И. И., методист ИМЦ")
    at.checkbox(key=f"people_500_{ids[2]}").check()
    buttons(at, "Сохранить")[0].click().run()
    assert not at.exception and [s.value for s in at.success] == ["Сохранено."]
    people = [t.value for t in at.table if "Значение" in t.value.columns][-1]
    assert "Иванова И\\. И\\., методист ИМЦ" in list(people["Значение"])
    assert list(people["Значение"])[2] == "да"


def test_a_value_that_is_not_a_number_stores_nothing(small_db):
    path, ids = small_db
    at = open_school(path, ids[1])
    at.selectbox(key=f"risk_{ids[1]}_{YEAR}_4").set_value("high")
    at.text_input(key=f"risk_{ids[1]}_{YEAR}_ovz_share").set_value("двенадцать")
    buttons(at, "Сохранить профиль")[0].click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [md("«доля обучающихся с ОВЗ»: «двенадцать» — не число.")]
    assert "Рисковый профиль на 2024/2025 не заполнен." in "\n".join(m.value for m in at.markdown)


def test_refusal_is_shown_in_russian(small_db):
    path, ids = small_db
    at = open_school(path, ids[1])
    at.selectbox(key=f"partner_other_pick_{ids[1]}").set_value(ids[2])    # another ШНОР
    [b for b in at.button if b.label == "Назначить партнёром" and not str(b.key).startswith("pair_")][0].click().run()
    assert not at.exception
    assert at.error[0].value.startswith("Школа №2 — сама в списке ШНОР на 2024/2025")


def test_bound_methodist_gets_suggestions_of_their_territory(small_db):
    path, ids = small_db
    at = open_school(path, ids[12], name="yug", territory="Южный район")
    md_text = "\n".join(m.value for m in at.markdown)
    assert "Школа №13" in md_text and "Школа №10" not in md_text
    assert buttons(at, "Назначить партнёром")


def test_school_without_low_results_is_not_offered_partners(small_db):
    path, ids = small_db
    at = open_school(path, ids[6])
    assert not buttons(at, "Назначить партнёром")
    assert any("Партнёров подбирают школам из списка ШНОР и группы риска" in c.value for c in at.caption)


def test_meeting_mode_shows_partner_without_controls(small_db):
    path, ids = small_db
    prepare(path, ids, partner=True, levels=True)
    at = open_school(path, ids[1], state={"_shnor_meeting": True})
    assert "Школа-партнёр" in subheaders(at)
    assert not buttons(at, "Назначить партнёром") and not buttons(at, "Завершить партнёрство")
    assert not [e for e in expanders(at) if e.startswith("Изменить")]
    profile = [t.value for t in at.table if "Фактор риска" in t.value.columns][0]
    assert len(profile) == 2                                        # only the rated factors on the shared screen


def test_hostile_partner_name_and_reason_are_text(small_db):
    from smalldb import make_hostile
    path, ids = small_db
    prepare(path, ids, partner=True)
    make_hostile(path, ids[10])
    store = Store.open(path)
    try:
        sv.set_support(store, SYSTEM, ids[1], curator="[Куратор](http://evil.example) **жирный**")
    finally:
        store.close()
    at = open_school(path, ids[1])
    assert_no_markup_from_data(at)
