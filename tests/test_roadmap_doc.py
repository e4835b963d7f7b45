"""Roadmaps («дорожные карты») read from Word and Excel files in the shapes of the seeds (tests/roadmapdocs.py):
measures with numbers, sections, deadlines as written, responsible bodies and results; title, period and order;
refusals in Russian naming the file; hostile packages refused before python-docx opens them; the sandbox's
"roadmap" entry."""
from __future__ import annotations

import re
import sys
import zipfile
from datetime import date

import docx
import pytest

from roadmapdocs import (ABOVE, LEFT, NUMBERING, SEED000_PLAN1, SEED000_PLAN1_CAPTION, SEED000_PLAN2,
                         SEED000_PLAN2_CAPTION, SEED001_TITLE, SEED002_TITLE, SEED004_SECTIONS, M, S, T, expected, school_blocks,
                         seed000_blocks, seed001_blocks, seed002_blocks, seed004_blocks, write_docx, write_xlsx)
from shnor.importing import roadmap_doc
from shnor.importing.roadmap_doc import RoadmapDoc, parse_roadmap

WRITERS = {"docx": write_docx, "xlsx": write_xlsx}
ENGLISH_EXCEPTION = re.compile(r"[A-Za-z_]*(Error|Exception|Traceback)\b")


def rows(doc: RoadmapDoc) -> list[tuple]:
    return [(m.number, m.section, m.text, m.deadline_text, m.responsible, m.expected_result) for m in doc.measures]


def parsed(tmp_path, blocks, fmt: str = "docx", name: str | None = None) -> RoadmapDoc:
    path = WRITERS[fmt](tmp_path / (name or f"карта.{fmt}"), blocks)
    doc = parse_roadmap(path, path.name)
    assert not doc.errors, doc.errors
    return doc


# ---------------------------------------------------------------------------------------------
# The seeds' shapes
# ---------------------------------------------------------------------------------------------
def test_seed000_two_plans_with_passport_and_indicator_tables(tmp_path):
    doc = parsed(tmp_path, seed000_blocks())
    assert doc.title == ("ДОРОЖНАЯ КАРТА (план мероприятий) по повышению качества общего образования в "
                         "общеобразовательных организациях Таштагольского муниципального района, имеющих низкие "
                         "образовательные результаты обучающихся, на 2021-2022 годы")
    assert doc.period_text == "на 2021-2022 годы"
    assert (doc.order_number, doc.order_date, doc.school_hint) == ("", None, "")
    assert [m.number for m in doc.measures] == [m.number for m in SEED000_PLAN1 + SEED000_PLAN2]
    # two plans, each under its own heading: the heading above each table is the measures' section
    assert [m.section for m in doc.measures] == ([SEED000_PLAN1_CAPTION] * len(SEED000_PLAN1)
                                                 + [SEED000_PLAN2_CAPTION] * len(SEED000_PLAN2))
    assert [m.text for m in doc.measures] == [m.text for m in SEED000_PLAN1 + SEED000_PLAN2]
    assert [m.source_table for m in doc.measures] == [3] * len(SEED000_PLAN1) + [4] * len(SEED000_PLAN2)
    assert [m.source_row for m in doc.measures[:3]] == [2, 3, 4]
    nine = doc.measures[8]
    assert nine.deadline_text == "в соответствии\nс графиком\nпроведения в\n2021-2022\nучебном году"
    assert doc.measures[6].responsible == "МАУ ИМОЦ,\nМБОУ ООШ №6,\nМБОУ СОШ №11,\nМБОУ СОШ №20,\nМБОУ СОШ №24,\nМКОУ ООШ №37"
    assert doc.measures[4].deadline_text == "Ноябрь- декабрь 2021 года"
    assert all(m.expected_result == "" for m in doc.measures)
    # the passport and the indicator table («Наименование целевого показателя | 2021/2022») are not measures
    assert doc.warnings == [
        "таблица 1: пропущена — это не таблица мероприятий (нет столбцов «Мероприятие» и «Срок»).",
        "таблица 2: пропущена — это не таблица мероприятий (нет столбцов «Мероприятие» и «Срок»)."]


