"""The monitoring indicators of the roadmaps: the catalogue, values as typed, and the status against a target.

Sources: seed 000 (Таштагол) §4 «Целевые показатели» — the share of ШНОР with its targets (10 % for 2021/2022,
5 % for 2022/2023, entered by users, not shipped) — and §6 «Мониторинг показателей реализации Дорожной карты»,
whose «Показатели» column gives every other indicator here, named as the seed writes it. Seed 001 §1.2 only
orders that municipal indicators be approved («Утверждение муниципальных показателей системы методической
работы…»); it lists none, so the catalogue follows seed 000 and SPEC.md «Other monitoring indicators».

Values are kept per indicator, territory (None: the region) or school, and school year by its first calendar
year (2021 = 2021/2022, shnor/domain/years.py). A percentage is kept as a fraction (0.125 = 12,5 %), as the
ШНОР-share target is; counts as numbers. Computed indicators are read from stored results (shnor/read/
indicators.py); the others are entered or uploaded. Pure: no database, files or Streamlit.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from shnor.domain.codes import norm_name
from shnor.domain.fmt import NBSP, fmt_int, fmt_num, fmt_pct
from shnor.domain.years import SchoolYearError, format_school_year, parse_school_year

PERCENT, PEOPLE, UNITS = "%", "чел.", "шт."
HIGHER, LOWER = "higher", "lower"
SCHOOL, TERRITORY, BOTH = "school", "territory", "both"

DIRECTION_RU = {HIGHER: "выше — лучше", LOWER: "ниже — лучше"}
DIRECTION_ARROW = {HIGHER: "↑", LOWER: "↓"}
LEVEL_RU = {SCHOOL: "школа", TERRITORY: "территория", BOTH: "территория и школа"}


@dataclass(frozen=True)
class Indicator:
    code: str
    name_ru: str           # as the seed writes it
    short_ru: str          # for chart titles and narrow columns
    unit: str              # PERCENT | PEOPLE | UNITS
    direction: str         # HIGHER | LOWER: which way is better
    level: str             # SCHOOL | TERRITORY | BOTH: where a value is kept
    computed: bool         # read from stored results where the data allow
    seed: str              # where the seed names it
    how_ru: str            # how it is computed, or what to enter

    @property
    def is_percent(self) -> bool:
        return self.unit == PERCENT

    @property
    def tolerance(self) -> float:
        """How far short of the target still counts as «близко к цели», in the stored unit: 2 percentage
        points for a percentage, 1 for a count."""
        return 0.02 if self.is_percent else 1.0

    @property
    def tolerance_ru(self) -> str:
        return "2 п. п." if self.is_percent else f"1 {self.unit}"

    @property
    def enterable(self) -> bool:
        """Values may be entered or uploaded (for a computed indicator: used where the results give none)."""
        return self.code != SHNOR_SHARE

    @property
    def for_school(self) -> bool:
        return self.level in (SCHOOL, BOTH)

    @property
    def for_territory(self) -> bool:
        return self.level in (TERRITORY, BOTH)

    @property
    def direction_ru(self) -> str:
        return f"{DIRECTION_ARROW[self.direction]} {DIRECTION_RU[self.direction]}"

    @property
    def origin_ru(self) -> str:
        return "рассчитывается по результатам" if self.computed else "вводится или загружается"


SHNOR_SHARE = "shnor_share"
SHNOR_PARTNERSHIP = "shnor_partnership"
GIA_PASS = "gia_pass"
OGE_GOOD = "oge_good"
EGE_180 = "ege_180"
VPR_QUALITY = "vpr_quality"
VPR_FAIL = "vpr_fail"
OLYMPIAD_PART = "olympiad_part"
OLYMPIAD_WIN = "olympiad_win"
SATISFIED = "satisfied"
EXTRA_EDUCATION = "extra_education"
PREVENTIVE = "preventive_register"
TEACHERS_TRAINED = "teachers_trained"
TEACHERS_CATEGORY = "teachers_category"
TEACHER_CONTESTS = "teacher_contests"

CATALOGUE: dict[str, Indicator] = {i.code: i for i in (
    Indicator(SHNOR_SHARE, "Доля школ с низкими результатами обучения от общего количества школ района",
              "Доля ШНОР", PERCENT, LOWER, TERRITORY, True, "000 §4",
              "ШНОР ÷ все общеобразовательные школы территории, действующие в учебном году (школы без данных "
              "учитываются). Значение за учебный год Y — доля школ, которые правило находит по результатам Y "
              "(список на Y+1). Цель — та же, что на странице «Обзор» (задаётся в «Настройках»)."),
    Indicator(SHNOR_PARTNERSHIP, "Число ШНОР, вовлечённых в сотрудничество", "ШНОР в сотрудничестве", UNITS,
              HIGHER, TERRITORY, True, "000 §6, п. 1",
              "Школы списка ШНОР на учебный год, у которых в этом учебном году действовало партнёрство со "
              "школой-партнёром (соглашение о сотрудничестве). Если партнёрства не внесены — введите число."),
    Indicator(GIA_PASS, "Процент прохождения обучающимися ГИА", "Прохождение ГИА", PERCENT, HIGHER, BOTH, True,
              "000 §6, п. 2",
              "100 % минус доля результатов ОГЭ и ЕГЭ ниже минимального порога — по всем загруженным предметам "
              "учебного года (каждый экзамен участника — один результат)."),
    Indicator(OGE_GOOD, "Доля выпускников, имеющих по результатам ОГЭ «4» и «5»", "ОГЭ на «4» и «5»", PERCENT,
              HIGHER, BOTH, True, "000 §6, п. 2",
              "Доля отметок «4» и «5» среди участников ОГЭ — по загруженным результатам, где известны отметки."),
    Indicator(EGE_180, "Процент выпускников, набравших на ЕГЭ по трем предметам более 180 баллов",
              "ЕГЭ: более 180 баллов по трём предметам", PERCENT, HIGHER, BOTH, False, "000 §6, п. 2",
              "Вводится: баллы участников по трём предметам в системе не хранятся."),
    Indicator(VPR_QUALITY, "Качество обученности по результатам ВПР (доля «4» и «5»)", "Качество ВПР", PERCENT,
              HIGHER, BOTH, True, "000 §6, п. 2",
              "Доля отметок «4» и «5» среди участников ВПР — по всем загруженным работам учебного года, где "
              "известны отметки. Положительная динамика — рост к прошлому году."),
    Indicator(VPR_FAIL, "Доля отметок «2» по результатам ВПР", "Доля «2» на ВПР", PERCENT, LOWER, BOTH, True,
              "000 §6, п. 2; SPEC.md",
              "Доля участников ВПР с отметкой «2» — по всем загруженным работам учебного года."),
    Indicator(OLYMPIAD_PART, "Доля обучающихся участников в региональных/ муниципальных олимпиадах школьников",
              "Участники олимпиад", PERCENT, HIGHER, BOTH, False, "000 §6, п. 2",
              "Вводится: доля обучающихся — участников муниципального и регионального этапов ВсОШ."),
    Indicator(OLYMPIAD_WIN, "Доля обучающихся победителей в региональных/ муниципальных олимпиадах школьников",
              "Победители олимпиад", PERCENT, HIGHER, BOTH, False, "000 §6, п. 2",
              "Вводится: доля обучающихся — победителей и призёров муниципального и регионального этапов ВсОШ."),
    Indicator(SATISFIED, "Доля обучающихся ШНОР и их родителей, удовлетворенных качеством условий образования",
              "Удовлетворённость условиями", PERCENT, HIGHER, BOTH, False, "000 §6, п. 2",
              "Вводится по результатам анкетирования обучающихся и родителей."),
    Indicator(EXTRA_EDUCATION, "Доля обучающихся ШНОР, охваченных программами дополнительного образования",
              "Дополнительное образование", PERCENT, HIGHER, BOTH, False, "000 §6, п. 2", "Вводится."),
    Indicator(PREVENTIVE, "Число обучающихся, стоящих на профилактическом учете в связи с девиантным поведением",
              "На профилактическом учёте", PEOPLE, LOWER, BOTH, False, "000 §6, п. 2", "Вводится."),
    Indicator(TEACHERS_TRAINED, "Доля педагогов, повысивших свою квалификацию", "Повысили квалификацию", PERCENT,
              HIGHER, BOTH, False, "000 §6, п. 3", "Вводится."),
    Indicator(TEACHERS_CATEGORY, "Доля педагогов с высшей и первой квалификационными категориями",
              "Высшая и первая категории", PERCENT, HIGHER, BOTH, False, "000 §6, п. 3", "Вводится."),
    Indicator(TEACHER_CONTESTS, "Результаты участия педагогов в конкурсах профессионального мастерства",
              "Конкурсы профмастерства", PEOPLE, HIGHER, BOTH, False, "000 §6, п. 3",
              "Вводится: число педагогов — участников конкурсов профессионального мастерства."),
)}
ORDER: tuple[str, ...] = tuple(CATALOGUE)


class IndicatorError(ValueError):
    """A value, target or indicator that cannot be stored as given; the message is Russian and user-facing."""


def get(code: str) -> Indicator:
    try:
        return CATALOGUE[code]
    except KeyError:
        raise IndicatorError(f"Показателя с кодом «{code}» нет. Коды показателей — на листе «Показатели» шаблона "
                             "или в таблице страницы «Показатели».") from None


def find(text: str) -> Indicator | None:
    """An indicator by its code or its name (case, quotes and spaces do not matter)."""
    t = str(text or "").strip()
    if not t:
        return None
    if t.lower() in CATALOGUE:
        return CATALOGUE[t.lower()]
    n = norm_name(t)
    for ind in CATALOGUE.values():
        if n in (norm_name(ind.name_ru), norm_name(ind.short_ru)):
            return ind
    return None


# ---------------------------------------------------------------------------------------------
# Values as typed: «85,5», «85.5 %», 12 (people), numbers from a spreadsheet cell
# ---------------------------------------------------------------------------------------------
_NUMBER_RE = re.compile(r"^[+]?(\d+(?:[.,]\d+)?)$")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2007]+")


def parse_value(ind: Indicator, raw, what: str = "Значение") -> float:
    """The value as stored: a percentage typed as 0–100 («85,5», «85,5 %», 85.5) becomes a fraction (0.855);
    a count (people, schools) must be a whole number ≥ 0. Raises IndicatorError with a Russian message."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)) or (isinstance(raw, str) and not raw.strip()):
        raise IndicatorError(f"{what} не указано.")
    if isinstance(raw, bool):
        raise IndicatorError(f"{what} «{raw}» — не число.")
    if isinstance(raw, (int, float)):
        try:
            v = Decimal(str(raw))
        except InvalidOperation:
            raise IndicatorError(f"{what} «{raw}» — не число.") from None
    else:
        t = _SPACES.sub("", str(raw))
        if ind.is_percent:
            t = t.rstrip("%")
        m = _NUMBER_RE.match(t)
        if not m:
            sign = "отрицательным" if t.startswith(("-", "−", "–")) and _NUMBER_RE.match(t[1:]) else None
            if sign:
                raise IndicatorError(f"{what} «{raw}» не может быть отрицательным.")
            example = "85,5" if ind.is_percent else "12"
            raise IndicatorError(f"{what} «{raw}» — не число. Введите, например, {example}.")
        v = Decimal(m.group(1).replace(",", "."))
    if v < 0:
        raise IndicatorError(f"{what} «{raw}» не может быть отрицательным.")
    if ind.is_percent:
        if v > 100:
            raise IndicatorError(f"{what} «{raw}» — больше 100 %: введите процент от 0 до 100, например 85,5.")
        return float(v / 100)
    if v != v.to_integral_value():
        raise IndicatorError(f"{what} «{raw}» — не целое число: «{ind.unit}» считаются целыми.")
    return float(v)


