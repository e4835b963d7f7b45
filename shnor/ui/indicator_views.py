"""What the «Показатели» page draws: cached loaders (keyed on the filters and the data version), the
indicators' table with the status in colour, icon and words, and the trend chart of one indicator against its
target (a title that states the message, Russian formats through charts.finish, colour never alone). The
figures themselves come from shnor.read.indicators.
"""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from shnor.domain import indicators as ind_
from shnor.read.indicators import (IndicatorsData, build_indicators, indicator_years, school_table,
                                   template_data)
from shnor.reports.indicator_template import indicator_template
from shnor.ui.charts import BLUE, finish
from shnor.ui.db import data_version, get_store
from shnor.ui.safe import md

TTL = 900

# background tints behind the status words (the icon and the words carry the status without colour)
STATUS_BACKGROUND = {ind_.REACHED: "#D3EFE4", ind_.CLOSE: "#FCEBC5", ind_.OFF: "#F9D5C3",
                     ind_.WITHHELD: "#E8E8E8", ind_.NO_TARGET: "", ind_.NO_VALUE: ""}
STATUS_TEXT = {ind_.REACHED: "#00573F", ind_.CLOSE: "#6B4700", ind_.OFF: "#8A2F00"}


# ---------------------------------------------------------------------------------------------
# Cached loaders
# ---------------------------------------------------------------------------------------------
@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def _years(version: tuple) -> list[int]:
    return indicator_years(get_store())


def years() -> list[int]:
    """School years with results, values or targets, oldest first."""
    return _years(data_version())


@st.cache_data(ttl=TTL, max_entries=32, show_spinner="Считаем показатели…")
def _data(territory_id: int | None, year: int, version: tuple) -> IndicatorsData:
    return build_indicators(get_store(), territory_id, year)


def indicators_data(territory_id: int | None, year: int) -> IndicatorsData:
    return _data(territory_id, year, data_version())


@st.cache_data(ttl=TTL, max_entries=32, show_spinner=False)
def _schools(territory_id: int | None, code: str, year: int, version: tuple) -> pd.DataFrame:
    return school_table(get_store(), territory_id, code, year)


def schools_of(territory_id: int | None, code: str, year: int) -> pd.DataFrame:
    return _schools(territory_id, code, year, data_version())


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def _template(territory_id: int | None, year: int, with_schools: bool, visible: tuple | None,
              version: tuple) -> bytes:
    data = template_data(get_store(), territory_id, year, with_schools, None if visible is None else list(visible))
    return indicator_template(data)


def template_bytes(territory_id: int | None, year: int, with_schools: bool, visible: list[int] | None) -> bytes:
    return _template(territory_id, year, with_schools, None if visible is None else tuple(sorted(visible)),
                     data_version())


# ---------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------
TABLE_LABELS = {"name": "Показатель", "unit": "Ед.", "direction": "Что лучше", "actual_label": "Факт",
                "target_label": "Цель", "status_label": "Статус", "change": "К прошлому году",
                "source": "Откуда значение"}


def table_frame(table: pd.DataFrame, with_source: bool = True) -> pd.DataFrame:
    """The indicators' table with Russian headers, every cell made safe for st.table (it renders Markdown:
    file and user names in «Откуда значение» are data)."""
    cols = [c for c in TABLE_LABELS if with_source or c != "source"]
    shown = table[cols].rename(columns=TABLE_LABELS).reset_index(drop=True)
    return shown.apply(lambda col: [md(v) for v in col])


def styled_table(table: pd.DataFrame, with_source: bool = True):
    """table_frame with the status cell tinted by its status (the icon and the words say it too), for st.table:
    a static table whose long names and sources wrap, readable on a shared screen."""
    shown = table_frame(table, with_source)
    statuses = list(table["status"])

    def paint(col: pd.Series) -> list[str]:
        out = []
        for st_ in statuses:
            bg, fg = STATUS_BACKGROUND.get(st_, ""), STATUS_TEXT.get(st_, "")
            out.append(";".join(x for x in (f"background-color: {bg}" if bg else "", f"color: {fg}" if fg else "",
                                             "font-weight: 600" if fg else "") if x))
        return out

    return shown.style.apply(paint, subset=["Статус"], axis=0).hide(axis="index")


# ---------------------------------------------------------------------------------------------
# The trend of one indicator
# ---------------------------------------------------------------------------------------------
ACTUAL, TARGET = "Факт", "Цель"


