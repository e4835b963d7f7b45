"""The dashboard shell in AppTest: the login form, refusals, each role's menu, a page file run directly
(the `pages/` trap), meeting mode, logout and the session timeout; the Settings and Users pages act."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from shnor.domain.permissions import SYSTEM
from shnor.services import accounts
from shnor.store import Store
from smalldb import build_small_db

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "secret-pass-1"
ROLE_USERS = {"viewer": "vera", "methodist": "misha", "head": "helen", "admin": "root"}
# The menu of each role (the product's permission map, written out as the issue describes it)
EXPECTED_MENU = {
    "viewer": ["pages/overview.py", "pages/identification.py", "pages/school.py"],
    "methodist": ["pages/overview.py", "pages/upload.py", "pages/identification.py", "pages/school.py",
                  "pages/settings.py"],
    "head": ["pages/overview.py", "pages/identification.py", "pages/school.py", "pages/settings.py"],
    "admin": ["pages/overview.py", "pages/upload.py", "pages/identification.py", "pages/school.py",
              "pages/settings.py", "pages/users.py", "pages/audit.py"],
}
ALL_PAGES = EXPECTED_MENU["admin"]


@pytest.fixture
def db(tmp_path, monkeypatch, clear_streamlit_caches):
    path = tmp_path / "shell.duckdb"
    build_small_db(path)
    s = Store.open(path)
    for role, name in ROLE_USERS.items():
        accounts.add_user(s, SYSTEM, name, role, PASSWORD)
    accounts.add_user(s, SYSTEM, "north", "viewer", PASSWORD, territory="Северный район")
    s.close()
    monkeypatch.setenv("SHNOR_DB", str(path))
    return path


def app(script: str = "../app.py") -> AppTest:
    return AppTest.from_file(script, default_timeout=60)


def login(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="shnor_login_name").set_value(name)
    at.text_input(key="shnor_login_password").set_value(password)
    at.button[0].click()
    return at.run()


def assert_login_form_only(at: AppTest) -> None:
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Логин", "Пароль"]
    assert [b.label for b in at.button] == ["Войти"]
    assert len(at.dataframe) == 0 and len(at.tabs) == 0 and len(at.get("vega_lite_chart")) == 0
    assert len(at.sidebar.button) == 0


def qp(at: AppTest, name: str):
    """A query parameter's single value (AppTest may keep it as a one-element list)."""
    v = at.query_params.get(name)
    return v[-1] if isinstance(v, list) and v else v


def shell_store(path) -> Store:
    """The dashboard's own connection (DuckDB allows one writer per process: reuse it)."""
    from shnor.ui.db import _open_store
    return _open_store(str(path))


def test_login_form_has_exactly_login_password_and_button(db):
    at = app().run()
    assert_login_form_only(at)
    assert at.text_input[1].proto.type == at.text_input[1].proto.PASSWORD
    assert at.title[0].value == "Мониторинг ШНОР"


def test_wrong_password_is_refused_in_russian(db):
    at = login(app().run(), "vera", "not-the-password")
    assert [e.value for e in at.error] == ["Неверный логин или пароль."]
    assert "_shnor_token" not in at.session_state
    assert [t.label for t in at.text_input] == ["Логин", "Пароль"]
    at = login(at, "nobody", PASSWORD)
    assert [e.value for e in at.error] == ["Неверный логин или пароль."]   # the same for an unknown name


THROTTLED = ("Слишком много неудачных попыток входа с этого адреса. Попробуйте через 15 мин "
             "или обратитесь к администратору.")


def test_lockout_is_shown_in_the_form_the_same_for_an_unknown_name(db):
    at = app().run()
    for _ in range(5):
        at = login(at, "vera", "wrong-password")
    assert [e.value for e in at.error] == [THROTTLED]
    at = login(at, "vera", PASSWORD)       # the right password does not open the name from this address
    assert [e.value for e in at.error] == [THROTTLED]
    assert "_shnor_token" not in at.session_state
    for _ in range(5):
        at = login(at, "nobody", "wrong-password")
    assert [e.value for e in at.error] == [THROTTLED]
    # counted against this browser's address (AppTest has none: this machine)
    locks = accounts.list_locks(shell_store(db), accounts.SYSTEM)
    assert sorted(zip(locks["name"], locks["client"])) == [("nobody", "127.0.0.1"), ("vera", "127.0.0.1")]


