"""Display helpers shared by the Overview and School pages: cached loaders (keyed on the filter values and
the data version, never on the connection) and the Altair charts (a title that states the message,
Russian formats through charts.finish, Okabe–Ito colours with shapes, dashes or labels carrying the same
meaning). The figures themselves come from shnor.read.overview.
"""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from shnor.domain.scales import is_low
from shnor.read.analysis import load_rule_settings
from shnor.domain.fmt import fmt_int, fmt_pct, plural
from shnor.read.overview import (OverviewData, SchoolCounts, SchoolPageData, build_overview, build_school_page,
                                 default_list_year, fmt_target, list_years, school_counts)
from shnor.domain.years import format_school_year
from shnor.ui import meeting
from shnor.ui.charts import BLUE, GREY, ORANGE, SKY, VERMILION, finish
from shnor.ui.db import data_version, get_store

TTL = 900          # seconds; the data version invalidates earlier
REGION_LABEL = "Весь регион"
COUNTRY_LABEL = "Вся страна"


# ---------------------------------------------------------------------------------------------
# Cached loaders
# ---------------------------------------------------------------------------------------------

@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def _years(version: tuple) -> list[int]:
    return list_years(get_store())


def year_options() -> list[int]:
    """List years newest first (results year + 1)."""
    return _years(data_version())


def default_year() -> int | None:
    years = year_options()
    return years[0] if years else default_list_year(get_store())


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def _territories(version: tuple) -> pd.DataFrame:
    return get_store().territories.list()


REGION = 0   # the territory filter's value for the whole region (selectbox values must not be None)


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def _registry_counts(version: tuple) -> dict[int, int]:
    s = get_store().schools.list()
    counts: dict[int, int] = {}
    for col in ("territory_id", "district_id"):
        for tid, n in s[col].dropna().astype(int).value_counts().items():
            counts[int(tid)] = counts.get(int(tid), 0) + int(n)
    return counts


def registry_counts() -> dict[int, int]:
    """Schools of the registry per territory id (a city counts its districts' schools)."""
    return _registry_counts(data_version())


NO_SCHOOLS = " (школ нет)"


def territory_options(visible: list[int] | None) -> dict[int, str]:
    """Territory filter choices: the whole region (REGION) and every territory, districts under their
    city; only `visible` ids for a user bound to a territory. A territory without a school in the registry
    says so in its label («… (школ нет)»)."""
    counts = registry_counts()
    t = _territories(data_version())
    region_ids = _root_ids(t)          # the root: the one region, or the country (its regions are then choices)
    out: dict[int, str] = {} if visible is not None else {REGION: whole_label(t)}
    names = t.set_index("id")["name"].to_dict()
    have = territories_with_schools(t, counts)
    rows = []
    for r in t.itertuples(index=False):
        tid = int(r.id)
        if tid in region_ids or (visible is not None and tid not in visible):
            continue
        parent = None if pd.isna(r.parent_id) or int(r.parent_id) in region_ids else int(r.parent_id)
        label = f"{names.get(parent, '')} › {r.name}" if parent else str(r.name)
        if tid not in have:
            label += NO_SCHOOLS
        rows.append((names.get(parent, r.name) if parent else r.name, parent is not None, label, tid))
    for _, _, label, tid in sorted(rows):
        out[tid] = label
    return out


def territories_with_schools(t: pd.DataFrame | None = None, counts: dict | None = None) -> set[int]:
    """Territories with a school of the registry: their own, or one of a territory below them (a country's
    region has the schools of its municipalities)."""
    t = _territories(data_version()) if t is None else t
    counts = registry_counts() if counts is None else counts
    parent_of = {int(i): (None if pd.isna(p) else int(p)) for i, p in zip(t["id"], t["parent_id"])}
    have: set[int] = set()
    for tid, n in counts.items():
        up = int(tid) if n else None
        while up is not None and up not in have:
            have.add(up)
            up = parent_of.get(up)
    return have


def _root_ids(t: pd.DataFrame) -> set[int]:
    country = set(t.loc[t["kind"] == "country", "id"].astype(int))
    return country or set(t.loc[t["kind"] == "region", "id"].astype(int))


def whole_label(t: pd.DataFrame | None = None) -> str:
    """«Весь регион», or «Вся страна» in a national database (its root is the country)."""
    t = _territories(data_version()) if t is None else t
    return COUNTRY_LABEL if (t["kind"] == "country").any() else REGION_LABEL


