"""The meeting pack: the Overview's charts as slide-size pictures (1920×1080 PNG, large type) in one zip, for a
presentation or a printed handout of a «совещание».

The figures are the Overview page's (shnor/read/overview.py `build_overview`, with the saved rule settings), and
each slide states the same message as the page's chart (shnor/ui/views.py: the trend's message, «Выше цели — N
из M территорий», «Чаще всего низкие результаты ШНОР — …»; tests/test_meeting_pack.py compares them). The
charts are built here with Altair — the reports layer may not import shnor/ui — for a fixed slide size rather
than a page's width, and rendered with vl-convert (no browser). Numbers in Russian format through the charts'
locale (as shnor/ui/charts.py RU_LOCALE); colours of the Okabe–Ito palette, never the only carrier of meaning.

    overview_slides(data, place) -> list[Slide]          the slides of one OverviewData
    meeting_pack(store, user, list_year, territory_id) -> MeetingPack   (zip bytes, its file name, the slides)

Slides, in order: 01 the figures (schools, ШНОР, share, gap to the target); 02 the share by year against the
target (when there is a trend); 03 territories side by side (when the list spans more than one; a long list
of territories continues on 03-2, 03-3 …); 04 the procedures behind the low results (when there are ШНОР).
The zip also holds soderzhanie.txt: the slides and their messages in words. File names in the zip are ASCII,
which every unzip tool shows alike.
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass

import altair as alt
import pandas as pd
import vl_convert as vlc

from shnor.domain.fmt import fmt_int, fmt_pct, plural
from shnor.domain.permissions import Action, User, require
from shnor.domain.years import format_school_year
from shnor.read.analysis import load_rule_settings
from shnor.read.overview import OverviewData, build_overview, fmt_target
from shnor.store import Store

WIDTH, HEIGHT = 1920, 1080        # a 16:9 slide
PADDING = 48
TITLE_SIZE, SUBTITLE_SIZE, LABEL_SIZE, MARK_SIZE = 46, 28, 26, 28
TITLE_LINE = 66                   # characters of a title line at TITLE_SIZE on a slide
TERRITORIES_PER_SLIDE = 16        # bars that still read from the back of a room

# Okabe–Ito colour-blind-safe palette (as shnor/ui/charts.py)
BLUE, ORANGE, GREEN, VERMILION, SKY, GREY = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#7F7F7F"

# Russian number and date formats in the charts (the same locale as shnor/ui/charts.py RU_LOCALE)
RU_LOCALE = {
    "number": {"decimal": ",", "thousands": "\u00a0", "grouping": [3], "currency": ["", "\u00a0₽"],
               "percent": "\u00a0%"},
    "time": {"dateTime": "%A, %e %B %Y г. %X", "date": "%d.%m.%Y", "time": "%H:%M:%S", "periods": ["AM", "PM"],
             "days": ["воскресенье", "понедельник", "вторник", "среда", "четверг", "пятница", "суббота"],
             "shortDays": ["вс", "пн", "вт", "ср", "чт", "пт", "сб"],
             "months": ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
                        "октября", "ноября", "декабря"],
             "shortMonths": ["янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"]},
}

SHARE, TARGET = "Доля ШНОР", "Цель"
NO_VERDICT = "нет вывода: данных мало"
TERRITORY_STATES = ["выше цели", "цель достигнута", NO_VERDICT, "цель не задана"]


@dataclass
class Slide:
    file: str          # name in the zip (ASCII)
    title: str         # the message, as on the Overview page
    spec: dict         # the Vega-Lite spec

    def png(self) -> bytes:
        return vlc.vegalite_to_png(self.spec, scale=1)


@dataclass
class MeetingPack:
    data: bytes        # the zip
    file_name: str
    slides: list[Slide]


# ---------------------------------------------------------------------------------------------
# Slide frame
# ---------------------------------------------------------------------------------------------
def title_lines(title: str, limit: int = TITLE_LINE) -> str | list[str]:
    """A long message in lines, broken after « —» (else at a space) so that Vega does not cut it with «…»."""
    lines, rest = [], title
    while len(rest) > limit:
        cut = rest.rfind(" — ", 0, limit)
        if cut > 0:
            lines.append(rest[:cut + 2])           # the dash stays at the end of the line
            rest = rest[cut + 3:]
            continue
        cut = rest.rfind(" ", 0, limit)
        if cut <= 0:
            break
        lines.append(rest[:cut])
        rest = rest[cut + 1:]
    return lines + [rest] if lines else title


def _slide(chart, title: str, subtitle: str | list[str] = "") -> dict:
    """The chart at slide size: the message as the title, large type, Russian locale."""
    t = alt.TitleParams(text=title_lines(title), subtitle=subtitle or alt.Undefined, fontSize=TITLE_SIZE,
                        subtitleFontSize=SUBTITLE_SIZE, subtitleColor="#444444", anchor="start", offset=28,
                        subtitlePadding=12)
    return chart.properties(
        width=WIDTH, height=HEIGHT, padding=PADDING, title=t,
        autosize=alt.AutoSizeParams(type="fit", contains="padding"),
    ).configure(locale=RU_LOCALE, background="white").configure_axis(
        labelFontSize=LABEL_SIZE, titleFontSize=LABEL_SIZE, labelLimit=620, titlePadding=16, labelPadding=8,
        titleFontWeight="normal", titleColor="#333333",
    ).configure_legend(
        labelFontSize=LABEL_SIZE, titleFontSize=LABEL_SIZE, orient="bottom", symbolSize=500, symbolStrokeWidth=4,
        labelLimit=600, columnPadding=40,
    ).configure_view(strokeWidth=0).to_dict()


# ---------------------------------------------------------------------------------------------
# The slides
# ---------------------------------------------------------------------------------------------
def gap_value(data: OverviewData) -> str:
    """The fourth figure of the Overview: «−3 ШНОР», «достигнута», «цель не задана», «нет вывода»."""
    f = data.figures
    if f.withheld:
        return "нет вывода"
    if f.gap is None:
        return "цель не задана"
    return f"−{fmt_int(f.gap)} ШНОР" if f.gap else "достигнута"


def figures_slide(data: OverviewData, place: str) -> Slide:
    """The Overview's four figures in large type, and the sentence about the target under them."""
    f = data.figures
    cards = pd.DataFrame([
        {"i": 0, "label": "Школ", "value": fmt_int(f.schools)},
        {"i": 1, "label": "ШНОР", "value": fmt_int(f.shnor)},
        {"i": 2, "label": "Доля ШНОР", "value": fmt_pct(f.share)},
        {"i": 3, "label": "До цели", "value": gap_value(data)},
    ])
    cards["goal"] = ["", "", f"цель {fmt_target(f.target)}" if f.target is not None else "цель не задана", ""]
    cards["x"], cards["x0"], cards["x1"] = cards["i"] + 0.5, cards["i"] + 0.05, cards["i"] + 0.95
    cards["y0"], cards["y1"] = 0.34, 0.98
    cards["y_label"], cards["y_value"], cards["y_goal"] = 0.87, 0.64, 0.44
    sx = alt.Scale(domain=[0, 4], nice=False, zero=False)
    sy = alt.Scale(domain=[0, 1], nice=False)

    def X(field: str):
        return alt.X(f"{field}:Q", axis=None, scale=sx)

    def Y(field: str):
        return alt.Y(f"{field}:Q", axis=None, scale=sy)

    base = alt.Chart(cards)
    box = base.mark_rect(color="#F3F6FA", stroke="#B8C4D2", strokeWidth=2, cornerRadius=12).encode(
        x=X("x0"), x2="x1:Q", y=Y("y0"), y2="y1:Q")
    label = base.mark_text(fontSize=40, color="#333333").encode(x=X("x"), y=Y("y_label"), text="label:N")
    # the value's type shrinks with its length so that «цель не задана» fits its card as «306» does
    cards["fs"] = [min(96, int(0.82 * (WIDTH - 2 * PADDING) / 4 / (0.62 * max(1, len(v))))) for v in cards["value"]]
    value = base.mark_text(fontWeight="bold", color="#111111").encode(
        x=X("x"), y=Y("y_value"), text="value:N", size=alt.Size("fs:Q", scale=None, legend=None))
    goal = base.mark_text(fontSize=34, color="#444444").encode(x=X("x"), y=Y("y_goal"), text="goal:N")
    sentence = f.gap_sentence()
    words = pd.DataFrame({"text": _lines(sentence, 78)[:2]})
    words["x"] = 0.05
    words["y"] = [0.22 - 0.07 * k for k in range(len(words))]
    text = alt.Chart(words).mark_text(fontSize=38, align="left", color=VERMILION if f.gap else "#222222",
                                      fontWeight="bold").encode(x=X("x"), y=Y("y"), text="text:N")
    ch = data.changes
    change = (f"Изменения списка {format_school_year(data.list_year - 1)} → {format_school_year(data.list_year)}: "
              f"вошли {fmt_int(len(ch.entered))}, вышли {fmt_int(len(ch.left))}, остались {fmt_int(len(ch.stayed))}"
              if ch.previous_available else
              f"Списка на {format_school_year(data.list_year - 1)} нет — изменения не с чем сравнить")
    changes = alt.Chart(pd.DataFrame({"text": [change], "x": [0.05], "y": [0.04]})).mark_text(
        fontSize=32, align="left", color="#333333").encode(x=X("x"), y=Y("y"), text="text:N")
    title = f"{place}: список ШНОР на {format_school_year(data.list_year)}"
    s = data.statuses
    subtitle = [data.coverage.sentence_ru(),
                f"Группа риска: {fmt_int(s.get('группа риска', 0))} · без низких результатов: "
                f"{fmt_int(s.get('без низких результатов', 0))} · нет данных: {fmt_int(s.get('нет данных', 0))}"]
    chart = alt.layer(box, label, value, goal, text, changes)
    return Slide("01_itogi.png", title, _slide(chart, title, subtitle))


