"""«Настройки»: the rule, the procedure set, ВПР scales and exam thresholds by year, targets, territories.

Methodists and heads see; only an administrator of the whole region changes (and nobody in meeting mode).
Every change goes through shnor/services/settings.py (permission, validation, one unit of work, a typed
audit event); the page only shows the forms and the answers. Text from data is shown through md().
"""
import datetime as dt

import pandas as pd
import streamlit as st

from shnor.domain.permissions import Action
from shnor.ui.guard import can, page_guard, visible_territory_ids

user = page_guard("settings")

from shnor.domain import procedures, reference  # noqa: E402  (after the guard: nothing runs for strangers)
from shnor.domain.permissions import Forbidden  # noqa: E402
from shnor.domain.rule import RuleSettings  # noqa: E402
from shnor.domain.years import format_school_year, school_year_of_date  # noqa: E402
from shnor.domain.coverage import COVERAGE_SETTING_KEY, DEFAULT_MIN_COVERAGE_PCT  # noqa: E402
from shnor.domain.roadmap import DUE_SOON_DEFAULT, DUE_SOON_SETTING_KEY  # noqa: E402
from shnor.read.analysis import load_min_coverage, load_rule_settings  # noqa: E402
from shnor.services import settings as service  # noqa: E402
from shnor.services import templates as tpl  # noqa: E402
from shnor.ui import meeting  # noqa: E402
from shnor.ui.db import data_changed, get_store  # noqa: E402
from shnor.ui.safe import md  # noqa: E402

store = get_store()
is_admin_rule = can(user, Action.RULE_SETTINGS)
is_admin_scales = can(user, Action.SCALES)
is_admin_thresholds = can(user, Action.THRESHOLDS)
is_admin_targets = can(user, Action.TARGETS)
is_admin_territories = can(user, Action.TERRITORIES)
REFUSALS = (service.SettingsError, tpl.TemplateError, Forbidden)
SCALE_FLASH = "_settings_scale_correction"


def change(call, *args, **kwargs) -> tuple[bool, object]:
    """Call a settings service as this user: (True, its result) and the caches cleared, or (False, None) with
    the refusal shown (its message may quote names and typed text: as text)."""
    try:
        result = call(store, user, *args, **kwargs)
    except REFUSALS as exc:
        st.error(md(str(exc)))
        return False, None
    data_changed()
    return True, result


st.title("Настройки")
_flash = st.session_state.pop("_settings_flash", None)
if _flash:
    st.success(_flash)
if meeting.is_meeting():
    st.caption("Режим совещания: настройки показаны без возможности изменения.")
elif not (is_admin_rule or is_admin_scales or is_admin_targets):
    st.caption("Настройки показаны для просмотра: менять их может администратор. Попробовать другие параметры "
               "правила без сохранения можно на странице «Выявление ШНОР».")

tab_rule, tab_scales, tab_targets, tab_terr, tab_docs = st.tabs(
    ["Правило выявления", "Шкалы ВПР и пороги экзаменов", "Целевые показатели", "Территории",
     "Сроки и документы"])

