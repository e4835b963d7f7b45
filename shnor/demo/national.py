"""The national demo: about 40 000 schools of 85 regions, some 2 300 municipalities and the districts of the
regional centres, six school years of ВПР results — what a federal centre that runs the monitor for everyone holds.

The territory tree has one more level than a region's: Российская Федерация (kind «country») → regions (with their
ФИС ОКО codes `reg220000`) → municipalities (`reg22_m001`) → districts of the regional centre. Territory names are
unique in the database, so a municipality whose name another region has already used carries its region in brackets.

`generate_national(seed)` is pure and deterministic (numpy, no loop per pupil: results are drawn per school).
`write_national_files(nat, out_dir)` writes what the federal centre receives, in the real layouts: the registry of
the country's schools (layout 5A, one workbook, region by region) and the ФИС ОКО report «Статистика по отметкам» of
each ВПР work and year for the whole country (layout 2: Вся выборка, then each region, its municipalities and
schools). One registry rather than 85: the import service matches every file against every school of the database,
so 85 registries cost 85 such passes.
`build_national(db_path)` creates the tree and the targets (at every level) and loads the files through the same
importers users use (shnor/demo/build.py `load_files`). The workbooks are written directly as OOXML (an
openpyxl workbook of 40 000 rows takes a minute); the bytes are the same for the same seed.
"""
from __future__ import annotations

import math
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from shnor.domain.regions import REGIONS

COUNTRY_NAME = "Российская Федерация"
COUNTRY_SHORT = "РФ"
NATIONAL_SCHOOLS = 40_000
YEARS = tuple(range(2019, 2025))          # 2019/2020 … 2024/2025: six school years
VPR_WORKS = ("VPR-MATH-5", "VPR-RUS-5", "VPR-MATH-6", "VPR-RUS-6")
_TAGS = {"VPR-MATH-5": "ma5", "VPR-RUS-5": "ru5", "VPR-MATH-6": "ma6", "VPR-RUS-6": "ru6"}

# the administrative centre of each region (the municipality with districts)
_CAPITALS = {
    "01": "Майкоп", "02": "Уфа", "03": "Улан-Удэ", "04": "Горно-Алтайск", "05": "Махачкала", "06": "Магас",
    "07": "Нальчик", "08": "Элиста", "09": "Черкесск", "10": "Петрозаводск", "11": "Сыктывкар", "12": "Йошкар-Ола",
    "13": "Саранск", "14": "Якутск", "15": "Владикавказ", "16": "Казань", "17": "Кызыл", "18": "Ижевск",
    "19": "Абакан", "20": "Грозный", "21": "Чебоксары", "22": "Барнаул", "23": "Краснодар", "24": "Красноярск",
    "25": "Владивосток", "26": "Ставрополь", "27": "Хабаровск", "28": "Благовещенск", "29": "Архангельск",
    "30": "Астрахань", "31": "Белгород", "32": "Брянск", "33": "Владимир", "34": "Волгоград", "35": "Вологда",
    "36": "Воронеж", "37": "Иваново", "38": "Иркутск", "39": "Калининград", "40": "Калуга",
    "41": "Петропавловск-Камчатский", "42": "Кемерово", "43": "Киров", "44": "Кострома", "45": "Курган",
    "46": "Курск", "47": "Гатчина", "48": "Липецк", "49": "Магадан", "50": "Красногорск", "51": "Мурманск",
    "52": "Нижний Новгород", "53": "Великий Новгород", "54": "Новосибирск", "55": "Омск", "56": "Оренбург",
    "57": "Орёл", "58": "Пенза", "59": "Пермь", "60": "Псков", "61": "Ростов-на-Дону", "62": "Рязань", "63": "Самара",
    "64": "Саратов", "65": "Южно-Сахалинск", "66": "Екатеринбург", "67": "Смоленск", "68": "Тамбов", "69": "Тверь",
    "70": "Томск", "71": "Тула", "72": "Тюмень", "73": "Ульяновск", "74": "Челябинск", "75": "Чита", "76": "Ярославль",
    "77": "Москва", "78": "Санкт-Петербург", "79": "Биробиджан", "83": "Нарьян-Мар", "86": "Ханты-Мансийск",
    "87": "Анадырь", "89": "Салехард", "91": "Симферополь", "92": "Севастополь",
}
# federal cities: their municipalities are the city's own areas
_FEDERAL_CITIES = {"77", "78", "92"}

