"""The analyses (shnor/read/analyses.py) on screen: the tabs of the «Анализ результатов» page, their Altair charts,
and the school page's section. One call from pages/school.py:

    analysis_views.school_section(user, school_id, meeting_on)

Read models are cached on the acting user, the filters and the data version. Charts follow shnor/ui/charts.py: a
title that states the message, Russian numbers, Okabe–Ito colours with a shape or a label carrying the same
meaning. Names and other data go through md() inside Markdown, or into dataframes and charts (plain text there);
school names follow the meeting's «скрыть названия». Downloads: the view's `download()` frame as Excel
(shnor/reports/analyses_export.py), built only when the button is pressed.
"""
from __future__ import annotations

import math

import altair as alt
import pandas as pd
import streamlit as st

from shnor.domain import procedures
from shnor.domain.analyses import objectivity as obj
from shnor.domain.analyses import similar as sim
from shnor.domain.analyses.forecast import ESTIMATE_NOTE_RU
from shnor.domain.fmt import fmt_int, fmt_num, fmt_pct, plural
from shnor.domain.permissions import User
from shnor.domain.rule import RISK, SHNOR
from shnor.domain.years import format_school_year as sy
from shnor.read import analyses as an
from shnor.read.analysis import load_rule_settings, share_by_year
from shnor.read.overview import fmt_target, inherited_target
from shnor.reports.analyses_export import XLSX_MIME, analyses_xlsx
from shnor.ui import meeting
from shnor.ui.charts import BLUE, GREY, ORANGE, VERMILION, finish
from shnor.ui.db import data_version, get_store
from shnor.ui.safe import md

TTL = 900
ALL = ""                      # the procedure filter's value for every procedure
SCOPE = 0                     # a school picker's value for «all schools of the territory together»


# ---------------------------------------------------------------------------------------------
# Cached read models (keyed on the acting user, the filters and the data version)
# ---------------------------------------------------------------------------------------------
@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def _results_years(version: tuple) -> list[int]:
    return sorted(get_store().results.years(), reverse=True)


def results_years() -> list[int]:
    """Results years with data, newest first."""
    return _results_years(data_version())


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def _task_works(version: tuple) -> list[tuple[str, int]]:
    return get_store().analyses.task_years()


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def _rule_procedures(version: tuple) -> tuple[str, ...]:
    return tuple(load_rule_settings(get_store()).procedures)


def procedure_options() -> dict[str, str]:
    """The procedure filter: every procedure, the rule's procedures, then the other ВПР works with points per task."""
    version = data_version()
    codes = list(_rule_procedures(version))
    codes += sorted({p for p, _ in _task_works(version)} - set(codes))
    return {ALL: "Все процедуры"} | {c: procedures.name_ru(c) for c in codes}


def is_vpr(code: str | None) -> bool:
    p = procedures.CATALOGUE.get(code or "")
    return p is not None and p.kind == "VPR"


@st.cache_data(ttl=TTL, max_entries=16, show_spinner="Сравниваем отметки ВПР с журналом…")
def _objectivity(user: User, year: int, procedure: str | None, territory_id: int | None,
                 version: tuple) -> an.ObjectivityView:
    return an.objectivity(get_store(), user, year, procedure, territory_id)


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def _school_objectivity(user: User, school_id: int, version: tuple) -> an.ObjectivityView | None:
    return an.school_objectivity(get_store(), user, school_id)


@st.cache_data(ttl=TTL, max_entries=16, show_spinner="Считаем выполнение заданий…")
def _tasks(user: User, year: int, procedure: str | None, territory_id: int | None, version: tuple) -> an.TaskView:
    return an.task_analysis(get_store(), user, year, procedure, territory_id)


@st.cache_data(ttl=TTL, max_entries=16, show_spinner="Считаем, что нужно для выхода из списка…")
def _exit(user: User, list_year: int, territory_id: int | None, version: tuple,
          school_id: int | None = None) -> an.ExitView:
    return an.exit_distance(get_store(), user, list_year, territory_id, school_id=school_id)


@st.cache_data(ttl=TTL, max_entries=16, show_spinner="Подбираем похожие школы…")
def _similar(user: User, year: int, territory_id: int | None, procedure: str | None,
             version: tuple, school_id: int | None = None) -> an.SimilarView:
    return an.similar_schools(get_store(), user, year, territory_id, procedure, school_id=school_id)


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def _share_history(territory_id: int | None, version: tuple) -> pd.DataFrame:
    """The share of ШНОР by results year with the target that applies (own, parent's or the region's)."""
    store = get_store()
    h = share_by_year(store, territory_id)
    h["target"] = [inherited_target(store, territory_id, int(y)) for y in h["year"]]
    return h


@st.cache_data(ttl=TTL, max_entries=16, show_spinner="Считаем оценку на следующий год…")
def _forecast(user: User, territory_id: int | None, version: tuple) -> an.ForecastView | None:
    return an.forecast_share(get_store(), user, territory_id)


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------
def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


def pct(v, digits: int = 1) -> str:
    """A fraction as «12,5 %»; «—» when there is none."""
    return "—" if _missing(v) else fmt_pct(float(v), digits)


def pct100(v, digits: int = 1) -> str:
    """A percentage (0…100) as «12,5 %»; «—» when there is none."""
    return "—" if _missing(v) else fmt_pct(float(v) / 100, digits)


def prob(p) -> str:
    """A probability of an estimate: «> 99 %» and «< 1 %» rather than a certain-looking 100 % or 0 %."""
    if _missing(p):
        return "—"
    if p >= 0.995:
        return "> 99\u00a0%"
    if p < 0.005:
        return "< 1\u00a0%"
    return fmt_pct(float(p), 0)


def pp(v) -> str:
    """Percentage points with a sign: «+12,3 п. п.», «−4,0 п. п.»."""
    if _missing(v):
        return "—"
    v = float(v)
    sign = "+" if v > 0.05 else ("−" if v < -0.05 else "")
    return f"{sign}{fmt_num(abs(v), 1)} п. п."


def names(df: pd.DataFrame, name_col: str = "short_name", id_col: str = "school_id") -> list[str]:
    """School names as they may be shown now (neutral labels when names are hidden)."""
    return meeting.school_labels(df[name_col], [int(i) for i in df[id_col]])


def hidden_names(frame: pd.DataFrame, ids) -> pd.DataFrame:
    """A download's «Школа» as neutral labels and «Код ОО» hidden (names hidden in a meeting); `ids`: the rows'
    school ids, in order."""
    out = frame.copy()
    if "Школа" in out:
        out["Школа"] = [meeting.neutral_label(int(i)) for i in ids]
    if "Код ОО" in out:
        out["Код ОО"] = "скрыт"
    return out


def download(label: str, frame_of, ids_of, file_name: str, sheet: str, notes: list[str] | None, key: str,
             help: str | None = None) -> None:
    """An Excel download of a view's frame; the workbook is built when the button is pressed."""
    anon = meeting.is_anonymised()

    def build() -> bytes:
        frame = frame_of()
        return analyses_xlsx(hidden_names(frame, ids_of()) if anon else frame, sheet, notes)

    st.download_button(label, data=build, file_name=file_name, mime=XLSX_MIME, key=key,
                       icon=":material/download:", help=help)


def _open_school_button(school_id: int, key: str) -> None:
    if st.button("Открыть карточку школы", key=key, icon=":material/school:", type="tertiary"):
        st.switch_page("pages/school.py", query_params={"school": str(int(school_id))})


