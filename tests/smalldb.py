"""A small hand-made region for the overview and school page tests, with figures computed by hand.

Тестовая область (region target 5 % for 2023/2024):
- Северный район (target 10 % for 2023/2024), schools S1…S11 (S11 closed after 2022/2023);
- Южный район (no own target: the region's 5 % applies), schools S12…S16.
Results years 2021, 2022, 2023 (school years by their start year); the default list year is 2024.

List 2024 (results 2023 and 2022), Северный, 10 active schools:
  S1  ШНОР, criterion 1: ВПР мат-5 4/10 and ВПР рус-5 3/10 in 2023 (marks of мат-5 known: 4, 3, 2, 1)
  S2  ШНОР, criteria 1+2: ВПР мат-5 6/20 (30 % exactly) and ВПР мат-6 6/20 in 2023, ВПР мат-6 6/20 in 2022
  S3  группа риска: one low procedure in 2023 (ОГЭ мат 3/10)
  S4  группа риска: ВПР мат-5 26/100 in 2023 (within 25–30 %)
  S5  нет данных (no result at all)
  S6  без низких результатов (ВПР мат-5 1/20 in 2022 and 2023, marks known), likewise S8, S9, S10
  S7  без низких результатов in 2024, but ШНОР in the 2023 list (two lows in 2022) -> left the list
  S11 closed (active until 2022): ШНОР in the 2023 list (two lows in 2022) -> left, «не действовала»
  S1  was not ШНОР in the 2023 list (2022 fine; 2021 lows alone need a 2022 low for criterion 2)
      -> entered the list; S2 stayed.
  Procedures among the ШНОР of Северный: ВПР мат-5 — 2 schools, ВПР мат-6 — 1, ВПР рус-5 — 1.
  => Северный: 2 ШНОР of 10 = 20,0 %; target 10 % allows floor(0,1 × 10) = 1 -> «на 1 ШНОР меньше».
Trend of Северный by results year: 2021: S1 (two lows in 2021) = 1 of 11 = 9,1 %;
  2022: S2, S7, S11 = 3 of 11 = 27,3 %; 2023: 2 of 10 = 20,0 %.
Южный, list 2024: 5 schools, S12 ШНОР (two lows in 2023) = 20,0 %; region target 5 % allows 0 -> gap 1.
Region, list 2024: 15 schools, 3 ШНОР = 20,0 %; 5 % allows floor(0,75) = 0 -> «на 3 ШНОР меньше».
"""
from __future__ import annotations

from pathlib import Path

from shnor.domain import events
from shnor.store import Store

PAGES = Path(__file__).resolve().parent.parent / "pages"

# school number -> (territory, login, extra columns)
SCHOOLS = {n: ("Северный район", f"sch4200{n:02d}") for n in range(1, 12)} | \
          {n: ("Южный район", f"sch4200{n:02d}") for n in range(12, 17)}

# (school, procedure, year, participants, low, marks 2..5 or None)
RESULTS = [
    (1, "VPR-MATH-5", 2023, 10, 4, (4, 3, 2, 1)),
    (1, "VPR-RUS-5", 2023, 10, 3, None),
    (1, "VPR-MATH-5", 2022, 10, 0, None),
    (1, "VPR-MATH-5", 2021, 10, 5, None),
    (1, "VPR-RUS-5", 2021, 10, 4, None),
    (2, "VPR-MATH-5", 2023, 20, 6, None),
    (2, "VPR-MATH-6", 2023, 20, 6, None),
    (2, "VPR-MATH-6", 2022, 20, 6, None),
    (2, "VPR-MATH-6", 2021, 20, 8, None),
    (3, "OGE-MATH", 2023, 10, 3, None),
    (3, "OGE-MATH", 2022, 10, 1, None),
    (4, "VPR-MATH-5", 2023, 100, 26, None),
    (7, "VPR-MATH-5", 2022, 10, 5, None),
    (7, "VPR-RUS-5", 2022, 10, 4, None),
    (7, "VPR-MATH-5", 2023, 10, 0, None),
    (11, "VPR-MATH-5", 2022, 10, 6, None),
    (11, "VPR-RUS-5", 2022, 10, 5, None),
    (12, "VPR-MATH-5", 2023, 10, 5, None),
    (12, "VPR-RUS-5", 2023, 10, 5, None),
] + [(n, "VPR-MATH-5", y, 20, 1, (1, 5, 8, 6)) for n in (6, 8, 9, 10, 13, 14, 15, 16) for y in (2022, 2023)]


