"""Дорожная карта: the measures of the roadmaps the user may see, with filters (status, responsible, section,
school, overdue, due soon), progress by section, a timeline with a today line, the state of each measure,
its editing (status, evidence, progress notes, success criteria, schools) for methodists of the territory,
the history of changes, and the import of a roadmap from Word or Excel. Texts from documents are data:
dataframes (text) or md() inside Markdown."""
import streamlit as st

from shnor.ui.guard import can, page_guard, territory_scope, visible_territory_ids

user = page_guard("roadmap")

import tempfile  # noqa: E402
from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

from shnor.domain.fmt import fmt_int, fmt_pct  # noqa: E402
from shnor.domain.permissions import Action, Forbidden, may  # noqa: E402
from shnor.domain.roadmap import RATING_RU, STATUS_RU, MeasureChange  # noqa: E402
from shnor.read import roadmap as read  # noqa: E402
from shnor.services import roadmap as service  # noqa: E402
from shnor.ui import meeting, roadmap_views, views  # noqa: E402
from shnor.ui.db import data_changed, get_store  # noqa: E402
from shnor.ui.safe import md  # noqa: E402

store = get_store()
meeting_on = meeting.is_meeting()
today = date.today()
FLASH = "_roadmap_flash"
REFUSALS = (service.RoadmapError, Forbidden)

st.title("Дорожная карта")
flash = st.session_state.pop(FLASH, None)
if flash:
    st.success(md(flash))


def upload_form(expanded: bool) -> None:
    """Import a roadmap (.docx, Excel) for a territory or one school: methodists and admins of the territory."""
    if not can(user, Action.ROADMAP):
        return
    with st.expander("Загрузить дорожную карту (Word или Excel)", expanded=expanded):
        st.caption("Таблица мероприятий как в документе: №, мероприятие, срок, ответственные, ожидаемый результат. "
                   "Разделы («1. Организационные мероприятия»), несколько таблиц и повторённая шапка "
                   "распознаются; сроки переводятся в даты, нераспознанные сохраняются как написаны и отмечаются.")
        options = views.territory_options(visible_territory_ids(user))
        with st.form("roadmap_upload", clear_on_submit=True):
            f = st.file_uploader("Файл дорожной карты: .docx, .xlsx, .xls, .ods — до 50 МБ",
                                 type=["docx", "xlsx", "xls", "ods", "doc", "pdf", "rtf", "odt"], key="rm_file",
                                 help="Документ .doc или PDF не читается: сохраните его как .docx.")
            chosen = st.selectbox("Территория дорожной карты", list(options),
                                  format_func=lambda t: options.get(t, str(t)), disabled=len(options) == 1)
            schools = views.school_choices(user.territory_id)
            labels = {int(r.id): f"{r.short_name} · {r.territory}" for r in schools.itertuples(index=False)}
            school = st.selectbox("Дорожная карта одной школы (необязательно)", [0] + sorted(labels, key=labels.get),
                                  format_func=lambda i: "— нет, дорожная карта территории —" if not i else labels[i])
            go = st.form_submit_button("Загрузить", type="primary")
        if go:
            if f is None:
                st.warning("Выберите файл.")
                return
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "roadmap.bin"
                path.write_bytes(f.getvalue())
                try:
                    rep = service.import_roadmap(store, user, path, f.name,
                                                 territory_id=territory_scope(user, chosen or None), school_id=school or None)
                except REFUSALS as exc:
                    st.error(md(str(exc)))
                    return
            if rep.status == "refused":
                st.error(md(rep.summary_ru()))
            elif rep.status == "duplicate":
                st.info(md(rep.summary_ru()))
            else:
                data_changed()
                st.session_state[FLASH] = rep.summary_ru() + (" " + " ".join(rep.messages) if rep.messages else "")
                st.rerun()