def _keep_choice(key: str, options: list) -> None:
    """Forget a picker's value that is no longer among its options (the filters changed)."""
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]


def _size(meeting_on: bool, normal: int) -> int:
    return int(normal * 1.35) if meeting_on else normal


def _fit_width(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


# ---------------------------------------------------------------------------------------------
# Charts
# ---------------------------------------------------------------------------------------------
FLAGGED, NOT_FLAGGED = "с флагом", "без флага"
LABELLED = 10          # flagged points named on the objectivity chart (the largest gaps); the rest by shape


def _place_labels(points: list[tuple[float, float, str]], x_dom: tuple[float, float], y_dom: tuple[float, float],
                  width: float, height: float, char_px: float) -> list[tuple[float, float, str, str]]:
    """Where to write each label (in order of importance) so that no two overlap: tries spots around its point
    and leaves out a label that fits nowhere. Positions are in data units, computed for a plot of about
    `width` × `height` px (a wider plot only spreads them further). Returns (x, y, align, text)."""
    (x0, x1), (y0, y1) = x_dom, y_dom
    sx, sy_ = width / (x1 - x0), height / (y1 - y0)
    spots = [(8, -9, "left"), (8, 11, "left"), (-8, -9, "right"), (-8, 11, "right"),
             (8, -24, "left"), (-8, -24, "right"), (8, 26, "left"), (-8, 26, "right")]
    boxes: list[tuple[float, float, float, float]] = []
    out = []
    for x, y, text in points:
        px, py = (x - x0) * sx, (y1 - y) * sy_
        w = char_px * len(text)
        for dx, dy, align in spots:
            left = px + dx if align == "left" else px + dx - w
            box = (left, py + dy - 8, left + w, py + dy + 8)
            if box[0] < 0 or box[2] > width or box[1] < 0 or box[3] > height:
                continue
            if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes):
                continue
            boxes.append(box)
            out.append((x0 + (px + dx) / sx, y1 - (py + dy) / sy_, align, text))
            break
    return out


def objectivity_chart(table: pd.DataFrame, meeting_on: bool = False) -> alt.TopLevelMixin | None:
    """Each school's work: the share of pupils whose ВПР mark confirmed or raised the journal's (y) against its
    territory's (x). Flagged points: vermilion triangles, the largest gaps named where their names fit; the
    others grey circles. Lines: «как по территории» (y = x), «на 15 п. п. выше» and the criterion's 90 %."""
    d = table[table["share"].notna() & table["territory_share"].notna()].copy()
    if d.empty:
        return None
    d["x"], d["y"] = d["territory_share"].astype(float), d["share"].astype(float)
    d["state"] = [FLAGGED if bool(f) else NOT_FLAGGED for f in d["flag"]]
    d["name"] = names(d)
    d["name_ru"] = [procedures.name_ru(p) for p in d["procedure"]]
    d["work"] = [procedures.CATALOGUE[p].short_ru if p in procedures.CATALOGUE else p for p in d["procedure"]]
    d["tip_share"] = [f"{pct(s)} ({fmt_int(c)} из {fmt_int(n)})" for s, c, n in zip(d["share"], d["confirmed"], d["compared"])]
    d["tip_terr"] = [pct(v) for v in d["territory_share"]]
    d["tip_low"] = [pct(v) for v in d["low_share"]]
    x_dom = (max(0.0, math.floor(d["x"].min() * 20) / 20 - 0.05), min(1.0, math.ceil(d["x"].max() * 20) / 20 + 0.05))
    y_dom = (max(0.0, math.floor(d["y"].min() * 10) / 10 - 0.05), 1.0)
    h = _size(meeting_on, 420)
    fs = _size(meeting_on, 12)
    flagged = d[d["state"] == FLAGGED].sort_values("gap_pp", ascending=False)
    many_works = d["procedure"].nunique() > 1
    wanted = [(float(r.x), float(r.y), f"{r.name} ({r.work})" if many_works else r.name)
              for r in flagged.head(LABELLED).itertuples(index=False)]
    placed = _place_labels(wanted, x_dom, y_dom, 800, h, fs * 0.58)
    labels = pd.DataFrame(placed, columns=["x", "y", "align", "text"])
    xs = alt.Scale(domain=list(x_dom), nice=False)
    ys = alt.Scale(domain=list(y_dom), nice=False)
    x = alt.X("x:Q", title="По территории: подтвердили или повысили", axis=alt.Axis(format=".0%"), scale=xs)
    y = alt.Y("y:Q", title="Школа: подтвердили или повысили", axis=alt.Axis(format=".0%"), scale=ys)
    tooltip = [alt.Tooltip("name:N", title="Школа"), alt.Tooltip("territory:N", title="Территория"),
               alt.Tooltip("name_ru:N", title="Работа"), alt.Tooltip("tip_share:N", title="Подтвердили или повысили"),
               alt.Tooltip("tip_terr:N", title="По территории"), alt.Tooltip("tip_low:N", title="«2» по ВПР"),
               alt.Tooltip("state:N", title="Флаг")]
    dom = [FLAGGED, NOT_FLAGGED]
    points = alt.Chart(d).mark_point(filled=True).encode(
        x=x, y=y,
        shape=alt.Shape("state:N", title=None, sort=dom, scale=alt.Scale(domain=dom, range=["triangle-up", "circle"])),
        color=alt.Color("state:N", title=None, sort=dom, scale=alt.Scale(domain=dom, range=[VERMILION, GREY])),
        size=alt.condition(alt.datum.state == FLAGGED, alt.value(_size(meeting_on, 120)), alt.value(_size(meeting_on, 28))),
        opacity=alt.condition(alt.datum.state == FLAGGED, alt.value(1.0), alt.value(0.4)),
        order=alt.Order("flag_order:Q"), tooltip=tooltip).transform_calculate(
        flag_order=f"datum.state == '{FLAGGED}' ? 1 : 0")
    layers = []
    gap = obj.MATCH_GAP_PP / 100
    for c, colour, text in ((0.0, "#555555", "как по территории"),
                            (gap, VERMILION, f"на {obj.MATCH_GAP_PP} п. п. выше территории")):
        a, b = max(x_dom[0], y_dom[0] - c), min(x_dom[1], y_dom[1] - c)
        if a >= b:
            continue
        line = pd.DataFrame({"x": [a, b], "y": [a + c, b + c]})
        layers.append(alt.Chart(line).mark_line(strokeDash=[6, 4], strokeWidth=1.5, color=colour, clip=True).encode(
            x=x, y=y))
        at = a + (b - a) * 0.03
        layers.append(alt.Chart(pd.DataFrame({"x": [at], "y": [at + c], "t": [text]})).mark_text(
            align="left", baseline="top", dx=6, dy=6, fontSize=fs - 1, color=colour).encode(x=x, y=y, text="t:N"))
    floor = pd.DataFrame({"y": [obj.MATCH_MIN_PCT / 100], "x": [x_dom[0]],
                          "t": [f"{obj.MATCH_MIN_PCT} % — нижняя граница для флага"]})
    layers.append(alt.Chart(floor).mark_rule(strokeDash=[2, 3], color=VERMILION, strokeWidth=1.5).encode(y=y))
    layers.append(alt.Chart(floor).mark_text(align="left", dx=4, dy=12, fontSize=fs - 1, color=VERMILION).encode(
        x=x, y=y, text="t:N"))
    layers.append(points)
    for align in ("left", "right"):
        part = labels[labels["align"] == align]
        if not part.empty:   # a white halo under the name keeps it readable over the points
            for halo in (True, False):
                layers.append(alt.Chart(part).mark_text(
                    align=align, baseline="middle", fontSize=fs, fontWeight="bold",
                    color="white" if halo else "#222222", stroke="white" if halo else alt.Undefined,
                    strokeWidth=4 if halo else 0).encode(x=x, y=y, text="text:N"))
    n, k = len(d), len(flagged)
    schools = flagged["school_id"].nunique()
    if k:
        title = (f"Флаг «возможна необъективность» — {fmt_int(k)} из {fmt_int(n)} "
                 f"{plural(n, 'результата', 'результатов', 'результатов')}, "
                 f"{fmt_int(schools)} {plural(schools, 'школа', 'школы', 'школ')}")
    else:
        title = f"Флагов нет — ни один из {fmt_int(n)} результатов не подходит под критерий"
    sub = ["Каждая точка — школа и работа ВПР: доля участников, чьи отметки ВПР подтвердили или повысили журнальные"]
    if k:
        sub.append("Красный треугольник — флаг" + (f"; подписаны {len(labels)} с наибольшим разрывом, остальные — в "
                                                   "таблице ниже" if len(labels) < k else "")
                   + "; серый кружок — без флага")
    chart = alt.layer(*layers).properties(width="container")
    return _fit_width(finish(chart, title, sub, meeting=meeting_on, height=420))


