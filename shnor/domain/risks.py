"""Risk profiles of the federal "500+" project (SPEC.md «Risk profiles», seed 002 «Факторы риска»).

Ten risk factors, each rated per school and school year as высокий / средний / низкий, optionally with the
measured values behind the rating (seed 002 lists them under each factor: the share of pupils with ОВЗ, of
pupils for whom Russian is not the home language, of parents regularly at meetings, …).

    FACTORS[3].name_ru                      -> «Работа с учениками с ОВЗ»
    check_level("Высокий")                  -> "high"
    check_measured(4, {"ovz_share": 12.5})  -> {"ovz_share": 0.125}     (shares are stored as fractions)
    most_common(levels, school_ids)          -> factors ordered by how many of the schools rate them high

Stored values: a share as a fraction 0..1 (entered and shown in per cent), a count as a whole number, a
speed in Мбит/с. Pure: no database, files or Streamlit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from shnor.domain.fmt import NBSP, fmt_int, fmt_num, fmt_pct

HIGH, MEDIUM, LOW = "high", "medium", "low"
LEVELS: tuple[str, ...] = (HIGH, MEDIUM, LOW)
LEVEL_RU = {HIGH: "высокий", MEDIUM: "средний", LOW: "низкий"}
# a sign beside the word (the word carries the meaning; the sign lets a table be scanned at a glance). Plain
# geometric characters, not emoji: every font has them (Debian Chromium without an emoji font shows boxes)
LEVEL_ICON = {HIGH: "▲", MEDIUM: "●", LOW: "▼"}
NOT_RATED_RU = "не оценён"

SHARE, COUNT, NUMBER = "share", "count", "number"
UNIT_RU = {SHARE: "%", COUNT: "чел.", NUMBER: "Мбит/с"}


@dataclass(frozen=True)
class Measure:
    """A measured value behind a factor's level (seed 002's wording)."""
    key: str           # the key in risk_levels.measured (JSON)
    name_ru: str
    kind: str          # SHARE (entered in %, stored 0..1) | COUNT (whole number ≥ 0) | NUMBER (≥ 0)

    @property
    def unit_ru(self) -> str:
        return UNIT_RU[self.kind]

    @property
    def header_ru(self) -> str:
        """The template's column header: «Доля обучающихся с ОВЗ, %»."""
        return f"{self.name_ru[0].upper()}{self.name_ru[1:]}, {self.unit_ru}"

    def show(self, stored) -> str:
        """A stored value in Russian: «12,5 %», «3 чел.», «50 Мбит/с»."""
        if stored is None:
            return "нет данных"
        if self.kind == SHARE:
            return fmt_pct(float(stored))
        if self.kind == COUNT:
            return f"{fmt_int(stored)} чел."
        return f"{fmt_num(float(stored), 1).removesuffix(',0')} Мбит/с"

    def entered(self, stored):
        """The stored value as a user enters it (per cent for a share), for forms and the template."""
        if stored is None:
            return None
        return round(float(stored) * 100, 4) if self.kind == SHARE else stored


def entered_text(measure: "Measure", stored) -> str:
    """A stored value as a form shows it for editing, in Russian: «12,5» (per cent for a share), «3», '' for none."""
    v = measure.entered(stored)
    if v is None:
        return ""
    text = fmt_num(float(v), 2).replace(NBSP, "")
    return text.rstrip("0").rstrip(",") if "," in text else text


def parse_entered(measure: "Measure", text) -> float | None:
    """What a user typed into a value's field (Russian «12,5», «12.5», «12,5 %», spaces) as a number; None for an
    empty field. Raises RiskError for anything else. The range is checked by `check_value`."""
    if text is None:
        return None
    t = "".join(str(text).split()).replace(NBSP, "").replace(",", ".").removesuffix("%")
    if not t:
        return None
    try:
        return float(t)
    except ValueError:
        raise RiskError(f"«{measure.name_ru}»: «{text}» — не число.") from None