def trend_chart(ind: ind_.Indicator, trend: pd.DataFrame, message: str, year: int,
                meeting_on: bool = False) -> alt.TopLevelMixin | None:
    """The indicator by school year (solid line, circles, each point labelled) against its target (dashed,
    diamonds, labelled «цель …»). None when there is neither a value nor a target."""
    values = [float(v) for v in list(trend["actual"]) + list(trend["target"]) if v is not None and not pd.isna(v)]
    if not values:
        return None
    top = max(values)
    domain_max = min(1.0, top * 1.25 + 0.02) if ind.is_percent else max(1.0, top * 1.25)
    low = 0.12 * domain_max           # a label under a point this low would sit on the axis: it goes above
    rows = []
    for r in trend.itertuples(index=False):
        has_actual = r.actual is not None and not pd.isna(r.actual)
        has_target = r.target is not None and not pd.isna(r.target)
        # the two labels of a year on opposite sides: the higher point's above, the lower one's below
        actual_up = not has_target or not has_actual or float(r.actual) >= float(r.target)
        if has_actual:
            rows.append({"year_label": r.year_label, "series": ACTUAL, "value": float(r.actual),
                         "label": r.actual_label, "status": r.status_label, "source": r.source,
                         "up": actual_up or float(r.actual) < low})
        if has_target:
            rows.append({"year_label": r.year_label, "series": TARGET, "value": float(r.target),
                         "label": f"цель {ind_.fmt_target(ind, float(r.target))}", "status": "", "source": "",
                         "up": not actual_up or float(r.target) < low})
    data = pd.DataFrame(rows, columns=["year_label", "series", "value", "label", "status", "source", "up"])
    used = set(data["year_label"])
    order = [y for y in trend["year_label"] if y in used]
    fs = 17 if meeting_on else 13
    axis = alt.Axis(format=".0%") if ind.is_percent else alt.Axis(format="d", tickMinStep=1)
    enc = dict(
        x=alt.X("year_label:O", title="Учебный год", sort=order, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title=ind.unit if not ind.is_percent else "Процент", axis=axis,
                scale=alt.Scale(domain=[0, domain_max], nice=False)),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=[ACTUAL, TARGET], range=[BLUE, "#333333"])),
        strokeDash=alt.StrokeDash("series:N", title=None,
                                  scale=alt.Scale(domain=[ACTUAL, TARGET], range=[[1, 0], [7, 5]])),
        shape=alt.Shape("series:N", title=None, scale=alt.Scale(domain=[ACTUAL, TARGET], range=["circle", "diamond"])),
    )
    base = alt.Chart(data)
    lines = base.mark_line(strokeWidth=4 if meeting_on else 3, point=alt.OverlayMarkDef(
        size=140 if meeting_on else 90, filled=True)).encode(
        **enc, tooltip=[alt.Tooltip("year_label:N", title="Учебный год"), alt.Tooltip("series:N", title="Ряд"),
                        alt.Tooltip("label:N", title="Значение"), alt.Tooltip("status:N", title="Статус"),
                        alt.Tooltip("source:N", title="Откуда")])
    layers = [lines]
    for series, style in ((ACTUAL, dict(fontSize=fs + 2, fontWeight="bold", color=BLUE)),
                          (TARGET, dict(fontSize=fs, color="#333333"))):
        for up in (True, False):
            layers.append(base.transform_filter((alt.datum.series == series) & (alt.datum.up == up)).mark_text(
                dy=-16 if up else 18, **style).encode(x=enc["x"], y="value:Q", text="label:N"))
    chosen = ind_.year_ru(year)
    if chosen in order and len(order) > 1:        # the page's year, marked without hiding the others
        layers.insert(0, alt.Chart(pd.DataFrame({"year_label": [chosen]})).mark_rule(
            color="#BBBBBB", strokeWidth=2, strokeDash=[2, 3]).encode(x=alt.X("year_label:O", sort=order)))
    chart = alt.layer(*layers).properties(width="container")
    better = "выше — лучше" if ind.direction == ind_.HIGHER else "ниже — лучше"
    subtitle = f"{ind.name_ru}, {ind.unit}; {better}. Сплошная линия — факт, пунктир — цель"
    chart = finish(chart, message, subtitle, meeting=meeting_on, height=280)
    return chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