def territory_name(territory_id: int | None) -> str:
    t = _territories(data_version())
    if not territory_id:
        return whole_label(t)
    t = t.set_index("id")
    return str(t.at[territory_id, "name"]) if territory_id in t.index else whole_label()


@st.cache_data(ttl=TTL, max_entries=32, show_spinner=False)
def _overview(list_year: int, territory_id: int | None, version: tuple) -> OverviewData:
    store = get_store()
    return build_overview(store, list_year, territory_id, load_rule_settings(store))


def overview_data(list_year: int, territory_id: int | None) -> OverviewData:
    return _overview(list_year, territory_id, data_version())


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def _school_choices(territory_id: int | None, version: tuple) -> pd.DataFrame:
    s = get_store().schools.list(territory_id=territory_id)
    return s[["id", "short_name", "fisoko_login", "login_key", "exam_code_oge", "exam_code_ege", "registry_code",
              "inn", "territory", "district"]].reset_index(drop=True)


def school_choices(territory_id: int | None) -> pd.DataFrame:
    """Schools the user may open (of their territory, or all): id, names, codes, territory."""
    return _school_choices(territory_id, data_version())


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def _school_picker(territory_id: int | None, anon: bool, version: tuple) -> tuple[dict[int, str], list[int]]:
    choices = _school_choices(territory_id, version)
    ids = [int(i) for i in choices["id"]]
    names = [meeting.neutral_label(i) for i in ids] if anon else \
        [n if n else meeting.neutral_label(i) for n, i in zip(choices["short_name"], ids)]
    labels = {}
    for i, name, district, territory, login in zip(ids, names, choices["district"], choices["territory"],
                                                   choices["fisoko_login"]):
        where = district if isinstance(district, str) and district else territory
        code = "" if anon or not isinstance(login, str) else f" · {login}"
        labels[i] = f"{name}{code} · {where}"
    return labels, sorted(labels, key=lambda i: labels[i].lower())


def school_picker(territory_id: int | None, anon: bool) -> tuple[dict[int, str], list[int]]:
    """The school picker's labels («name · login · territory», neutral when names are hidden) and its ids in
    alphabetical order: worked out once per data version (40 000 schools in a country)."""
    return _school_picker(territory_id, anon, data_version())


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def _school_counts(territory_id: int | None, list_year: int, version: tuple) -> SchoolCounts:
    return school_counts(get_store().schools.list(territory_id=territory_id), list_year)


def registry_vs_list(territory_id: int | None, list_year: int) -> SchoolCounts:
    """The registry's schools (of a territory, or all) against those the list of `list_year` counts."""
    return _school_counts(territory_id, list_year, data_version())


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def _school_page(school_id: int, version: tuple) -> SchoolPageData | None:
    store = get_store()
    return build_school_page(store, school_id, load_rule_settings(store))


def school_page_data(school_id: int) -> SchoolPageData | None:
    return _school_page(school_id, data_version())


# ---------------------------------------------------------------------------------------------
# Display helpers
# ---------------------------------------------------------------------------------------------

def with_names(df: pd.DataFrame, name_col: str = "short_name", id_col: str = "id") -> pd.DataFrame:
    """School names as they may be shown now (neutral labels when names are hidden)."""
    out = df.copy()
    out[name_col] = meeting.school_labels(out[name_col], out[id_col])
    return out


def n_schools(n: int) -> str:
    return f"{fmt_int(n)} {plural(n, 'школа', 'школы', 'школ')}"