def test_seed000_one_plan_has_no_section_and_a_table_split_without_header_continues(tmp_path):
    blocks = seed000_blocks(second_plan=False, split_at=4)
    doc = parsed(tmp_path, blocks)
    assert rows(doc) == expected(blocks)
    assert len(doc.measures) == 10 and {m.section for m in doc.measures} == {""}
    assert [m.source_table for m in doc.measures] == [3] * 4 + [4] * 6
    assert [m.source_row for m in doc.measures[3:6]] == [5, 1, 2]   # the continuation table has no header row


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
@pytest.mark.parametrize("style", ["merged", "numbered", "plain", "bold", "numcol"])
def test_seed001_sections_in_every_style_and_the_header_repeated(tmp_path, fmt, style):
    for repeat in ("table", "row"):
        blocks = seed001_blocks(section_style=style, repeat=repeat, numbering=repeat == "row")
        doc = parsed(tmp_path, blocks, fmt, name=f"{style}-{repeat}.{fmt}")
        assert rows(doc) == expected(blocks), (style, repeat)
        assert doc.warnings == []


def test_seed001_exact(tmp_path):
    doc = parsed(tmp_path, seed001_blocks())
    assert doc.title == SEED001_TITLE
    assert doc.period_text == "на 2023-2025 годы"
    assert (doc.order_number, doc.order_date) == ("65", date(2023, 1, 20))
    assert [m.number for m in doc.measures] == ["1.1.", "1.2.", "1.3.", "1.4.", "", "2.1.", "2.2.", "2.8.", "3.1.",
                                               "3.5.", "3.9", "3.10."]
    assert [m.section for m in doc.measures] == (["1. Организационные мероприятия"] * 5
                                                 + ["2. Мониторинг, диагностика и анализ образовательной "
                                                    "деятельности"] * 3 + ["3. Методическое сопровождение ШНОР"] * 4)
    unnumbered = doc.measures[4]   # a row with text but no number: a measure of its own
    assert unnumbered.text.startswith("Создание сетевых сообществ") and unnumbered.deadline_text == "февраль 2023 г."
    assert doc.measures[2].deadline_text == "" and doc.measures[2].responsible == "УО"
    assert doc.measures[7].deadline_text == "до 31.05.2023,\nдалее - ежегодно"
    assert doc.measures[3].responsible == "УО,\nМКУ\n«Мариинский\nИМЦ»"
    assert doc.measures[0].expected_result == "Создание Дорожной карты"
    assert [m.source_table for m in doc.measures] == [1] * 5 + [2] * 3 + [3] * 4


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
@pytest.mark.parametrize("style", ["bold", "merged", "plain"])
def test_seed002_unnumbered_part_headings_and_numbers_restarting(tmp_path, fmt, style):
    blocks = seed002_blocks(section_style=style)
    doc = parsed(tmp_path, blocks, fmt)
    assert rows(doc) == expected(blocks)
    assert doc.title == SEED002_TITLE and doc.period_text == "" and doc.order_number == ""
    assert [m.number for m in doc.measures] == ["1", "2", "3", "4", "1", "5", "9", "9"]
    part = "Оказание методической и консультационной помощи школам по повышению образовательных результатов"
    assert [m.section for m in doc.measures] == [""] * 4 + [part] * 4
    assert doc.measures[3].deadline_text == "Декабрь 2021 г. Февраль 2022 г."
    assert doc.measures[3].responsible == "Отдел образования"


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
@pytest.mark.parametrize("style", ["numbered", "merged", "numcol"])
def test_seed004_order_appendix_numbering_row_and_continuation(tmp_path, fmt, style):
    blocks = seed004_blocks(section_style=style)
    doc = parsed(tmp_path, blocks, fmt)
    assert rows(doc) == expected(blocks)
    assert doc.title == ("Дорожная карта по повышению качества общего образования общеобразовательных организаций, "
                         "имеющих низкие образовательные результататы, на 2020 - 2021 учебный год")
    assert doc.period_text == "на 2020 - 2021 учебный год"
    assert (doc.order_number, doc.order_date) == ("1324", date(2020, 12, 3))   # «от ___03.12.___ 2020 №__1324___»
    assert [m.number for m in doc.measures] == ["1.1.", "1.2.", "1.5.", "2.1.", "2.12.", "2.13."]
    assert [m.section for m in doc.measures] == [SEED004_SECTIONS[0]] * 3 + [SEED004_SECTIONS[1]] * 3
    assert SEED004_SECTIONS[1].startswith("2. Методическая поддержка педагогических")
    assert doc.measures[0].deadline_text == "По\nотдельному\nграфику"
    assert doc.measures[4].text == ("Организация сетевого взаимодействия и сотрудничества ШНОР со школами с высокими "
                                    "результатами обучения.\nРазработка программ адресной поддержки ШНОР")
    if fmt == "docx":   # the passport table is skipped; the continuation table (without header) is read
        assert doc.warnings == ["таблица 1: пропущена — это не таблица мероприятий (нет столбцов «Мероприятие» и "
                                "«Срок»)."]
        assert [m.source_table for m in doc.measures] == [2, 2, 3, 3, 3, 3]


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_a_schools_own_roadmap(tmp_path, fmt):
    doc = parsed(tmp_path, school_blocks(), fmt)
    assert doc.title == "Дорожная карта МБОУ «СОШ № 5» по переходу в эффективный режим работы на 2022-2023 учебный год"
    assert doc.school_hint == "МБОУ «СОШ № 5»"
    assert doc.period_text == "на 2022-2023 учебный год"
    assert (doc.order_number, doc.order_date) == ("112-од", date(2022, 9, 1))
    assert [m.number for m in doc.measures] == ["1)", "2)", "3)"]
    assert doc.measures[1].deadline_text == "до 15.10.2022"
    assert doc.measures[2].expected_result == "Протоколы ШМО"
    assert {m.section for m in doc.measures} == {""}


