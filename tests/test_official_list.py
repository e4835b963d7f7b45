"""The official list: manual decisions need a written reason, approval freezes, later imports show as a
difference, and the region's own list («Территория | ОО») is matched and compared. Cases of tests/listdb.py."""
import datetime as dt
from dataclasses import replace

import pytest
from openpyxl import Workbook

from listdb import NORTH, SOUTH, YEAR, results_parsed, stub_file
from shnor.services import lists as ol
from shnor.read.analysis import compute_list
from shnor.services.imports import import_file, undo_import
from shnor.domain.rule import RuleSettings


def tid(store, name):
    return store.territories.find(name)


def test_the_computed_list_matches_the_hand_computed_statuses(list_store):
    store, ids = list_store
    lst = compute_list(store, YEAR)
    status = dict(zip(lst.table["id"], lst.table["status"]))
    assert status == {ids["sch420001"]: "shnor", ids["sch420002"]: "ok", ids["sch420003"]: "risk",
                      ids["sch420004"]: "shnor", ids["sch420005"]: "no_data"}


@pytest.mark.parametrize("reason", ["", "   ", "ok"])
def test_a_decision_without_a_written_reason_is_refused(list_store, reason):
    store, ids = list_store
    with pytest.raises(ol.OfficialListError, match="причину"):
        ol.set_decision(store, YEAR, None, ids["sch420003"], True, reason, actor="head")
    assert ol.get_list(store, YEAR, None) is None


def test_manual_include_and_exclude_change_the_proposal(list_store):
    store, ids = list_store
    ol.set_decision(store, YEAR, None, ids["sch420003"], True, "по списку региона, приказ № 1324", actor="head")
    ol.set_decision(store, YEAR, None, ids["sch420001"], False, "школа реорганизована, результаты не её", actor="head")
    lst, prop = ol.current_proposal(store, YEAR, None)
    assert lst.status == ol.DRAFT and not lst.frozen
    p = prop.set_index("school_id")
    assert set(p.index[p["included"]]) == {ids["sch420003"], ids["sch420004"]}
    assert p.loc[ids["sch420001"], "manual"] and p.loc[ids["sch420001"], "computed_status"] == "shnor"
    assert p.loc[ids["sch420003"], "reason"] == "по списку региона, приказ № 1324"
    # withdrawing a decision returns the school to the rule
    ol.clear_decision(store, YEAR, None, ids["sch420001"], actor="head")
    _, prop = ol.current_proposal(store, YEAR, None)
    assert set(prop.loc[prop["included"], "school_id"]) == {ids["sch420001"], ids["sch420003"], ids["sch420004"]}


def test_a_bound_territory_cannot_decide_on_another_territorys_school(list_store):
    store, ids = list_store
    with pytest.raises(ol.OfficialListError, match="не относится"):
        ol.set_decision(store, YEAR, tid(store, NORTH), ids["sch420004"], False, "не наша школа", actor="head")


def test_approval_needs_an_order_and_freezes_the_list(list_store):
    store, ids = list_store
    with pytest.raises(ol.OfficialListError, match="номер приказа"):
        ol.approve_list(store, YEAR, None, " ", dt.date(2022, 9, 1), actor="head")
    with pytest.raises(ol.OfficialListError, match="дату"):
        ol.approve_list(store, YEAR, None, "12", None, actor="head")
    ol.set_decision(store, YEAR, None, ids["sch420003"], True, "по списку региона", actor="head")
    lst = ol.approve_list(store, YEAR, None, "1324", dt.date(2022, 9, 1), actor="head")
    assert lst.frozen and lst.order_number == "1324" and lst.order_date == dt.date(2022, 9, 1)
    assert lst.approved_by == "head" and lst.approved_at is not None
    assert lst.order_ru() == "приказ № 1324 от 01.09.2022"
    assert lst.settings == RuleSettings()
    items = ol.list_items(store, lst.id).set_index("school_id")
    assert len(items) == 5
    assert set(items.index[items["included"]]) == {ids["sch420001"], ids["sch420003"], ids["sch420004"]}
    assert items.loc[ids["sch420003"], "manual"] and items.loc[ids["sch420003"], "computed_status"] == "risk"
    assert "Критерий 1" in items.loc[ids["sch420001"], "reasons"]
    # frozen: no more decisions, no second approval, no withdrawal
    with pytest.raises(ol.OfficialListError, match="утверждён"):
        ol.set_decision(store, YEAR, None, ids["sch420002"], True, "передумали", actor="head")
    with pytest.raises(ol.OfficialListError, match="утверждён"):
        ol.approve_list(store, YEAR, None, "1400", dt.date(2022, 10, 1), actor="head")
    with pytest.raises(ol.OfficialListError, match="утверждён"):
        ol.clear_decision(store, YEAR, None, ids["sch420003"], actor="head")
    assert ol.list_items(store, lst.id)["included"].sum() == 3
    assert ol.approved_lists(store).iloc[0]["included"] == 3