def parse_year(raw) -> int:
    """A school year as typed (2021/2022, 2021-22) or its first calendar year (2021)."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and float(raw).is_integer():
        y = int(raw)
        if 1990 <= y <= 2100:
            return y
    text = str(raw if raw is not None else "").strip()
    if re.fullmatch(r"\d{4}", text) and 1990 <= int(text) <= 2100:
        return int(text)
    try:
        return parse_school_year(text)
    except SchoolYearError as exc:
        raise IndicatorError(str(exc)) from None


def check_level(ind: Indicator, for_school: bool) -> None:
    """A value may be kept for a school only when the indicator has school values, and likewise for a territory."""
    if not ind.enterable:
        raise IndicatorError(f"Показатель «{ind.short_ru}» рассчитывается правилом по результатам процедур и не "
                             "вводится вручную.")
    if for_school and not ind.for_school:
        raise IndicatorError(f"Показатель «{ind.short_ru}» ведётся для территории, не для отдельной школы.")
    if not for_school and not ind.for_territory:
        raise IndicatorError(f"Показатель «{ind.short_ru}» ведётся для школ, не для территории.")


# ---------------------------------------------------------------------------------------------
# Display
# ---------------------------------------------------------------------------------------------
def fmt_value(ind: Indicator, value: float | None) -> str:
    """0.855 -> «85,5 %»; 12 -> «12 чел.»; None -> «—»."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if ind.is_percent:
        return fmt_pct(value, 1)
    whole = float(value).is_integer()
    return (fmt_int(value) if whole else fmt_num(value, 1)) + NBSP + ind.unit