def test_login_behind_a_trusted_proxy_counts_the_forwarded_address(db, monkeypatch):
    """The guard asks the service for the client address with the connection's address and X-Forwarded-For
    (AppTest sends no header: the patched service adds the proxy's), and the login is counted against it."""
    monkeypatch.setenv("SHNOR_TRUSTED_PROXIES", "127.0.0.1")
    seen = []
    real = accounts.client_address
    monkeypatch.setattr(accounts, "client_address",
                        lambda ip, fwd=None: seen.append((ip, fwd)) or real(ip, ["203.0.113.9"]))
    at = login(app().run(), "vera", "wrong-password")
    assert seen and seen[-1][0] is None            # AppTest: no connection address (this machine)
    assert [e.value for e in at.error] == ["Неверный логин или пароль."]
    store = shell_store(db)
    failed = store.audit.list(action="login_failed")
    assert '"client": "203.0.113.9"' in failed["detail"].iloc[0]


@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_each_role_menu_contains_exactly_its_pages(db, role):
    at = login(app().run(), ROLE_USERS[role])
    assert "_shnor_token" in at.session_state
    present = [p for p in ALL_PAGES if (ROOT / p).is_file()]
    registered = []
    for page in present:
        try:
            at.switch_page(page)
        except ValueError:
            continue
        registered.append(page)
    assert registered == [p for p in EXPECTED_MENU[role] if p in present]
    assert [b.label for b in at.sidebar.button] == ["Выйти"]
    assert ROLE_USERS[role] in at.sidebar.markdown[0].value
    assert accounts.ROLE_RU[role] in at.sidebar.markdown[0].value


@pytest.mark.parametrize("page", ALL_PAGES)
def test_any_page_file_run_directly_shows_only_the_login_form(db, page):
    if not (ROOT / page).is_file():
        pytest.skip(f"{page} ещё не написана")
    at = app("../" + page).run()
    assert_login_form_only(at)


def test_viewer_opening_settings_directly_is_stopped_without_data(db):
    at = app("../pages/settings.py").run()
    assert_login_form_only(at)
    at = login(at, "vera")
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Страница «Настройки» недоступна для роли «наблюдатель». Если она нужна вам для работы, "
        "обратитесь к администратору."]
    assert len(at.tabs) == 0 and len(at.dataframe) == 0 and len(at.title) == 0
    assert [b.label for b in at.sidebar.button] == ["Выйти"]     # logout still at hand


def test_methodist_opening_users_directly_is_stopped(db):
    at = login(app("../pages/users.py").run(), "misha")
    assert "недоступна для роли «методист»" in at.error[0].value
    assert len(at.dataframe) == 0


def test_logout_ends_the_session(db):
    at = login(app().run(), "root")
    token = at.session_state["_shnor_token"]
    store = shell_store(db)
    assert accounts.resolve_session(store, token) is not None
    at.sidebar.button[0].click().run()
    assert_login_form_only(at)
    assert at.info[0].value == "Вы вышли. Чтобы продолжить, войдите снова."
    assert accounts.resolve_session(store, token) is None


def test_inactivity_timeout_logs_out(db):
    at = login(app().run(), "root")
    store = shell_store(db)
    with store.unit("test", audited=False) as u:   # 61 minutes pass without activity
        u.sql.run("UPDATE sessions SET last_seen = last_seen - INTERVAL 61 MINUTE, "
                  "expires = expires - INTERVAL 61 MINUTE")
    at.run()
    assert_login_form_only(at)
    assert "Сеанс завершён" in at.info[0].value
    assert store.accounts.session_count() == 0


def test_meeting_mode_from_the_address(db):
    at = app()
    at.query_params["meeting"] = "1"
    at.run()
    assert_login_form_only(at)
    at = login(at, "root")
    assert not at.exception
    assert at.session_state["_shnor_meeting"] is True
    assert len(at.sidebar.button) == 0 and len(at.sidebar.toggle) == 0   # no sidebar controls
    assert [b.label for b in at.button if b.key == "shnor_logout"] == ["Выйти"]   # logout in the meeting menu
    assert at.toggle(key="shnor_meeting_toggle").value is True
    styles = [h.value for h in at.get("html")]
    assert any('[data-testid="stSidebar"]' in v and "display: none" in v for v in styles)
    # switch it off with the toggle: the sidebar controls come back, the address loses the flag
    at.toggle(key="shnor_meeting_toggle").set_value(False).run()
    assert at.session_state["_shnor_meeting"] is False
    assert [b.label for b in at.sidebar.button] == ["Выйти"]
    assert "meeting" not in at.query_params


