"""The Word documents as they print: the «аналитическая справка» converted to PDF by LibreOffice and to PNG pages
by pdftoppm, saved in tests/artifacts/ to be looked at. Marked `libreoffice`; skipped when soffice is absent
(`make libreoffice` / `make test-deps` install it)."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from shnor.domain import events
from shnor.domain.permissions import SYSTEM
from shnor.store import Store

pytestmark = pytest.mark.libreoffice
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOPPM = shutil.which("pdftoppm")


def render(docx: Path, out_dir: Path, stem: str) -> list[Path]:
    """docx -> PDF (LibreOffice, its own profile in out_dir) -> PNG pages (pdftoppm, 80 dpi) in ARTIFACTS."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) не установлен: make libreoffice")
    if PDFTOPPM is None:
        pytest.skip("pdftoppm (poppler-utils) не установлен")
    profile = out_dir / "lo-profile"
    env = {**os.environ, "HOME": str(out_dir)}
    run = subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                          "--outdir", str(out_dir), str(docx)], capture_output=True, text=True, timeout=180, env=env)
    pdf = out_dir / (docx.stem + ".pdf")
    assert pdf.exists(), run.stdout + run.stderr
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob(f"{stem}-*.png"):
        old.unlink()
    shutil.copy(pdf, ARTIFACTS / f"{stem}.pdf")
    subprocess.run([PDFTOPPM, "-png", "-r", "80", str(pdf), str(ARTIFACTS / stem)], check=True, timeout=120)
    pages = sorted(ARTIFACTS.glob(f"{stem}-*.png"))
    assert pages
    return pages


def pdf_text(pdf: Path) -> str:
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        return ""
    return subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, timeout=60).stdout


def demo_like(path: Path) -> None:
    """The small region made to look like a real one: roadmap measures overdue and done, a department's name, a
    hostile school name."""
    store = Store.open(path)
    try:
        with store.unit("test") as u:
            u.settings.set("department_name", "Управление образования администрации Тестового муниципального района",
                           "test")
            u.settings.set("department_head_name", "И. И. Иванова", "test")
            u.sql.run("UPDATE schools SET short_name = ? WHERE short_name = ?",
                      ["=HYPERLINK(\"http://evil.example\";\"Школа №1\")", "Школа №1"])
            u.record(events.SETTING_CHANGED, key="department_name")
    finally:
        store.close()


def test_spravka_renders_to_pdf_and_png(small_db, tmp_path):
    from shnor.reports.spravka import write_spravka
    path, _ = small_db
    demo_like(path)
    store = Store.open(path)
    try:
        info = write_spravka(store, SYSTEM, 2024, None, tmp_path / "справка_регион.docx", today=date(2024, 9, 2))
        north = store.territories.find("Северный район")
        info_n = write_spravka(store, SYSTEM, 2024, north, tmp_path / "справка_северный.docx", today=date(2024, 9, 2))
    finally:
        store.close()
    pages = render(info.path, tmp_path, "spravka-region")
    assert 2 <= len(pages) <= 8
    text = pdf_text(ARTIFACTS / "spravka-region.pdf")
    if text:
        assert "АНАЛИТИЧЕСКАЯ СПРАВКА" in text
        assert "20,0" in text and "нужно на 3 школы меньше" in " ".join(text.split())
        assert "=HYPERLINK" in text
    pages_n = render(info_n.path, tmp_path, "spravka-north")
    assert pages_n


def test_spravka_on_a_letterhead_renders(small_db, tmp_path):
    """The department's own letterhead: its header and body text kept, the справка in place of the marker."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    from shnor.reports.spravka import write_spravka
    from shnor.services.templates import upload_template
    path, _ = small_db
    d = docx.Document()
    header = d.sections[0].header.paragraphs[0]
    header.text = "Комитет по образованию администрации г. Тестовска · ул. Ленина, 1 · тел. 8 (800) 000-00-00"
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, bold in (("АДМИНИСТРАЦИЯ ГОРОДА ТЕСТОВСКА", True), ("КОМИТЕТ ПО ОБРАЗОВАНИЮ", True),
                       ("{{СОДЕРЖАНИЕ}}", False)):
        p = d.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(text)
        run.bold, run.font.size = bold, Pt(14)
    buf = io.BytesIO()
    d.save(buf)
    store = Store.open(path)
    try:
        upload_template(store, SYSTEM, "spravka", "бланк.docx", buf.getvalue())
        info = write_spravka(store, SYSTEM, 2024, None, tmp_path / "справка_бланк.docx", today=date(2024, 9, 2))
    finally:
        store.close()
    pages = render(info.path, tmp_path, "spravka-letterhead")
    text = pdf_text(ARTIFACTS / "spravka-letterhead.pdf")
    if text:
        assert "КОМИТЕТ ПО ОБРАЗОВАНИЮ" in text and "Комитет по образованию администрации г. Тестовска" in text
        assert "УПРАВЛЕНИЕ ОБРАЗОВАНИЯ" not in text
    assert pages
