"""The «аналитическая справка» in Word for a list year and a territory (None: the whole region).

    info = write_spravka(store, user, list_year=2024, territory_id=None, out_path="справка.docx")
    info.share, info.gap, info.conclusions, info.seconds

`list_year` is the year the list is formed for (as `python -m shnor identify --year`): the справка for 2022/2023
speaks of the list formed for 2022/2023 from the results of 2021/2022 (and 2020/2021).

Every figure comes from the dashboard's read models, never from a second computation: the Overview's
`build_overview` (share, target, gap, trend, territories, procedures, risk group, changes with reasons, coverage,
counts) with the stored rule settings, exactly as pages/overview.py calls it; the Overview's «Требует внимания»
(`shnor/read/attention.py`: overdue measures, indicators off target, the risks most common among ШНОР) and the
roadmap's `progress`; the estimate of `shnor/read/analyses.py forecast_share` (stated as an estimate). The charts
are drawn from the same frames, with the dashboard's wording and colours, as PNG pictures (vl-convert, Russian
number format). The conclusions are sentences of the catalogue shnor/domain/conclusions.py, each written when its
condition holds.

The document is written on the department's own letterhead when an admin uploaded one (kind "spravka", else
"default": shnor/services/templates.py), otherwise on the built-in A4 one with the department's name from the
settings. Settings read (all optional): "department_name" (default «Управление образования»),
"department_head_position" (default «Начальник управления»), "department_head_name" (default: a line to fill in).

Permission: Action.REPORTS within the territory. The writing is recorded as events.REPORT_WRITTEN (it changes no
data). Texts from data (school and territory names, reasons) are written as plain text.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import altair as alt
import pandas as pd

from shnor.domain import events
from shnor.domain import conclusions as cc
from shnor.domain import procedures as procs_
from shnor.domain.fmt import fmt_int, fmt_pct, plural
from shnor.domain.permissions import Action, User, require
from shnor.domain.rule import RuleSettings
from shnor.domain.years import format_school_year as sy
from shnor.read import roadmap as rm
from shnor.read.analysis import load_rule_settings
from shnor.read.attention import Attention, _in_territory, attention
from shnor.read.overview import OverviewData, build_overview, fmt_target, years_span
from shnor.reports import docx_base as d

KIND = "spravka"
DEPARTMENT_KEY, POSITION_KEY, HEAD_KEY = "department_name", "department_head_position", "department_head_name"
INLINE_ROWS = 15            # a longer list of schools goes to an appendix, the body names how many
# the dashboard's colours (shnor/ui/charts.py, Okabe–Ito)
BLUE, ORANGE, VERMILION, GREY = "#0072B2", "#E69F00", "#D55E00", "#7F7F7F"
CHART_WIDTH_PX = 520        # drawn 16 cm wide: the fonts print at about 10 pt


@dataclass
class SpravkaInfo:
    """What was written and the figures used (the dashboard's own)."""
    path: Path
    list_year: int
    territory_id: int | None
    territory_name: str
    schools: int
    shnor: int
    share: float | None
    target: float | None
    allowed: int | None
    gap: int | None
    withheld: str | None
    risk_group: int
    no_data: int
    entered: list[str] = field(default_factory=list)      # names of the schools that entered the list
    left: list[str] = field(default_factory=list)
    territories: list[str] = field(default_factory=list)  # the compared territories, in the table's order
    conclusions: list[str] = field(default_factory=list)
    letterhead: str | None = None                          # the uploaded letterhead's file name, None: built-in
    charts: int = 0
    seconds: float = 0.0
    sha256: str = ""
    figures: cc.Figures | None = None                      # what the conclusions were written from


# ---------------------------------------------------------------------------------------------------------------
# names and figures
def territory_title(store, territory_id: int | None) -> str:
    return store.territories.title(territory_id)


def _previous(ov: OverviewData) -> tuple[str, float | None, int | None, int | None]:
    """The trend's point for the results year before the list's: its state, share and coverage."""
    t = ov.trend
    prev = t[t["year"] == ov.list_year - 2] if not t.empty else t
    if prev.empty:
        return cc.PREV_ABSENT, None, None, None
    r = prev.iloc[0]
    with_data = int(r["with_data"]) if "with_data" in r.index and not pd.isna(r["with_data"]) else None
    schools = int(r["schools"])
    if r["share"] is None or pd.isna(r["share"]):
        return cc.PREV_NO_RESULTS, None, with_data, schools
    if not bool(r["sufficient"]):
        return cc.PREV_FEW, float(r["share"]), with_data, schools
    return cc.PREV_OK, float(r["share"]), with_data, schools


def figures_of(ov: OverviewData, a: Attention | None = None, progress: rm.Progress | None = None) -> cc.Figures:
    """The conclusions' input, read off the Overview's data (and its «Требует внимания»)."""
    f = ov.figures
    state, prev_share, prev_with, prev_schools = _previous(ov)
    ch = ov.changes
    procs = ov.procedures[ov.procedures["schools"] > 0] if not ov.procedures.empty else ov.procedures
    top_n = int(procs["schools"].iloc[0]) if not procs.empty else 0
    top = tuple(procs.loc[procs["schools"] == top_n, "name"]) if top_n else ()
    comp = ov.territories
    above = tuple((str(r.territory), int(r.gap)) for r in comp.itertuples(index=False)
                  if r.gap is not None and not pd.isna(r.gap) and int(r.gap) > 0)
    withheld_terr = int((~comp["sufficient"].astype(bool)).sum()) if not comp.empty else 0
    left_closed = int((ch.left["status_now"] == "не действовала").sum()) if not ch.left.empty else 0
    kw = {}
    if a is not None:
        kw = dict(measures_total=a.measures_total, measures_overdue=len(a.overdue), measures_due_soon=len(a.due_soon),
                  indicators_with_target=a.indicators_with_target,
                  indicators_off=tuple(str(s) for s in a.off_target["short"]) if not a.off_target.empty else ())
    if progress is not None:
        kw.update(measures_done=progress.done, measures_cancelled=progress.cancelled)
    return cc.Figures(
        list_year=ov.list_year, schools=f.schools, shnor=f.shnor, target=f.target, allowed=f.allowed, gap=f.gap,
        withheld=f.withheld, with_data=ov.coverage.with_data, previous_share=prev_share, previous_state=state,
        previous_with_data=prev_with, previous_schools=prev_schools,
        entered=len(ch.entered) if ch.previous_available else None, left=len(ch.left), left_closed=left_closed,
        stayed=len(ch.stayed), top_procedures=top, top_procedure_schools=top_n, risk_group=len(ov.risk),
        no_data=len(ov.no_data), territories_compared=len(comp), above_target=above,
        territories_withheld=withheld_terr, empty_territories=tuple(ov.empty_territories), **kw)


# ---------------------------------------------------------------------------------------------------------------
# charts: the dashboard's (shnor/ui/views.py) drawn again for paper — the same frames, static, no tooltips
def _finish(chart, title: str | list[str], subtitle: str | list[str] = "", height: int = 220):
    t = alt.TitleParams(text=title, subtitle=subtitle or alt.Undefined, fontSize=16, anchor="start",
                        subtitleFontSize=13, subtitleColor="#444", font="Liberation Sans")
    return chart.properties(width=CHART_WIDTH_PX, height=height, title=t).configure(
        font="Liberation Sans").configure_axis(labelFontSize=13, titleFontSize=13, labelLimit=320).configure_legend(
        labelFontSize=13, orient="bottom").configure_view(strokeWidth=0)


def _title_lines(text: str, width: int = 70) -> str | list[str]:
    """A long message in lines, broken at « — » (the dashboard's titles are written that way)."""
    lines, rest = [], text
    while len(rest) > width and " — " in rest:
        cut = rest.rfind(" — ", 0, width)
        cut = cut if cut > 0 else rest.find(" — ")
        lines.append(rest[:cut])
        rest = rest[cut + 3:]
    return lines + [rest] if lines else text


def trend_chart(trend: pd.DataFrame, message: str):
    """The share of ШНОР by results year (solid, labelled) and the target (dashed) — the Overview's trend."""
    rows = []
    for r in trend.itertuples(index=False):
        if r.share is not None and not pd.isna(r.share):
            rows.append({"year": r.year_label, "series": "Доля ШНОР", "value": float(r.share), "label": r.share_label,
                         "few": bool(getattr(r, "note", ""))})
        if r.target is not None and not pd.isna(r.target):
            rows.append({"year": r.year_label, "series": "Цель", "value": float(r.target),
                         "label": f"цель {r.target_label}", "few": False})
    data = pd.DataFrame(rows, columns=["year", "series", "value", "label", "few"])
    order = list(trend["year_label"])
    x = alt.X("year:O", sort=order, title="Учебный год, по результатам которого сформирован список",
              axis=alt.Axis(labelAngle=0))
    top = max(0.05, float(data["value"].max()) if not data.empty else 0.05) * 1.3
    y = alt.Y("value:Q", title="Доля школ", axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, top], nice=True))
    dom = ["Доля ШНОР", "Цель"]
    base = alt.Chart(data)
    lines = base.mark_line(strokeWidth=3, point=alt.OverlayMarkDef(size=80, filled=True)).encode(
        x=x, y=y, color=alt.Color("series:N", title=None, scale=alt.Scale(domain=dom, range=[VERMILION, "#333333"])),
        strokeDash=alt.StrokeDash("series:N", title=None, scale=alt.Scale(domain=dom, range=[[1, 0], [7, 5]])),
        shape=alt.Shape("series:N", title=None, scale=alt.Scale(domain=dom, range=["circle", "diamond"])))
    labels = base.transform_filter(alt.datum.series == "Доля ШНОР").mark_text(
        dy=-14, fontSize=13, fontWeight="bold", color=VERMILION).encode(x=x, y="value:Q", text="label:N")
    tlabels = base.transform_filter(alt.datum.series == "Цель").mark_text(
        dy=15, fontSize=12, color="#333333").encode(x=x, y="value:Q", text="label:N")
    hollow = base.transform_filter((alt.datum.series == "Доля ШНОР") & alt.datum.few).mark_point(
        filled=True, color="white", size=24, opacity=1).encode(x=x, y="value:Q")
    sub = ["Сплошная линия — доля ШНОР от всех школ территории, пунктир — цель"]
    if data["few"].any():
        sub.append("Полый кружок — данных мало, вывода о цели за этот год нет")
    return _finish(alt.layer(lines, labels, tlabels, hollow), _title_lines(message, 60), sub, height=230)