def _lines(text: str, limit: int) -> list[str]:
    out, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > limit:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return out + ([line] if line else [])


def trend_slide(data: OverviewData) -> Slide | None:
    """The share of ШНОР by results year (solid line, circles, labelled) against the target (dashed, diamonds)."""
    trend = data.trend
    if trend.empty:
        return None
    rows, previous = [], None
    for r in trend.itertuples(index=False):
        note = getattr(r, "note", "") or ""
        if r.share is not None and not pd.isna(r.share):
            rows.append({"year_label": r.year_label, "series": SHARE, "value": float(r.share),
                         "label": r.share_label, "note": note})
        if r.target is not None and not pd.isna(r.target):
            # labelled where it changes: one «цель 5 %» under a flat line, not five (the title says the latest)
            shown = previous is None or float(r.target) != previous
            rows.append({"year_label": r.year_label, "series": TARGET, "value": float(r.target),
                         "label": f"цель {r.target_label}" if shown else "", "note": ""})
            previous = float(r.target)
    d = pd.DataFrame(rows, columns=["year_label", "series", "value", "label", "note"])
    if d.empty:
        return None
    order = list(trend["year_label"])
    top = max([float(v) for v in d["value"]] + [0.05]) * 1.25
    # a share's label goes under a point lower than its neighbours (a line from above would cross it), else above
    # (unless the target lies just below it)
    share = d[d["series"] == SHARE][["year_label", "value"]].values.tolist()
    goal = dict(d[d["series"] == TARGET][["year_label", "value"]].values.tolist())
    below = [0 < k < len(share) - 1 and v < share[k - 1][1] and v < share[k + 1][1] and v > 0.12 * top
             and not (y in goal and 0 <= v - goal[y] < 0.15 * top) for k, (y, v) in enumerate(share)]
    d["below"] = False
    d.loc[d["series"] == SHARE, "below"] = below
    enc = dict(
        x=alt.X("year_label:O", title="Учебный год, по результатам которого сформирован список", sort=order,
                axis=alt.Axis(labelAngle=0), scale=alt.Scale(paddingOuter=0.3)),
        y=alt.Y("value:Q", title="Доля школ", axis=alt.Axis(format=".0%", tickCount=6),
                scale=alt.Scale(domain=[0, top], nice=False)),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=[SHARE, TARGET], range=[VERMILION, "#333333"])),
        strokeDash=alt.StrokeDash("series:N", title=None, scale=alt.Scale(domain=[SHARE, TARGET],
                                                                          range=[[1, 0], [14, 10]])),
        shape=alt.Shape("series:N", title=None, scale=alt.Scale(domain=[SHARE, TARGET], range=["circle", "diamond"])),
    )
    base = alt.Chart(d)
    lines = base.mark_line(strokeWidth=7, point=alt.OverlayMarkDef(size=700, filled=True)).encode(**enc)
    # labels over a white halo (the same text stroked in white under it): readable where a line crosses them
    labels = alt.layer(*[base.transform_filter((alt.datum.series == SHARE) & (alt.datum.below == low)).mark_text(
        dy=44 if low else -38, fontSize=MARK_SIZE + 6, fontWeight="bold", **style).encode(
        x=enc["x"], y="value:Q", text="label:N") for low in (False, True)
        for style in ({"stroke": "white", "strokeWidth": 8, "color": "white"}, {"color": VERMILION})])
    target_labels = alt.layer(*[base.transform_filter(alt.datum.series == TARGET).mark_text(
        align="right", dx=-20, dy=38, fontSize=MARK_SIZE, **style).encode(x=enc["x"], y="value:Q", text="label:N")
        for style in ({"stroke": "white", "strokeWidth": 8, "color": "white"}, {"color": "#333333"})])
    few = base.transform_filter((alt.datum.series == SHARE) & (alt.datum.note != ""))
    hollow = few.mark_point(filled=True, color="white", size=220, opacity=1).encode(x=enc["x"], y="value:Q")
    subtitle = "Доля ШНОР от всех общеобразовательных школ территории (сплошная линия) и цель (пунктир)"
    if (d["note"] != "").any():
        subtitle += "; полый кружок — данных мало, вывода о цели нет"
    return Slide("02_dolya_shnor.png", data.trend_message,
                 _slide(alt.layer(lines, labels, target_labels, hollow), data.trend_message, subtitle))