def test_meeting_toggle_and_anonymised_labels(db):
    at = login(app().run(), "root")
    assert at.session_state["_shnor_meeting"] is False
    at.toggle(key="shnor_meeting_toggle").set_value(True).run()
    assert at.session_state["_shnor_meeting"] is True
    assert qp(at, "meeting") == "1"     # kept in the address: a reload stays in meeting mode
    at.toggle(key="shnor_anon_toggle").set_value(True).run()
    assert qp(at, "anon") == "1"
    # the label helper reads the same state
    probe = AppTest.from_string(
        "import streamlit as st\nfrom shnor.ui.meeting import school_label, is_meeting\n"
        "st.write(school_label('МБОУ СОШ №3', 17))\nst.write(school_label('МБОУ СОШ №3', None))\n"
        "st.write(str(is_meeting()))", default_timeout=30)
    probe.query_params["anon"] = "1"
    probe.run()
    assert [m.value for m in probe.markdown] == ["Школа 17", "Школа", "False"]
    probe = AppTest.from_string(
        "import streamlit as st\nfrom shnor.ui.meeting import school_label\nst.write(school_label('МБОУ СОШ №3', 17))",
        default_timeout=30).run()
    assert probe.markdown[0].value == "МБОУ СОШ №3"


def test_edit_controls_hidden_in_meeting_mode(db):
    at = app("../pages/settings.py")
    at.query_params["meeting"] = "true"
    at.run()
    at = login(at, "root")
    assert not at.exception
    assert len(at.data_editor) == 0                      # targets shown read-only
    assert all(b.disabled for b in at.button if b.label.startswith("Сохранить"))


# -- the Settings page -------------------------------------------------------------------------------
def test_settings_admin_edits_target_in_percent(db):
    at = login(app("../pages/settings.py").run(), "root")
    assert not at.exception
    grid = at.data_editor[0].value
    assert grid.loc[grid["Территория"] == "Северный район", "2023/2024"].iloc[0] == "10,0\u00a0%"
    assert grid.loc[grid["Территория"] == "Южный район", "2023/2024"].iloc[0] == ""
    row_south = list(grid["Территория"]).index("Южный район")
    at.session_state["targets_editor"] = {"edited_rows": {row_south: {"2023/2024": "12,5 %"}},
                                          "added_rows": [], "deleted_rows": []}
    at.button(key="targets_save").click().run()
    assert not at.exception
    assert at.success[0].value == "Сохранено целей: 1."
    store = shell_store(db)
    south = store.territories.find("Южный район")
    assert store.targets.for_year(south, 2023) == pytest.approx(0.125)
    assert len(store.audit.list(actor="root", action="set_target")) == 1
    assert at.data_editor[0].value.loc[lambda g: g["Территория"] == "Южный район", "2023/2024"].iloc[0] == "12,5\u00a0%"


def test_settings_target_bad_input_is_refused(db):
    at = login(app("../pages/settings.py").run(), "root")
    grid = at.data_editor[0].value
    row_north = list(grid["Территория"]).index("Северный район")
    at.session_state["targets_editor"] = {"edited_rows": {row_north: {"2023/2024": "десять"}},
                                          "added_rows": [], "deleted_rows": []}
    at.button(key="targets_save").click().run()
    from shnor.ui.safe import md
    assert [e.value for e in at.error] == [md(
        "Северный район, 2023/2024: «десять» — не процент. Введите число от 0 до 100, например 10 или 12,5.")]
    assert shell_store(db).targets.for_year(shell_store(db).territories.find("Северный район"), 2023) == pytest.approx(0.10)


def test_settings_methodist_sees_but_cannot_edit(db):
    at = login(app("../pages/settings.py").run(), "misha")
    assert not at.exception
    assert len(at.data_editor) == 0 and len(at.dataframe) >= 3
    assert at.number_input[0].disabled and at.number_input[0].value == 30
    assert all(b.disabled for b in at.button if b.label.startswith("Сохранить"))