def fmt_target(ind: Indicator, target: float | None) -> str:
    """A target as officials write it: «10 %», «12,5 %», «4 шт.»."""
    if target is None or (isinstance(target, float) and math.isnan(target)):
        return "не задана"
    if ind.is_percent:
        whole = (Decimal(str(target)) * 100) % 1 == 0
        return fmt_pct(target, 0 if whole else 1)
    return fmt_value(ind, target)


def input_text(ind: Indicator, value: float | None) -> str:
    """A stored value as a user would type it back: 0.855 -> «85,5»; 12 -> «12»."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    v = Decimal(str(float(value))) * (100 if ind.is_percent else 1)
    return format(v.quantize(Decimal("0.01")).normalize(), "f").replace(".", ",")


# ---------------------------------------------------------------------------------------------
# Status against the target
# ---------------------------------------------------------------------------------------------
REACHED, CLOSE, OFF, NO_TARGET, NO_VALUE, WITHHELD = "reached", "close", "off", "no_target", "no_value", "withheld"
STATUS_RU = {REACHED: "цель достигнута", CLOSE: "близко к цели", OFF: "цель не достигнута",
             NO_TARGET: "цель не задана", NO_VALUE: "нет значения", WITHHELD: "нет вывода: данных мало"}
# shapes that differ without colour (the page adds colour; the words say it in full)
STATUS_ICON = {REACHED: "✔", CLOSE: "◐", OFF: "✖", NO_TARGET: "○", NO_VALUE: "—", WITHHELD: "?"}
STATUS_ORDER = (OFF, CLOSE, REACHED, WITHHELD, NO_TARGET, NO_VALUE)


def status_label(status: str) -> str:
    """«✔ цель достигнута»: the icon and the words (never the colour alone)."""
    return f"{STATUS_ICON[status]} {STATUS_RU[status]}"


def _dec(x: float) -> Decimal:
    return Decimal(str(float(x))).quantize(Decimal("1e-9"))


def shortfall(ind: Indicator, actual: float, target: float) -> float:
    """How far the actual falls short of the target in the better direction (0 when reached)."""
    gap = _dec(target) - _dec(actual) if ind.direction == HIGHER else _dec(actual) - _dec(target)
    return float(max(gap, Decimal(0)))


def status(ind: Indicator, actual: float | None, target: float | None) -> str:
    """reached (the target met, or beaten in the better direction) / close (short of it by no more than the
    tolerance) / off; no_value, no_target when either is missing."""
    if actual is None or (isinstance(actual, float) and math.isnan(actual)):
        return NO_VALUE
    if target is None or (isinstance(target, float) and math.isnan(target)):
        return NO_TARGET
    gap = shortfall(ind, actual, target)
    if gap == 0:
        return REACHED
    return CLOSE if _dec(gap) <= _dec(ind.tolerance) else OFF


def tolerance_sentence() -> str:
    return ("«Близко к цели» — цель не достигнута, но до неё не больше 2 процентных пунктов (для показателей в "
            "процентах) или 1 (для числа человек или школ).")


def change(ind: Indicator, now: float | None, before: float | None) -> str:
    """The change against the previous year, with its sense: «▲ +2,1 п. п. — лучше», «▼ −3 чел. — лучше»,
    «без изменений», «—» when either year has no value."""
    for v in (now, before):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return "—"
    diff = _dec(now) - _dec(before)
    if ind.is_percent:
        diff_pp = (diff * 100).quantize(Decimal("0.1"))
        if diff_pp == 0:
            return "без изменений"
        text = fmt_num(float(abs(diff_pp)), 1) + NBSP + "п." + NBSP + "п."
    else:
        if diff == 0:
            return "без изменений"
        text = fmt_value(ind, float(abs(diff)))
    up = diff > 0
    better = up == (ind.direction == HIGHER)
    return f"{'▲' if up else '▼'} {'+' if up else '−'}{text} — {'лучше' if better else 'хуже'}"


def year_ru(year: int) -> str:
    return format_school_year(int(year))


# ---------------------------------------------------------------------------------------------
# The downloadable template (written by shnor/reports/indicator_template.py, read by
# shnor/importing/indicator_template.py): one row per indicator, territory or school, and school year
# ---------------------------------------------------------------------------------------------
TEMPLATE_SHEET = "Значения"
H_CODE, H_NAME, H_UNIT, H_YEAR = "Код показателя", "Показатель", "Единица", "Учебный год"
H_TERRITORY, H_SCHOOL_CODE, H_SCHOOL, H_VALUE = "Территория", "Код школы", "Школа", "Значение"
TEMPLATE_HEADERS = (H_CODE, H_NAME, H_UNIT, H_YEAR, H_TERRITORY, H_SCHOOL_CODE, H_SCHOOL, H_VALUE)
REGION_ROW = "Регион"      # the territory cell of a row for the whole region
