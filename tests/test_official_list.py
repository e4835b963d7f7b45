"""The official list: manual decisions need a written reason, approval freezes, later imports show as a
difference, the region's own list («Территория | ОО») is parsed in the sandbox, matched and compared — and
every use case asks the permission table for the list's territory. Cases of tests/listdb.py."""
import datetime as dt
import json
from dataclasses import replace

import pandas as pd
import pytest
from openpyxl import Workbook

from listdb import NORTH, SOUTH, YEAR, results_parsed, stub_file
from shnor.domain import events
from shnor.domain import official_list as dol
from shnor.domain.permissions import SYSTEM, Forbidden, User
from shnor.domain.rule import RuleSettings
from shnor.read.analysis import compute_list
from shnor.services import lists as ol
from shnor.services.imports import import_file, undo_import

HEAD = User("head", "head")
VIEWER = User("viewer", "viewer")
METHODIST = User("methodist", "methodist")
ADMIN = User("admin", "admin")


def tid(store, name):
    return store.territories.find(name)


def bound(store, name, role, territory):
    t = tid(store, territory)
    return User(name, role, t, territory, frozenset(store.territories.subtree(t)))


def audit_actions(store):
    return list(store.audit.list()["action"])


def test_the_computed_list_matches_the_hand_computed_statuses(list_store):
    store, ids = list_store
    lst = compute_list(store, YEAR)
    status = dict(zip(lst.table["id"], lst.table["status"]))
    assert status == {ids["sch420001"]: "shnor", ids["sch420002"]: "ok", ids["sch420003"]: "risk",
                      ids["sch420004"]: "shnor", ids["sch420005"]: "no_data"}


@pytest.mark.parametrize("reason", ["", "   ", "ok", None])
def test_a_decision_without_a_written_reason_is_refused(list_store, reason):
    store, ids = list_store
    with pytest.raises(ol.OfficialListError, match="причину"):
        ol.set_decision(store, HEAD, YEAR, None, ids["sch420003"], True, reason)
    assert ol.get_list(store, HEAD, YEAR, None) is None


def test_manual_include_and_exclude_change_the_proposal_and_are_audited(list_store):
    store, ids = list_store
    ol.set_decision(store, HEAD, YEAR, None, ids["sch420003"], True, "по списку региона, приказ № 1324")
    ol.set_decision(store, HEAD, YEAR, None, ids["sch420001"], False, "  школа реорганизована, результаты не её ")
    lst, prop = ol.current_proposal(store, HEAD, YEAR, None)
    assert lst.status == ol.DRAFT and not lst.frozen
    p = prop.set_index("school_id")
    assert set(p.index[p["included"]]) == {ids["sch420003"], ids["sch420004"]}
    assert p.loc[ids["sch420001"], "manual"] and p.loc[ids["sch420001"], "computed_status"] == "shnor"
    assert p.loc[ids["sch420003"], "reason"] == "по списку региона, приказ № 1324"
    assert p.loc[ids["sch420001"], "reason"] == "школа реорганизована, результаты не её"   # stripped
    log = store.audit.list()
    dec = log[log["action"] == events.LIST_DECISION.name]
    assert len(dec) == 2 and set(dec["actor"]) == {"head"}
    assert {json.loads(d)["school_id"] for d in dec["detail"]} == {ids["sch420001"], ids["sch420003"]}
    # withdrawing a decision returns the school to the rule
    assert ol.clear_decision(store, HEAD, YEAR, None, ids["sch420001"]) is True
    _, prop = ol.current_proposal(store, HEAD, YEAR, None)
    assert set(prop.loc[prop["included"], "school_id"]) == {ids["sch420001"], ids["sch420003"], ids["sch420004"]}
    assert audit_actions(store).count(events.LIST_DECISION_CLEARED.name) == 1
    # withdrawing what is not there changes nothing and records nothing
    assert ol.clear_decision(store, HEAD, YEAR, None, ids["sch420001"]) is False
    assert audit_actions(store).count(events.LIST_DECISION_CLEARED.name) == 1


