"""Roadmap deadlines: free Russian text -> a date range, by our own rules for the phrase families.

    parse_period("… на 2023-2025 годы")                  -> Period(2023-01-01, 2025-12-31)
    parse_deadline("сентябрь- октябрь 2020 года")         -> 2020-09-01..2020-10-31, kind "months"
    parse_deadline("до 31.05.2023, далее - ежегодно", p)  -> p.start..2023-05-31, kind "until"
    deadline_flag(end, "in_progress", today)             -> "overdue" / "due_soon" / None

What cannot be read is kept as written and flagged, never guessed (no `dateparser`: it reads
«в течение 2022 года» as the year 4046 and fills missing parts from today).

Decisions (documented here because the product relies on them):
- Several months or dates -> from the start of the earliest to the end of the latest.
- Months listed before one year share it; a range over the year end with one year ("ноябрь-январь 2021")
  gives the year to the month it is written next to, and the months before it that come later in the
  calendar go to the year before: 2020-11-01..2021-01-31 (the note says so).
- «до <дата>» ends on that date and starts with the roadmap's period; without a period, or when the period
  starts later, start = end (a one-day range: start and end are always both set or both None).
  «до <месяц/год>» ends on the first day of it (like «до 1 сентября»); «до конца <…>» on its last day.
- A month with no year takes its first occurrence inside the period (for a school-year period that is
  Sept–Dec of the first year, Jan–Aug of the second). When the period is several calendar years the month
  repeats: with «ежегодно» that is kind "recurring" (not flagged); a plain month is flagged (a guess).
- «В течение учебного года» / «в течение года»: a school-year period -> that school year; a single calendar
  year -> that year (for «в течение года»); otherwise the whole period. No period -> no dates, flagged.
- «по графику …» bounded by a year or a school year («согласно плану-графику на 2022 г.», «в соответствии с
  графиком проведения в 2021-2022 учебном году») -> that year / school year, not flagged, the note says
  «по графику»; unbounded schedules have no dates, kind "schedule", flagged.
- Dates outside the roadmap's period are kept as written; the note says they fall outside it.
- «2020/2021» (a slash between consecutive years) is a school year; «2021-2022 гг.» are calendar years.
Pure: standard library only.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable


@dataclass(frozen=True)
class Period:
    """The roadmap's own period."""
    start: date
    end: date


@dataclass(frozen=True)
class Deadline:
    text: str                 # as written (stripped)
    start: date | None
    end: date | None
    kind: str                 # a key of KINDS
    flagged: bool             # no dates could be derived, or a guess would be needed
    note: str                 # Russian, for the user; "" when plain


KINDS: dict[str, str] = {
    "date": "дата",
    "dates": "несколько дат",
    "part_month": "часть месяца",
    "month": "месяц",
    "months": "несколько месяцев",
    "quarter": "квартал",
    "half_year": "полугодие",
    "year": "год",
    "years": "несколько лет",
    "school_year": "учебный год",
    "range": "с … по …",
    "until": "до даты",
    "period": "весь период",
    "recurring": "ежегодно",
    "schedule": "по графику / по мере необходимости",
    "unparsed": "не распознано",
}

FLAG_RU = {"overdue": "просрочено", "due_soon": "скоро срок"}
CLOSED_STATUSES = frozenset({"done", "cancelled", "canceled"})

NOTE_UNPARSED = "срок не распознан, сохранён как написан"
NOTE_EMPTY = "срок не указан"
NOTE_SCHEDULE = "срок не указан датой (по графику / по мере необходимости)"
NOTE_NO_PERIOD = "период дорожной карты неизвестен — даты не определены"

MONTHS_GEN = ("", "января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
              "октября", "ноября", "декабря")
MONTHS_NOM = ("", "январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
              "октябрь", "ноябрь", "декабрь")

# ---------------------------------------------------------------------------------------------- helpers

_MONTH_STEMS: tuple[tuple[int, str], ...] = (
    (1, r"январ\w*|янв"), (2, r"феврал\w*|февр?"), (3, r"март\w*|мар"), (4, r"апрел\w*|апр"),
    (5, r"ма[йяею]"), (6, r"июн\w*"), (7, r"июл\w*"), (8, r"август\w*|авг"), (9, r"сентябр\w*|сент?"),
    (10, r"октябр\w*|окт"), (11, r"ноябр\w*|нояб?"), (12, r"декабр\w*|дек"),
)
_MONTH_ONE = [(m, re.compile(rf"(?:{p})\.?")) for m, p in _MONTH_STEMS]
MONTH = r"\b(?:" + "|".join(p for _, p in _MONTH_STEMS) + r")\b\.?"
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def _month_of(word: str) -> int:
    for m, rx in _MONTH_ONE:
        if rx.fullmatch(word):
            return m
    raise ValueError(word)


