"""The demo's plan of work: roadmaps with progress, risk profiles, partners and indicators — everything the pages
beyond the list show, entered through the same services users use.

    figures = build_plan(store, region, today=date(2026, 11, 30))

- Roadmaps (Word documents in the seeds' shape, seeds 001 and 004, imported by shnor.services.roadmap): the
  region's for the school year that contains `today` (~20 measures in three sections), one municipality's
  (the improving municipality with the most ШНОР) and one ШНОР's own. Deadlines are written as the seeds write
  them but placed around `today`, so that some are past (most of them done with evidence, two left open and one
  «не выполнено» — overdue), one or two fall within the next 14 days and the rest lie ahead. Success criteria
  with ratings, measures linked to ШНОР.
- Risk profiles (shnor.services.support.set_risk_levels) of every ШНОР and risk-group school of the latest list:
  the ten factors with measured values (seed 002), «Учебная мотивация» and «Дефицит кадров» the most often high.
- Partners for about half of the ШНОР (the first suggestion of shnor.read.support.partner_suggestions),
  curators and municipal coordinators, a few «500+» schools.
- Indicator targets and entered values for the region and the last two results years (the computed
  indicators get targets only; their values stay computed from the results).

Deterministic: seeded random.Random; the same `today` gives the same documents (byte for byte) and data.
Running it again on the same database completes what is missing and changes nothing else (a roadmap already
imported is a duplicate and keeps its progress; a school with a partner keeps it).
"""
from __future__ import annotations

import random
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from shnor.demo.files import _normalise_zip
from shnor.domain import indicators as ind_
from shnor.domain.permissions import SYSTEM
from shnor.domain.roadmap import MeasureChange
from shnor.domain.rule import SHNOR

SEED = 2024
ACTOR = SYSTEM

MONTHS_NOM = ("", "январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
              "ноябрь", "декабрь")
ROMAN = ("", "I", "II", "III", "IV")

# ---------------------------------------------------------------------------------------------
# Deadlines around `today`, in the seeds' wording
# ---------------------------------------------------------------------------------------------
_Phrase = tuple   # ("aug",) | ("month", k) | ("months", k1, k2) | ("until", days) | ("quarter", months) |
#                   ("yearly", month) | ("school_year",) | ("schedule",) | ("text", "…{y1}…{y2}…")


def _shift(today: date, k: int) -> tuple[int, int]:
    """(year, month) k months from today's month."""
    n = today.year * 12 + today.month - 1 + k
    return n // 12, n % 12 + 1


def deadline_text(spec: _Phrase, today: date, sy: int) -> str:
    """A deadline as officials write it (seeds 001, 004), placed relative to `today`; `sy` is the school year."""
    kind = spec[0]
    if kind == "aug":
        return f"август {sy} года"
    if kind == "month":
        y, m = _shift(today, spec[1])
        return f"{MONTHS_NOM[m]} {y} года"
    if kind == "months":
        (y1, m1), (y2, m2) = _shift(today, spec[1]), _shift(today, spec[2])
        if y1 == y2:
            return f"{MONTHS_NOM[m1].capitalize()}-{MONTHS_NOM[m2]} {y1} года"
        return f"{MONTHS_NOM[m1].capitalize()} {y1} года - {MONTHS_NOM[m2]} {y2} года"
    if kind == "until":
        return f"до {(today + timedelta(days=spec[1])):%d.%m.%Y}"
    if kind == "quarter":
        y, m = _shift(today, spec[1])
        return f"{ROMAN[(m - 1) // 3 + 1]} квартал {y} года"
    if kind == "yearly":
        return f"ежегодно {MONTHS_NOM[spec[1]]}"
    if kind == "school_year":
        return "В течение учебного года"
    if kind == "schedule":
        return "По отдельному графику"
    return spec[1].format(y1=sy, y2=sy + 1)


@dataclass(frozen=True)
class M:
    """A measure of a demo roadmap: text, deadline spec, responsible, expected result, what proves it done
    (the evidence and the kind of document), and whether it concerns ШНОР by name (linked to schools)."""
    text: str
    when: _Phrase
    responsible: str
    result: str
    evidence: str = ""
    doc: str = "Приказ"
    schools: bool = False
    criterion: tuple[str, str] | None = None     # a success criterion and its rating, once it is done