def test_a_territory_list_cannot_take_another_territorys_school(list_store):
    store, ids = list_store
    with pytest.raises(ol.OfficialListError, match="не относится"):
        ol.set_decision(store, HEAD, YEAR, tid(store, NORTH), ids["sch420004"], False, "не наша школа")
    assert ol.get_list(store, HEAD, YEAR, tid(store, NORTH)) is None


def test_approval_needs_an_order_and_freezes_the_list(list_store):
    store, ids = list_store
    with pytest.raises(ol.OfficialListError, match="номер приказа"):
        ol.approve_list(store, HEAD, YEAR, None, " ", dt.date(2022, 9, 1))
    with pytest.raises(ol.OfficialListError, match="дату"):
        ol.approve_list(store, HEAD, YEAR, None, "12", None)
    with pytest.raises(ol.OfficialListError, match="ещё не наступила"):
        ol.approve_list(store, HEAD, YEAR, None, "12", dt.date(2022, 9, 2), today=dt.date(2022, 9, 1))
    ol.set_decision(store, HEAD, YEAR, None, ids["sch420003"], True, "по списку региона")
    lst = ol.approve_list(store, HEAD, YEAR, None, "1324", dt.date(2022, 9, 1))
    assert lst.frozen and lst.order_number == "1324" and lst.order_date == dt.date(2022, 9, 1)
    assert lst.approved_by == "head" and lst.approved_at is not None
    assert lst.order_ru() == "приказ № 1324 от 01.09.2022"
    assert lst.settings == RuleSettings()
    items = ol.list_items(store, HEAD, lst).set_index("school_id")
    assert len(items) == 5
    assert set(items.index[items["included"]]) == {ids["sch420001"], ids["sch420003"], ids["sch420004"]}
    assert items.loc[ids["sch420003"], "manual"] and items.loc[ids["sch420003"], "computed_status"] == "risk"
    assert items.loc[ids["sch420003"], "status_ru"] == "группа риска"
    assert "Критерий 1" in items.loc[ids["sch420001"], "reasons"]
    approved = json.loads(store.audit.list(action=events.LIST_APPROVED.name).iloc[0]["detail"])
    assert approved["order_number"] == "1324" and approved["included"] == 3 and approved["manual"] == 1
    # frozen: no more decisions, no second approval, no withdrawal
    with pytest.raises(ol.OfficialListError, match="утверждён"):
        ol.set_decision(store, HEAD, YEAR, None, ids["sch420002"], True, "передумали")
    with pytest.raises(ol.OfficialListError, match="утверждён"):
        ol.approve_list(store, HEAD, YEAR, None, "1400", dt.date(2022, 10, 1))
    with pytest.raises(ol.OfficialListError, match="утверждён"):
        ol.clear_decision(store, HEAD, YEAR, None, ids["sch420003"])
    assert ol.list_items(store, HEAD, lst)["included"].sum() == 3
    assert ol.approved_lists(store, HEAD).iloc[0]["included"] == 3


def test_the_approved_list_records_the_what_if_settings_it_was_made_with(list_store):
    store, ids = list_store
    strict = replace(RuleSettings(), threshold_pct=40)
    lst = ol.approve_list(store, HEAD, YEAR, None, "7", dt.date(2022, 9, 1), settings=strict)
    assert lst.settings.threshold_pct == 40
    items = ol.list_items(store, HEAD, lst)
    assert list(items.loc[items["included"], "school_id"]) == [ids["sch420004"]]
    # recomputed with the list's own settings, nothing differs
    assert ol.diff_with_computed(store, HEAD, lst).empty


