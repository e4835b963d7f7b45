"""«Журнал действий» (administrator of the whole region only): who did what and when — filters by date, user
and kind of action, a table, CSV and Excel downloads. Everything comes from shnor/services/audit.py as text
and is shown in a dataframe (user names and details are data, never Markdown)."""
import datetime as dt

import pandas as pd
import streamlit as st

from shnor.ui.guard import page_guard

user = page_guard("audit")

from shnor.domain.permissions import Forbidden  # noqa: E402  (after the guard: nothing runs for strangers)
from shnor.services import audit  # noqa: E402
from shnor.ui.db import get_store  # noqa: E402
from shnor.ui.safe import md  # noqa: E402

SHOWN = 1000   # rows in the table; the downloads hold every row of the filter

store = get_store()
st.title("Журнал действий")
st.caption("Загрузки и их отмены, решения по спискам, настройки, пользователи, входы и неудачные попытки входа.")

c1, c2, c3 = st.columns(3)
since = c1.date_input("С даты", value=dt.date.today() - dt.timedelta(days=30), format="DD.MM.YYYY",
                      key="audit_since", help="Записи начиная с этого дня.")
try:
    names = audit.audit_users(store, user, since=since)
except Forbidden as exc:
    st.error(md(str(exc)))
    st.stop()
who = c2.selectbox("Пользователь", [None] + names, format_func=lambda n: "все" if n is None else n,
                   key="audit_user")
kinds = audit.action_kinds()
kind = c3.selectbox("Действие", [None] + [k.name for k in kinds], key="audit_action",
                    format_func=lambda k: "все" if k is None else next(x.ru for x in kinds if x.name == k))

rows = audit.audit_rows(store, user, since=since, user=who, action=kind)
if rows.empty:
    st.info("За выбранный период таких записей нет.")
    st.stop()

st.caption(f"Записей: {len(rows)}" + (f"; в таблице — последние {SHOWN}, в файлах — все." if len(rows) > SHOWN else "."))
when = pd.to_datetime(rows["at"], format="%Y-%m-%d %H:%M:%S", errors="coerce")
shown_at = when.dt.strftime("%d.%m.%Y %H:%M:%S").fillna(rows["at"])     # as Russians write it: 30.11.2025 14:05:09
st.dataframe(pd.DataFrame({"Время": shown_at, "Пользователь": rows["user"].replace("", "—"),
                           "Действие": rows["action_ru"], "Подробности": rows["details"]}).head(SHOWN),
             hide_index=True, width="stretch")
stamp = dt.date.today().strftime("%Y-%m-%d")
d1, d2 = st.columns(2)
d1.download_button("Скачать CSV", data=audit.to_csv(rows).encode("utf-8-sig"), file_name=f"журнал_{stamp}.csv",
                   mime="text/csv", key="audit_csv", icon=":material/download:")
d2.download_button("Скачать Excel", data=audit.to_xlsx(rows), file_name=f"журнал_{stamp}.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="audit_xlsx",
                   icon=":material/download:")