SERIES_STYLE = {    # a series of the dot charts: colour, shape
    "Школа": (VERMILION, "circle"), "Похожие школы": (ORANGE, "triangle-up"),
    "Территория": (BLUE, "square"), "Регион": (GREY, "diamond")}


def dot_chart(d: pd.DataFrame, order: list[str], series: list[str], title: str, subtitle, x_title: str,
              meeting_on: bool = False, label_series: str | None = None, x_max: float | None = None
              ) -> alt.TopLevelMixin:
    """Rows (`row`, in `order`) with a dot per series (`series`, `value` as a fraction, `text`) joined by a thin
    line; each series its own colour and shape; the values of `label_series` written right of the row."""
    fs = _size(meeting_on, 12)
    top = x_max if x_max is not None else min(1.0, max(0.1, float(d["value"].max()) * 1.25 + 0.02))
    y = alt.Y("row:N", sort=order, title=None, axis=alt.Axis(labelLimit=360, labelFontWeight="normal"))
    x = alt.X("value:Q", title=x_title, axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, top], nice=False))
    colours = [SERIES_STYLE[s][0] for s in series]
    shapes = [SERIES_STYLE[s][1] for s in series]
    base = alt.Chart(d)
    span = base.mark_rule(color="#BBBBBB", strokeWidth=2).encode(y=y, x="min(value):Q", x2="max(value):Q")
    dots = base.mark_point(filled=True, size=_size(meeting_on, 110), opacity=1).encode(
        y=y, x=x,
        color=alt.Color("series:N", title=None, sort=series, scale=alt.Scale(domain=series, range=colours)),
        shape=alt.Shape("series:N", title=None, sort=series, scale=alt.Scale(domain=series, range=shapes)),
        tooltip=[alt.Tooltip("row:N", title=" "), alt.Tooltip("series:N", title="Ряд"),
                 alt.Tooltip("text:N", title="Значение")])
    layers = [span, dots]
    if label_series:
        ends = d.groupby("row", sort=False)["value"].max().rename("end").reset_index()
        lab = d[d["series"] == label_series].merge(ends, on="row")
        layers.append(alt.Chart(lab).mark_text(align="left", dx=10, fontSize=fs, fontWeight="bold",
                                               color=SERIES_STYLE[label_series][0]).encode(
            y=y, x=alt.X("end:Q", scale=alt.Scale(domain=[0, top], nice=False)), text="text:N"))
    chart = alt.layer(*layers).properties(width="container")
    return _fit_width(finish(chart, title, subtitle, meeting=meeting_on, height=max(90, 30 * len(order))))


def _long(rows: pd.DataFrame, row_col: str, columns: dict[str, str], fmt) -> pd.DataFrame:
    """Wide rows (one per chart row) to the dot chart's long form: row, series, value (fraction), text."""
    out = []
    for r in rows.itertuples(index=False):
        for col, series in columns.items():
            v = getattr(r, col)
            if not _missing(v):
                out.append({"row": getattr(r, row_col), "series": series, "value": float(v), "text": fmt(v)})
    return pd.DataFrame(out, columns=["row", "series", "value", "text"])


def _points(n: float | None) -> str:
    if _missing(n):
        return "макс. балл неизвестен"
    n = float(n)
    k = int(n) if n == int(n) else None
    if k is None:
        return f"{fmt_num(n, 1)} балла"
    return f"{k} {plural(k, 'балл', 'балла', 'баллов')}"


def tasks_chart(rows: pd.DataFrame, work: str, who: str | None, territory_name: str, region_only: bool,
                meeting_on: bool = False) -> alt.TopLevelMixin | None:
    """Completion of each task, worst first: the school (if any), the territory and the region. `rows`: task,
    max_points and the fractions school / territory / region (some may be missing)."""
    r = rows[rows["first"].notna()].copy()
    if r.empty:
        return None
    r["row"] = [f"Задание {t} ({_points(m)})" for t, m in zip(r["task"], r["max_points"])]
    cols = {"school": "Школа"} if who else {}
    if not region_only or who:
        cols["territory"] = "Территория"
    cols["region"] = "Регион"
    d = _long(r, "row", {c: s for c, s in cols.items() if c in r}, pct)
    worst = r.iloc[0]
    extra = ""
    if who and not _missing(worst.get("territory")):
        extra = f" при {pct(worst['territory'])} по территории"
    elif not who and not region_only and not _missing(worst.get("region")):
        extra = f" при {pct(worst['region'])} по региону"
    title = f"Хуже всего выполнено задание {worst['task']} — {pct(worst['first'])}{extra}"
    series = list(cols.values())
    sub = [f"{who or territory_name} · {work}",
           "Доля набранных баллов от максимума задания; задания — от выполненного хуже всего"]
    return dot_chart(d, list(r["row"]), series, title, sub, "Выполнение задания", meeting_on,
                     label_series=series[0], x_max=1.0)


def similar_chart(rows: pd.DataFrame, school_name: str, meeting_on: bool = False) -> alt.TopLevelMixin | None:
    """One school's share of «2» / below the minimum per procedure beside its peers, its territory and the region."""
    if rows.empty:
        return None
    r = rows.copy()
    r["row"] = [procedures.name_ru(p) for p in r["procedure"]]
    d = _long(r, "row", {"share": "Школа", "peer_share": "Похожие школы", "territory_share": "Территория",
                         "region_share": "Регион"}, pct)
    worse = int((r["diff_pp"].fillna(0) > sim.LEVEL_PP).sum())
    better = int((r["diff_pp"].fillna(0) < -sim.LEVEL_PP).sum())
    n = len(r)
    if worse:
        title = (f"{school_name}: доля «2» выше, чем у похожих школ, по {worse} из {n} "
                 f"{plural(n, 'процедуры', 'процедур', 'процедур')}")
    elif better:
        title = f"{school_name}: не хуже похожих школ — ниже их по {better} из {n} {plural(n, 'процедуры', 'процедур', 'процедур')}"
    else:
        title = f"{school_name}: на уровне похожих школ (в пределах {fmt_num(sim.LEVEL_PP, 0)} п. п.)"
    sub = "Доля участников с «2» (ВПР) или ниже минимума (ОГЭ, ЕГЭ); «похожие» — школы региона с теми же признаками"
    return dot_chart(d, list(r["row"]), list(SERIES_STYLE), title, sub, "Доля «2» / ниже минимума", meeting_on,
                     label_series="Школа")