def test_the_approved_list_records_the_what_if_settings_it_was_made_with(list_store):
    store, ids = list_store
    strict = replace(RuleSettings(), threshold_pct=40)
    lst = ol.approve_list(store, YEAR, None, "7", dt.date(2022, 9, 1), actor="head", settings=strict)
    assert lst.settings.threshold_pct == 40
    items = ol.list_items(store, lst.id)
    assert list(items.loc[items["included"], "school_id"]) == [ids["sch420004"]]
    # recomputed with the list's own settings, nothing differs
    assert ol.diff_with_computed(store, lst).empty


def test_a_later_import_shows_as_a_difference_and_the_approved_list_stays(list_store, tmp_path):
    store, ids = list_store
    lst = ol.approve_list(store, YEAR, None, "1324", dt.date(2022, 9, 1), actor="head")
    assert ol.diff_with_computed(store, lst).empty
    assert ol.diff_summary_ru(ol.diff_with_computed(store, lst)).startswith("Текущий расчёт совпадает")
    # a correction: S2 had 8 of 20 in math-5 and 5 of 10 in Russian-5 -> two lows in 2021 -> criterion 1;
    # S4's 2021 Russian was 2 of 10 -> criterion 2 no longer holds (one low in 2020 only)
    rep = import_file(store, stub_file(tmp_path, "поправка.stub"), actor="methodist", parsed=results_parsed([
        ("sch420002", "VPR-MATH-5", 2021, 20, 8), ("sch420002", "VPR-RUS-5", 2021, 10, 5),
        ("sch420004", "OGE-RUS", 2021, 10, 2)]))
    assert rep.status == "stored"
    diff = ol.diff_with_computed(store, lst).set_index("school_id")
    assert set(diff.index) == {ids["sch420002"], ids["sch420004"]}
    assert diff.loc[ids["sch420002"], "change"] == ol.DIFF_NOW_SHNOR
    assert not diff.loc[ids["sch420002"], "included"]
    assert diff.loc[ids["sch420002"], "criteria_now"] == "1"
    assert diff.loc[ids["sch420004"], "change"] == ol.DIFF_NO_LONGER and diff.loc[ids["sch420004"], "included"]
    summary = ol.diff_summary_ru(ol.diff_with_computed(store, lst))
    assert "1 школа теперь ШНОР" in summary and "1 школа по расчёту больше не ШНОР" in summary
    # the approved list itself did not change
    items = ol.list_items(store, lst.id).set_index("school_id")
    assert items.loc[ids["sch420002"], "computed_status"] == "ok" and not items.loc[ids["sch420002"], "included"]
    # undoing the import brings the computation back to the approved list
    undo_import(store, rep.batch_id, actor="methodist")
    assert ol.diff_with_computed(store, lst).empty


def test_a_territory_list_is_separate_from_the_region_list(list_store):
    store, ids = list_store
    north = tid(store, NORTH)
    ol.approve_list(store, YEAR, north, "5", dt.date(2022, 9, 1), actor="head-north")
    assert ol.get_list(store, YEAR, None) is None
    items = ol.list_items(store, ol.get_list(store, YEAR, north).id)
    assert set(items["school_id"]) == {ids["sch420001"], ids["sch420002"], ids["sch420003"]}
    assert list(ol.approved_lists(store, north)["territory"]) == [NORTH]