@pytest.mark.parametrize("school,hint", [
    ("МБОУ СОШ №20 пгт. Каз", "МБОУ СОШ №20"),
    ("муниципального бюджетного общеобразовательного учреждения «Основная общеобразовательная школа № 23»",
     "муниципального бюджетного общеобразовательного учреждения «Основная общеобразовательная школа № 23»"),
    ("МАОУ \"Гимназия № 2\"", "МАОУ \"Гимназия № 2\""),
])
def test_school_hint_wordings(tmp_path, school, hint):
    doc = parsed(tmp_path, school_blocks(school=school, period="на 2023 год"))
    assert doc.school_hint == hint and doc.period_text == "на 2023 год"


def test_a_municipal_roadmap_names_no_school(tmp_path):
    assert parsed(tmp_path, seed001_blocks()).school_hint == ""
    assert parsed(tmp_path, seed004_blocks(), name="b.docx").school_hint == ""


# ---------------------------------------------------------------------------------------------
# Cells: merges, line breaks, spaces, rows without text
# ---------------------------------------------------------------------------------------------
COLS5 = ["№ п/п", "Наименование мероприятия", "Срок исполнения", "Ответственный исполнитель", "Ожидаемый результат"]


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_vertical_and_horizontal_merges_are_read_once(tmp_path, fmt):
    blocks = ["Дорожная карта на 2021 год", T(COLS5, [
        ["1.", "Первое", "сентябрь 2021", "Отдел образования", "Приказ"],
        ["2.", "Второе", "октябрь 2021", ABOVE, "Справка"],        # the responsible merged over two rows
        ["3.", "Третье", "В течение года", LEFT, "Отчёт"],        # deadline and responsible in one cell
        S("Раздел 2. Работа с педагогами", "merged"),
        ["4.", "Четвёртое", "ноябрь 2021", "ИМЦ", ""]])]
    doc = parsed(tmp_path, blocks, fmt)
    assert rows(doc) == [
        ("1.", "", "Первое", "сентябрь 2021", "Отдел образования", "Приказ"),
        ("2.", "", "Второе", "октябрь 2021", "Отдел образования", "Справка"),
        ("3.", "", "Третье", "В течение года", "", "Отчёт"),
        ("4.", "Раздел 2. Работа с педагогами", "Четвёртое", "ноябрь 2021", "ИМЦ", "")]