def _territory_label(r) -> str:
    head = f"{fmt_pct(r.share)} ({fmt_int(r.shnor)} из {fmt_int(r.schools)})"
    if r.sufficient is not None and not pd.isna(r.sufficient) and not bool(r.sufficient):
        return head + f" · нет вывода: результаты у {fmt_int(int(r.with_data))} из {fmt_int(r.schools)}"
    if r.gap is None or pd.isna(r.gap):
        return head
    return head + (" · цель достигнута" if int(r.gap) == 0 else f" · на {fmt_int(int(r.gap))} ШНОР больше цели")


def territories_chart(comp: pd.DataFrame, list_year: int):
    """Territories side by side: share (bar, coloured by the verdict) and own target (black tick), labelled."""
    dd = comp.copy()
    dd["state"] = ["нет вывода: данных мало" if not bool(ok) else "цель не задана" if m is None or pd.isna(m)
                   else ("цель достигнута" if m else "выше цели") for m, ok in zip(dd["met"], dd["sufficient"])]
    dd["label"] = [_territory_label(r) for r in dd.itertuples(index=False)]
    dd["label_x"] = [max(0.0 if s is None or pd.isna(s) else float(s), 0.0 if t is None or pd.isna(t) else float(t))
                     for s, t in zip(dd["share"], dd["target"])]
    top = min(1.0, 2.1 * max(float(dd["label_x"].max()) if len(dd) else 0.0, 0.05))
    order = list(dd["territory"])
    states = ["выше цели", "цель достигнута", "нет вывода: данных мало", "цель не задана"]
    y = alt.Y("territory:N", sort=order, title=None, axis=alt.Axis(labelLimit=320))
    bars = alt.Chart(dd).mark_bar(height={"band": 0.7}).encode(
        y=y, x=alt.X("share:Q", title="Доля ШНОР", axis=alt.Axis(format=".0%"),
                     scale=alt.Scale(domain=[0, top], nice=False, clamp=True)),
        color=alt.Color("state:N", title=None, scale=alt.Scale(domain=states, range=[VERMILION, BLUE, "#BBBBBB",
                                                                                     GREY])))
    ticks = alt.Chart(dd[dd["target"].notna()]).mark_tick(color="black", thickness=3, size=20).encode(
        y=y, x="target:Q")
    text = alt.Chart(dd).mark_text(align="left", dx=6, fontSize=12).encode(y=y, x="label_x:Q", text="label:N")
    above = int((dd["state"] == "выше цели").sum())
    n = len(dd)
    title = (f"Выше цели — {above} из {n} {plural(n, 'территории', 'территорий', 'территорий')}"
             if dd["target"].notna().any() else "Доля ШНОР по территориям")
    return _finish(alt.layer(bars, ticks, text), title,
                   f"Список на {sy(list_year)}; чёрная черта — цель территории", height=max(60, 26 * n))