# ---------------------------------------------------------------------------------------------
# The region's own list
# ---------------------------------------------------------------------------------------------
def region_xlsx(path, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["Приложение № 3"])
    ws.append(["к приказу КОиН от 03.12.2021 № 1324"])
    ws.append([])
    ws.append(["№", "Территория", "ОО"])
    for i, (t, s) in enumerate(rows, start=1):
        ws.append([i, t, s])
    wb.save(path)
    return path


REGION_ROWS = [
    ("северный район ", 'мбоу "сош № 1"'),                              # case, straight quotes, trailing space
    (None, "МБОУ «Основная общеобразовательная школа № 2»"),             # territory as a merged cell; full name
    ("Южный район", "МБОУ “ООШ № 99”"),                                  # not in the registry
    ("Итого", None),
]


def test_region_list_matches_names_with_other_quotes_and_case(list_store, tmp_path):
    store, ids = list_store
    path = region_xlsx(tmp_path / "приложение3.xlsx", REGION_ROWS)
    rep = ol.import_region_list(store, path, YEAR, actor="head")
    assert rep.status == "stored" and rep.matched == 2 and rep.unmatched == 1
    assert list(rep.rows["school_id"][:2]) == [ids["sch420001"], ids["sch420002"]]
    assert list(rep.rows["territory_text"]) == ["северный район", "северный район", "Южный район"]
    warn = [i for i in rep.issues if i.row is not None]
    assert len(warn) == 1 and warn[0].row == 7 and "ООШ № 99" in warn[0].text() and "приложение3.xlsx" in warn[0].text()
    assert "сопоставлено с реестром: 2" in rep.summary_ru()

    cmp = ol.compare_with_region_list(store, rep.list_id, compute_list(store, YEAR))
    verdict = dict(zip(cmp["school"], cmp["verdict"]))
    assert verdict == {"МБОУ «СОШ № 1»": ol.BOTH, "МБОУ «ООШ № 2»": ol.ONLY_REGION,
                       "МБОУ «СОШ № 4»": ol.ONLY_COMPUTED, "МБОУ “ООШ № 99”": ol.NOT_FOUND}
    # a territory's list is compared with its part of the region's list
    cmp_n = ol.compare_with_region_list(store, rep.list_id, compute_list(store, YEAR, tid(store, NORTH)))
    assert dict(zip(cmp_n["school"], cmp_n["verdict"])) == {"МБОУ «СОШ № 1»": ol.BOTH,
                                                            "МБОУ «ООШ № 2»": ol.ONLY_REGION}
    assert list(ol.region_lists(store, YEAR)["schools"]) == [3]


def test_region_list_as_csv_with_abbreviated_territory_and_spelled_out_school_type(list_store, tmp_path):
    store, ids = list_store
    with store.transaction() as cur:
        cur.execute("UPDATE territories SET short_name = 'Южный МР' WHERE name = ?", [SOUTH])
    p = tmp_path / "list.csv"
    p.write_text("Территория;ОО\nЮжный муниципальный район;МБОУ «Средняя общеобразовательная школа №4»\n",
                 encoding="cp1251")
    rep = ol.import_region_list(store, p, YEAR)
    assert rep.status == "stored" and list(rep.rows["school_id"]) == [ids["sch420004"]]


def test_region_list_without_the_header_is_refused_with_the_file_named(list_store, tmp_path):
    store, _ = list_store
    p = tmp_path / "bad.csv"
    p.write_text("Школы\nМБОУ «СОШ № 1»\n")
    rep = ol.import_region_list(store, p, YEAR)
    assert rep.status == "refused" and rep.list_id is None
    assert "bad.csv" in rep.issues[0].text() and "«Территория» и «ОО»" in rep.issues[0].text()
    assert ol.region_lists(store).empty


def test_region_list_scope_drops_other_territories(list_store, tmp_path):
    store, ids = list_store
    path = region_xlsx(tmp_path / "r.xlsx", REGION_ROWS)
    rep = ol.import_region_list(store, path, YEAR, scope_territory_id=tid(store, NORTH))
    assert rep.status == "stored" and list(rep.rows["school_id"]) == [ids["sch420001"], ids["sch420002"]]
    assert any("вне вашей территории: 1" in i.message for i in rep.issues)
