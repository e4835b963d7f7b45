"""Загрузка: several files at once; for each the layout found, year and procedure (what the file does not say is
asked at once, in one neutral box, with likely values chosen), the year's missing mark scale (entered right here by
an admin; anyone else is told which and who enters it), a preview of the parsed rows, errors and warnings by row,
unmatched schools mapped once, a file of another region shown as such (saved only when confirmed), then
«Сохранить». Import history with undo (confirmed). The template and the scales and thresholds in use."""
from __future__ import annotations

import datetime as dt
import hashlib

import pandas as pd
import streamlit as st

from shnor.domain import procedures
from shnor.domain.permissions import Action, Forbidden
from shnor.domain.years import format_school_year, school_year_of_date
from shnor.importing.layouts.template import template_workbook
from shnor.importing.model import Hints
from shnor.reports.excel import reference_workbook
from shnor.services.imports import NEW_SCHOOL, UndoRefused, history, may_undo, scale_needed_ru, undo_import
from shnor.services.settings import SettingsError
from shnor.ui import upload_flow as uf
from shnor.ui.db import data_changed, get_store
from shnor.ui.guard import can, page_guard
from shnor.ui.safe import md

user = page_guard("upload")
store = get_store()
scope = user.territory_id
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

st.title("Загрузка")
if not can(user, Action.IMPORT):
    st.info("В режиме совещания загрузка скрыта. Выключите режим совещания, чтобы загрузить файлы.")
    st.stop()

# three sections, one under another (history stays visible after a reload, not hidden in a tab)
tab_files, tab_history, tab_templates = st.container(), st.container(), st.container()

# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------
PENDING = "_upload_pending"
if PENDING not in st.session_state:
    st.session_state[PENDING] = {}
# staged copies: a private folder per session (removed when the session ends), stale ones swept by age
if not isinstance(st.session_state.get("_upload_dir"), uf.StagingFolder):
    st.session_state["_upload_dir"] = uf.StagingFolder()
staging: uf.StagingFolder = st.session_state["_upload_dir"]
staging.touch()
uf.sweep_staged()
pending: dict[str, uf.PendingUpload] = st.session_state[PENDING]


def check(p: uf.PendingUpload) -> None:
    """The preview of a file (the service decides what the user may do)."""
    with st.spinner(f"Проверяю {md(p.file_name)}…"):
        try:
            uf.preview(store, p, user)
        except Forbidden as exc:
            st.session_state[f"_upload_save_msg_{p.key}"] = md(exc)


def save(p: uf.PendingUpload) -> None:
    try:
        saved = uf.save(store, p, user)
    except Forbidden as exc:
        st.session_state[f"_upload_save_msg_{p.key}"] = md(exc)
        return
    if saved.status != "stored":
        st.session_state[f"_upload_save_msg_{p.key}"] = saved.summary_ru(md)

this_year = school_year_of_date(dt.date.today())
YEAR_OPTIONS = [None] + list(range(this_year, 2014, -1))
PROC_OPTIONS = [None, "OGE", "EGE"] + list(procedures.CATALOGUE)


def proc_label(code: str | None) -> str:
    if code is None:
        return "— как в файле —"
    if code == "OGE":
        return "ОГЭ (все предметы таблицы)"
    if code == "EGE":
        return "ЕГЭ (все предметы таблицы)"
    return procedures.name_ru(code)


def school_options() -> tuple[list[int], dict[int, str]]:
    schools = store.schools.list(territory_id=scope)
    return list(schools["id"].astype(int)), {int(r.id): f"{r.short_name} ({r.territory})"
                                             for r in schools.itertuples()}


FOREIGN_CONFIRM = "Да, это файл другого региона / новые школы — сохранить"
VPR_OPTIONS = [None] + [c for c, x in procedures.CATALOGUE.items() if x.kind == "VPR"]


def what_line(rep, ask: set[str]) -> str:
    """«формат: …; процедура: …; учебный год: …» — «по строкам файла» only where the rows say it."""
    per_rows = rep.status in ("preview", "stored", "needs_mapping", "needs_confirmation")
    what = [f"формат: **{rep.layout_ru or 'не распознан'}**"]
    if rep.procedure:
        what.append("процедура: " + procedures.name_ru(rep.procedure))
    elif "procedure" in ask:
        what.append("процедура: не указана в файле")
    elif per_rows:
        what.append("процедура: по строкам файла")
    if rep.year is not None:
        what.append("учебный год: " + format_school_year(rep.year))
    elif "year" in ask:
        what.append("учебный год: не указан в файле")
    elif per_rows:
        what.append("учебный год: по строкам файла")
    return "; ".join(what)