# ---------------------------------------------------------------------------------------------
with tab_rule:
    current = load_rule_settings(store)
    st.markdown(
        f"Школа попадает в список ШНОР на учебный год Y, если **не меньше {current.threshold_pct} %** участников "
        "получили «2» (ВПР) или не преодолели минимальный порог (ОГЭ, ЕГЭ) — это «низкий результат» процедуры — и "
        "выполнен хотя бы один критерий: **1)** низкие результаты по двум и более процедурам в предыдущем году "
        "(Y−1); **2)** низкий результат хотя бы по одной процедуре и в Y−1, и в Y−2.")
    disabled = not is_admin_rule
    with st.form("rule_settings", border=True):
        c1, c2, c3 = st.columns(3)
        threshold = c1.number_input("Порог низкого результата, %", 1, 100, current.threshold_pct, step=1,
                                    disabled=disabled,
                                    help="Доля «2» или не преодолевших минимум, начиная с которой результат низкий. "
                                         "Ровно порог — тоже низкий (30 % из 30 % — низкий).")
        margin = c2.number_input("Запас для группы риска, п. п.", 0, 99, current.margin_pct, step=1, disabled=disabled,
                                 help="Школа в группе риска, если доля «2» в пределах этого запаса ниже порога "
                                      "(по умолчанию 25 % ≤ доля < 30 %).")
        variant = c3.radio("Критерий 2", ["any", "same"], index=0 if current.variant == "any" else 1,
                           disabled=disabled,
                           format_func=lambda v: {"any": "любая процедура в каждом году (как в дорожной карте)",
                                                  "same": "та же процедура в обоих годах (строже)"}[v])
        c4, c5, c6, c7 = st.columns(4)
        min_part = c4.number_input("Минимум участников", 0, 1000, current.min_participants, step=1, disabled=disabled,
                                   help="Результаты с меньшим числом участников не учитываются. 0 — учитываются все.")
        small = c5.number_input("Малая группа: меньше участников", 0, 1000, current.small_group, step=1,
                                disabled=disabled,
                                help="Такие результаты учитываются, но помечаются как «малая группа».")
        high_low = c6.number_input("Стабильно высокие: «2» не больше, %", 0, 100, current.high_max_low_pct, step=1,
                                   disabled=disabled)
        high_q = c7.number_input("Стабильно высокие: «4»+«5» не меньше, %", 0, 100, current.high_min_quality_pct,
                                 step=1, disabled=disabled)
        vpr_like = sorted(procedures.CATALOGUE, key=lambda c: (c not in procedures.DEFAULT_SET,
                                                               procedures.DEFAULT_SET.index(c)
                                                               if c in procedures.DEFAULT_SET else 0, c))
        chosen = st.multiselect("Процедуры правила", vpr_like, default=list(current.procedures),
                                format_func=procedures.name_ru, disabled=disabled,
                                help="По умолчанию — девять процедур дорожной карты: ВПР по математике и русскому "
                                     "языку в 5 и 6 классах, ОГЭ и ЕГЭ по математике и русскому языку.")
        saved = st.form_submit_button("Сохранить как настройки по умолчанию", type="primary", disabled=disabled)
    if saved and is_admin_rule:
        new = RuleSettings(threshold_pct=int(threshold), variant=variant, margin_pct=int(margin),
                           min_participants=int(min_part), small_group=int(small), procedures=tuple(chosen),
                           high_max_low_pct=int(high_low), high_min_quality_pct=int(high_q))
        errs = new.validate()
        if errs:
            for e in errs:
                st.error(e)
        elif new == current:
            st.info("Настройки не изменились.")
        elif change(service.save_rule_settings, new)[0]:
            st.success("Настройки правила сохранены. Новые списки считаются по ним; утверждённые списки не меняются.")
    if is_admin_rule and current != RuleSettings():
        if st.button("Вернуть настройки по умолчанию из дорожной карты", key="rule_reset"):
            if change(service.save_rule_settings, RuleSettings())[0]:
                st.session_state["_settings_flash"] = "Восстановлены настройки правила по умолчанию."
                st.rerun()

    # the coverage rule (shnor/domain/coverage.py): below this share of schools with results, no verdict on the target
    min_cov = load_min_coverage(store)
    with st.form("coverage_setting", border=True):
        st.markdown("**Полнота данных для вывода о цели**")
        new_cov = st.number_input(
            "Вывод «цель достигнута / не достигнута» — если результаты есть не меньше чем у, % школ", 0, 100,
            min_cov, step=1, disabled=disabled, key="coverage_min_pct",
            help="Доля ШНОР считается от всех школ территории, в том числе без данных. Если результаты процедур "
                 "правила за год, по которому сформирован список, есть у меньшей доли школ, доля и охват "
                 f"показываются, а вывод о цели не делается. По умолчанию {DEFAULT_MIN_COVERAGE_PCT} %; ровно "
                 "порог — вывод делается.")
        cov_saved = st.form_submit_button("Сохранить порог полноты данных", disabled=disabled)
    if cov_saved and is_admin_rule:
        if int(new_cov) == min_cov:
            st.info("Порог полноты данных не изменился.")
        elif change(service.set_setting, COVERAGE_SETTING_KEY, int(new_cov), Action.RULE_SETTINGS)[0]:
            st.success(f"Порог полноты данных сохранён: {int(new_cov)} %. Вывод о цели делается, если результаты "
                       f"есть не меньше чем у {int(new_cov)} % школ.")