roadmaps = read.visible_roadmaps(store, user)
if roadmaps.empty:
    st.info("Дорожных карт пока нет. " + ("Загрузите документ Word или таблицу Excel с мероприятиями ниже."
                                         if can(user, Action.ROADMAP) else
                                         "Их загружает методист или администратор территории."))
    upload_form(expanded=True)
    st.stop()

# -- which roadmap ------------------------------------------------------------------------------
rm_labels = {int(r.id): f"{r.title} · {r.territory}" + (f" · {r.school}" if isinstance(r.school, str) else "")
             for r in roadmaps.itertuples(index=False)}
rm_choice = st.selectbox("Дорожная карта", [0] + list(rm_labels),
                         format_func=lambda i: f"Все дорожные карты ({fmt_int(len(rm_labels))})" if not i
                         else rm_labels.get(i, "—"), key="rm_pick") or None
all_measures = read.measures(store, user, today, roadmap_id=rm_choice)
if rm_choice is not None:
    r = roadmaps[roadmaps["id"] == rm_choice].iloc[0]
    bits = []
    if isinstance(r.period_text, str) and r.period_text:
        bits.append(f"период: {r.period_text}")
    if isinstance(r.order_number, str) and r.order_number:
        od = r.order_date.strftime("%d.%m.%Y") if pd.notna(r.order_date) else ""
        bits.append(f"утверждена приказом № {r.order_number}" + (f" от {od}" if od else ""))
    bits.append(f"файл «{r.file_name}»")
    st.caption(md("; ".join(bits)))

p = read.progress(all_measures)
c1, c2, c3, c4, c5 = st.columns(5)
c1.metric("Мероприятий", fmt_int(p.total), border=True)
c2.metric("Выполнено", fmt_pct(p.done_share) if p.done_share is not None else "—", border=True,
          help=f"{fmt_int(p.done)} выполнено из {fmt_int(p.total - p.cancelled)} (отменённые не считаются).")
c3.metric("⚠ Просрочено", fmt_int(p.overdue), border=True,
          help="Срок окончания прошёл, а мероприятие не выполнено и не отменено.")
c4.metric("Скоро срок", fmt_int(p.due_soon), border=True,
          help=f"Срок окончания в ближайшие {fmt_int(read.due_soon_days(store))} дн., мероприятие не закрыто.")
c5.metric("Срок без дат", fmt_int(p.no_dates), border=True,
          help="«По отдельному графику», «по мере необходимости» или текст, который не удалось распознать: "
               "сохранён как написан, просрочка по нему не определяется.")

# -- filters ------------------------------------------------------------------------------------
with st.container(border=True):
    f1, f2, f3 = st.columns(3)
    statuses = f1.multiselect("Статус", list(STATUS_RU.values()), key="rm_status", placeholder="все")
    sections = f2.multiselect("Раздел", [s for s in dict.fromkeys(all_measures["section"].fillna("")) if s],
                              key="rm_section", placeholder="все")
    resp_words = sorted({w.strip() for r in all_measures["responsible"].fillna("") for w in
                         r.replace("\n", ",").replace(";", ",").split(",") if w.strip()})
    responsible = f3.multiselect("Ответственные", resp_words, key="rm_resp", placeholder="все")
    g1, g2, g3 = st.columns(3)
    school_names = sorted({s.strip() for v in all_measures["schools"].dropna() for s in str(v).split(";") if s.strip()})
    school_pick = g1.selectbox("Школа", [""] + school_names, key="rm_school",
                               format_func=lambda s: s or "все")
    only_overdue = g2.toggle("Только просроченные", key="rm_overdue")
    only_soon = g3.toggle("Только «скоро срок»", key="rm_soon")

df = all_measures
if statuses:
    df = df[df["status_ru"].isin(statuses)]
if sections:
    df = df[df["section"].isin(sections)]
if responsible:
    df = df[[any(w in (r or "") for w in responsible) for r in df["responsible"].fillna("")]]