def _fit_width(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Fill the container's width and keep the height for the plot itself (Streamlit's default `fit` would
    squeeze the plot to leave room for the title and the legend inside the given height)."""
    return chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


def _size(meeting_on: bool, normal: int) -> int:
    return int(normal * 1.35) if meeting_on else normal


# ---------------------------------------------------------------------------------------------
# Charts of the Overview
# ---------------------------------------------------------------------------------------------

SHARE, TARGET = "Доля ШНОР", "Цель"


def trend_chart(trend: pd.DataFrame, message: str, meeting_on: bool = False) -> alt.TopLevelMixin:
    """The share of ШНОР by results year (solid line, circles, labelled) against the target (dashed,
    diamonds). `trend` is OverviewData.trend."""
    rows = []
    for r in trend.itertuples(index=False):
        note = getattr(r, "note", "") or ""
        coverage = getattr(r, "coverage_label", "") or ""
        if r.share is not None and not pd.isna(r.share):
            rows.append({"year_label": r.year_label, "series": SHARE, "value": float(r.share),
                         "label": r.share_label, "detail": f"{r.detail} школ", "note": note,
                         "coverage": coverage or "—"})
        if r.target is not None and not pd.isna(r.target):
            rows.append({"year_label": r.year_label, "series": TARGET, "value": float(r.target),
                         "label": f"цель {r.target_label}", "detail": "", "note": "", "coverage": coverage or "—"})
    data = pd.DataFrame(rows, columns=["year_label", "series", "value", "label", "detail", "note", "coverage"])
    order = list(trend["year_label"])
    fs = _size(meeting_on, 13)
    enc = dict(
        x=alt.X("year_label:O", title="Учебный год, по результатам которого сформирован список", sort=order,
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title="Доля школ", axis=alt.Axis(format=".0%"),
                scale=alt.Scale(domainMin=0, nice=True)),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=[SHARE, TARGET], range=[VERMILION, "#333333"])),
        strokeDash=alt.StrokeDash("series:N", title=None, scale=alt.Scale(domain=[SHARE, TARGET],
                                                                          range=[[1, 0], [7, 5]])),
        shape=alt.Shape("series:N", title=None, scale=alt.Scale(domain=[SHARE, TARGET], range=["circle", "diamond"])),
    )
    base = alt.Chart(data)
    lines = base.mark_line(strokeWidth=4 if meeting_on else 3, point=alt.OverlayMarkDef(
        size=140 if meeting_on else 90, filled=True)).encode(
        **enc, tooltip=[alt.Tooltip("year_label:N", title="Учебный год"), alt.Tooltip("series:N", title="Ряд"),
                        alt.Tooltip("label:N", title="Значение"), alt.Tooltip("detail:N", title="ШНОР из школ"),
                        alt.Tooltip("coverage:N", title="Есть результаты")])
    labels = base.transform_filter(alt.datum.series == SHARE).mark_text(
        dy=-16, fontSize=fs + 2, fontWeight="bold", color=VERMILION).encode(
        x=enc["x"], y="value:Q", text="label:N")
    target_labels = base.transform_filter(alt.datum.series == TARGET).mark_text(
        dy=16, fontSize=fs, color="#333333").encode(x=enc["x"], y="value:Q", text="label:N")
    # a year with too few data: a hollow point (the tooltip gives the coverage); no verdict for that year
    few = base.transform_filter((alt.datum.series == SHARE) & (alt.datum.note != ""))
    hollow = few.mark_point(filled=True, color="white", size=40 if meeting_on else 26, opacity=1).encode(
        x=enc["x"], y="value:Q", tooltip=[alt.Tooltip("year_label:N", title="Учебный год"),
                                          alt.Tooltip("label:N", title="Доля ШНОР"),
                                          alt.Tooltip("coverage:N", title="Есть результаты"),
                                          alt.Tooltip("note:N", title="Полнота данных")])
    chart = alt.layer(lines, labels, target_labels, hollow).properties(width="container")
    subtitle = "Доля ШНОР от всех общеобразовательных школ территории (сплошная линия) и цель (пунктир)"
    if (data["note"] != "").any():
        subtitle += "; полый кружок — данных мало, вывода о цели нет"
    return _fit_width(finish(chart, message, subtitle, meeting=meeting_on, height=280))


NO_VERDICT = "нет вывода: данных мало"
TERRITORY_STATES = ["выше цели", "цель достигнута", NO_VERDICT, "цель не задана"]


def territory_state(met, sufficient) -> str:
    """A territory's verdict in the comparison: no verdict with too few data (the coverage rule)."""
    if sufficient is not None and not pd.isna(sufficient) and not bool(sufficient):
        return NO_VERDICT
    return "цель не задана" if met is None or pd.isna(met) else ("цель достигнута" if met else "выше цели")