# ---------------------------------------------------------------------------------------------
with tab_scales:
    st.subheader("Шкалы перевода баллов ВПР в отметки")
    scales = store.reference.mark_scales()
    st.dataframe(reference.scale_rows(scales, procedures.name_ru, store.reference.scale_sources()),
                 hide_index=True, width="stretch")
    corr = st.session_state.pop(SCALE_FLASH, None)
    if corr is not None:      # what the last correction recomputed (results as text: dataframes)
        (st.info if corr.unchanged_scale else st.success)(corr.summary_ru())
        if corr.changed:
            st.markdown("**Результаты, в которых изменились отметки**")
            st.dataframe(corr.results_frame(), hide_index=True, width="stretch")
        if corr.statuses:
            st.markdown("**Школы, у которых изменился статус в рассчитанном списке**")
            st.dataframe(corr.statuses_frame(), hide_index=True, width="stretch")
    st.caption("Диапазоны первичных баллов включительно. Когда шкалу года добавляют или исправляют, отметки "
               "«2»–«5» и число «2» каждого сохранённого результата этой работы за этот год пересчитываются из "
               "сохранённого распределения первичных баллов (оно есть у результатов из протоколов ВПР), без "
               "исходного файла; число участников не меняется. Результаты из отчётов ФИС ОКО и таблиц "
               "распределения баллов не содержат и не пересчитываются. Пересчёт меняет рассчитанные списки на два "
               "следующих года; утверждённые списки не меняются — расхождение с ними показано на странице "
               "«Выявление ШНОР».")
    if is_admin_scales:
        with st.expander("Добавить или исправить шкалу года", icon=":material/edit:"):
            vpr_codes = [c for c, p in procedures.CATALOGUE.items() if p.kind == "VPR"]
            proc = st.selectbox("Процедура", vpr_codes, format_func=procedures.name_ru, key="scale_proc",
                                index=vpr_codes.index("VPR-MATH-5") if "VPR-MATH-5" in vpr_codes else 0)
            this_year = school_year_of_date(dt.date.today())
            years = list(range(2015, this_year + 2))
            year = st.selectbox("Учебный год", years, index=years.index(this_year) if this_year in years else 0,
                                format_func=format_school_year, key="scale_year")
            known = [y for (p, y) in scales if p == proc]
            base = scales.get((proc, year)) or (scales.get((proc, max(known))) if known else None)
            b = base.bounds if base else {2: (0, 6), 3: (7, 10), 4: (11, 14), 5: (15, 20)}
            with st.form("scale_form"):
                st.caption("«2» — от 0 баллов до порога «3». Введите наименьший балл каждой отметки и максимум.")
                c = st.columns(4)
                min3 = c[0].number_input("«3» от, баллов", 1, 500, int(b[3][0]), step=1)
                min4 = c[1].number_input("«4» от, баллов", 1, 500, int(b[4][0]), step=1)
                min5 = c[2].number_input("«5» от, баллов", 1, 500, int(b[5][0]), step=1)
                mx = c[3].number_input("Максимум баллов", 1, 500, int(b[5][1]), step=1)
                submitted = st.form_submit_button("Сохранить шкалу", type="primary")
            if submitted:
                scale = reference.scale_from_minimums(proc, int(year), int(min3), int(min4), int(min5), int(mx))
                errs = reference.validate_vpr_scale(scale)
                if errs:
                    for e in errs:
                        st.error(e)
                else:
                    ok, corr = change(service.set_mark_scale, scale)
                    if ok:
                        st.session_state[SCALE_FLASH] = corr     # shown above, with the table already updated
                        st.rerun()

    st.subheader("Минимальные пороги ОГЭ и ЕГЭ")
    th = store.reference.exam_thresholds()
    if th.empty:
        st.info("Пороги не заданы.")
    else:
        th_years = sorted(int(y) for y in th["year"].unique())
        ty = st.selectbox("Учебный год", th_years, index=len(th_years) - 1, format_func=format_school_year,
                          key="thr_year")
        kind_ru = reference.THRESHOLD_KIND_RU
        view = th[th["year"] == ty]
        st.dataframe(pd.DataFrame({
            "Процедура": view["procedure"].map(procedures.name_ru),
            "Порог": view["kind"].map(lambda k: kind_ru.get(k, k)),
            "Значение": view["value"], "Из": view["max_value"], "Пояснение": view["note"]}),
            hide_index=True, width="stretch")
        st.caption("Ниже порога — «не преодолел минимум»: такие участники считаются так же, как «2» на ВПР.")
    if is_admin_thresholds:
        with st.expander("Добавить или исправить порог", icon=":material/edit:"):
            exam_codes = [c for c, p in procedures.CATALOGUE.items() if p.kind in ("OGE", "EGE")]
            kinds = reference.THRESHOLD_KIND_RU
            with st.form("threshold_form"):
                c = st.columns(5)
                t_year = c[0].selectbox("Учебный год", list(range(2015, school_year_of_date(dt.date.today()) + 2)),
                                        index=None, format_func=format_school_year, placeholder="год")
                t_proc = c[1].selectbox("Процедура", exam_codes, format_func=procedures.name_ru, index=None,
                                        placeholder="экзамен")
                t_kind = c[2].selectbox("Вид порога", list(kinds), format_func=kinds.get, index=None,
                                        placeholder="вид")
                t_value = c[3].number_input("Значение", 0, 500, 0, step=1)
                t_max = c[4].number_input("Из (максимум)", 0, 500, 0, step=1, help="0 — максимума нет")
                if st.form_submit_button("Сохранить порог", type="primary"):
                    if t_year is None or t_proc is None or t_kind is None:
                        st.error("Выберите учебный год, процедуру и вид порога.")
                    else:
                        if change(service.set_exam_threshold, t_proc, int(t_year), t_kind, int(t_value),
                                  int(t_max) or None)[0]:
                            st.success(f"Порог сохранён: {procedures.name_ru(t_proc)}, {format_school_year(int(t_year))}"
                                       f" — {kinds[t_kind]} {int(t_value)}" + (f" из {int(t_max)}" if t_max else "")
                                       + ".")

