"""«Пользователи» (administrator of the whole region only): list, add, change role or territory, reset password,
remove; current login locks (name, address, until) and lifting them; login security settings. Every change
goes through shnor/services/accounts.py, which checks the acting user and audits it. User and territory names
are data: shown in dataframes, selectbox options or through md()."""
import pandas as pd
import streamlit as st

from shnor.domain.permissions import Action
from shnor.ui.guard import can, page_guard

user = page_guard("users")

from shnor.services import accounts  # noqa: E402  (after the guard: nothing runs for strangers)
from shnor.domain.permissions import Forbidden  # noqa: E402
from shnor.ui.db import data_changed, get_store  # noqa: E402
from shnor.ui.safe import md  # noqa: E402

store = get_store()
editable = can(user, Action.USERS)   # False in meeting mode

st.title("Пользователи")
_flash = st.session_state.pop("_users_flash", None)
if _flash:
    st.success(_flash)
_once = st.session_state.pop("_users_password_once", None)
if _once:
    st.warning(f"Новый пароль пользователя «{md(_once[0])}» — ниже; он показан один раз. Передайте его "
               "пользователю лично, не пересылайте вместе с логином.", icon=":material/key:")
    st.code(_once[1], language=None)


def done(message: str) -> None:
    """After a change: the message (its data already through md()) is shown after the rerun."""
    data_changed()
    st.session_state["_users_flash"] = message
    st.rerun()


def refused(exc: Exception) -> None:
    st.error(md(str(exc)))


users = accounts.list_users(store, user)


def _state(r) -> str:
    if r.disabled:
        return "отключён"
    if r.locks:
        return f"вход заблокирован с адресов: {r.locks}"
    return "активен"


st.dataframe(pd.DataFrame({
    "Логин": users["name"], "Роль": users["role_ru"],
    "Территория": users["territory"].fillna("весь регион"),
    "Состояние": [_state(r) for r in users.itertuples(index=False)],
    "Создан": users["created_at"].dt.strftime("%d.%m.%Y")}), hide_index=True, width="stretch")
with st.expander("Что может каждая роль"):
    st.markdown(
        "- **наблюдатель** — смотрит обзор, списки и карточки школ;\n"
        "- **методист** — также загружает файлы, отменяет загрузки, исправляет данные, готовит проект списка;\n"
        "- **руководитель** — смотрит всё, готовит и утверждает официальный список приказом;\n"
        "- **администратор** — всё, а также настройки правила, шкалы, цели, территории и пользователи.\n\n"
        "Пользователь, привязанный к территории, видит и меняет только её школы.")

st.subheader("Блокировки входа")
locks = accounts.list_locks(store, user)
if locks.empty:
    st.caption("Сейчас ни один вход не заблокирован. После нескольких неудачных попыток подряд вход с этим логином "
               "блокируется только для адреса, с которого их делали: с других адресов владелец входит как обычно.")
else:
    st.dataframe(pd.DataFrame({
        "Логин": locks["name"].astype(str), "Адрес": locks["client"].astype(str),
        "Заблокирован до": locks["locked_until"].dt.strftime("%d.%m.%Y %H:%M")}), hide_index=True, width="stretch")
    if editable:
        lock_keys = list(zip(locks["name"].astype(str), locks["client"].astype(str)))
        with st.form("user_unlock"):
            pick = st.selectbox("Блокировка", lock_keys, format_func=lambda k: f"{k[0]} — {k[1]}", key="unlock_pick")
            if st.form_submit_button("Снять блокировку", type="primary"):
                try:
                    n = accounts.unlock(store, user, pick[0], client=pick[1])
                except (accounts.AccountError, Forbidden) as exc:
                    refused(exc)
                else:
                    done(f"Блокировка входа снята: «{md(pick[0])}» с адреса {md(pick[1])}." if n else
                         f"Блокировка «{md(pick[0])}» с адреса {md(pick[1])} уже истекла.")

if not editable:
    st.stop()

terr = store.territories.list()
terr_options = [None] + [int(x) for x in terr.loc[terr["kind"] != "region", "id"]]
terr_names = dict(zip(terr["id"].astype(int), terr["name"].astype(str)))


def terr_label(tid):
    return "весь регион" if tid is None else terr_names.get(tid, str(tid))


min_len = accounts.account_settings(store)["min_password_len"]
tab_add, tab_edit, tab_pw, tab_rm, tab_sec = st.tabs(
    ["Добавить", "Роль и территория", "Сменить пароль", "Удалить", "Безопасность входа"])

