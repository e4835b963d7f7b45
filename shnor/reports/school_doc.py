"""Word documents for the interviews with school heads («собеседования», seeds 000 and 002):

    write_school_spravka(store, user, list_year, school_id, out_path)               -> WrittenDoc
    write_interview_pack(store, user, list_year, territory_id, school_ids, out_path)  -> WrittenDoc
    write_interview_record(store, user, interview_id, out_path)                      -> WrittenDoc

The school's справка: its card; its status in the list of `list_year` with the reasons and the statuses of the
years before; each rule procedure's share of «2» / below the minimum by year beside the territory and the
threshold (table and chart); what would take it off the list (or put it on); its partner's results beside its
own; its roadmap measures; its risk profile; the objectivity check and its weakest tasks in the list's last
results year; its earlier interviews. The pack: the справки of every ШНОР of the list in a territory (or of the
schools chosen), each from a new page, after a cover page listing them.

Every figure comes from the read models the pages use (shnor/read/overview.py build_school_page,
shnor/read/analyses.py exit_distance / school_objectivity / task_analysis, shnor/read/support.py, shnor/read/roadmap.py,
shnor/read/interviews.py) — never a second computation. Data are written as text (shnor/reports/docx_base.py).
Permission: Action.REPORTS where each school is (and the read models' own Action.READ); each document is recorded
as events.REPORT_WRITTEN. `list_year` is the list's year, as in `python -m shnor identify --year`.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from shnor.domain import events, risks
from shnor.domain.analyses import objectivity as obj
from shnor.domain.fmt import fmt_int, fmt_num, fmt_pct, plural
from shnor.domain.permissions import Action, User, may, require
from shnor.domain.rule import NO_DATA, RISK, SHNOR, STATUS_RU, RuleSettings
from shnor.domain.scales import is_low
from shnor.domain.years import format_school_year
from shnor.read import analyses as an
from shnor.read import interviews as ri
from shnor.read import roadmap as rm
from shnor.read import support as rs
from shnor.read.analysis import compute_list, load_rule_settings
from shnor.read.overview import SchoolPageData, build_school_page, years_span
from shnor.read.support import require_school
from shnor.reports import docx_base as D
from shnor.reports.spravka import DEPARTMENT_KEY
from shnor.store import Store

KIND_SCHOOL, KIND_INTERVIEWS = "school", "interviews"     # report_templates kinds (the letterheads)
RESULT_YEARS = 3              # results years in the справка's table (the list's two and the one before)
CHART_YEARS = 5               # results years in its chart
CHART_PROCEDURES = 3          # procedures in the chart at most (those low in the list's years first): one row
WEAK_TASKS = 3                # weakest tasks shown per work
MEASURE_ROWS = 12
PAST_INTERVIEWS = 3
CONTENT_CM = D.A4_WIDTH_CM - D.MARGINS_CM[2] - D.MARGINS_CM[3]
SERIES_SCHOOL, SERIES_TERRITORY = "Школа", "Территория"


class DocumentError(ValueError):
    """A document that cannot be written as asked; the message is Russian and user-facing."""


@dataclass
class WrittenDoc:
    path: Path
    kind: str                          # school_spravka | interview_pack | interview_record
    title: str
    school_ids: list[int] = field(default_factory=list)
    seconds: float = 0.0

    def summary_ru(self) -> str:
        n = len(self.school_ids)
        what = {"school_spravka": "Справка по школе", "interview_pack": "Пакет справок к собеседованиям",
                "interview_record": "Запись собеседования"}[self.kind]
        schools = f" ({fmt_int(n)} {plural(n, 'школа', 'школы', 'школ')})" if self.kind == "interview_pack" else ""
        return f"{what}{schools} записан(а) в {self.path}."


# ---------------------------------------------------------------------------------------------
# What one school's справка shows (from the read models)
# ---------------------------------------------------------------------------------------------
@dataclass
class SchoolBrief:
    school_id: int
    list_year: int
    page: SchoolPageData
    status: str | None                 # the status in the list of list_year (None: not active then)
    status_ru: str
    criteria: str
    reasons: str
    history: pd.DataFrame              # build_school_page history of list years <= list_year
    exit_rows: pd.DataFrame            # exit_distance rows of the school (empty: not ШНОР nor risk group)
    partner: rs.PartnerView | None
    support: rs.SupportView | None
    measures: pd.DataFrame
    profile: rs.RiskProfile | None
    objectivity: pd.DataFrame          # school_objectivity rows (results year list_year - 1)
    tasks: dict[str, pd.DataFrame]     # work -> the school's tasks, worst first
    task_year: int
    interviews: ri.InterviewList | None

    @property
    def name(self) -> str:
        return D.clean_text(self.page.school.get("short_name"))

    @property
    def territory(self) -> str:
        s = self.page.school
        district = s.get("district")
        return D.clean_text(s.get("territory")) + (f", {D.clean_text(district)}" if isinstance(district, str) and
                                                     district else "")


class _Shared:
    """Read models computed once per territory for a whole pack (the same figures a single справка reads)."""

    def __init__(self, store: Store, user: User, list_year: int, settings: RuleSettings):
        self.store, self.user, self.list_year, self.settings = store, user, list_year, settings
        self._exit: dict = {}
        self._tasks: dict = {}
        self._lists: dict = {}

    def list_of(self, tid: int | None):
        if tid not in self._lists:
            self._lists[tid] = compute_list(self.store, self.list_year, tid, self.settings)
        return self._lists[tid]

    def exit(self, tid: int | None) -> an.ExitView:
        if tid not in self._exit:
            self._exit[tid] = an.exit_distance(self.store, self.user, self.list_year, tid, self.settings,
                                               lst=self._lists.get(tid))
        return self._exit[tid]

    def tasks(self, tid: int | None) -> an.TaskView:
        if tid not in self._tasks:
            self._tasks[tid] = an.task_analysis(self.store, self.user, self.list_year - 1, None, tid)
        return self._tasks[tid]


def _read_territory(user: User, place: tuple[int, int | None]) -> int | None:
    """The territory a school's reads land in: the user's own scope when they are bound (their territory may be the
    school's district), else the school's territory."""
    for t in place:
        if t is not None and may(user, Action.READ, t):
            return t
    return place[0]


def school_brief(shared: _Shared, school_id: int, scope: int | None | str = "school") -> SchoolBrief:
    """Everything the справка of one school shows. `scope`: the territory whose read models are used
    («school»: the school's own, as for a single справка; a pack passes its territory)."""
    store, user, list_year = shared.store, shared.user, shared.list_year
    place = require_school(store, user, Action.REPORTS, int(school_id))
    if place is None:
        raise DocumentError(f"Школа № {school_id} не найдена в реестре.")
    require_school(store, user, Action.READ, int(school_id))
    tid = _read_territory(user, place) if scope == "school" else scope
    page = build_school_page(store, int(school_id), shared.settings)
    if page is None:
        raise DocumentError(f"Школа № {school_id} не найдена в реестре.")
    hist = page.history[page.history["year"] <= list_year].reset_index(drop=True)
    row = hist[hist["year"] == list_year]
    if row.empty:
        status, status_ru, criteria, reasons = None, "нет расчёта", "", (
            f"Результатов для списка на {format_school_year(list_year)} нет.")
    else:
        r = row.iloc[0]
        status, status_ru, criteria, reasons = r["status"], r["status_ru"], r["criteria"] or "", r["reasons"] or ""
    exit_rows = pd.DataFrame()
    if status in (SHNOR, RISK):
        ev = shared.exit(tid)
        exit_rows = ev.table[ev.table["school_id"] == int(school_id)].reset_index(drop=True)
    ov = an.school_objectivity(store, user, int(school_id), list_year - 1)
    objectivity = ov.table.reset_index(drop=True) if ov is not None else pd.DataFrame()
    tv = shared.tasks(tid)
    mine = tv.table[tv.table["school_id"] == int(school_id)]
    order = {p: i for i, p in enumerate(shared.settings.procedures)}
    works = sorted(set(mine["procedure"]), key=lambda p: (order.get(p, 99), p))
    tasks = {p: tv.school(int(school_id), p).head(WEAK_TASKS) for p in works}
    profile = rs.risk_profile(store, user, int(school_id), list_year)
    if profile is not None and not profile.rated and profile.years:
        profile = rs.risk_profile(store, user, int(school_id), None)     # the newest profile there is
    return SchoolBrief(
        school_id=int(school_id), list_year=list_year, page=page, status=status, status_ru=status_ru,
        criteria=criteria, reasons=reasons, history=hist.head(4), exit_rows=exit_rows,
        partner=rs.partner_view(store, user, int(school_id), shared.settings),
        support=rs.support_view(store, user, int(school_id)),
        measures=rm.school_measures(store, user, int(school_id)), profile=profile,
        objectivity=objectivity, tasks=tasks, task_year=list_year - 1,
        interviews=ri.school_interviews(store, user, int(school_id)))


# ---------------------------------------------------------------------------------------------
# Writing one справка
# ---------------------------------------------------------------------------------------------
def _bold_cells(t, cells: list[tuple[int, int]], first_line: bool = False) -> None:
    """Make some body cells of a docx_base table bold (row index in the frame, column index); `first_line`: only
    up to the cell's first line break."""
    for i, j in cells:
        for run in (r for p in t.rows[i + 1].cells[j].paragraphs for r in p.runs):
            run.bold = True
            if first_line and any(el.tag.endswith("}br") for el in run._r):
                break


def _results_years(page: SchoolPageData, list_year: int) -> list[int]:
    years = sorted({int(y) for y in page.trends["year"] if int(y) <= list_year - 1})
    return years[-RESULT_YEARS:]


def results_frame(page: SchoolPageData, list_year: int) -> tuple[pd.DataFrame, list[tuple[int, int]], list[str]]:
    """Procedure × results year: the school's share («36,5 % (27 из 74)») over the territory's; the cells of low
    results (to be bold); the procedures without any result in those years."""
    years = _results_years(page, list_year)
    tr = page.trends[page.trends["year"].isin(years)]
    rows, low_cells, empty = [], [], []
    for name, g in tr.groupby("name", sort=False):
        own = g[g["series"] == SERIES_SCHOOL].set_index("year")
        terr = g[g["series"] == SERIES_TERRITORY].set_index("year")
        if own["share"].isna().all():
            empty.append(str(name))
            continue
        cells = [str(name)]
        for y in years:
            o = own.loc[y] if y in own.index else None
            t = terr.loc[y] if y in terr.index else None
            school = "нет данных" if o is None or pd.isna(o["share"]) else str(o["label"])
            territory = "нет данных" if t is None or pd.isna(t["share"]) else fmt_pct(float(t["share"]))
            cells.append(f"{school}\nтерр.: {territory}")
            if o is not None and not pd.isna(o["share"]) and is_low(int(o["low"]), int(o["participants"]),
                                                                     page.threshold_pct):
                low_cells.append((len(rows), len(cells) - 1))
        rows.append(cells)
    frame = pd.DataFrame(rows, columns=["Процедура"] + [format_school_year(y) for y in years])
    return frame, low_cells, empty


def trends_chart(page: SchoolPageData, list_year: int) -> dict | None:
    """A Vega-Lite spec (a dict: Altair's copies cost more than the drawing) of the school's share (solid, circles)
    and the territory's (dashed, squares) by year against the threshold (black dashed rule), for the procedures low
    in the list's two years first (CHART_PROCEDURES in one row), over the last CHART_YEARS results years. A gap is
    «нет данных», never 0."""
    years = [y for y in sorted({int(y) for y in page.trends["year"]}) if y <= list_year - 1][-CHART_YEARS:]
    d = page.trends[page.trends["year"].isin(years) & page.trends["share"].notna()]
    own = d[d["series"] == SERIES_SCHOOL]
    if own.empty:
        return None
    thr = page.threshold_pct
    recent = own[own["year"] >= list_year - 2]
    low = set(recent.loc[is_low(recent["low"], recent["participants"], thr), "procedure"])
    order = list(dict.fromkeys(own["procedure"]))
    chosen = ([p for p in order if p in low] + [p for p in order if p not in low])[:CHART_PROCEDURES]
    d = d[d["procedure"].isin(chosen)]
    short = {y: f"{y % 100:02d}/{(y + 1) % 100:02d}" for y in years}
    values = [{"name": str(r.name), "series": str(r.series), "share": float(r.share), "year": short[int(r.year)]}
              for r in d.itertuples(index=False)]
    names = [n for p in chosen for n in d.loc[d["procedure"] == p, "name"].head(1)]
    top = max(0.5, max(v["share"] for v in values) + 0.05)
    series = [SERIES_SCHOOL, SERIES_TERRITORY]
    enc = {"x": {"field": "year", "type": "ordinal", "title": None, "sort": list(short.values()),
                 "scale": {"domain": list(short.values())}, "axis": {"labelAngle": 0}},
           "y": {"field": "share", "type": "quantitative", "title": None, "scale": {"domain": [0, top]},
                 "axis": {"format": ".0%", "tickCount": 4}},
           "color": {"field": "series", "type": "nominal", "title": None,
                     "scale": {"domain": series, "range": ["#D55E00", "#0072B2"]}},
           "shape": {"field": "series", "type": "nominal", "title": None,
                     "scale": {"domain": series, "range": ["circle", "square"]}}}
    point = {"size": 45, "filled": True}

    def line(who: str, dash: list | None) -> dict:
        mark = {"type": "line", "strokeWidth": 2.5, "point": point} | ({"strokeDash": dash} if dash else {})
        return {"transform": [{"filter": {"field": "series", "equal": who}}], "mark": mark, "encoding": enc}

    # two line layers (solid school, dashed territory) rather than a strokeDash channel: the legend then shows
    # colour and shape only; the school's drawn last, on top (a school alone in its territory has the same line)
    rule = {"mark": {"type": "rule", "color": "black", "strokeDash": [6, 4], "strokeWidth": 1.2},
            "encoding": {"y": {"datum": thr / 100, "type": "quantitative"}}}
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "data": {"values": values},
            "facet": {"field": "name", "type": "nominal", "title": None, "sort": names,
                      "header": {"labelFontSize": 11, "labelFontWeight": "bold", "labelLimit": 190}},
            "columns": CHART_PROCEDURES,
            "spec": {"width": 165, "height": 95, "layer": [line(SERIES_TERRITORY, [5, 3]), line(SERIES_SCHOOL, None),
                                                             rule]},
            "config": {"axis": {"labelFontSize": 10}, "legend": {"orient": "bottom", "labelFontSize": 11},
                       "view": {"strokeWidth": 0}}}


def _card_lines(b: SchoolBrief) -> list[tuple[str, str]]:
    """The card (shnor/read/overview.py school_card) and the people (shnor/read/support.py), folded into six lines."""
    card = dict(b.page.card)
    lines = [("Полное наименование", card.get("Полное наименование", "нет данных")),
             ("Территория", b.territory or "нет данных"),
             ("Тип, местность", f"{card.get('Тип', 'нет данных')}, {card.get('Местность', 'нет данных')}"),
             ("Логин ФИС ОКО", card.get("Логин ФИС ОКО", "нет данных"))]
    people = dict(b.support.lines()) if b.support is not None else {}
    shnsu = card.get("ШНСУ (неблагоприятные социальные условия)", "нет данных")
    lines.append(("ШНСУ; проект «500+»", f"ШНСУ: {shnsu}; «500+»: {people.get('Участник проекта «500+»', 'нет данных')}"))
    if people:
        lines.append(("Куратор; координатор", f"{people.get('Куратор')}; {people.get('Муниципальный координатор')}"))
    return lines


def _status_section(doc, b: SchoolBrief, n: int) -> None:
    y = format_school_year(b.list_year)
    D.section_heading(doc, f"{n}. Статус в списке на {y} и почему")
    crit = (f" ({'критерии' if '+' in b.criteria else 'критерий'} {b.criteria})" if b.criteria else "")
    D.paragraph(doc, [(f"Статус в списке на {y} ({years_span(b.list_year)}): ", False),
                      (f"{b.status_ru}{crit}.", True)])
    if b.reasons:
        D.paragraph(doc, f"Основания: {b.reasons}")
    if len(b.history) > 1:
        h = b.history
        D.table(doc, pd.DataFrame({"Список на": list(h["year_label"]), "Статус": list(h["status_ru"]),
                                   "Критерии": [c or "—" for c in h["criteria"]],
                                   "Низких в прошлом году": list(h["low_y1"]),
                                   "Низких в позапрошлом году": list(h["low_y2"])}),
                widths_cm=[2.6, 3.9, 2.2, 3.9, 3.9], font_size=10)


def _results_section(doc, b: SchoolBrief, n: int, charts: bool) -> None:
    thr = b.page.threshold_pct
    D.section_heading(doc, f"{n}. Результаты процедур по годам: школа, территория и порог {thr} %")
    frame, low_cells, empty = results_frame(b.page, b.list_year)
    if frame.empty:
        D.paragraph(doc, "Результатов процедур правила за эти годы нет (нет данных).")
        return
    ncol = len(frame.columns) - 1
    t = D.table(doc, frame, widths_cm=[4.5] + [(CONTENT_CM - 4.5) / ncol] * ncol, font_size=9,
                align=["left"] + ["center"] * ncol)
    _bold_cells(t, low_cells, first_line=True)
    D.note(doc, f"Доля участников с «2» (ВПР) или ниже минимального порога (ОГЭ, ЕГЭ): школа (участников с низким "
                f"результатом из всех) и «терр.» — все участники школ территории вместе. Жирным — низкий результат "
                f"(не менее {thr} %). «Нет данных» — результата нет: это не 0 %."
           + (f" Без результатов за эти годы: {', '.join(empty)}." if empty else ""))
    if charts:
        chart = trends_chart(b.page, b.list_year)
        if chart is not None:
            D.image(doc, D.chart_png(chart, scale=2.0), width_cm=CONTENT_CM - 0.5,
                    caption=f"Сплошная линия — школа, пунктир — территория; чёрный пунктир — порог {thr} %. "
                            "Разрыв линии — нет данных.")


def _exit_head(condition: str) -> str:
    head = condition.split(": ", 1)[0]
    return head if head.endswith(".") else head + "."


def _exit_section(doc, b: SchoolBrief, n: int) -> None:
    nxt = format_school_year(b.list_year + 1)
    if b.status == SHNOR:
        D.section_heading(doc, f"{n}. Что нужно, чтобы выйти из списка на {nxt}")
    elif b.status == RISK:
        D.section_heading(doc, f"{n}. Что поставит школу в список на {nxt}")
    else:
        D.section_heading(doc, f"{n}. Список на {nxt}")
        if b.status == NO_DATA:
            D.paragraph(doc, "Результатов процедур правила нет — оценить, что нужно для следующего списка, нельзя.")
        else:
            D.paragraph(doc, f"Школа не входит ни в список, ни в группу риска на {format_school_year(b.list_year)}.")
        return
    e = b.exit_rows
    if e.empty:
        D.paragraph(doc, f"Результатов {format_school_year(b.list_year - 1)} по процедурам правила нет: условие "
                         "рассчитать нельзя.")
        return
    D.paragraph(doc, _exit_head(str(e["condition"].iloc[0])))
    low_word = {True: "«2»", False: "ниже мин."}
    y1 = format_school_year(b.list_year - 1)
    frame = pd.DataFrame({
        "Процедура": list(e["procedure_name"]),
        "Участников": [fmt_int(v) for v in e["participants"]],
        f"Низкий результат в {y1}": [f"{fmt_int(k)} {low_word[str(p).startswith('VPR')]}"
                                     for k, p in zip(e["low_count"], e["procedure"])],
        "Не более": [fmt_int(v) for v in e["max_low_count"]],
        "Превышение": [fmt_int(v) if v else "—" for v in e["excess"]],
        "Условие": list(e["binding_ru"])})
    t = D.table(doc, frame, widths_cm=[4.3, 2.3, 2.8, 1.8, 2.4, 2.9], font_size=9,
                align=["left", "right", "right", "right", "right", "left"])
    _bold_cells(t, [(i, 4) for i, v in enumerate(e["excess"]) if v])
    over = e[e["excess"] > 0]
    if not over.empty and b.status == SHNOR:
        D.paragraph(doc, "Выше допустимого сейчас: " + "; ".join(
            f"{p} — на {fmt_int(x)} больше" for p, x in zip(over["procedure_name"], over["excess"])) + ".")
    D.note(doc, "«Не более» — наибольшее число участников с низким результатом, при котором результат не низкий, "
                "если число участников останется прежним.")


def _partner_section(doc, b: SchoolBrief, n: int) -> None:
    D.section_heading(doc, f"{n}. Школа-партнёр")
    pv = b.partner
    if pv is None or pv.partner is None:
        D.paragraph(doc, "Партнёр не назначен.")
        return
    p = pv.partner
    since = f", с {ri.fmt_date(p['since'])}" if p.get("since") else ""
    D.paragraph(doc, [("Партнёр: ", False), (D.clean_text(p["partner_name"]), True),
                      (f" ({D.clean_text(p['partner_territory'])}){since}.", False)])
    if p.get("reason"):
        D.paragraph(doc, f"Основание: {D.clean_text(p['reason'])}")
    if not pv.may_read_partner:
        D.note(doc, "Партнёр — из другой территории: его результаты видны пользователям этой территории.")
        return
    t = pv.table
    if t.empty:
        D.paragraph(doc, "Результатов процедур правила у школы и партнёра нет (нет данных).")
        return
    years = sorted(y for y in set(t["Учебный год"]) if y <= format_school_year(b.list_year - 1))
    if not years:
        D.paragraph(doc, "Результатов процедур правила у школы и партнёра за годы списка нет (нет данных).")
        return
    t = t[t["Учебный год"] == years[-1]]
    D.paragraph(doc, f"Результаты {years[-1]} (доля «2» / ниже минимума):")
    D.table(doc, pd.DataFrame({"Процедура": list(t["Процедура"]), "Эта школа": list(t[rs.SCHOOL_SERIES]),
                               "Партнёр": list(t[rs.PARTNER_SERIES])}),
            widths_cm=[5.5, 5.5, 5.5], font_size=9, align=["left", "left", "left"])


def _measures_section(doc, b: SchoolBrief, n: int) -> None:
    D.section_heading(doc, f"{n}. Мероприятия дорожной карты")
    m = b.measures
    if m.empty:
        D.paragraph(doc, "Мероприятий, которые касаются школы, нет.")
        return
    p = rm.progress(m)
    D.paragraph(doc, f"Мероприятий: {fmt_int(p.total)}; выполнено {fmt_int(p.done)} из {fmt_int(p.total - p.cancelled)}, "
                     f"в работе {fmt_int(p.in_progress)}, просрочено {fmt_int(p.overdue)}.")
    frame = pd.DataFrame({"№": m["number"].fillna(""), "Мероприятие": m["text"].fillna(""),
                          "Срок": m["deadline_text"].fillna(""),
                          "Состояние": [s + (f"; {f}" if f else "") for s, f in zip(m["status_ru"], m["flag_ru"])]})
    D.table(doc, frame, widths_cm=[1.2, 8.8, 3.0, 3.5], font_size=9, max_rows=MEASURE_ROWS,
            align=["left", "left", "left", "left"])


def _risk_section(doc, b: SchoolBrief, n: int) -> None:
    D.section_heading(doc, f"{n}. Рисковый профиль")
    prof = b.profile
    if prof is None:
        return
    D.paragraph(doc, prof.sentence_ru())
    t = prof.table[prof.table["level"].notna()]
    if t.empty:
        return
    order = {risks.HIGH: 0, risks.MEDIUM: 1, risks.LOW: 2}
    t = t.assign(_o=[order.get(x, 3) for x in t["level"]]).sort_values(["_o", "factor"])
    D.table(doc, pd.DataFrame({"Фактор риска": list(t["name"]), "Уровень": [risks.LEVEL_RU[x] for x in t["level"]],
                               "Измеренные значения": [x or "—" for x in t["measured_ru"]]}),
            widths_cm=[7.5, 2.5, 6.5], font_size=9, align=["left", "left", "left"])


def _analyses_section(doc, b: SchoolBrief, n: int) -> None:
    y = format_school_year(b.task_year)
    D.section_heading(doc, f"{n}. Анализ результатов ВПР {y}")
    D.section_heading(doc, "Объективность: сравнение с отметками по журналу", level=2)
    o = b.objectivity
    if o.empty:
        D.paragraph(doc, f"Сравнения отметок ВПР с журналом за {y} нет (нет данных).")
    else:
        D.table(doc, pd.DataFrame({
            "Работа": list(o["name"]), "Сравнено": [fmt_int(v) for v in o["compared"]],
            "Подтвердили или повысили": [fmt_pct(v) if v is not None and not pd.isna(v) else "—" for v in o["share"]],
            "То же по территории": [fmt_pct(v) if v is not None and not pd.isna(v) else "—"
                                    for v in o["territory_share"]],
            "«2» по ВПР (терр.)": [f"{fmt_pct(a) if not pd.isna(a) else '—'} ({fmt_pct(c) if not pd.isna(c) else '—'})"
                                   for a, c in zip(o["low_share"], o["territory_low_share"])],
            "Флаг": ["возможна необъективность" if f else "нет" for f in o["flag"]]}),
            widths_cm=[4.2, 2.0, 2.6, 2.6, 2.8, 2.3], font_size=9,
            align=["left", "right", "right", "right", "right", "left"])
        flagged = o[o["flag"].astype(bool)]
        for r in flagged.itertuples(index=False):
            D.paragraph(doc, f"{r.name}: {D.clean_text(r.reason)}" + (f" История: {D.clean_text(r.history_ru)}."
                                                                     if isinstance(r.history_ru, str) else ""),
                        size=11)
        D.note(doc, obj.CRITERION_RU)
    D.section_heading(doc, "Задания, выполненные хуже всего", level=2)
    works = {p: t for p, t in b.tasks.items() if not t.empty}
    if not works:
        D.paragraph(doc, f"Баллов по заданиям за {y} нет (нет данных).")
        return
    rows = [{"Работа": str(t["name"].iloc[0]),
             "Хуже всего выполнены (школа; территория; регион)": "\n".join(
                 f"№ {D.clean_text(r.task)} — {_pp(r.school_pct)}; {_pp(r.territory_pct)}; {_pp(r.region_pct)}"
                 for r in t.itertuples(index=False))} for t in works.values()]
    D.table(doc, pd.DataFrame(rows), widths_cm=[5.0, 11.5], font_size=9, align=["left", "left"])
    D.note(doc, f"Выполнение задания — средний балл участников в процентах от максимального; по {WEAK_TASKS} "
                "задания с наименьшим выполнением в каждой работе.")


def _pp(v) -> str:
    return "—" if v is None or pd.isna(v) else f"{fmt_num(float(v))} %"


def _interviews_section(doc, b: SchoolBrief, n: int) -> None:
    D.section_heading(doc, f"{n}. Прежние собеседования")
    lst = b.interviews
    if lst is None or not len(lst):
        D.paragraph(doc, "Записей собеседований нет.")
        return
    for r in lst.records[:PAST_INTERVIEWS]:
        # typed text (it may hold line breaks): left-aligned, a justified line before a break would be stretched
        D.paragraph(doc, [(f"{r.held_on_ru}. ", True), (f"Выявлено: {r.findings}", False)], size=12, align="left")
        if r.decisions:
            D.paragraph(doc, f"Решения: {r.decisions}", size=12, align="left")
        if r.follow_up:
            D.paragraph(doc, f"Последующие меры: {r.follow_up}", size=12, align="left")
        if r.measures:
            D.paragraph(doc, "Мероприятия дорожной карты: " + "; ".join(r.measures), size=12, align="left")
    if len(lst) > PAST_INTERVIEWS:
        D.note(doc, f"Показаны последние {PAST_INTERVIEWS} из {len(lst)}; все — на странице школы.")


def write_brief(doc, b: SchoolBrief, *, today: dt.date, charts: bool = True, heading: bool = True,
                department: str = D.DEFAULT_DEPARTMENT) -> None:
    """One school's справка into `doc` (from its title on)."""
    if heading:
        D.heading_block(doc, department, subordinate=b.page.school.get("territory") or "")
    D.title(doc, "СПРАВКА к собеседованию с руководителем", b.name)
    D.date_line(doc, today, place=f"Список на {format_school_year(b.list_year)}")
    D.section_heading(doc, "1. Сведения о школе")
    lines = _card_lines(b)
    D.table(doc, pd.DataFrame({"Сведения": [k for k, _ in lines], "Значение": [v for _, v in lines]}),
            widths_cm=[6.0, 10.5], font_size=10, align=["left", "left"])
    _status_section(doc, b, 2)
    _results_section(doc, b, 3, charts)
    _exit_section(doc, b, 4)
    _partner_section(doc, b, 5)
    _measures_section(doc, b, 6)
    _risk_section(doc, b, 7)
    _analyses_section(doc, b, 8)
    _interviews_section(doc, b, 9)


# ---------------------------------------------------------------------------------------------
# The documents
# ---------------------------------------------------------------------------------------------
def _letterhead(store: Store, kind: str) -> bytes | None:
    repo = getattr(store, "templates", None)
    t = repo.for_kind(kind) if repo is not None else None
    return None if t is None else t.content


def _department(store: Store) -> str:
    """The department's name for the heading (the setting the analytic справка reads too)."""
    return D.clean_text(store.settings.get(DEPARTMENT_KEY)) or D.DEFAULT_DEPARTMENT


def _record(store: Store, user: User, kind: str, out: Path, **detail) -> None:
    with store.unit(user) as u:
        u.record(events.REPORT_WRITTEN, kind=kind, file=out.name, **detail)


def write_school_spravka(store: Store, user: User, list_year: int, school_id: int, out_path, *,
                         today: dt.date | None = None, charts: bool = True) -> WrittenDoc:
    """One school's справка for an interview with its head (the list of `list_year`)."""
    started = time.monotonic()
    shared = _Shared(store, user, int(list_year), load_rule_settings(store))
    b = school_brief(shared, int(school_id))
    doc = D.new_document(_letterhead(store, KIND_SCHOOL), title=f"Справка: {b.name}")
    write_brief(doc, b, today=today or dt.date.today(), charts=charts, department=_department(store))
    _closing(doc, user, today)
    out = D.save_document(doc, out_path)
    _record(store, user, "school_spravka", out, school_id=int(school_id), list_year=int(list_year))
    return WrittenDoc(out, "school_spravka", f"Справка: {b.name}", [int(school_id)], time.monotonic() - started)


def _closing(doc, user: User, today: dt.date | None) -> None:
    D.note(doc, f"Сформировано {ri.fmt_date(today or dt.date.today())} по данным мониторинга ШНОР "
                f"(пользователь: {D.clean_text(user.name)}).")


def pack_schools(store: Store, user: User, list_year: int, territory_id: int | None,
                 school_ids: list[int] | None, settings: RuleSettings | None = None) -> tuple[int | None, pd.DataFrame]:
    """(the territory read, the pack's schools in the list's order: id, short_name, territory, status_ru, criteria).
    None: every ШНОР of the list in the territory (None: all the user may see)."""
    tid = territory_id if territory_id is not None else user.territory_id
    require(user, Action.REPORTS, tid)
    lst = compute_list(store, int(list_year), tid, settings or load_rule_settings(store))
    t = lst.table.sort_values(["territory", "short_name"], kind="stable")
    if school_ids is None:
        chosen = t[t["status"] == SHNOR]
    else:
        wanted = [int(i) for i in dict.fromkeys(school_ids)]
        missing = [i for i in wanted if i not in set(int(x) for x in t["id"])]
        if missing:
            for i in missing:
                require_school(store, user, Action.REPORTS, i)
            raise DocumentError(f"Школа № {missing[0]} не входит в расчёт списка на {format_school_year(int(list_year))} "
                                f"этой территории (другая территория или школа не действовала).")
        chosen = t[t["id"].isin(wanted)]
    out = chosen[["id", "short_name", "territory", "status", "criteria"]].reset_index(drop=True)
    out["status_ru"] = [STATUS_RU.get(s, "—") for s in out["status"]]
    return tid, out


def write_interview_pack(store: Store, user: User, list_year: int, territory_id: int | None,
                         school_ids: list[int] | None, out_path, *, today: dt.date | None = None,
                         charts: bool = True) -> WrittenDoc:
    """The справки of every ШНОР of the list in a territory (or of the schools chosen) as one document: a cover page
    listing them, then each school from a new page."""
    started = time.monotonic()
    settings = load_rule_settings(store)
    tid, schools = pack_schools(store, user, int(list_year), territory_id, school_ids, settings)
    today = today or dt.date.today()
    shared = _Shared(store, user, int(list_year), settings)
    shared._lists[tid] = compute_list(store, int(list_year), tid, settings)
    region = store.territories.root_id()
    where = store.territories.name(tid if tid is not None else region) if (tid or region) is not None else None
    where = D.clean_text(where) or "весь регион"
    year = format_school_year(int(list_year))
    doc = D.new_document(_letterhead(store, KIND_SCHOOL), title=f"Справки к собеседованиям: {where}, {year}")
    D.heading_block(doc, _department(store), subordinate=where or "")
    D.title(doc, "СПРАВКИ к собеседованиям с руководителями школ",
            f"{where} · список на {year} ({years_span(int(list_year))})")
    D.date_line(doc, today)
    n = len(schools)
    what = "ШНОР списка" if school_ids is None else "выбранные школы"
    D.paragraph(doc, f"В пакете {fmt_int(n)} {plural(n, 'справка', 'справки', 'справок')}: {what}, каждая с новой "
                     "страницы.")
    if n:
        D.table(doc, pd.DataFrame({"№": [str(i + 1) for i in range(n)], "Школа": list(schools["short_name"]),
                                   "Территория": list(schools["territory"]), "Статус": list(schools["status_ru"]),
                                   "Критерии": [c if isinstance(c, str) and c else "—" for c in schools["criteria"]]}),
                widths_cm=[1.0, 6.2, 5.0, 2.1, 2.2], font_size=10, align=["right", "left", "left", "left", "center"])
    _closing(doc, user, today)
    for sid in schools["id"]:
        b = school_brief(shared, int(sid), scope=tid)
        D.page_break(doc)
        write_brief(doc, b, today=today, charts=charts, heading=False)
    out = D.save_document(doc, out_path)
    ids = [int(i) for i in schools["id"]]
    _record(store, user, "interview_pack", out, territory_id=tid, list_year=int(list_year), schools=len(ids))
    return WrittenDoc(out, "interview_pack", f"Справки к собеседованиям: {where}, {year}", ids,
                      time.monotonic() - started)


def write_interview_record(store: Store, user: User, interview_id: int, out_path, *,
                           today: dt.date | None = None) -> WrittenDoc:
    """One interview record as a printable page with signature lines."""
    rec = ri.interview(store, user, int(interview_id))
    if rec is None:
        raise DocumentError(f"Запись собеседования № {interview_id} не найдена.")
    require_school(store, user, Action.REPORTS, rec.school_id)
    doc = D.new_document(_letterhead(store, KIND_INTERVIEWS), title=f"Собеседование: {rec.school_name}")
    D.heading_block(doc, _department(store), subordinate=rec.territory)
    D.title(doc, "ЗАПИСЬ СОБЕСЕДОВАНИЯ с руководителем школы", f"{rec.school_name}\n{rec.territory}")
    D.date_line(doc, rec.held_on)
    for label, text in rec.lines()[1:]:
        D.section_heading(doc, label, level=1)
        D.paragraph(doc, text, align="left", indent=False)       # typed text with its line breaks, not stretched
    D.note(doc, rec.trail_ru() + ".")
    D.signature(doc, "Провёл(а) собеседование")
    D.signature(doc, "Руководитель школы")
    out = D.save_document(doc, out_path)
    _record(store, user, "interview_record", out, interview_id=int(interview_id), school_id=rec.school_id)
    return WrittenDoc(out, "interview_record", f"Собеседование: {rec.school_name}", [rec.school_id])
