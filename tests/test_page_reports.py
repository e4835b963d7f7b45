"""AppTest of «Отчёты» on the region of tests/listdb.py with one user per role: every role downloads the
documents; only those who may approve the list (head, admin) see the order's fields, which approve it through
the service; a bound user stays in their territory; meeting mode hides the fields; hostile names are options
(text); the Overview's print view (`?print=1`) and leaving it."""
from __future__ import annotations

import datetime as dt

import pytest

from listdb import NORTH, YEAR, renamed_parsed, stub_file
from pagetest import page_as, page_store, run_page, texts
from shnor.domain.permissions import SYSTEM, User
from shnor.services import lists as ol
from shnor.ui import meeting
from shnor.ui.safe import md

ADMIN = User("admin", "admin")
DOWNLOADS = ["Список в форме приложения (Excel)", "Список в форме приложения (Word)", "Аналитическая справка (Word)",
             "Справка по школе (Word)", "Пакет для собеседований (Word): 2 школы", "Пакет для совещания (ZIP)"]


def downloads(at) -> list[str]:
    return [d.proto.label for d in at.get("download_button")]


def button(at, label):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r}: {[b.label for b in at.button]}"
    return found[0]


def order_fields(at) -> list[str]:
    return [w.label for w in at.text_input] + [w.label for w in at.date_input]


def test_nobody_logged_in_sees_the_login_form(listdb_ids):
    at = page_as("reports", None)
    at.run()
    assert [t.label for t in at.text_input] == ["Логин", "Пароль"] and not at.get("download_button")


@pytest.mark.parametrize("role", ["viewer", "methodist"])
def test_readers_download_every_document_but_see_no_order_fields(listdb_ids, role):
    at = run_page("reports", role)
    assert downloads(at) == DOWNLOADS
    assert order_fields(at) == [] and "Утвердить список приказом" not in [b.label for b in at.button]
    t = texts(at)
    assert "не утверждён" in t and "Утверждает список приказом руководитель" in t
    assert [s.value for s in at.subheader] == ["Список ШНОР в форме приложения к приказу", "Аналитическая справка",
                                               "Собеседования с руководителями", "Совещание"]
    assert "Версия для печати" in [b.label for b in at.button]
    # the school chooser: the list's ШНОР first
    assert at.selectbox(key="rep_school").options[:2] == ["МБОУ «СОШ № 1» · Северный район · ШНОР",
                                                         "МБОУ «СОШ № 4» · Южный район · ШНОР"]


def test_the_head_approves_the_list_with_the_orders_fields(listdb_ids):
    at = run_page("reports", "head")
    assert order_fields(at) == ["Номер приказа", "Дата приказа"]
    assert downloads(at) == DOWNLOADS
    # without the confirmation: refused, nothing written
    at.text_input(key="rep_order_number").set_value("1324")
    at.date_input(key="rep_order_date").set_value(dt.date(2022, 9, 1))
    button(at, "Утвердить список приказом").click().run()
    assert "Отметьте, что проект проверен" in texts(at)
    assert ol.get_list(page_store(), ADMIN, YEAR, None) is None
    at.text_input(key="rep_order_number").set_value("1324")
    at.date_input(key="rep_order_date").set_value(dt.date(2022, 9, 1))
    at.checkbox(key="rep_approve_sure").check()
    button(at, "Утвердить список приказом").click().run()
    assert not at.exception
    lst = ol.get_list(page_store(), ADMIN, YEAR, None)
    assert lst.frozen and (lst.order_number, lst.order_date, lst.approved_by) == ("1324", dt.date(2022, 9, 1), "head")
    t = texts(at)
    assert f"Список на 2022/2023 утверждён: {md('приказ № 1324 от 01.09.2022')}" in t
    assert f"утверждён: {md('приказ № 1324 от 01.09.2022')}; утвердил(а) head" in t
    # the approved order: shown in fields that cannot be changed here
    shown = [w for w in at.text_input if w.label == "Номер приказа"]
    assert shown and shown[0].value == "1324" and shown[0].disabled
    assert "Утвердить список приказом" not in [b.label for b in at.button]
    # a viewer now sees the approved order, still without fields
    at = run_page("reports", "viewer")
    assert f"утверждён: {md('приказ № 1324 от 01.09.2022')}" in texts(at) and order_fields(at) == []


def test_an_order_refused_by_the_service_is_said(listdb_ids):
    at = run_page("reports", "admin")
    at.text_input(key="rep_order_number").set_value("   ")
    at.checkbox(key="rep_approve_sure").check()
    button(at, "Утвердить список приказом").click().run()
    assert not at.exception and at.error
    assert ol.get_list(page_store(), ADMIN, YEAR, None) is None


def test_a_bound_head_stays_in_their_territory(listdb_ids):
    at = run_page("reports", "north-head")
    assert at.selectbox(key="rep_territory").disabled
    assert "Пакет для собеседований (Word): 1 школа" in downloads(at)
    assert all(NORTH in o for o in at.selectbox(key="rep_school").options)
    assert f"{NORTH} не утверждён" in texts(at) and order_fields(at) == ["Номер приказа", "Дата приказа"]


def test_chosen_schools_make_the_pack(listdb_ids):
    at = run_page("reports", "viewer")
    at.radio(key="rep_pack_which").set_value("chosen").run()
    assert "Пакет для собеседований (Word): 0 школ" in downloads(at)
    pack = [d for d in at.get("download_button") if d.proto.label.startswith("Пакет для собеседований")][0]
    assert pack.proto.disabled
    at.multiselect(key="rep_pack_schools").set_value([listdb_ids["sch420003"]]).run()
    assert "Пакет для собеседований (Word): 1 школа" in downloads(at)


def test_meeting_mode_hides_the_order_fields(listdb_ids):
    at = page_as("reports", "head")
    at.query_params[meeting.MEETING_PARAM] = "1"
    at.run()
    assert not at.exception and order_fields(at) == [] and downloads(at) == DOWNLOADS


def test_hostile_school_names_are_options_as_written(listdb_ids, tmp_path):
    from shnor.services.imports import import_file
    evil = "**Школа** [ссылка](http://evil.example) :red[!] <b>x</b>"
    rep = import_file(page_store(), stub_file(tmp_path, "rename.stub"), SYSTEM,
                      parsed=renamed_parsed("sch420001", evil))
    assert rep.status == "stored", rep.issues
    at = run_page("reports", "viewer")
    assert f"{evil} · Северный район · ШНОР" in at.selectbox(key="rep_school").options


def test_the_print_view_of_the_overview_and_leaving_it(listdb_ids):
    at = page_as("overview", "viewer")
    at.query_params[meeting.PRINT_PARAM] = "1"
    at.run()
    assert not at.exception
    assert meeting.PRINT_HINT in [c.value for c in at.caption]
    assert "Весь регион: список ШНОР на 2022/2023" in [s.value for s in at.subheader]
    button(at, "Закрыть версию для печати").click().run()
    assert not at.exception and meeting.PRINT_PARAM not in at.query_params
    assert meeting.PRINT_HINT not in [c.value for c in at.caption]
    # the ordinary overview has no print line
    at = run_page("overview", "viewer")
    assert meeting.PRINT_HINT not in [c.value for c in at.caption]