def test_settings_admin_saves_rule_defaults(db):
    at = login(app("../pages/settings.py").run(), "root")
    at.number_input[0].set_value(35)
    at.radio[0].set_value("same")
    at.button(key="FormSubmitter:rule_settings-Сохранить как настройки по умолчанию").click().run()
    assert not at.exception
    assert "сохранены" in at.success[0].value
    from shnor.read.analysis import load_rule_settings
    s = load_rule_settings(shell_store(db))
    assert (s.threshold_pct, s.variant) == (35, "same")


def test_settings_scale_validation(db):
    at = login(app("../pages/settings.py").run(), "root")
    form_inputs = [n for n in at.number_input if n.label.endswith(" от, баллов") or n.label == "Максимум баллов"]
    assert [n.label for n in form_inputs] == ["«3» от, баллов", "«4» от, баллов", "«5» от, баллов", "Максимум баллов"]
    form_inputs[0].set_value(12)   # «3» from 12 but «4» from 11: ranges overlap
    at.button(key="FormSubmitter:scale_form-Сохранить шкалу").click().run()
    assert any("должна начинаться с" in e.value or "меньше нижней" in e.value for e in at.error)
    before = shell_store(db).reference.mark_scales()
    form_inputs = [n for n in at.number_input if n.label.endswith(" от, баллов") or n.label == "Максимум баллов"]
    for n, v in zip(form_inputs, (6, 10, 14, 20)):
        n.set_value(v)
    at.button(key="FormSubmitter:scale_form-Сохранить шкалу").click().run()
    assert not at.exception and "сохранена" in at.success[0].value
    after = shell_store(db).reference.mark_scales()
    year = at.selectbox(key="scale_year").value
    assert after[("VPR-MATH-5", year)].bounds == {2: (0, 5), 3: (6, 9), 4: (10, 13), 5: (14, 20)}
    assert len(after) >= len(before)


def test_settings_admin_adds_an_exam_threshold_for_a_new_year(db):
    at = login(app("../pages/settings.py").run(), "root")
    submit = "FormSubmitter:threshold_form-Сохранить порог"
    at.button(key=submit).click().run()
    assert any("Выберите учебный год" in e.value for e in at.error)  # nothing chosen: refused
    def box(placeholder):
        return next(b for b in at.selectbox if b.placeholder == placeholder)

    box("год").set_value(2026)
    box("экзамен").set_value("EGE-RUS")
    box("вид").set_value("min_test_score")
    [n for n in at.number_input if n.label == "Значение"][0].set_value(24)
    [n for n in at.number_input if n.label == "Из (максимум)"][0].set_value(100)
    at.button(key=submit).click().run()
    assert not at.exception and any("Порог сохранён" in m.value for m in at.success), [e.value for e in at.error]
    th = shell_store(db).reference.exam_thresholds()
    row = th[(th["year"] == 2026) & (th["procedure"] == "EGE-RUS") & (th["kind"] == "min_test_score")]
    assert row[["value", "max_value"]].values.tolist() == [[24, 100]]


def test_exam_threshold_validation_in_the_service(tmp_path):
    from shnor.domain.permissions import SYSTEM
    from shnor.services.settings import SettingsError, set_exam_threshold
    s = Store.open(tmp_path / "t.duckdb")
    with pytest.raises(SettingsError, match="только для ОГЭ и ЕГЭ"):
        set_exam_threshold(s, SYSTEM, "VPR-MATH-5", 2026, "mark2", 2, 5)
    with pytest.raises(SettingsError, match="не больше максимума"):
        set_exam_threshold(s, SYSTEM, "OGE-RUS", 2026, "min_primary_score", 40, 33)
    set_exam_threshold(s, SYSTEM, "OGE-RUS", 2026, "min_primary_score", 15, 33)
    set_exam_threshold(s, SYSTEM, "OGE-RUS", 2026, "min_primary_score", 16, 33)  # corrected, not duplicated
    th = s.reference.exam_thresholds()
    assert th[(th["year"] == 2026)]["value"].tolist() == [16]
    assert len(s.audit.list(action="set_exam_threshold")) == 2


