"""The school's справка and an interview record as they print: converted to PDF by LibreOffice and to PNG pages by
pdftoppm into tests/artifacts/ (school-spravka-*.png, interview-record-*.png) to be looked at. Marked `libreoffice`;
skipped when soffice is absent (`make libreoffice`)."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from shnor.domain import events
from shnor.domain.permissions import SYSTEM
from shnor.reports import school_doc as sd
from shnor.services import interviews as isv
from shnor.services import support as sup
from shnor.store import Store

pytestmark = pytest.mark.libreoffice
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOPPM, PDFTOTEXT = shutil.which("pdftoppm"), shutil.which("pdftotext")


def render(docx_path: Path, work: Path, stem: str) -> tuple[Path, list[Path]]:
    """.docx -> PDF (LibreOffice with its own profile under `work`) -> PNG pages at 60 dpi, both in ARTIFACTS."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) не установлен: make libreoffice")
    if PDFTOPPM is None:
        pytest.skip("pdftoppm (poppler-utils) не установлен")
    env = {**os.environ, "HOME": str(work)}
    run = subprocess.run([SOFFICE, f"-env:UserInstallation=file://{work / 'lo-profile'}", "--headless",
                          "--convert-to", "pdf", "--outdir", str(work), str(docx_path)],
                         capture_output=True, text=True, timeout=180, env=env)
    pdf = work / (docx_path.stem + ".pdf")
    assert pdf.exists(), run.stdout + run.stderr
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob(f"{stem}-*.png"):
        old.unlink()
    shutil.copy(pdf, ARTIFACTS / f"{stem}.pdf")
    subprocess.run([PDFTOPPM, "-png", "-r", "60", str(pdf), str(ARTIFACTS / stem)], check=True, timeout=120)
    pages = sorted(ARTIFACTS.glob(f"{stem}-*.png"))
    assert pages
    return pdf, pages


def pdf_text(pdf: Path) -> str:
    if PDFTOTEXT is None:
        return ""
    return subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, text=True, timeout=60).stdout


def prepare(path: Path, ids: dict[int, int]) -> int:
    """School 2 of the small region with a partner, a risk profile, two roadmap measures and an interview."""
    store = Store.open(path)
    try:
        with store.unit("test") as u:
            u.settings.set("department_name", "Управление образования администрации Тестового района", "test")
            rid = u.roadmaps.create(title="Дорожная карта", period_text="", period_start=None, period_end=None,
                                    order_number="", order_date=None, territory_id=None, school_id=None,
                                    file_name="карта.docx", sha256="render", actor="test")
            for i, (num, text, deadline) in enumerate([
                    ("1.3.", "Собеседование с руководителями общеобразовательных организаций, имеющих низкие "
                             "образовательные результаты", "Ноябрь 2024 года"),
                    ("2.1.", "Составление индивидуальных образовательных маршрутов для обучающихся «группы риска»",
                     "до 15.12.2024")]):
                mid = u.roadmaps.add_measure(rid, i + 1, {
                    "number": num, "section": "", "text": text, "deadline_text": deadline, "deadline_flagged": False,
                    "deadline_note": "", "responsible": "Управление образования", "expected_result": "",
                    "schools_text": ""})
                u.roadmaps.set_schools(mid, [ids[2]])
            u.record(events.ROADMAP_IMPORTED, roadmap=rid)
        sup.set_risk_levels(store, SYSTEM, ids[2], 2024, {4: ("высокий", {"ovz_share": 12.5}), 6: "высокий",
                                                          8: "средний", 10: "низкий"})
        sup.pair_partner(store, SYSTEM, ids[2], ids[10], reason="Договор о сетевом партнёрстве от 02.09.2024 № 5")
        return isv.save_interview(
            store, SYSTEM, ids[2], held_on=dt.date(2024, 11, 20),
            participants="Иванова И. И., начальник отдела общего образования\nПетров П. П., директор школы",
            findings="Доля «2» по математике в 6 классе третий год на пороге 30 %; индивидуальных маршрутов для "
                     "группы риска нет; взаимопосещения с партнёром не начаты.",
            decisions="Составить маршруты до 15.12.2024; начать взаимопосещения уроков математики.",
            follow_up="Отчёт директора на совещании в январе 2025 года.",
            measure_ids=[mid]).interview_id
    finally:
        store.close()


def test_school_spravka_and_record_render(small_db, tmp_path):
    path, ids = small_db
    iid = prepare(path, ids)
    store = Store.open(path)
    try:
        doc = sd.write_school_spravka(store, SYSTEM, 2024, ids[2], tmp_path / "school-spravka.docx",
                                      today=dt.date(2024, 11, 25)).path
        rec = sd.write_interview_record(store, SYSTEM, iid, tmp_path / "interview-record.docx").path
    finally:
        store.close()
    pdf, pages = render(doc, tmp_path, "school-spravka")
    assert 1 <= len(pages) <= 4
    text = pdf_text(pdf)
    if text:
        flat = " ".join(text.split())
        for phrase in ("СПРАВКА к собеседованию с руководителем", "Школа №2", "ШНОР (критерии 1+2)",
                       "Что нужно, чтобы выйти из списка на 2025/2026", "Партнёр: Школа №10",
                       "Мероприятия дорожной карты", "высокий риск — 2 фактора", "Прежние собеседования"):
            assert phrase in flat, phrase
    pdf, pages = render(rec, tmp_path, "interview-record")
    assert len(pages) == 1
    text = pdf_text(pdf)
    if text:
        flat = " ".join(text.split())
        assert "ЗАПИСЬ СОБЕСЕДОВАНИЯ" in flat and "Руководитель школы" in flat