# stems of municipality and village names («Берёзов» -> Берёзовский район, «Берёзовская СОШ»)
_STEMS = (
    "Алейск", "Алтайск", "Андреевск", "Ардатовск", "Балахнинск", "Белоглинск", "Берёзовск", "Бобровск", "Богучанск",
    "Большереченск", "Борисовск", "Бугульминск", "Быстроистокск", "Варнавинск", "Велижск", "Вересковск", "Верхнеуральск",
    "Вишнёвск", "Волжск", "Вознесенск", "Выгоничск", "Гагаринск", "Глазовск", "Горноуральск", "Городищенск",
    "Грачёвск", "Дальнереченск", "Дубровск", "Елецк", "Ермаковск", "Жуковск", "Заволжск", "Заречнинск", "Знаменск",
    "Ивановск", "Ильинск", "Каменск", "Карасукск", "Кировск", "Ключевск", "Колыванск", "Краснинск", "Краснозёрск",
    "Красногорск", "Кузнецк", "Куйбышевск", "Курагинск", "Лебяжьевск", "Ленинск", "Лесозаводск", "Липовск",
    "Луговск", "Майск", "Маловишерск", "Медвежьегорск", "Мирненск", "Михайловск", "Молчановск", "Никольск",
    "Новосёловск", "Новоалександровск", "Октябрьск", "Ольховск", "Орловск", "Павловск", "Первомайск", "Петровск",
    "Подгоренск", "Покровск", "Поспелихинск", "Приозёрск", "Пролетарск", "Пушкинск", "Ракитянск", "Речинск",
    "Родинск", "Романовск", "Рубцовск", "Садовск", "Светлинск", "Северск", "Семёновск", "Сергиевск", "Смоленск",
    "Советск", "Сосновск", "Спасск", "Старооскольск", "Степновск", "Сузунск", "Тальменск", "Тарасовск",
    "Тогучинск", "Топчихинск", "Троицк", "Тюменцевск", "Угловск", "Уренск", "Устьянск", "Хомутовск", "Целинск",
    "Чарышск", "Черемховск", "Чистоозёрск", "Шелаболихинск", "Шипуновск", "Щучанск", "Юрьевск", "Ясногорск",
    "Ярковск", "Озёрск", "Полевск", "Залесск",
)
_KINDS = (("ий муниципальный район", 0.55), ("ий муниципальный округ", 0.35), ("ий городской округ", 0.10))
_DISTRICTS = ("Центральный", "Ленинский", "Октябрьский", "Кировский", "Советский", "Железнодорожный",
              "Заводской", "Индустриальный")
_SCHOOL_TYPES = ("СОШ", "ООШ", "НОШ", "гимназия", "лицей")
_TYPE_P_URBAN = (0.72, 0.08, 0.02, 0.10, 0.08)
_TYPE_P_RURAL = (0.58, 0.36, 0.04, 0.01, 0.01)
_TYPE_FULL = {"СОШ": "Средняя общеобразовательная школа", "ООШ": "Основная общеобразовательная школа",
              "НОШ": "Начальная общеобразовательная школа", "гимназия": "Гимназия", "лицей": "Лицей"}
_VPR_BASE_LOW = {"VPR-MATH-5": 0.12, "VPR-RUS-5": 0.125, "VPR-MATH-6": 0.12, "VPR-RUS-6": 0.115}


# ---------------------------------------------------------------------------------------------
# The country, generated
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NTerritory:
    name: str
    short_name: str
    kind: str                      # country | region | municipality | district
    code: str | None
    parent: str | None             # the parent's name
    region: str | None = None      # two-digit region code (regions and below)


