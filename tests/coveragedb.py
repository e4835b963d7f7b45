"""A hand-made region for the coverage rule (shnor/domain/coverage.py) on the pages, in the CLI and in the
list workbook, with every figure computed by hand. Default setting: a verdict needs results for 90 % of the
schools; 90 % exactly keeps it.

Область охвата; targets for 2023/2024 (the list of 2024/2025): region 5 %, each district 5 %.
List 2024 (results 2023 = Y−1):
  Полный район    10 schools, all 10 with results (100 %)  1 ШНОР  -> 5 % allows 0: «на 1 ШНОР меньше»
  Район-90        10 schools,  9 with results  (90 % exactly) 0 ШНОР -> «Цель 5 % достигнута: ШНОР нет»
  Район-89       100 schools, 89 with results  (89 %)       1 ШНОР  -> 5 % allows 5, but no verdict
  Район-91       100 schools, 91 with results  (91 %)       1 ШНОР  -> «Цель 5 % достигнута: ШНОР 1, …»
  Пустой район     no school at all                                 -> no share, no verdict
  Region: 220 schools, 199 with results (90,45 %), 3 ШНОР; 5 % allows 11 -> «Цель 5 % достигнута».
List 2023 (results 2022): only Полный район has results (10 of 220 schools): no verdict for the region,
  «результатов нет» for Район-90, Район-89, Район-91.
No results before 2022: the list of 2022 (results 2021) has none at all.

A ШНОР school: ВПР мат-5 5/10 and ВПР рус-5 5/10 in 2023 (criterion 1). Any other school with results:
ВПР мат-5 1/20 (and the same in 2022 in Полный район).
"""
from __future__ import annotations

from pathlib import Path

from shnor.domain import events
from shnor.store import Store

REGION = "Область охвата"
FULL, AT90, AT89, AT91, EMPTY = "Полный район", "Район-90", "Район-89", "Район-91", "Пустой район"
# territory: (schools, with results in 2023, ШНОР in 2024)
PLAN = {FULL: (10, 10, 1), AT90: (10, 9, 0), AT89: (100, 89, 1), AT91: (100, 91, 1)}
YEAR = 2024
TERRITORIES = [FULL, AT90, AT89, AT91, EMPTY]


def school_login(territory: str, n: int) -> str:
    return f"sch{TERRITORIES.index(territory) + 1}{n:04d}"


def build_coverage_db(path: str | Path) -> dict[str, int]:
    """Create the database at `path`; returns territory name -> id."""
    store = Store.open(path)
    try:
        with store.unit("test") as u:
            region = u.territories.add(REGION, kind="region")
            terr = {name: u.territories.add(name, parent_id=region) for name in TERRITORIES}
            batch = u.sql.run("INSERT INTO import_batches (file_name, sha256, status) VALUES "
                              "('coverage', 'c', 'stored') RETURNING id")[0][0]
            rows = []
            for name, (n, with_data, shnor) in PLAN.items():
                for i in range(1, n + 1):
                    login = school_login(name, i)
                    sid = u.sql.run(
                        "INSERT INTO schools (login_key, fisoko_login, short_name, full_name, territory_id, "
                        "school_type) VALUES (?, ?, ?, ?, ?, 'СОШ') RETURNING id",
                        ["S" + login[3:], login, f"Школа {name} №{i}", f"МБОУ «Школа {name} №{i}»",
                         terr[name]])[0][0]
                    if i > with_data:
                        continue
                    if i <= shnor:
                        rows += [[sid, "VPR-MATH-5", 2023, 10, 5, batch], [sid, "VPR-RUS-5", 2023, 10, 5, batch]]
                    else:
                        rows.append([sid, "VPR-MATH-5", 2023, 20, 1, batch])
                    if name == FULL:
                        rows.append([sid, "VPR-MATH-5", 2022, 20, 1, batch])
            u.sql.many("INSERT INTO results (school_id, procedure, year, participants, low_count, batch_id) "
                       "VALUES (?, ?, ?, ?, ?, ?)", rows)
            u.targets.set(None, 2023, 0.05)
            for name in TERRITORIES:
                u.targets.set(terr[name], 2023, 0.05)
            u.record(events.IMPORT_STORED, batch=batch, file="coverage")
    finally:
        store.close()
    return terr