def territory_state(met, sufficient) -> str:
    if sufficient is not None and not pd.isna(sufficient) and not bool(sufficient):
        return NO_VERDICT
    return "цель не задана" if met is None or pd.isna(met) else ("цель достигнута" if met else "выше цели")


def territory_label(share, shnor, schools, gap, sufficient, with_data) -> str:
    head = f"{fmt_pct(share)} ({fmt_int(shnor)} из {fmt_int(schools)})"
    if sufficient is not None and not pd.isna(sufficient) and not bool(sufficient):
        return head + f" · нет вывода (данные у {fmt_int(int(with_data))} из {fmt_int(schools)})"
    if gap is None or pd.isna(gap):
        return head
    return head + (" · цель достигнута" if int(gap) == 0 else f" · на {fmt_int(int(gap))} ШНОР больше цели")


def territories_title(comp: pd.DataFrame) -> str:
    """The message of the territories' chart, worded as on the Overview page."""
    states = [territory_state(m, ok) for m, ok in zip(comp["met"], comp.get("sufficient", [None] * len(comp)))]
    above, withheld = states.count("выше цели"), states.count(NO_VERDICT)
    n_terr = f"{len(comp)} {plural(len(comp), 'территории', 'территорий', 'территорий')}"
    if comp["target"].notna().any():
        title = f"Выше цели — {above} из {n_terr}"
        if withheld:
            title += f"; без вывода (данных мало) — {withheld}"
        return title
    return "Доля ШНОР по территориям"