@dataclass(frozen=True)
class Factor:
    number: int        # 1..10, as SPEC.md numbers them
    name_ru: str       # seed 002's heading
    short_ru: str      # for tables and charts
    about_ru: str      # what the factor covers (seed 002)
    measures: tuple[Measure, ...]


FACTORS: tuple[Factor, ...] = (
    Factor(1, "Уровень оснащения образовательной организации", "Оснащение",
           "учебные материалы; цифровое оборудование; качество интернет-соединения; дефициты оснащения, зданий и "
           "помещений", (
               Measure("materials_share", "обеспеченность учебными материалами", SHARE),
               Measure("digital_share", "доля кабинетов с цифровым оборудованием", SHARE),
               Measure("internet_mbps", "скорость интернет-соединения", NUMBER))),
    Factor(2, "Наличие или отсутствие дефицита педагогических кадров", "Дефицит кадров",
           "нехватка педагогов-специалистов по каждому предмету; нехватка психологов, логопедов, социальных "
           "педагогов; нехватка вспомогательного персонала", (
               Measure("subject_vacancies", "нехватка учителей-предметников", COUNT),
               Measure("specialist_vacancies", "нехватка психологов, логопедов, социальных педагогов", COUNT),
               Measure("support_vacancies", "нехватка вспомогательного персонала", COUNT))),
    Factor(3, "Предметная и методическая компетентность педагогических работников", "Компетентность учителей",
           "оценка педагогических компетенций учителей; участие в системе обмена опытом; использование современных "
           "педагогических технологий; доля родителей, недовольных преподаванием предметов; уверенность учителей в "
           "своей педагогической компетентности", (
               Measure("exchange_share", "доля учителей, участвующих в обмене опытом", SHARE),
               Measure("parents_dissatisfied_share", "доля родителей, недовольных преподаванием предметов", SHARE),
               Measure("teachers_confident_share", "доля учителей, уверенных в своей педагогической компетентности",
                       SHARE))),
    Factor(4, "Работа с учениками с ОВЗ", "Ученики с ОВЗ",
           "доля обучающихся с ОВЗ; доля учителей, испытывающих неуверенность при работе с обучающимися с ОВЗ", (
               Measure("ovz_share", "доля обучающихся с ОВЗ", SHARE),
               Measure("ovz_unsure_teachers_share", "доля учителей, неуверенных в работе с обучающимися с ОВЗ",
                       SHARE))),
    Factor(5, "Качество преодоления языковых и культурных барьеров", "Языковые барьеры",
           "доля обучающихся, для которых русский язык не является родным или языком повседневного общения; "
           "дополнительные занятия для них", (
               Measure("non_native_share", "доля обучающихся, для которых русский язык не родной", SHARE),
               Measure("non_native_extra_share", "доля из них, посещающих дополнительные занятия по русскому языку",
                       SHARE))),
    Factor(6, "Учебная мотивация обучающихся", "Учебная мотивация",
           "оценка мотивации обучающихся учителями; уровень мотивации обучающихся (по ответам обучающихся); учёт "
           "индивидуальных возможностей в учебном процессе", (
               Measure("low_motivation_teachers_share", "доля учителей, оценивающих мотивацию обучающихся как низкую",
                       SHARE),
               Measure("low_motivation_pupils_share", "доля обучающихся с низкой учебной мотивацией (по их ответам)",
                       SHARE))),
    Factor(7, "Уровень школьного благополучия", "Школьное благополучие",
           "ситуации конфликтов и буллинга в школе (по ответам обучающихся); отношения в педагогическом коллективе "
           "(по ответам учителей); доля обучающихся, столкнувшихся с несправедливым отношением учителей", (
               Measure("bullying_share", "доля обучающихся, сообщивших о конфликтах и буллинге", SHARE),
               Measure("staff_tension_share", "доля учителей, отмечающих напряжённые отношения в коллективе", SHARE),
               Measure("unfair_share", "доля обучающихся, столкнувшихся с несправедливым отношением учителей",
                       SHARE))),
    Factor(8, "Уровень дисциплины в классе", "Дисциплина",
           "частота нарушения дисциплины; оценка уровня дисциплины в школе (по ответам учителей); доля "
           "обучающихся группы риска", (
               Measure("low_discipline_teachers_share", "доля учителей, оценивающих дисциплину как низкую", SHARE),
               Measure("risk_pupils_share", "доля обучающихся группы риска", SHARE))),
    Factor(9, "Доля обучающихся с рисками учебной неуспешности", "Риск учебной неуспешности",
           "доля обучающихся, которым учителя рекомендуют дополнительные занятия для ликвидации отставания от "
           "учебной программы", (
               Measure("catch_up_share", "доля обучающихся, которым рекомендованы дополнительные занятия", SHARE),)),
    Factor(10, "Уровень вовлеченности родителей", "Вовлечённость родителей",
           "степень незаинтересованности учебным процессом со стороны родителей; проявление родителями поддержки "
           "детей в учёбе; доля родителей, регулярно посещающих родительские собрания", (
               Measure("parents_meetings_share", "доля родителей, регулярно посещающих родительские собрания", SHARE),
               Measure("parents_uninterested_share", "доля родителей, не интересующихся учебным процессом", SHARE))),
)
BY_NUMBER: dict[int, Factor] = {f.number: f for f in FACTORS}
MEASURES: dict[str, tuple[Factor, Measure]] = {m.key: (f, m) for f in FACTORS for m in f.measures}