def test_a_later_import_shows_as_a_difference_and_the_approved_list_stays(list_store, tmp_path):
    store, ids = list_store
    lst = ol.approve_list(store, HEAD, YEAR, None, "1324", dt.date(2022, 9, 1))
    assert ol.diff_with_computed(store, HEAD, lst).empty
    assert ol.diff_summary_ru(ol.diff_with_computed(store, HEAD, lst)).startswith("Текущий расчёт совпадает")
    # a correction: S2 had 8 of 20 in math-5 and 5 of 10 in Russian-5 -> two lows in 2021 -> criterion 1;
    # S4's 2021 Russian was 2 of 10 -> criterion 2 no longer holds (one low in 2020 only)
    rep = import_file(store, stub_file(tmp_path, "поправка.stub"), METHODIST, parsed=results_parsed([
        ("sch420002", "VPR-MATH-5", 2021, 20, 8), ("sch420002", "VPR-RUS-5", 2021, 10, 5),
        ("sch420004", "OGE-RUS", 2021, 10, 2)]))
    assert rep.status == "stored"
    diff = ol.diff_with_computed(store, HEAD, lst).set_index("school_id")
    assert set(diff.index) == {ids["sch420002"], ids["sch420004"]}
    assert diff.loc[ids["sch420002"], "change"] == ol.DIFF_NOW_SHNOR
    assert not diff.loc[ids["sch420002"], "included"]
    assert diff.loc[ids["sch420002"], "criteria_now"] == "1"
    assert diff.loc[ids["sch420004"], "change"] == ol.DIFF_NO_LONGER and diff.loc[ids["sch420004"], "included"]
    summary = ol.diff_summary_ru(ol.diff_with_computed(store, HEAD, lst))
    assert "1 школа теперь ШНОР" in summary and "1 школа по расчёту больше не ШНОР" in summary
    # the approved list itself did not change
    items = ol.list_items(store, HEAD, lst).set_index("school_id")
    assert items.loc[ids["sch420002"], "computed_status"] == "ok" and not items.loc[ids["sch420002"], "included"]
    # undoing the import brings the computation back to the approved list
    undo_import(store, rep.batch_id, METHODIST)
    assert ol.diff_with_computed(store, HEAD, lst).empty


def test_a_territory_list_is_separate_from_the_region_list(list_store):
    store, ids = list_store
    north = tid(store, NORTH)
    ol.approve_list(store, bound(store, "head-north", "head", NORTH), YEAR, north, "5", dt.date(2022, 9, 1))
    assert ol.get_list(store, HEAD, YEAR, None) is None
    items = ol.list_items(store, HEAD, ol.get_list(store, HEAD, YEAR, north))
    assert set(items["school_id"]) == {ids["sch420001"], ids["sch420002"], ids["sch420003"]}
    assert list(ol.approved_lists(store, HEAD, north)["territory"]) == [NORTH]


# ---------------------------------------------------------------------------------------------
# Permissions: the services decide, for the list's territory
# ---------------------------------------------------------------------------------------------
def test_roles_that_may_not_decide_or_approve_are_refused_and_nothing_is_written(list_store):
    store, ids = list_store
    before = len(store.audit.list())
    with pytest.raises(Forbidden, match="наблюдатель"):
        ol.set_decision(store, VIEWER, YEAR, None, ids["sch420003"], True, "по списку региона")
    with pytest.raises(Forbidden, match="утверждать"):
        ol.approve_list(store, METHODIST, YEAR, None, "1", dt.date(2022, 9, 1))
    with pytest.raises(Forbidden):
        ol.clear_decision(store, VIEWER, YEAR, None, ids["sch420003"])
    assert ol.get_list(store, HEAD, YEAR, None) is None and len(store.audit.list()) == before
    # a methodist prepares decisions, the head approves
    ol.set_decision(store, METHODIST, YEAR, None, ids["sch420003"], True, "по списку региона")
    assert ol.approve_list(store, HEAD, YEAR, None, "1", dt.date(2022, 9, 1)).frozen


def test_a_bound_head_acts_only_on_lists_of_their_territory(list_store):
    store, ids = list_store
    north, south = tid(store, NORTH), tid(store, SOUTH)
    head_north = bound(store, "head-north", "head", NORTH)
    # the region-wide list belongs to users bound to no territory
    with pytest.raises(Forbidden, match="Северный район"):
        ol.set_decision(store, head_north, YEAR, None, ids["sch420001"], False, "решение района")
    with pytest.raises(Forbidden):
        ol.approve_list(store, head_north, YEAR, None, "1", dt.date(2022, 9, 1))
    # another territory's list
    with pytest.raises(Forbidden):
        ol.set_decision(store, head_north, YEAR, south, ids["sch420004"], False, "не наша школа")
    with pytest.raises(Forbidden):
        ol.approve_list(store, head_north, YEAR, south, "1", dt.date(2022, 9, 1))
    with pytest.raises(Forbidden):
        ol.get_list(store, head_north, YEAR, south)
    assert store.lists.get(YEAR, None) is None and store.lists.get(YEAR, south) is None
    # their own territory: allowed
    ol.set_decision(store, head_north, YEAR, north, ids["sch420003"], True, "по списку региона")
    lst = ol.approve_list(store, head_north, YEAR, north, "5-с", dt.date(2022, 9, 1))
    assert lst.frozen and lst.approved_by == "head-north"
    # a bound user sees the approved lists of their territory only
    ol.approve_list(store, HEAD, YEAR, south, "6", dt.date(2022, 9, 1))
    assert list(ol.approved_lists(store, head_north)["territory"]) == [NORTH]
    assert sorted(ol.approved_lists(store, HEAD)["territory"]) == [NORTH, SOUTH]


