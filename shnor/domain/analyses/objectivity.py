"""Objectivity of ВПР results: the school's ВПР marks against its pupils' journal marks
(«Сравнение отметок с отметками по журналу» of ФИС ОКО), per school, procedure and year, beside the
territory (the school's municipality, pooled over its schools) and the region (pooled over all schools).

Kept per result (shnor/importing/layouts/vpr_protocol.py): `journal_below` — pupils whose ВПР mark is below
their journal mark («понизили»), `journal_equal` («подтвердили»), `journal_above` («повысили»); pupils
without a journal mark are not compared.

The flag («возможна необъективность») fires on either pattern, among schools with at least
`MIN_COMPARED` compared pupils:
- **match**: the ВПР marks confirmed or raised the journal marks for at least `MATCH_MIN_PCT` % of the
  compared pupils, and that share is at least `MATCH_GAP_PP` percentage points above the territory's.
  Where the ВПР is written honestly, a quarter to a third of the pupils get a lower mark than in the journal
  (Алтайский край 2021: 62–66 % confirmed or raised across the region, schools' 90th percentile 93–95 %;
  territories' shares spread by 10–14 p.p.), so 90 % and 15 p.p. above the territory (about one and a half
  times that spread) mark the top decile, and 10 compared pupils keep one pupil from moving the share by
  more than 10 p.p.;
- **few_twos** («мало «2» при высоком совпадении»): the same high match (at least `MATCH_MIN_PCT` %), and
  a share of «2» at most a third of the territory's while the territory has at least
  `FEW_TWOS_TERRITORY_MIN_PCT` % «2». It catches schools of territories where the match is high everywhere
  (so the gap of the first pattern cannot show) and only this school has almost no «2».
The journal's own failing marks are not kept (only the three counts are), so «far fewer «2» than the
journal's failing marks» cannot be computed: the second pattern compares the «2» with the territory instead.
All comparisons are exact, in integers. Pure: no database.
"""
from __future__ import annotations

import pandas as pd

from shnor.domain.fmt import fmt_int, fmt_num, fmt_share
from shnor.domain.years import format_school_year

MIN_COMPARED = 10              # pupils with a journal mark compared, at least
MATCH_MIN_PCT = 90             # confirmed or raised, at least this share
MATCH_GAP_PP = 15              # … and this many percentage points above the territory
FEW_TWOS_RATIO = 3             # «2» share at most 1/3 of the territory's
FEW_TWOS_TERRITORY_MIN_PCT = 10  # … where the territory has at least this share of «2»

MATCH, FEW_TWOS = "match", "few_twos"
PATTERN_RU = {MATCH: "совпадение с журналом намного выше территории",
              FEW_TWOS: "мало «2» при высоком совпадении с журналом"}

CRITERION_RU = (
    f"Флаг «возможна необъективность» ставится школе по работе ВПР, если с журналом сравнены отметки не менее "
    f"{MIN_COMPARED} участников и отметки ВПР подтвердили или превысили журнальные не менее чем у {MATCH_MIN_PCT} % "
    f"из них, причём (1) эта доля на {MATCH_GAP_PP} п. п. и более выше, чем по территории, или (2) доля «2» по ВПР "
    f"не больше трети территориальной при не менее {FEW_TWOS_TERRITORY_MIN_PCT} % «2» по территории. "
    "Флаг — повод проверить, как проводилась и проверялась работа, а не вывод о нарушении.")
NOT_COMPUTABLE_RU = ("Доля «2» в журнале не хранится (сохраняются только числа понизивших, подтвердивших и "
                     "повысивших отметку), поэтому «2» по ВПР сравниваются с территорией, а не с журналом.")

COLUMNS = ["school_id", "territory_id", "procedure", "year", "participants", "low_count", "below", "equal",
           "above", "compared", "confirmed", "share", "territory_share", "region_share", "gap_pp", "low_share",
           "territory_low_share", "region_low_share", "match", "few_twos", "flag", "pattern", "reason"]