def forecast_chart(view: an.ForecastView, history: pd.DataFrame, meeting_on: bool = False) -> alt.TopLevelMixin | None:
    """The share of ШНОР by results year (solid line, labelled), the estimate for the next year (hollow diamond at
    the end of a dashed line from the last actual point) with its 80 % range as a band widening from the last
    actual point (its ends written), and the target (dotted black line with squares, where set). No legend: every
    line is named on the chart or in the subtitle. `history`: year, share, target (share_by_year)."""
    f = view.forecast
    if not f.schools:
        return None
    h = history[history["share"].notna()] if not history.empty else history
    last_label, next_label = sy(f.last_year), sy(f.results_year)
    order = [sy(int(y)) for y in h["year"]] if not h.empty else []
    if last_label not in order:
        order.append(last_label)
    order.append(next_label)
    exp, lo, hi = f.share(f.expected), f.share(f.low), f.share(f.high)
    start = view.current_share if view.current_share is not None else exp
    actual = pd.DataFrame({"year": [sy(int(y)) for y in h["year"]], "value": [float(v) for v in h["share"]]}) \
        if not h.empty else pd.DataFrame(columns=["year", "value"])
    actual["text"] = [pct(v) for v in actual["value"]]
    band = pd.DataFrame({"year": [last_label, next_label], "lo": [start, lo], "hi": [start, hi]})
    est = pd.DataFrame({"year": [last_label, next_label], "value": [start, exp]})
    goals = []
    if not history.empty and "target" in history:
        goals = [{"year": sy(int(yy)), "value": float(v)} for yy, v in zip(history["year"], history["target"])
                 if not _missing(v) and sy(int(yy)) in order and sy(int(yy)) != next_label]
    if f.target is not None:
        goals.append({"year": next_label, "value": float(f.target)})
    g = pd.DataFrame(goals, columns=["year", "value"])
    g["text"] = [f"цель {fmt_target(v)}" for v in g["value"]]
    fs = _size(meeting_on, 13)
    top = max([hi or 0.0, *actual["value"], *g["value"], 0.05]) * 1.3
    ys = alt.Scale(domain=[0, min(1.0, top)], nice=False)
    x = alt.X("year:O", sort=order, title="Учебный год, по результатам которого сформирован список",
              axis=alt.Axis(labelAngle=0), scale=alt.Scale(padding=1.2))     # room for the estimate's label
    y = alt.Y("value:Q", title="Доля ШНОР", axis=alt.Axis(format=".0%"), scale=ys)
    nxt = alt.datum.year == next_label
    layers = [
        alt.Chart(band).mark_area(color=VERMILION, opacity=0.22).encode(
            x=x, y=alt.Y("lo:Q", scale=ys, title="Доля ШНОР", axis=alt.Axis(format=".0%")), y2="hi:Q"),
        alt.Chart(band).mark_line(color=VERMILION, strokeWidth=1, opacity=0.7).encode(x=x, y=alt.Y("lo:Q", scale=ys)),
        alt.Chart(band).mark_line(color=VERMILION, strokeWidth=1, opacity=0.7).encode(x=x, y=alt.Y("hi:Q", scale=ys)),
        alt.Chart(band).transform_filter(nxt).mark_text(dy=-10, fontSize=fs - 1, color="#444444").encode(
            x=x, y=alt.Y("hi:Q", scale=ys), text=alt.value(f"до {pct(hi)}")),
        alt.Chart(band).transform_filter(nxt).mark_text(dy=14, fontSize=fs - 1, color="#444444").encode(
            x=x, y=alt.Y("lo:Q", scale=ys), text=alt.value(f"от {pct(lo)}")),
        alt.Chart(est).mark_line(color=VERMILION, strokeDash=[6, 4], strokeWidth=3).encode(x=x, y=y),
        alt.Chart(est).transform_filter(nxt).mark_point(shape="diamond", filled=True, fill="white", color=VERMILION,
                                                        strokeWidth=3, size=_size(meeting_on, 170), opacity=1).encode(
            x=x, y=y, tooltip=[alt.Tooltip("year:N", title="Учебный год"), alt.Tooltip("value:Q", title="Оценка",
                                                                                     format=".1%")]),
        alt.Chart(est).transform_filter(nxt).mark_text(align="left", dx=14, fontSize=fs + 1, fontWeight="bold",
                                                       color=VERMILION).encode(
            x=x, y=y, text=alt.value(f"оценка ≈ {pct(exp)}")),
    ]
    if not actual.empty:
        layers += [
            alt.Chart(actual).mark_line(color=VERMILION, strokeWidth=3, point=alt.OverlayMarkDef(
                size=_size(meeting_on, 80), filled=True, color=VERMILION)).encode(
                x=x, y=y, tooltip=[alt.Tooltip("year:N", title="Учебный год"), alt.Tooltip("text:N", title="Доля ШНОР")]),
            alt.Chart(actual).mark_text(dy=-14, fontSize=fs, color=VERMILION).encode(x=x, y=y, text="text:N")]
    if not g.empty:
        layers += [alt.Chart(g).mark_line(color="#333333", strokeDash=[2, 3], strokeWidth=2, point=alt.OverlayMarkDef(
                       shape="square", size=_size(meeting_on, 40), color="#333333")).encode(x=x, y=y),
                   alt.Chart(g.tail(1)).mark_text(dy=16, fontSize=fs - 1, color="#333333").encode(x=x, y=y, text="text:N")]
    title = f"Оценка на {next_label}: около {pct(exp)} ШНОР (в 8 случаях из 10 от {pct(lo)} до {pct(hi)})"
    if f.target is None:
        title += " — цель не задана"
    elif f.p_meet is not None:
        title += f" — цель {fmt_target(f.target)} достигается с вероятностью около {pct(f.p_meet, 0)}"
    sub = ["Сплошная линия — доля ШНОР по годам; пунктир и ромб — оценка, если тренд каждой школы продолжится",
           "Полоса — разброс оценки (8 случаев из 10)" + ("; точечная чёрная линия — цель" if not g.empty else "")]
    chart = alt.layer(*layers).properties(width="container")
    return _fit_width(finish(chart, title, sub, meeting=meeting_on, height=300))


# ---------------------------------------------------------------------------------------------
# Tables as shown (all text: data is never rendered as Markdown in a dataframe)
# ---------------------------------------------------------------------------------------------
PATTERN_SHORT = {obj.MATCH: "совпадение выше территории", obj.FEW_TWOS: "мало «2»"}   # the table's flag column


def _flag_text(flag, pattern) -> str:
    if not bool(flag):
        return "нет"
    return "да: " + ", ".join(PATTERN_SHORT[p] for p in str(pattern).split("+") if p in PATTERN_SHORT)