def territory_label(share, shnor, schools, gap, sufficient, with_data) -> str:
    """«20,0 % (2 из 10) · на 1 ШНОР больше цели»; with too few data «0,0 % (0 из 15) · нет вывода: данные
    у 0 из 15»."""
    head = f"{fmt_pct(share)} ({fmt_int(shnor)} из {fmt_int(schools)})"
    if sufficient is not None and not pd.isna(sufficient) and not bool(sufficient):
        return head + f" · нет вывода: результаты есть у {fmt_int(int(with_data))} из {fmt_int(schools)}"
    if gap is None or pd.isna(gap):
        return head
    return head + (" · цель достигнута" if int(gap) == 0 else f" · на {fmt_int(int(gap))} ШНОР больше цели")


def territories_axis_end(comp: pd.DataFrame) -> float:
    """The share axis' end: room for the labels right of the bars, never beyond 100 % (a share cannot be more)."""
    top = 1.9 * max(float(comp["share"].fillna(0).max()) if len(comp) else 0.0,
                    float(comp["target"].fillna(0).max()) if len(comp) else 0.0, 0.05)
    return min(1.0, top)


def territories_chart(comp: pd.DataFrame, list_year: int, meeting_on: bool = False) -> alt.TopLevelMixin:
    """Territories side by side: the share of ШНОР (bar) and the own target (black tick), sorted; each bar
    is labelled with the figure and the gap — or «нет вывода» where the territory's data are too few (its
    own coverage) — so the colour is never the only carrier. The axis ends at 100 % at most."""
    d = comp.copy()
    if "sufficient" not in d:
        d["sufficient"], d["with_data"] = None, None
    d["state"] = [territory_state(m, ok) for m, ok in zip(d["met"], d["sufficient"])]
    d["label"] = [territory_label(s, k, n, g, ok, w) for s, k, n, g, ok, w in
                  zip(d["share"], d["shnor"], d["schools"], d["gap"], d["sufficient"], d["with_data"])]
    d["target_label"] = ["не задана" if t is None or pd.isna(t) else fmt_target(float(t)) for t in d["target"]]
    d["coverage_label"] = ["—" if w is None or pd.isna(w) else f"{fmt_int(int(w))} из {fmt_int(int(n))} школ"
                           for w, n in zip(d["with_data"], d["schools"])]
    order = list(d["territory"])
    top = territories_axis_end(d)
    above = int((d["state"] == "выше цели").sum())
    withheld = int((d["state"] == NO_VERDICT).sum())
    n_terr = f"{len(d)} {plural(len(d), 'территории', 'территорий', 'территорий')}"
    if d["target"].notna().any():
        title = f"Выше цели — {above} из {n_terr}"
        if withheld:
            title += f"; без вывода (данных мало) — {withheld}"
    else:
        title = "Доля ШНОР по территориям"
    y = alt.Y("territory:N", sort=order, title=None, axis=alt.Axis(labelLimit=360))
    tooltip = [alt.Tooltip("territory:N", title="Территория"), alt.Tooltip("label:N", title="Доля ШНОР"),
               alt.Tooltip("target_label:N", title="Цель"),
               alt.Tooltip("coverage_label:N", title="Есть результаты")]
    bars = alt.Chart(d).mark_bar(height={"band": 0.7}).encode(
        y=y, x=alt.X("share:Q", title="Доля ШНОР", axis=alt.Axis(format=".0%"),
                     scale=alt.Scale(domain=[0, top], nice=False, clamp=True)),
        color=alt.Color("state:N", title=None, scale=alt.Scale(
            domain=TERRITORY_STATES, range=[VERMILION, BLUE, "#BBBBBB", GREY])),
        tooltip=tooltip)
    ticks = alt.Chart(d[d["target"].notna()]).mark_tick(color="black", thickness=4, size=_size(meeting_on, 26)).encode(
        y=y, x="target:Q", tooltip=tooltip)
    d["label_x"] = [max(0.0 if sh is None or pd.isna(sh) else float(sh), 0.0 if t is None or pd.isna(t) else float(t))
                    for sh, t in zip(d["share"], d["target"])]
    # a long bar (the axis is capped at 100 %) carries its label inside, in white; the others right of it
    d["inside"] = [bool(x > 0.5 * top and top >= 1.0) for x in d["label_x"]]
    text = alt.Chart(d[~d["inside"]]).mark_text(align="left", dx=8, fontSize=_size(meeting_on, 12)).encode(
        y=y, x="label_x:Q", text="label:N")
    inside = alt.Chart(d[d["inside"]]).mark_text(align="right", dx=-8, fontSize=_size(meeting_on, 12),
                                                 fontWeight="bold").encode(
        y=y, x="share:Q", text="label:N",
        color=alt.condition(alt.datum.state == NO_VERDICT, alt.value("black"), alt.value("white")))
    h = max(80, 32 * len(d))
    chart = alt.layer(bars, ticks, text, inside).properties(width="container")
    return _fit_width(finish(chart, title, f"Список на {format_school_year(list_year)}; чёрная черта — цель "
                                           "территории; серый столбец — данных мало, вывода о цели нет",
                             meeting=meeting_on, height=h))


