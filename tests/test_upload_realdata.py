"""Every real Алтай file (../shared/realdata, read in place; skipped when absent) uploaded on the page into a FRESH
database without leaving it (issue 7): the ВПР protocols of autumn 2020, spring 2021 and spring 2022 and the three
registries. What a file does not say is asked once with the likely values already chosen; the year's missing
scale (autumn 2020: the 2019/2020 programme; spring 2022: 2021/2022 — neither ships) is entered inline by an admin,
and a methodist is told which scale is missing and who enters it. A fresh database has no schools: nothing is
foreign to it."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REALDATA
from pagetest import PASSWORD, page_as, texts
from shnor.domain.permissions import SYSTEM
from shnor.services import accounts
from shnor.store import Store
from shnor.ui.safe import md

pytestmark = pytest.mark.realdata
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROTOCOLS = REALDATA / "fisoko_vpr_protocols_altai"
REGISTRIES = REALDATA / "fisoko_registry_altai"
SPRING_2021 = ["vpr2021spring_ma5.xlsx", "vpr2021spring_ma6.xlsx", "vpr2021spring_ru5.xlsx", "vpr2021spring_ru6.xlsx"]
AUTUMN_2020 = ["vpr2020autumn_work-ma4_written-by-grade5.xlsx", "vpr2020autumn_work-ma5_written-by-grade6.xlsx",
               "vpr2020autumn_work-ma6_written-by-grade7.xlsx", "vpr2020autumn_work-ru4_written-by-grade5.xlsx",
               "vpr2020autumn_work-ru5_written-by-grade6.xlsx", "vpr2020autumn_work-ru6_written-by-grade7.xlsx"]
SPRING_2022 = ["vpr2022spring_ma5_partial.xlsx", "vpr2022spring_ma6_partial.xlsx", "vpr2022spring_ru5_partial.xlsx",
               "vpr2022spring_ru6_partial.xlsx"]
REGISTRY_FILES = ["altai_school_logins_sch_2021.xlsx", "altai_context_OO_2022_depersonalised.xlsx",
                  "DERIVED_altai_oo_crosswalk_2022.csv"]
# (procedure, year) each protocol is: from the name and the content (autumn 2020 counts for 2019/2020)
WORK = {"ma4": "VPR-MATH-4", "ma5": "VPR-MATH-5", "ma6": "VPR-MATH-6", "ru4": "VPR-RUS-4", "ru5": "VPR-RUS-5",
        "ru6": "VPR-RUS-6"}
# What the admin types for the scales that do not ship: the 2020/2021 values of the same works (ФИОКО 2021,
# realdata/README.md and shnor/domain/vpr_scales.csv) — the autumn 2020 round used the 2020 materials, whose
# maxima are the same (the highest totals of the real files agree).
ADMIN_SCALES = {"VPR-MATH-4": (6, 10, 15, 20), "VPR-MATH-5": (7, 11, 15, 20), "VPR-MATH-6": (6, 10, 14, 16),
                "VPR-RUS-4": (14, 24, 33, 38), "VPR-RUS-5": (18, 29, 39, 45), "VPR-RUS-6": (25, 35, 45, 51)}


def work_of(name: str) -> str:
    return next(code for tag, code in WORK.items() if f"_{tag}" in name or f"-{tag}" in name)


@pytest.fixture
def fresh(tmp_path, monkeypatch, clear_streamlit_caches):
    """A fresh database (no schools, no territories, the shipped scales only) with a methodist and an admin."""
    path = tmp_path / "fresh.duckdb"
    store = Store.open(path)
    try:
        accounts.add_user(store, SYSTEM, "methodist", "methodist", PASSWORD)
        accounts.add_user(store, SYSTEM, "admin", "admin", PASSWORD)
    finally:
        store.close()
    monkeypatch.setenv("SHNOR_DB", str(path))
    return path


def button(at, label):
    return next((b for b in at.button if b.label == label), None)


def upload_real(user: str, path: Path):
    if not path.exists():
        pytest.skip(f"реальные данные недоступны: {path}")
    at = page_as("upload", user, timeout=600)
    at.run()
    at.get("file_uploader")[0].set_value((path.name, path.read_bytes(), XLSX)).run()
    assert not at.exception, at.exception
    return at


def no_refusal(at) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert "файл отклонён" not in texts(at)


def go_on_and_save(at, name: str, enter_scale: bool) -> list[str]:
    """Answer what the page asks with what it proposes (or, for a scale, what the admin types), then save. Returns
    the steps taken."""
    steps = []
    for _ in range(4):
        no_refusal(at)
        if button(at, "Продолжить") is not None:
            chosen = {s.label: s.value for s in at.selectbox
                      if s.label in ("Какая это работа?", "За какой учебный год?")}
            assert chosen and None not in chosen.values(), f"nothing proposed for {name}: {chosen}"
            assert chosen.get("Какая это работа?", work_of(name)) == work_of(name)
            steps.append("ask")
            button(at, "Продолжить").click().run()
            continue
        if button(at, "Сохранить шкалу и продолжить") is not None:
            assert enter_scale
            inputs = {n.label: n for n in at.number_input}
            for label, value in zip(("«3» от", "«4» от", "«5» от", "Максимум"), ADMIN_SCALES[work_of(name)]):
                inputs[label].set_value(value)
            steps.append("scale")
            button(at, "Сохранить шкалу и продолжить").click().run()
            continue
        save = button(at, "Сохранить")
        assert save is not None and not save.disabled, texts(at)[-1500:]
        assert not [c for c in at.checkbox if "другого региона" in c.label]     # a fresh database: nothing foreign
        steps.append("save")
        save.click().run()
        no_refusal(at)
        return steps
    raise AssertionError(f"{name}: not saved after {steps}: {texts(at)[-1500:]}")


def stored(name: str) -> tuple[int, str | None, int | None]:
    from pagetest import page_store
    row = page_store().sql.one("SELECT rows_stored, procedure, year FROM import_batches WHERE file_name = ? "
                               "AND status = 'stored'", [name])
    assert row is not None, f"{name} is not stored"
    return row


@pytest.mark.parametrize("name", SPRING_2021)
def test_a_methodist_uploads_a_spring_2021_protocol_asked_once(fresh, name):
    at = upload_real("methodist", PROTOCOLS / name)
    [box] = [i.value for i in at.info if "Какая это работа?" in i.value]
    assert "За какой учебный год результаты?" in box and "**2020/2021**" in box
    assert go_on_and_save(at, name, enter_scale=False) == ["ask", "save"]
    rows, proc, year = stored(name)
    assert (proc, year) == (work_of(name), 2020) and rows > 600
    assert f"{md(name)}: Протокол ВПР ФИС ОКО (весна 2021)" in texts(at) and f"сохранено строк: {rows}" in texts(at)


@pytest.mark.parametrize("name", AUTUMN_2020 + SPRING_2022)
def test_an_admin_uploads_a_protocol_whose_scale_is_missing_entering_it_inline(fresh, name):
    at = upload_real("admin", PROTOCOLS / name)
    steps = go_on_and_save(at, name, enter_scale=True)
    autumn = name.startswith("vpr2020autumn")
    # autumn 2020: the work is asked (the year is the programme's, 2019/2020); 2022: the file says both
    assert steps == (["ask", "scale", "save"] if autumn else ["scale", "save"])
    rows, proc, year = stored(name)
    assert (proc, year) == (work_of(name), 2019 if autumn else 2021) and rows > 0
    from pagetest import page_store
    scale = page_store().reference.mark_scales()[(proc, year)]
    assert scale.max_score == ADMIN_SCALES[proc][3]


@pytest.mark.parametrize("name", [AUTUMN_2020[0], SPRING_2022[0]])
def test_a_methodist_is_told_which_scale_is_missing_and_who_enters_it(fresh, name):
    at = upload_real("methodist", PROTOCOLS / name)
    if button(at, "Продолжить") is not None:
        button(at, "Продолжить").click().run()
    no_refusal(at)
    year = "2019/2020" if name.startswith("vpr2020autumn") else "2021/2022"
    [msg] = [w.value for w in at.warning if "Нет шкалы" in w.value]
    from shnor.domain import procedures
    assert f"«{procedures.name_ru(work_of(name))}» за {year} учебный год" in msg
    assert "администратор региона на странице «Настройки»" in msg and f"scale set {work_of(name)} {year}" in msg
    assert button(at, "Сохранить") is None and not at.number_input


@pytest.mark.parametrize("name", REGISTRY_FILES)
def test_a_methodist_uploads_a_real_registry(fresh, name):
    at = upload_real("methodist", REGISTRIES / name)
    assert go_on_and_save(at, name, enter_scale=False) == ["save"]
    rows, _, _ = stored(name)
    assert rows >= 678