def territories_slides(data: OverviewData) -> list[Slide]:
    """Territories side by side: the share (bar) and the own target (black tick), highest first, each bar
    labelled with its figures and verdict; TERRITORIES_PER_SLIDE to a slide."""
    comp = data.territories
    if len(comp) <= 1:
        return []
    d = comp.copy()
    if "sufficient" not in d:
        d["sufficient"], d["with_data"] = None, None
    d["state"] = [territory_state(m, ok) for m, ok in zip(d["met"], d["sufficient"])]
    d["label"] = [territory_label(s, k, n, g, ok, w) for s, k, n, g, ok, w in
                  zip(d["share"], d["shnor"], d["schools"], d["gap"], d["sufficient"], d["with_data"])]
    title = territories_title(comp)
    top = min(1.0, 2.3 * max(float(d["share"].fillna(0).max()), float(d["target"].fillna(0).max()), 0.05))
    d["label_x"] = [max(0.0 if s is None or pd.isna(s) else float(s), 0.0 if t is None or pd.isna(t) else float(t))
                    for s, t in zip(d["share"], d["target"])]
    parts = [d.iloc[i:i + TERRITORIES_PER_SLIDE] for i in range(0, len(d), TERRITORIES_PER_SLIDE)]
    slides = []
    for k, part in enumerate(parts, start=1):
        part = part.copy()
        part["inside"] = [bool(x > 0.55 * top) for x in part["label_x"]]
        y = alt.Y("territory:N", sort=list(part["territory"]), title=None,
                  axis=alt.Axis(labelLimit=620, labelFontSize=LABEL_SIZE))
        bars = alt.Chart(part).mark_bar(height={"band": 0.72}).encode(
            y=y, x=alt.X("share:Q", title="Доля ШНОР", axis=alt.Axis(format=".0%", tickCount=6),
                         scale=alt.Scale(domain=[0, top], nice=False, clamp=True)),
            color=alt.Color("state:N", title=None, scale=alt.Scale(domain=TERRITORY_STATES,
                                                                   range=[VERMILION, BLUE, "#BBBBBB", GREY])))
        ticks = alt.Chart(part[part["target"].notna()]).mark_tick(color="black", thickness=7, size=56).encode(
            y=y, x="target:Q")
        text = alt.Chart(part[~part["inside"]]).mark_text(align="left", dx=14, fontSize=MARK_SIZE - 2).encode(
            y=y, x="label_x:Q", text="label:N")
        inside = alt.Chart(part[part["inside"]]).mark_text(align="right", dx=-14, fontSize=MARK_SIZE - 2,
                                                           fontWeight="bold").encode(
            y=y, x="share:Q", text="label:N",
            color=alt.condition(alt.datum.state == NO_VERDICT, alt.value("black"), alt.value("white")))
        more = f" ({k} из {len(parts)})" if len(parts) > 1 else ""
        subtitle = (f"Список на {format_school_year(data.list_year)}; чёрная черта — цель территории; серый столбец — "
                    f"данных мало, вывода о цели нет{more}")
        name = "03_territorii.png" if len(parts) == 1 else f"03_territorii_{k}.png"
        slides.append(Slide(name, title, _slide(alt.layer(bars, ticks, text, inside), title, subtitle)))
    return slides