class RiskError(ValueError):
    """A level or a value that cannot be stored; the message is Russian and user-facing."""


def factor(number: int) -> Factor:
    try:
        return BY_NUMBER[int(number)]
    except (KeyError, TypeError, ValueError):
        raise RiskError(f"Фактора риска № {number} нет: факторы пронумерованы от 1 до {len(FACTORS)}.") from None


def _norm(text: str) -> str:
    return " ".join(str(text).replace("ё", "е").replace("Ё", "Е").split()).lower().strip(" .")


_WORDS = {_norm(ru): code for code, ru in LEVEL_RU.items()} | {code: code for code in LEVELS}


def parse_level(text) -> str | None:
    """A level code from «высокий» / «Средний» / «низкий» (case, spaces and ё do not matter) or a stored
    code; None for an empty cell. Raises RiskError for any other word."""
    if text is None or (isinstance(text, float) and math.isnan(text)) or not str(text).strip():
        return None
    code = _WORDS.get(_norm(text))
    if code is None:
        raise RiskError(f"«{text}» — не уровень риска. Укажите «высокий», «средний» или «низкий».")
    return code


def check_level(text) -> str:
    code = parse_level(text)
    if code is None:
        raise RiskError("Уровень риска не указан: выберите «высокий», «средний» или «низкий».")
    return code


def check_value(measure: Measure, value) -> float | int | None:
    """One entered value (a number; per cent for a share) as stored; None for empty. Raises RiskError."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RiskError(f"«{measure.name_ru}»: «{value}» — не число.")
    v = float(value)
    if not math.isfinite(v) or v < 0:
        raise RiskError(f"«{measure.name_ru}»: значение не может быть отрицательным ({fmt_num(v, 2)}).")
    if measure.kind == SHARE:
        if v > 100:
            raise RiskError(f"«{measure.name_ru}» — доля в процентах, от 0 до 100 (указано {fmt_num(v, 2)}).")
        return round(v / 100, 6)
    if measure.kind == COUNT:
        if not v.is_integer():
            raise RiskError(f"«{measure.name_ru}» — целое число человек (указано {fmt_num(v, 2)}).")
        return int(v)
    return v


def check_measured(number: int, values: dict | None) -> dict:
    """The measured values of a factor as entered ({key: number or None}) -> as stored, empty ones left out.
    Raises RiskError for a key that is not one of the factor's measures or a value out of range."""
    f = factor(number)
    own = {m.key: m for m in f.measures}
    out = {}
    for key, value in (values or {}).items():
        if key not in own:
            raise RiskError(f"У фактора «{f.name_ru}» нет показателя «{key}».")
        v = check_value(own[key], value)
        if v is not None:
            out[key] = v
    return out


