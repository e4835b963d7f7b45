"""Builders of roadmap documents («дорожные карты») in the shapes of the seed roadmaps (../shared/seeds), written as
Word .docx (python-docx) or Excel .xlsx (openpyxl), for the parser's tests and for anyone's test that needs a
roadmap file.

A document is a list of blocks: a `str` is a paragraph (in Excel: a top row, text in column A), a `T` is a table.
A table's rows are `M` (a measure), `S` (a section heading), `HEADER` (the header repeated, as after a page break),
`NUMBERING` (a row «1 | 2 | 3 | 4 | 5» under the header) or a plain list of cell texts (`ABOVE` in a cell merges it
with the cell above, `LEFT` with the cell on its left). `expected(blocks)` gives the measures the parser should
read from the blocks, in order, as `(number, section, text, deadline, responsible, result)` — sections from the `S`
rows only (a document whose later tables start new parts, as seed 000's second plan, is checked by hand).

    path = write_docx(tmp_path / "карта.docx", seed001_blocks())
    path = write_xlsx(tmp_path / "карта.xlsx", seed001_blocks())

The seed presets (`seed000_blocks`, `seed001_blocks`, `seed002_blocks`, `seed004_blocks`, `school_blocks`) take
parameters (how many measures, where a table splits, section styles…) and quote short rows of the seeds.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

HEADER = "<header>"        # the header row repeated inside a table
NUMBERING = "<numbering>"  # «1 | 2 | 3 | …» under the header
ABOVE = "<above>"          # in a raw row: this cell is merged with the one above
LEFT = "<left>"            # in a raw row: this cell is merged with the one on its left

FIELDS = ("number", "text", "deadline", "responsible", "result", "schools")


@dataclass
class M:
    """A measure row."""
    number: str
    text: str
    deadline: str = ""
    responsible: str = ""
    result: str = ""
    schools: str = ""


@dataclass
class S:
    """A section heading row, `text` as written with its number («1. Организационные мероприятия»).
    style: "merged" (one cell across the row), "numbered" (the number in the № column, the heading merged over the
    rest), "plain" (the heading in the text column, the other cells empty, not merged), "bold" (as plain, in bold),
    "numcol" (the whole heading in the № column, the rest empty: how a merged row reads without its merge)."""
    text: str
    style: str = "merged"


@dataclass
class T:
    """A table. `columns` is the header row (None: a table continuing the previous one without a header);
    `fields` says which field of M goes in each column (default: number, text, deadline, responsible, result,
    schools, as many as there are columns); `width` is needed only when `columns` is None."""
    columns: list[str] | None
    rows: list = field(default_factory=list)
    fields: tuple[str, ...] | None = None
    width: int | None = None
    line_breaks: str = "br"          # "br": one paragraph with breaks; "paragraphs": one paragraph per line

    @property
    def n(self) -> int:
        return len(self.columns) if self.columns else (self.width or len(self.fields or FIELDS[:4]))

    @property
    def kinds(self) -> tuple[str, ...]:
        return self.fields or FIELDS[:self.n]


def _row_cells(t: T, row) -> list[str]:
    """The texts of a table row, one per column (sentinels kept)."""
    n = t.n
    if row == HEADER:
        return list(t.columns or [])
    if row == NUMBERING:
        return [str(i) for i in range(1, n + 1)]
    if isinstance(row, M):
        return [getattr(row, k) if k in FIELDS else "" for k in t.kinds]
    if isinstance(row, list):
        return row + [""] * (n - len(row))
    raise TypeError(row)


def _section_number(text: str) -> tuple[str, str]:
    head, _, rest = text.partition(" ")
    return head, rest


# ---------------------------------------------------------------------------------------------
# Word
# ---------------------------------------------------------------------------------------------
def _put(cell, text: str, line_breaks: str = "br", bold: bool = False) -> None:
    lines = text.split("\n")
    p = cell.paragraphs[0]
    for i, line in enumerate(lines):
        if i and line_breaks == "paragraphs":
            p = cell.add_paragraph()
        elif i:
            p.runs[-1].add_break()
        run = p.add_run(line)
        run.bold = bold or None


def write_docx(path, blocks: list) -> Path:
    """A .docx with the blocks in order; returns the path."""
    import docx

    d = docx.Document()
    for b in blocks:
        if isinstance(b, str):
            d.add_paragraph(b)
            continue
        n = b.n
        table = d.add_table(rows=0, cols=n)
        table.style = "Table Grid"
        rows = ([HEADER] if b.columns else []) + list(b.rows)
        for spec in rows:
            cells = table.add_row().cells
            if isinstance(spec, S):
                text_col = b.kinds.index("text")
                if spec.style == "merged":
                    _put(cells[0].merge(cells[n - 1]), spec.text)
                elif spec.style == "numbered":
                    num, heading = _section_number(spec.text)
                    _put(cells[0], num)
                    _put(cells[1].merge(cells[n - 1]), heading)
                elif spec.style in ("plain", "bold"):
                    _put(cells[text_col], spec.text, bold=spec.style == "bold")
                elif spec.style == "numcol":
                    _put(cells[0], spec.text)
                else:
                    raise ValueError(spec.style)
                continue
            texts = _row_cells(b, spec)
            bold = spec == HEADER
            for j, text in enumerate(texts):
                if text == ABOVE:
                    continue
                if text == LEFT:
                    continue
                _put(cells[j], text, b.line_breaks, bold=bold)
            for j, text in enumerate(texts):   # merges after the texts; cells fetched again after each merge
                last = len(table.rows) - 1
                if text == ABOVE:
                    table.rows[last - 1].cells[j].merge(table.rows[last].cells[j])
                elif text == LEFT:
                    row_cells = table.rows[last].cells
                    row_cells[j - 1].merge(row_cells[j])
        d.add_paragraph("")
    d.save(str(path))
    return Path(path)


# ---------------------------------------------------------------------------------------------
# Excel
# ---------------------------------------------------------------------------------------------
def write_xlsx(path, blocks: list | dict[str, list]) -> Path:
    """An .xlsx: the blocks on one sheet («План»), or one sheet per item of a dict; paragraphs are rows with the
    text in column A; merged sections and ABOVE/LEFT cells are merged ranges. Returns the path."""
    import openpyxl
    from openpyxl.utils import get_column_letter as col

    sheets = blocks if isinstance(blocks, dict) else {"План": blocks}
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, bl in sheets.items():
        ws = wb.create_sheet(name)
        r = 0
        for b in bl:
            if isinstance(b, str):
                r += 1
                ws.cell(r, 1, b or None)
                continue
            n = b.n
            for spec in ([HEADER] if b.columns else []) + list(b.rows):
                r += 1
                if isinstance(spec, S):
                    if spec.style == "merged":
                        ws.cell(r, 1, spec.text)
                        ws.merge_cells(f"A{r}:{col(n)}{r}")
                    elif spec.style == "numbered":
                        num, heading = _section_number(spec.text)
                        ws.cell(r, 1, num)
                        ws.cell(r, 2, heading)
                        ws.merge_cells(f"B{r}:{col(n)}{r}")
                    elif spec.style in ("plain", "bold"):
                        ws.cell(r, b.kinds.index("text") + 1, spec.text)
                    elif spec.style == "numcol":
                        ws.cell(r, 1, spec.text)
                    continue
                for j, text in enumerate(_row_cells(b, spec), 1):
                    if text == ABOVE:
                        ws.merge_cells(f"{col(j)}{r - 1}:{col(j)}{r}")
                    elif text == LEFT:
                        ws.merge_cells(f"{col(j - 1)}{r}:{col(j)}{r}")
                    elif text != "":
                        ws.cell(r, j, text)
            r += 1   # an empty row after each table
    wb.save(str(path))
    return Path(path)


def expected(blocks: list) -> list[tuple[str, str, str, str, str, str]]:
    """(number, section, text, deadline, responsible, result) of every M in order, the section from the last S."""
    out, section = [], ""
    for b in blocks:
        if isinstance(b, str):
            continue
        for row in b.rows:
            if isinstance(row, S):
                section = row.text
            elif isinstance(row, M):
                out.append((row.number, section, row.text, row.deadline, row.responsible, row.result))
    return out


# ---------------------------------------------------------------------------------------------
# The seeds' shapes
# ---------------------------------------------------------------------------------------------
SEED000_TITLE_LINES = ["ДОРОЖНАЯ КАРТА", "(план мероприятий)",
                       "по повышению качества общего образования в общеобразовательных организациях",
                       "Таштагольского муниципального района,",
                       "имеющих низкие образовательные результаты обучающихся,", "на 2021-2022 годы"]
SEED000_PLAN1 = [
    M("1.", "Создание муниципальной рабочей группы по вопросам повышения качества образования в "
            "общеобразовательных организациях, имеющих низкие образовательные результаты обучающихся, и "
            "утверждение её состава.", "Ноябрь 2021 года", "Управление образования"),
    M("2.", "Разработка муниципальной Дорожной карты (плана мероприятий) по повышению качества общего образования",
      "Ноябрь 2021 года", "Управление образования,\nМАУ ИМОЦ,\nРПМПК"),
    M("3.", "Собеседование с руководителями общеобразовательных организаций, имеющих низкие образовательные "
            "результаты", "Ноябрь 2021 года", "Управление образования,\nМАУ ИМОЦ"),
    M("4.", "Утверждение состава муниципальных координаторов", "Октябрь-ноябрь 2021 года",
      "Управление образования,\nМАУ ИМОЦ"),
    M("5.", "Разработка «дорожной карты» по повышению качества образования в каждой общеобразовательной "
            "организации", "Ноябрь- декабрь 2021 года", "Управление образования,\nМАУ ИМОЦ, ОО"),
    M("6.", "Разработка программ адресной поддержки школ на основе договоров о сотрудничестве (партнерстве)",
      "Ноябрь 2021 года", "Управление образования,\nМАУ ИМОЦ, ОО"),
    M("7.", "Создание школьных творческих команд педагогов по работе с низкомотивированными и слабоуспевающими "
            "обучающимися", "Декабрь 2021 года",
      "МАУ ИМОЦ,\nМБОУ ООШ №6,\nМБОУ СОШ №11,\nМБОУ СОШ №20,\nМБОУ СОШ №24,\nМКОУ ООШ №37"),
    M("8.", "Научно-методическое обеспечение менторского сопровождения руководящих работников школ с низкими "
            "образовательными результатами (консультации, вебинары, семинары и др.)", "В течение учебного года",
      "МАУ ИМОЦ"),
    M("9.", "Осуществление контроля за организацией и проведением независимых оценочных процедур",
      "в соответствии\nс графиком\nпроведения в\n2021-2022\nучебном году", "Управление образования"),
    M("10.", "Анализ реализации Дорожной карты и планирование работы на 2022-2023 учебный год",
      "Июль-август 2022 год", "Рабочая группа"),
]
SEED000_PLAN2 = [
    M("1.", "Назначение муниципального координатора за реализацией проекта", "Февраль 2022 года",
      "Управление образования"),
    M("2.", "Подбор кандидатуры куратора школы-участницы проекта", "Февраль 2022 года", "Управление образования"),
    M("3.", "Первичное посещение куратором школы-участницы проекта", "До 10 марта 2022 года",
      "Управление образования,\nМАУ ИМОЦ, ОО"),
    M("4.", "Организация индивидуальной помощи обучающимся в преодолении учебных трудностей", "Весь период",
      "МКОУ СОШ №30,\nМКОУ ООШ №95"),
    M("5.", "Подведение итогов проекта 500+", "Декабрь 2022 года", "Все участники"),
]
SEED000_PLAN1_CAPTION = ("4. План мероприятий по повышению качества образования в общеобразовательных организациях "
                         "Таштагольского муниципального района, имеющих низкие образовательные результаты "
                         "обучающихся, на 2020-2021 учебный год")
SEED000_PLAN2_CAPTION = ("5. План-график мероприятий в рамках реализации проекта адресной методической помощи 500+ "
                         "в МБОУ СОШ №20")


def seed000_blocks(plan1: int = len(SEED000_PLAN1), plan2: int = len(SEED000_PLAN2), split_at: int | None = None,
                   second_plan: bool = True) -> list:
    """Seed 000 (Таштагол): title paragraphs, a passport table, an indicator table «Наименование целевого
    показателя | Единица измерения | 2021/2022 | 2022/2023», then «4. План мероприятий …» with the table
    «№ п/п | Мероприятия | Сроки | Ответственные» (numbers «1.»…), and «5. План-график … 500+ в МБОУ СОШ №20» with a
    second table of the same columns. `split_at`: the first plan's table continues, after that many measures, in a
    second table without a header (as a page break gives it)."""
    cols = ["№ п/п", "Мероприятия", "Сроки", "Ответственные"]
    rows1 = SEED000_PLAN1[:plan1]
    blocks: list = [*SEED000_TITLE_LINES, "", "ПАСПОРТ ДОРОЖНОЙ КАРТЫ",
                    T(["Состав рабочей группы", "Представители МКУ «Управление образования»"],
                      [["Сроки реализации", "2021-2022 годы"]]),
                    "4. Целевые показатели реализации плана мероприятий на перспективу",
                    T(["Наименование целевого показателя", "Единица измерения", "2021/2022", "2022/2023"],
                      [["Снижение доли школ с низкими результатами обучения", "%", "10%", "5%"]]),
                    SEED000_PLAN1_CAPTION]
    if split_at is None:
        blocks.append(T(cols, rows1))
    else:
        blocks += [T(cols, rows1[:split_at]), T(None, rows1[split_at:], width=4)]
    if second_plan:
        blocks += [SEED000_PLAN2_CAPTION, T(cols, SEED000_PLAN2[:plan2])]
    return blocks


SEED001_ORDER = ["УТВЕРЖДЕН", "приказом", "управления образования", "администрации Мариинского",
                 "муниципального округа", "от 20 января 2023 г № 65"]
SEED001_TITLE = ("План мероприятий («Дорожная карта») по поддержке муниципальных общеобразовательных организаций с "
                 "низкими образовательными результатами и переводу их в эффективный режим функционирования на "
                 "2023-2025 годы")
SEED001_COLUMNS = ["№\nп/п", "Мероприятие (содержание деятельности)", "Сроки\nисполнения", "Ответственный",
                   "Результат"]
IMC = "МКУ\n«Мариинский\nИМЦ»"


def seed001_blocks(section_style: str = "merged", repeat: str = "table", numbering: bool = False) -> list:
    """Seed 001 (Мариинский округ): «УТВЕРЖДЕН приказом … от 20 января 2023 г № 65», the title, and a table
    «№ п/п | Мероприятие (содержание деятельности) | Сроки исполнения | Ответственный | Результат» with sections
    «1. Организационные мероприятия», «2. Мониторинг, диагностика и анализ образовательной деятельности»,
    «3. Методическое сопровождение ШНОР», numbers «1.1.», «3.9» (no dot), a measure without a number and one
    without a deadline. The header repeats at each page: `repeat="table"` as a new table with its header (a split
    table), `repeat="row"` as a header row inside one table. `numbering`: a row «1 | 2 | 3 | 4 | 5» under each
    header."""
    part1 = [S("1. Организационные мероприятия", section_style),
             M("1.1.", "Утверждение Дорожной карты по поддержке муниципальных общеобразовательных учреждений с низкими "
                       "образовательными результатами", "январь 2023 г.", "УО", "Создание Дорожной карты"),
             M("1.2.", "Утверждение муниципальных показателей системы методической работы", "январь 2023 г.",
               "МКУ «Мариинский ИМЦ»", "Определение муниципальных показателей"),
             M("1.3.", "Корректировка Дорожной карты по мере необходимости", "", "УО", "Уточнение показателей"),
             M("1.4.", "Создание рабочей группы по вопросам методического сопровождения ШНОР", "январь 2023 г.",
               "УО,\nМКУ\n«Мариинский\nИМЦ»", "Создание рабочей группы"),
             M("", "Создание сетевых сообществ педагогов ШНОР и ОО с высоким уровнем качества образования",
               "февраль 2023 г.", IMC, "Сетевое взаимодействие педагогов")]
    part2 = [S("2. Мониторинг, диагностика и анализ образовательной деятельности", section_style),
             M("2.1.", "Диагностика уровня сформированности предметных компетенций учителей-предметников",
               "апрель - май 2023 г.", IMC, "Определение факторов"),
             M("2.2.", "Проведение муниципальных процедур оценки качества образования",
               "февраль 2023 г.\nдалее - ежегодно", "УО,\nМКУ\n«Мариинский ИМЦ, ОО", "Выявление факторов"),
             M("2.8.", "Подготовка аналитического отчета о реализации Дорожной карты по итогам учебного года",
               "до 31.05.2023,\nдалее - ежегодно", IMC, "Проведение анализа")]
    part3 = [S("3. Методическое сопровождение ШНОР", section_style),
             M("3.1.", "Контроль работы школьных методических объединений учителей", "в течение года", IMC,
               "Повышение уровня организации образовательного процесса"),
             M("3.5.", "Организационно-методическое сопровождение ШНОР", "постоянно", IMC,
               "Повышение уровня профессиональной компетентности педагогов"),
             M("3.9", "Определение базовых школ муниципалитета с лучшими образовательными результатами",
               "ежегодно\nмай", IMC, "Повышение уровня профессиональной компетентности педагогов"),
             M("3.10.", "Индивидуальная работа по оказанию методической помощи учителям-предметникам", "ежегодно",
               IMC, "Повышение уровня профессиональной компетентности педагогов")]
    head = [NUMBERING] if numbering else []
    blocks: list = [*SEED001_ORDER, "", SEED001_TITLE]
    if repeat == "table":
        blocks += [T(SEED001_COLUMNS, head + part1), T(SEED001_COLUMNS, head + part2),
                   T(SEED001_COLUMNS, head + part3)]
    else:
        blocks.append(T(SEED001_COLUMNS, head + part1 + [HEADER] + head + part2 + [HEADER] + head + part3))
    return blocks


SEED002_TITLE = ("План мероприятий (\"дорожная карта\") по сопровождению общеобразовательных организаций, "
                 "демонстрирующих низкие образовательные результаты (ШНОР), и школ, работающих в неблагоприятных "
                 "социальных условиях (ШНСУ)")
SEED002_COLUMNS = ["№ п/п", "Мероприятие", "Срок", "Ответственный исполнитель"]


def seed002_blocks(section_style: str = "bold", n1: int = 4, n2: int = 4) -> list:
    """Seed 002: a title without a period, numbers «1», «2»… restarting in each part (and «9» twice), parts headed
    by an unnumbered bold row «Оказание методической и консультационной помощи школам …» with the header repeated
    after it, deadlines «Декабрь 2021 г. Февраль 2022 г.», «Согласно плану-графику КГИРО на 2022 г.»."""
    first = [M("1", "Информирование школ, показывающих низкие образовательные результаты, об участии в реализации "
                    "плана мероприятий", "Декабрь 2021 г.", "Отдел образования"),
             M("2", "Закрепление за школами муниципальных координаторов", "Декабрь 2021 г.", "Отдел образования"),
             M("3", "Проведение совещаний с муниципальными координаторами", "Декабрь 2021 г.", "Отдел образования"),
             M("4", "Проведение совещаний-собеседований с руководителями общеобразовательных организаций",
               "Декабрь 2021 г. Февраль 2022 г.", "Отдел образования")][:n1]
    second = [M("1", "Оценка реализации администрацией школ функции управления, ориентированной на результат",
                "Декабрь 2021 г., Март 2022 г.", "Отдел образования РМК"),
              M("5", "Направление на КПК директоров и административных команд школ",
                "Согласно плану-графику КГИРО на 2022 г.", "Отдел образования РМК"),
              M("9", "Направление руководителей общеобразовательных организаций на переподготовку",
                "Согласно плану-графику КГИРО на 2022 г.", "Отдел образования РМК"),
              M("9", "Выявление проблемных зон образовательных организаций", "Декабрь 2021 г.",
                "Общеобразовательные организации РМК МЦДК")][:n2]
    return [SEED002_TITLE,
            T(SEED002_COLUMNS, first + [
                S("Оказание методической и консультационной помощи школам по повышению образовательных результатов",
                  section_style), HEADER] + second)]


SEED004_COLUMNS = ["№\nп.п", "Мероприятия", "Сроки", "Исполнители"]
SEED004_SECTIONS = [
    "1. Обеспечение организационной и материально-технической поддержки общеобразовательных организациях, имеющих "
    "низкие образовательные результаты",
    "2. Методическая поддержка педагогических и руководящих работников общеобразовательных организациях, имеющих "
    "низкие образовательные результаты"]


def seed004_blocks(section_style: str = "numbered", split_after: int | None = 3, numbering: bool = True) -> list:
    """Seed 004 (Новокузнецк): the order «П Р И К А З от ___03.12.___ 2020 №__1324______», an appendix note, the
    title «Дорожная карта … на 2020 - 2021 учебный год», a passport table (two columns), «Таблица 1.» and the table
    «№ п.п | Мероприятия | Сроки | Исполнители» (a numbering row under it) with sections «1. Обеспечение …»,
    «2. Методическая поддержка …» and measures «1.1.»…; deadlines «По\\nотдельному\\nграфику». `split_after`: the
    table continues without a header after that many rows (a second Word table)."""
    rows = [S(SEED004_SECTIONS[0], section_style),
            M("1.1.", "Организация консультационно-методического обеспечения разработки и реализации «дорожных карт»",
              "По\nотдельному\nграфику", "ИПК,\nОО"),
            M("1.2.", "Утверждение «дорожных карт» по повышению качества общего образования ШНОР", "ноябрь, 2020",
              "ИПК"),
            M("1.5.", "Включение ШНОР в проект «Цифровая образовательная среда»", "октябрь 2020", "КОиН"),
            S(SEED004_SECTIONS[1], section_style),
            M("2.1.", "Проведение анкетирования педагогических работников ШНОР", "ноябрь,\nдекабрь\n2020 года",
              "ИПК,\nОО"),
            M("2.12.", "Организация сетевого взаимодействия и сотрудничества ШНОР со школами с высокими результатами "
                       "обучения.\nРазработка программ адресной поддержки ШНОР", "Ноябрь\n2020 года", "ИПК,\nРОО,\nОО"),
            M("2.13.", "Посещение и анализ открытых уроков в ШНОР", "В течение\nучебного\nгода", "ГМО,\nРМО,\nОО")]
    head = [NUMBERING] if numbering else []
    blocks: list = ["НОВОКУЗНЕЦКИЙ ГОРОДСКОЙ ОКРУГ", "КОМИТЕТ ОБРАЗОВАНИЯ И НАУКИ", "П Р И К А З",
                    "от ___03.12.___ 2020                                                №__1324______",
                    "Об утверждении Дорожной карты по повышению качества общего образования",
                    "", "Приложение № 1", "к приказу КОиН", "от 03.12.2021 № 1324", "",
                    "Дорожная карта",
                    "по повышению качества общего образования общеобразовательных организаций,",
                    "имеющих низкие образовательные результататы, на  2020 - 2021 учебный год", "",
                    T(["Основания для разработки", "Федеральный закон от 29.12.2012 N 273-ФЗ"],
                      [["Цель", "Повышение качества общего образования"]]),
                    "План мероприятий по повышению качества общего образования", "Таблица 1."]
    if split_after is None:
        blocks.append(T(SEED004_COLUMNS, head + rows))
    else:
        blocks += [T(SEED004_COLUMNS, head + rows[:split_after]), T(None, rows[split_after:], width=4)]
    return blocks


def school_blocks(school: str = "МБОУ «СОШ № 5»", period: str = "на 2022-2023 учебный год",
                  order: str = "Утверждена приказом директора от 01.09.2022 № 112-од") -> list:
    """A school's own roadmap: «Дорожная карта МБОУ «СОШ № 5» по переходу в эффективный режим работы на …», a table
    «№ | Содержание | Сроки реализации | Ответственные | Планируемый результат» with numbers «1)», «2)»."""
    return [order, f"Дорожная карта {school} по переходу в эффективный режим работы {period}".strip(),
            T(["№", "Содержание", "Сроки реализации", "Ответственные", "Планируемый результат"], [
                M("1)", "Анализ результатов ВПР по математике в 5-6 классах", "сентябрь 2022 г.",
                  "заместитель директора по УВР", "Аналитическая справка"),
                M("2)", "Составление индивидуальных образовательных маршрутов для обучающихся «группы риска»",
                  "до 15.10.2022", "классные руководители", "Маршруты"),
                M("3)", "Взаимопосещение уроков с педагогами школы-партнёра", "В течение учебного года",
                  "руководители ШМО", "Протоколы ШМО")])]