@dataclass
class NationalDemo:
    seed: int
    territories: list[NTerritory]  # the tree, parents before children (country first)
    # schools as columns (index = school)
    login: list[str]               # sch + region code + 4 digits
    short_name: list[str]
    full_name: list[str]
    school_type: list[str]
    ownership: list[str]
    municipality: np.ndarray       # index into `territories`
    district: np.ndarray           # index into `territories`, -1 for none
    rural: np.ndarray
    level: np.ndarray              # latent level per school (0 = the country's typical school)
    # ВПР results per (work, year): participants and counts of the marks 2, 3, 4, 5 per school (0 participants:
    # the school did not write the work)
    results: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)   # schools × 5 (n, m2, m3, m4, m5)
    targets: list[tuple[str | None, int, float]] = field(default_factory=list)
    years: tuple[int, ...] = YEARS

    @property
    def schools(self) -> int:
        return len(self.login)

    def regions(self) -> list[NTerritory]:
        return [t for t in self.territories if t.kind == "region"]


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _region_sizes(rng: np.random.Generator, total: int, codes: list[str]) -> dict[str, int]:
    """Schools per region: a few large regions (Москва, Московская область, Дагестан, Башкортостан …), many of a few
    hundred schools, the northern districts with some dozens."""
    big = {"50": 3.2, "77": 2.6, "05": 3.0, "02": 3.0, "23": 2.8, "16": 2.6, "66": 2.3, "61": 2.0, "52": 1.8,
           "54": 1.7, "59": 1.8, "24": 1.9, "74": 1.8, "63": 1.6, "78": 1.5}
    small = {"83": 0.08, "87": 0.1, "49": 0.12, "79": 0.15, "92": 0.15, "04": 0.4, "08": 0.4, "41": 0.3, "65": 0.4}
    w = np.array([big.get(c, small.get(c, 1.0)) * float(rng.lognormal(0, 0.25)) for c in codes])
    sizes = np.maximum(min(30, total // len(codes)), np.floor(w / w.sum() * total)).astype(int)
    sizes[int(np.argmax(sizes))] += total - int(sizes.sum())
    return dict(zip(codes, sizes.tolist()))


def _municipality_names(rng: np.random.Generator, region: str, count: int, taken: set[str]) -> list[tuple[str, str]]:
    """(name, short name) of a region's municipalities other than its centre, unique in the country."""
    out: list[tuple[str, str]] = []
    stems = list(rng.permutation(len(_STEMS)))
    kinds = [k for k, _ in _KINDS]
    p = np.array([w for _, w in _KINDS])
    i = 0
    while len(out) < count:
        stem = _STEMS[stems[i % len(stems)]] + ("" if i < len(stems) else f"о-{_STEMS[stems[(i * 7) % len(stems)]]}")
        i += 1
        kind = kinds[int(rng.choice(len(kinds), p=p))]
        base = f"{stem}{kind}"
        name = base if base not in taken else f"{base} ({REGIONS[region]})"
        if name in taken:
            continue
        taken.add(name)
        short = f"{stem}ий {'МР' if 'район' in kind else ('МО' if 'округ' in kind and 'городской' not in kind else 'ГО')}"
        out.append((name, short))
    return out


def generate_national(seed: int = 2025, schools: int = NATIONAL_SCHOOLS, regions: tuple[str, ...] | None = None,
                      years: tuple[int, ...] = YEARS) -> NationalDemo:
    """The country for a seed. Pure: the same seed gives the same tree, schools and results. `regions` (two-digit
    codes) and `years` make a smaller country of the same shape (tests)."""
    rng = np.random.default_rng(seed)
    sizes = _region_sizes(rng, schools, sorted(regions or REGIONS))
    terr: list[NTerritory] = [NTerritory(COUNTRY_NAME, COUNTRY_SHORT, "country", "reg000000", None)]
    taken: set[str] = {COUNTRY_NAME}
    login, short, full, stype, owner = [], [], [], [], []
    muni_of, dist_of, rural_of, level_of = [], [], [], []
    region_fx = rng.normal(0, 0.18, len(sizes))
    for r_i, (code, n_schools) in enumerate(sizes.items()):
        rname = REGIONS[code]
        terr.append(NTerritory(rname, rname, "region", f"reg{code}0000", COUNTRY_NAME, code))
        taken.add(rname)
        capital = _CAPITALS[code]
        n_muni = max(2, int(round(n_schools / 17.4)))
        # the centre: a city with districts (a federal city: its areas are municipalities)
        if code in _FEDERAL_CITIES:
            centre_name = f"город {capital} (центральные районы)"
        else:
            centre_name = f"городской округ город {capital}"
        if centre_name in taken:
            centre_name = f"{centre_name} ({rname})"
        taken.add(centre_name)
        centre = len(terr)
        terr.append(NTerritory(centre_name, f"г. {capital}", "municipality", f"reg{code}_m001", rname, code))
        n_dist = int(rng.integers(4, 8))
        districts = []
        for d in _DISTRICTS[:n_dist]:
            dname = f"{d} район города {capital}"
            if dname in taken:
                dname = f"{dname} ({rname})"
            taken.add(dname)
            districts.append(len(terr))
            terr.append(NTerritory(dname, f"{d} р-н г. {capital}", "district", None, centre_name, code))
        munis = [centre]
        for k, (mname, mshort) in enumerate(_municipality_names(rng, code, n_muni - 1, taken)):
            munis.append(len(terr))
            terr.append(NTerritory(mname, mshort, "municipality", f"reg{code}_m{k + 2:03d}", rname, code))
        # schools of the region: a quarter in the centre, the rest by a Dirichlet share per municipality
        share = np.concatenate([[0.25], 0.75 * rng.dirichlet(np.full(len(munis) - 1, 2.0))])
        counts = np.maximum(1, np.floor(share * n_schools)).astype(int)
        counts[0] += n_schools - int(counts.sum())
        digits = rng.permutation(10_000)[:n_schools]
        s_i = 0
        muni_fx = rng.normal(0, 0.15, len(munis))
        for m_i, (m, cnt) in enumerate(zip(munis, counts.tolist())):
            urban = m == centre or "городской" in terr[m].name
            types = rng.choice(len(_SCHOOL_TYPES), size=cnt, p=_TYPE_P_URBAN if urban else _TYPE_P_RURAL)
            numbers: dict[str, int] = {}
            stem_i = rng.permutation(len(_STEMS))
            for j, t in enumerate(types.tolist()):
                st = _SCHOOL_TYPES[t]
                if urban or st in ("гимназия", "лицей"):
                    numbers[st] = numbers.get(st, 0) + 1
                    n = numbers[st]
                    own = "МАОУ" if st in ("гимназия", "лицей") else "МБОУ"
                    s_short = f"{own} «{st.capitalize() if st in ('гимназия', 'лицей') else st} № {n}»"
                    s_full = f"{own} «{_TYPE_FULL[st]} № {n}»"
                else:
                    village = _STEMS[int(stem_i[j % len(stem_i)])]
                    numbers[village] = numbers.get(village, 0) + 1
                    suffix = f" № {numbers[village]}" if numbers[village] > 1 else ""
                    own = "МКОУ" if rng.random() < 0.5 else "МБОУ"
                    s_short = f"{own} «{village}ая {st}{suffix}»"
                    s_full = f"{own} «{village}ая {_TYPE_FULL[st][0].lower() + _TYPE_FULL[st][1:]}{suffix}»"
                login.append(f"sch{code}{int(digits[s_i]):04d}")
                short.append(s_short)
                full.append(s_full)
                stype.append(st)
                owner.append(own)
                muni_of.append(m)
                dist_of.append(int(districts[int(rng.integers(0, len(districts)))]) if m == centre else -1)
                rural_of.append(not urban)
                level_of.append(region_fx[r_i] + muni_fx[m_i])
                s_i += 1
    n = len(login)
    level = np.array(level_of) + rng.normal(0, 0.25, n) + np.where(np.array(rural_of), 0.2, 0.0)
    st_arr = np.array(stype)
    level += np.where(np.isin(st_arr, ["гимназия", "лицей"]), 0.8, 0.0)
    # weak schools (the ones the rule is for): some stay weak, some improve, some slide
    weak = (rng.random(n) < 0.05) & ~np.isin(st_arr, ["гимназия", "лицей", "НОШ"])
    level[weak] = rng.normal(-1.1, 0.15, int(weak.sum()))
    trend = np.where(weak & (rng.random(n) < 0.55), rng.uniform(0.15, 0.3, n), rng.normal(0.04, 0.02, n))
    nat = NationalDemo(seed, terr, login, short, full, stype, owner, np.array(muni_of), np.array(dist_of),
                       np.array(rural_of), level, years=tuple(years))
    cohort = np.clip(np.where(nat.rural, rng.lognormal(math.log(11), 0.5, n), rng.lognormal(math.log(60), 0.35, n)),
                     3, 180)
    writes = ~np.isin(st_arr, ["НОШ"])                    # grades 5 and 6 are taught
    for w_i, proc in enumerate(VPR_WORKS):
        base = math.log(_VPR_BASE_LOW[proc] / (1 - _VPR_BASE_LOW[proc]))
        for year in nat.years:
            lvl = level + trend * max(0, year - 2020) + rng.normal(0, 0.12, n)
            part = np.maximum(1, np.rint(cohort * rng.lognormal(0, 0.12, n))).astype(np.int64)
            part[~writes] = 0
            part[rng.random(n) < 0.01] = 0                 # a school that did not write this year
            p2 = _sigmoid(base - 1.7 * lvl)
            p5 = _sigmoid(-2.0 + 1.2 * lvl)
            p4 = np.clip(0.36 + 0.08 * lvl, 0.1, 0.5)
            p3 = np.clip(1 - p2 - p4 - p5, 0.02, None)
            probs = np.stack([p2, p3, p4, p5], axis=1)
            probs /= probs.sum(axis=1, keepdims=True)
            marks = rng.multinomial(part, probs)
            nat.results[(proc, year)] = np.column_stack([part, marks]).astype(np.int64)
    # targets at every level: the country, each region, the centre of each region, one district
    last = nat.years[-1]
    nat.targets = [(None, y, v) for y, v in zip(nat.years[::-1], (0.05, 0.06, 0.08, 0.10))]
    for t in nat.regions():
        nat.targets += [(t.name, y, 0.05) for y in nat.years[-2:]]
    centres = [t for t in terr if t.kind == "municipality" and t.code and t.code.endswith("_m001")]
    nat.targets += [(t.name, last, 0.05) for t in centres[:10]]
    first_district = next(t for t in terr if t.kind == "district")
    nat.targets += [(first_district.name, last, 0.05)]
    return nat


# ---------------------------------------------------------------------------------------------
# Files in the real layouts, written as OOXML directly
# ---------------------------------------------------------------------------------------------
_FIXED = (2025, 1, 1, 0, 0, 0)


def _col(j: int) -> str:
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_xlsx(path: Path, sheet: str, rows: list[list], merges: list[str] = (), bold_rows: set[int] = frozenset()
               ) -> Path:
    """One sheet of rows (str, int, float or None) as an .xlsx: text as inline strings, numbers as numbers,
    merged ranges, bold header rows (1-based). The same rows give the same bytes."""
    cols = [_col(j) for j in range(max((len(r) for r in rows), default=0))]
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.'
           'org/spreadsheetml/2006/main"><sheetData>']
    for i, row in enumerate(rows, start=1):
        style = ' s="1"' if i in bold_rows else ""
        cells = []
        for j, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, str):
                cells.append(f'<c r="{cols[j]}{i}"{style} t="inlineStr"><is><t>{_esc(v)}</t></is></c>')
            else:
                cells.append(f'<c r="{cols[j]}{i}"{style}><v>{v}</v></c>')
        out.append(f'<row r="{i}">{"".join(cells)}</row>')
    out.append("</sheetData>")
    if merges:
        out.append(f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges)
                   + "</mergeCells>")
    out.append("</worksheet>")
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.'
        'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
        'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
        'org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.'
        'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships"><sheets><sheet name="{_esc(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
        'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
        'Target="styles.xml"/></Relationships>',
        "xl/styles.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="http://schemas.'
        'openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill '
        'patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1">'
        '<border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="2"><xf/><xf fontId="1" '
        'applyFont="1" applyAlignment="1"><alignment horizontal="center" vertical="center" wrapText="1"/></xf>'
        '</cellXfs></styleSheet>',
        "xl/worksheets/sheet1.xml": "".join(out),
    }
    tmp = path.with_suffix(path.suffix + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=_FIXED)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, text.encode("utf-8"))
    tmp.replace(path)
    return path