def procedures_chart(procs: pd.DataFrame, shnor_total: int, meeting_on: bool = False) -> alt.TopLevelMixin:
    """How many ШНОР have each procedure among their low results (bars with the count written)."""
    d = procs[procs["schools"] > 0].copy()
    d["label"] = [f"{fmt_int(n)} из {fmt_int(shnor_total)}" for n in d["schools"]]
    top = d.iloc[0] if not d.empty else None
    title = (f"Чаще всего низкие результаты ШНОР — {top['name']}: {n_schools(int(top['schools']))} из "
             f"{fmt_int(shnor_total)}" if top is not None else "У ШНОР нет низких результатов по процедурам")
    y = alt.Y("name:N", sort=list(d["name"]), title=None, axis=alt.Axis(labelLimit=360))
    bars = alt.Chart(d).mark_bar(color=ORANGE, height={"band": 0.7}).encode(
        y=y, x=alt.X("schools:Q", title="Число ШНОР с низким результатом по процедуре",
                     axis=alt.Axis(format="d", tickMinStep=1),
                     scale=alt.Scale(domain=[0, max(1.0, 1.3 * float(d["schools"].max() if not d.empty else 1))])),
        tooltip=[alt.Tooltip("name:N", title="Процедура"), alt.Tooltip("schools:Q", title="ШНОР, всего"),
                 alt.Tooltip("schools_y1:Q", title="в прошлом году"),
                 alt.Tooltip("schools_y2:Q", title="в позапрошлом году")])
    text = alt.Chart(d).mark_text(align="left", dx=6, fontSize=_size(meeting_on, 12)).encode(
        y=y, x="schools:Q", text="label:N")
    chart = alt.layer(bars, text).properties(width="container")
    return _fit_width(finish(chart, title, "Школа считается по каждой процедуре, которая привела её в список",
                             meeting=meeting_on, height=max(60, 32 * len(d))))


# ---------------------------------------------------------------------------------------------
# Charts of the School page
# ---------------------------------------------------------------------------------------------

SCHOOL, TERRITORY = "Школа", "Территория"


def school_trends_chart(trends: pd.DataFrame, threshold_pct: int, school_name: str,
                        meeting_on: bool = False) -> alt.TopLevelMixin | None:
    """Each procedure's share of "2" / below the minimum by year: the school (solid, circles) and its
    territory (dashed, squares) against the threshold (dashed black rule). A missing point is «нет
    данных» (a gap in the line), never 0. None when nothing to draw."""
    d = trends[trends["share"].notna()].copy()
    if d.empty:
        return None
    d["share"] = d["share"].astype(float)
    d["year_short"] = [f"{int(y)}/{(int(y) + 1) % 100:02d}" for y in d["year"]]
    thr = threshold_pct / 100
    order = sorted(d["year_short"].unique())
    low_years = d[(d["series"] == SCHOOL) & is_low(d["low"], d["participants"], threshold_pct)]
    enc = dict(
        x=alt.X("year_short:O", title=None, sort=order, axis=alt.Axis(labelAngle=-40, labelOverlap=False)),
        y=alt.Y("share:Q", title="Доля «2» / ниже минимума", axis=alt.Axis(format=".0%"),
                scale=alt.Scale(domain=[0, max(0.5, float(d["share"].max()) + 0.05)])),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=[SCHOOL, TERRITORY], range=[VERMILION, SKY])),
        strokeDash=alt.StrokeDash("series:N", title=None, scale=alt.Scale(domain=[SCHOOL, TERRITORY],
                                                                          range=[[1, 0], [5, 3]])),
        shape=alt.Shape("series:N", title=None, scale=alt.Scale(domain=[SCHOOL, TERRITORY], range=["circle", "square"])),
        tooltip=[alt.Tooltip("name:N", title="Процедура"), alt.Tooltip("year_label:N", title="Учебный год"),
                 alt.Tooltip("series:N", title="Ряд"), alt.Tooltip("label:N", title="Доля")],
    )
    base = alt.Chart(d)
    line = base.mark_line(strokeWidth=3, point=alt.OverlayMarkDef(size=_size(meeting_on, 70), filled=True)).encode(**enc)
    rule = base.mark_rule(color="black", strokeDash=[6, 4], strokeWidth=1.5).encode(y=alt.datum(thr))
    per_row = 2 if meeting_on else 3
    chart = alt.layer(line, rule).properties(width=_size(meeting_on, 250), height=_size(meeting_on, 170)).facet(
        facet=alt.Facet("name:N", title=None, sort=list(dict.fromkeys(d["name"])),
                        header=alt.Header(labelFontSize=_size(meeting_on, 13), labelFontWeight="bold")),
        columns=per_row).resolve_scale(x="independent")
    n_low = low_years[["procedure", "year"]].drop_duplicates().shape[0]
    title = (f"{school_name}: {n_low} {plural(n_low, 'результат', 'результата', 'результатов')} на пороге "
             f"{threshold_pct} % или выше" if n_low else f"{school_name}: все результаты ниже порога {threshold_pct} %")
    return finish(chart, title, f"Сплошная линия — школа, пунктир с квадратами — территория в среднем; чёрный "
                                f"пунктир — порог {threshold_pct} %. Разрыв линии — нет данных, а не 0 %.",
                  meeting=meeting_on)