def ask_once(p: uf.PendingUpload, rep, ask: set[str]) -> None:
    """One neutral box with every question and the likely values chosen; one button goes on with the file."""
    lines = []
    for need, question, shown in (("procedure", "Какая это работа?", proc_label),
                                  ("year", "За какой учебный год результаты?", format_school_year)):
        if need not in ask:
            continue
        prop = rep.proposals.get(need)
        lines.append(f"- **{question}** " + (f"Вероятно, **{shown(prop.value)}** — {md(prop.reason)}." if prop
                                              else "Выберите ниже."))
    st.info(f"В файле не сказано, {md(uf.missing_ru(ask))}. Ничего не отклонено: проверьте предложенное, "
            "поправьте, если нужно, и нажмите «Продолжить».\n\n" + "\n".join(lines), icon=":material/help:")
    with st.form(f"upload_ask_{p.key}", border=False):
        c1, c2, c3 = st.columns([3, 2, 1], vertical_alignment="bottom")
        proc, year = p.hints.procedure, p.hints.year
        if "procedure" in ask:
            options = VPR_OPTIONS if rep.layout[:1] in ("1", "2") else PROC_OPTIONS
            prop = rep.proposals.get("procedure")
            proc = c1.selectbox("Какая это работа?", options, key=f"upload_ask_proc_{p.key}",
                                placeholder="Выберите работу",
                                index=options.index(prop.value) if prop and prop.value in options else 0,
                                format_func=lambda c: "— выберите работу —" if c is None else proc_label(c))
        if "year" in ask:
            prop = rep.proposals.get("year")
            year = c2.selectbox("За какой учебный год?", YEAR_OPTIONS, key=f"upload_ask_year_{p.key}",
                                placeholder="Выберите год",
                                index=YEAR_OPTIONS.index(prop.value) if prop and prop.value in YEAR_OPTIONS else 0,
                                format_func=lambda y: "— выберите год —" if y is None else format_school_year(y),
                                help="Учебный год, к которому относятся результаты. Осенние работы по умолчанию "
                                     "относятся к году, программу которого проверяют.")
        if c3.form_submit_button("Продолжить", type="primary"):
            if ("procedure" in ask and proc is None) or ("year" in ask and year is None):
                st.session_state[f"_upload_ask_msg_{p.key}"] = "Выберите и работу, и учебный год."
            else:
                p.hints = Hints(procedure=proc, year=year, territory=p.hints.territory)
                check(p)
            st.rerun()
    msg = st.session_state.pop(f"_upload_ask_msg_{p.key}", None)
    if msg:
        st.warning(msg)


def scale_missing(p: uf.PendingUpload, rep) -> None:
    """The year's mark scale is not entered: an admin enters it right here and goes on; anyone else is told
    which scale is missing and who enters it."""
    work, year = procedures.name_ru(rep.procedure), format_school_year(rep.year)
    if not can(user, Action.SCALES):
        st.warning(scale_needed_ru(rep.procedure, rep.year)[:1].upper() + scale_needed_ru(rep.procedure, rep.year)[1:]
                   + ".", icon=":material/straighten:")
        return
    prop = rep.proposals.get("scale")
    values = list(prop.value) if prop else [None] * 4
    st.info(f"Нет шкалы перевода первичных баллов в отметки для «{work}» за {year} учебный год. Введите её здесь: "
            "наименьший балл отметок «3», «4», «5» и максимальный балл работы (всё, что ниже «3», — отметка «2»). "
            "Шкала сохранится в настройках для всех файлов этой работы за этот год, и файл будет проверен снова."
            + (f"\n\nПредложено: {md(prop.reason)}." if prop and prop.reason else ""), icon=":material/straighten:")
    with st.form(f"upload_scale_{p.key}", border=False):
        cols = st.columns([1, 1, 1, 1, 2], vertical_alignment="bottom")
        entered = [c.number_input(label, min_value=0, max_value=200, step=1, value=v, key=f"upload_scale_{k}_{p.key}")
                   for c, label, k, v in zip(cols, ("«3» от", "«4» от", "«5» от", "Максимум"),
                                             ("min3", "min4", "min5", "max"), values)]
        if cols[4].form_submit_button("Сохранить шкалу и продолжить", type="primary"):
            if any(v is None for v in entered):
                st.session_state[f"_upload_scale_msg_{p.key}"] = "Заполните все четыре числа шкалы."
            else:
                try:
                    uf.enter_scale(store, p, user, *(int(v) for v in entered))
                    data_changed()
                except (SettingsError, Forbidden) as exc:
                    st.session_state[f"_upload_scale_msg_{p.key}"] = md(exc)
            st.rerun()
    msg = st.session_state.pop(f"_upload_scale_msg_{p.key}", None)
    if msg:
        st.error(msg)