def test_a_bound_head_may_decide_in_a_district_of_their_territory(list_store):
    store, ids = list_store
    north = tid(store, NORTH)
    with store.unit(SYSTEM) as u:
        district = u.territories.add("Посёлок Северный", kind="district", parent_id=north)
        u.record(events.TERRITORY_ADDED, territory="Посёлок Северный")
    head_north = bound(store, "head-north", "head", NORTH)
    assert district in head_north.scope
    # the district has no school: the decision is refused by the list's logic, not by the permission table
    with pytest.raises(ol.OfficialListError, match="не относится"):
        ol.set_decision(store, head_north, YEAR, district, ids["sch420001"], True, "по списку региона")


# ---------------------------------------------------------------------------------------------
# Identification runs
# ---------------------------------------------------------------------------------------------
def test_an_identification_run_is_recorded_without_changing_the_data_version(list_store):
    store, _ = list_store
    version = store.data_version()
    run_id = ol.record_identification_run(store, VIEWER, compute_list(store, YEAR))
    assert run_id >= 1
    ev = store.audit.list(action=events.IDENTIFICATION_RUN.name)
    assert len(ev) == 1 and ev.iloc[0]["actor"] == "viewer" and json.loads(ev.iloc[0]["detail"])["run"] == run_id
    assert store.data_version() == version
    head_north = bound(store, "head-north", "head", NORTH)
    with pytest.raises(Forbidden):
        ol.record_identification_run(store, head_north, compute_list(store, YEAR, tid(store, SOUTH)))


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
    rep = ol.import_region_list(store, HEAD, path, YEAR)
    assert rep.status == "stored" and rep.matched == 2 and rep.unmatched == 1
    assert list(rep.rows["school_id"][:2]) == [ids["sch420001"], ids["sch420002"]]
    assert list(rep.rows["territory_text"]) == ["северный район", "северный район", "Южный район"]
    warn = [i for i in rep.issues if i.row is not None]
    assert len(warn) == 1 and warn[0].row == 7 and "ООШ № 99" in warn[0].text() and "приложение3.xlsx" in warn[0].text()
    assert "сопоставлено с реестром: 2" in rep.summary_ru()
    un = rep.unmatched_rows()
    assert list(un["school_text"]) == ["МБОУ “ООШ № 99”"] and list(un["row"]) == [7]
    ev = json.loads(store.audit.list(action=events.REGION_LIST_UPLOADED.name).iloc[0]["detail"])
    assert ev["rows"] == 3 and ev["matched"] == 2 and ev["territory_id"] is None

    cmp = ol.compare_with_region_list(store, HEAD, rep.list_id, compute_list(store, YEAR))
    verdict = dict(zip(cmp["school"], cmp["verdict"]))
    assert verdict == {"МБОУ «СОШ № 1»": ol.BOTH, "МБОУ «ООШ № 2»": ol.ONLY_REGION,
                       "МБОУ «СОШ № 4»": ol.ONLY_COMPUTED, "МБОУ “ООШ № 99”": ol.NOT_FOUND}
    # a territory's list is compared with its part of the region's list
    cmp_n = ol.compare_with_region_list(store, HEAD, rep.list_id, compute_list(store, YEAR, tid(store, NORTH)))
    assert dict(zip(cmp_n["school"], cmp_n["verdict"])) == {"МБОУ «СОШ № 1»": ol.BOTH,
                                                            "МБОУ «ООШ № 2»": ol.ONLY_REGION}
    assert list(ol.region_lists(store, HEAD, YEAR)["schools"]) == [3]