def objectivity_frame(t: pd.DataFrame, with_school: bool = True) -> pd.DataFrame:
    """The flag right after the work (it must be seen without scrolling); the explanation in full last."""
    out = pd.DataFrame({
        "Работа": list(t["name"]),
        "Флаг": [_flag_text(f, p) for f, p in zip(t["flag"], t["pattern"])],
        "Подтвердили или повысили": [f"{pct(s)} ({fmt_int(c)} из {fmt_int(n)})" if n else "—"
                                     for s, c, n in zip(t["share"], t["confirmed"], t["compared"])],
        "По территории": [pct(v) for v in t["territory_share"]],
        "По региону": [pct(v) for v in t["region_share"]],
        "«2» по ВПР": [pct(v) for v in t["low_share"]],
        "«2» по территории": [pct(v) for v in t["territory_low_share"]],
        "Сравнено участников": [fmt_int(c) for c in t["compared"]],
        "За три года": list(t["history_ru"]),
        "Пояснение": list(t["reason"])})
    if with_school:
        out.insert(0, "Территория", list(t["territory"]))
        out.insert(0, "Школа", names(t))
    return out


def _wide(*cols: str) -> dict:
    return {c: st.column_config.TextColumn(c, width="large") for c in cols}


# ---------------------------------------------------------------------------------------------
# The page's tabs
# ---------------------------------------------------------------------------------------------
def objectivity_tab(user: User, year: int, procedure: str, territory_id: int | None, place: str,
                    meeting_on: bool) -> None:
    st.info(f"**Критерий флага.** {obj.CRITERION_RU}", icon=":material/rule:")
    if procedure and not is_vpr(procedure):
        st.warning(f"Сравнение с отметками по журналу есть только у ВПР, а выбрана «{procedures.name_ru(procedure)}». "
                   "Выберите работу ВПР или «Все процедуры».")
        return
    view = _objectivity(user, year, procedure or None, territory_id, data_version())
    t = view.table
    if t.empty:
        what = f" по работе «{procedures.name_ru(procedure)}»" if procedure else ""
        st.info(f"В загруженных файлах за {sy(year)} нет сравнения отметок ВПР с отметками по журналу{what} "
                f"для школ территории «{md(place)}». Его содержат протоколы ВПР из ФИС ОКО (раздел «Сравнение "
                "отметок с отметками по журналу»): анализ появится, когда такие протоколы будут загружены.")
        return
    if not meeting_on:
        st.caption(f"Результаты {sy(year)}, история — за три года ({sy(year - 2)} – {sy(year)}). {view.note} "
                   "«По территории» — все сравненные участники школ территории вместе, «по региону» — всех школ.")
    flagged = view.flagged
    n, k = len(t), len(flagged)
    c1, c2, c3 = st.columns(3)
    c1.metric("Результатов с флагом", f"{fmt_int(k)} из {fmt_int(n)}", border=True,
              help="Результат — школа и работа ВПР за выбранный год.")
    c2.metric("Школ с флагом", fmt_int(flagged["school_id"].nunique()), border=True)
    c3.metric("С флагом два года и более", fmt_int(int((flagged["flags"] >= 2).sum())), border=True,
              help="Из трёх последних лет (включая выбранный) флаг стоял не менее двух раз: устойчивая картина, "
                   "а не случайность одного года.")
    chart = objectivity_chart(t, meeting_on)
    if chart is not None:
        st.altair_chart(chart)
    only = st.checkbox("Только с флагом", value=True, key="an_obj_flagged",
                       help="Показать в списке только результаты с флагом «возможна необъективность».")
    shown = flagged if only else t
    if shown.empty:
        st.success(f"Флагов нет: ни один из {fmt_int(n)} результатов не подходит под критерий.")
    else:
        st.dataframe(objectivity_frame(shown), hide_index=True, width="stretch", key="an_obj_table",
                     column_config=_wide("Пояснение", "За три года"))
    download("Скачать таблицу (Excel)", view.download, lambda: t["school_id"],
             f"объективность_{year}-{year + 1}.xlsx", "Объективность",
             [f"Объективность результатов ВПР: {place}, {sy(year)}", view.criterion, view.note], "an_obj_download",
             help="Все результаты (с флагом и без), с историей за три года и критерием.")


def _task_rows_scope(worst: pd.DataFrame, work: str, region_only: bool) -> pd.DataFrame:
    w = worst[worst["procedure"] == work]
    return pd.DataFrame({
        "task": list(w["task"]), "max_points": list(w["max_points"]),
        "first": [None if _missing(v) else float(v) / 100 for v in (w["region_pct"] if region_only else w["pct"])],
        "territory": [None if _missing(v) else float(v) / 100 for v in w["pct"]],
        "region": [None if _missing(v) else float(v) / 100 for v in w["region_pct"]]})


def _task_rows_school(s: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "task": list(s["task"]), "max_points": list(s["max_points"]),
        "first": [None if _missing(v) else float(v) / 100 for v in s["school_pct"]],
        "school": [None if _missing(v) else float(v) / 100 for v in s["school_pct"]],
        "territory": [None if _missing(v) else float(v) / 100 for v in s["territory_pct"]],
        "region": [None if _missing(v) else float(v) / 100 for v in s["region_pct"]]})


def tasks_frame(rows: pd.DataFrame, school: bool, region_only: bool) -> pd.DataFrame:
    out = {"Задание": list(rows["task"]), "Максимальный балл": [_points(m) for m in rows["max_points"]]}
    if school:
        out["Школа"] = [pct(v) for v in rows["school"]]
    if school or not region_only:
        out["Территория"] = [pct(v) for v in rows["territory"]]
    out["Регион"] = [pct(v) for v in rows["region"]]
    lead = rows["school"] if school else rows["territory"]
    if school or not region_only:
        out["Отставание от региона"] = [pp(None if _missing(a) or _missing(b) else (a - b) * 100)
                                        for a, b in zip(lead, rows["region"])]
    if school:
        out["Отставание от территории"] = [pp(None if _missing(a) or _missing(b) else (a - b) * 100)
                                           for a, b in zip(rows["school"], rows["territory"])]
    return pd.DataFrame(out)


def _work_order(codes) -> list[str]:
    order = {c: i for i, c in enumerate(procedure_options())}
    return sorted(dict.fromkeys(codes), key=lambda c: (order.get(c, 999), c))