# ---------------------------------------------------------------------------------------------
with tab_targets:
    st.subheader("Цель: доля ШНОР от всех школ территории")
    st.caption("Значение для учебного года Y — доля школ, которые правило находит по результатам года Y (список на "
               "Y+1). Если у территории нет своей цели, действует цель региона. Вводите проценты: 10 или 12,5.")
    terr = store.territories.list()
    allowed = visible_territory_ids(user)
    if allowed is not None:
        terr = terr[terr["id"].isin(allowed)]
    targets = store.targets.list()
    years = reference.target_years(store.results.years(), [int(y) for y in targets["year"]],
                                   school_year_of_date(dt.date.today()))
    grid = reference.targets_grid(targets, terr, years)
    if is_admin_targets:
        edited = st.data_editor(
            grid, key="targets_editor", hide_index=True, width="stretch", num_rows="fixed",
            disabled=["Территория"],
            column_config={c: st.column_config.TextColumn(c, help="Цель в процентах, например 10 или 12,5")
                           for c in grid.columns if c != "Территория"})
        if st.button("Сохранить цели", type="primary", key="targets_save"):
            changes, errors = reference.target_changes(grid, edited)
            for e in errors:
                st.error(md(e))     # names a territory and quotes what was typed
            if not errors:
                if not changes:
                    st.info("Цели не изменились.")
                else:
                    ok, n = change(service.set_targets, changes)
                    if ok:
                        st.session_state["_settings_flash"] = f"Сохранено целей: {n}."
                        st.session_state.pop("targets_editor", None)
                        st.rerun()
    else:
        st.dataframe(grid, hide_index=True, width="stretch")