@pytest.mark.parametrize("line_breaks", ["br", "paragraphs"])
def test_line_breaks_kept_and_spaces_collapsed(tmp_path, line_breaks):
    blocks = ["План мероприятий на 2021-2022 учебный год", T(COLS5[:4], [
        M("1.", "  Анализ   результатов\n\n  ВПР  ", "  сентябрь-\u00a0 октябрь \n 2020 года ", "ОО,\nИМЦ")],
        line_breaks=line_breaks)]
    doc = parsed(tmp_path, blocks)
    assert rows(doc) == [("1.", "", "Анализ результатов\nВПР", "сентябрь- октябрь\n2020 года", "ОО,\nИМЦ", "")]


def test_rows_without_text_are_warned_and_skipped_naming_table_and_row(tmp_path):
    blocks = ["Дорожная карта", "", T(["Параметр", "Значение"], [["Цель", "Повышение качества"]]),
              T(COLS5[:4], [M("1.", "Первое", "май 2022", "УО"), ["2.", "", "", ""], ["", "", "июнь 2022", "ИМЦ"],
                            ["", "", "", ""], M("3.", "Третье", "июль 2022", "УО")])]
    doc = parsed(tmp_path, blocks)
    assert [m.number for m in doc.measures] == ["1.", "3."]
    assert doc.warnings[1:] == [
        "таблица 2, строка 3: строка пропущена — номер без текста мероприятия («2.»).",
        "таблица 2, строка 4: строка пропущена — нет текста мероприятия («июнь 2022 ИМЦ»)."]


def test_an_unnumbered_text_only_row_is_a_measure_unless_it_heads_a_part(tmp_path):
    blocks = ["Дорожная карта", T(COLS5[:4], [
        M("1", "Первое", "май", "УО"), ["", "Мероприятие без номера и без срока", "", ""], M("2", "Второе", "июнь", "УО"),
        ["", "Часть вторая", "", ""], M("1", "Снова первое", "июль", "УО")])]
    for fmt in ("docx", "xlsx"):
        doc = parsed(tmp_path, blocks, fmt)
        assert rows(doc) == [("1", "", "Первое", "май", "УО", ""),
                             ("", "", "Мероприятие без номера и без срока", "", "", ""),
                             ("2", "", "Второе", "июнь", "УО", ""),
                             ("1", "Часть вторая", "Снова первое", "июль", "УО", "")]


def test_a_numbered_row_without_details_is_a_section_only_when_its_subitems_follow(tmp_path):
    blocks = ["Дорожная карта", T(COLS5[:4], [
        ["1.", "Организационные мероприятия", "", ""], M("1.1.", "Первое", "май", "УО"),
        ["2.", "Мероприятие без срока", "", ""], M("3.", "Третье", "июнь", "УО"),
        ["I.", "Второй блок", "", ""], M("4.", "Четвёртое", "июль", "УО")])]
    assert rows(parsed(tmp_path, blocks)) == [
        ("1.1.", "1. Организационные мероприятия", "Первое", "май", "УО", ""),
        ("2.", "1. Организационные мероприятия", "Мероприятие без срока", "", "", ""),
        ("3.", "1. Организационные мероприятия", "Третье", "июнь", "УО", ""),
        ("4.", "I. Второй блок", "Четвёртое", "июль", "УО", "")]


def test_header_wordings_schools_column_and_unknown_columns(tmp_path):
    blocks = ["Комплексный план на 2024 год", T(
        ["№", "Содержание", "Отметка о выполнении", "Сроки реализации", "Ответственные", "Показатель",
         "Образовательные организации"],
        [["1.", "Семинар", "выполнено", "март 2024", "ИМЦ", "Доля педагогов", "СОШ № 1, СОШ № 2"]])]
    doc = parsed(tmp_path, blocks)
    m = doc.measures[0]
    assert (m.number, m.text, m.deadline_text, m.responsible, m.expected_result, m.schools_text) == (
        "1.", "Семинар", "март 2024", "ИМЦ", "Доля педагогов", "СОШ № 1, СОШ № 2")