def procedures_chart(procs: pd.DataFrame, shnor_total: int):
    """How many ШНОР have each procedure among the low results that put them on the list."""
    dd = procs[procs["schools"] > 0].copy()
    dd["label"] = [f"{fmt_int(n)} из {fmt_int(shnor_total)}" for n in dd["schools"]]
    top = dd.iloc[0]
    title = (f"Чаще всего низкие результаты ШНОР — {top['name']}: {fmt_int(int(top['schools']))} из "
             f"{fmt_int(shnor_total)}")
    y = alt.Y("name:N", sort=list(dd["name"]), title=None, axis=alt.Axis(labelLimit=260))
    bars = alt.Chart(dd).mark_bar(color=ORANGE, height={"band": 0.7}).encode(
        y=y, x=alt.X("schools:Q", title="Число ШНОР с низким результатом по процедуре",
                     axis=alt.Axis(format="d", tickMinStep=1),
                     scale=alt.Scale(domain=[0, max(1.0, 1.3 * float(dd["schools"].max()))])))
    text = alt.Chart(dd).mark_text(align="left", dx=5, fontSize=12).encode(y=y, x="schools:Q", text="label:N")
    return _finish(alt.layer(bars, text), _title_lines(title, 60),
                   "Школа считается по каждой процедуре, которая привела её в список", height=max(50, 24 * len(dd)))