REGION_SECTIONS: list[tuple[str, list[M]]] = [
    ("1. Организационные мероприятия", [
        M("Утверждение региональной дорожной карты по повышению качества образования в общеобразовательных "
          "организациях, имеющих низкие образовательные результаты, на {y1}-{y2} учебный год", ("aug",),
          "Министерство образования Кузбасса", "Дорожная карта утверждена и направлена в муниципалитеты",
          "Дорожная карта утверждена, размещена на сайте министерства", "Приказ"),
        M("Формирование перечня ШНОР по результатам ВПР, ОГЭ и ЕГЭ за два предыдущих учебных года", ("month", -2),
          "Министерство образования Кузбасса, КРИПКиПРО", "Перечень ШНОР утверждён, доведён до муниципалитетов",
          "Перечень ШНОР утверждён и направлен в органы управления образованием", "Приказ",
          criterion=("Перечень ШНОР доведён до всех муниципалитетов в течение 5 рабочих дней", "met")),
        M("Назначение муниципальных координаторов и кураторов ШНОР", ("months", -2, -1),
          "Органы местного самоуправления, осуществляющие управление в сфере образования",
          "За каждой ШНОР закреплены куратор и муниципальный координатор",
          "Кураторы и координаторы назначены во всех муниципалитетах, имеющих ШНОР", "Письмо"),
        M("Утверждение муниципальных дорожных карт и программ перехода ШНОР в эффективный режим работы",
          ("until", -10), "Органы управления образованием, ОО",
          "Муниципальные дорожные карты и программы ШНОР утверждены",
          "Дорожные карты утверждены в муниципалитетах, программы ШНОР согласованы", "Письмо"),
        M("Закрепление за ШНОР школ-партнёров с высокими образовательными результатами, заключение соглашений о "
          "сотрудничестве", ("months", -1, 0), "Органы управления образованием, ОО",
          "Соглашения о сотрудничестве заключены для каждой ШНОР", schools=True),
        M("Собеседования с руководителями ШНОР по итогам реализации программ перехода в эффективный режим работы "
          "за I полугодие", ("until", 6), "Министерство образования Кузбасса, КРИПКиПРО",
          "Определены управленческие дефициты, скорректированы программы ШНОР", schools=True),
        M("Заседание региональной рабочей группы по итогам реализации дорожной карты", ("yearly", 5),
          "Министерство образования Кузбасса", "Решения рабочей группы, предложения на следующий учебный год"),
    ]),
    ("2. Методическая поддержка педагогических и руководящих работников ШНОР", [
        M("Анализ результатов ВПР, ОГЭ и ЕГЭ в ШНОР и разработка адресных методических рекомендаций", ("month", -2),
          "КРИПКиПРО", "Методические рекомендации направлены в ШНОР",
          "Рекомендации по русскому языку и математике направлены во все ШНОР", "Аналитическая справка",
          criterion=("Методические рекомендации получили все ШНОР", "met")),
        M("Диагностика профессиональных дефицитов учителей русского языка и математики ШНОР", ("months", -2, -1),
          "КРИПКиПРО, ОО", "Индивидуальные образовательные маршруты педагогов",
          "Диагностику прошли учителя ШНОР; маршруты составлены", "Аналитическая справка"),
        M("Курсы повышения квалификации «Управление качеством образования в школе с низкими результатами» для "
          "руководителей ШНОР", ("quarter", 2), "КРИПКиПРО",
          "Не менее 90 % руководителей ШНОР прошли обучение"),
        M("Стажировки педагогов ШНОР на базе школ-партнёров с высокими результатами обучения", ("schedule",),
          "КРИПКиПРО, ОО", "Педагоги ШНОР освоили практики школ-партнёров"),
        M("Вебинары по подготовке обучающихся к ГИА и ВПР для педагогов ШНОР", ("school_year",), "КРИПКиПРО",
          "Повышение предметной и методической компетентности педагогов"),
        M("Выездные методические консультации в ШНОР с устойчиво низкими результатами", ("until", 25),
          "КРИПКиПРО, органы управления образованием", "Адресная помощь оказана каждой ШНОР", schools=True),
        M("Региональный семинар «Эффективные практики перехода школ в эффективный режим работы»", ("month", 3),
          "КРИПКиПРО", "Обобщён и распространён опыт школ, вышедших из перечня ШНОР"),
    ]),
    ("3. Мониторинг и анализ реализации дорожной карты", [
        M("Мониторинг рисковых профилей ШНОР (анкетирование руководителей, учителей, обучающихся и родителей)",
          ("month", -1), "КРИПКиПРО, ОО", "Рисковые профили ШНОР заполнены",
          "Анкетирование проведено во всех ШНОР, профили внесены в систему мониторинга", "Аналитическая справка",
          criterion=("Профили заполнены у всех ШНОР и школ группы риска", "met")),
        M("Региональные диагностические работы по математике и русскому языку в 5-6 классах ШНОР",
          ("until", -20), "Министерство образования Кузбасса, РЦМКО", "Выявлены предметные дефициты обучающихся",
          "Работы проведены, результаты направлены в ШНОР", "Приказ", schools=True,
          criterion=("Результаты доведены до каждой ШНОР с разбором по заданиям", "partly")),
        M("Мониторинг выполнения муниципальных дорожных карт (отчёты муниципальных координаторов)",
          ("quarter", 1), "Органы управления образованием", "Сводный отчёт о ходе реализации дорожных карт"),
        M("Анализ результатов ВПР весенней процедуры и корректировка перечня ШНОР", ("text", "июнь {y2} года"),
          "КРИПКиПРО, РЦМКО", "Аналитическая справка, проект перечня ШНОР на следующий учебный год"),
        M("Мониторинг удовлетворённости обучающихся ШНОР и их родителей качеством условий образования",
          ("text", "Апрель-май {y2} года"), "КРИПКиПРО, ОО", "Доля удовлетворённых не ниже 80 %"),
        M("Аналитический отчёт о реализации дорожной карты и предложения на следующий учебный год",
          ("text", "до 30.06.{y2}"), "Министерство образования Кузбасса, КРИПКиПРО",
          "Отчёт рассмотрен на коллегии министерства"),
    ]),
]

