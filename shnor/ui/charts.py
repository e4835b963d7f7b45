"""Altair charts that read at a glance on a shared screen: a title that states the message, Russian
number formats through the chart's locale config, a colour-blind-safe palette, and colour never the only
carrier of meaning (shapes, labels or dashes carry it too)."""
from __future__ import annotations

import altair as alt

# Okabe–Ito colour-blind-safe palette
BLUE, ORANGE, GREEN, VERMILION, SKY, YELLOW, PURPLE, GREY = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#F0E442", "#CC79A7", "#7F7F7F")
PALETTE = [BLUE, ORANGE, GREEN, VERMILION, SKY, PURPLE, YELLOW, GREY]
STATUS_COLORS = {"ШНОР": VERMILION, "группа риска": ORANGE, "без низких результатов": BLUE, "нет данных": GREY}

RU_LOCALE = alt.Locale(
    number={"decimal": ",", "thousands": "\u00a0", "grouping": [3], "currency": ["", "\u00a0₽"],
            "percent": "\u00a0%"},
    time={"dateTime": "%A, %e %B %Y г. %X", "date": "%d.%m.%Y", "time": "%H:%M:%S",
          "periods": ["AM", "PM"],
          "days": ["воскресенье", "понедельник", "вторник", "среда", "четверг", "пятница", "суббота"],
          "shortDays": ["вс", "пн", "вт", "ср", "чт", "пт", "сб"],
          "months": ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
                     "октября", "ноября", "декабря"],
          "shortMonths": ["янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"]},
)


TITLE_LINE = 75   # characters of a title line: a longer message is broken at its last « — » that fits


def title_lines(title: str) -> str | list[str]:
    """A long chart title in lines (Vega would cut it with «…» or squeeze the plot): broken at « — »."""
    lines, rest = [], title
    while len(rest) > TITLE_LINE and " — " in rest:
        cut = rest.rfind(" — ", 0, TITLE_LINE)
        if cut <= 0:
            cut = rest.find(" — ")
        lines.append(rest[:cut])
        rest = rest[cut + 3:]
    return lines + [rest] if lines else title


def finish(chart: alt.TopLevelMixin, title: str, subtitle: str | None = None, meeting: bool = False,
           height: int | None = None) -> alt.TopLevelMixin:
    """Title (the message, in lines when long), Russian locale, readable fonts; larger in meeting mode."""
    base = 18 if meeting else 13
    t = alt.TitleParams(text=title_lines(title), subtitle=subtitle or alt.Undefined, fontSize=base + 6, anchor="start",
                        subtitleFontSize=base, subtitleColor="#444")
    if height:
        chart = chart.properties(height=height * (1.3 if meeting else 1))
    return chart.properties(title=t).configure(locale=RU_LOCALE).configure_axis(
        labelFontSize=base, titleFontSize=base + 1, labelLimit=320).configure_legend(
        labelFontSize=base, titleFontSize=base + 1, orient="bottom").configure_view(strokeWidth=0)