# ---------------------------------------------------------------------------------------------------------------
# tables
def _figures_table(ov: OverviewData) -> pd.DataFrame:
    f, s = ov.figures, ov.statuses
    if f.withheld:
        gap = "нет вывода"
    elif f.gap is None:
        gap = "цель не задана"
    else:
        gap = f"на {fmt_int(f.gap)} ШНОР больше цели" if f.gap else "цель достигнута"
    rows = [
        ("Школ учитывается в списке (знаменатель доли)", fmt_int(f.schools)),
        ("ШНОР", fmt_int(f.shnor)),
        ("Доля ШНОР", fmt_pct(f.share)),
        (f"Цель на {sy(f.results_year)}", fmt_target(f.target) if f.target is not None else "не задана"),
        ("Допустимо ШНОР при цели", fmt_int(f.allowed) if f.allowed is not None else "—"),
        ("До цели", gap),
        ("Группа риска", fmt_int(s["группа риска"])),
        ("Без низких результатов", fmt_int(s["без низких результатов"])),
        ("Нет данных", fmt_int(s["нет данных"])),
        (f"Есть результаты за {sy(f.results_year)}",
         f"{fmt_int(ov.coverage.with_data)} из {fmt_int(ov.coverage.schools)}"
         + (f" ({fmt_pct(ov.coverage.share)})" if ov.coverage.share is not None else "")),
    ]
    return pd.DataFrame(rows, columns=["Показатель", "Значение"])


