"""The demo region's generator: territories, schools and results, pure and deterministic (same seed, same
data). See shnor/demo/__init__.py for the story the data tell."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from shnor.domain.scales import VPR_SCALES_2021, MarkScale

REGION_NAME = "Кемеровская область — Кузбасс"
REGION_CODE = "reg420000"
YEARS = tuple(range(2019, 2025))          # 2019/2020 … 2024/2025
VPR_WORKS = ("VPR-MATH-5", "VPR-RUS-5", "VPR-MATH-6", "VPR-RUS-6")
# sch42xxxx on the old platform; edu42xxxx (the same digits) from the spring 2022 round on the new one
EDU_LOGINS_FROM = 2021

# Tasks of each ВПР work (max points per task); they sum to the work's maximum primary score.
TASK_MAX = {
    "VPR-MATH-5": (1, 1, 1, 1, 1, 2, 1, 2, 2, 1, 2, 1, 2, 2),               # 20
    "VPR-RUS-5": (9, 3, 3, 3, 3, 4, 3, 2, 4, 4, 4, 3),                      # 45
    "VPR-MATH-6": (1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 2, 2),                  # 16
    "VPR-RUS-6": (9, 3, 3, 3, 4, 3, 4, 3, 4, 3, 3, 4, 3, 2),                # 51
}

# Mark scales per (work, year). 2020 (spring 2021) is the real one, seeded by the store; the other
# years are the same or slightly different, as in life.
_SCALE_VARIANTS = {
    "VPR-MATH-5": {2022: {2: (0, 6), 3: (7, 11), 4: (12, 15), 5: (16, 20)},
                   2024: {2: (0, 6), 3: (7, 11), 4: (12, 15), 5: (16, 20)}},
    "VPR-RUS-5": {2023: {2: (0, 17), 3: (18, 29), 4: (30, 38), 5: (39, 45)},
                  2024: {2: (0, 17), 3: (18, 29), 4: (30, 38), 5: (39, 45)}},
    "VPR-MATH-6": {2022: {2: (0, 5), 3: (6, 9), 4: (10, 12), 5: (13, 16)}},
    "VPR-RUS-6": {2023: {2: (0, 24), 3: (25, 35), 4: (36, 44), 5: (45, 51)}},
}


def mark_scale(procedure: str, year: int) -> MarkScale:
    bounds = _SCALE_VARIANTS.get(procedure, {}).get(year) or VPR_SCALES_2021[procedure]
    return MarkScale(procedure, year, {m: tuple(b) for m, b in bounds.items()})


# ОГЭ primary-score marks (the "2" is below the certificate minimum), ЕГЭ minimums (FORMATS.md §6).
OGE_MAX = {"OGE-MATH": 31, "OGE-RUS": 33}
OGE_MARKS = {"OGE-MATH": {2: (0, 7), 3: (8, 14), 4: (15, 21), 5: (22, 31)},
             "OGE-RUS": {2: (0, 14), 3: (15, 22), 4: (23, 28), 5: (29, 33)}}
EGE_MIN = {"EGE-RUS": 24, "EGE-MATH-PROF": 27}


def exam_calendar(year: int) -> tuple[str, ...]:
    """Which exams were held in a school year (the calendar traps)."""
    if year == 2019:                       # 2020: ОГЭ cancelled, ЕГЭ only for university applicants
        return ("EGE-RUS", "EGE-MATH-PROF")
    if year == 2020:                       # 2021: ОГЭ only Russian and math; ЕГЭ for applicants, no base math
        return ("OGE-MATH", "OGE-RUS", "EGE-RUS", "EGE-MATH-PROF")
    return ("OGE-MATH", "OGE-RUS", "EGE-MATH-BASE", "EGE-MATH-PROF", "EGE-RUS")


def vpr_round(year: int) -> tuple[str, int]:
    """(ISO date of the round, how many grades above the work the writers were).

    The spring 2020 round was cancelled: the grade-N work was written by grade N+1 in autumn 2020 and
    counts, by default, for 2019/2020 (the school year whose programme it tests)."""
    if year == 2019:
        return "2020-09-22", 1
    return f"{year + 1}-04-{14 + (year % 3):02d}", 0


# ---------------------------------------------------------------------------------------------
# Territories and schools
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Territory:
    name: str
    short_name: str
    kind: str                       # region | municipality | district
    code: str | None = None         # ФИС ОКО municipality code
    parent: str | None = None       # parent territory name
    improving: bool = True          # the demo's storyline: the territory's ШНОР share falls (or stalls)


@dataclass
class School:
    digits: str                     # the 6 digits of the ФИС ОКО login: 42xxxx
    short_name: str
    full_name: str
    ownership: str                  # МБОУ / МКОУ / МАОУ / ГКОУ
    school_type: str                # СОШ / ООШ / НОШ / гимназия / лицей / школа-интернат
    territory: str
    district: str | None
    settlement: str                 # the town or village
    rural: bool
    shnsu: bool
    inn: str
    ogrn: str
    code_oge: str | None
    code_ege: str | None
    grades: tuple[int, ...]
    cohort: float                   # typical pupils per grade (5–9)
    senior_ratio: float             # grade-11 pupils relative to a grade of 5–9
    level: float                    # latent level in 2019/2020 (0 = the region's typical school)
    trend: float                    # change of the level per year from `trend_from`
    trend_from: int
    profile: str                    # strong | typical | weak_stubborn | weak_improving | declining
    leniency: float                 # how generously the journal marks (objectivity signal)
    active_from: int | None = None
    active_to: int | None = None
    merged_into: str | None = None  # digits of the school it joined

    def login(self, year: int) -> str:
        return ("edu" if year >= EDU_LOGINS_FROM else "sch") + self.digits

    def active(self, year: int) -> bool:
        return (self.active_from is None or self.active_from <= year) and \
               (self.active_to is None or self.active_to >= year)

    def level_in(self, year: int) -> float:
        level = self.level + self.trend * max(0, year - self.trend_from)
        return min(level, 0.15) if self.profile == "weak_improving" else level


@dataclass
class VprResult:
    """One ВПР work of one school year, one row per pupil listed in a class."""
    procedure: str
    year: int
    round_date: str
    grade_shift: int                # autumn 2020: the grade-N work written by grade N+1
    school: np.ndarray              # index into DemoRegion.schools
    pupil_no: np.ndarray            # 1.. within the school
    class_letter: list[str]
    sex: np.ndarray                 # 0 м, 1 ж
    journal: np.ndarray             # 2..5, 0 = нет отметки
    variant: np.ndarray             # 1, 2; 0 = отсутствовал
    tasks: np.ndarray               # pupils × tasks, int8 points (absent rows: 0)
    total: np.ndarray               # int; -1 for absent

    @property
    def grade(self) -> int:
        return int(self.procedure.rsplit("-", 1)[1])


@dataclass
class ExamResult:
    """One exam of one school year, aggregated per school as the РЦОИ reports it."""
    procedure: str
    year: int
    school: np.ndarray
    participants: np.ndarray
    low: np.ndarray                 # "2" (ОГЭ, ЕГЭ base) or below the minimum (ЕГЭ)
    marks: np.ndarray | None        # schools × 4 (2, 3, 4, 5) for ОГЭ and ЕГЭ base
    mean: np.ndarray                # mean primary (ОГЭ) or test score (ЕГЭ), mean mark (ЕГЭ base)
    high: np.ndarray | None = None  # ЕГЭ: 80–99 points
    hundred: np.ndarray | None = None


@dataclass
class DemoRegion:
    seed: int
    region: Territory
    territories: list[Territory]
    schools: list[School]
    vpr: dict[tuple[str, int], VprResult] = field(default_factory=dict)
    exams: dict[tuple[str, int], ExamResult] = field(default_factory=dict)
    targets: list[tuple[str | None, int, float]] = field(default_factory=list)  # (territory or None, year, share)

    def scales(self) -> list[MarkScale]:
        return [mark_scale(p, y) for p in VPR_WORKS for y in YEARS]

    def schools_of(self, territory: str) -> list[School]:
        return [s for s in self.schools if s.territory == territory or s.district == territory]


# The municipalities: name, short name, ФИС ОКО code, improving?, number of schools, kind of place.
_NOVOKUZNETSK_DISTRICTS = ("Центральный район", "Куйбышевский район", "Кузнецкий район",
                           "Орджоникидзевский район", "Заводской район", "Новоильинский район")

_MUNICIPALITIES = [
    # name, short, code, improving, urban schools, rural villages
    ("Кемеровский городской округ", "Кемеровский ГО", "reg42_m001", True, 66, 0),
    ("Новокузнецкий городской округ", "Новокузнецкий ГО", "reg42_m002", True, 92, 0),
    ("Междуреченский городской округ", "Междуреченский ГО", "reg42_m010", True, 20, 0),
    ("Юргинский городской округ", "Юргинский ГО", "reg42_m014", False, 14, 0),
    ("Таштагольский муниципальный район", "Таштагольский МР", "reg42_m031", True, 9, 17),
    ("Мариинский муниципальный округ", "Мариинский МО", "reg42_m023", False, 7, 17),
    ("Прокопьевский муниципальный округ", "Прокопьевский МО", "reg42_m026", False, 0, 25),
    ("Беловский муниципальный округ", "Беловский МО", "reg42_m017", True, 0, 22),
    ("Промышленновский муниципальный округ", "Промышленновский МО", "reg42_m027", False, 0, 20),
]

# Villages and small towns (name, the adjective that names its school, is a settlement of urban type).
_VILLAGES = {
    "Таштагольский муниципальный район": [
        ("Шерегеш", "Шерегешская", True), ("Каз", "Казская", True), ("Мундыбаш", "Мундыбашская", True),
        ("Темиртау", "Темиртауская", True), ("Спасск", "Спасская", True), ("Усть-Кабырза", "Усть-Кабырзинская", False),
        ("Усть-Анзас", "Усть-Анзасская", False), ("Кочура", "Кочуринская", False), ("Чилей", "Чилейская", False),
        ("Базанча", "Базанчинская", False), ("Калары", "Каларская", False), ("Кондома", "Кондомская", False),
        ("Сарачи", "Сарачинская", False), ("Ключевой", "Ключевская", False), ("Кызыл-Шорская", "Кызыл-Шорская", False),
        ("Мрассу", "Мрасская", False), ("Алгаинский", "Алгаинская", False), ("Эльбеза", "Эльбезинская", False),
    ],
    "Мариинский муниципальный округ": [
        ("Суслово", "Сусловская", False), ("Тюменево", "Тюменевская", False), ("Калининск", "Калининская", False),
        ("Благовещенка", "Благовещенская", False), ("Красноорловка", "Красноорловская", False),
        ("Малиновка", "Малиновская", False), ("Белогородка", "Белогородская", False), ("Пихтовка", "Пихтовская", False),
        ("Большой Антибес", "Антибесская", False), ("Костеново", "Костеновская", False),
        ("Первомайский", "Первомайская", False), ("Лебяжье", "Лебяжинская", False), ("Арыштан", "Арыштанская", False),
        ("Константиновка", "Константиновская", False), ("Усть-Серта", "Усть-Сертинская", False),
        ("Летяжка", "Летяжская", False), ("Цветочный", "Цветочная", False), ("Раздольное", "Раздольнинская", False),
    ],
    "Прокопьевский муниципальный округ": [
        ("Терентьевское", "Терентьевская", False), ("Большая Талда", "Большеталдинская", False),
        ("Котино", "Котинская", False), ("Трудармейский", "Трудармейская", True), ("Карагайла", "Карагайлинская", False),
        ("Шарап", "Шарапская", False), ("Бурлаки", "Бурлаковская", False), ("Михайловка", "Михайловская", False),
        ("Калачёво", "Калачёвская", False), ("Севск", "Севская", False), ("Большая Керлегеш", "Керлегешская", False),
        ("Соколово", "Соколовская", False), ("Кузнецово", "Кузнецовская", False), ("Новорождественка", "Новорождественская", False),
        ("Верх-Егос", "Верх-Егосская", False), ("Октябрьский", "Октябрьская", False), ("Лучшево", "Лучшевская", False),
        ("Майский", "Майская", False), ("Тихоновка", "Тихоновская", False), ("Плотниково", "Плотниковская", False),
        ("Большая Сергеевка", "Большесергеевская", False), ("Каменный Ключ", "Каменноключевская", False),
        ("Инской", "Инская", True), ("Школьный", "Школьная", False), ("Оскорбиха", "Оскорбихинская", False),
        ("Смышляево", "Смышляевская", False),
    ],
    "Беловский муниципальный округ": [
        ("Старопестерёво", "Старопестерёвская", False), ("Старобачаты", "Старобачатская", False),
        ("Менчереп", "Менчерепская", False), ("Вишнёвка", "Вишнёвская", False), ("Евтино", "Евтинская", False),
        ("Новобачаты", "Новобачатская", False), ("Моховой", "Моховская", False), ("Каралда", "Каралдинская", False),
        ("Заречный", "Заречная", False), ("Щебзавод", "Щебзаводская", False), ("Пермяки", "Пермяковская", False),
        ("Мохово", "Моховская", False), ("Инюшино", "Инюшинская", False), ("Новый Каралдин", "Новокаралдинская", False),
        ("Бековский", "Бековская", False), ("Артышта", "Артыштинская", False), ("Коротяево", "Коротяевская", False),
        ("Бабанаково", "Бабанаковская", False), ("Ургун", "Ургунская", False), ("Сидорово", "Сидоровская", False),
        ("Уропское", "Уропская", False), ("Осиновка", "Осиновская", False), ("Грамотеино", "Грамотеинская", True),
    ],
    "Промышленновский муниципальный округ": [
        ("Промышленная", "Промышленновская", True), ("Падунская", "Падунская", False),
        ("Титово", "Титовская", False), ("Плотниково", "Плотниковская", False), ("Лебеди", "Лебедевская", False),
        ("Васьково", "Васьковская", False), ("Журавлёво", "Журавлёвская", False), ("Окунёво", "Окунёвская", False),
        ("Тарабарино", "Тарабаринская", False), ("Пушкино", "Пушкинская", False), ("Калинкино", "Калинкинская", False),
        ("Ваганово", "Вагановская", False), ("Абышево", "Абышевская", False), ("Морозово", "Морозовская", False),
        ("Тарасово", "Тарасовская", False), ("Соломино", "Соломинская", False), ("Портнягино", "Портнягинская", False),
        ("Ленинка", "Ленинская", False), ("Краснинское", "Краснинская", False), ("Заречное", "Заречнинская", False),
        ("Уфимцево", "Уфимцевская", False),
    ],
}

_TOWN = {"Кемеровский городской округ": "Кемерово", "Новокузнецкий городской округ": "Новокузнецк",
         "Междуреченский городской округ": "Междуреченск", "Юргинский городской округ": "Юрга",
         "Таштагольский муниципальный район": "Таштагол", "Мариинский муниципальный округ": "Мариинск"}

# Seed 004 (the region's list of 03.12.2021): Новокузнецк schools with low results. The demo makes them
# weak in 2020/2021; some stay, some improve.
_NOVOKUZNETSK_LISTED = {("ООШ", n) for n in (103, 23, 24, 28, 33, 89)} | \
                       {("СОШ", n) for n in (102, 12, 14, 49, 50, 65, 71, 77, 97)}

_TYPE_FULL = {
    "СОШ": "Средняя общеобразовательная школа",
    "ООШ": "Основная общеобразовательная школа",
    "НОШ": "Начальная общеобразовательная школа",
}
_GRADES = {"СОШ": tuple(range(1, 12)), "гимназия": tuple(range(1, 12)), "лицей": tuple(range(5, 12)),
           "ООШ": tuple(range(1, 10)), "НОШ": tuple(range(1, 5)), "школа-интернат": tuple(range(1, 12))}


def _inn(rng: np.random.Generator, region: str = "42") -> str:
    """A 10-digit ИНН of a legal entity with a correct check digit."""
    body = region + "".join(str(d) for d in rng.integers(0, 10, 7))
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    check = sum(int(c) * w for c, w in zip(body, weights)) % 11 % 10
    return body + str(check)


def _ogrn(rng: np.random.Generator, region: str = "42") -> str:
    """A 13-digit ОГРН with a correct check digit (1 + year + region + …)."""
    body = "1" + f"{int(rng.integers(2, 16)):02d}" + region + "".join(str(d) for d in rng.integers(0, 10, 7))
    return body + str(int(body) % 11 % 10)


def _urban_schools(rng: np.random.Generator, territory: str, count: int) -> list[dict]:
    """Numbered town schools: СОШ, ООШ, гимназии, лицеи, a school-internat."""
    out: list[dict] = []
    if territory == "Новокузнецкий городской округ":
        gym, lyc = [10, 17, 32, 44, 48, 59, 62, 70, 73], [11, 34, 46, 76, 84, 104, 111]
        oosh = [23, 24, 28, 33, 89, 103, 7]
        forced_sosh = [12, 14, 49, 50, 65, 71, 77, 97, 102]
    else:
        k = max(1, count // 12)
        gym = sorted(int(x) for x in rng.choice(np.arange(1, 80), size=k, replace=False))
        lyc = sorted(int(x) for x in rng.choice(np.arange(80, 100), size=max(1, k // 2), replace=False))
        oosh = sorted(int(x) for x in rng.choice(np.arange(100, 130), size=max(1, count // 15), replace=False))
        forced_sosh = []
    used = set(gym) | set(lyc) | set(oosh)
    for n in gym:
        out.append(dict(school_type="гимназия", number=n))
    for n in lyc:
        out.append(dict(school_type="лицей", number=n))
    for n in oosh:
        out.append(dict(school_type="ООШ", number=n))
    out.append(dict(school_type="школа-интернат", number=int(rng.integers(10, 30))))
    sosh = list(forced_sosh)
    used |= set(sosh)
    pool = [n for n in range(1, 113) if n not in used]
    need = count - len(out) - len(sosh)
    sosh += [int(x) for x in rng.choice(pool, size=max(0, need), replace=False)]
    for n in sorted(sosh):
        out.append(dict(school_type="СОШ", number=n))
    return out[:count] if len(out) > count else out


def _make_schools(rng: np.random.Generator) -> tuple[list[Territory], list[School]]:
    region = Territory(REGION_NAME, "Кузбасс", "region", REGION_CODE)
    territories: list[Territory] = []
    schools: list[School] = []
    used_digits: set[int] = set()
    used_codes: set[str] = set()

    for m_index, (name, short, code, improving, n_urban, n_rural) in enumerate(_MUNICIPALITIES):
        territories.append(Territory(name, short, "municipality", code, REGION_NAME, improving))
        if name == "Новокузнецкий городской округ":
            for d in _NOVOKUZNETSK_DISTRICTS:
                territories.append(Territory(d, d, "district", None, name, improving))
        m_num = int(code[-3:])
        block = 1000 + m_index * 400          # logins sch42NNNN cluster by territory, as in life
        town = _TOWN.get(name)

        specs: list[dict] = []
        for spec in _urban_schools(rng, name, n_urban) if n_urban >= 12 else []:
            spec.update(settlement=town, rural=False)
            specs.append(spec)
        if 0 < n_urban < 12:                  # a small town: numbered schools, one гимназия
            nums = sorted(int(x) for x in rng.choice(np.arange(1, 40), size=n_urban, replace=False))
            for i, n in enumerate(nums):
                st = "гимназия" if i == 0 else ("ООШ" if i == len(nums) - 1 else "СОШ")
                specs.append(dict(school_type=st, number=n, settlement=town, rural=False))
        villages = _VILLAGES.get(name, [])
        for i in range(n_rural):
            vname, adj, urban_type = villages[i % len(villages)]
            roll = rng.random()
            st = "СОШ" if urban_type or roll < 0.45 else ("ООШ" if roll < 0.88 else "НОШ")
            specs.append(dict(school_type=st, village=vname, adj=adj, settlement=vname, rural=not urban_type))

        for spec in specs:
            st = spec["school_type"]
            rural = spec["rural"]
            if "village" in spec:
                ownership = "МКОУ" if rng.random() < 0.55 else "МБОУ"
                kind = _TYPE_FULL[st]
                full = f"{ownership} «{spec['adj']} {kind[0].lower() + kind[1:]}»"
                short_name = f"{ownership} «{spec['adj']} {st}»"
            else:
                n = spec["number"]
                ownership = "МАОУ" if st in ("гимназия", "лицей") and rng.random() < 0.5 else "МБОУ"
                if st == "школа-интернат":
                    ownership = "МКОУ"
                    full = f"{ownership} «Общеобразовательная школа-интернат № {n}»"
                    short_name = f"{ownership} «Школа-интернат № {n}»"
                elif st in ("гимназия", "лицей"):
                    full = f"{ownership} «{st.capitalize()} № {n}»"
                    short_name = full
                else:
                    full = f"{ownership} «{_TYPE_FULL[st]} № {n}»"
                    short_name = f"{ownership} «{st} № {n}»"
            # duplicated short names in one territory (two schools in one village) get a number
            taken = {s.short_name for s in schools if s.territory == name}
            k = 2
            base_short, base_full = short_name, full
            while short_name in taken:
                short_name = base_short.replace("»", f" № {k}»")
                full = base_full.replace("»", f" № {k}»")
                k += 1

            while True:
                d = block + int(rng.integers(0, 400))
                if d not in used_digits:
                    used_digits.add(d)
                    break
            digits = f"42{d:04d}"
            exam = f"{m_num:02d}{int(rng.integers(0, 100)):02d}"
            while exam in used_codes:
                exam = f"{m_num:02d}{int(rng.integers(0, 100)):02d}"
            used_codes.add(exam)
            grades = _GRADES[st]

            # pupils per grade
            if rural:
                cohort = float(np.clip(rng.lognormal(math.log(9 if st != "СОШ" else 14), 0.45), 3, 40))
                if st == "ООШ":
                    cohort = float(np.clip(cohort * 0.75, 3, 14))
                senior = 0.55
            elif st in ("гимназия", "лицей"):
                cohort, senior = float(rng.uniform(70, 110)), 0.8
            elif st == "ООШ":
                cohort, senior = float(rng.uniform(20, 45)), 0.0
            elif st == "школа-интернат":
                cohort, senior = float(rng.uniform(12, 25)), 0.35
            elif spec["settlement"] in ("Таштагол", "Мариинск") or "village" in spec:
                cohort, senior = float(rng.uniform(25, 60)), 0.45
            else:
                cohort, senior = float(rng.uniform(45, 115)), 0.45

            district = None
            if name == "Новокузнецкий городской округ":
                district = _NOVOKUZNETSK_DISTRICTS[int(rng.choice(6, p=[.2, .18, .17, .15, .18, .12]))]
            schools.append(School(
                digits=digits, short_name=short_name, full_name=full, ownership=ownership, school_type=st,
                territory=name, district=district, settlement=spec["settlement"], rural=rural, shnsu=False,
                inn=_inn(rng), ogrn=_ogrn(rng),
                code_oge=exam if 9 in grades else None, code_ege=exam if 11 in grades else None,
                grades=grades, cohort=cohort, senior_ratio=senior if 11 in grades else 0.0,
                level=0.0, trend=0.0, trend_from=2021, profile="typical", leniency=0.0))
        _ = improving
    return [region] + territories, schools


# The storyline per territory: weak schools at the start (share of the territory's schools), the share
# of them that improve, and schools that slide into low results later (the territories that stall).
_STORY = {
    #                                        weak share, improving share, declining schools
    "Кемеровский городской округ": (0.06, 0.85, 0),
    "Новокузнецкий городской округ": (0.0, 0.8, 1),     # the seed's 15 listed schools are the weak ones
    "Междуреченский городской округ": (0.06, 0.8, 0),
    "Юргинский городской округ": (0.1, 0.2, 1),
    "Таштагольский муниципальный район": (0.10, 1.0, 0),  # seed 000: 3 schools identified
    "Мариинский муниципальный округ": (0.1, 0.25, 1),
    "Прокопьевский муниципальный округ": (0.1, 0.2, 1),
    "Беловский муниципальный округ": (0.1, 0.8, 0),
    "Промышленновский муниципальный округ": (0.1, 0.25, 1),
}


def _assign_levels(rng: np.random.Generator, territories: list[Territory], schools: list[School]) -> None:
    """The storyline: latent levels and trends (stubborn ШНОР, improving ones, sliding ones), ШНСУ flags."""
    improving = {t.name: t.improving for t in territories}
    by_terr: dict[str, list[School]] = {}
    for s in schools:
        by_terr.setdefault(s.territory, []).append(s)
    for terr, members in by_terr.items():
        weak_share, improving_share, declining = _STORY[terr]
        for s in members:
            if s.school_type in ("гимназия", "лицей"):
                s.profile, s.level = "strong", float(rng.normal(0.9, 0.2))
            else:
                # small rural schools: small classes, often better ВПР results than the town average
                s.profile = "typical"
                s.level = float(rng.normal(0.45, 0.25) if s.rural else rng.normal(0.0, 0.2))
        candidates = [s for s in members if s.profile == "typical" and s.school_type != "НОШ"]
        if terr == "Новокузнецкий городской округ":
            weak = [s for s in candidates if (s.school_type, _number(s)) in _NOVOKUZNETSK_LISTED]
        else:
            k = max(1, int(round(weak_share * len(members))))
            w = np.array([3.0 if s.rural or s.school_type in ("ООШ", "школа-интернат") else 1.0 for s in candidates])
            weak = [candidates[i] for i in sorted(rng.choice(len(candidates), size=k, replace=False, p=w / w.sum()))]
        n_improving = int(round(improving_share * len(weak)))
        order = rng.permutation(len(weak))
        for rank, i in enumerate(order):
            s = weak[i]
            s.level = float(rng.normal(-1.05, 0.12))
            if rank < n_improving:
                s.profile = "weak_improving"
                s.trend, s.trend_from = float(rng.uniform(0.4, 0.55)), int(rng.choice([2020, 2021, 2021, 2022]))
            else:
                s.profile = "weak_stubborn"
                s.trend, s.trend_from = float(rng.normal(0.0, 0.03)), 2021
        rest = [s for s in candidates if s.profile == "typical"]
        for i in rng.choice(len(rest), size=declining, replace=False):
            s = rest[int(i)]
            s.profile, s.level = "declining", float(rng.normal(-0.3, 0.1))
            s.trend, s.trend_from = float(rng.uniform(-0.28, -0.2)), 2021
        for s in members:
            if s.profile in ("typical", "strong"):
                s.trend = float(rng.normal(0.07 if improving[terr] else 0.0, 0.02))
                s.trend_from = 2020
            s.leniency = float(rng.normal(0.35 if s.profile.startswith("weak") else 0.1, 0.15))
            s.shnsu = bool(rng.random() < (0.55 if s.profile.startswith("weak") else (0.18 if s.rural else 0.04)))


def _number(s: School) -> int | None:
    if "№" not in s.short_name:
        return None
    return int(s.short_name.split("№")[1].strip(" »"))


def _history(rng: np.random.Generator, schools: list[School]) -> None:
    """Schools that open, close and merge within the period."""
    by_terr: dict[str, list[School]] = {}
    for s in schools:
        by_terr.setdefault(s.territory, []).append(s)
    # Кемерово: a new school opens in 2022/2023; an ООШ joins a СОШ from 2022/2023.
    kem = by_terr["Кемеровский городской округ"]
    new = max((s for s in kem if s.school_type == "СОШ" and s.profile == "typical"), key=_number)
    new.active_from, new.ownership = 2022, "МАОУ"
    new.short_name = new.short_name.replace("МБОУ", "МАОУ")
    new.full_name = new.full_name.replace("МБОУ", "МАОУ")
    oosh = next(s for s in kem if s.school_type == "ООШ")
    target = next(s for s in kem if s.school_type == "СОШ" and s is not new)
    oosh.active_to, oosh.merged_into = 2021, target.digits
    # Мариинский округ: a small village ООШ closes after 2020/2021.
    mar = [s for s in by_terr["Мариинский муниципальный округ"] if s.rural and s.school_type == "ООШ"]
    mar[0].active_to = 2020
    # Новокузнецк: a new school opens in 2023/2024.
    nk = [s for s in by_terr["Новокузнецкий городской округ"] if s.school_type == "СОШ" and s.profile == "typical"]
    nk[-1].active_from = 2023
    # Прокопьевский округ: a НОШ joins the village СОШ from 2021/2022.
    pr = by_terr["Прокопьевский муниципальный округ"]
    nosh = [s for s in pr if s.school_type == "НОШ"]
    sosh = [s for s in pr if s.school_type == "СОШ"]
    if nosh and sosh:
        nosh[0].active_to, nosh[0].merged_into = 2020, sosh[0].digits


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------

# Share of "2" that a typical school (level 0) gets on each ВПР work; weak schools get far more.
_VPR_BASE_LOW = {"VPR-MATH-5": 0.13, "VPR-RUS-5": 0.13, "VPR-MATH-6": 0.135, "VPR-RUS-6": 0.13}
_AUTUMN_2020_PENALTY = 0.12   # the autumn 2020 round, written after the spring of remote learning
_EXAM_BASE_LOW = {"OGE-MATH": 0.05, "OGE-RUS": 0.03, "EGE-MATH-BASE": 0.03}
_ABILITY_SLOPE = 0.8          # how strongly ability moves task success (logit scale)
_PUPIL_SD = 0.8               # spread of pupils around their school's level: marks about 15/37/36/12 %
_EXAM_SLOPE = 0.6            # ОГЭ: marks about 5/40/40/15 %


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _point_layout(task_max: tuple[int, ...]) -> np.ndarray:
    """Column -> task index, one column per point of each task."""
    return np.repeat(np.arange(len(task_max)), task_max)


def _calibrate_offset(rng: np.random.Generator, easiness: np.ndarray, cols: np.ndarray, low_max: int,
                      target: float) -> float:
    """The offset that gives a typical school (level 0) `target` pupils with total ≤ low_max."""
    theta = rng.standard_normal(5000) * _PUPIL_SD
    u = rng.random((theta.size, cols.size))
    lo, hi = -6.0, 6.0
    for _ in range(30):
        mid = (lo + hi) / 2
        p = _sigmoid(_ABILITY_SLOPE * theta[:, None] + easiness[cols][None, :] + mid)
        share = float(((u < p).sum(axis=1) <= low_max).mean())
        if share > target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _class_letters(rng: np.random.Generator, n: int, cohort: float) -> list[str]:
    classes = max(1, int(round(cohort / 26)))
    if classes == 1:
        return ["нет" if rng.random() < 0.6 else "а"] * n
    letters = "абвгде"[:classes]
    upper = rng.random() < 0.4
    out = [letters[i * classes // n] for i in range(n)]
    return [c.upper() for c in out] if upper else out


def _generate_vpr(rng: np.random.Generator, schools: list[School], mu: dict[tuple[int, int], float]
                  ) -> dict[tuple[str, int], VprResult]:
    out: dict[tuple[str, int], VprResult] = {}
    for proc in VPR_WORKS:
        task_max = TASK_MAX[proc]
        cols = _point_layout(task_max)
        easiness = rng.normal(0.3, 0.7, len(task_max))
        grade = int(proc.rsplit("-", 1)[1])
        offsets: dict[int, float] = {}
        for year in YEARS:
            scale = mark_scale(proc, year)
            round_date, shift = vpr_round(year)
            low_max = scale.bounds[2][1]
            if low_max not in offsets:
                offsets[low_max] = _calibrate_offset(rng, easiness, cols, low_max, _VPR_BASE_LOW[proc])
            offset = offsets[low_max]
            idx, pno, letters, thetas, absent_p, lenient, level = [], [], [], [], [], [], []
            for i, s in enumerate(schools):
                if not s.active(year) or (grade + shift) not in s.grades:
                    continue
                n = max(1, int(round(s.cohort * rng.lognormal(0, 0.1))))
                m = mu[(i, year)] - (_AUTUMN_2020_PENALTY if shift else 0.0)
                class_fx = rng.normal(0, 0.15, max(1, int(round(s.cohort / 26))))
                letters += _class_letters(rng, n, s.cohort)
                k = np.minimum((np.arange(n) * class_fx.size) // n, class_fx.size - 1)
                thetas.append(m + class_fx[k] + rng.standard_normal(n) * _PUPIL_SD)
                level.append(np.full(n, m))
                idx.append(np.full(n, i))
                pno.append(np.arange(1, n + 1))
                absent_p.append(np.full(n, 0.12 if s.profile.startswith("weak") else 0.085))
                lenient.append(np.full(n, s.leniency))
            theta = np.concatenate(thetas)
            n_all = theta.size
            u = rng.random((n_all, cols.size))
            hit = u < _sigmoid(_ABILITY_SLOPE * theta[:, None] + easiness[cols][None, :] + offset)
            tasks = np.zeros((n_all, len(task_max)), dtype=np.int8)
            np.add.at(tasks.T, cols, hit.T.astype(np.int8))  # tasks[:, t] = points of task t
            absent = rng.random(n_all) < np.concatenate(absent_p)
            total = tasks.sum(axis=1).astype(np.int64)
            tasks[absent] = 0
            total[absent] = -1
            # Teachers mark against their class: the journal follows the pupil's place in the school more
            # than the school's level, plus the school's leniency (weak schools mark generously — the
            # objectivity signal ФИС ОКО shows as «понизили / подтвердили / повысили»).
            school_level = np.concatenate(level)
            x = 3.45 + 0.9 * (theta - school_level) + 0.3 * school_level + np.concatenate(lenient) \
                + rng.normal(0, 0.3, n_all)
            journal = np.where(x < 2.0, 2, np.clip(np.rint(x), 3, 5)).astype(np.int8)   # a quarter "2" is rare
            journal[rng.random(n_all) < 0.004] = 0
            journal[absent] = 0
            variant = np.where(absent, 0, 1 + (rng.random(n_all) < 0.5)).astype(np.int8)
            out[(proc, year)] = VprResult(
                procedure=proc, year=year, round_date=round_date, grade_shift=shift,
                school=np.concatenate(idx), pupil_no=np.concatenate(pno), class_letter=letters,
                sex=(rng.random(n_all) < 0.49).astype(np.int8), journal=journal, variant=variant,
                tasks=tasks, total=total)
    return out


def _exam_sizes(rng: np.random.Generator, s: School, proc: str, year: int) -> int:
    if proc.startswith("OGE"):
        if 9 not in s.grades:
            return 0
        return max(1, int(round(s.cohort * 0.96 * rng.lognormal(0, 0.1))))
    if 11 not in s.grades:
        return 0
    grade11 = max(1, int(round(s.cohort * s.senior_ratio * rng.lognormal(0, 0.15))))
    applicants = 0.8 if year <= 2020 else 1.0
    prof_share = 0.7 if s.profile == "strong" else (0.3 if s.rural else 0.45)
    if proc == "EGE-RUS":
        return max(1, int(round(grade11 * applicants)))
    if proc == "EGE-MATH-PROF":
        return int(rng.binomial(grade11, prof_share * (0.9 if year <= 2020 else 1.0)))
    return grade11 - int(round(grade11 * prof_share))    # base math: the rest of the class


def _generate_exams(rng: np.random.Generator, schools: list[School], mu: dict[tuple[int, int], float]
                    ) -> dict[tuple[str, int], ExamResult]:
    out: dict[tuple[str, int], ExamResult] = {}
    ref = rng.standard_normal(20000) * _PUPIL_SD
    offsets: dict[str, float] = {}
    for proc in ("OGE-MATH", "OGE-RUS"):      # calibrated on a typical school, like the ВПР works
        mx, low_max = OGE_MAX[proc], OGE_MARKS[proc][2][1]
        u = rng.random((ref.size, mx))
        lo, hi = -6.0, 6.0
        for _ in range(40):
            mid = (lo + hi) / 2
            share = float(((u < _sigmoid(_EXAM_SLOPE * ref[:, None] + mid)).sum(axis=1) <= low_max).mean())
            lo, hi = (mid, hi) if share > _EXAM_BASE_LOW[proc] else (lo, mid)
        offsets[proc] = (lo + hi) / 2
    for year in YEARS:
        for proc in exam_calendar(year):
            idx, parts, lows, marks, means, highs, hundreds = [], [], [], [], [], [], []
            for i, s in enumerate(schools):
                if not s.active(year):
                    continue
                n = _exam_sizes(rng, s, proc, year)
                if n <= 0:
                    continue
                theta = mu[(i, year)] + rng.standard_normal(n) * _PUPIL_SD
                if proc.startswith("OGE"):
                    mx = OGE_MAX[proc]
                    score = (rng.random((n, mx)) < _sigmoid(_EXAM_SLOPE * theta[:, None] + offsets[proc])
                             ).sum(axis=1)
                    mk = np.zeros(n, dtype=int)
                    for mark, (lo_, hi_) in OGE_MARKS[proc].items():
                        mk[(score >= lo_) & (score <= hi_)] = mark
                    cnt = [int((mk == m).sum()) for m in (2, 3, 4, 5)]
                    low, mean, high, hund = cnt[0], float(score.mean()), None, None
                elif proc == "EGE-MATH-BASE":
                    z = theta + rng.normal(0, 0.25, n)
                    mk = np.select([z < -1.55, z < -0.4, z < 0.55], [2, 3, 4], 5)
                    cnt = [int((mk == m).sum()) for m in (2, 3, 4, 5)]
                    low, mean, high, hund = cnt[0], float(mk.mean()), None, None
                else:
                    centre, spread = (66.0, 20.0) if proc == "EGE-RUS" else (50.0, 20.0)
                    score = np.clip(np.rint(centre + spread * theta), 0, 100)
                    cnt = None
                    low = int((score < EGE_MIN[proc]).sum())
                    mean = float(score.mean())
                    high, hund = int(((score >= 80) & (score < 100)).sum()), int((score == 100).sum())
                idx.append(i)
                parts.append(n)
                lows.append(low)
                marks.append(cnt)
                means.append(round(mean, 1))
                highs.append(high)
                hundreds.append(hund)
            has_marks = marks and marks[0] is not None
            out[(proc, year)] = ExamResult(
                procedure=proc, year=year, school=np.array(idx), participants=np.array(parts),
                low=np.array(lows), marks=np.array(marks) if has_marks else None, mean=np.array(means),
                high=None if has_marks else np.array(highs), hundred=None if has_marks else np.array(hundreds))
    return out


def _targets() -> list[tuple[str | None, int, float]]:
    """Targets for the share of ШНОР: the region 10 % for 2021/2022, 5 % from 2022/2023 (seed 000);
    Новокузнецк 15 % for 2020/2021 (seed 004); Мариинский округ's roadmap 2023–2025."""
    out: list[tuple[str | None, int, float]] = [(None, 2020, 0.15), (None, 2021, 0.10)]
    out += [(None, y, 0.05) for y in range(2022, 2025)]
    out += [("Таштагольский муниципальный район", 2021, 0.10)]
    out += [("Таштагольский муниципальный район", y, 0.05) for y in range(2022, 2025)]
    out += [("Новокузнецкий городской округ", y, v) for y, v in
            ((2020, 0.15), (2021, 0.12), (2022, 0.10), (2023, 0.07), (2024, 0.05))]
    out += [("Мариинский муниципальный округ", y, v) for y, v in ((2022, 0.10), (2023, 0.07), (2024, 0.05))]
    return out


def generate_region(seed: int = 2024) -> DemoRegion:
    """The demo region for a seed. Pure: the same seed gives the same region and the same results."""
    rng = np.random.default_rng(seed)
    territories, schools = _make_schools(rng)
    _assign_levels(rng, territories, schools)
    _history(rng, schools)
    mu = {(i, y): s.level_in(y) + float(rng.normal(0, 0.1)) for i, s in enumerate(schools) for y in YEARS}
    region = DemoRegion(seed=seed, region=territories[0], territories=territories[1:], schools=schools,
                        targets=_targets())
    region.vpr = _generate_vpr(rng, schools, mu)
    region.exams = _generate_exams(rng, schools, mu)
    return region