with tab_files:
    files = st.file_uploader(
        "Файлы с результатами: перетащите файлы сюда или нажмите «Выбрать файлы»; до 50 МБ каждый; "
        ".xlsx, .xls, .ods, .csv", type=["xlsx", "xls", "ods", "csv"], accept_multiple_files=True,
        key="upload_files",
        help="Протоколы ВПР из ФИС ОКО, отчёты ФИС ОКО «Статистика по отметкам», таблицы ОГЭ/ЕГЭ по школам из РЦОИ, "
             "шаблон системы, реестр школ. Формат определяется по содержимому. Можно выбрать несколько файлов "
             "сразу: каждый проверяется и сохраняется отдельно.")
    if scope is not None:
        st.info(f"Вы работаете с территорией «{md(user.territory)}»: из файлов сохраняются только строки её школ "
                "(по территории школы в реестре); сколько строк пропущено, будет сказано. Новые территории и "
                "перенос школ между территориями — только у администратора всего региона.",
                icon=":material/location_on:")

    current: dict[str, uf.PendingUpload] = {}
    shas: dict[str, str] = st.session_state.setdefault("_upload_sha_by_file_id", {})
    for f in files or []:
        sha = shas.get(f.file_id)
        if sha is None:
            sha = shas[f.file_id] = hashlib.sha256(f.getvalue()).hexdigest()
        current[sha] = pending.get(sha) or uf.stage_upload(f.name, f.getvalue(), staging.path)
        uf.restage(current[sha], f.getvalue())   # swept after a long pause: written again
    for sha, p in pending.items():   # files taken out of the uploader: their private copies go
        if sha not in current:
            uf.discard(p)
    st.session_state[PENDING] = pending = current
    if not pending:
        st.caption("Файлы не выбраны. Образец для ручного ввода — ниже, в разделе «Шаблоны и справочники».")

    for p in pending.values():
        with st.container(border=True, key=f"upload_card_{p.key}"):
            st.markdown(f"#### {md(p.file_name)}")
            if p.saved is not None:
                st.success(p.saved.summary_ru(md), icon=":material/task_alt:")
                warns = uf.issues_frame(p.saved)
                if not warns.empty:
                    with st.expander(f"Предупреждения при сохранении: {len(warns)}"):
                        st.dataframe(warns, hide_index=True, width="stretch")
                continue
            if p.report is None:
                check(p)
            rep = p.report
            if rep is None:
                st.error(st.session_state.pop(f"_upload_save_msg_{p.key}", ""))
                continue
            ask = uf.asks(rep)
            if rep.status != "duplicate":
                st.markdown(what_line(rep, ask))

            if ask:
                # everything the file does not say, asked at once, with likely values chosen: nothing refused yet
                ask_once(p, rep, ask)
                continue
            if uf.needs_scale(rep):
                scale_missing(p, rep)

            # year and procedure: optional when the file says them
            if rep.status != "duplicate" and rep.layout:
                with st.expander("Указать процедуру и учебный год вручную"):
                    c1, c2, c3 = st.columns([3, 2, 1], vertical_alignment="bottom")
                    proc = c1.selectbox("Процедура", PROC_OPTIONS, format_func=proc_label, key=f"upload_proc_{p.key}",
                                        index=PROC_OPTIONS.index(p.hints.procedure)
                                        if p.hints.procedure in PROC_OPTIONS else 0)
                    year = c2.selectbox("Учебный год", YEAR_OPTIONS, key=f"upload_year_{p.key}",
                                        format_func=lambda y: "— как в файле —" if y is None else format_school_year(y),
                                        index=YEAR_OPTIONS.index(p.hints.year) if p.hints.year in YEAR_OPTIONS else 0,
                                        help="Учебный год, к которому относятся результаты. Осенние работы по "
                                             "умолчанию относятся к году, программу которого проверяют.")
                    if c3.button("Проверить снова", key=f"upload_recheck_{p.key}"):
                        p.hints = Hints(procedure=proc, year=year, territory=p.hints.territory)
                        check(p)
                        st.rerun()

            if rep.status == "duplicate":
                st.info(rep.summary_ru(md), icon=":material/content_copy:")
            elif rep.status == "refused":
                st.error(rep.summary_ru(md), icon=":material/block:")
            elif rep.status in ("needs_mapping", "needs_confirmation"):
                st.warning(rep.summary_ru(md), icon=":material/link:")
            elif rep.status == "preview":
                st.info(rep.summary_ru(md), icon=":material/fact_check:")
            if rep.foreign is not None and rep.status in ("preview", "needs_mapping", "needs_confirmation"):
                st.warning(f"**Похоже на файл другого региона:** {md(rep.foreign.sentence_ru())}. Такой файл добавит "
                           "в базу школы, которых в ней не было, и доли ШНОР будут считаться и по ним. Проверьте, "
                           "тот ли это файл; если тот — подтвердите сохранение.", icon=":material/public:")
                p.confirm_foreign = st.checkbox(FOREIGN_CONFIRM, key=f"upload_foreign_{p.key}",
                                                value=p.confirm_foreign)

            issues = uf.issues_frame(rep)
            if not issues.empty and rep.status != "duplicate":
                n_err = int((issues["Уровень"] == "ошибка").sum())
                st.markdown(f"**Ошибки и предупреждения по строкам:** {len(issues)}"
                            + (f" (ошибок: {n_err})" if n_err else ""))
                st.dataframe(issues, hide_index=True, width="stretch", key=f"upload_issues_{p.key}",
                             column_config={"Сообщение": st.column_config.TextColumn(width="large")})

            # unmatched schools: map once (remembered by the service on save)
            if rep.unmatched:
                ids, labels = school_options()
                st.markdown("**Сопоставьте школы с реестром** — один раз: в следующих файлах эти названия и коды "
                            "узнаются сами.")
                with st.form(f"upload_map_{p.key}"):
                    choice: dict[str, int | None] = {}
                    for i, u in enumerate(rep.unmatched):
                        cand = [sid for sid, _ in u.candidates]
                        opts = [None] + cand + [NEW_SCHOOL] + [sid for sid in ids if sid not in cand]
                        lab = dict(labels) | {sid: f"{name} (похожее название)" for sid, name in u.candidates}
                        rows = ", ".join(str(x) for x in u.rows[:8]) + (" …" if len(u.rows) > 8 else "")
                        choice[u.key] = st.selectbox(
                            f"«{md(u.name or u.code)}» ({md(u.territory) or 'территория не указана'}; строки {rows}) "
                            f"— {md(u.reason)}",
                            opts, key=f"upload_map_{p.key}_{i}",
                            index=opts.index(p.mappings.get(u.key)) if p.mappings.get(u.key) in opts else 0,
                            format_func=lambda sid, lab=lab: ("— выберите школу —" if sid is None else
                                                              "создать новую школу" if sid == NEW_SCHOOL else
                                                              lab.get(sid, str(sid))))
                    if st.form_submit_button("Применить сопоставление"):
                        chosen = {k: v for k, v in choice.items() if v is not None}
                        if len(chosen) < len(choice):
                            st.session_state[f"_upload_map_msg_{p.key}"] = "Выберите школу (или «создать новую школу») " \
                                                                          "для каждой строки."
                        p.mappings.update(chosen)
                        check(p)
                        st.rerun()
                msg = st.session_state.pop(f"_upload_map_msg_{p.key}", None)
                if msg:
                    st.error(msg)

            prev = uf.preview_frame(rep)
            if not prev.empty:
                st.markdown(f"**Что будет сохранено** (первые {len(prev)} из {rep.rows_stored + rep.unchanged}):")
                st.dataframe(prev, hide_index=True, width="stretch", key=f"upload_preview_{p.key}")

            if rep.status in ("preview", "needs_confirmation"):
                unconfirmed = rep.foreign is not None and not p.confirm_foreign
                if st.button("Сохранить", key=f"upload_save_{p.key}", type="primary", icon=":material/save:",
                             disabled=unconfirmed,
                             help="Сначала подтвердите, что это файл другого региона или с новыми школами."
                             if unconfirmed else None):
                    with st.spinner(f"Сохраняю {md(p.file_name)}…"):
                        save(p)
                    data_changed()
                    st.rerun()
            msg = st.session_state.pop(f"_upload_save_msg_{p.key}", None)
            if msg:
                st.error(msg)   # made safe where it was written (md of the data in it)

    ready = [p for p in pending.values() if p.saved is None and p.report is not None and p.report.status == "preview"
             and (p.report.foreign is None or p.confirm_foreign)]
    if len(ready) > 1 and st.button(f"Сохранить все готовые ({len(ready)})", key="upload_save_all", type="primary"):
        for p in ready:
            save(p)
        data_changed()
        st.rerun()