def tasks_tab(user: User, year: int, procedure: str, territory_id: int | None, place: str, meeting_on: bool) -> None:
    if procedure and not is_vpr(procedure):
        st.warning(f"Баллы по заданиям есть только у ВПР, а выбрана «{procedures.name_ru(procedure)}». "
                   "Выберите работу ВПР или «Все процедуры».")
        return
    view = _tasks(user, year, procedure or None, territory_id, data_version())
    works = _work_order(view.worst["procedure"]) if not view.worst.empty else []
    if not works:
        what = f" по работе «{procedures.name_ru(procedure)}»" if procedure else ""
        st.info(f"В загруженных файлах за {sy(year)} нет баллов по заданиям ВПР{what} для школ территории "
                f"«{md(place)}». Их содержат протоколы ВПР из ФИС ОКО (средний балл по каждому заданию): анализ "
                "появится, когда такие протоколы будут загружены.")
        return
    left, right = st.columns(2)
    if procedure:
        work = procedure
    else:
        _keep_choice("an_task_work", works)
        work = left.selectbox("Работа ВПР", works, format_func=procedures.name_ru, key="an_task_work")
    t = view.table[view.table["procedure"] == work]
    schools = t[["school_id", "short_name", "territory"]].drop_duplicates("school_id")
    label = {int(i): f"{meeting.school_label(n, int(i))} · {terr}"
             for i, n, terr in zip(schools["school_id"], schools["short_name"], schools["territory"])}
    options = [SCOPE] + sorted(label, key=lambda i: label[i].lower())
    _keep_choice("an_task_school", options)
    everyone = "Все школы региона вместе" if territory_id is None else "Все школы территории вместе"
    school_id = right.selectbox("Школа", options, format_func=lambda i: everyone if i == SCOPE else label[i],
                                key="an_task_school", filter_mode="contains",
                                help="Одна школа — её выполнение каждого задания против территории и региона.")
    region_only = territory_id is None
    if school_id == SCOPE:
        rows = _task_rows_scope(view.worst, work, region_only)
        who = None
    else:
        rows = _task_rows_school(view.school(int(school_id), work))
        who = meeting.school_label(schools.set_index("school_id").at[school_id, "short_name"], int(school_id))
    source = view.sources.get((work, year), "")
    chart = tasks_chart(rows, procedures.name_ru(work), who, place, region_only, meeting_on)
    if chart is None:
        st.warning(f"{procedures.name_ru(work)}, {sy(year)}: {source}.")
    else:
        st.altair_chart(chart)
    if not meeting_on:
        st.caption(f"Выполнение задания — средний балл участников, делённый на максимальный балл задания "
                   f"(максимальные баллы: {source}). Территория и регион — все участники их школ вместе. Задания — "
                   "от выполненного хуже всего.")
    st.dataframe(tasks_frame(rows, who is not None, region_only), hide_index=True, width="stretch",
                 key="an_task_table")
    if who is not None:
        _open_school_button(int(school_id), "an_task_open")
    download("Скачать выполнение заданий (Excel)", view.download, lambda: view.table["school_id"],
             f"задания_{year}-{year + 1}.xlsx", "Поэлементный анализ",
             [f"Поэлементный анализ ВПР: {place}, {sy(year)}",
              "Выполнение — средний балл, делённый на максимальный балл задания; территория и регион — все "
              "участники их школ вместе."], "an_task_download",
             help="Все школы территории и все задания выбранных работ.")


def _to_low(rows: pd.DataFrame) -> list[str]:
    """For the risk group: how many more «2» (below the minimum) make the result low at the same participants."""
    out = []
    for b, mx, k in zip(rows["binding"], rows["max_low_count"], rows["low_count"]):
        if b == "not_counted" or _missing(mx):
            out.append("—")
        else:
            more = int(mx) + 1 - int(k)
            out.append("уже низкий" if more <= 0 else f"ещё {fmt_int(more)}")
    return out


def exit_frame(rows: pd.DataFrame, with_school: bool = True, entry: bool = False) -> pd.DataFrame:
    """The procedures' rows: the rule's sentence (it names the procedure), how far from the line, the condition."""
    far = (("До низкого результата", _to_low(rows)) if entry else
           ("Сверх допустимого", [fmt_int(e) if e else "—" for e in rows["excess"]]))
    out = pd.DataFrame({"Что нужно": list(rows["sentence"]), far[0]: far[1], "Условие": list(rows["binding_ru"])})
    if with_school:   # the territory last: the sentence is what must be read without scrolling
        out.insert(0, "Школа", names(rows, "school_name"))
        out["Территория"] = list(rows["territory"])
    return out


def _sentence_column(rows: pd.DataFrame) -> dict:
    """«Что нужно» as wide as its longest sentence (up to 700 px): the figures are at its end."""
    longest = max([len(x) for x in rows["sentence"]] or [20])
    return {"Что нужно": st.column_config.TextColumn("Что нужно", width=int(min(700, 7 * longest + 16)))}


def _exit_block(rows: pd.DataFrame, key: str, entry: bool) -> None:
    st.dataframe(exit_frame(rows, entry=entry), hide_index=True, width="stretch", key=f"{key}_table",
                 column_config=_sentence_column(rows))
    first = rows.drop_duplicates("school_id")
    label = {int(i): f"{meeting.school_label(n, int(i))} · {t}"
             for i, n, t in zip(first["school_id"], first["school_name"], first["territory"])}
    ids = list(label)
    _keep_choice(f"{key}_school", ids)
    sid = st.selectbox("Условие целиком для школы", ids, format_func=label.get, key=f"{key}_school",
                       filter_mode="contains")
    if sid is not None:
        st.markdown(md(first.set_index("school_id").at[sid, "condition"]))
        _open_school_button(int(sid), f"{key}_open")


def exit_tab(user: User, year: int, procedure: str, territory_id: int | None, place: str, meeting_on: bool) -> None:
    list_year = year + 1
    view = _exit(user, list_year, territory_id, data_version())
    thr = view.settings.threshold_pct
    st.caption(f"Список на {sy(list_year)} сформирован по результатам {sy(list_year - 2)} и {sy(list_year - 1)}. "
               f"Ниже — каким должен быть результат {sy(list_year)}, чтобы школа вышла из списка на "
               f"{sy(list_year + 1)}, а для группы риска — что поставит её в этот список. Низкий результат — "
               f"{thr} % участников и более; число участников принято таким же, как в {sy(list_year - 1)}.")
    t = view.table
    if procedure:
        t = t[t["procedure"] == procedure]
        if not meeting_on:
            st.caption(f"Показаны строки процедуры «{procedures.name_ru(procedure)}». Условие целиком (ниже) "
                       "учитывает все процедуры правила.")
    shnor, risk = t[t["status"] == SHNOR], t[t["status"] == RISK]
    c1, c2, c3 = st.columns(3)
    c1.metric(f"ШНОР в списке на {sy(list_year)}", fmt_int(shnor["school_id"].nunique()), border=True)
    over = shnor[shnor["excess"] > 0]
    c2.metric("Процедур ШНОР выше допустимого", fmt_int(len(over)), border=True,
              help=f"Процедуры, по которым в {sy(list_year - 1)} «2» (ниже минимума) больше, чем допускает порог при "
                   "том же числе участников.")
    c3.metric("«2» сверх допустимого, всего", fmt_int(int(over["excess"].sum())), border=True,
              help="Сколько участников с «2» (ниже минимума) меньше должно быть у ШНОР, чтобы каждая такая "
                   "процедура перестала быть низкой — сумма по процедурам.")
    st.markdown(f"**ШНОР: что нужно для выхода из списка на {sy(list_year + 1)}**")
    if shnor.empty:
        st.caption(f"В списке на {sy(list_year)} ШНОР нет" + (" по этой процедуре." if procedure else "."))
    else:
        _exit_block(shnor, "an_exit_shnor", entry=False)
    st.markdown(f"**Группа риска: что поставит школу в список на {sy(list_year + 1)}**")
    if risk.empty:
        st.caption("Школ группы риска нет" + (" по этой процедуре." if procedure else "."))
    else:
        _exit_block(risk, "an_exit_risk", entry=True)
    download("Скачать таблицу (Excel)", view.download, lambda: view.table["school_id"],
             f"выход_из_списка_{list_year}-{list_year + 1}.xlsx", "Что нужно для выхода",
             [f"Что нужно для выхода из списка: {place}, список на {sy(list_year)}",
              f"Результаты {sy(list_year)} при том же числе участников, что в {sy(list_year - 1)}; порог {thr} %."],
             "an_exit_download")