def _last_day(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _fmt(d: date) -> str:
    return d.strftime("%d.%m.%Y")


def _normalize(text: str) -> str:
    t = text.replace("\u00ad", "").replace("\u00a0", " ").replace("\u202f", " ")
    t = t.lower().replace("ё", "е")
    t = re.sub(r"[\u2010-\u2015\u2212\u2043\ufe58\ufe63\uff0d]", "-", t)
    t = re.sub(r"(\d)([^\W\d_])", r"\1 \2", t)
    t = re.sub(r"([^\W\d_])(\d)", r"\1 \2", t)
    return re.sub(r"\s+", " ", t).strip()


def _compact(norm: str) -> str:
    return re.sub(r"[\W_]+", "", norm)


def is_school_year_period(p: Period) -> bool:
    """A period from 1 September to 31 August (one or several school years)."""
    return (p.start.month, p.start.day) == (9, 1) and (p.end.month, p.end.day) == (8, 31) \
        and p.end.year > p.start.year


def _is_calendar_year(p: Period) -> bool:
    return (p.start.month, p.start.day, p.end.month, p.end.day) == (1, 1, 12, 31) and p.start.year == p.end.year


def _period_ru(p: Period) -> str:
    if is_school_year_period(p):
        if p.end.year == p.start.year + 1:
            return f"{p.start.year}/{p.end.year} учебный год"
        return f"{p.start.year}/{p.start.year + 1}–{p.end.year - 1}/{p.end.year} учебные годы"
    if (p.start.month, p.start.day, p.end.month, p.end.day) == (1, 1, 12, 31):
        return f"{p.start.year} год" if p.start.year == p.end.year else f"{p.start.year}–{p.end.year} годы"
    return f"{_fmt(p.start)}–{_fmt(p.end)}"


# ----------------------------------------------------------------------------------------------- period

_PERIOD_RANGE_RE = re.compile(
    r"(?P<na>\bна\s+(?:(?:период|срок)\s+)?)?(?<!\d)(?P<y1>(?:19|20)\d{2})(?!\d)\s*(?:гг?\b\.?\s*)?"
    r"[-/]\s*(?P<y2>(?:19|20)\d{2}|\d{2})(?!\d)\s*"
    r"(?P<suffix>уч(?:ебн\w*)?\b\.?\s*(?:г(?:од\w*)?\b\.?)?|гг\b\.?|г\b\.?|год\w*)?")
_PERIOD_YEAR_RE = re.compile(
    r"\bна\s+(?:(?:период|срок)\s+)?(?<!\d)(?P<y>(?:19|20)\d{2})(?!\d)\s*(?:г\b\.?|год\b|учебн)")
_NOMINATIVE_SUFFIX = re.compile(r"^(?:годы|гг\.?|г\.?|учебн(?:ый|ые)\s+год\w*|уч\.?\s*г(?:од|оды|\.)?\.?)$")


def parse_period(text: str) -> Period | None:
    """The roadmap's period from its title or text; None when none is found.

    «на 2023-2025 годы» -> 2023-01-01..2025-12-31; «на 2020-2021 учебный год», «2020/2021 учебный год»
    -> 2020-09-01..2021-08-31; «на 2022 год» -> 2022-01-01..2022-12-31. A range of years is taken when it
    follows «на» or is named in the nominative («… годы», «… гг.», «… учебный год») — «в течение 2021-2022
    учебного года» in a measure is a deadline, not the period. Ranges win over single years; the first one in
    the text is taken. Pass the title (and the line that states the period), not a whole document.
    """
    norm = _normalize(text if isinstance(text, str) else str(text or ""))
    for m in _PERIOD_RANGE_RE.finditer(norm):
        suffix = (m.group("suffix") or "").strip()
        if not (m.group("na") or _NOMINATIVE_SUFFIX.match(suffix)):
            continue
        y1 = int(m.group("y1"))
        y2s = m.group("y2")
        y2 = int(y2s) if len(y2s) == 4 else (y1 // 100) * 100 + int(y2s)
        if suffix.startswith("уч") or ("/" in m.group(0) and y2 == y1 + 1 and not suffix.startswith("гг")
                                        and suffix != "годы"):
            if y2 > y1:
                return Period(date(y1, 9, 1), date(y2, 8, 31))
        elif y2 >= y1:
            return Period(date(y1, 1, 1), date(y2, 12, 31))
    for m in _PERIOD_YEAR_RE.finditer(norm):
        y = int(m.group("y"))
        if m.group(0).endswith("учебн"):
            return Period(date(y, 9, 1), date(y + 1, 8, 31))
        return Period(date(y, 1, 1), date(y, 12, 31))
    return None


# ------------------------------------------------------------------------------------------- tokenizing

_TOKEN_RE = re.compile(
    r"(?P<date>(?<![\d.])(?P<d_d>\d{1,2})\.(?P<d_m>\d{1,2})\.(?P<d_y>\d{4}|\d{2})(?![\d]))"
    r"|(?P<yr>(?<!\d)(?P<yr1>(?:19|20)\d{2})(?!\d)\s*(?:гг?\b\.?\s*)?[-/]\s*(?P<yr2>(?:19|20)\d{2}|\d{2})(?!\d)"
    r"(?:\s*(?P<yr_sch>уч(?:ебн\w*)?\b\.?))?(?:\s*(?:гг\b\.?|г\b\.?|год\w*))?)"
    r"|(?P<qr>(?<!\w)(?P<qr1>iv|iii|ii|i|[1-4])\s*-\s*(?P<qr2>iv|iii|ii|i|[1-4])\s*(?:-?(?:й|ый)\s*)?"
    r"(?:квартал\w*|кв\b\.?))"
    r"|(?P<q>(?<!\w)(?P<q_n>iv|iii|ii|i|[1-4])\s*(?:-?(?:й|ый|ом|го)\s*)?(?:квартал\w*|кв\b\.?))"
    r"|(?P<h>(?<!\w)(?P<h_n>1|2|ii|i|перв\w*|втор\w*)\s*(?:-?(?:е|ое|м|ом)\s*)?полугоди\w*)"
    rf"|(?P<part>\b(?P<part_n>перв\w*|втор\w*|трет\w*)\s+(?P<part_u>половин\w*|декад\w*)\s+(?P<part_m>{MONTH}))"
    rf"|(?P<dm>(?<!\d)(?P<dm_d>\d{{1,2}})(?:\s*-?(?:го|е|ое))?\s+(?P<dm_m>{MONTH}))"
    r"|(?P<my>(?<![\d.])(?P<my_m>\d{1,2})\.(?P<my_y>(?:19|20)\d{2})(?!\d))"
    r"|(?P<dn>(?<![\d.])(?P<dn_d>\d{1,2})\.(?P<dn_m>\d{1,2})(?!\d))"
    rf"|(?P<mon>{MONTH})"
    r"|(?P<y>(?<!\d)(?P<y_y>(?:19|20)\d{2})(?!\d)(?:\s*(?:гг\b\.?|г\b\.?|год\w*))?)"
    r"|(?P<dayonly>(?<!\d)\d{1,2}(?:\s*-?(?:го|е))?\s+числ\w*)"
    r"|(?P<schw>\bучебн\w*\s+год\w*|\bуч\b\.?\s*г(?:од\w*)?\b\.?)"
    r"|(?P<yw>\bгод\w*)"
)

# words that may stand around the dates without changing them
_FILLER = frozenset("""
г гг год года году в во на течение и с со по до к не позднее позже далее срок сроки срока числа включительно
конца конец начало начала середина середины месяц месяца текущего текущий всего весь протяжении уч учебного
учебный учебном учебном а также или затем потом соответственно либо ориентировочно примерно около
""".split())
_VAGUE_WORDS = re.compile(r"\b(?:начал[оа]|конец|середин[аы]|ориентировочно|примерно|около)\b")

_SCHEDULE_KEYS = ("поотдельному", "пографику", "поплану", "согласноплану", "согласнографику",
                  "всоответствиисграфиком", "всоответствииспланом", "всоответствиисрасписанием",
                  "порасписанию", "померенеобходимости", "понеобходимости", "принеобходимости",
                  "позапросу", "позапросам", "позаявкам", "позаявке", "вустановленныесроки",
                  "вустановленныйсрок", "всрокиустановленные")
_PERIOD_KEYS = ("весьпериод", "всегопериода", "весьсрок", "всегосрока", "постоянно", "напротяжении",
                "впериодреализации", "втечениереализации", "втечениесрокареализации", "втечениепериода",
                "систематически", "навесьсрок")
_REPEAT_AFTER_RE = re.compile(r"[,;.]?\s*(?:и\s+|а\s+)?далее\s*[-,:–]?\s*(?P<w>ежегодн\w*|ежемесячн\w*|ежекварт\w*)")
_RECURRING_RE = re.compile(
    r"\b(?P<yearly>ежегодн\w*|каждый\s+год|каждого\s+года)\b"
    r"|\b(?P<monthly>ежемесячн\w*|каждого\s+месяца|каждый\s+месяц)\b"
    r"|\b(?P<quarterly>ежекварт\w*|каждого\s+квартала|каждый\s+квартал)\b"
    r"|\b(?P<other>еженедельн\w*|ежедневн\w*|каждую\s+неделю|каждую\s+четверть|по\s+четвертям|"
    r"ежечетвертн\w*|по\s+итогам\s+(?:каждой\s+)?четверти)\b")
_RECURRING_RU = {"yearly": "ежегодно", "monthly": "ежемесячно", "quarterly": "ежеквартально",
                 "other": "регулярно"}


@dataclass
class _Tok:
    kind: str          # item kinds: date, month, part, quarter, half, year_item, years, school_year;
    pos: int           # markers: year (a year number), schw, yw, dayonly
    key: tuple[int, int] = (0, 0)                     # (month, day) order inside a year
    build: Callable[[int], tuple[date, date]] | None = None  # a year -> (start, end), for year-relative items
    year: int | None = None                           # a year number, or an explicit date's year
    span: tuple[date, date] | None = None             # absolute items
    school: bool = False
    word: str = ""                                    # Russian name for notes
    end: int = 0                                      # where the token ends in the normalised text


class _Bad(Exception):
    """A part of the text that looks like a date but is not one (31.02.2022)."""


def _year_of(s: str) -> int:
    y = int(s)
    return y + 2000 if len(s) == 2 else y


def _tokens(norm: str) -> tuple[list[_Tok], str]:
    """Date tokens in text order, and the text left over once they are cut out."""
    toks: list[_Tok] = []
    left = []
    last = 0
    for m in _TOKEN_RE.finditer(norm):
        left.append(norm[last:m.start()])
        left.append(" ")
        last = m.end()
        g = m.group
        pos = m.start()
        n_before = len(toks)
        try:
            if g("date"):
                d = date(_year_of(g("d_y")), int(g("d_m")), int(g("d_d")))
                toks.append(_Tok("date", pos, (d.month, d.day), year=d.year, span=(d, d), word=_fmt(d)))
            elif g("yr"):
                y1 = int(g("yr1"))
                y2s = g("yr2")
                y2 = int(y2s) if len(y2s) == 4 else (y1 // 100) * 100 + int(y2s)
                slash_year = "/" in m.group(0) and y2 == y1 + 1 and not re.search(r"гг|годы", m.group(0))
                if g("yr_sch") or slash_year:     # «2020/2021» is a school year; «2021-2022 гг.» calendar years
                    if y2 <= y1:
                        raise _Bad
                    toks.append(_Tok("school_year", pos, span=(date(y1, 9, 1), date(y2, 8, 31)), school=True,
                                     word=f"{y1}/{y2} учебный год"))
                else:
                    if y2 <= y1:
                        raise _Bad
                    toks.append(_Tok("years", pos, span=(date(y1, 1, 1), date(y2, 12, 31)),
                                     word=f"{y1}–{y2} годы"))
            elif g("qr") or g("q"):
                q1 = _ROMAN[g("qr1") or g("q_n")]
                q2 = _ROMAN[g("qr2") or g("q_n")]
                if q2 < q1:
                    raise _Bad
                m1, m2 = 3 * q1 - 2, 3 * q2
                toks.append(_Tok("quarter", pos, (m1, 1),
                                 build=lambda y, a=m1, b=m2: (date(y, a, 1), _last_day(y, b)),
                                 word=f"{q1}-й квартал" if q1 == q2 else f"{q1}–{q2}-й кварталы"))
            elif g("h"):
                n = g("h_n")
                h = 1 if n in ("1", "i") or n.startswith("перв") else 2
                m1 = 1 if h == 1 else 7
                toks.append(_Tok("half", pos, (m1, 1),
                                 build=lambda y, a=m1: (date(y, a, 1), _last_day(y, a + 5)),
                                 word=f"{h}-е полугодие"))
            elif g("part"):
                mo = _month_of(g("part_m"))
                n = g("part_n")
                if g("part_u").startswith("половин"):
                    if n.startswith("трет"):
                        raise _Bad
                    first = n.startswith("перв")
                    rng = (1, 15) if first else (16, 0)
                    word = ("первая" if first else "вторая") + f" половина {MONTHS_GEN[mo]}"
                else:
                    idx = 0 if n.startswith("перв") else 1 if n.startswith("втор") else 2
                    rng = ((1, 10), (11, 20), (21, 0))[idx]
                    word = ("первая", "вторая", "третья")[idx] + f" декада {MONTHS_GEN[mo]}"
                toks.append(_Tok("part", pos, (mo, rng[0]),
                                 build=lambda y, a=mo, r=rng: (date(y, a, r[0]),
                                                                date(y, a, r[1]) if r[1] else _last_day(y, a)),
                                 word=word))
            elif g("dm") or g("dn"):
                day = int(g("dm_d") or g("dn_d"))
                mo = _month_of(g("dm_m")) if g("dm") else int(g("dn_m"))
                if not (1 <= mo <= 12 and 1 <= day <= 31) or (mo == 2 and day > 29) or \
                        (mo in (4, 6, 9, 11) and day > 30):
                    raise _Bad
                toks.append(_Tok("date", pos, (mo, day), build=lambda y, a=mo, d=day: (date(y, a, d),) * 2,
                                 word=f"{day} {MONTHS_GEN[mo]}"))
            elif g("my"):
                mo = int(g("my_m"))
                y = int(g("my_y"))
                if not 1 <= mo <= 12:
                    raise _Bad
                toks.append(_Tok("month", pos, (mo, 1), year=y, span=(date(y, mo, 1), _last_day(y, mo)),
                                 build=lambda yy, a=mo: (date(yy, a, 1), _last_day(yy, a)),
                                 word=MONTHS_NOM[mo]))
            elif g("mon"):
                mo = _month_of(g("mon"))
                toks.append(_Tok("month", pos, (mo, 1), build=lambda y, a=mo: (date(y, a, 1), _last_day(y, a)),
                                 word=MONTHS_NOM[mo]))
            elif g("y"):
                toks.append(_Tok("year", pos, year=int(g("y_y"))))
            elif g("dayonly"):
                toks.append(_Tok("dayonly", pos))
            elif g("schw"):
                toks.append(_Tok("schw", pos))
            elif g("yw"):
                toks.append(_Tok("yw", pos))
        except (_Bad, ValueError):
            toks.append(_Tok("bad", pos))
        for t in toks[n_before:]:
            t.end = m.end()
    left.append(norm[last:])
    return toks, "".join(left)


def _leftover_ok(left: str) -> bool:
    if re.search(r"\d", left):
        return False
    return all(w in _FILLER for w in re.findall(r"[^\W\d_]+", left))


# ----------------------------------------------------------------------------------------- year solving

@dataclass
class _Solved:
    spans: list[tuple[date, date]]
    kinds: list[str]
    words: list[str]
    toks: list[_Tok] = None  # type: ignore[assignment]
    from_period: bool = False     # a year was taken from the roadmap's period
    repeats: bool = False         # ... and the same months recur later in the period
    wrapped: bool = False         # months crossed the year end
    no_period: bool = False       # a year was needed and there was no period (or it did not fit)
    no_fit: bool = False          # there was a period, but the months do not fall inside it


def _assign_back(items: list[_Tok], year: int, anchor_key: tuple[int, int] | None) -> tuple[list[int], bool]:
    """Years for yearless items written before a year (anchor_key None: the last item carries it)."""
    years = [0] * len(items)
    wrapped = False
    nxt_key = anchor_key
    cur = year
    for i in range(len(items) - 1, -1, -1):
        if nxt_key is not None and items[i].key > nxt_key:
            cur -= 1
            wrapped = True
        years[i] = cur
        nxt_key = items[i].key
    return years, wrapped


def _assign_forward(items: list[_Tok], year: int, prev_key: tuple[int, int]) -> tuple[list[int], bool]:
    years = []
    wrapped = False
    cur = year
    for it in items:
        if it.key < prev_key:
            cur += 1
            wrapped = True
        years.append(cur)
        prev_key = it.key
    return years, wrapped


def _fit_period(items: list[_Tok], period: Period) -> tuple[list[tuple[date, date]], bool, bool] | None:
    """The first run of the yearless items inside the period; (spans, repeats, inside)."""
    def spans_for(y0: int):
        years, _ = _assign_forward(items, y0, items[0].key)
        return [it.build(y) for it, y in zip(items, years)]

    def inside(sp):
        return all(period.start <= s and e <= period.end for s, e in sp)

    for y0 in range(period.start.year - 1, period.end.year + 1):
        sp = spans_for(y0)
        if inside(sp):
            return sp, inside(spans_for(y0 + 1)), True
    for y0 in range(period.start.year - 1, period.end.year + 1):
        sp = spans_for(y0)
        if period.start <= sp[0][0] <= period.end:
            return sp, False, False
    return None


def _solve(toks: list[_Tok], period: Period | None) -> _Solved | None:
    """Dated spans of the item tokens; None when there is nothing dated at all."""
    out = _Solved([], [], [], [])
    pending: list[_Tok] = []
    prev: tuple[int, tuple[int, int]] | None = None   # (year, key) of the last dated item
    ranges = [t for t in toks if t.kind in ("school_year", "years")]

    def add(t: _Tok, span: tuple[date, date], kind: str | None = None):
        out.spans.append(span)
        out.kinds.append(kind or t.kind)
        out.words.append(t.word)
        out.toks.append(t)

    for t in toks:
        if t.kind == "year":
            if pending:
                years, wr = _assign_back(pending, t.year, None)
                out.wrapped |= wr
                for it, y in zip(pending, years):
                    add(it, it.build(y))
                prev = (years[-1], pending[-1].key)
                pending = []
            else:
                t.word = f"{t.year} год"
                add(t, (date(t.year, 1, 1), date(t.year, 12, 31)), "year_item")
                prev = (t.year, (1, 0))
        elif t.span is not None and t.year is not None:          # an explicit date (or mm.yyyy)
            if pending:
                years, wr = _assign_back(pending, t.year, t.key)
                out.wrapped |= wr
                for it, y in zip(pending, years):
                    add(it, it.build(y))
                pending = []
            add(t, t.span)
            prev = (t.year, t.key)
        elif t.span is not None:                                   # a school year or a range of years
            add(t, t.span)
        elif t.build is not None:
            pending.append(t)
    if pending:
        if prev is not None:
            years, wr = _assign_forward(pending, prev[0], prev[1])
            out.wrapped |= wr
            for it, y in zip(pending, years):
                add(it, it.build(y))
        else:
            # the yearless items are read against a named school year, else against the roadmap's period
            base = Period(*ranges[0].span) if len(ranges) == 1 and len(out.spans) == 1 else period
            if ranges and base is not period:
                out.spans, out.kinds, out.words, out.toks = [], [], [], []   # the range only told the year
            if base is None:
                out.no_period = True
                for it in pending:
                    out.kinds.append(it.kind)
                    out.words.append(it.word)
                return out
            fit = _fit_period(pending, base)
            if fit is None:
                out.no_period = out.no_fit = True
                for it in pending:
                    out.kinds.append(it.kind)
                    out.words.append(it.word)
                return out
            spans, repeats, _inside = fit
            out.from_period = base is period
            out.repeats = repeats
            for it, sp in zip(pending, spans):
                add(it, sp)
    if not out.spans and not out.no_period:
        return None
    return out


def _kind_of(kinds: list[str]) -> str:
    ks = set(kinds)
    if len(kinds) == 1:
        return {"year_item": "year", "part": "part_month", "half": "half_year"}.get(kinds[0], kinds[0])
    if ks == {"date"}:
        return "dates"
    if ks <= {"year_item", "years"}:
        return "years"
    if ks == {"quarter"}:
        return "quarter"
    if ks == {"half"}:
        return "half_year"
    return "months"


# ----------------------------------------------------------------------------------------------- deadline

def _dl(text: str, start: date | None, end: date | None, kind: str, flagged: bool, notes: list[str]) -> Deadline:
    note = "; ".join(n for n in notes if n)
    return Deadline(text, start, end, kind, flagged, note)


def _unparsed(text: str, note: str = NOTE_UNPARSED) -> Deadline:
    return Deadline(text, None, None, "unparsed", True, note)


def _span_period(text: str, period: Period | None, kind: str, note: str) -> Deadline:
    if period is None:
        return _dl(text, None, None, kind, True, [note, NOTE_NO_PERIOD])
    return _dl(text, period.start, period.end, kind, False, [note])


def parse_deadline(text: str, period: Period | None = None) -> Deadline:
    """A measure's deadline as written -> a date range by the rules above; never raises."""
    raw = text.strip() if isinstance(text, str) else ("" if text is None else str(text).strip())
    try:
        return _parse(raw, period)
    except Exception:  # noqa: BLE001 - a text we cannot read is kept and flagged, never an error
        return _unparsed(raw)


def _parse(raw: str, period: Period | None) -> Deadline:
    norm = _normalize(raw)
    if not norm or not re.search(r"[^\W_]", norm):
        return _unparsed(raw, NOTE_EMPTY if not norm else NOTE_UNPARSED)
    notes: list[str] = []

    # «…, далее - ежегодно»: the first deadline is the range; the repetition goes to the note
    m = _REPEAT_AFTER_RE.search(norm)
    repeat_after = None
    if m:
        w = m.group("w")
        repeat_after = ("ежегодно" if w.startswith("ежегодн") else "ежемесячно" if w.startswith("ежемесячн")
                        else "ежеквартально")
        norm = (norm[:m.start()] + " " + norm[m.end():]).strip()

    compact = _compact(norm)
    schedule = any(k in compact for k in _SCHEDULE_KEYS)
    whole = any(k in compact for k in _PERIOD_KEYS)

    # «ежегодно …», «ежемесячно», «до 20 числа каждого месяца»
    recurring = None
    rm = _RECURRING_RE.search(norm)
    if rm:
        recurring = next(k for k, v in rm.groupdict().items() if v)
        norm = _RECURRING_RE.sub(" ", norm)
        norm = re.sub(r"\s+", " ", norm).strip()

    toks, left = _tokens(norm)
    if any(t.kind == "bad" for t in toks):
        return _unparsed(raw, "дата в сроке некорректна — " + NOTE_UNPARSED)
    items = [t for t in toks if t.kind not in ("schw", "yw", "dayonly")]
    markers = {t.kind for t in toks if t.kind in ("schw", "yw", "dayonly")}

    if schedule:
        if not items:
            return _dl(raw, None, None, "schedule", True, [NOTE_SCHEDULE])
        solved = _solve(items, period)
        if solved is None or not solved.spans or solved.no_period or solved.repeats:
            return _dl(raw, None, None, "schedule", True, [NOTE_SCHEDULE])
        start, end = min(s for s, _ in solved.spans), max(e for _, e in solved.spans)
        kind = _kind_of(solved.kinds)
        return _dl(raw, start, end, kind, False,
                   [f"по графику, в пределах: {', '.join(solved.words)}", _outside(start, end, period)])

    if recurring:
        what = _RECURRING_RU[recurring]
        if not _leftover_ok(left) and not (recurring != "yearly" and not items):
            return _unparsed(raw)
        if not items:
            return _span_period(raw, period, "recurring", f"повторяется {what}; срок — весь период дорожной карты")
        solved = _solve(items, period)
        if solved is None:
            return _unparsed(raw)
        if solved.no_period:
            return _dl(raw, None, None, "recurring", True, [f"повторяется {what}", NOTE_NO_PERIOD])
        start, end = min(s for s, _ in solved.spans), max(e for _, e in solved.spans)
        first = ", ".join(w for w in solved.words)
        if solved.from_period:
            notes.append(f"повторяется {what}; взят первый срок в периоде дорожной карты: {first} "
                         f"{start.year if start.year == end.year else ''}".rstrip())
        else:
            notes.append(f"повторяется {what}")
        return _dl(raw, start, end, "recurring", False, notes + [_outside(start, end, period)])

    if not items and whole and not re.search(r"\d", left):
        return _span_period(raw, period, "period", "весь период дорожной карты")
    if not _leftover_ok(left):
        return _unparsed(raw)
    if not items:
        if "schw" in markers:
            return _school_year_phrase(raw, period)
        if "yw" in markers:
            return _year_phrase(raw, period)
        return _unparsed(raw)

    solved = _solve(items, period)
    if solved is None:
        return _unparsed(raw)
    kind = _kind_of(solved.kinds)
    if solved.no_period:
        return _dl(raw, None, None, kind, True,
                   ["год не указан и не определяется по периоду дорожной карты" if solved.no_fit
                    else "год не указан, а " + NOTE_NO_PERIOD])
    starts = [s for s, _ in solved.spans]
    ends = [e for _, e in solved.spans]
    start, end = min(starts), max(ends)
    flagged = False

    if solved.from_period or solved.repeats:
        if solved.repeats:
            flagged = True
            notes.append(f"год не указан: взят первый такой срок в периоде дорожной карты ({start.year}); "
                         f"он повторяется в периоде — уточните год")
        else:
            notes.append(f"год не указан — определён по периоду дорожной карты ({_period_ru(period)})")
    if solved.wrapped:
        notes.append("срок переходит через границу года, годы месяцев определены по их порядку: "
                     + _listing(solved))

    prefix = norm[:items[0].pos]
    between = norm[items[0].pos:items[-1].pos] if len(items) > 1 else ""
    is_from = re.search(r"(?:^|\s)(?:с|со)\s*$", prefix) is not None
    until_end = re.search(r"\bдо\s+конца\b", prefix) is not None
    is_until = not is_from and re.search(r"(?:^|\s)(?:до|по|к|не\s+позднее|не\s+позже)(?:\s+конца)?\s*$",
                                          prefix) is not None

    if is_from and re.search(r"\s(?:по|до)\s", between + " "):
        kind = "range"
        start, end = solved.spans[0][0], solved.spans[-1][1]
        if end < start:
            return _unparsed(raw, "конец срока раньше начала — " + NOTE_UNPARSED)
    elif is_until:
        last_kind = solved.kinds[-1]
        s_last, e_last = solved.spans[-1]
        if last_kind == "date" or until_end:
            end = e_last
        else:
            end = s_last
            notes.append(f"«до» понято как «до {s_last.day} {MONTHS_GEN[s_last.month]} {s_last.year}»")
        kind = "until"
        if period is not None and period.start <= end:
            start = period.start
            notes.append("начало — с начала периода дорожной карты")
        else:
            start = end
            notes.append("начало не указано — взята дата окончания")
    elif kind in ("months", "dates") and _separate(solved, norm):
        notes.append("несколько сроков — взят интервал от первого до последнего: " + _listing(solved))
    if _VAGUE_WORDS.search(norm) and not until_end:
        notes.append("уточнение («начало», «конец» и т. п.) не учтено — взят весь срок")
    if repeat_after:
        notes.append(f"далее — {repeat_after} (повторяется каждый год)" if repeat_after == "ежегодно"
                     else f"далее — {repeat_after}")
    notes.append(_outside(start, end, period))
    return _dl(raw, start, end, kind, flagged, notes)


def _separate(solved: _Solved, norm: str) -> bool:
    """True when the text lists separate checkpoints with a gap between them (not a range «январь-март»)."""
    for (a, b), (sa, sb) in zip(zip(solved.toks, solved.toks[1:]), zip(solved.spans, solved.spans[1:])):
        sep = norm[a.end:b.pos]
        if "-" in sep or re.search(r"\b(?:по|до)\b", sep):
            continue
        if sb[0] > sa[1] + timedelta(days=1) or sa[0] > sb[1] + timedelta(days=1):
            return True
    return False


def _listing(solved: _Solved) -> str:
    return ", ".join(f"{w} {s.year}" if k in ("month", "part", "quarter", "half", "date") and w else w
                     for w, k, (s, _) in zip(solved.words, solved.kinds, solved.spans))


def _outside(start: date | None, end: date | None, period: Period | None) -> str:
    if period is None or start is None or end is None:
        return ""
    if start < period.start or end > period.end:
        return f"срок выходит за период дорожной карты ({_period_ru(period)})"
    return ""


def _school_year_phrase(raw: str, period: Period | None) -> Deadline:
    """«В течение учебного года» with no year named."""
    if period is None:
        return _dl(raw, None, None, "school_year", True, ["учебный год не указан, а " + NOTE_NO_PERIOD])
    if is_school_year_period(period) and period.end.year == period.start.year + 1:
        return _dl(raw, period.start, period.end, "school_year", False,
                   [f"учебный год дорожной карты ({_period_ru(period)})"])
    return _dl(raw, period.start, period.end, "period", False,
               [f"учебный год не указан — взят весь период дорожной карты ({_period_ru(period)})"])


def _year_phrase(raw: str, period: Period | None) -> Deadline:
    """«В течение года» with no year named."""
    if period is None:
        return _dl(raw, None, None, "year", True, ["год не указан, а " + NOTE_NO_PERIOD])
    if is_school_year_period(period) and period.end.year == period.start.year + 1:
        return _dl(raw, period.start, period.end, "school_year", False,
                   [f"год не указан — взят учебный год дорожной карты ({_period_ru(period)})"])
    if _is_calendar_year(period):
        return _dl(raw, period.start, period.end, "year", False,
                   [f"год не указан — взят год дорожной карты ({_period_ru(period)})"])
    return _dl(raw, period.start, period.end, "period", False,
               [f"год не указан — взят весь период дорожной карты ({_period_ru(period)})"])


# -------------------------------------------------------------------------------------------------- flags

def deadline_flag(end: date | None, status: str, today: date, soon_days: int = 14) -> str | None:
    """"overdue" (end before today), "due_soon" (end within soon_days from today) for open measures, else None.

    Closed statuses are "done" and "cancelled"; "planned", "in_progress" and "not_done" are open — a measure
    "not_done" past its deadline is still overdue.
    """
    if end is None:
        return None
    if (status or "").strip().lower() in CLOSED_STATUSES:
        return None
    if end < today:
        return "overdue"
    if end <= today + timedelta(days=soon_days):
        return "due_soon"
    return None