MUNICIPAL_SECTIONS: list[tuple[str, list[M]]] = [
    ("1. Организационно-управленческие мероприятия", [
        M("Утверждение муниципальной дорожной карты и состава рабочей группы по работе со ШНОР",
          ("text", "сентябрь {y1} года"), "Управление образования", "Дорожная карта утверждена",
          "Дорожная карта и состав рабочей группы утверждены", "Приказ"),
        M("Утверждение «дорожных карт» ШНОР по переходу в эффективный режим работы", ("month", -1),
          "Управление образования, ИМЦ", "Дорожные карты ШНОР утверждены",
          "Дорожные карты всех ШНОР рассмотрены и утверждены", "Приказ", schools=True),
        M("Отчёт руководителей ШНОР по реализации мероприятий «дорожных карт»", ("schedule",),
          "Управление образования, ОО", "Заслушаны отчёты руководителей", schools=True),
    ]),
    ("2. Методическое сопровождение ШНОР", [
        M("Анализ кадрового состава ШНОР и определение образовательных маршрутов педагогов",
          ("months", -2, -1), "ИМЦ, ОО", "Маршруты педагогов ШНОР составлены",
          "Анализ проведён, маршруты составлены для учителей математики и русского языка", "Аналитическая справка"),
        M("Посещение и анализ уроков в ШНОР", ("school_year",), "ИМЦ, городские методические объединения",
          "Рекомендации учителям по итогам посещений", schools=True),
        M("Единые методические дни для учителей ШНОР", ("schedule",), "ИМЦ, ОО",
          "Повышение методической компетентности учителей"),
    ]),
    ("3. Мониторинг и контроль", [
        M("Муниципальные диагностические работы по математике в 6 классах ШНОР", ("until", 9), "Управление "
          "образования, ИМЦ", "Выявлены обучающиеся с рисками учебной неуспешности", schools=True),
        M("Анализ результатов окончания полугодия в ШНОР для принятия управленческих решений",
          ("quarter", 2), "Управление образования, ОО", "Управленческие решения по итогам полугодия"),
        M("Аналитическая справка о реализации муниципальной дорожной карты", ("text", "до 15.06.{y2}"),
          "ИМЦ", "Справка рассмотрена на совещании руководителей"),
    ]),
]

SCHOOL_SECTIONS: list[tuple[str, list[M]]] = [
    ("1. Организационно-управленческие мероприятия", [
        M("Анализ результатов ВПР, ОГЭ и ЕГЭ по предметам, выявление причин низких результатов", ("month", -2),
          "Заместитель директора по УВР", "Аналитическая справка, план коррекционной работы",
          "Анализ проведён, рассмотрен на педагогическом совете", "Протокол педагогического совета"),
        M("Утверждение программы перехода школы в эффективный режим работы", ("month", -1), "Директор",
          "Программа утверждена", "Программа утверждена, согласована с управлением образования", "Приказ"),
        M("Заключение соглашения о сотрудничестве со школой-партнёром", ("months", -1, 0), "Директор",
          "Соглашение заключено, план совместных мероприятий утверждён"),
    ]),
    ("2. Работа с педагогическими кадрами", [
        M("Курсы повышения квалификации учителей математики и русского языка", ("quarter", 2),
          "Заместитель директора по УВР", "Не менее 80 % учителей прошли курсы"),
        M("Взаимопосещение уроков с педагогами школы-партнёра", ("school_year",),
          "Руководители школьных методических объединений", "Учителя освоили приёмы работы со слабоуспевающими"),
    ]),
    ("3. Работа с обучающимися и родителями", [
        M("Индивидуальные образовательные маршруты обучающихся с рисками учебной неуспешности", ("until", -5),
          "Классные руководители, педагог-психолог", "Маршруты составлены для всех обучающихся группы риска",
          "Маршруты составлены для 37 обучающихся 5-9 классов", "Приказ"),
        M("Родительские собрания «Как помочь ребёнку учиться»", ("text", "ежегодно, октябрь, март"),
          "Классные руководители", "Доля родителей, посещающих собрания, не ниже 60 %"),
        M("Пробные ВПР по математике и русскому языку в 5-8 классах", ("text", "февраль-март {y2} года"),
          "Заместитель директора по УВР", "Выявлены темы для повторения до ВПР"),
    ]),
]

# ---------------------------------------------------------------------------------------------
# Writing a roadmap document (python-docx), byte-identical for the same content
# ---------------------------------------------------------------------------------------------
HEADER = ("№ п/п", "Наименование мероприятия", "Срок исполнения", "Ответственные", "Ожидаемый результат")