def test_region_list_as_csv_with_abbreviated_territory_and_spelled_out_school_type(list_store, tmp_path):
    store, ids = list_store
    with store.unit(SYSTEM) as u:
        u.sql.run("UPDATE territories SET short_name = 'Южный МР' WHERE name = ?", [SOUTH])
        u.record(events.TERRITORY_ADDED, territory=SOUTH)
    p = tmp_path / "list.csv"
    p.write_text("Территория;ОО\nЮжный муниципальный район;МБОУ «Средняя общеобразовательная школа №4»\n",
                 encoding="cp1251")
    rep = ol.import_region_list(store, HEAD, p, YEAR)
    assert rep.status == "stored" and list(rep.rows["school_id"]) == [ids["sch420004"]]


def test_region_list_without_the_header_is_refused_with_the_file_named(list_store, tmp_path):
    store, _ = list_store
    p = tmp_path / "bad.csv"
    p.write_text("Школы\nМБОУ «СОШ № 1»\n")
    rep = ol.import_region_list(store, HEAD, p, YEAR)
    assert rep.status == "refused" and rep.list_id is None
    assert "bad.csv" in rep.issues[0].text() and "«Территория» и «ОО»" in rep.issues[0].text()
    assert ol.region_lists(store, HEAD).empty


def test_region_list_is_parsed_in_the_sandbox_child(list_store, tmp_path, monkeypatch):
    """The parent never reads the uploaded file: with the parser broken in this process the import still
    works (the child interpreter has its own), and a file that is not a workbook gets a Russian refusal."""
    store, ids = list_store
    from shnor.importing import region_list

    def broken(*_a, **_k):
        raise AssertionError("the region list was parsed in the server process")

    monkeypatch.setattr(region_list, "rows_of_sheets", broken)
    monkeypatch.setattr(region_list, "parse_region_list", broken)
    rep = ol.import_region_list(store, HEAD, region_xlsx(tmp_path / "r.xlsx", REGION_ROWS), YEAR)
    assert rep.status == "stored" and rep.matched == 2
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04 this is not a workbook" * 10)
    rep = ol.import_region_list(store, HEAD, junk, YEAR)
    assert rep.status == "refused" and "junk.xlsx" in rep.issues[0].text()
    assert all("Error" not in i.text() and "Traceback" not in i.text() for i in rep.issues)
    assert len(ol.region_lists(store, HEAD)) == 1


def test_region_list_of_a_bound_user_keeps_their_territory_only(list_store, tmp_path):
    store, ids = list_store
    north = tid(store, NORTH)
    methodist_north = bound(store, "methodist-north", "methodist", NORTH)
    path = region_xlsx(tmp_path / "r.xlsx", REGION_ROWS)
    # a bound user cannot upload the whole region's list
    with pytest.raises(Forbidden):
        ol.import_region_list(store, methodist_north, path, YEAR)
    with pytest.raises(Forbidden):
        ol.import_region_list(store, methodist_north, path, YEAR, territory_id=tid(store, SOUTH))
    with pytest.raises(Forbidden, match="наблюдатель"):
        ol.import_region_list(store, VIEWER, path, YEAR)
    assert ol.region_lists(store, HEAD).empty
    rep = ol.import_region_list(store, methodist_north, path, YEAR, territory_id=north)
    assert rep.status == "stored" and list(rep.rows["school_id"]) == [ids["sch420001"], ids["sch420002"]]
    assert any("вне вашей территории: 1" in i.message for i in rep.issues)
    # the south sees neither the north's upload nor may compare with it
    methodist_south = bound(store, "methodist-south", "methodist", SOUTH)
    assert ol.region_lists(store, methodist_south, YEAR).empty
    assert list(ol.region_lists(store, methodist_north, YEAR)["id"]) == [rep.list_id]
    with pytest.raises(Forbidden):
        ol.compare_with_region_list(store, methodist_south, rep.list_id,
                                    compute_list(store, YEAR, tid(store, SOUTH)))
    # a region-wide upload is seen by everyone, each compares their own part
    whole = ol.import_region_list(store, HEAD, path, YEAR)
    assert set(ol.region_lists(store, methodist_south, YEAR)["id"]) == {whole.list_id}
    cmp = ol.compare_with_region_list(store, methodist_south, whole.list_id,
                                      compute_list(store, YEAR, tid(store, SOUTH)))
    assert dict(zip(cmp["school"], cmp["verdict"])) == {"МБОУ «СОШ № 4»": ol.ONLY_COMPUTED,
                                                        "МБОУ “ООШ № 99”": ol.NOT_FOUND}