def test_no_number_column_numbers_taken_from_the_text(tmp_path):
    blocks = ["Дорожная карта", T(["Мероприятие", "Срок", "Ответственный"], [
        ["1. Организационные мероприятия", "", ""], ["1.1. Создание рабочей группы", "январь", "УО"],
        ["Без номера", "февраль", "ИМЦ"]], fields=("text", "deadline", "responsible"))]
    assert rows(parsed(tmp_path, blocks)) == [
        ("1.1.", "1. Организационные мероприятия", "Создание рабочей группы", "январь", "УО", ""),
        ("", "1. Организационные мероприятия", "Без номера", "февраль", "ИМЦ", "")]


def test_excel_dates_and_numbers_and_several_sheets(tmp_path):
    import openpyxl
    from datetime import datetime
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Показатели"
    ws.append(["Наименование показателя", "2021", "2022"])
    ws.append(["Доля ШНОР", 0.3, 0.2])
    ws2 = wb.create_sheet("План")
    ws2.append(["УТВЕРЖДЕНА приказом от «15» сентября 2020 г. № 456"])
    ws2.append(["Дорожная карта по повышению качества образования на 2020-2021 учебный год"])
    ws2.append([])
    ws2.append(["№ п/п", "Мероприятие", "Срок", "Ответственный"])
    ws2.append([1, "Совещание", datetime(2023, 5, 31), "УО"])
    ws2.append([2, "Семинар\nдля учителей", "до 31.05.2023, далее - ежегодно", "ИМЦ"])
    path = tmp_path / "план.xlsx"
    wb.save(path)
    doc = parse_roadmap(path, path.name)
    assert not doc.errors
    assert rows(doc) == [("1", "", "Совещание", "31.05.2023", "УО", ""),
                         ("2", "", "Семинар\nдля учителей", "до 31.05.2023, далее - ежегодно", "ИМЦ", "")]
    assert [(m.source_table, m.source_row) for m in doc.measures] == [(2, 5), (2, 6)]
    assert doc.title == "Дорожная карта по повышению качества образования на 2020-2021 учебный год"
    assert (doc.order_number, doc.order_date) == ("456", date(2020, 9, 15))
    assert doc.warnings == ["лист «Показатели»: пропущена — это не таблица мероприятий (нет столбцов «Мероприятие» "
                            "и «Срок»)."]


def test_order_in_a_layout_table_above_the_title(tmp_path):
    """The approval stamp often sits in a borderless table in the top right corner."""
    blocks = [T(["", "УТВЕРЖДАЮ\nНачальник управления образования\nприказ от 15.09.2020 № 456"], []),
              "Дорожная карта", "по переходу школ в эффективный режим работы на 2020-2021 учебный год",
              T(COLS5[:4], [M("1.", "Первое", "май", "УО")])]
    doc = parsed(tmp_path, blocks)
    assert (doc.order_number, doc.order_date) == ("456", date(2020, 9, 15))
    assert doc.title == "Дорожная карта по переходу школ в эффективный режим работы на 2020-2021 учебный год"


# ---------------------------------------------------------------------------------------------
# Refusals
# ---------------------------------------------------------------------------------------------
def test_a_document_without_a_measures_table_is_refused(tmp_path):
    blocks = ["Отчёт о целевых показателях",
              T(["Наименование показателя", "2021", "2022"], [["Доля ШНОР", "10%", "5%"]])]
    path = write_docx(tmp_path / "показатели.docx", blocks)
    doc = parse_roadmap(path, path.name)
    assert doc.refused and doc.measures == []
    assert doc.errors[0].startswith("В файле «показатели.docx» не найдена таблица мероприятий: нужны столбцы "
                                    "«Мероприятие» и «Срок»")
    d = docx.Document()
    d.add_paragraph("Просто текст без таблиц")
    d.save(tmp_path / "текст.docx")
    assert "не найдена таблица мероприятий" in parse_roadmap(tmp_path / "текст.docx", "текст.docx").errors[0]


def test_a_measures_header_with_no_measures_is_refused(tmp_path):
    path = write_docx(tmp_path / "пусто.docx", ["Дорожная карта", T(COLS5, [NUMBERING])])
    doc = parse_roadmap(path, path.name)
    assert doc.errors == ["В файле «пусто.docx» есть таблица мероприятий, но в ней нет ни одного мероприятия."]