def write_roadmap_docx(path: Path, heading: list[str], approval: str, title: str,
                       sections: list[tuple[str, list[tuple[str, str, str, str, str]]]]) -> Path:
    """A roadmap as the seeds write it: the authority above, «Утверждена приказом … от … № …» on the right, the
    title, one table (header, a merged row per section, numbered measures)."""
    import datetime as dt

    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc = docx.Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(12)
    for line in heading:
        p = doc.add_paragraph(line)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p = doc.add_paragraph(approval)
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run(title).bold = True
    table = doc.add_table(rows=1, cols=len(HEADER))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, HEADER):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for section, rows in sections:
        cells = table.add_row().cells
        merged = cells[0].merge(cells[-1])
        merged.text = ""
        merged.paragraphs[0].add_run(section).bold = True
        for row in rows:
            for cell, text in zip(table.add_row().cells, row):
                cell.text = text
    fixed = dt.datetime(2025, 1, 1)
    cp = doc.core_properties
    cp.author, cp.last_modified_by, cp.title, cp.revision = "", "", "", 1
    cp.created = cp.modified = fixed
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    _normalise_zip(path)
    return path


def _rows(sections: list[tuple[str, list[M]]], today: date, sy: int):
    """(section heading, [(number, text, deadline, responsible, result)]) and the measure specs in order."""
    out, specs = [], []
    for s_idx, (heading, measures) in enumerate(sections, 1):
        rows = []
        for m_idx, m in enumerate(measures, 1):
            text = m.text.format(y1=sy, y2=sy + 1)
            rows.append((f"{s_idx}.{m_idx}.", text, deadline_text(m.when, today, sy), m.responsible, m.result))
            specs.append(m)
        out.append((heading, rows))
    return out, specs


# ---------------------------------------------------------------------------------------------
# Progress of the measures
# ---------------------------------------------------------------------------------------------
def _ts_date(v) -> date | None:
    import pandas as pd
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    return pd.Timestamp(v).date()


def _between(rng: random.Random, a: date, b: date) -> date:
    if b <= a:
        return a
    return a + timedelta(days=rng.randint(0, (b - a).days))