if school_pick:
    df = df[[school_pick in [s.strip() for s in str(v or "").split(";")] for v in df["schools"].fillna("")]]
if only_overdue or only_soon:
    wanted = {"overdue"} if only_overdue else set()
    wanted |= {"due_soon"} if only_soon else set()
    df = df[df["flag"].isin(wanted)]
df = df.reset_index(drop=True)

# -- charts -------------------------------------------------------------------------------------
sect = read.progress_by_section(df)
chart = roadmap_views.progress_chart(sect, meeting_on)
if chart is not None:
    st.altair_chart(chart)
tl = roadmap_views.timeline_chart(df, today, meeting_on)
if tl is not None:
    st.altair_chart(tl)

st.subheader(f"Мероприятия ({fmt_int(len(df))} из {fmt_int(len(all_measures))})")
if df.empty:
    st.info("Под выбранные условия не подходит ни одно мероприятие.")
else:
    st.dataframe(roadmap_views.table(df), hide_index=True, width="stretch",
                 column_config={"Мероприятие": st.column_config.TextColumn(width="large")})
    st.download_button("Скачать мероприятия (CSV)", roadmap_views.csv_bytes(df), "meropriyatiya.csv", "text/csv",
                       key="rm_csv")

# -- one measure: state, evidence, criteria, schools, history -----------------------------------
if not df.empty and not meeting_on:
    st.subheader("Мероприятие")
    labels = {int(r.id): (f"{r.number} " if r.number else "") + r.text.replace("\n", " ")[:120]
              for r in df.itertuples(index=False)}
    mid = st.selectbox("Выберите мероприятие", list(labels), format_func=labels.get, key="rm_measure")
    m = df[df["id"] == mid].iloc[0]
    st.markdown(f"**{md(m['number'])} {md(m['text'])}**")
    st.caption(f"Срок: {md(m['deadline_text'] or '—')}"
               + (f" ({m['deadline_start']:%d.%m.%Y} – {m['deadline_end']:%d.%m.%Y})" if m["deadline_start"] else
                  f" — {md(m['deadline_note'] or 'без дат')}")
               + f" · Ответственные: {md(m['responsible'] or '—')} · Состояние: {md(m['state_ru'])}")
    if m["expected_result"]:
        st.caption(f"Ожидаемый результат: {md(m['expected_result'])}")
    territory_of = None if pd.isna(m["territory_id"]) else int(m["territory_id"])
    editable = may(user, Action.MEASURE_STATUS, territory_of) and not meeting_on
    if editable:
        with st.form(f"measure_{mid}"):
            keys = list(STATUS_RU)
            a, b = st.columns(2)
            new_status = a.selectbox("Статус", keys, index=keys.index(m["status"]), format_func=STATUS_RU.get)
            when = b.date_input("Дата", value=today, format="DD.MM.YYYY",
                                help="К какой дате относится отметка (для выполнения — дата выполнения).")
            evidence = st.text_area("Подтверждение (что сделано)", value=m["evidence"] or "", height=80)
            a, b = st.columns(2)
            doc = a.text_input("Документ (приказ, протокол, справка)", value=m["evidence_doc"] or "")
            link = b.text_input("Ссылка (http:// или https://)", value=m["evidence_link"] or "")
            note = st.text_area("Отметка о ходе работы (в историю)", value="", height=68)
            saved = st.form_submit_button("Сохранить", type="primary")
        if saved:
            try:
                changed = service.update_measure(store, user, int(mid), MeasureChange(
                    status=new_status, status_date=when if new_status != m["status"] else None,
                    evidence=evidence, evidence_link=link, evidence_doc=doc, note=note, update_date=when))
            except REFUSALS as exc:
                st.error(md(str(exc)))
            else:
                if changed:
                    data_changed()
                    st.session_state[FLASH] = f"Мероприятие {m['number'] or ''} сохранено."
                    st.rerun()
                st.info("Ничего не изменилось.")
    crit = read.criteria(store, user, [int(mid)])
    st.markdown("**Критерии успешности**")
    if crit.empty:
        st.caption("Критериев пока нет.")
    else:
        st.dataframe(pd.DataFrame({"Критерий": crit["text"], "Оценка": [RATING_RU.get(r or "", "не оценён")
                                                                        for r in crit["rating"]]}),
                     hide_index=True, width="stretch")
    if editable:
        with st.form(f"criterion_{mid}", clear_on_submit=True):
            a, b = st.columns([3, 1])
            ctext = a.text_input("Новый критерий", placeholder="Например: не менее 80 % педагогов прошли курсы")
            crating = b.selectbox("Оценка", [""] + list(RATING_RU), format_func=lambda k: RATING_RU.get(k, "не оценён"))
            if st.form_submit_button("Добавить критерий"):
                try:
                    service.add_criterion(store, user, int(mid), ctext, crating)
                except REFUSALS as exc:
                    st.error(md(str(exc)))
                else:
                    data_changed()
                    st.rerun()
        if not crit.empty:
            with st.form(f"rate_{mid}"):
                a, b = st.columns([3, 1])
                cid = a.selectbox("Критерий", list(crit["id"]),
                                  format_func=lambda i: crit.loc[crit["id"] == i, "text"].iloc[0][:100])
                rating = b.selectbox("Оценка", list(RATING_RU), format_func=RATING_RU.get)
                if st.form_submit_button("Оценить"):
                    try:
                        service.rate_criterion(store, user, int(cid), rating)
                    except REFUSALS as exc:
                        st.error(md(str(exc)))
                    else:
                        data_changed()
                        st.rerun()
    if may(user, Action.ROADMAP, territory_of) and not meeting_on:
        schools = views.school_choices(territory_of)
        if not schools.empty:
            names = {int(r.id): r.short_name for r in schools.itertuples(index=False)}
            current = [x for x in read.school_id_list(m["school_ids"]) if x in names]
            with st.form(f"schools_{mid}"):
                picked = st.multiselect("Школы, которых касается мероприятие", sorted(names, key=names.get),
                                        default=current, format_func=names.get, placeholder="выберите школы")
                if st.form_submit_button("Сохранить школы"):
                    try:
                        service.set_measure_schools(store, user, int(mid), picked)
                    except REFUSALS as exc:
                        st.error(md(str(exc)))
                    else:
                        data_changed()
                        st.rerun()
    hist = read.history(store, user, [int(mid)])
    st.markdown("**История изменений**")
    if hist.empty:
        st.caption("Изменений пока не было.")
    else:
        st.dataframe(roadmap_views.history_table(hist), hide_index=True, width="stretch")

if not meeting_on:
    with st.expander("История изменений всех мероприятий"):
        hist = read.history(store, user)
        if hist.empty:
            st.caption("Изменений пока не было.")
        else:
            st.dataframe(roadmap_views.history_table(hist, with_measure=True), hide_index=True, width="stretch")
    upload_form(expanded=False)
    if rm_choice is not None and can(user, Action.ROADMAP):
        r = roadmaps[roadmaps["id"] == rm_choice].iloc[0]
        t = None if pd.isna(r.territory_id) else int(r.territory_id)
        if may(user, Action.ROADMAP, t):
            with st.expander("Удалить эту дорожную карту"):
                st.caption("Удаляются мероприятия карты, их отметки и история; в журнале действий остаётся запись.")
                sure = st.checkbox("Да, удалить дорожную карту со всеми отметками", key="rm_del_sure")
                if st.button("Удалить", disabled=not sure, key="rm_del"):
                    try:
                        title = service.remove_roadmap(store, user, int(rm_choice))
                    except REFUSALS as exc:
                        st.error(md(str(exc)))
                    else:
                        data_changed()
                        st.session_state.pop("rm_pick", None)
                        st.session_state[FLASH] = f"Дорожная карта «{title}» удалена."
                        st.rerun()