REGISTRY_HEADER = ["Логин", "Краткое наименование", "Полное наименование", "Территория", "Район города", "Тип ОО",
                   "Форма", "Местность"]


def _registry_rows(nat: NationalDemo, title: str, members: np.ndarray) -> list[list]:
    rows: list[list] = [[f"Реестр общеобразовательных организаций: {title}"],
                        [f"по состоянию на 01.09.{nat.years[-1]}"], [], list(REGISTRY_HEADER)]
    t = nat.territories
    for i in members.tolist():
        d = nat.district[i]
        rows.append([nat.login[i], nat.short_name[i], nat.full_name[i], t[nat.municipality[i]].name,
                     t[d].name if d >= 0 else None, nat.school_type[i], nat.ownership[i],
                     "сельская" if nat.rural[i] else "городская"])
    return rows


def _pct(count: np.ndarray, n: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.round(count * 100.0 / np.maximum(n, 1), 2)


def report_rows(nat: NationalDemo, proc: str, year: int) -> list[list]:
    """Layout 2 for the whole country: title, two header rows, «Вся выборка», then each region with its
    municipalities and their schools (`(sch220206) МБОУ «СОШ № 5»`), percentages of marks 2–5."""
    res = nat.results[(proc, year)]
    n, marks = res[:, 0], res[:, 1:]
    grade = proc.rsplit("-", 1)[1]
    subject = "Математика" if "MATH" in proc else "Русский язык"
    rows: list[list] = [[f"Всероссийские проверочные работы {year + 1} ({grade} класс)"], [f"Предмет: {subject}"],
                        ["Статистика по отметкам"], [f"Дата: {year + 1}-04-20"], [],
                        ["Группы участников", "Кол-во ОО", "Кол-во участников", "Распределение групп баллов в %",
                         None, None, None],
                        [None, None, None, 2, 3, 4, 5]]

    def group(label: str, idx: np.ndarray) -> list:
        tot = int(n[idx].sum())
        m = marks[idx].sum(axis=0)
        pct = [round(float(x) * 100 / tot, 2) if tot else None for x in m]
        return [label, int((n[idx] > 0).sum()), tot] + pct

    everyone = np.flatnonzero(n > 0)
    rows.append(group("Вся выборка", everyone))
    pct = _pct(marks, n[:, None])
    order = np.lexsort((np.arange(nat.schools), nat.municipality))
    by_muni: dict[int, list[int]] = {}
    for i in order.tolist():
        if n[i] > 0:
            by_muni.setdefault(int(nat.municipality[i]), []).append(i)
    t = nat.territories
    children: dict[str, list[int]] = {}
    for k, terr in enumerate(t):
        if terr.kind == "municipality":
            children.setdefault(terr.parent, []).append(k)
    for region in nat.regions():
        members = [i for m in children.get(region.name, []) for i in by_muni.get(m, [])]
        if not members:
            continue
        rows.append(group(region.name, np.array(members)))
        for m in children.get(region.name, []):
            schools = by_muni.get(m)
            if not schools:
                continue
            rows.append(group(t[m].name, np.array(schools)))
            for i in schools:
                p = pct[i].tolist()
                rows.append([f"({nat.login[i]}) {nat.short_name[i]}", 1, int(n[i])] + p)
    return rows


def write_national_files(nat: NationalDemo, out_dir) -> list[tuple[Path, "object"]]:
    """The country's registry, then the country's report of each work and year, in import order, each with the
    hints a user gives (none: the files say everything)."""
    from shnor.importing.model import Hints
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files: list[tuple[Path, Hints]] = []
    region_of_school = np.array([nat.territories[m].region for m in nat.municipality.tolist()])
    order = np.concatenate([np.flatnonzero(region_of_school == r.region) for r in nat.regions()])
    path = out_dir / "reestr_oo_rf.xlsx"
    write_xlsx(path, "Реестр ОО", _registry_rows(nat, COUNTRY_NAME, order), bold_rows={4})
    files.append((path, Hints()))
    for year in nat.years:
        for proc in VPR_WORKS:
            path = out_dir / f"vpr{year + 1}_{_TAGS[proc]}_rf_statistika_po_otmetkam.xlsx"
            write_xlsx(path, "Статистика по отметкам", report_rows(nat, proc, year), merges=["D6:G6"],
                       bold_rows={6, 7})
            files.append((path, Hints()))
    return files


# ---------------------------------------------------------------------------------------------
# The database, through the importers
# ---------------------------------------------------------------------------------------------
def create_tree(store, nat: NationalDemo) -> int:
    """Create the territory tree (country → regions → municipalities → districts) as an administrator does before
    the first upload; territories that exist already are kept. Returns how many were added."""
    from shnor.domain import events
    from shnor.domain.permissions import SYSTEM
    existing = set(store.territories.list()["name"])
    ids = {name: tid for name, tid in zip(store.territories.list()["name"], store.territories.list()["id"])}
    added = 0
    with store.unit(SYSTEM) as u:
        for t in nat.territories:
            if t.name in existing:
                continue
            parent = ids.get(t.parent) if t.parent else None
            ids[t.name] = u.territories.add(t.name, kind=t.kind, parent_id=parent, code=t.code,
                                            short_name=t.short_name)
            added += 1
        u.record(events.TERRITORY_ADDED, demo="national", territories=added)
    return added


def build_national(db_path, seed: int = 2025, work_dir=None, schools: int = NATIONAL_SCHOOLS,
                   progress=None, regions: tuple[str, ...] | None = None, years: tuple[int, ...] = YEARS) -> dict:
    """Create (or complete) the national demo database: the tree and the targets, then every file through the
    importers. The files stay in `work_dir` when given (written again: the same bytes), else a temporary folder.
    `progress(text)` is told what is being done. Returns a summary (Russian keys for the scalar figures, `seconds`)."""
    import tempfile

    from shnor.demo.build import load_files
    from shnor.domain.permissions import SYSTEM
    from shnor.services.settings import set_targets
    from shnor.store import Store

    say = progress or (lambda _text: None)
    started = time.perf_counter()
    nat = generate_national(seed, schools, regions, years)
    generated = time.perf_counter()
    say(f"сгенерировано: {nat.schools} школ, {len(nat.regions())} регионов, "
        f"{sum(1 for t in nat.territories if t.kind == 'municipality')} муниципалитетов")
    store = Store.open(db_path)
    try:
        create_tree(store, nat)
        tids = {name: tid for name, tid in zip(store.territories.list()["name"], store.territories.list()["id"])}
        set_targets(store, SYSTEM, [(None if name is None else tids[name], year, share)
                                    for name, year, share in nat.targets])
        tree_done = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="shnor_national_") as tmp:
            folder = Path(work_dir) if work_dir is not None else Path(tmp)
            files = write_national_files(nat, folder)
            written = time.perf_counter()
            say(f"файлы записаны в {folder}: {len(files)}; загрузка через импорт…")
            reports, timings = load_files(store, files, progress=say)
        loaded = time.perf_counter()
        terr = store.territories.list()
        return {
            "школ в реестре": len(store.schools.list()),
            "регионов": int((terr["kind"] == "region").sum()),
            "муниципалитетов": int((terr["kind"] == "municipality").sum()),
            "районов городов": int((terr["kind"] == "district").sum()),
            "файлов загружено": sum(1 for r in reports if r["status"] == "stored"),
            "результатов": len(store.results.list()),
            "учебные годы": f"{nat.years[0]}/{nat.years[0] + 1}–{nat.years[-1]}/{nat.years[-1] + 1}",
            "время сборки, с": round(loaded - started, 1),
            "seconds": {"generate": round(generated - started, 1), "tree_and_targets": round(tree_done - generated, 1),
                        "write_files": round(written - tree_done, 1),
                        "import (sandboxed parse + store)": round(timings["import"], 1)},
            "files": reports,
        }
    finally:
        store.close()