# -- the Users page ----------------------------------------------------------------------------------
def test_users_page_admin_adds_and_removes_a_user(db):
    at = login(app("../pages/users.py").run(), "root")
    assert not at.exception
    assert set(at.dataframe[0].value["Логин"]) == {"vera", "misha", "helen", "root", "north"}
    name_box = next(t for t in at.text_input if t.label == "Логин нового пользователя")
    name_box.set_value("olga")
    next(s for s in at.selectbox if s.label == "Роль").set_value("head")
    pw = [t for t in at.text_input if t.label in ("Пароль", "Пароль ещё раз")]
    pw[0].set_value("olga-password")
    pw[1].set_value("olga-password")
    at.button(key="FormSubmitter:user_add-Добавить пользователя").click().run()
    assert not at.exception
    assert at.success[0].value == "Пользователь «olga» добавлен: руководитель, весь регион."
    assert "olga" in set(at.dataframe[0].value["Логин"])
    store = shell_store(db)
    assert accounts.authenticate(store, "olga", "olga-password").role == "head"
    at.selectbox(key="rm_who").set_value("olga")
    next(c for c in at.checkbox if c.label == "Да, удалить этого пользователя").check()
    at.button(key="FormSubmitter:user_remove-Удалить").click().run()
    assert at.success[0].value == "Пользователь «olga» удалён."
    assert accounts.get_user(store, "olga") is None


def test_users_page_refuses_mismatched_passwords(db):
    at = login(app("../pages/users.py").run(), "root")
    next(t for t in at.text_input if t.label == "Логин нового пользователя").set_value("olga")
    pw = [t for t in at.text_input if t.label in ("Пароль", "Пароль ещё раз")]
    pw[0].set_value("olga-password")
    pw[1].set_value("olga-passwort")
    at.button(key="FormSubmitter:user_add-Добавить пользователя").click().run()
    assert [e.value for e in at.error] == ["Пароли не совпадают."]
    assert accounts.get_user(shell_store(db), "olga") is None


def test_users_page_lists_and_lifts_a_login_lock(db):
    store = shell_store(db)
    for client in ("203.0.113.9", "198.51.100.4"):
        for _ in range(5):
            with pytest.raises(accounts.LoginRefused):
                accounts.authenticate(store, "vera", "guess", client=client)
    at = login(app("../pages/users.py").run(), "root")
    assert not at.exception
    assert at.dataframe[0].value.set_index("Логин").loc["vera", "Состояние"] == "вход заблокирован с адресов: 2"
    locks = at.dataframe[1].value
    assert list(locks.columns) == ["Логин", "Адрес", "Заблокирован до"]
    assert sorted(zip(locks["Логин"], locks["Адрес"])) == [("vera", "198.51.100.4"), ("vera", "203.0.113.9")]
    at.selectbox(key="unlock_pick").set_value(("vera", "203.0.113.9"))
    at.button(key="FormSubmitter:user_unlock-Снять блокировку").click().run()
    assert not at.exception
    assert at.success[0].value == "Блокировка входа снята: «vera» с адреса 203\\.0\\.113\\.9."
    assert list(at.dataframe[1].value["Адрес"]) == ["198.51.100.4"]
    unlocked = store.audit.list(action="user_unlocked")
    assert list(unlocked["actor"]) == ["root"] and "203.0.113.9" in unlocked["detail"].iloc[0]
    assert accounts.authenticate(store, "vera", PASSWORD, client="203.0.113.9").name == "vera"


def test_users_page_shows_names_as_text(db):
    """A user name and a territory name with Markdown in them reach the page only escaped (md) or in dataframes."""
    from shnor.ui.safe import md
    store = shell_store(db)
    hostile = "**[boss](http://evil.example)**"
    accounts.add_user(store, accounts.SYSTEM, hostile, "admin", PASSWORD)
    at = login(app("../pages/users.py").run(), hostile)
    assert not at.exception
    side = at.sidebar.markdown[0].value
    assert side.startswith(f"**{md(hostile)}** — администратор") and "](http" not in side
    assert hostile in set(at.dataframe[0].value["Логин"])                      # the dataframe holds it as text
    next(c for c in at.checkbox if c.label == "Сгенерировать случайный пароль").check()
    at.selectbox(key="pw_who").set_value("vera")
    at.button(key="FormSubmitter:user_passwd-Сменить пароль").click().run()
    assert not at.exception
    assert at.success[0].value == "Пароль пользователя «vera» изменён."
    assert at.warning[0].value.startswith("Новый пароль пользователя «vera» — ниже")
    new_password = at.code[0].value
    assert accounts.authenticate(store, "vera", new_password).name == "vera"