def _int(v) -> int:
    return 0 if v is None or pd.isna(v) else int(v)


def objectivity_table(results: pd.DataFrame, region: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per school, procedure and year of `results` (columns school_id, territory_id, procedure, year,
    participants, low_count, journal_below, journal_equal, journal_above): the comparison with the journal,
    the territory's and the region's figures, and the flag.

    `region`: the results the region's figures pool (same columns; default `results`). The territory's
    figures pool the territory's schools in `region` (so pass the whole region even when `results` is a
    part of it). Rows without journal data have `compared` 0, shares None and no flag."""
    region = results if region is None else region
    if results.empty:
        return pd.DataFrame(columns=COLUMNS)
    r = _counts(results)
    g = _counts(region)
    keys = ["procedure", "year"]
    terr = g.groupby(["territory_id"] + keys)[["confirmed", "compared", "low_count", "participants"]].sum()
    reg = g.groupby(keys)[["confirmed", "compared", "low_count", "participants"]].sum()
    rows = []
    for x in r.itertuples(index=False):
        tk, rk = (x.territory_id, x.procedure, x.year), (x.procedure, x.year)
        t = terr.loc[tk] if tk in terr.index else None
        t_conf, t_cmp = (int(t["confirmed"]), int(t["compared"])) if t is not None else (0, 0)
        t_low, t_n = (int(t["low_count"]), int(t["participants"])) if t is not None else (0, 0)
        rg = reg.loc[rk] if rk in reg.index else None
        r_conf, r_cmp = (int(rg["confirmed"]), int(rg["compared"])) if rg is not None else (0, 0)
        r_low, r_n = (int(rg["low_count"]), int(rg["participants"])) if rg is not None else (0, 0)
        c, conf, n, low = int(x.compared), int(x.confirmed), int(x.participants), int(x.low_count)
        m = is_match(conf, c, t_conf, t_cmp)
        f2 = is_few_twos(conf, c, low, n, t_low, t_n)
        pattern = "+".join(p for p, on in ((MATCH, m), (FEW_TWOS, f2)) if on)
        rows.append({
            "school_id": int(x.school_id), "territory_id": x.territory_id, "procedure": x.procedure,
            "year": int(x.year), "participants": n, "low_count": low, "below": int(x.below),
            "equal": int(x.equal), "above": int(x.above), "compared": c, "confirmed": conf,
            "share": conf / c if c else None, "territory_share": t_conf / t_cmp if t_cmp else None,
            "region_share": r_conf / r_cmp if r_cmp else None,
            "gap_pp": (conf / c - t_conf / t_cmp) * 100 if c and t_cmp else None,
            "low_share": low / n if n else None, "territory_low_share": t_low / t_n if t_n else None,
            "region_low_share": r_low / r_n if r_n else None,
            "match": m, "few_twos": f2, "flag": m or f2, "pattern": pattern,
            "reason": reason(conf, c, t_conf, t_cmp, low, n, t_low, t_n, m, f2)})
    return pd.DataFrame(rows, columns=COLUMNS)


def _counts(df: pd.DataFrame) -> pd.DataFrame:
    out = df[["school_id", "territory_id", "procedure", "year", "participants", "low_count"]].copy()
    for src, dst in (("journal_below", "below"), ("journal_equal", "equal"), ("journal_above", "above")):
        out[dst] = [_int(v) for v in df[src]] if src in df else 0
    out["participants"] = [_int(v) for v in out["participants"]]
    out["low_count"] = [_int(v) for v in out["low_count"]]
    out["compared"] = out["below"] + out["equal"] + out["above"]
    out["confirmed"] = out["equal"] + out["above"]
    return out


def is_match(confirmed: int, compared: int, t_confirmed: int, t_compared: int) -> bool:
    """Pattern 1 in integers: compared >= MIN_COMPARED, confirmed/compared >= MATCH_MIN_PCT %, and
    confirmed/compared - t_confirmed/t_compared >= MATCH_GAP_PP / 100."""
    if compared < MIN_COMPARED or not t_compared:
        return False
    high = confirmed * 100 >= MATCH_MIN_PCT * compared
    gap = 100 * (confirmed * t_compared - t_confirmed * compared) >= MATCH_GAP_PP * compared * t_compared
    return high and gap


def is_few_twos(confirmed: int, compared: int, low: int, participants: int, t_low: int, t_participants: int) -> bool:
    """Pattern 2 in integers: compared >= MIN_COMPARED, confirmed/compared >= MATCH_MIN_PCT %, the territory
    has at least FEW_TWOS_TERRITORY_MIN_PCT % «2», and low/participants <= (t_low/t_participants) / 3."""
    if compared < MIN_COMPARED or not participants or not t_participants:
        return False
    high = confirmed * 100 >= MATCH_MIN_PCT * compared
    territory_has = t_low * 100 >= FEW_TWOS_TERRITORY_MIN_PCT * t_participants
    few = low * FEW_TWOS_RATIO * t_participants <= t_low * participants
    return high and territory_has and few


def reason(conf: int, c: int, t_conf: int, t_cmp: int, low: int, n: int, t_low: int, t_n: int,
           match: bool, few: bool) -> str:
    """The row's Russian explanation with its figures."""
    if not c:
        return "Нет данных о журнальных отметках — сравнение невозможно."
    head = (f"Отметки ВПР подтвердили или превысили журнальные у {fmt_share(conf, c)} участников "
            f"({fmt_int(conf)} из {fmt_int(c)})")
    if t_cmp:
        head += f" при {fmt_share(t_conf, t_cmp)} по территории"
    parts = [head]
    if t_n:
        parts.append(f"«2» по ВПР — {fmt_share(low, n)} при {fmt_share(t_low, t_n)} по территории")
    text = "; ".join(parts) + "."
    if c < MIN_COMPARED:
        return text + f" Сравнено меньше {MIN_COMPARED} участников — флаг не ставится."
    if match:
        gap = (conf / c - t_conf / t_cmp) * 100
        text += f" Флаг: совпадение с журналом выше территориального на {fmt_num(gap, 1)} п. п."
    if few:
        text += " Флаг: «2» по ВПР не больше трети территориальной доли при высоком совпадении с журналом."
    return text