def _trend_table(trend: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Учебный год результатов": trend["year_label"],
        "Список на": [sy(int(y) + 1) for y in trend["year"]],
        "Школ": [fmt_int(n) for n in trend["schools"]],
        "ШНОР": [fmt_int(n) for n in trend["shnor"]],
        "Доля ШНОР": trend["share_label"],
        "Цель": trend["target_label"],
        "До цели": ["нет вывода" if not ok else "—" if g is None or pd.isna(g) else
                    ("достигнута" if int(g) == 0 else f"−{fmt_int(int(g))} ШНОР")
                    for g, ok in zip(trend["gap"], trend["sufficient"])],
    })


def _territories_table(comp: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Территория": comp["territory"],
        "Школ": [fmt_int(n) for n in comp["schools"]],
        "ШНОР": [fmt_int(n) for n in comp["shnor"]],
        "Доля ШНОР": [fmt_pct(s) for s in comp["share"]],
        "Цель": ["не задана" if t is None or pd.isna(t) else fmt_target(float(t)) for t in comp["target"]],
        "До цели": [f"нет вывода: результаты у {fmt_int(int(k))} из {fmt_int(int(n))}" if not bool(ok) else
                    "—" if g is None or pd.isna(g) else "достигнута" if int(g) == 0 else f"−{fmt_int(int(g))} ШНОР"
                    for g, ok, k, n in zip(comp["gap"], comp["sufficient"], comp["with_data"], comp["schools"])],
    })


def _procedures_table(procs: pd.DataFrame, list_year: int) -> pd.DataFrame:
    p = procs[procs["schools"] > 0]
    return pd.DataFrame({
        "Процедура": p["name"],
        "ШНОР с низким результатом": [fmt_int(n) for n in p["schools"]],
        f"в {sy(list_year - 1)}": [fmt_int(n) for n in p["schools_y1"]],
        f"в {sy(list_year - 2)}": [fmt_int(n) for n in p["schools_y2"]],
    })


def _schools_table(df: pd.DataFrame, with_status: bool = False, reasons_title: str = "Почему") -> pd.DataFrame:
    out = {"№": [str(i) for i in range(1, len(df) + 1)], "Школа": list(df["short_name"]),
           "Территория": list(df["territory"])}
    if with_status:
        out["Статус сейчас"] = list(df["status_now"])
    out[reasons_title] = list(df["reasons"]) if "reasons" in df else [""] * len(df)
    return pd.DataFrame(out)


# ---------------------------------------------------------------------------------------------------------------
# the document
class _Appendices:
    """Long lists go after the signature as «Приложение N»; the body names them."""

    def __init__(self):
        self.items: list[tuple[str, pd.DataFrame, list[float]]] = []

    def add(self, title: str, frame: pd.DataFrame, widths: list[float]) -> int:
        self.items.append((title, frame, widths))
        return len(self.items)


def _school_list(doc, apps: _Appendices, frame: pd.DataFrame, title: str, widths: list[float]) -> None:
    if len(frame) <= INLINE_ROWS:
        d.table(doc, frame, widths_cm=widths, font_size=10, align=["right"] + ["left"] * (len(frame.columns) - 1))
    else:
        n = apps.add(title, frame, widths)
        d.paragraph(doc, f"Перечень ({fmt_int(len(frame))}) — в приложении {n}.", indent=True)


def _rule_paragraph(settings: RuleSettings, list_year: int) -> list[str]:
    names = [procs_.name_ru(p) for p in settings.procedures]
    return [
        (f"Список школ с низкими образовательными результатами (ШНОР) на {sy(list_year)} учебный год сформирован "
         f"{years_span(list_year)} учебных годов. Низким считается результат оценочной процедуры, при котором не менее "
         f"{settings.threshold_pct}\u00a0% участников получили отметку «2» (ВПР) или не преодолели минимальный порог "
         "(ОГЭ, ЕГЭ)."),
        (f"К ШНОР отнесены школы, у которых низкие результаты зафиксированы не менее чем по двум процедурам в "
         f"{sy(list_year - 1)} учебном году (критерий 1) или хотя бы по одной процедуре в каждом из двух "
         f"предыдущих учебных годов — {sy(list_year - 2)} и {sy(list_year - 1)} (критерий 2"
         + (", по одной и той же процедуре" if settings.variant == "same" else "") + ")."),
        "Анализ проводился по результатам следующих процедур: " + "; ".join(names) + ".",
    ]