def similar_frame(t: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Школа": names(t), "Территория": list(t["territory"]), "Процедура": list(t["name"]),
        "Доля «2» / ниже минимума": [f"{pct(s)} ({fmt_int(k)} из {fmt_int(n)})"
                                     for s, k, n in zip(t["share"], t["low_count"], t["participants"])],
        "У похожих школ": [pct(v) for v in t["peer_share"]],
        "Разница": [pp(v) for v in t["diff_pp"]],
        "Похожих школ": [fmt_int(n) for n in t["peers"]], "Похожие — это": list(t["basis_ru"])})


FEATURES_RU = ("Похожие школы подбираются по всему региону: тот же размер (число участников процедуры: до 10, "
               "10–24, 25–49, 50–99, 100 и более), местность (город или село), признак ШНСУ и тип школы. Если таких "
               f"школ меньше {sim.MIN_PEERS}, признаки снимаются по одному: тип, ШНСУ, местность. Доля похожих — "
               "все их участники вместе.")


def _not_used_line(note: str) -> str:
    """«Не учтено: …» for what the registry lacks; the domain's own «не учтено, чтобы …» as it is."""
    text = md(note)
    return (text[:1].upper() + text[1:] if note.startswith("не учтено") else f"Не учтено: {text}") + "."


def _school_similar(view: an.SimilarView, school_id: int, name: str, meeting_on: bool, key: str,
                    compact: bool = False) -> None:
    """One school beside its peers: a chart and a sentence per procedure (the page), or one table (`compact`:
    the school page); then who the peers of a procedure are."""
    rows = view.table[view.table["school_id"] == school_id]
    rank = {c: i for i, c in enumerate(procedure_options())}
    rows = rows.iloc[sorted(range(len(rows)), key=lambda i: rank.get(rows["procedure"].iloc[i], 999))]
    if compact:
        st.dataframe(pd.DataFrame({
            "Процедура": list(rows["name"]),
            "Доля «2» / ниже минимума": [f"{pct(s)} ({fmt_int(k)} из {fmt_int(n)})"
                                         for s, k, n in zip(rows["share"], rows["low_count"], rows["participants"])],
            "У похожих школ": [pct(v) for v in rows["peer_share"]], "Сравнение": list(rows["position_ru"]),
            "По территории": [pct(v) for v in rows["territory_share"]],
            "По региону": [pct(v) for v in rows["region_share"]],
            "Похожих школ": [fmt_int(n) for n in rows["peers"]], "Похожие — это": list(rows["basis_ru"])}),
            hide_index=True, width="stretch", key=f"{key}_table")
        if not meeting_on:
            for note in dict.fromkeys(n for n in rows["not_used_ru"] if n):
                st.caption(_not_used_line(note))
    else:
        chart = similar_chart(rows, name, meeting_on)
        if chart is not None:
            st.altair_chart(chart)
        with st.expander("По каждой процедуре — словами", expanded=len(rows) <= 3 and not meeting_on):
            for r in rows.itertuples(index=False):
                line = sim.peers_sentence(r._asdict())
                st.markdown(f"**{procedures.name_ru(r.procedure)}** — {md(line)} "
                            f"{md(r.position_ru.capitalize().rstrip('.'))}.")
            for note in dict.fromkeys(n for n in rows["not_used_ru"] if n):
                st.caption(_not_used_line(note))
    procs = list(rows["procedure"])
    if not procs:
        return
    _keep_choice(f"{key}_proc", procs)
    proc = st.selectbox("Кто эти похожие школы", procs, format_func=procedures.name_ru, key=f"{key}_proc")
    named, outside = view.peers(int(school_id), proc)
    if not named.empty:
        st.dataframe(pd.DataFrame({
            "Школа": names(named), "Территория": list(named["territory"]),
            "Участников": [fmt_int(n) for n in named["participants"]],
            "Доля «2» / ниже минимума": [f"{pct(s)} ({fmt_int(k)} из {fmt_int(n)})" for s, k, n in
                                         zip(named["share"], named["low_count"], named["participants"])]}),
            hide_index=True, width="stretch", key=f"{key}_peers")
    if outside:
        st.caption(f"Ещё {fmt_int(outside)} {plural(outside, 'похожая школа', 'похожие школы', 'похожих школ')} из "
                   "других территорий учтены в доле похожих, но не названы.")


def similar_tab(user: User, year: int, procedure: str, territory_id: int | None, place: str, meeting_on: bool) -> None:
    view = _similar(user, year, territory_id, procedure or None, data_version())
    t = view.table
    if t.empty:
        what = f" по процедуре «{procedures.name_ru(procedure)}»" if procedure else " по процедурам правила"
        st.info(f"В загруженных файлах за {sy(year)} нет результатов{what} для школ территории «{md(place)}».")
        return
    if not meeting_on:
        st.caption(FEATURES_RU)
    by_school = t.groupby("school_id")["diff_pp"].max().sort_values(ascending=False)
    first = t.drop_duplicates("school_id").set_index("school_id")
    label = {int(i): f"{meeting.school_label(first.at[i, 'short_name'], int(i))} · {first.at[i, 'territory']}"
             for i in first.index}
    ids = sorted(label, key=lambda i: label[i].lower())
    _keep_choice("an_sim_school", ids)
    default = ids.index(int(by_school.index[0])) if len(by_school) else 0
    sid = st.selectbox("Школа", ids, index=default, format_func=label.get, key="an_sim_school", filter_mode="contains",
                       help="По умолчанию — школа, у которой доля «2» больше всего превышает долю похожих школ.")
    name = meeting.school_label(first.at[sid, "short_name"], int(sid))
    _school_similar(view, int(sid), name, meeting_on, "an_sim")
    _open_school_button(int(sid), "an_sim_open")
    st.markdown("**Все школы: сравнение с похожими**")
    worse = st.checkbox("Только где доля выше, чем у похожих школ", value=False, key="an_sim_worse",
                        help=f"Разница больше {fmt_num(sim.LEVEL_PP, 0)} п. п. в худшую сторону.")
    shown = t[t["diff_pp"].fillna(0) > sim.LEVEL_PP] if worse else t
    st.dataframe(similar_frame(shown), hide_index=True, width="stretch", key="an_sim_table")
    download("Скачать сравнение (Excel)", view.download, lambda: t["school_id"],
             f"похожие_школы_{year}-{year + 1}.xlsx", "Похожие школы",
             [f"Сравнение с похожими школами: {place}, {sy(year)}", FEATURES_RU], "an_sim_download")