with tab_add:
    with st.form("user_add", clear_on_submit=True):
        c1, c2, c3 = st.columns(3)
        name = c1.text_input("Логин нового пользователя", placeholder="ivanova")
        role = c2.selectbox("Роль", list(accounts.ROLES), format_func=accounts.ROLE_RU.get)
        tid = c3.selectbox("Территория", terr_options, format_func=terr_label)
        p1, p2 = st.columns(2)
        pw1 = p1.text_input("Пароль", type="password", help=f"Не короче {min_len} символов.")
        pw2 = p2.text_input("Пароль ещё раз", type="password")
        gen = st.checkbox("Сгенерировать случайный пароль (поля пароля не нужны)")
        if st.form_submit_button("Добавить пользователя", type="primary"):
            password = accounts.random_password() if gen else pw1
            if not gen and pw1 != pw2:
                st.error("Пароли не совпадают.")
            else:
                try:
                    u = accounts.add_user(store, user, name, role, password, tid)
                except (accounts.AccountError, Forbidden) as exc:
                    refused(exc)
                else:
                    if gen:
                        st.session_state["_users_password_once"] = (u.name, password)
                    done(f"Пользователь «{md(u.name)}» добавлен: {u.role_ru}, {md(u.scope_ru)}.")

names = [str(n) for n in users["name"]]
with tab_edit:
    if names:
        who = st.selectbox("Пользователь", names, key="edit_who")
        row = users[users["name"] == who].iloc[0]
        cur_tid = None if pd.isna(row["territory_id"]) else int(row["territory_id"])
        with st.form("user_edit"):
            c1, c2 = st.columns(2)
            role = c1.selectbox("Роль", list(accounts.ROLES), index=accounts.ROLES.index(row["role"]),
                                format_func=accounts.ROLE_RU.get)
            tid = c2.selectbox("Территория", terr_options, format_func=terr_label,
                               index=terr_options.index(cur_tid) if cur_tid in terr_options else 0)
            st.caption("После изменения роли или территории пользователь входит заново.")
            if st.form_submit_button("Сохранить изменения", type="primary"):
                try:
                    u = accounts.update_user(store, user, who, role=role, territory=tid)
                except (accounts.AccountError, Forbidden) as exc:
                    refused(exc)
                else:
                    done(f"«{md(u.name)}»: {u.role_ru}, {md(u.scope_ru)}.")

with tab_pw:
    if names:
        with st.form("user_passwd", clear_on_submit=True):
            who = st.selectbox("Пользователь", names, key="pw_who")
            p1, p2 = st.columns(2)
            pw1 = p1.text_input("Новый пароль", type="password", help=f"Не короче {min_len} символов.")
            pw2 = p2.text_input("Новый пароль ещё раз", type="password")
            gen = st.checkbox("Сгенерировать случайный пароль")
            st.caption("Смена пароля снимает блокировки входа и завершает все сеансы пользователя.")
            if st.form_submit_button("Сменить пароль", type="primary"):
                password = accounts.random_password() if gen else pw1
                if not gen and pw1 != pw2:
                    st.error("Пароли не совпадают.")
                else:
                    try:
                        accounts.set_password(store, user, who, password)
                    except (accounts.AccountError, Forbidden) as exc:
                        refused(exc)
                    else:
                        if gen:
                            st.session_state["_users_password_once"] = (who, password)
                        done(f"Пароль пользователя «{md(who)}» изменён.")

with tab_rm:
    others = [n for n in names if n != user.name]
    if not others:
        st.info("Других пользователей нет.")
    else:
        with st.form("user_remove"):
            who = st.selectbox("Пользователь", others, key="rm_who")
            sure = st.checkbox("Да, удалить этого пользователя")
            if st.form_submit_button("Удалить", type="primary"):
                if not sure:
                    st.error("Отметьте «Да, удалить этого пользователя».")
                else:
                    try:
                        accounts.remove_user(store, user, who)
                    except (accounts.AccountError, Forbidden) as exc:
                        refused(exc)
                    else:
                        done(f"Пользователь «{md(who)}» удалён.")

with tab_sec:
    cfg = accounts.account_settings(store)
    with st.form("login_security"):
        c1, c2, c3, c4 = st.columns(4)
        timeout = c1.number_input("Выход после бездействия, мин", 5, 24 * 60, cfg["session_timeout_min"], step=5)
        max_failed = c2.number_input("Неудачных попыток до блокировки", 3, 20, cfg["max_failed"], step=1,
                                     help="Считаются попытки с одним логином с одного адреса.")
        lock = c3.number_input("Блокировка, мин", 1, 24 * 60, cfg["lockout_min"], step=1,
                               help="Вход с этим логином с этого адреса блокируется; с других адресов — нет.")
        min_pw = c4.number_input("Длина пароля не меньше", 8, 64, cfg["min_password_len"], step=1)
        if st.form_submit_button("Сохранить", type="primary"):
            new = dict(cfg, session_timeout_min=int(timeout), max_failed=int(max_failed), lockout_min=int(lock),
                       min_password_len=int(min_pw))
            if new == cfg:
                st.info("Настройки не изменились.")
            else:
                try:
                    accounts.save_account_settings(store, user, new)
                except (accounts.AccountError, Forbidden) as exc:
                    refused(exc)
                else:
                    done("Настройки входа сохранены.")