def _measures_table(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "№": [str(x or "") for x in df["number"]],
        "Мероприятие": [str(t) for t in df["text"]],
        "Срок": [str(x or "") for x in df["deadline_text"]],
        "Ответственный": [str(x or "") for x in df["responsible"]],
    })


def write_spravka(store, user: User, list_year: int, territory_id: int | None, out_path,
                  today: date | None = None, *, with_forecast: bool = True) -> SpravkaInfo:
    """Write the справка for the list of `list_year` and a territory (None: the whole region) to `out_path`.
    `with_forecast=False` leaves out the estimate for the next year (about half the time on a region of 300
    schools); it is written only for the latest list anyway."""
    require(user, Action.REPORTS, territory_id)
    started = time.perf_counter()
    today = today or date.today()
    list_year = int(list_year)
    settings = load_rule_settings(store)
    ov = build_overview(store, list_year, territory_id, settings)        # as pages/overview.py
    place = territory_title(store, territory_id)
    a = attention(store, user, list_year, territory_id, today)
    measures = _in_territory(store, rm.measures(store, user, today), territory_id)
    prog = rm.progress(measures)
    fig = figures_of(ov, a, prog)
    said = cc.conclusions(fig)
    f = ov.figures

    template = store.templates.for_kind(KIND)
    doc = d.new_document(template.content if template else None,
                         title=f"Аналитическая справка: ШНОР на {sy(list_year)}, {place}")
    d.heading_block(doc, store.settings.get(DEPARTMENT_KEY) or d.DEFAULT_DEPARTMENT)
    d.title(doc, "АНАЛИТИЧЕСКАЯ СПРАВКА",
            f"о школах с низкими образовательными результатами (ШНОР)\nв списке на {sy(list_year)} учебный год\n"
            f"Территория: {place}")
    d.date_line(doc, today)
    apps = _Appendices()
    charts = 0

    # 1. the rule
    d.section_heading(doc, "1. Как сформирован список")
    for text in _rule_paragraph(settings, list_year):
        d.paragraph(doc, text)
    d.paragraph(doc, ov.counts.sentence_ru() + " " + ov.coverage.sentence_ru())

    if f.schools == 0 or ov.coverage.no_results:
        d.section_heading(doc, "2. Выводы")
        for c in said:
            d.paragraph(doc, c.text)
    else:
        # 2. the share against the target
        d.section_heading(doc, "2. Доля ШНОР и целевой показатель")
        for c in said[:2]:
            if c is said[0] or c.key == "verdict_withheld":
                d.paragraph(doc, c.text)
        d.table(doc, _figures_table(ov), widths_cm=[11.0, 5.5], font_size=11, align=["left", "right"])
        if not ov.trend.empty:
            d.image(doc, d.chart_png(trend_chart(ov.trend, ov.trend_message)), width_cm=16.0,
                    caption="Рисунок 1. Доля ШНОР по годам и цель")
            charts += 1
            d.table(doc, _trend_table(ov.trend), font_size=10,
                    align=["left", "left", "right", "right", "right", "right", "left"])

        # 3. changes of the list
        ch = ov.changes
        d.section_heading(doc, f"3. Изменения списка: {sy(list_year - 1)} → {sy(list_year)}")
        if not ch.previous_available:
            d.paragraph(doc, f"Списка на {sy(list_year - 1)} нет: за {sy(list_year - 2)} не загружено результатов. "
                             "Сравнивать не с чем.")
        else:
            d.paragraph(doc, next((c.text for c in said if c.key.startswith("changes")), ""))
            if not ch.entered.empty:
                d.section_heading(doc, f"Вошли в список ({fmt_int(len(ch.entered))})", level=2)
                _school_list(doc, apps, _schools_table(ch.entered, reasons_title="Почему вошла в список"),
                             f"Школы, вошедшие в список на {sy(list_year)}", [0.8, 4.2, 3.8, 7.7])
            if not ch.left.empty:
                d.section_heading(doc, f"Вышли из списка ({fmt_int(len(ch.left))})", level=2)
                _school_list(doc, apps, _schools_table(ch.left, with_status=True, reasons_title="Результаты сейчас"),
                             f"Школы, вышедшие из списка на {sy(list_year)}", [0.8, 3.8, 3.8, 2.6, 5.5])

        # 4. procedures
        d.section_heading(doc, "4. Какие процедуры приводят к низким результатам")
        procs = ov.procedures[ov.procedures["schools"] > 0] if not ov.procedures.empty else ov.procedures
        if f.shnor and not procs.empty:
            d.paragraph(doc, next((c.text for c in said if c.key == "top_procedure"), ""))
            d.image(doc, d.chart_png(procedures_chart(ov.procedures, f.shnor)), width_cm=16.0,
                    caption=f"Рисунок {charts + 1}. Процедуры с низкими результатами у ШНОР")
            charts += 1
            d.table(doc, _procedures_table(ov.procedures, list_year), font_size=10, widths_cm=[7.0, 3.5, 3.0, 3.0],
                    align=["left", "right", "right", "right"])
        else:
            d.paragraph(doc, "ШНОР в списке нет — процедур с низкими результатами, которые привели бы школу в список, нет.")

        # 5. territories
        n_sec = 5
        if len(ov.territories) > 1 or ov.empty_territories:
            d.section_heading(doc, f"{n_sec}. Сравнение территорий")
            n_sec += 1
            for c in said:
                if c.key.startswith("territories"):
                    d.paragraph(doc, c.text)
            if len(ov.territories) > 1:
                d.image(doc, d.chart_png(territories_chart(ov.territories, list_year)), width_cm=16.0,
                        caption=f"Рисунок {charts + 1}. Доля ШНОР по территориям и цели")
                charts += 1
                d.table(doc, _territories_table(ov.territories), font_size=10,
                        widths_cm=[5.2, 1.5, 1.6, 2.1, 1.6, 4.5],
                        align=["left", "right", "right", "right", "right", "left"])

        # 6. risk group
        d.section_heading(doc, f"{n_sec}. Группа риска")
        n_sec += 1
        d.paragraph(doc, next((c.text for c in said if c.key.startswith("risk_group")), ""))
        if not ov.risk.empty:
            _school_list(doc, apps, _schools_table(ov.risk), f"Школы группы риска в списке на {sy(list_year)}",
                         [0.8, 4.2, 3.8, 7.7])

        # 7. data gaps
        d.section_heading(doc, f"{n_sec}. Полнота данных")
        n_sec += 1
        cov = ov.coverage
        d.paragraph(doc, cov.sentence_ru() + (" " + f.withheld if f.withheld else ""))
        missing = cov.schools - cov.with_data
        if missing > 0:
            bound = (f.shnor + missing) / cov.schools
            d.paragraph(doc, f"У {cc.n_schools(missing, 'gen')} нет результатов за {sy(list_year - 1)}: ни по одному "
                             "критерию такие школы не могут попасть в список, поэтому при полных данных доля ШНОР "
                             f"могла бы быть выше — до {fmt_pct(bound)} (если бы все они оказались ШНОР).")
        for c in said:
            if c.key == "no_data_schools":
                d.paragraph(doc, c.text)
        if not ov.no_data.empty:
            nd = ov.no_data.assign(reasons="")
            _school_list(doc, apps, _schools_table(nd)[["№", "Школа", "Территория"]],
                         f"Школы без данных за {sy(list_year - 2)} и {sy(list_year - 1)}", [0.8, 9.0, 6.7])

        # 8. roadmap, indicators, risks — when there are data (the Overview's «Требует внимания»)
        if a.measures_total or a.indicators_with_target or a.risks.profiled_shnor:
            d.section_heading(doc, f"{n_sec}. Дорожная карта, показатели и риски")
            n_sec += 1
            for c in said:
                if c.key.startswith(("measures", "indicators")):
                    d.paragraph(doc, c.text)
            if not a.overdue.empty:
                d.section_heading(doc, f"Просроченные мероприятия ({fmt_int(len(a.overdue))})", level=2)
                d.table(doc, _measures_table(a.overdue), widths_cm=[1.2, 8.5, 3.0, 3.8], font_size=9, max_rows=20,
                        align=["left"] * 4)
            if not a.off_target.empty:
                d.section_heading(doc, "Показатели, не достигающие цели", level=2)
                d.table(doc, pd.DataFrame({"Показатель": list(a.off_target["name"]),
                                           "Значение": list(a.off_target["actual_label"]),
                                           "Цель": list(a.off_target["target_label"])}),
                        widths_cm=[10.5, 3.0, 3.0], font_size=10, align=["left", "right", "right"])
            if a.risks.profiled_shnor:
                d.paragraph(doc, a.risks.sentence_ru())
        # 9. the estimate for the next year (analyses' forecast), as an estimate
        forecast = _forecast(store, user, territory_id, settings, list_year) if with_forecast else ""
        if forecast:
            d.section_heading(doc, f"{n_sec}. Оценка по результатам {sy(list_year)} учебного года")
            n_sec += 1
            d.paragraph(doc, forecast, italic=True)

        # conclusions
        d.section_heading(doc, f"{n_sec}. Выводы")
        for i, c in enumerate(said, 1):
            d.paragraph(doc, f"{i}. {c.text}")
        if f.gap:
            d.paragraph(doc, f"Таким образом, для достижения целевого показателя {fmt_target(f.target)} из списка "
                             f"должны выйти не менее {cc.n_schools(f.gap, 'gen')}"
                             + (f"; в группе риска {cc.n_schools(len(ov.risk))}, которые могут войти в список"
                                if len(ov.risk) else "") + ".")

    d.signature(doc, store.settings.get(POSITION_KEY) or d.DEFAULT_POSITION, store.settings.get(HEAD_KEY) or "")
    for i, (title, frame, widths) in enumerate(apps.items, 1):
        d.page_break(doc)
        d.paragraph(doc, f"Приложение {i}", align="right", indent=False)
        d.title(doc, title)
        d.table(doc, frame, widths_cm=widths, font_size=10, align=["right"] + ["left"] * (len(frame.columns) - 1))

    out = Path(out_path)
    data = d.to_bytes(doc)
    digest = hashlib.sha256(data).hexdigest()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".tmp-{out.name}")
    tmp.write_bytes(data)
    tmp.replace(out)
    with store.unit(user) as u:
        u.record(events.REPORT_WRITTEN, kind=KIND, list_year=list_year, territory_id=territory_id, file=out.name,
                 sha256=digest, letterhead=template.file_name if template else None)
    return SpravkaInfo(
        path=out, list_year=list_year, territory_id=territory_id, territory_name=place, schools=f.schools,
        shnor=f.shnor, share=f.share, target=f.target, allowed=f.allowed, gap=f.gap, withheld=f.withheld,
        risk_group=len(ov.risk), no_data=len(ov.no_data), entered=[str(x) for x in ov.changes.entered["short_name"]],
        left=[str(x) for x in ov.changes.left["short_name"]], territories=[str(x) for x in ov.territories["territory"]],
        conclusions=[c.text for c in said], letterhead=template.file_name if template else None, charts=charts,
        seconds=time.perf_counter() - started, sha256=digest, figures=fig)


def _forecast(store, user: User, territory_id: int | None, settings: RuleSettings, list_year: int) -> str:
    """The estimate for the next year, when the list is the latest one (the next year's results are not in yet)."""
    years = store.results.years()
    if not years or list_year - 1 != max(years):
        return ""
    from shnor.read.analyses import forecast_share
    view = forecast_share(store, user, territory_id, settings, last_year=list_year - 1)
    return "" if view is None else view.sentence()