MARK_COLORS = {"«2»": VERMILION, "«3»": ORANGE, "«4»": SKY, "«5»": BLUE}


def marks_chart(marks: pd.DataFrame, meeting_on: bool = False) -> alt.TopLevelMixin | None:
    """Marks «2»…«5» per procedure and year, stacked to 100 %; segments carry their mark and share."""
    if marks.empty:
        return None
    d = marks.copy()
    d["row"] = [f"{s} · {y}" for s, y in zip(d["short"], d["year_label"])]
    d["pct"] = [fmt_pct(x, 0) for x in d["share"]]
    d["seg"] = [f"{m} {p}" if s >= 0.12 else (p if s >= 0.06 else "") for m, p, s in zip(d["mark"], d["pct"], d["share"])]
    d = d.sort_values(["procedure", "year", "mark_n"]).reset_index(drop=True)
    d["end"] = d.groupby("row")["share"].cumsum()
    d["start"] = d["end"] - d["share"]
    d["mid"] = (d["start"] + d["end"]) / 2
    rows = list(dict.fromkeys(d["row"]))
    y = alt.Y("row:N", sort=rows, title=None, axis=alt.Axis(labelLimit=300))
    bars = alt.Chart(d).mark_bar(height={"band": 0.75}).encode(
        y=y, x=alt.X("start:Q", title="Доля участников", axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])),
        x2="end:Q",
        color=alt.Color("mark:N", title="Отметка", sort=list(MARK_COLORS),
                        scale=alt.Scale(domain=list(MARK_COLORS), range=list(MARK_COLORS.values()))),
        tooltip=[alt.Tooltip("name:N", title="Процедура"), alt.Tooltip("year_label:N", title="Учебный год"),
                 alt.Tooltip("mark:N", title="Отметка"), alt.Tooltip("pupils:Q", title="Участников", format=",d"),
                 alt.Tooltip("pct:N", title="Доля")])
    text = alt.Chart(d).mark_text(fontSize=_size(meeting_on, 11)).encode(
        y=y, x="mid:Q", text="seg:N",
        color=alt.condition("datum.mark_n == 2 || datum.mark_n == 5", alt.value("white"), alt.value("black")))
    worst = d[d["mark_n"] == 2].sort_values("share", ascending=False).head(1)
    title = (f"Больше всего «2» — {worst['short'].iloc[0]}, {worst['year_label'].iloc[0]}: {worst['pct'].iloc[0]}"
             if not worst.empty and worst["share"].iloc[0] > 0 else "Распределение отметок")
    chart = alt.layer(bars, text).properties(width="container")
    return _fit_width(finish(chart, title, "Где отметки известны: «2», «3», «4», «5» слева направо",
                             meeting=meeting_on, height=max(60, 28 * len(rows))))