def test_region_list_entirely_outside_the_territory_is_not_stored(list_store, tmp_path):
    store, _ = list_store
    south = tid(store, SOUTH)
    path = region_xlsx(tmp_path / "r.xlsx", [("Северный район", "МБОУ «СОШ № 1»")])
    rep = ol.import_region_list(store, bound(store, "m", "methodist", SOUTH), path, YEAR, territory_id=south)
    assert rep.status == "refused" and "Южный район" in rep.issues[-1].text()
    assert ol.region_lists(store, HEAD).empty


# ---------------------------------------------------------------------------------------------
# The domain's pure parts, without a database
# ---------------------------------------------------------------------------------------------
def test_header_words_and_subtotals_of_the_region_list():
    assert dol.header_kind(" Территория ") == "territory" and dol.header_kind("Наименование ОО") == "school"
    assert dol.header_kind("№") is None
    assert dol.is_subtotal("Итого по району") and dol.is_subtotal("ВСЕГО") and not dol.is_subtotal("Школа")


def test_matching_uses_the_one_school_by_name_lookup():
    from shnor.domain.matching import NameIndex, SchoolRecord
    index = NameIndex([SchoolRecord(1, short_name="МБОУ «СОШ № 1»", territory_id=10),
                       SchoolRecord(2, short_name="МАОУ «СОШ № 1»", territory_id=20, district_id=21),
                       SchoolRecord(3, short_name="МБОУ «Гимназия»", territory_id=20),
                       SchoolRecord(4, short_name="МАОУ «Гимназия»", territory_id=20)])
    rows = [dol.RegionListRow("А", "средняя общеобразовательная школа № 1", "Лист1", 2),
            dol.RegionListRow("Б-район", "сош №1", "Лист1", 3),
            dol.RegionListRow("Б", "Гимназия", "Лист1", 4),
            dol.RegionListRow("Нет такой", "СОШ № 1", "Лист1", 5)]
    where = {"А": 10, "Б": 20, "Б-район": 21}
    df = dol.match_rows(rows, index, where.get, {1: "один", 2: "два"})
    assert list(df["school_id"].astype("object").where(df["school_id"].notna(), None)) == [1, 2, None, None]
    assert df.loc[2, "note"] == "такое наименование есть у нескольких школ территории"
    assert df.loc[3, "note"] == "территория «Нет такой» не найдена"
    assert list(df["school_name"][:2]) == ["один", "два"]


def test_check_order_and_reason_are_pure():
    today = dt.date(2022, 9, 1)
    assert dol.check_order(" 12-п ", dt.datetime(2022, 8, 1, 10), today) == ("12-п", dt.date(2022, 8, 1))
    with pytest.raises(dol.OfficialListError, match="02.09.2022"):
        dol.check_order("1", dt.date(2022, 9, 2), today)
    assert dol.check_reason("  по списку  ") == "по списку"


def test_compare_region_leaves_out_rows_outside_the_territory():
    table = pd.DataFrame({"id": [1, 2], "territory": ["А", "А"], "short_name": ["Ш1", "Ш2"],
                          "status": ["shnor", "ok"], "status_ru": ["ШНОР", "без низких результатов"],
                          "reasons": ["Критерий 1", ""]})
    items = pd.DataFrame({"territory_text": ["А", "Б", "А", "Б"], "school_text": ["ш2", "ш9", "ш7", "ш3"],
                          "school_id": pd.array([2, 3, None, None], dtype="Int64")})
    cmp = dol.compare_region(items, table, outside=lambda t: t == "Б")
    assert list(zip(cmp["school"], cmp["verdict"])) == [("Ш2", dol.ONLY_REGION), ("Ш1", dol.ONLY_COMPUTED),
                                                        ("ш7", dol.NOT_FOUND)]