@pytest.mark.parametrize("name,needle", [
    ("карта.doc", "Файл «карта.doc» — старый формат Word. Сохраните его как .docx (Файл → Сохранить как) или "
                  "загрузите таблицу Excel."),
    ("карта.pdf", "Файл «карта.pdf» — документ PDF"),
    ("карта.docm", "Файл «карта.docm» — документ Word с макросами"),
    ("карта.odt", "Формат файла «карта.odt» не подходит для дорожной карты"),
])
def test_formats_not_read_here_are_refused(tmp_path, name, needle):
    path = tmp_path / name
    path.write_bytes(b"\xd0\xcf\x11\xe0 anything")
    doc = parse_roadmap(path, name)
    assert doc.refused and doc.errors[0].startswith(needle)


@pytest.mark.parametrize("content,needle", [
    (b"", "пустой"),
    (b"PK\x03\x04 not really a zip", "повреждён или это не документ Word"),
    (b"plain text pretending", "повреждён или это не документ Word"),
])
def test_broken_files_are_refused_in_russian(tmp_path, content, needle):
    path = tmp_path / "карта.docx"
    path.write_bytes(content)
    doc = parse_roadmap(path, path.name)
    assert doc.refused and needle in doc.errors[0] and "карта.docx" in doc.errors[0]
    assert not ENGLISH_EXCEPTION.search(doc.errors[0])


def test_a_zip_that_is_not_a_word_document_is_refused(tmp_path):
    path = tmp_path / "архив.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    doc = parse_roadmap(path, path.name)
    assert doc.errors == ["Файл «архив.docx» не читается как документ Word: он повреждён или сохранён в другом "
                          "формате. Откройте его в Word и сохраните как .docx ещё раз."]