def _mark_progress(store, roadmap_id: int, specs: list[M], today: date, rng: random.Random,
                   linked: list[int], open_past: int = 0, not_done: int = 0,
                   approval: tuple[str, date] | None = None) -> None:
    """Statuses as methodists record them: past-deadline measures done with evidence (a note, a document),
    except `open_past` left «в работе» / «запланировано» and `not_done` «не выполнено» (all of them overdue);
    the nearest due-soon measure and about half of the running ones «в работе» with a note; the success
    criteria of the done ones (the last one added unrated, then rated); the ШНОР `linked` to the measures that
    concern them. `approval`: the approving order (its name and date) — the evidence of the first measure when
    that one approves the roadmap itself."""
    from shnor.services.roadmap import add_criterion, rate_criterion, set_measure_schools, update_measure

    ms = store.roadmaps.measures([roadmap_id]).reset_index(drop=True)
    ids = [int(i) for i in ms["id"]]
    ends = [_ts_date(v) for v in ms["deadline_end"]]
    starts = [_ts_date(v) for v in ms["deadline_start"]]
    past = [i for i, e in enumerate(ends) if e is not None and e < today]
    # the first measure (approving the roadmap itself) is always done; the open ones come from the rest,
    # those without a success criterion first
    plain = [i for i in past if i != 0 and specs[i].criterion is None]
    rest = [i for i in past if i != 0 and specs[i].criterion is not None]
    rng.shuffle(plain)
    rng.shuffle(rest)
    n_left = open_past + not_done
    left = (plain + rest)[:n_left] if len(plain) + len(rest) > n_left else []
    left_open, left_not_done = left[:open_past], left[open_past:]
    numbers = iter(rng.sample(range(12, 980), len(ids)))
    criteria: list[tuple[int, tuple[str, str]]] = []
    for i in past:
        spec = specs[i]
        if i in left_open:
            if i == left_open[0]:       # the other one stays «запланировано», as imported
                when = min(ends[i], today)
                update_measure(store, ACTOR, ids[i], MeasureChange(
                    status="in_progress", status_date=when, update_date=when,
                    note="Работа начата, срок сорван: сведения представили не все муниципалитеты"))
            continue
        if i in left_not_done:
            when = min(ends[i] + timedelta(days=3), today)
            update_measure(store, ACTOR, ids[i], MeasureChange(
                status="not_done", status_date=when, update_date=when,
                note="Не выполнено в срок: причины рассмотрены на рабочей группе, мероприятие перенесено"))
            continue
        start = starts[i] or ends[i] - timedelta(days=30)
        day = _between(rng, max(start, ends[i] - timedelta(days=20)), min(ends[i], today))
        doc_day = day - timedelta(days=rng.randint(0, 3))
        doc = f"{spec.doc} № {next(numbers)} от {doc_day:%d.%m.%Y}"
        if i == 0 and approval is not None:
            doc, day = approval
        update_measure(store, ACTOR, ids[i], MeasureChange(
            status="done", status_date=day, evidence=spec.evidence or "Выполнено в установленный срок",
            evidence_doc=doc, update_date=day))
        if spec.criterion:
            criteria.append((ids[i], spec.criterion))
    # due soon: the first open measure ending within 14 days is «в работе»
    soon = [i for i, e in enumerate(ends) if e is not None and today <= e <= today + timedelta(days=14)]
    for i in soon[:1]:
        when = today - timedelta(days=7)
        update_measure(store, ACTOR, ids[i], MeasureChange(status="in_progress", status_date=when,
                                                          update_date=when, note="Подготовка идёт по графику"))
    # running measures (begun and ending later, or by a schedule): about half «в работе»
    running = [i for i, (s, e) in enumerate(zip(starts, ends)) if i not in soon and (
        s is None or (s <= today and e is not None and e > today + timedelta(days=14)))]
    for i in sorted(rng.sample(running, len(running) // 2)):
        when = today - timedelta(days=rng.randint(3, 20))
        update_measure(store, ACTOR, ids[i], MeasureChange(
            status="in_progress", status_date=when, update_date=when,
            note=rng.choice(["Проведены первые мероприятия, работа продолжается",
                             "Мероприятия проводятся по утверждённому графику",
                             "Выполнено частично, работа продолжается"])))
    for k, (mid, (text, rating)) in enumerate(criteria):
        if k == len(criteria) - 1:
            rate_criterion(store, ACTOR, add_criterion(store, ACTOR, mid, text), rating)
        else:
            add_criterion(store, ACTOR, mid, text, rating=rating)
    if linked:
        for n, (i, spec) in enumerate((i, s) for i, s in enumerate(specs) if s.schools):
            k = len(linked) if n % 2 == 0 else max(1, len(linked) // 2)
            set_measure_schools(store, ACTOR, ids[i], sorted(rng.sample(linked, k)))


# ---------------------------------------------------------------------------------------------
# Risk profiles
# ---------------------------------------------------------------------------------------------
# the share of ШНОР with a high level of each factor (the risk group: a little more than half of it); medium
# for about half of the rest. «Учебная мотивация» and «Дефицит кадров» come first, as in the 500+ project.
HIGH_QUOTA = {6: 0.75, 2: 0.6, 9: 0.4, 10: 0.35, 3: 0.3, 8: 0.25, 1: 0.2, 7: 0.15, 4: 0.1, 5: 0.05}
RISK_GROUP_FACTOR = 0.55
# measured values (as entered: shares in per cent, counts, Мбит/с) per level: (from, to)
VALUES = {
    "materials_share": {"high": (55, 70), "medium": (70, 85), "low": (85, 100)},
    "digital_share": {"high": (10, 30), "medium": (30, 55), "low": (55, 90)},
    "internet_mbps": {"high": (2, 10), "medium": (10, 50), "low": (50, 100)},
    "subject_vacancies": {"high": (2, 5), "medium": (1, 2), "low": (0, 0)},
    "specialist_vacancies": {"high": (1, 3), "medium": (0, 1), "low": (0, 0)},
    "support_vacancies": {"high": (1, 3), "medium": (0, 2), "low": (0, 0)},
    "exchange_share": {"high": (10, 30), "medium": (30, 55), "low": (55, 85)},
    "parents_dissatisfied_share": {"high": (25, 40), "medium": (12, 25), "low": (3, 12)},
    "teachers_confident_share": {"high": (40, 60), "medium": (60, 75), "low": (75, 95)},
    "ovz_share": {"high": (12, 20), "medium": (6, 12), "low": (1, 6)},
    "ovz_unsure_teachers_share": {"high": (45, 70), "medium": (25, 45), "low": (5, 25)},
    "non_native_share": {"high": (15, 30), "medium": (5, 15), "low": (0, 5)},
    "non_native_extra_share": {"high": (10, 30), "medium": (30, 60), "low": (60, 100)},
    "low_motivation_teachers_share": {"high": (45, 70), "medium": (25, 45), "low": (8, 25)},
    "low_motivation_pupils_share": {"high": (35, 55), "medium": (20, 35), "low": (5, 20)},
    "bullying_share": {"high": (20, 35), "medium": (10, 20), "low": (2, 10)},
    "staff_tension_share": {"high": (25, 40), "medium": (12, 25), "low": (3, 12)},
    "unfair_share": {"high": (18, 30), "medium": (8, 18), "low": (2, 8)},
    "low_discipline_teachers_share": {"high": (40, 60), "medium": (20, 40), "low": (5, 20)},
    "risk_pupils_share": {"high": (10, 18), "medium": (5, 10), "low": (1, 5)},
    "catch_up_share": {"high": (30, 45), "medium": (15, 30), "low": (5, 15)},
    "parents_meetings_share": {"high": (20, 40), "medium": (40, 60), "low": (60, 85)},
    "parents_uninterested_share": {"high": (30, 50), "medium": (15, 30), "low": (5, 15)},
}
RISK_SOURCE = "Анкетирование по методике проекта «500+»"


def _measured(rng: random.Random, number: int, level: str) -> dict:
    from shnor.domain import risks
    out = {}
    for m in risks.factor(number).measures:
        a, b = VALUES[m.key][level]
        if m.kind == risks.SHARE:
            out[m.key] = round(rng.uniform(a, b), 1)
        elif m.kind == risks.COUNT:
            out[m.key] = rng.randint(a, b)
        else:
            out[m.key] = float(rng.randint(a, b))
    return out


def _levels(rng: random.Random, ids: list[int], factor_of_quota: float) -> dict[int, dict[int, str]]:
    """school -> factor -> level: the quota of each factor high (sampled schools), about half the rest medium."""
    out: dict[int, dict[int, str]] = {i: {} for i in ids}
    for number, quota in sorted(HIGH_QUOTA.items()):
        high = set(rng.sample(ids, round(quota * factor_of_quota * len(ids))))
        for i in ids:
            out[i][number] = "high" if i in high else ("medium" if rng.random() < 0.5 else "low")
    return out


def _risk_profiles(store, year: int, shnor_ids: list[int], risk_ids: list[int]) -> None:
    from shnor.services.support import set_risk_levels
    rng = random.Random(f"{SEED}:risks")
    levels = _levels(rng, shnor_ids, 1.0) | _levels(rng, risk_ids, RISK_GROUP_FACTOR)
    for sid in shnor_ids + risk_ids:
        entries = {n: (lvl, _measured(rng, n, lvl)) for n, lvl in sorted(levels[sid].items())}
        set_risk_levels(store, ACTOR, sid, year, entries, source=RISK_SOURCE)


# ---------------------------------------------------------------------------------------------
# Partners, curators, coordinators, «500+»
# ---------------------------------------------------------------------------------------------
SURNAMES = ("Морозова", "Кузнецова", "Лебедева", "Соколова", "Волкова", "Зайцева", "Павлова", "Семёнова",
            "Голубева", "Виноградова", "Богданова", "Воробьёва", "Фёдорова", "Михайлова", "Беляева", "Тарасова",
            "Белоусова", "Комарова", "Орлова", "Киселёва", "Макарова", "Андреева", "Ковалёв", "Ильин", "Гусев",
            "Титов", "Никитина", "Сорокина", "Захарова", "Ершова")
INITIALS = "АВГЕИЛМНОСТЮ"


def _person(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(INITIALS)}. {rng.choice(INITIALS)}."


def _partners(store, list_year: int, settings, shnor: list[tuple[int, int]], today: date) -> None:
    """About half of the ШНОР get their first suggested partner — since October of the school year before when
    the school was a ШНОР of that year's list too, else since October of the list's year; curators for two
    thirds, a municipal coordinator per municipality, «500+» for a few."""
    from shnor.read.analysis import compute_list
    from shnor.read.support import partner_suggestions, school_facts
    from shnor.services.support import pair_partner, set_support

    rng = random.Random(f"{SEED}:partners")
    ids = [sid for sid, _ in shnor]
    chosen = sorted(rng.sample(ids, (len(ids) + 1) // 2))
    facts = school_facts(store, list_year, None, settings)
    before = compute_list(store, list_year - 1, None, settings).table
    listed_before = set(int(i) for i in before.loc[before["status"] == SHNOR, "id"])
    for sid in chosen:
        day = rng.randint(1, 28)                       # drawn first: a re-run draws the same
        since = min(date(list_year - 1 if sid in listed_before else list_year, 10, day), today)
        if not store.support.partnerships(school_id=sid, active_only=True).empty:
            continue
        sg = partner_suggestions(store, ACTOR, sid, list_year, settings, facts=facts)
        if sg is None or not sg.items:
            continue
        partner = sg.items[0].school
        pair_partner(store, ACTOR, sid, partner.id, since=since, list_year=list_year, settings=settings,
                     today=today)
        facts[partner.id] = replace(facts[partner.id], partners_of=facts[partner.id].partners_of + 1)
    plus = set(rng.sample(ids, min(5, len(ids))))
    coordinators: dict[int, str] = {}
    for sid, territory in shnor:
        if territory not in coordinators:
            coordinators[territory] = f"{_person(rng)}, главный специалист управления образования"
        with_curator = rng.random() < 0.67
        if not with_curator and sid not in plus:
            continue                                   # nobody appointed yet
        set_support(store, ACTOR, sid, curator=f"{_person(rng)}, методист КРИПКиПРО" if with_curator else None,
                    coordinator=coordinators[territory], is_500plus=sid in plus)


# ---------------------------------------------------------------------------------------------
# Indicators
# ---------------------------------------------------------------------------------------------
# entered indicators of the region: (value Y-1, value Y, target Y-1, target Y), as typed (per cent or people)
ENTERED = {
    ind_.EGE_180: ("5,1", "7,8", "6", "7,5"),
    ind_.OLYMPIAD_PART: ("14,6", "16,2", "18", "20"),
    ind_.OLYMPIAD_WIN: ("2,1", "2,6", "2,5", "3"),
    ind_.SATISFIED: ("78,4", "82,7", "80", "82"),
    ind_.EXTRA_EDUCATION: ("64,5", "71,3", "70", "75"),
    ind_.PREVENTIVE: ("236", "196", "220", "200"),
    ind_.TEACHERS_TRAINED: ("61", "68,5", "65", "70"),
    ind_.TEACHERS_CATEGORY: ("52,3", "55,8", "55", "55"),
    ind_.TEACHER_CONTESTS: ("41", "57", "40", "50"),
}
# computed indicators: the target relative to the actual of the year, in percentage points (a mix of
# «достигнута», «близко к цели», «не достигнута»)
COMPUTED_TARGET_OFFSET = {ind_.GIA_PASS: 0.8, ind_.OGE_GOOD: -1.5, ind_.VPR_QUALITY: 1.2, ind_.VPR_FAIL: -3.0}


def _indicators(store, years: list[int]) -> None:
    """Targets and entered values of the region for `years` (the previous and the last results year);
    targets of the computed indicators placed around their computed actuals. Unchanged ones are not written."""
    from shnor.read.indicators import results_figures
    from shnor.services.indicators import set_target, set_value

    def target(code: str, year: int, raw: str) -> None:
        if store.indicators.target(code, None, year) != ind_.parse_value(ind_.get(code), raw, "Цель"):
            set_target(store, ACTOR, code, None, year, raw)

    for code, (v1, v2, t1, t2) in ENTERED.items():
        for year, v, t in zip(years, (v1, v2), (t1, t2)):
            if store.indicators.value(code, year, None, None) != ind_.parse_value(ind_.get(code), v):
                set_value(store, ACTOR, code, year, v, territory_id=None)
            target(code, year, t)
    results = store.results.list(years=years)
    for year in years:
        figures = results_figures(results, year)
        for code, offset in COMPUTED_TARGET_OFFSET.items():
            a = figures.get(code)
            if a is not None and a.value is not None:
                goal = min(100.0, max(0.0, round(a.value * 100 + offset, 1 if abs(offset) < 1 else 0)))
                target(code, year, f"{goal:g}".replace(".", ","))


# ---------------------------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------------------------
def school_year_of(day: date) -> int:
    return day.year if day.month >= 9 else day.year - 1


def _import(store, path: Path, territory_id=None, school_id=None) -> tuple[int, bool]:
    """(roadmap id, newly stored) — a document already imported is found by its checksum."""
    from shnor.services.imports import sha256_of
    from shnor.services.roadmap import import_roadmap

    rep = import_roadmap(store, ACTOR, path, path.name, territory_id=territory_id, school_id=school_id)
    if rep.status == "stored":
        return int(rep.roadmap_id), True
    if rep.status == "duplicate":
        return int(store.roadmaps.by_sha(sha256_of(path))), False
    raise RuntimeError(f"Демонстрационная дорожная карта {path.name} не загружена: " + " ".join(rep.messages))


def build_plan(store, region, today: date | None = None, work_dir=None) -> dict:
    """Roadmaps with progress, risk profiles, partners and indicators for the demo region (see the module's
    docstring). `region`: the DemoRegion (which municipalities improve). The roadmap documents go to
    `work_dir` when given (kept), else to a temporary folder. Returns the figures with Russian keys and
    `seconds` (per part)."""
    from shnor.read.analysis import compute_list, load_rule_settings
    from shnor.read.overview import default_list_year, risk_group

    t0 = time.perf_counter()
    today = today or date.today()
    sy = school_year_of(today)
    settings = load_rule_settings(store)
    list_year = default_list_year(store)
    if list_year is None:
        raise RuntimeError("В демонстрационной базе нет результатов: план работы строится после загрузки файлов.")
    lst = compute_list(store, list_year, None, settings)
    table = lst.table.sort_values(["territory", "short_name", "id"])
    shnor = [(int(r.id), int(r.territory_id)) for r in table[table["status"] == SHNOR].itertuples()]
    shnor_ids = [sid for sid, _ in shnor]
    risk_ids = [int(i) for i in risk_group(lst).sort_values(["territory", "short_name", "id"])["id"]]

    # the improving municipality with the most ШНОР (ties: by name) gets its own roadmap, and one of its ШНОР
    improving = {t.name for t in region.territories if t.kind == "municipality" and t.improving}
    by_muni: dict[str, list[int]] = {}
    for r in table[table["status"] == SHNOR].itertuples():
        if r.territory in improving:
            by_muni.setdefault(str(r.territory), []).append(int(r.id))
    muni_name = min(by_muni, key=lambda n: (-len(by_muni[n]), n)) if by_muni else None
    muni_id = store.territories.find(muni_name) if muni_name else None
    muni_shnor = by_muni.get(muni_name, [])
    school_id = muni_shnor[0] if muni_shnor else (shnor_ids[0] if shnor_ids else None)
    t_ctx = time.perf_counter()

    rng = random.Random(f"{SEED}:documents:{today.isoformat()}")
    tmp = None if work_dir is not None else tempfile.TemporaryDirectory(prefix="shnor_plan_")
    out_dir = Path(work_dir) if work_dir is not None else Path(tmp.name)
    period = f"на {sy}-{sy + 1} учебный год"
    try:
        docs = []
        rows, specs = _rows(REGION_SECTIONS, today, sy)
        day, number = date(sy, 8, 20) + timedelta(days=rng.randint(0, 8)), rng.randint(1200, 1900)
        path = write_roadmap_docx(
            out_dir / f"Дорожная карта ШНОР {sy}-{sy + 1} (регион).docx", ["МИНИСТЕРСТВО ОБРАЗОВАНИЯ КУЗБАССА"],
            f"Утверждена приказом Министерства образования Кузбасса от {day:%d.%m.%Y} № {number}",
            "Дорожная карта по повышению качества образования в общеобразовательных организациях, имеющих низкие "
            f"образовательные результаты, {period}", rows)
        docs.append(("region", path, None, None, specs, shnor_ids, 2, 1, (f"Приказ № {number} от {day:%d.%m.%Y}", day)))
        if muni_id is not None:
            rows, specs = _rows(MUNICIPAL_SECTIONS, today, sy)
            day, number = min(date(sy, 9, 1) + timedelta(days=rng.randint(0, 12)), today), rng.randint(300, 900)
            path = write_roadmap_docx(
                out_dir / f"Дорожная карта ШНОР {sy}-{sy + 1} ({muni_name}).docx",
                [muni_name.upper(), "УПРАВЛЕНИЕ ОБРАЗОВАНИЯ"],
                f"Утверждена приказом управления образования от {day:%d.%m.%Y} № {number}",
                "Дорожная карта по повышению качества общего образования в общеобразовательных организациях, "
                f"имеющих низкие образовательные результаты, {period}", rows)
            docs.append(("municipality", path, muni_id, None, specs, muni_shnor, 0, 0,
                         (f"Приказ № {number} от {day:%d.%m.%Y}", day)))
        if school_id is not None:
            name = str(table.loc[table["id"] == school_id, "short_name"].iloc[0])
            rows, specs = _rows(SCHOOL_SECTIONS, today, sy)
            day = min(date(sy, 9, 1) + timedelta(days=rng.randint(5, 25)), today)
            plain = name.replace("«", "").replace("»", "").replace('"', "")
            path = write_roadmap_docx(
                out_dir / f"Дорожная карта {plain} {sy}-{sy + 1}.docx", [name],
                f"Утверждена приказом директора от {day:%d.%m.%Y} № {rng.randint(40, 250)}",
                f"Дорожная карта {name} по переходу в эффективный режим работы {period}", rows)
            docs.append(("school", path, None, school_id, specs, [], 0, 0, None))
        for kind, path, territory_id, sid, specs, linked, open_past, not_done, approval in docs:
            rid, new = _import(store, path, territory_id=territory_id, school_id=sid)
            if new:
                _mark_progress(store, rid, specs, today, random.Random(f"{SEED}:{kind}:{today.isoformat()}"),
                               linked, open_past, not_done, approval)
    finally:
        if tmp is not None:
            tmp.cleanup()
    t_roadmaps = time.perf_counter()

    _risk_profiles(store, list_year, shnor_ids, risk_ids)
    t_risks = time.perf_counter()
    _partners(store, list_year, settings, shnor, today)
    t_partners = time.perf_counter()
    _indicators(store, store.results.years()[-2:])
    t_end = time.perf_counter()
    return {**plan_figures(store, today, list_year),
            "seconds": {"plan: list": round(t_ctx - t0, 1), "plan: roadmaps": round(t_roadmaps - t_ctx, 1),
                        "plan: risk profiles": round(t_risks - t_roadmaps, 1),
                        "plan: partners": round(t_partners - t_risks, 1),
                        "plan: indicators": round(t_end - t_partners, 1), "plan": round(t_end - t0, 1)}}


def plan_figures(store, today: date, list_year: int) -> dict:
    """What the demo's plan holds, read back from the database (Russian keys: the CLI prints them)."""
    from shnor.read.roadmap import measures, progress

    ms = measures(store, ACTOR, today)
    p = progress(ms)
    levels = store.support.risk_levels(None, list_year)
    return {
        "дорожных карт": len(store.roadmaps.list()),
        "мероприятий дорожной карты": p.total,
        "мероприятий выполнено": p.done,
        "мероприятий просрочено": p.overdue,
        "мероприятий со сроком в ближайшие дни": p.due_soon,
        "рисковых профилей школ": int(levels["school_id"].nunique()) if len(levels) else 0,
        "партнёрств": len(store.support.partnerships(active_only=True)),
        "целей показателей": len(store.indicators.targets()),
        "значений показателей": len(store.indicators.territory_values(None)),
    }