def build_small_db(path: str | Path) -> dict[int, int]:
    """Create the database at `path`; returns school number -> school id."""
    store = Store.open(path)
    ids: dict[int, int] = {}
    try:
        with store.unit("test") as u:
            region = u.territories.add("Тестовая область", kind="region")
            terr = {name: u.territories.add(name, parent_id=region) for name in ("Северный район", "Южный район")}
            for n, (tname, login) in SCHOOLS.items():
                ids[n] = u.sql.run(
                    "INSERT INTO schools (login_key, fisoko_login, inn, short_name, full_name, territory_id, "
                    "school_type, ownership, is_shnsu, is_rural, active_to, exam_code_oge) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    ["S" + login[3:], login, None if n == 5 else f"42000000{n:02d}", f"Школа №{n}",
                     f"Муниципальное бюджетное общеобразовательное учреждение «Школа №{n}»", terr[tname],
                     "СОШ", "МБОУ", n == 3, n > 10, 2022 if n == 11 else None,
                     None if n == 5 else f"OGE{n:03d}"])[0][0]
            batch = u.sql.run("INSERT INTO import_batches (file_name, sha256, status) VALUES "
                              "('test', 'x', 'stored') RETURNING id")[0][0]
            u.sql.many("INSERT INTO results (school_id, procedure, year, participants, low_count, mark2, mark3, "
                       "mark4, mark5, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [[ids[n], proc, year, participants, low, *(marks or (None,) * 4), batch]
                        for n, proc, year, participants, low, marks in RESULTS])
            u.targets.set(terr["Северный район"], 2023, 0.10)
            u.targets.set(None, 2023, 0.05)
            u.record(events.IMPORT_STORED, batch=batch, file="test")
    finally:
        store.close()
    return ids


HOSTILE_SCHOOL = "**Школа** [x](http://evil.example) ![](http://evil.example/i.png)"
HOSTILE_TERRITORY = ":red[Т]"


def make_hostile(path: str | Path, school_id: int, territory: str = "Северный район") -> None:
    """Rename a school (short and full name) and a territory of the database file to Markdown that would show
    bold text, a link, an image and a red label if rendered."""
    store = Store.open(path)
    try:
        with store.unit("test") as u:
            u.sql.run("UPDATE schools SET short_name = ?, full_name = ? WHERE id = ?",
                      [HOSTILE_SCHOOL, HOSTILE_SCHOOL, school_id])
            u.sql.run("UPDATE territories SET name = ? WHERE id = ?", [HOSTILE_TERRITORY, u.territories.find(territory)])
            u.record(events.IMPORT_STORED, batch=0, file="hostile names")
    finally:
        store.close()


def login_token(path: str | Path, name: str, role: str, territory: str | None = None) -> str:
    """Adds user `name` with `role` (bound to `territory`) to the database file and opens a session for them."""
    from shnor.domain.permissions import SYSTEM
    from shnor.services import accounts
    store = Store.open(path)
    try:
        accounts.add_user(store, SYSTEM, name, role, "Пароль-для-теста-1", territory=territory)
        return accounts.create_session(store, name)
    finally:
        store.close()


def open_page_as(page: str, path: str | Path, name: str, role: str, territory: str | None = None,
                 query: dict | None = None, state: dict | None = None):
    """pages/<page>.py run in AppTest by a new user `name` logged in with `role`, after setting session state
    and query parameters; asserts the run raised nothing. The page file itself is the script, as on a fresh
    server: it must guard itself (under AppTest every rerun of a page reached through app.py runs the pages/
    file directly anyway)."""
    from streamlit.testing.v1 import AppTest
    token = login_token(path, name, role, territory)
    at = AppTest.from_file(str(PAGES / f"{page}.py"), default_timeout=60)
    at.session_state["_shnor_token"] = token
    for k, v in (state or {}).items():
        at.session_state[k] = v
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at