def procedures_title(procs: pd.DataFrame, shnor_total: int) -> str:
    """The message of the procedures' chart, worded as on the Overview page."""
    d = procs[procs["schools"] > 0]
    if d.empty:
        return "У ШНОР нет низких результатов по процедурам"
    top = d.iloc[0]
    n = int(top["schools"])
    return (f"Чаще всего низкие результаты ШНОР — {top['name']}: {fmt_int(n)} {plural(n, 'школа', 'школы', 'школ')} "
            f"из {fmt_int(shnor_total)}")


def procedures_slide(data: OverviewData) -> Slide | None:
    """How many ШНОР have each procedure among their low results (bars with the count written)."""
    shnor_total = data.figures.shnor
    if not shnor_total:
        return None
    d = data.procedures[data.procedures["schools"] > 0].copy()
    d["label"] = [f"{fmt_int(n)} из {fmt_int(shnor_total)}" for n in d["schools"]]
    title = procedures_title(data.procedures, shnor_total)
    y = alt.Y("name:N", sort=list(d["name"]), title=None, axis=alt.Axis(labelLimit=620))
    top = max(1.0, 1.25 * float(d["schools"].max() if not d.empty else 1))
    bars = alt.Chart(d).mark_bar(color=ORANGE, height={"band": 0.72}).encode(
        y=y, x=alt.X("schools:Q", title="Число ШНОР с низким результатом по процедуре",
                     axis=alt.Axis(format="d", tickMinStep=1, tickCount=6), scale=alt.Scale(domain=[0, top], nice=False)))
    text = alt.Chart(d).mark_text(align="left", dx=14, fontSize=MARK_SIZE, fontWeight="bold").encode(
        y=y, x="schools:Q", text="label:N")
    return Slide("04_procedury.png", title, _slide(alt.layer(bars, text), title,
                                                   "Школа считается по каждой процедуре, которая привела её в список"))


def overview_slides(data: OverviewData, place: str) -> list[Slide]:
    """Every chart of the Overview for this list year and territory, as slides (plus the figures first)."""
    slides = [figures_slide(data, place)]
    if data.figures.schools == 0:
        return slides
    trend = trend_slide(data)
    if trend is not None:
        slides.append(trend)
    slides += territories_slides(data)
    procs = procedures_slide(data)
    if procs is not None:
        slides.append(procs)
    return slides


def place_name(store: Store, territory_id: int | None) -> str:
    """As the Overview names it: «Весь регион» or the territory's name."""
    if territory_id is None:
        return "Весь регион"
    return store.territories.name(territory_id) or f"территория {territory_id}"


def meeting_pack(store: Store, user: User, list_year: int, territory_id: int | None,
                 generated_at: dt.datetime | None = None) -> MeetingPack:
    """The zip of the Overview's slides for the list of `list_year` and a territory (None: the whole region)."""
    require(user, Action.REPORTS, territory_id)
    generated_at = generated_at or dt.datetime.now()
    data = build_overview(store, list_year, territory_id, load_rule_settings(store))
    place = place_name(store, territory_id)
    slides = overview_slides(data, place)
    index = [f"Пакет для совещания: {place}, список ШНОР на {format_school_year(list_year)}",
             f"Сформирован {generated_at:%d.%m.%Y %H:%M}. Слайды 1920×1080 (PNG):", ""]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i, s in enumerate(slides, start=1):
            z.writestr(s.file, s.png())
            index.append(f"{i}. {s.file} — {s.title}")
        z.writestr("soderzhanie.txt", ("\ufeff" + "\r\n".join(index) + "\r\n").encode("utf-8"))
    return MeetingPack(buf.getvalue(), f"совещание_ШНОР_{list_year}-{list_year + 1}.zip", slides)
