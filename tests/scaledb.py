"""A tiny region whose ВПР results keep score histograms, for the scale-correction tests (service, CLI, page).

Тестовая область › Северный район. ВПР математика 5 кл., 2021/2022, stored under scale A; the corrected
scale B moves a score of 7 from «3» to «2». Marks (2, 3, 4, 5) computed by hand:
- Школа А: 10 pupils, scores 3,3,5,6,7,8,9,12,15,18 — A: 4, 3, 1, 2 (40 %); B: 5, 2, 1, 2 (50 %);
- Школа Б: 10 pupils, scores 1,4,7,10,11,12,13,15,16,17 — A: 2, 2, 3, 3 (20 %); B: 3, 1, 3, 3 (30 %: low),
  and ВПР русский 5 кл. 3 of 10 from a report (low, no histogram): risk group -> ШНОР in the list on 2022/2023;
- Школа В: 6 pupils, scores 12,13,15,16,18,20 — 0, 0, 2, 4 under both (not affected);
- Школа Г: a result from a report (10 participants, 1 «2»), no histogram: not recomputable.
An earlier value of Школа А is kept for undo (result_replacements).
"""
from __future__ import annotations

import json

from shnor.domain import events
from shnor.domain.reference import recompute_marks
from shnor.domain.scales import MarkScale
from shnor.store import Store

SCALE_A = {2: (0, 6), 3: (7, 10), 4: (11, 14), 5: (15, 20)}
SCALE_B = {2: (0, 7), 3: (8, 10), 4: (11, 14), 5: (15, 20)}   # «3» from 8: a score of 7 is now «2»


def hist(*scores: int) -> dict[int, int]:
    out: dict[int, int] = {}
    for s in scores:
        out[s] = out.get(s, 0) + 1
    return out


H_A = hist(3, 3, 5, 6, 7, 8, 9, 12, 15, 18)      # scale A: 4, 3, 1, 2 (40 %); scale B: 5, 2, 1, 2 (50 %)
H_B = hist(1, 4, 7, 10, 11, 12, 13, 15, 16, 17)  # scale A: 2, 2, 3, 3 (20 %); scale B: 3, 1, 3, 3 (30 %: low)
H_C = hist(12, 13, 15, 16, 18, 20)               # 6 pupils, scale A and B: 0, 0, 2, 4 (not affected)
YEAR = 2021


def build(path) -> tuple[Store, dict[str, int], dict[str, int]]:
    """The region above in a new file at `path`: (open store, school ids by name, territory ids)."""
    store = Store.open(path)
    with store.unit("test") as u:
        region = u.territories.add("Тестовая область", kind="region")
        north = u.territories.add("Северный район", parent_id=region)
        ids = {}
        for i, name in enumerate(["Школа А", "Школа Б", "Школа В", "Школа Г"], start=1):
            ids[name] = u.sql.run("INSERT INTO schools (login_key, fisoko_login, short_name, territory_id) "
                                  "VALUES (?, ?, ?, ?) RETURNING id", [f"S42000{i}", f"sch42000{i}", name, north])[0][0]
        batch = u.sql.run("INSERT INTO import_batches (file_name, sha256, status) VALUES ('t.xlsx', 'x', 'stored') "
                          "RETURNING id")[0][0]
        scale = MarkScale("VPR-MATH-5", YEAR, dict(SCALE_A))
        u.reference.set_mark_scale(scale)
        rows = [("Школа А", "VPR-MATH-5", H_A), ("Школа Б", "VPR-MATH-5", H_B), ("Школа В", "VPR-MATH-5", H_C)]
        for name, proc, h in rows:
            m = recompute_marks(scale, h).marks
            u.sql.run("INSERT INTO results (school_id, procedure, year, participants, low_count, mark2, mark3, mark4, "
                      "mark5, score_hist, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      [ids[name], proc, YEAR, sum(h.values()), m[2], m[2], m[3], m[4], m[5],
                       json.dumps({str(k): v for k, v in h.items()}), batch])
        for name, proc, n, low in [("Школа Г", "VPR-MATH-5", 10, 1), ("Школа Б", "VPR-RUS-5", 10, 3)]:
            u.sql.run("INSERT INTO results (school_id, procedure, year, participants, low_count, batch_id) "
                      "VALUES (?, ?, ?, ?, ?, ?)", [ids[name], proc, YEAR, n, low, batch])
        old = {"participants": 10, "low_count": 4, "mark2": 4, "mark3": 3, "mark4": 1, "mark5": 2,
               "score_hist": json.dumps({str(k): v for k, v in H_A.items()}), "batch_id": batch}
        u.sql.run("INSERT INTO result_replacements (batch_id, school_id, procedure, year, old_row) VALUES (?, ?, ?, ?, ?)",
                  [batch + 1, ids["Школа А"], "VPR-MATH-5", YEAR, json.dumps(old)])
        u.record(events.IMPORT_STORED, batch=batch, file="t.xlsx")
    return store, ids, {"region": region, "north": north}