def test_bound_admin_cannot_open_users_or_audit(db):
    store = shell_store(db)
    accounts.add_user(store, accounts.SYSTEM, "nadmin", "admin", PASSWORD, territory="Северный район")
    for page, title in (("users", "Пользователи"), ("audit", "Журнал действий")):
        at = login(app(f"../pages/{page}.py").run(), "nadmin")
        assert [e.value for e in at.error] == [f"Страница «{title}» недоступна для роли «администратор». "
                                               "Если она нужна вам для работы, обратитесь к администратору."]
        assert len(at.dataframe) == 0


# -- the audit page ----------------------------------------------------------------------------------
def test_audit_page_for_an_admin_filters_and_downloads(db):
    store = shell_store(db)
    with pytest.raises(accounts.LoginRefused):
        accounts.authenticate(store, "=1+1", "guess", client="203.0.113.9")
    at = login(app().run(), "root")
    at.switch_page("pages/audit.py").run()
    assert not at.exception
    assert at.title[0].value == "Журнал действий"
    table = at.dataframe[0].value
    assert list(table.columns) == ["Время", "Пользователь", "Действие", "Подробности"]
    assert "неудачный вход" in set(table["Действие"]) and "вход" in set(table["Действие"])
    failed = table[table["Действие"] == "неудачный вход"]
    assert list(failed["Подробности"]) == ["client: 203.0.113.9; name: =1+1"] and list(failed["Пользователь"]) == ["—"]
    assert all(table[c].map(type).eq(str).all() for c in table.columns)          # all data as text
    assert table["Время"].str.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d").all()   # 30.11.2025 14:05:09
    # filters (on the page file itself: AppTest reruns a page reached through the router from app.py)
    at = login(app("../pages/audit.py").run(), "root")
    box = at.selectbox(key="audit_action")
    assert "неудачный вход" in box.options and "добавлен пользователь" in box.options
    box.set_value("login").run()
    assert set(at.dataframe[0].value["Действие"]) == {"вход"}
    at.selectbox(key="audit_action").set_value(None)
    at.selectbox(key="audit_user").set_value("root").run()
    assert set(at.dataframe[0].value["Пользователь"]) == {"root"}
    # from tomorrow: nothing
    at.date_input(key="audit_since").set_value(dt.date.today() + dt.timedelta(days=1)).run()
    assert not at.exception and len(at.dataframe) == 0
    assert at.info[0].value == "За выбранный период таких записей нет."


def test_audit_downloads_are_text(db):
    import openpyxl
    from shnor.services import audit
    store = shell_store(db)
    with pytest.raises(accounts.LoginRefused):
        accounts.authenticate(store, "=HYPERLINK(\"http://x\")", "guess", client="203.0.113.9")
    rows = audit.audit_rows(store, accounts.SYSTEM, action="login_failed")
    text = audit.to_csv(rows)
    assert text.splitlines()[0] == "at,user,action,details"
    assert text.splitlines()[1].endswith(",,login_failed,\"client: 203.0.113.9; name: =HYPERLINK(\"\"http://x\"\")\"")
    import io as _io
    ws = openpyxl.load_workbook(_io.BytesIO(audit.to_xlsx(rows))).active
    assert [c.value for c in ws[1]] == ["Время", "Пользователь", "Действие", "Подробности"]
    assert ws["C2"].value == "неудачный вход" and ws["D2"].data_type == "s"
    assert ws["D2"].value.startswith("client: 203.0.113.9; name: =HYPERLINK")


def test_audit_page_refused_for_a_methodist(db):
    at = login(app("../pages/audit.py").run(), "misha")
    assert not at.exception
    assert [e.value for e in at.error] == ["Страница «Журнал действий» недоступна для роли «методист». "
                                           "Если она нужна вам для работы, обратитесь к администратору."]
    assert len(at.dataframe) == 0 and len(at.title) == 0