def _rezip(src, dst, extra: dict[str, bytes] | None = None, replace: dict[str, bytes] | None = None,
           stream: tuple[str, int] | None = None):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, (replace or {}).get(item.filename, zin.read(item)))
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
        if stream:
            name, size = stream
            with zout.open(name, "w", force_zip64=True) as fh:
                block = b" " * (1 << 20)
                for _ in range(size // len(block)):
                    fh.write(block)
    return dst


def test_a_zip_bomb_is_refused_before_python_docx_opens_it(tmp_path):
    good = write_docx(tmp_path / "good.docx", seed001_blocks())
    bomb = _rezip(good, tmp_path / "бомба.docx", stream=("word/padding.xml", roadmap_doc.MAX_XML_BYTES + (2 << 20)))
    assert bomb.stat().st_size < 2 * 1024 * 1024
    doc = parse_roadmap(bomb, bomb.name)
    assert doc.refused and doc.errors[0].startswith("Файл «бомба.docx» в распакованном виде слишком велик")


def test_too_many_parts_macros_and_entities_are_refused(tmp_path):
    good = write_docx(tmp_path / "good.docx", seed001_blocks())
    many = _rezip(good, tmp_path / "много.docx",
                  extra={f"word/media/p{i}.bin": b"" for i in range(roadmap_doc.MAX_ZIP_ENTRIES)})
    assert "слишком многих частей" in parse_roadmap(many, many.name).errors[0]
    macro = _rezip(good, tmp_path / "макро.docx", extra={"word/vbaProject.bin": b"\x00" * 10})
    assert "содержит макросы" in parse_roadmap(macro, macro.name).errors[0]
    with zipfile.ZipFile(good) as z:
        body = z.read("word/document.xml")
    lol = body.replace(b"<w:document", b'<!DOCTYPE lolz [<!ENTITY lol "lol">]><w:document', 1)
    ent = _rezip(good, tmp_path / "сущности.docx", replace={"word/document.xml": lol})
    assert "XML-сущности" in parse_roadmap(ent, ent.name).errors[0]


def test_a_file_above_the_upload_limit_is_refused(tmp_path):
    big = tmp_path / "большая.docx"
    with open(big, "wb") as fh:
        fh.truncate(50 * 1024 * 1024 + 1)
    doc = parse_roadmap(big, big.name)
    assert doc.errors[0].startswith("Файл «большая.docx» больше 50 МБ")


def test_hostile_spans_and_merges_do_not_break_the_reader(tmp_path):
    good = write_docx(tmp_path / "good.docx", ["Дорожная карта", T(COLS5[:4], [M("1.", "Первое", "май", "УО")])])
    with zipfile.ZipFile(good) as z:
        body = z.read("word/document.xml").decode()
    # a span of a billion columns, and a «continue» merge in the first row (no cell above)
    body = body.replace("<w:tc><w:tcPr>", '<w:tc><w:tcPr><w:gridSpan w:val="999999999"/><w:vMerge/>', 1)
    bad = _rezip(good, tmp_path / "span.docx", replace={"word/document.xml": body.encode()})
    doc = parse_roadmap(bad, bad.name)
    assert isinstance(doc, RoadmapDoc) and doc.refused
    assert not ENGLISH_EXCEPTION.search(" ".join(doc.errors + doc.warnings))


def test_excel_refusals_name_the_file(tmp_path):
    path = tmp_path / "книга.xlsx"
    path.write_bytes(b"not a workbook")
    doc = parse_roadmap(path, path.name)
    assert doc.refused and "книга.xlsx" in doc.errors[0]
    empty = write_xlsx(tmp_path / "пустая.xlsx", ["Просто строка"])
    assert "не найдена таблица мероприятий" in parse_roadmap(empty, empty.name).errors[0]


# ---------------------------------------------------------------------------------------------
# Through the sandbox
# ---------------------------------------------------------------------------------------------
def test_through_the_sandbox(tmp_path):
    from shnor.importing.sandbox import parse_in_child
    path = write_docx(tmp_path / "карта.docx", seed004_blocks())
    doc = parse_in_child(path, path.name, None, {}, entry="roadmap")
    assert isinstance(doc, RoadmapDoc) and not doc.errors
    assert rows(doc) == rows(parse_roadmap(path, path.name))
    assert (doc.order_number, doc.order_date) == ("1324", date(2020, 12, 3))
    refused = parse_in_child(tmp_path / "x.doc", "x.doc", None, {}, entry="roadmap")
    assert isinstance(refused, RoadmapDoc) and refused.errors[0].startswith("Файл «x.doc» — старый формат Word")


def test_sandbox_failures_of_the_roadmap_entry_speak_of_a_roadmap(tmp_path, monkeypatch):
    from shnor.importing import sandbox
    path = write_docx(tmp_path / "карта.docx", seed001_blocks())
    slow = sandbox.parse_in_child(path, path.name, None, {}, time_limit_s=0.01, entry="roadmap")
    assert isinstance(slow, RoadmapDoc) and "разбор дорожной карты занял больше 0.01 с" in slow.errors[0]

    import subprocess as sp
    real_run = sp.run

    def crash(cmd, **kw):
        return real_run([sys.executable, "-c", "raise ValueError('boom')"], capture_output=True, timeout=30)

    monkeypatch.setattr(sandbox.subprocess, "run", crash)
    doc = sandbox.parse_in_child(path, path.name, None, {}, entry="roadmap")
    assert isinstance(doc, RoadmapDoc) and doc.refused
    assert doc.errors[0].startswith("Файл «карта.docx» не удалось разобрать как дорожную карту")
    assert "протокол" not in doc.errors[0] and not ENGLISH_EXCEPTION.search(doc.errors[0])
    other = sandbox.parse_in_child(path, path.name, None, {})   # other entries keep their own message
    assert other.refused and "протокол ВПР" in other.issues[0].message


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_a_two_line_header_and_a_title_row_inside_the_table(tmp_path, fmt):
    """«Сроки» over «начало | окончание», the other header cells merged down; the title in a merged first row."""
    blocks = [T(["План мероприятий по переходу в эффективный режим работы на 2022 год", LEFT, LEFT, LEFT, LEFT], [
        ["№ п/п", "Мероприятие", "Сроки", LEFT, "Ответственный"],
        [ABOVE, ABOVE, "начало", "окончание", ABOVE],
        ["1.", "Первое", "январь", "март", "УО"]],
        fields=("number", "text", "deadline", "", "responsible"))]
    doc = parsed(tmp_path, blocks, fmt)
    assert rows(doc) == [("1.", "", "Первое", "январь", "УО", "")]
    assert doc.title == "План мероприятий по переходу в эффективный режим работы на 2022 год"
    assert doc.period_text == "на 2022 год"