def measured_text(number: int, measured: dict | None) -> str:
    """«доля обучающихся с ОВЗ — 12,5 %; …» (only the values given), '' when none."""
    f = factor(number)
    return "; ".join(f"{m.name_ru} — {m.show(measured[m.key])}" for m in f.measures
                     if measured and measured.get(m.key) is not None)


def level_label(level: str | None) -> str:
    """«▲ высокий», or «не оценён» for no level."""
    return NOT_RATED_RU if level is None else f"{LEVEL_ICON[level]} {LEVEL_RU[level]}"


# ---------------------------------------------------------------------------------------------
# The template's layout (written by shnor/reports/risk_template.py, read by shnor/importing/risk_template.py)
# ---------------------------------------------------------------------------------------------
TEMPLATE_SHEET = "Рисковые профили"
YEAR_LABEL, CODE_HEADER, NAME_HEADER, TERRITORY_HEADER, LEVEL_HEADER = (
    "Учебный год", "Код школы", "Школа", "Территория", "Уровень")


def template_columns() -> list[tuple[int, Measure | None]]:
    """The factor columns in order: (factor number, None for its level or the measure)."""
    return [(f.number, m) for f in FACTORS for m in (None, *f.measures)]


def group_title(f: Factor) -> str:
    """The template's heading over a factor's columns: «1. Уровень оснащения образовательной организации»."""
    return f"{f.number}. {f.name_ru}"


# ---------------------------------------------------------------------------------------------
# Summaries over schools
# ---------------------------------------------------------------------------------------------
COMMON_COLUMNS = ["factor", "name", "short", "schools", "rated", "high", "medium", "low", "high_share",
                  "high_or_medium_share"]


def most_common(levels: pd.DataFrame, school_ids) -> pd.DataFrame:
    """How often each factor is rated high / medium / low among `school_ids`, from `levels` (columns
    school_id, factor, level — one school year). `schools`: the schools of the set; `rated`: those of them
    with a level for the factor; shares are of the rated ones (None when none is rated).
    Ordered by the number rated high, then high or medium, then the factor's number."""
    ids = {int(i) for i in school_ids}
    lv = levels[levels["school_id"].astype(int).isin(ids)] if len(levels) else levels
    rows = []
    for f in FACTORS:
        own = lv[lv["factor"].astype(int) == f.number] if len(lv) else lv
        counts = {lvl: int((own["level"] == lvl).sum()) if len(own) else 0 for lvl in LEVELS}
        rated = sum(counts.values())
        rows.append({"factor": f.number, "name": f.name_ru, "short": f.short_ru, "schools": len(ids),
                     "rated": rated, **counts,
                     "high_share": counts[HIGH] / rated if rated else None,
                     "high_or_medium_share": (counts[HIGH] + counts[MEDIUM]) / rated if rated else None})
    out = pd.DataFrame(rows, columns=COMMON_COLUMNS)
    out["_hm"] = out["high"] + out["medium"]
    return out.sort_values(["high", "_hm", "factor"], ascending=[False, False, True]).drop(columns="_hm") \
        .reset_index(drop=True)


def top_sentence(common: pd.DataFrame, group_ru: str, n: int = 3) -> str:
    """«Чаще всего высокий риск у ШНОР: «Дисциплина» — у 3 из 4 оценённых; …» or why nothing is said.
    `group_ru` in the genitive: «ШНОР», «школ группы риска»."""
    if common.empty or not int(common["schools"].max() or 0):
        return f"Среди {group_ru} нет ни одной школы."
    if not int(common["rated"].sum()):
        return f"Рисковые профили {group_ru} не заполнены."
    top = common[common["high"] > 0].head(n)
    if top.empty:
        return f"У {group_ru} нет высокого уровня риска ни по одному фактору."
    parts = [f"«{r.short}» — у {fmt_int(r.high)} из {fmt_int(r.rated)} оценённых" for r in top.itertuples(index=False)]
    return f"Чаще всего высокий риск у {group_ru}: " + "; ".join(parts) + "."