# ---------------------------------------------------------------------------------------------
# History with undo
# ---------------------------------------------------------------------------------------------
UNDO = "_upload_undo_confirm"
with tab_history:
    st.divider()
    st.subheader("История загрузок")
    msg = st.session_state.pop("_upload_undo_msg", None)
    if msg:
        (st.success if msg[0] == "ok" else st.error)(md(msg[1]))
    batches = history(store, user)
    if batches.empty:
        st.caption("Загрузок ещё не было." if scope is None else
                   "Загрузок по вашей территории и ваших загрузок ещё не было.")
    else:
        if scope is not None:
            st.caption("Показаны загрузки, затронувшие школы вашей территории, и ваши загрузки.")
        st.dataframe(uf.history_frame(batches), hide_index=True, width="stretch", key="upload_history")
        # only what the user may undo is offered (a bound methodist: their own); the service decides again
        stored = batches[[may_undo(user, b) for b in batches.to_dict("records")]]
        if can(user, Action.UNDO_IMPORT) and not stored.empty:
            label = {int(r.id): f"№ {int(r.id)} — {r.file_name} ({pd.Timestamp(r.created_at):%d.%m.%Y %H:%M})"
                     for r in stored.itertuples()}
            c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
            # keyed on the newest batch: after a new import the choice starts from it again
            bid = c1.selectbox("Отменить загрузку", list(label), format_func=lambda b: label[b],
                               key=f"upload_undo_pick_{max(label)}",
                               help="Значения этой загрузки удаляются, прежние значения (которые она заменила) "
                                    "возвращаются.")
            if c2.button("Отменить загрузку…", key="upload_undo"):
                st.session_state[UNDO] = int(bid)
            if st.session_state.get(UNDO) in label:
                b = st.session_state[UNDO]
                row = stored[stored["id"] == b].iloc[0]
                st.warning(f"Отменить загрузку {md(label[b])}? Будут удалены сохранённые ею значения "
                           f"({int(row['rows_stored'] or 0)}), а значения, которые она заменила, — восстановлены.",
                           icon=":material/warning:")
                y, n = st.columns(2)
                if y.button("Да, отменить загрузку", key="upload_undo_yes", type="primary"):
                    try:
                        st.session_state["_upload_undo_msg"] = ("ok", undo_import(store, b, user))
                    except (UndoRefused, Forbidden) as exc:
                        st.session_state["_upload_undo_msg"] = ("err", str(exc))
                    st.session_state.pop(UNDO, None)
                    data_changed()
                    st.rerun()
                if n.button("Нет, оставить", key="upload_undo_no"):
                    st.session_state.pop(UNDO, None)
                    st.rerun()

# ---------------------------------------------------------------------------------------------
# Templates and reference data
# ---------------------------------------------------------------------------------------------
with tab_templates:
    st.divider()
    st.subheader("Шаблоны и справочники")
    st.markdown("**Шаблон системы** — для результатов, которых нет в других форматах: одна строка на школу, процедуру "
                "и учебный год (столбцы «Учебный год», «Процедура», «Код ОО», «Наименование ОО», «Территория», "
                "«Участников», «Низкий результат, чел.»; по желанию «2»–«5» и средний балл).")
    st.download_button("Скачать шаблон (Excel)", data=template_workbook(), file_name="шаблон_результатов.xlsx",
                       mime=XLSX, icon=":material/download:", key="upload_template")
    st.markdown("**Шкалы ВПР и пороги экзаменов**, по которым сейчас считаются отметки «2» и «ниже минимума».")
    st.download_button("Скачать шкалы и пороги (Excel)", key="upload_reference", icon=":material/download:",
                       data=reference_workbook(store.reference.scales_frame(), store.reference.exam_thresholds()),
                       file_name="шкалы_и_пороги.xlsx", mime=XLSX)
    st.caption("Поменять шкалы и пороги может администратор на странице «Настройки».")