def with_history(table: pd.DataFrame, year: int, span: int = 3) -> pd.DataFrame:
    """The rows of `year` with their history over `span` years (year - span + 1 … year) from `table`
    (objectivity_table over those years): flags (count of flagged years with data), history_ru
    («2018/2019 — нет данных; 2019/2020 — 78,0 %; 2020/2021 — 95,0 % (флаг)»), and flag_<k> for k = 1..span-1
    (the flag k years before: True, False, or None without data)."""
    years = list(range(year - span + 1, year + 1))
    cur = table[table["year"] == year].copy()
    by_key = {(int(s), p, int(y)): r for s, p, y, r in zip(table["school_id"], table["procedure"], table["year"],
                                                          table.itertuples(index=False))}
    hist, counts = [], []
    prev: dict[int, list] = {k: [] for k in range(1, span)}
    for s, p in zip(cur["school_id"], cur["procedure"]):
        parts, n_flag = [], 0
        for y in years:
            r = by_key.get((int(s), p, y))
            if r is None or not r.compared:
                parts.append(f"{format_school_year(y)} — нет данных")
                if y != year:
                    prev[year - y].append(None)
                continue
            mark = " (флаг)" if r.flag else ""
            parts.append(f"{format_school_year(y)} — {fmt_share(r.confirmed, r.compared)}{mark}")
            n_flag += bool(r.flag)
            if y != year:
                prev[year - y].append(bool(r.flag))
        hist.append("; ".join(parts))
        counts.append(n_flag)
    cur["flags"] = counts
    cur["history_ru"] = hist
    for k, vals in prev.items():
        cur[f"flag_{k}"] = vals
    return cur.reset_index(drop=True)