# ---------------------------------------------------------------------------------------------
with tab_terr:
    st.subheader("Территории")
    terr_all = store.territories.list()
    region_ids = set(terr_all.loc[terr_all["kind"] == "region", "id"])
    kind_ru = reference.TERRITORY_KIND_RU
    st.dataframe(pd.DataFrame({
        "Название": terr_all["name"], "Тип": terr_all["kind"].map(lambda k: kind_ru.get(k, k)),
        "Входит в": terr_all["parent_name"].fillna(""), "Код": terr_all["code"].fillna("")}),
        hide_index=True, width="stretch")
    if is_admin_territories:
        with st.form("territory_add", clear_on_submit=True):
            st.markdown("**Добавить территорию**")
            c1, c2, c3 = st.columns([3, 2, 3])
            name = c1.text_input("Название", placeholder="Таштагольский муниципальный район")
            kind = c2.selectbox("Тип", ["municipality", "district"], format_func=kind_ru.get)
            parents = terr_all[terr_all["kind"].isin(["region", "municipality"])]
            parent_name = dict(zip(parents["id"].astype(int), parents["name"].astype(str)))   # 2 800 in a country
            several_regions = len(region_ids) > 1          # a country: a municipality goes into one of its regions
            parent = c3.selectbox("Входит в", [None] + [int(x) for x in parents["id"]
                                                        if several_regions or x not in region_ids],
                                  format_func=lambda i: ("вся страна" if several_regions else "регион") if i is None
                                  else parent_name[i],
                                  help="Муниципалитет входит в регион, район города — в муниципалитет.")
            if st.form_submit_button("Добавить"):
                if change(service.add_territory, name, kind=kind, parent_id=parent)[0]:
                    st.session_state["_settings_flash"] = f"Территория «{md(name.strip())}» добавлена."
                    st.rerun()

# ---------------------------------------------------------------------------------------------
with tab_docs:
    days_now = int(store.settings.get(DUE_SOON_SETTING_KEY, DUE_SOON_DEFAULT))
    with st.form("due_soon_setting", border=True):
        st.markdown("**«Скоро срок» в дорожной карте**")
        days = st.number_input("За сколько дней до окончания срока мероприятие отмечается «скоро срок»", 0, 90,
                               days_now, step=1, disabled=not is_admin_rule, key="due_soon_days",
                               help=f"По умолчанию {DUE_SOON_DEFAULT} дней. Выполненные и отменённые мероприятия "
                                    "не отмечаются; после срока незакрытое мероприятие — «просрочено».")
        if st.form_submit_button("Сохранить", disabled=not is_admin_rule) and is_admin_rule:
            ok, changed = change(service.set_due_soon_days, int(days))
            if ok:
                (st.success if changed else st.info)(
                    f"«Скоро срок» — за {int(days)} дн. до окончания срока." if changed else "Не изменилось.")
    may_docs = can(user, Action.REPORT_TEMPLATES)
    with st.form("document_heading", border=True):
        st.markdown("**Шапка и подпись документов** (аналитическая справка, справки по школам, список)")
        values = {key: st.text_input(label, value=store.settings.get(key) or "", disabled=not may_docs,
                                     key=f"doc_{key}", max_chars=300)
                  for key, label in service.DOCUMENT_KEYS.items()}
        if st.form_submit_button("Сохранить", disabled=not may_docs) and may_docs:
            ok, changed = change(service.set_document_heading, values)
            if ok:
                (st.success if changed else st.info)("Шапка документов сохранена." if changed else "Не изменилось.")
    if not may_docs:
        st.caption("Шапку документов и бланк меняет администратор всего региона.")
    st.markdown("**Бланк документов** (.docx с гербом, шапкой и колонтитулами органа управления)")
    st.caption("Документы пишутся на бланке: его шапка и колонтитулы сохраняются, текст документа встаёт на место "
               "абзаца {{СОДЕРЖАНИЕ}} (если его нет — после текста бланка). Без бланка — встроенная шапка.")
    have = tpl.templates(store, user)
    if not have.empty:
        st.dataframe(pd.DataFrame({"Документ": have["kind_ru"], "Файл": have["file_name"],
                                   "Загрузил": have["uploaded_by"].fillna("")}), hide_index=True, width="stretch")
    if may_docs:
        with st.form("letterhead_upload", clear_on_submit=True):
            kind = st.selectbox("Для каких документов", list(tpl.KINDS_RU), format_func=tpl.KINDS_RU.get)
            f = st.file_uploader("Бланк .docx, до 10 МБ", type=["docx"], key="letterhead_file")
            if st.form_submit_button("Загрузить бланк") and f is not None:
                ok, info = change(tpl.upload_template, kind, f.name, f.getvalue())
                if ok:
                    st.success(md(info.summary_ru()))
        if not have.empty:
            with st.form("letterhead_remove"):
                kind_rm = st.selectbox("Убрать бланк", list(have["kind"]), format_func=tpl.KINDS_RU.get)
                if st.form_submit_button("Убрать"):
                    ok, _ = change(tpl.remove_template, kind_rm)
                    if ok:
                        st.success("Бланк убран: документы этого вида пишутся со встроенной шапкой.")