def forecast_tab(user: User, territory_id: int | None, place: str, meeting_on: bool) -> None:
    view = _forecast(user, territory_id, data_version())
    if view is None:
        st.info("Результатов процедур ещё нет — оценивать не по чему.")
        return
    f = view.forecast
    if not meeting_on:
        st.caption(f"Оценка строится по всем годам с результатами до {sy(f.last_year)} и по всем процедурам "
                   "правила; фильтры «год» и «процедура» к ней не применяются.")
    chart = forecast_chart(view, _share_history(territory_id, data_version()), meeting_on)
    if chart is not None:
        st.altair_chart(chart)
    st.markdown(view.sentence())
    exp = f.share(f.expected)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(f"Оценка доли ШНОР, {sy(f.results_year)}", pct(exp), border=True,
              help=f"По результатам {sy(f.results_year)} — список на {sy(f.list_year)}. Это оценка, а не прогноз с "
                   "гарантией.")
    c2.metric("В 8 случаях из 10", f"{fmt_num(f.share(f.low) * 100, 1)}–{pct(f.share(f.high))}", border=True,
              help=f"От {fmt_int(f.low)} до {fmt_int(f.high)} ШНОР из {fmt_int(f.schools)} школ.")
    c3.metric(f"Цель на {sy(f.results_year)}", "не задана" if f.target is None else fmt_target(f.target), border=True,
              help="Своя цель территории, иначе цель вышестоящей территории или региона.")
    c4.metric("Вероятность достичь цели", "—" if f.p_meet is None else f"≈ {pct(f.p_meet, 0)}", border=True)
    top = f.by_school.sort_values("p_shnor", ascending=False)
    top = top[top["p_shnor"] >= 0.05].head(20).merge(view.names, on="school_id", how="left")
    st.markdown(f"**Школы, которые с наибольшей вероятностью будут в списке на {sy(f.list_year)} (оценка)**")
    if top.empty:
        st.caption("Ни у одной школы вероятность не достигает 5 %.")
    else:
        st.dataframe(pd.DataFrame({
            "Школа": names(top), "Территория": list(top["territory"]),
            "Вероятность (оценка)": [prob(p) for p in top["p_shnor"]],
            f"Низких процедур в {sy(f.last_year)}": [fmt_int(n) for n in top["low_now"]]}),
            hide_index=True, width="stretch", key="an_fc_table")
    download("Скачать оценку по школам (Excel)", view.download, lambda: f.projections["school_id"],
             f"оценка_{f.results_year}-{f.results_year + 1}.xlsx", "Прогноз",
             [f"Оценка доли ШНОР: {place}", view.sentence(), ESTIMATE_NOTE_RU], "an_fc_download")


# ---------------------------------------------------------------------------------------------
# The school page's section
# ---------------------------------------------------------------------------------------------
def school_section(user: User, school_id: int, meeting_on: bool = False) -> None:
    """One school: objectivity of its ВПР with the three-year history and the flag with its reason, its weakest
    tasks per work against the territory and the region, what would take it off the list (ШНОР) or put it on
    (risk group), and its comparison with schools like it."""
    st.subheader("Анализ результатов")
    years = results_years()
    if not years:
        st.caption("Результатов нет — анализировать нечего.")
        return
    version = data_version()
    year = years[0]
    list_year = year + 1
    ex = _exit(user, list_year, None, version, int(school_id))
    mine = ex.table[ex.table["school_id"] == int(school_id)]
    status = mine["status"].iloc[0] if not mine.empty else None
    exit_label = {SHNOR: "Что нужно для выхода", RISK: "Что поставит в список"}.get(status, "Выход из списка")
    if not meeting_on:
        st.caption("Объективность отметок ВПР, задания, выполненные хуже всего, что нужно для выхода из списка и "
                   "сравнение с похожими школами. Все школы сразу — на странице «Анализ результатов».")
    t1, t2, t3, t4 = st.tabs(["Объективность ВПР", "Слабые задания", exit_label, "Похожие школы"])
    with t1:
        _school_objectivity_block(user, school_id, meeting_on)
    with t2:
        _school_tasks_block(user, school_id, meeting_on)
    with t3:
        _school_exit_block(mine, ex, status, list_year)
    with t4:
        sv = _similar(user, year, None, None, version, int(school_id))
        rows = sv.table[sv.table["school_id"] == int(school_id)]
        if rows.empty:
            st.caption(f"За {sy(year)} у школы нет результатов процедур правила — сравнивать не с чем.")
        else:
            name = meeting.school_label(rows["short_name"].iloc[0], int(school_id))
            if not meeting_on:
                st.caption(f"Результаты {sy(year)}. {FEATURES_RU}")
            _school_similar(sv, int(school_id), name, meeting_on, "school_an_sim", compact=True)


def _school_objectivity_block(user: User, school_id: int, meeting_on: bool) -> None:
    v = _school_objectivity(user, int(school_id), data_version())
    if v is None or v.table.empty:
        st.caption("В загруженных файлах нет сравнения отметок ВПР этой школы с отметками по журналу (его "
                   "содержат протоколы ВПР из ФИС ОКО).")
        return
    t = v.table
    flagged = t[t["flag"].astype(bool)]
    if flagged.empty:
        st.success(f"{sy(v.year)}: флага «возможна необъективность» нет ни по одной работе ВПР школы.")
    for r in flagged.itertuples(index=False):
        times = int(r.flags)
        st.warning(f"**{r.name}, {sy(v.year)}: возможна необъективность** (за три года флаг "
                   f"{fmt_int(times)} {plural(times, 'раз', 'раза', 'раз')}). {r.reason}", icon=":material/flag:")
    st.dataframe(objectivity_frame(t, with_school=False).drop(columns=["Пояснение"]), hide_index=True,
                 width="stretch", key="school_an_obj_table", column_config=_wide("За три года"))
    if not meeting_on or not flagged.empty:
        st.caption(f"Критерий флага: {obj.CRITERION_RU}")


TOP_TASKS = 3


def _school_tasks_block(user: User, school_id: int, meeting_on: bool) -> None:
    works = _task_works(data_version())
    if not works:
        st.caption("В загруженных файлах нет баллов по заданиям ВПР (их содержат протоколы ВПР из ФИС ОКО).")
        return
    year = max(y for _, y in works)
    view = _tasks(user, year, None, None, data_version())
    mine = view.table[view.table["school_id"] == int(school_id)]
    if mine.empty:
        st.caption(f"За {sy(year)} у школы нет баллов по заданиям ВПР в загруженных файлах.")
        return
    parts = []
    for work in _work_order(mine["procedure"]):
        s = view.school(int(school_id), work)
        s = s[s["school_pct"].notna()].head(TOP_TASKS)
        parts.append(pd.DataFrame({
            "Работа": procedures.name_ru(work), "Задание": list(s["task"]),
            "Школа": [pct100(v) for v in s["school_pct"]], "Территория": [pct100(v) for v in s["territory_pct"]],
            "Регион": [pct100(v) for v in s["region_pct"]],
            "Отставание от территории": [pp(v) for v in s["gap_territory_pp"]],
            "Отставание от региона": [pp(v) for v in s["gap_region_pp"]]}))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if frame.empty:
        st.caption(f"{sy(year)}: максимальные баллы заданий неизвестны — процент выполнения не вычисляется.")
        return
    if not meeting_on:
        st.caption(f"{sy(year)}: по {TOP_TASKS} задания каждой работы, выполненные хуже всего (средний балл, делённый "
                   "на максимальный балл задания), против территории и региона (все их участники вместе).")
    st.dataframe(frame, hide_index=True, width="stretch", key="school_an_tasks_table")


def _school_exit_block(mine: pd.DataFrame, ex: an.ExitView, status: str | None, list_year: int) -> None:
    if mine.empty:
        st.caption(f"В списке на {sy(list_year)} школа не ШНОР и не в группе риска (или по ней нет результатов "
                   "процедур правила) — условия выхода и попадания не считаются.")
        return
    st.markdown(f"**Статус в списке на {sy(list_year)} — {mine['status_ru'].iloc[0]}.**")
    st.markdown(md(mine["condition"].iloc[0]))
    st.dataframe(exit_frame(mine, with_school=False, entry=status == RISK), hide_index=True, width="stretch",
                 key="school_an_exit_table", column_config=_sentence_column(mine))
